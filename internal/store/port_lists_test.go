package store_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

func portList(n int, orgID, name, notation string) scanconfig.PortList {
	l, err := portspec.Parse(notation)
	if err != nil {
		panic(err)
	}
	p := scanconfig.PortList{ID: id(100 + n), OrganizationID: orgID, Name: name, AppTypes: []string{"nmap", "openvas"},
		Active: true, CreatedAt: t0, UpdatedAt: t0}
	for i, r := range l {
		p.Ranges = append(p.Ranges, scanconfig.PortRange{ID: id(1000 + 10*n + i), Range: r})
	}
	return p
}

func TestBuiltinPortListsMatchTheCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		for _, want := range scanconfig.BuiltinPortLists() {
			// Every organization sees the same rows.
			for _, org := range []string{f.cus.ID, f.other.ID} {
				got, err := f.s.R().FindPortList(ctx, org, want.ID)
				must(t, err)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("built-in %s in the database differs from scanconfig.BuiltinPortLists (a change of portspec's lists needs a migration):\n got %+v\nwant %+v",
						want.Name, got, want)
				}
			}
		}
	})
}

func TestPortListTenancy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		mine := portList(1, f.cus.ID, "Mine", "T:22,80-90,U:53")
		theirs := portList(2, f.other.ID, "Theirs", "T:443")
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.CreatePortList(ctx, mine); err != nil {
				return err
			}
			return q.CreatePortList(ctx, theirs)
		}))
		r := f.s.R()
		got, err := r.FindPortList(ctx, f.cus.ID, mine.ID)
		must(t, err)
		if !reflect.DeepEqual(got, mine) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, mine)
		}
		if _, err := r.FindPortList(ctx, f.cus.ID, theirs.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another organization's list: %v", err)
		}
		// The partner above the customer does not see it either: port lists
		// are the current organization's.
		if _, err := r.FindPortList(ctx, f.partner.ID, mine.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("the parent's view: %v", err)
		}
		// Writes never reach another organization's list, nor a built-in.
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			for _, probe := range []struct{ org, id string }{{f.cus.ID, theirs.ID}, {f.cus.ID, scanconfig.PortListAllTCP}} {
				p := theirs
				p.ID = probe.id
				if err := q.UpdatePortList(ctx, probe.org, p, true); !errs.Is(err, errs.NotFound) {
					return fmt.Errorf("update %s: %v", probe.id, err)
				}
				if err := q.DeletePortList(ctx, probe.org, probe.id); !errs.Is(err, errs.NotFound) {
					return fmt.Errorf("delete %s: %v", probe.id, err)
				}
			}
			return nil
		}))
		list, total, err := r.FindPortLists(ctx, f.cus.ID, params(t, &scanconfig.PortListListing, "sort_by=name"), false)
		must(t, err)
		var names []string
		for _, p := range list {
			names = append(names, p.Name)
		}
		if total != 5 || fmt.Sprint(names) != "[All TCP Common TCP Mine PCI ASV Web]" {
			t.Fatalf("list = %d %v", total, names)
		}
		if len(list[2].Ranges) != 3 || list[0].Ranges[0].End != 65535 {
			t.Fatalf("lists carry their ranges: %+v", list[2].Ranges)
		}
	})
}

func TestPortListFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		a := portList(1, f.cus.ID, "Nmap only", "T:1-100")
		a.AppTypes = []string{"nmap"}
		b := portList(2, f.cus.ID, "Off", "T:1-10")
		b.Active = false
		b.AppTypes = []string{"agent"}
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.CreatePortList(ctx, a); err != nil {
				return err
			}
			return q.CreatePortList(ctx, b)
		}))
		for _, tc := range []struct {
			query      string
			activeOnly bool
			want       string
		}{
			{"q[builtin]=false&sort_by=name", false, "[Nmap only Off]"},
			{"q[builtin]=true&q[name]=tcp&sort_by=name", false, "[All TCP Common TCP]"},
			{"q[app_type]=agent&q[builtin]=false", false, "[Off]"},
			{"q[app_type]=agent,nmap&q[builtin]=false&sort_by=name", false, "[Nmap only Off]"},
			{"q[active]=false", false, "[Off]"},
			{"q[builtin]=false", true, "[Nmap only]"},
			{"q[port_count]=65535", false, "[All TCP]"},
			{"q[builtin]=false&sort_by=port_count desc", false, "[Nmap only Off]"},
		} {
			list, total, err := f.s.R().FindPortLists(ctx, f.cus.ID, params(t, &scanconfig.PortListListing, tc.query), tc.activeOnly)
			must(t, err)
			var names []string
			for _, p := range list {
				names = append(names, p.Name)
			}
			if fmt.Sprint(names) != tc.want || total != len(names) {
				t.Errorf("%s (active only %v) = %d %v, want %s", tc.query, tc.activeOnly, total, names, tc.want)
			}
		}
	})
}

func TestPortListUpdateAndNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		p := portList(1, f.cus.ID, "Mine", "T:22")
		must(t, f.s.Tx(ctx, func(q *store.Q) error { return q.CreatePortList(ctx, p) }))
		// A name is unique in its organization, whatever the case; another
		// organization may use it.
		err := f.s.Tx(ctx, func(q *store.Q) error { return q.CreatePortList(ctx, portList(2, f.cus.ID, "MINE", "T:1")) })
		if _, ok := err.(*store.ErrDuplicate); !ok {
			t.Fatalf("duplicate name: %v", err)
		}
		must(t, f.s.Tx(ctx, func(q *store.Q) error { return q.CreatePortList(ctx, portList(3, f.other.ID, "Mine", "T:1")) }))

		p.Name, p.Active, p.AppTypes = "Renamed", false, []string{"builtin"}
		p.Ranges = []scanconfig.PortRange{p.Ranges[0], {ID: id(9001), Range: portspec.Range{Protocol: "udp", Start: 161, End: 162}}}
		p.UpdatedAt = t0.Add(time.Second)
		must(t, f.s.Tx(ctx, func(q *store.Q) error { return q.UpdatePortList(ctx, f.cus.ID, p, true) }))
		got, err := f.s.R().FindPortList(ctx, f.cus.ID, p.ID)
		must(t, err)
		if !reflect.DeepEqual(got, p) {
			t.Fatalf("after update:\n got %+v\nwant %+v", got, p)
		}
		list, _, err := f.s.R().FindPortLists(ctx, f.cus.ID, params(t, &scanconfig.PortListListing, "q[port_count]=3"), false)
		must(t, err)
		if len(list) != 1 || list[0].ID != p.ID {
			t.Fatalf("port_count follows the ranges: %+v", list)
		}
		must(t, f.s.Tx(ctx, func(q *store.Q) error { return q.DeletePortList(ctx, f.cus.ID, p.ID) }))
		if _, err := f.s.R().FindPortList(ctx, f.cus.ID, p.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("deleted list: %v", err)
		}
	})
}
