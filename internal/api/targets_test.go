package api_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

func TestTargets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		e := tr.e
		var id string
		apitest.Run(t, []apitest.Scenario{
			{Name: "create", As: tr.c1User, Method: "POST", Path: "/v2/targets",
				Body: map[string]any{"name": "DMZ", "hosts": "10.0.0.1-20\n10.0.0.0/28, 2001:db8::/126 web.example.com", "exclude_hosts": "10.0.0.5",
					"tags": []string{"prod", "prod", "dmz"}, "product": "vrms"}, Status: 201,
				Want:  []string{`"host_count":25`, `"hosts":"10.0.0.1-20\n10.0.0.0/28, 2001:db8::/126 web.example.com"`, `"tags":["prod","dmz"]`, `"port_list_id":null`},
				Check: func(t *testing.T, r *apitest.Resp) { id = r.Str("target.id") }},
			{Name: "every invalid entry", As: tr.c1User, Method: "POST", Path: "/v2/targets",
				Body: map[string]any{"name": "Bad", "hosts": "10.0.0.0/33, 10.0.0.9-10.0.0.1, ok.example.com, -bad-.com", "exclude_hosts": "1.2.3.4.5"}, Status: 422,
				Want: []string{`'10.0.0.0/33' is not a valid IP, range, CIDR or hostname`, `10.0.0.9-10.0.0.1`, `-bad-.com`, `"exclude_hosts":["'1.2.3.4.5'`}},
			{Name: "blank", As: tr.c1User, Method: "POST", Path: "/v2/targets", Body: map[string]any{}, Status: 422,
				Want: []string{`"name":["can't be blank"]`, `"hosts"`}},
			{Name: "huge IPv6 refused", As: tr.c1User, Method: "POST", Path: "/v2/targets", Body: map[string]any{"name": "v6", "hosts": "2001:db8::/64"}, Status: 422,
				Want: []string{"too many hosts"}},
			{Name: "bad product", As: tr.c1User, Method: "POST", Path: "/v2/targets", Body: map[string]any{"name": "x", "hosts": "10.0.0.1", "product": "web"}, Status: 422,
				Want: []string{`"product":["'web' is not one of: pci, vrms, penetration"]`}},
			{Name: "unknown port list", As: tr.c1User, Method: "POST", Path: "/v2/targets",
				Body: map[string]any{"name": "x", "hosts": "10.0.0.1", "port_list_id": "01900000-0000-7000-8000-00000000abcd"}, Status: 422, Want: []string{`"port_list_id"`}},
			{Name: "read-only users cannot create", As: e.NewUser(tr.c1Admin, tr.c1, "read_only"), Method: "POST", Path: "/v2/targets",
				Body: map[string]any{"name": "x", "hosts": "10.0.0.1"}, Status: 403},
			{Name: "preview", As: tr.c1User, Method: "POST", Path: "/v2/targets/calculate_hosts",
				Body: map[string]any{"hosts": "10.0.0.0/8, nope!!, 192.168.0.1-3", "exclude_hosts": "10.0.0.0/9"}, Status: 200,
				Want: []string{`"count":8388611`, `"entry":"nope!!"`, `"field":"hosts"`, `"hosts":["10.128.0.0"`}},
			{Name: "preview nothing valid", As: tr.c1User, Method: "POST", Path: "/v2/targets/calculate_hosts", Body: map[string]any{"hosts": ""}, Status: 200,
				Want: []string{`"count":0`, `"hosts":[]`, `required`}},
		})
		apitest.Run(t, []apitest.Scenario{
			{Name: "show", As: tr.c1Admin, Method: "GET", Path: "/v2/targets/" + id, Status: 200, Want: []string{`"name":"DMZ"`}},
			{Name: "filter by hosts wildcard", As: tr.c1User, Method: "GET", Path: "/v2/targets?q[hosts]=10.0.*&q[product]=vrms", Status: 200, Want: []string{`"total_count":1`}},
			{Name: "filter misses", As: tr.c1User, Method: "GET", Path: "/v2/targets?q[hosts]=192.168.*", Status: 200, Want: []string{`"total_count":0`}},
			{Name: "update hosts", As: tr.c1User, Method: "PUT", Path: "/v2/targets/" + id, Body: map[string]any{"hosts": "192.168.1.0/24", "exclude_hosts": ""}, Status: 200,
				Want: []string{`"host_count":256`, `"name":"DMZ"`}},
			{Name: "update invalid keeps the old", As: tr.c1User, Method: "PUT", Path: "/v2/targets/" + id, Body: map[string]any{"hosts": "999.1.1.1"}, Status: 422},
			{Name: "still the old hosts", As: tr.c1User, Method: "GET", Path: "/v2/targets/" + id, Status: 200, Want: []string{`"host_count":256`}},
			{Name: "audit has the diff", As: tr.c1Admin, Method: "GET", Path: "/v2/audit/events?q[resource_id]=" + id + "&q[action]=target.update", Status: 200,
				Want: []string{`"hosts":["10.0.0.1-20\n10.0.0.0/28, 2001:db8::/126 web.example.com","192.168.1.0/24"]`}},
			// Another organization sees nothing of it.
			{Name: "other org: show", As: tr.c2Admin, Method: "GET", Path: "/v2/targets/" + id, Status: 404},
			{Name: "other org: update", As: tr.c2Admin, Method: "PUT", Path: "/v2/targets/" + id, Body: map[string]any{"name": "mine"}, Status: 404},
			{Name: "other org: delete", As: tr.c2Admin, Method: "DELETE", Path: "/v2/targets/" + id, Status: 404},
			{Name: "other org: bulk", As: tr.c2Admin, Method: "DELETE", Path: "/v2/targets", Body: map[string]any{"ids": []string{id}}, Status: 404},
			{Name: "other org: list", As: tr.c2Admin, Method: "GET", Path: "/v2/targets?q[name]=DMZ", Status: 200, Want: []string{`"total_count":0`}},
			{Name: "partner admin acts in its own org only", As: tr.pAdmin, Method: "GET", Path: "/v2/targets/" + id, Status: 404},
		})
		// Bulk delete is all or nothing.
		other := tr.c2Admin.Do("POST", "/v2/targets", map[string]any{"name": "C2", "hosts": "10.9.9.9"}).Str("target.id")
		apitest.Run(t, []apitest.Scenario{
			{Name: "bulk with a foreign id", As: tr.c1User, Method: "DELETE", Path: "/v2/targets", Body: map[string]any{"ids": []string{id, other}}, Status: 404,
				Want: []string{"nothing was deleted"}},
			{Name: "nothing deleted", As: tr.c1User, Method: "GET", Path: "/v2/targets/" + id, Status: 200},
			{Name: "bulk", As: tr.c1User, Method: "DELETE", Path: "/v2/targets", Body: map[string]any{"ids": []string{id}}, Status: 200, Want: []string{`"deleted":1`}},
			{Name: "gone", As: tr.c1User, Method: "GET", Path: "/v2/targets/" + id, Status: 404},
			{Name: "foreign target intact", As: tr.c2Admin, Method: "GET", Path: "/v2/targets/" + other, Status: 200},
		})
	})
}

