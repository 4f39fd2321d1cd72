package scanconfig

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/portspec"
)

func tcp(a, b int) portspec.Range { return portspec.Range{Protocol: "tcp", Start: a, End: b} }
func udp(a, b int) portspec.Range { return portspec.Range{Protocol: "udp", Start: a, End: b} }

func TestPortsInputList(t *testing.T) {
	tests := []struct {
		name string
		in   PortsInput
		want string              // normalized notation when valid
		errs map[string][]string // exact field errors when invalid
	}{
		{name: "ranges merge", in: PortsInput{Field: "port_ranges", Ranges: []portspec.Range{tcp(80, 90), tcp(85, 100), {Protocol: "UDP", Start: 53, End: 53}, tcp(101, 101)}},
			want: "T:80-101,U:53"},
		{name: "notation", in: PortsInput{Field: "ports", Notation: "T:1-1024,8080,U:53,161"}, want: "T:1-1024,8080,U:53,161"},
		{name: "notation overlaps", in: PortsInput{Field: "ports", Notation: "22,20-25,U:161-162,162"}, want: "T:20-25,U:161-162"},
		{name: "port above range", in: PortsInput{Field: "port_ranges", Ranges: []portspec.Range{tcp(1, 2), tcp(3, 4), tcp(80, 70000)}},
			errs: map[string][]string{"port_ranges[2].end": {"70000 is outside 1-65535"}}},
		{name: "reversed", in: PortsInput{Field: "port_ranges", Ranges: []portspec.Range{tcp(90, 80)}},
			errs: map[string][]string{"port_ranges[0].end": {"80 is before start 90 (reversed range)"}}},
		{name: "every problem of every item", in: PortsInput{Field: "port_ranges", Ranges: []portspec.Range{{Protocol: "icmp", Start: 0, End: 5}, {Start: 1, End: 1}}},
			errs: map[string][]string{
				"port_ranges[0].protocol": {"'icmp' is not tcp or udp"},
				"port_ranges[0].start":    {"0 is outside 1-65535"},
				"port_ranges[1].protocol": {"is missing (tcp or udp)"},
			}},
		{name: "no ranges", in: PortsInput{Field: "port_ranges", Ranges: nil},
			errs: map[string][]string{"port_ranges": {"at least one port range is required"}}},
		{name: "notation names the item", in: PortsInput{Field: "ports", Notation: "T:80,70000,U:x"},
			errs: map[string][]string{"ports": {"'70000': port 70000 is outside 1-65535", "'U:x': 'x' is not a port number"}}},
		{name: "notation reversed", in: PortsInput{Field: "port_ranges", Notation: "T:100-90"},
			errs: map[string][]string{"port_ranges": {"'T:100-90': range is reversed (100 is after 90)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := errs.Fields{}
			l := tt.in.List(f)
			if tt.errs != nil {
				if l != nil || !reflect.DeepEqual(map[string][]string(f), tt.errs) {
					t.Fatalf("List = %v, errors %v; want errors %v", l, f, tt.errs)
				}
				return
			}
			if len(f) > 0 || l.String() != tt.want {
				t.Fatalf("List = %q, errors %v; want %q", l.String(), f, tt.want)
			}
		})
	}
}

func TestPortsInputRangeLimit(t *testing.T) {
	var b strings.Builder
	for p := 1; p <= 2*(MaxPortRanges+1); p += 2 {
		fmt.Fprintf(&b, "%d,", p)
	}
	f := errs.Fields{}
	if l := (PortsInput{Field: "ports", Notation: b.String()}).List(f); l != nil || len(f["ports"]) != 1 ||
		!strings.Contains(f["ports"][0], fmt.Sprintf("has %d ranges after merging", MaxPortRanges+1)) {
		t.Fatalf("a list of %d ranges: %v", MaxPortRanges+1, f)
	}
	f = errs.Fields{}
	if l := (PortsInput{Field: "ports", Notation: "1-65535,U:1-65535"}).List(f); len(l) != 2 || len(f) != 0 {
		t.Fatalf("two big ranges are fine: %v %v", l, f)
	}
}

func TestNormalizeAppTypes(t *testing.T) {
	f := errs.Fields{}
	if got := NormalizeAppTypes("app_type", []string{"OpenVAS", " nmap", "nmap"}, f); !reflect.DeepEqual(got, []string{"nmap", "openvas"}) || len(f) != 0 {
		t.Fatalf("got %v, %v", got, f)
	}
	f = errs.Fields{}
	NormalizeAppTypes("app_type", []string{"nmap", "nessus"}, f)
	if !reflect.DeepEqual(f["app_type"], []string{"'nessus' is not one of: builtin, agent, nmap, openvas"}) {
		t.Fatalf("unknown type: %v", f)
	}
	f = errs.Fields{}
	NormalizeAppTypes("app_type", nil, f)
	if len(f["app_type"]) != 1 {
		t.Fatalf("empty list must be refused: %v", f)
	}
}

func seqIDs() func() string {
	n := 0
	return func() string { n++; return fmt.Sprintf("new-%d", n) }
}

func TestAssignRangeIDs(t *testing.T) {
	old := []PortRange{{"a", tcp(22, 22)}, {"b", tcp(80, 80)}, {"c", tcp(443, 443)}, {"d", udp(53, 53)}}
	// Adding 81-442 merges 80, the new ports and 443 into one new range; 22
	// and udp 53 keep their ids.
	merged := PortList{Ranges: old}.Ports().Union(portspec.List{tcp(81, 442)})
	got := AssignRangeIDs(old, merged, seqIDs())
	want := []PortRange{{"a", tcp(22, 22)}, {"new-1", tcp(80, 443)}, {"d", udp(53, 53)}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Unchanged lists keep every id.
	if again := AssignRangeIDs(got, merged, seqIDs()); !reflect.DeepEqual(again, got) {
		t.Fatalf("renormalizing changed ids: %v", again)
	}
}

func TestPortListInputApply(t *testing.T) {
	name := func(s string) *string { return &s }
	// Create: name and ports required, app types default to all.
	_, err := PortListInput{}.Apply(PortList{}, seqIDs())
	e, _ := errs.As(err)
	if e == nil || len(e.Fields["name"]) != 1 || len(e.Fields["port_ranges"]) != 1 {
		t.Fatalf("empty create: %v", err)
	}
	p, err := PortListInput{Name: name(" Mine "), Ports: &PortsInput{Field: "ports", Notation: "22,80"}}.Apply(PortList{}, seqIDs())
	if err != nil || p.Name != "Mine" || !reflect.DeepEqual(p.AppTypes, PortListAppTypes) || p.PortCount() != 2 || p.Ranges[0].ID != "new-1" {
		t.Fatalf("create: %+v %v", p, err)
	}
	// Built-in names are taken, whatever the case.
	_, err = PortListInput{Name: name("all tcp"), Ports: &PortsInput{Field: "ports", Notation: "22"}}.Apply(PortList{}, seqIDs())
	if e, _ := errs.As(err); e == nil || !strings.Contains(fmt.Sprint(e.Fields["name"]), "built-in") {
		t.Fatalf("built-in name: %v", err)
	}
	// Update: unchanged fields stay; errors name every bad field.
	p.ID = "x"
	up, err := PortListInput{Description: name("d")}.Apply(p, seqIDs())
	if err != nil || up.Name != "Mine" || up.Description != "d" || up.PortCount() != 2 {
		t.Fatalf("update: %+v %v", up, err)
	}
	types := []string{"bogus"}
	_, err = PortListInput{Name: name(""), AppTypes: &types}.Apply(p, seqIDs())
	if e, _ := errs.As(err); e == nil || len(e.Fields["name"]) != 1 || len(e.Fields["app_type"]) != 1 {
		t.Fatalf("bad update: %v", err)
	}
}

func TestBuiltinPortLists(t *testing.T) {
	lists := BuiltinPortLists()
	want := map[string]string{"All TCP": PortListAllTCP, "Common TCP": PortListCommonTCP, "Web": PortListWeb, "PCI ASV": PortListPCIASV}
	if len(lists) != len(want) {
		t.Fatalf("%d built-in lists", len(lists))
	}
	seen := map[string]bool{}
	for k, l := range lists {
		if want[l.Name] != l.ID || !l.Builtin() || !l.Active {
			t.Errorf("%s: id %s, builtin %v, active %v", l.Name, l.ID, l.Builtin(), l.Active)
		}
		if b := portspec.Builtins()[k]; l.Ports().String() != b.Ports.String() {
			t.Errorf("%s: ports differ from portspec", l.Name)
		}
		for _, r := range l.Ranges {
			if seen[r.ID] {
				t.Errorf("range id %s twice", r.ID)
			}
			seen[r.ID] = true
		}
	}
	if l := lists[0]; l.PortCount() != 65535 {
		t.Errorf("All TCP has %d ports", l.PortCount())
	}
	if !IsBuiltinPortListName(" pci asv ") || IsBuiltinPortListName("PCI") {
		t.Error("IsBuiltinPortListName")
	}
}

func FuzzPortsInput(f *testing.F) {
	f.Add("T:1-1024,8080,U:53,161", 80, 90, "tcp")
	f.Add("U:0", 0, -5, "icmp")
	f.Add("1-65535,U:1-65535", 65535, 1, "UDP")
	f.Fuzz(func(t *testing.T, notation string, start, end int, proto string) {
		for _, in := range []PortsInput{
			{Field: "ports", Notation: notation},
			{Field: "port_ranges", Ranges: []portspec.Range{{Protocol: proto, Start: start, End: end}, tcp(1, 1)}},
		} {
			f := errs.Fields{}
			l := in.List(f)
			if (l == nil) == (len(f) == 0) {
				t.Fatalf("%+v: list %v with errors %v", in, l, f)
			}
			if l != nil {
				if again, err := portspec.Parse(l.String()); err != nil || again.String() != l.String() {
					t.Fatalf("%+v: normalized list %q does not read back: %v", in, l, err)
				}
			}
		}
	})
}
