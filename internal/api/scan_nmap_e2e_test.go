package api_test

import (
	"fmt"
	"os/exec"
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestNmapScannerEndToEnd runs a scan through an nmap scanner: the real nmap
// finds the loopback services, Perimeter's checks run on them, and the
// results go through the same lifecycle and PCI verdict as the built-in
// engine's.
func TestNmapScannerEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("nmap"); err != nil {
		t.Skip("nmap is not installed (.ci/run installs it)")
	}
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.NewWithConfig(t, engine, fastScans)
		e.StartJobs(t)
		tlsPort := oldTLS(t)
		_, httpPort := apitest.WeakHTTP(t, 0)
		u := e.Admin
		nm := u.Do("POST", "/v2/scanners", map[string]any{"name": "nmap", "app_type": "nmap"})
		if nm.Status != 201 {
			t.Fatalf("scanner: %s", nm)
		}
		pl := u.Do("POST", "/v2/port_lists", map[string]any{"name": "lab", "ports": fmt.Sprintf("T:%d,%d", tlsPort, httpPort)})
		tg := u.Do("POST", "/v2/targets", map[string]any{"name": "loopback", "hosts": "127.0.0.1", "product": "vrms",
			"port_list_id": pl.Str("port_list.id")})
		sc := u.Do("POST", "/v2/scans", map[string]any{"name": "nmap scan", "target_id": tg.Str("target.id"), "scanner_id": nm.Str("scanner.id")})
		if sc.Status != 201 {
			t.Fatalf("scan: %s", sc)
		}
		scanID := sc.Str("scan.id")
		if r := u.Do("POST", "/v2/scans/"+scanID+"/start", nil); r.Status != 202 {
			t.Fatalf("start: %s", r)
		}
		done := waitRun(t, u, scanID)
		if done.Str("scan.status") != "completed" || done.Get("scan.last_history.hosts_up") != 1.0 ||
			done.Get("scan.last_history.pci_compliant") != false {
			t.Fatalf("run: %s", done)
		}
		found := findingStatuses(t, u)
		for _, want := range []string{fmt.Sprintf("tls.protocol.tls10|%d", tlsPort), fmt.Sprintf("http.header.xcto-missing|%d", httpPort),
			fmt.Sprintf("http.server.version-disclosure|%d", httpPort)} {
			if found[want] != "open" {
				t.Errorf("finding %s: %q in %v", want, found[want], found)
			}
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "services nmap found", As: u, Method: "GET", Path: "/v2/scans/" + scanID + "/hosts", Status: 200,
				Want: []string{`"ip":"127.0.0.1"`, `"open_ports":2`, `"product":"Apache httpd"`, `"version":"2.4.49"`}},
		})

		// A tenant cannot make the server run another program.
		bad := u.Do("POST", "/v2/scanners", map[string]any{"name": "shell", "app_type": "nmap", "path": "/bin/sh"})
		sc2 := u.Do("POST", "/v2/scans", map[string]any{"name": "shell scan", "target_id": tg.Str("target.id"), "scanner_id": bad.Str("scanner.id")})
		if r := u.Do("POST", "/v2/scans/"+sc2.Str("scan.id")+"/start", nil); r.Status != 202 {
			t.Fatalf("start: %s", r)
		}
		failed := waitRun(t, u, sc2.Str("scan.id"))
		if failed.Str("scan.status") != "failed" {
			t.Errorf("a scan through /bin/sh: %s", failed)
		}
		h := u.Do("GET", "/v2/scans/"+sc2.Str("scan.id")+"/histories/"+failed.Str("scan.last_history.id"), nil)
		mustContain(t, h, "is not the nmap binary this server allows")
	})
}