func TestTargetsRespectMaxIPs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.New(t, engine)
		ctx := context.Background()
		now := time.Now().UTC()
		err := e.Store.Tx(ctx, func(q *store.Q) error {
			return q.CreatePlan(ctx, tenant.Plan{ID: "01900000-0000-7000-8000-0000000000f1", Product: "pci", Name: "Tiny",
				Features: tenant.Features{"max_ips": 300}, CreatedAt: now, UpdatedAt: now})
		})
		if err != nil {
			t.Fatal(err)
		}
		org := e.NewOrg(e.Admin, map[string]any{"name": "Small Co", "skip_default_subscription": true,
			"plans": []any{map[string]any{"plan": "Tiny"}}})
		u := e.NewUser(e.Admin, org, "admin")
		apitest.Run(t, []apitest.Scenario{
			{Name: "within the plan", As: u, Method: "POST", Path: "/v2/targets", Body: map[string]any{"name": "a", "hosts": "10.0.0.0/24"}, Status: 201},
			{Name: "overlap does not count twice", As: u, Method: "POST", Path: "/v2/targets", Body: map[string]any{"name": "b", "hosts": "10.0.0.0/25, 10.0.1.0-10.0.1.43"}, Status: 201},
			{Name: "over the plan", As: u, Method: "POST", Path: "/v2/targets", Body: map[string]any{"name": "c", "hosts": "10.0.1.44"}, Status: 403,
				Want: []string{"max_ips: 300 allowed, 301 in use"}},
			{Name: "everything excluded", As: u, Method: "POST", Path: "/v2/targets", Body: map[string]any{"name": "c", "hosts": "10.0.2.0/24", "exclude_hosts": "10.0.2.0/24"}, Status: 422,
				Want: []string{`"exclude_hosts":["excludes every host of the target"]`}},
			{Name: "exclusions make room", As: u, Method: "POST", Path: "/v2/targets", Body: map[string]any{"name": "c", "hosts": "10.0.0.0/23", "exclude_hosts": "10.0.1.44-10.0.1.255"}, Status: 201},
			{Name: "no subscription to the product", As: u, Method: "POST", Path: "/v2/targets", Body: map[string]any{"name": "v", "hosts": "10.0.0.1", "product": "vrms"}, Status: 403,
				Want: []string{"no active subscription"}},
		})
		if !strings.Contains(e.Admin.Do("GET", "/v2/organizations/"+org, nil).Str("organization.subscriptions.0.plan"), "Tiny") {
			t.Fatal("organization should be on the Tiny plan")
		}
	})
}

