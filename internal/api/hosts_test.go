package api_test

import (
	"slices"
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

func TestHosts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newResultsWorld(t, engine)
		c1, c2 := w.tr.c1, w.tr.c2
		me, other := w.tr.c1User, w.tr.c2Admin
		web1ID := w.hid(c1, "10.0.0.1")
		apitest.Run(t, []apitest.Scenario{
			{Name: "one row per address, by address", As: me, Method: "GET", Path: "/v2/hosts?sort_by=ip", Status: 200,
				Want: []string{`"hostnames":["web1.example.test"]`, `"os":"Linux 5.x"`, `"last_history_id":"` + w.run2 + `"`}, NotIn: []string{w.hid(c2, "10.0.0.1")},
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "hosts", "ip", "10.0.0.1", "10.0.0.2", "10.0.1.5", "10.3.0.1", "10.4.0.1", "10.5.0.1")
					wantNums(t, r, map[string]int{"hosts.0.vulnerabilities.total": 5, "hosts.0.vulnerabilities.high": 1, "hosts.0.open_ports": 3,
						"hosts.1.vulnerabilities.critical": 1, "hosts.4.vulnerabilities.total": 0})
				}},
			{Name: "most recently seen first", As: me, Method: "GET", Path: "/v2/hosts?per_page=2", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { wantField(t, r, "hosts", "ip", "10.5.0.1", "10.4.0.1") }},
			{Name: "address wildcard", As: me, Method: "GET", Path: "/v2/hosts?q[ip]=10.0.*&sort_by=ip", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "hosts", "ip", "10.0.0.1", "10.0.0.2", "10.0.1.5")
				}},
			{Name: "hostname", As: me, Method: "GET", Path: "/v2/hosts?q[hostname]=DB.example", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { wantField(t, r, "hosts", "ip", "10.0.1.5") }},
			{Name: "os", As: me, Method: "GET", Path: "/v2/hosts?q[os]=freebsd", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { wantField(t, r, "hosts", "ip", "10.0.0.2") }},
			{Name: "service", As: me, Method: "GET", Path: "/v2/hosts?q[service]=mysql", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { wantField(t, r, "hosts", "ip", "10.0.1.5") }},
			{Name: "open port", As: me, Method: "GET", Path: "/v2/hosts?q[port]=443,3306&sort_by=ip", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { wantField(t, r, "hosts", "ip", "10.0.0.1", "10.0.1.5") }},
			{Name: "target", As: me, Method: "GET", Path: "/v2/hosts?q[target]=" + w.web.target + "&sort_by=ip", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "hosts", "ip", "10.0.0.1", "10.0.0.2", "10.0.1.5")
				}},
			{Name: "another organization's target filters to nothing", As: me, Method: "GET", Path: "/v2/hosts?q[target]=" + w.theirs.target, Status: 200,
				Want: []string{`"total_count":0`}},
			{Name: "unknown filter", As: me, Method: "GET", Path: "/v2/hosts?q[cve]=x", Status: 400},
			{Name: "another organization's inventory", As: other, Method: "GET", Path: "/v2/hosts", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "hosts", "id", w.hid(c2, "10.0.0.1"))
					wantNums(t, r, map[string]int{"hosts.0.vulnerabilities.total": 3, "hosts.0.vulnerabilities.critical": 1})
				}},

			{Name: "detail: services, open findings, scan history", As: me, Method: "GET", Path: "/v2/hosts/" + web1ID, Status: 200,
				Want: []string{`"product":"OpenSSH"`, `"tls":true`}, NotIn: []string{`"check_id":"tls-old"`, "their-secret"},
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "host.services", "port", "22", "80", "443")
					wantField(t, r, "host.findings", "check_id", "http-dos", "ssh-weak-kex", "http-trace", "http-headers", "icmp-timestamp")
					wantField(t, r, "host.histories", "history_id", w.run2, w.run1)
					wantNums(t, r, map[string]int{"host.findings_count": 5, "host.histories_count": 2, "host.vulnerabilities.total": 5,
						"host.histories.1.vulnerabilities.high": 2})
				}},
			{Name: "detail of another organization's host", As: me, Method: "GET", Path: "/v2/hosts/" + w.hid(c2, "10.0.0.1"), Status: 404},
			{Name: "detail as another organization", As: other, Method: "GET", Path: "/v2/hosts/" + web1ID, Status: 404},
			{Name: "detail of an address never seen", As: me, Method: "GET", Path: "/v2/hosts/" + w.hid(c1, "10.9.9.9"), Status: 404},

			{Name: "most vulnerable", As: me, Method: "GET", Path: "/v2/hosts/most_vulnerable", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "hosts", "risk", "10", "10", "6", "1", "1")
					got := ids(r, "hosts", "ip")
					if len(got) != 5 || !slices.Contains(got[:2], "10.0.0.1") || !slices.Contains(got[:2], "10.0.0.2") || got[2] != "10.3.0.1" {
						t.Errorf("most vulnerable %v", got)
					}
					if slices.Contains(got, "10.4.0.1") {
						t.Error("a host with only an accepted finding ranks")
					}
				}},
			{Name: "most vulnerable, limited", As: me, Method: "GET", Path: "/v2/hosts/most_vulnerable?limit=1", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { wantField(t, r, "hosts", "risk", "10") }},
			{Name: "most vulnerable: limit too large", As: me, Method: "GET", Path: "/v2/hosts/most_vulnerable?limit=1000", Status: 400},
			{Name: "most vulnerable of another organization", As: other, Method: "GET", Path: "/v2/hosts/most_vulnerable", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "hosts", "id", w.hid(c2, "10.0.0.1"))
					wantField(t, r, "hosts", "risk", "17")
				}},
		})
	})
}
