package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// rangeIDs returns the port list's range ids keyed by "tcp 80-90".
func rangeIDs(r *apitest.Resp, list string) map[string]string {
	out := map[string]string{}
	items, _ := r.Get(list + ".port_ranges").([]any)
	for _, it := range items {
		m := it.(map[string]any)
		out[fmt.Sprintf("%s %v-%v", m["protocol"], m["start"], m["end"])] = m["id"].(string)
	}
	return out
}

func names(r *apitest.Resp, list string) string {
	return fmt.Sprint(ids(r, list, "name"))
}

func TestPortListCreateAndValidate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		ro := tr.e.NewUser(tr.c1Admin, tr.c1, "read_only")
		apitest.Run(t, []apitest.Scenario{
			{Name: "built-ins for everyone", As: ro, Method: "GET", Path: "/v2/port_lists?sort_by=name", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					if got := names(r, "port_lists"); got != "[All TCP Common TCP PCI ASV Web]" {
						t.Fatalf("built-ins: %s", got)
					}
				}},
			{Name: "built-in by fixed id", As: tr.c2Admin, Method: "GET", Path: "/v2/port_lists/" + scanconfig.PortListPCIASV, Status: 200,
				Want: []string{`"name":"PCI ASV"`, `"organization_id":null`, `"builtin":true`, `"port_count":65564`, `"tcp_count":65535`, `"udp_count":29`, `"ports":"T:1-65535,U:19,53,67-69,`}},
			{Name: "JSON ranges, merged", As: tr.c1User, Method: "POST", Path: "/v2/port_lists",
				Body: map[string]any{"name": "Web plus", "description": "ours", "port_ranges": []any{
					map[string]any{"protocol": "tcp", "start": 8000, "end": 8100}, map[string]any{"protocol": "TCP", "start": 8050, "end": 8200},
					map[string]any{"protocol": "udp", "start": 161}, map[string]any{"protocol": "tcp", "start": 443, "end": 443}}}, Status: 201,
				Want: []string{`"port_count":203`, `"ports":"T:443,8000-8200,U:161"`, `"builtin":false`, `"active":true`, `"app_type":["builtin","agent","nmap","openvas"]`, `"organization_id":"` + tr.c1 + `"`}},
			{Name: "notation in ports", As: tr.c1User, Method: "POST", Path: "/v2/port_lists", Body: map[string]any{"name": "Notation", "ports": "T:1-1024,8080,U:53,161"}, Status: 201,
				Want: []string{`"ports":"T:1-1024,8080,U:53,161"`, `"port_count":1027`}},
			{Name: "notation in port_ranges", As: tr.c1User, Method: "POST", Path: "/v2/port_lists", Body: map[string]any{"name": "Notation 2", "port_ranges": "22 80 U:53", "app_type": "nmap"}, Status: 201,
				Want: []string{`"ports":"T:22,80,U:53"`, `"app_type":["nmap"]`}},
			{Name: "out of range names the item and value", As: tr.c1User, Method: "POST", Path: "/v2/port_lists",
				Body: map[string]any{"name": "Bad", "port_ranges": []any{map[string]any{"protocol": "tcp", "start": 1, "end": 2}, map[string]any{"protocol": "tcp", "start": 3, "end": 4},
					map[string]any{"protocol": "tcp", "start": 80, "end": 70000}}}, Status: 422,
				Want: []string{`"port_ranges[2].end":["70000 is outside 1-65535"]`}},
			{Name: "reversed and bad protocol", As: tr.c1User, Method: "POST", Path: "/v2/port_lists",
				Body: map[string]any{"name": "Bad", "port_ranges": []any{map[string]any{"protocol": "sctp", "start": 90, "end": 80}}}, Status: 422,
				Want: []string{`"port_ranges[0].protocol":["'sctp' is not tcp or udp"]`, `"port_ranges[0].end":["80 is before start 90 (reversed range)"]`}},
			{Name: "notation names the bad item", As: tr.c1User, Method: "POST", Path: "/v2/port_lists", Body: map[string]any{"name": "Bad", "ports": "T:80,0,U:99999"}, Status: 422,
				Want: []string{`"ports":["'0': port 0 is outside 1-65535","'U:99999': port 99999 is outside 1-65535"]`}},
			{Name: "reversed notation", As: tr.c1User, Method: "POST", Path: "/v2/port_lists", Body: map[string]any{"name": "Bad", "ports": "T:1024-1"}, Status: 422,
				Want: []string{`"ports":["'T:1024-1': range is reversed (1024 is after 1)"]`}},
			{Name: "wrong type names the field", As: tr.c1User, Method: "POST", Path: "/v2/port_lists",
				Body: `{"name":"Bad","port_ranges":[{"protocol":"tcp","start":"80"}]}`, Status: 422, Want: []string{`"port_ranges[0].start":["must be an integer, not string"]`}},
			{Name: "both forms", As: tr.c1User, Method: "POST", Path: "/v2/port_lists", Body: map[string]any{"name": "Bad", "ports": "80", "port_ranges": "81"}, Status: 422,
				Want: []string{`"ports":["give either port_ranges or ports, not both"]`}},
			{Name: "everything missing", As: tr.c1User, Method: "POST", Path: "/v2/port_lists", Body: map[string]any{}, Status: 422,
				Want: []string{`"name":["can't be blank"]`, `"port_ranges":["are required`}},
			{Name: "bad app type", As: tr.c1User, Method: "POST", Path: "/v2/port_lists", Body: map[string]any{"name": "X", "ports": "80", "app_type": []string{"nmap", "nessus"}}, Status: 422,
				Want: []string{`"app_type":["'nessus' is not one of: builtin, agent, nmap, openvas"]`}},
			{Name: "built-in name", As: tr.c1User, Method: "POST", Path: "/v2/port_lists", Body: map[string]any{"name": "common tcp", "ports": "80"}, Status: 422,
				Want: []string{`"name":["'common tcp' is the name of a built-in port list"]`}},
			{Name: "name taken", As: tr.c1User, Method: "POST", Path: "/v2/port_lists", Body: map[string]any{"name": "WEB PLUS", "ports": "80"}, Status: 422,
				Want: []string{`"name":["'WEB PLUS' has already been taken by another port list"]`}},
			{Name: "the same name in another organization", As: tr.c2Admin, Method: "POST", Path: "/v2/port_lists", Body: map[string]any{"name": "Web plus", "ports": "80"}, Status: 201},
			{Name: "read-only users cannot create", As: ro, Method: "POST", Path: "/v2/port_lists", Body: map[string]any{"name": "RO", "ports": "80"}, Status: 403},
			{Name: "filters", As: ro, Method: "GET", Path: "/v2/port_lists?q[builtin]=false&q[app_type]=openvas&sort_by=name", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					if got := names(r, "port_lists"); got != "[Notation Web plus]" {
						t.Fatalf("own lists usable by openvas: %s", got)
					}
				}},
			{Name: "sort by port_count", As: ro, Method: "GET", Path: "/v2/port_lists?sort_by=port_count&sort_order=desc&per_page=2", Status: 200,
				Want: []string{`"total_count":7`}, Check: func(t *testing.T, r *apitest.Resp) {
					if got := names(r, "port_lists"); got != "[PCI ASV All TCP]" {
						t.Fatalf("largest first: %s", got)
					}
				}},
			{Name: "unknown filter", As: ro, Method: "GET", Path: "/v2/port_lists?q[ports]=80", Status: 400, Want: []string{"allowed: active, app_type, builtin, description, name, port_count"}},
			{Name: "bad enum filter", As: ro, Method: "GET", Path: "/v2/port_lists?q[app_type]=nessus", Status: 400},
			{Name: "audit", As: tr.c1Admin, Method: "GET", Path: "/v2/audit/events?q[action]=port_list.create&q[organization_id]=" + tr.c1, Status: 200,
				Want: []string{`"total_count":3`, `"ports":"T:443,8000-8200,U:161"`}},
		})
	})
}

func TestPortListChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		r := tr.c1User.Do("POST", "/v2/port_lists", map[string]any{"name": "Mine", "ports": "T:22,80,443,U:53"})
		if r.Status != 201 {
			t.Fatal(r)
		}
		id := r.Str("port_list.id")
		before := rangeIDs(r, "port_list")
		foreign := tr.c2Admin.Do("POST", "/v2/port_lists", map[string]any{"name": "Theirs", "ports": "T:1-100"})
		foreignID := foreign.Str("port_list.id")
		foreignRange := rangeIDs(foreign, "port_list")["tcp 1-100"]
		builtinRange := scanconfig.BuiltinRangeID(1, 1) // All TCP's only range
		base := "/v2/port_lists/" + id
		apitest.Run(t, []apitest.Scenario{
			{Name: "add a range that merges", As: tr.c1User, Method: "POST", Path: base + "/port_ranges", Body: map[string]any{"protocol": "tcp", "start": 81, "end": 442}, Status: 201,
				Want: []string{`"ports":"T:22,80-443,U:53"`, `"port_count":366`},
				Check: func(t *testing.T, r *apitest.Resp) {
					after := rangeIDs(r, "port_list")
					if after["tcp 22-22"] != before["tcp 22-22"] || after["udp 53-53"] != before["udp 53-53"] {
						t.Errorf("unchanged ranges must keep their ids: %v → %v", before, after)
					}
					merged := after["tcp 80-443"]
					if merged == "" || merged == before["tcp 80-80"] || merged == before["tcp 443-443"] {
						t.Errorf("a merged range is a new range: %v → %v", before, after)
					}
					if got := r.Str("port_ranges.0.id"); got != merged {
						t.Errorf("the answer names the range that holds the ports: %s", r.Body)
					}
					before = after
				}},
			{Name: "add in notation", As: tr.c1User, Method: "POST", Path: base + "/port_ranges", Body: map[string]any{"ports": "U:161-162"}, Status: 201,
				Want: []string{`"ports":"T:22,80-443,U:53,161-162"`}},
			{Name: "add an invalid range", As: tr.c1User, Method: "POST", Path: base + "/port_ranges", Body: map[string]any{"protocol": "tcp", "start": 80, "end": 70000}, Status: 422,
				Want: []string{`"end":["70000 is outside 1-65535"]`}},
			{Name: "add without start", As: tr.c1User, Method: "POST", Path: base + "/port_ranges", Body: map[string]any{"protocol": "tcp"}, Status: 422, Want: []string{`"start"`}},
			{Name: "add to a built-in", As: tr.c1User, Method: "POST", Path: "/v2/port_lists/" + scanconfig.PortListWeb + "/port_ranges", Body: map[string]any{"protocol": "tcp", "start": 1}, Status: 403,
				Want: []string{"The built-in port list 'Web' is read-only"}},
			{Name: "add to another organization's list", As: tr.c1User, Method: "POST", Path: "/v2/port_lists/" + foreignID + "/port_ranges", Body: map[string]any{"protocol": "tcp", "start": 1}, Status: 404},
			{Name: "delete an unknown range", As: tr.c1User, Method: "DELETE", Path: base + "/port_ranges/" + foreignRange, Status: 404},
			{Name: "delete another organization's range", As: tr.c1User, Method: "DELETE", Path: "/v2/port_lists/" + foreignID + "/port_ranges/" + foreignRange, Status: 404},
			{Name: "delete a built-in's range", As: tr.c1User, Method: "DELETE", Path: "/v2/port_lists/" + scanconfig.PortListAllTCP + "/port_ranges/" + builtinRange, Status: 403},
			{Name: "range id that is not an id", As: tr.c1User, Method: "DELETE", Path: base + "/port_ranges/42", Status: 404},
		})
		apitest.Run(t, []apitest.Scenario{
			{Name: "delete a range", As: tr.c1User, Method: "DELETE", Path: base + "/port_ranges/" + before["tcp 22-22"], Status: 200,
				Want: []string{`"ports":"T:80-443,U:53,161-162"`},
				Check: func(t *testing.T, r *apitest.Resp) {
					after := rangeIDs(r, "port_list")
					if after["tcp 80-443"] != before["tcp 80-443"] || after["udp 53-53"] != before["udp 53-53"] {
						t.Errorf("the other ranges keep their ids: %v → %v", before, after)
					}
				}},
			{Name: "update replaces the ports", As: tr.c1User, Method: "PUT", Path: base, Body: map[string]any{"name": "Renamed", "port_ranges": []any{map[string]any{"protocol": "tcp", "start": 80, "end": 443}}}, Status: 200,
				Want: []string{`"name":"Renamed"`, `"ports":"T:80-443"`},
				Check: func(t *testing.T, r *apitest.Resp) {
					if got := rangeIDs(r, "port_list")["tcp 80-443"]; got != before["tcp 80-443"] {
						t.Errorf("a range that survives an update keeps its id: %s vs %s", got, before["tcp 80-443"])
					}
				}},
			{Name: "update keeps what is not given", As: tr.c1User, Method: "PUT", Path: base, Body: map[string]any{"description": "web"}, Status: 200,
				Want: []string{`"name":"Renamed"`, `"description":"web"`, `"ports":"T:80-443"`}},
			{Name: "update with a bad range", As: tr.c1User, Method: "PUT", Path: base, Body: map[string]any{"ports": "T:443-80"}, Status: 422, Want: []string{`"ports"`}},
			{Name: "the last range stays", As: tr.c1User, Method: "GET", Path: base, Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					last := rangeIDs(r, "port_list")["tcp 80-443"]
					if d := tr.c1User.Do("DELETE", base+"/port_ranges/"+last, nil); d.Status != 409 || !strings.Contains(string(d.Body), "last range") {
						t.Fatalf("deleting the last range: %s", d)
					}
				}},
			{Name: "update a built-in", As: tr.c1Admin, Method: "PUT", Path: "/v2/port_lists/" + scanconfig.PortListCommonTCP, Body: map[string]any{"name": "Mine now"}, Status: 403,
				Want: []string{"read-only"}},
			{Name: "update another organization's list", As: tr.c1Admin, Method: "PUT", Path: "/v2/port_lists/" + foreignID, Body: map[string]any{"name": "Mine now"}, Status: 404},
			{Name: "show another organization's list", As: tr.c1Admin, Method: "GET", Path: "/v2/port_lists/" + foreignID, Status: 404},
			{Name: "partner admin does not see its customer's list", As: tr.pAdmin, Method: "GET", Path: base, Status: 404},

			{Name: "deactivate", As: tr.c1User, Method: "POST", Path: base + "/deactivate", Status: 200, Want: []string{`"active":false`}},
			{Name: "activated omits it", As: tr.c1User, Method: "GET", Path: "/v2/port_lists/activated?per_page=100", Status: 200,
				Want: []string{`"total_count":4`}, NotIn: []string{`"Renamed"`}},
			{Name: "inactive filter", As: tr.c1User, Method: "GET", Path: "/v2/port_lists?q[active]=false", Status: 200, Want: []string{`"total_count":1`, `"Renamed"`}},
			{Name: "activate", As: tr.c1User, Method: "POST", Path: base + "/activate", Status: 200, Want: []string{`"active":true`}},
			{Name: "deactivate a built-in", As: tr.c1User, Method: "POST", Path: "/v2/port_lists/" + scanconfig.PortListAllTCP + "/deactivate", Status: 403},
			{Name: "activate another organization's list", As: tr.c1User, Method: "POST", Path: "/v2/port_lists/" + foreignID + "/activate", Status: 404},

			{Name: "app_type one value", As: tr.c1User, Method: "PUT", Path: base + "/app_type", Body: map[string]any{"app_type": "nmap"}, Status: 200, Want: []string{`"app_type":["nmap"]`}},
			{Name: "app_type a list", As: tr.c1User, Method: "PUT", Path: base + "/app_type", Body: map[string]any{"app_type": []string{"openvas", "agent"}}, Status: 200,
				Want: []string{`"app_type":["agent","openvas"]`}},
			{Name: "app_type unknown", As: tr.c1User, Method: "PUT", Path: base + "/app_type", Body: map[string]any{"app_type": []string{"agent", "masscan"}}, Status: 422,
				Want: []string{`"app_type":["'masscan' is not one of: builtin, agent, nmap, openvas"]`}},
			{Name: "app_type missing", As: tr.c1User, Method: "PUT", Path: base + "/app_type", Body: map[string]any{}, Status: 422, Want: []string{`"app_type"`}},
			{Name: "app_type wrong shape", As: tr.c1User, Method: "PUT", Path: base + "/app_type", Body: map[string]any{"app_type": 7}, Status: 422, Want: []string{`"app_type"`}},
			{Name: "app_type of a built-in", As: tr.c1User, Method: "PUT", Path: "/v2/port_lists/" + scanconfig.PortListWeb + "/app_type", Body: map[string]any{"app_type": "nmap"}, Status: 403},
			{Name: "app_type of another organization's list", As: tr.c1User, Method: "PUT", Path: "/v2/port_lists/" + foreignID + "/app_type", Body: map[string]any{"app_type": "nmap"}, Status: 404},

			{Name: "audit trail", As: tr.c1Admin, Method: "GET", Path: "/v2/audit/events?q[resource_id]=" + id + "&per_page=100", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					actions := ids(r, "events", "action")
					for _, want := range []string{"port_list.create", "port_list.add_range", "port_list.delete_range", "port_list.update",
						"port_list.deactivate", "port_list.activate", "port_list.app_type"} {
						if !slices.Contains(actions, want) {
							t.Errorf("no %s event in %v", want, actions)
						}
					}
				}},
			{Name: "delete a built-in", As: tr.c1Admin, Method: "DELETE", Path: "/v2/port_lists/" + scanconfig.PortListAllTCP, Status: 403},
			{Name: "delete another organization's list", As: tr.c1Admin, Method: "DELETE", Path: "/v2/port_lists/" + foreignID, Status: 404},
			{Name: "delete", As: tr.c1User, Method: "DELETE", Path: base, Status: 204},
			{Name: "gone", As: tr.c1User, Method: "GET", Path: base, Status: 404},
			{Name: "the other organization's list is intact", As: tr.c2Admin, Method: "GET", Path: "/v2/port_lists/" + foreignID, Status: 200},
		})
	})
}

func TestPortListInUseAndSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		id := tr.c1Admin.Do("POST", "/v2/port_lists", map[string]any{"name": "Scanned", "ports": "T:22,443"}).Str("port_list.id")
		target := tr.c1Admin.Do("POST", "/v2/targets", map[string]any{"name": "T", "hosts": "10.0.0.1", "port_list_id": id})
		if target.Status != 201 {
			t.Fatalf("target: %s", target)
		}
		ov := tr.c1Admin.Do("POST", "/v2/scanners", map[string]any{"name": "Greenbone", "app_type": "openvas", "host": "127.0.0.1", "port": 9390})
		if ov.Status != 201 {
			t.Fatalf("openvas scanner: %s", ov)
		}
		nmapOnly := tr.c1Admin.Do("POST", "/v2/port_lists", map[string]any{"name": "Nmap only", "ports": "T:8080", "app_type": "nmap"}).Str("port_list.id")
		apitest.Run(t, []apitest.Scenario{
			{Name: "in use by a target", As: tr.c1Admin, Method: "DELETE", Path: "/v2/port_lists/" + id, Status: 409, Want: []string{"used by 1 target"}},
			{Name: "sync reports per scanner", As: tr.c1User, Method: "POST", Path: "/v2/port_lists/sync", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					results, _ := r.Get("results").([]any)
					if len(results) != 2 {
						t.Fatalf("want the built-in and the openvas scanner: %s", r.Body)
					}
					for _, it := range results {
						m := it.(map[string]any)
						if m["synced"] != false {
							t.Errorf("nothing can be pushed, yet %v says synced", m)
						}
						switch m["app_type"] {
						case "builtin":
							if m["reason"] != "keeps no port lists of its own: lists are sent with each scan" || len(m["port_lists"].([]any)) != 0 {
								t.Errorf("builtin: %v", m)
							}
						case "openvas":
							var pending []string
							for _, p := range m["port_lists"].([]any) {
								pending = append(pending, p.(map[string]any)["id"].(string))
							}
							if !strings.Contains(m["reason"].(string), "not configured") || !slices.Contains(pending, id) ||
								!slices.Contains(pending, scanconfig.PortListPCIASV) || slices.Contains(pending, nmapOnly) {
								t.Errorf("openvas: %v (pending %v)", m, pending)
							}
						default:
							t.Errorf("unexpected scanner %v", m)
						}
					}
				}},
			{Name: "sync of another organization shows its own scanners only", As: tr.c2Admin, Method: "POST", Path: "/v2/port_lists/sync", Status: 200,
				NotIn: []string{"Greenbone"}},
			{Name: "read-only users cannot sync", As: tr.e.NewUser(tr.c1Admin, tr.c1, "read_only"), Method: "POST", Path: "/v2/port_lists/sync", Status: 403},
			{Name: "sync is audited", As: tr.c1Admin, Method: "GET", Path: "/v2/audit/events?q[action]=port_list.sync", Status: 200, Want: []string{`"total_count":1`}},
		})
		if r := tr.c1Admin.Do("DELETE", "/v2/targets/"+target.Str("target.id"), nil); r.Status != 204 {
			t.Fatalf("delete target: %s", r)
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "free once the target is gone", As: tr.c1Admin, Method: "DELETE", Path: "/v2/port_lists/" + id, Status: 204},
		})
	})
}