// TestTargetsShowPlatformExclusions: hosts inside the platform's scan
// exclusions are accepted, and the answer lists them (issue 15).
func TestTargetsShowPlatformExclusions(t *testing.T) {
	e := apitest.NewWithConfig(t, store.SQLite, app.Config{ScanExclude: app.DefaultScanExclude + ", metadata.internal"})
	var id string
	apitest.Run(t, []apitest.Scenario{
		{Name: "create with excluded hosts", As: e.Admin, Method: "POST", Path: "/v2/targets",
			Body: map[string]any{"name": "cloud", "hosts": "10.0.0.1, 169.254.169.254, fe80::1, metadata.internal, 169.254.0.0/24"}, Status: 201,
			Want:  []string{`"excluded_hosts":["169.254.0.0/24","169.254.169.254","fe80::1","metadata.internal"]`, `"host_count":260`},
			Check: func(t *testing.T, r *apitest.Resp) { id = r.Str("target.id") }},
		{Name: "nothing excluded", As: e.Admin, Method: "POST", Path: "/v2/targets", Body: map[string]any{"name": "lan", "hosts": "10.0.0.0/24"}, Status: 201,
			Want: []string{`"excluded_hosts":[]`}},
	})
	apitest.Run(t, []apitest.Scenario{
		{Name: "update: a partial overlap lists the covered part", As: e.Admin, Method: "PUT", Path: "/v2/targets/" + id, Body: map[string]any{"hosts": "169.253.255.0-169.254.0.255"}, Status: 200,
			Want: []string{`"excluded_hosts":["169.254.0.0/24"]`}},
		{Name: "the target's own exclusions are not repeated", As: e.Admin, Method: "PUT", Path: "/v2/targets/" + id,
			Body: map[string]any{"hosts": "169.254.1.0/24", "exclude_hosts": "169.254.1.0/25"}, Status: 200, Want: []string{`"excluded_hosts":["169.254.1.128/25"]`}},
		{Name: "show", As: e.Admin, Method: "GET", Path: "/v2/targets/" + id, Status: 200, Want: []string{`"excluded_hosts":["169.254.1.128/25"]`}},
		{Name: "wizard", As: e.Admin, Method: "POST", Path: "/v2/scans/wizard",
			Body: map[string]any{"target": map[string]any{"name": "w", "hosts": "fe80::/120"}, "scan": map[string]any{"name": "w"}}, Status: 201,
			Want: []string{`"excluded_hosts":["fe80::/120"]`}},
	})
}

