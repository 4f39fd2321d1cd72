package api_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// fastScans is an app configuration for scan tests: quick heartbeats and
// recovery.
var fastScans = app.Config{ScanHeartbeat: 100 * time.Millisecond, ScanStaleAfter: 2 * time.Second}

// oldTLS serves HTTPS that accepts TLS 1.0 only.
func oldTLS(t *testing.T) int {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the scanner's probes fail handshakes on purpose
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().(*net.TCPAddr).Port
}

func waitRun(t *testing.T, c *apitest.Client, scanID string) *apitest.Resp {
	t.Helper()
	var r *apitest.Resp
	apitest.Eventually(t, 90*time.Second, "the scan to finish", func() bool {
		r = c.Do("GET", "/v2/scans/"+scanID, nil)
		st := r.Str("scan.status")
		return st == "completed" || st == "failed" || st == "stopped"
	})
	return r
}

func TestScanEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.NewWithConfig(t, engine, fastScans)
		e.StartJobs(t)
		tlsPort := oldTLS(t)
		httpSrv, httpPort := apitest.WeakHTTP(t, 0)
		u := e.Admin

		pl := u.Do("POST", "/v2/port_lists", map[string]any{"name": "lab", "ports": fmt.Sprintf("T:%d,%d", tlsPort, httpPort)})
		if pl.Status != 201 {
			t.Fatalf("port list: %s", pl)
		}
		tg := u.Do("POST", "/v2/targets", map[string]any{"name": "loopback", "hosts": "127.0.0.1", "product": "vrms",
			"port_list_id": pl.Str("port_list.id")})
		if tg.Status != 201 {
			t.Fatalf("target: %s", tg)
		}
		sc := u.Do("POST", "/v2/scans", map[string]any{"name": "lab scan", "target_id": tg.Str("target.id")})
		if sc.Status != 201 || sc.Str("scan.status") != "new" || sc.Str("scan.scan_profile_id") == "" {
			t.Fatalf("scan: %s", sc)
		}
		scanID := sc.Str("scan.id")

		start := u.Do("POST", "/v2/scans/"+scanID+"/start", nil)
		if start.Status != 202 || start.Str("history.status") != "queued" {
			t.Fatalf("start: %s", start)
		}
		if again := u.Do("POST", "/v2/scans/"+scanID+"/start", nil); again.Status != 409 {
			t.Fatalf("starting a queued scan must be 409: %s", again)
		}
		done := waitRun(t, u, scanID)
		if done.Str("scan.status") != "completed" || done.Get("scan.progress").(float64) != 100 {
			t.Fatalf("first run: %s", done)
		}
		if done.Get("scan.last_history.pci_compliant") != false {
			t.Fatalf("TLS 1.0 is an automatic PCI failure: %s", done)
		}
		if n := done.Get("scan.last_history.hosts_up").(float64); n != 1 {
			t.Fatalf("hosts_up = %v", n)
		}
		hid := done.Str("scan.last_history.id")
		h := u.Do("GET", "/v2/scans/"+scanID+"/histories/"+hid, nil)
		if h.Status != 200 || h.Get("history.vulnerabilities.total").(float64) < 3 {
			t.Fatalf("history: %s", h)
		}
		findings := func() map[string]string { t.Helper(); return findingStatuses(t, u) }
		first := findings()
		for _, want := range []string{fmt.Sprintf("tls.protocol.tls10|%d", tlsPort), fmt.Sprintf("http.header.xcto-missing|%d", httpPort),
			fmt.Sprintf("http.server.version-disclosure|%d", httpPort)} {
			if first[want] != "open" {
				t.Fatalf("finding %s: %q in %v", want, first[want], first)
			}
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "hosts of the run", As: u, Method: "GET", Path: "/v2/scans/" + scanID + "/hosts", Status: 200,
				Want: []string{`"ip":"127.0.0.1"`, `"open_ports":2`, fmt.Sprintf(`"port":%d`, tlsPort), `"service":"https"`, `"product":"Apache httpd"`, `"version":"2.4.49"`}},
			{Name: "vulnerabilities of the run", As: u, Method: "GET", Path: "/v2/scans/" + scanID + "/vulnerabilities?q[severity]=medium,high,critical", Status: 200,
				Want: []string{`"check_id":"tls.protocol.tls10"`}},
			{Name: "statistics", As: u, Method: "GET", Path: "/v2/scans/" + scanID + "/statistics", Status: 200,
				Want: []string{`"compliant":false`, `"previous_history_id":null`}},
			{Name: "inventory", As: u, Method: "GET", Path: "/v2/hosts?q[ip]=127.0.0.*", Status: 200, Want: []string{`"total_count":1`}},
			{Name: "totals widget", As: u, Method: "GET", Path: "/v2/vulnerabilities/widgets/total", Status: 200, Want: []string{`"open":{"total":`}},
			{Name: "PCI widget", As: u, Method: "GET", Path: "/v2/vulnerabilities/widgets/pci_compliant", Status: 200,
				Want: []string{`"compliant":false`, `"target_name":"loopback"`, `"check_id":"tls.protocol.tls10"`}},
		})

		// The HTTP service goes away: its findings become fixed; TLS stays open.
		httpSrv.Close()
		if r := u.Do("POST", "/v2/scans/"+scanID+"/start", nil); r.Status != 202 {
			t.Fatalf("second start: %s", r)
		}
		waitRun(t, u, scanID)
		second := findings()
		if second[fmt.Sprintf("http.header.xcto-missing|%d", httpPort)] != "fixed" || second[fmt.Sprintf("tls.protocol.tls10|%d", tlsPort)] != "open" {
			t.Fatalf("after closing HTTP: %v", second)
		}
		stats := u.Do("GET", "/v2/scans/"+scanID+"/statistics", nil)
		if stats.Str("statistics.delta.previous_history_id") == "" || stats.Get("statistics.delta.fixed").(float64) < 3 {
			t.Fatalf("the second run's delta must count the HTTP findings as fixed: %s", stats)
		}

		// It comes back on the same port: reopened.
		apitest.WeakHTTP(t, httpPort)
		if r := u.Do("POST", "/v2/scans/"+scanID+"/start", nil); r.Status != 202 {
			t.Fatalf("third start: %s", r)
		}
		waitRun(t, u, scanID)
		third := findings()
		if third[fmt.Sprintf("http.header.xcto-missing|%d", httpPort)] != "reopened" {
			t.Fatalf("after reopening HTTP: %v", third)
		}
		if len(third) != len(first) {
			t.Fatalf("re-runs must not duplicate findings: %d then %d", len(first), len(third))
		}
		hs := u.Do("GET", "/v2/scans/"+scanID+"/histories", nil)
		if hs.Get("pagination.total_count").(float64) != 3 {
			t.Fatalf("histories: %s", hs)
		}
		// Other organizations see none of it.
		org := e.NewOrg(e.Admin, map[string]any{"name": "Other"})
		other := e.NewUser(e.Admin, org, "admin")
		apitest.Run(t, []apitest.Scenario{
			{Name: "other org: scan", As: other, Method: "GET", Path: "/v2/scans/" + scanID, Status: 404},
			{Name: "other org: start", As: other, Method: "POST", Path: "/v2/scans/" + scanID + "/start", Status: 404},
			{Name: "other org: stop", As: other, Method: "POST", Path: "/v2/scans/" + scanID + "/stop", Status: 404},
			{Name: "other org: histories", As: other, Method: "GET", Path: "/v2/scans/" + scanID + "/histories", Status: 404},
			{Name: "other org: history", As: other, Method: "GET", Path: "/v2/scans/" + scanID + "/histories/" + hid, Status: 404},
			{Name: "other org: list", As: other, Method: "GET", Path: "/v2/scans", Status: 200, Want: []string{`"total_count":0`}},
			{Name: "other org: recent", As: other, Method: "GET", Path: "/v2/scans/recent", Status: 200, Want: []string{`"total_count":0`}},
		})
	})
}

// findingStatuses maps "check|port" to status for every finding the API lists.
func findingStatuses(t *testing.T, c *apitest.Client) map[string]string {
	t.Helper()
	r := c.Do("GET", "/v2/vulnerabilities?per_page=500", nil)
	if r.Status != 200 {
		t.Fatalf("vulnerabilities: %s", r)
	}
	out := map[string]string{}
	items, _ := r.Get("vulnerabilities").([]any)
	for _, it := range items {
		v := it.(map[string]any)
		out[fmt.Sprintf("%s|%v", v["check_id"], v["port"])] = v["status"].(string)
	}
	return out
}