// TestTargetHostsFilter: q[hosts] matches any one entry of a host list, and
// an address finds the targets whose CIDR or range holds it.
func TestTargetHostsFilter(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		u := tr.c1User
		mk := func(name, hosts, exclude string) {
			if r := u.Do("POST", "/v2/targets", map[string]any{"name": name, "hosts": hosts, "exclude_hosts": exclude}); r.Status != 201 {
				t.Fatalf("create %s: %s", name, r)
			}
		}
		mk("lab", "127.0.0.1, 127.0.0.2-127.0.0.4\n127.0.1.0/30 localhost", "")
		mk("dmz", "10.0.0.0/24", "10.0.0.7")
		mk("v6", "2001:db8::1-2001:db8::ff", "")
		tr.c2Admin.Do("POST", "/v2/targets", map[string]any{"name": "theirs", "hosts": "127.0.1.0/24"})
		names := func(q string) func(*testing.T, *apitest.Resp) {
			return func(t *testing.T, r *apitest.Resp) {
				t.Helper()
				var got []string
				for i := 0; r.Str("targets."+strconv.Itoa(i)+".name") != ""; i++ {
					got = append(got, r.Str("targets."+strconv.Itoa(i)+".name"))
				}
				if want := strings.Fields(q); !slices.Equal(got, want) {
					t.Errorf("got %v, want %v", got, want)
				}
			}
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "wildcard matches one entry, not the list", As: u, Method: "GET", Path: "/v2/targets?q[hosts]=127.0.1.*", Status: 200, Check: names("lab")},
			{Name: "wildcard anchored on the entry", As: u, Method: "GET", Path: "/v2/targets?q[hosts]=*.0/30", Status: 200, Check: names("lab")},
			{Name: "wildcard never spans two entries", As: u, Method: "GET", Path: "/v2/targets?q[hosts]=127.0.0.1*localhost", Status: 200, Check: names("")},
			{Name: "a hostname", As: u, Method: "GET", Path: "/v2/targets?q[hosts]=LOCALHOST", Status: 200, Check: names("lab")},
			{Name: "an address inside a range", As: u, Method: "GET", Path: "/v2/targets?q[hosts]=127.0.0.3", Status: 200, Check: names("lab")},
			{Name: "an address inside a CIDR", As: u, Method: "GET", Path: "/v2/targets?q[hosts]=127.0.1.2&sort_by=name", Status: 200, Check: names("lab")},
			{Name: "an excluded address is not a target's", As: u, Method: "GET", Path: "/v2/targets?q[hosts]=10.0.0.7", Status: 200, Check: names("")},
			{Name: "its neighbour is", As: u, Method: "GET", Path: "/v2/targets?q[hosts]=10.0.0.8", Status: 200, Check: names("dmz")},
			{Name: "IPv6 inside a range", As: u, Method: "GET", Path: "/v2/targets?q[hosts]=2001:DB8::80", Status: 200, Check: names("v6")},
			{Name: "contains still works", As: u, Method: "GET", Path: "/v2/targets?q[hosts]=0.0/2&sort_by=name", Status: 200, Check: names("dmz")},
			{Name: "an address outside every target", As: u, Method: "GET", Path: "/v2/targets?q[hosts]=127.0.2.1", Status: 200, Check: names("")},
		})
		// Updating the hosts moves the index with them.
		var id string
		r := u.Do("GET", "/v2/targets?q[name]=lab", nil)
		id = r.Str("targets.0.id")
		if r := u.Do("PUT", "/v2/targets/"+id, map[string]any{"hosts": "192.0.2.0/29"}); r.Status != 200 {
			t.Fatalf("update: %s", r)
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "old hosts gone", As: u, Method: "GET", Path: "/v2/targets?q[hosts]=127.0.1.*", Status: 200, Check: names("")},
			{Name: "new hosts found", As: u, Method: "GET", Path: "/v2/targets?q[hosts]=192.0.2.5", Status: 200, Check: names("lab")},
		})
	})
}
