package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/scanner/gvmscan/gvmtest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// gvmScans polls a Greenbone manager quickly and gives up on a silent one soon.
var gvmScans = app.Config{ScanHeartbeat: 100 * time.Millisecond, ScanStaleAfter: 2 * time.Second,
	GMPPollInterval: 20 * time.Millisecond, GMPTimeout: time.Second, ScanExclude: app.DefaultScanExclude}

const (
	oidTLS10 = "1.3.6.1.4.1.25623.1.0.117274"
	oidSSH   = "1.3.6.1.4.1.25623.1.0.105611"
	oidOS    = "1.3.6.1.4.1.25623.1.0.105937"
)

func gvmReport(withSSH bool) string {
	hosts := []gvmtest.Host{
		{IP: "10.0.0.1", Hostname: "web.example", OS: "Debian GNU/Linux 12", Results: []gvmtest.Result{
			{Port: "443/tcp", OID: oidTLS10, Name: "SSL/TLS: Deprecated TLSv1.0 and TLSv1.1 Protocol Detection", Severity: 7.5,
				CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", CVEs: []string{"CVE-2011-3389"}, QoD: 98,
				Summary: "The remote service accepts TLSv1.0.", Solution: "Disable TLSv1.0.", Output: "TLSv1.0 is enabled"},
			{Port: "general/tcp", OID: oidOS, Name: "OS Detection Consolidation and Reporting", Severity: 0, QoD: 80},
		}},
	}
	// 10.0.0.3 is scanned both times; the SSH weakness is there only once.
	other := gvmtest.Host{IP: "10.0.0.3", Results: []gvmtest.Result{{Port: "general/tcp", OID: oidOS, Name: "OS Detection", QoD: 80}}}
	if withSSH {
		other.Results = append(other.Results, gvmtest.Result{Port: "22/tcp", OID: oidSSH,
			Name: "Weak Key Exchange (KEX) Algorithm(s) Supported (SSH)", Severity: 5.3,
			CVSSVector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", QoD: 95})
	}
	return gvmtest.ReportXML(append(hosts, other))
}

// gvmScan creates an openvas scanner for srv and a scan of 10.0.0.0/30 less
// 10.0.0.2 through it. Nothing but the fake manager on loopback is contacted:
// the manager does the scanning.
func gvmScan(t *testing.T, u *apitest.Client, srv *gvmtest.Server, password string) string {
	t.Helper()
	sc := u.Do("POST", "/v2/scanners", map[string]any{"name": "GVM " + password, "app_type": "openvas", "host": srv.Host, "port": srv.Port,
		"username": "admin", "password": password, "ca_cert": srv.CAPEM})
	if sc.Status != 201 {
		t.Fatalf("scanner: %s", sc)
	}
	pl := u.Do("POST", "/v2/port_lists", map[string]any{"name": "gvm " + password, "ports": "T:22,443"})
	tg := u.Do("POST", "/v2/targets", map[string]any{"name": "lab " + password, "hosts": "10.0.0.0/30", "exclude_hosts": "10.0.0.2",
		"product": "vrms", "port_list_id": pl.Str("port_list.id")})
	s := u.Do("POST", "/v2/scans", map[string]any{"name": "gvm scan " + password, "target_id": tg.Str("target.id"),
		"scanner_id": sc.Str("scanner.id")})
	if s.Status != 201 {
		t.Fatalf("scan: %s", s)
	}
	return s.Str("scan.id")
}

func startScan(t *testing.T, u *apitest.Client, scanID string) {
	t.Helper()
	if r := u.Do("POST", "/v2/scans/"+scanID+"/start", nil); r.Status != 202 {
		t.Fatalf("start: %s", r)
	}
}

// runError is the reason the scan's last run gives.
func runError(t *testing.T, u *apitest.Client, done *apitest.Resp) string {
	t.Helper()
	h := u.Do("GET", "/v2/scans/"+done.Str("scan.id")+"/histories/"+done.Str("scan.last_history.id"), nil)
	return string(h.Body)
}

// TestOpenVASScannerEndToEnd runs scans through an openvas scanner against
// a fake Greenbone manager: what the manager is asked (target, exclusions,
// ports, credentials), the report's hosts, services and findings in the run,
// the fixed rule on the next run, and the failures a manager can cause.
func TestOpenVASScannerEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.NewWithConfig(t, engine, gvmScans)
		e.StartJobs(t)
		u := e.Admin
		srv := gvmtest.Start(t)
		srv.PollsBeforeDone = 3
		srv.Report = gvmReport(true)
		scanID := gvmScan(t, u, srv, srv.Password)
		sealed := column(t, e.Store, `SELECT password_sealed FROM scanners WHERE username = ?`, "admin")
		if len(sealed) != 1 || !strings.HasPrefix(sealed[0], "v1:") || strings.Contains(sealed[0], srv.Password) {
			t.Fatalf("the GMP password at rest: %q", sealed)
		}
		startScan(t, u, scanID)
		done := waitRun(t, u, scanID)
		if done.Str("scan.status") != "completed" || done.Get("scan.last_history.hosts_up") != 2.0 ||
			done.Get("scan.last_history.pci_compliant") != false || done.Get("scan.progress") != 100.0 {
			t.Fatalf("run: %s\n%s", done, runError(t, u, done))
		}
		tg := srv.Find("create_target")
		if len(tg) != 1 {
			t.Fatalf("create_target: %+v", srv.Commands())
		}
		for _, want := range []string{"<hosts>10.0.0.0/31,10.0.0.3</hosts>", "<port_range>T:22,443</port_range>", "10.0.0.2",
			"169.254.0.0/16"} { // the platform's exclusions go to the manager too
			if !strings.Contains(tg[0].Inner, want) {
				t.Errorf("create_target lacks %s: %s", want, tg[0].Inner)
			}
		}
		if a := srv.Find("authenticate"); len(a) == 0 || !strings.Contains(a[0].Inner, "<password>"+srv.Password+"</password>") {
			t.Errorf("authenticate: %+v", a)
		}
		if len(srv.Find("delete_task")) != 1 || len(srv.Find("delete_target")) != 1 || len(srv.Find("stop_task")) != 0 {
			t.Errorf("cleanup on the manager: %+v", srv.Commands())
		}
		found := findingStatuses(t, u)
		for _, want := range []string{"gvm:" + oidTLS10 + "|443", "gvm:" + oidSSH + "|22", "gvm:" + oidOS + "|0"} {
			if found[want] != "open" {
				t.Errorf("finding %s: %q in %v", want, found[want], found)
			}
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "hosts and services the manager found", As: u, Method: "GET", Path: "/v2/scans/" + scanID + "/hosts", Status: 200,
				Want: []string{`"ip":"10.0.0.1"`, `"ip":"10.0.0.3"`, `"port":443`, "Debian GNU/Linux 12", "web.example"}, NotIn: []string{`"ip":"10.0.0.2"`}},
			{Name: "the finding's details", As: u, Method: "GET", Path: "/v2/vulnerabilities?q[check_id]=gvm:" + oidTLS10, Status: 200,
				Want: []string{"CVE-2011-3389", `"severity":"high"`, `"confidence":98`, `"hostname":"web.example"`}},
		})

		// The next run no longer reports the SSH weakness: the manager checked
		// the host again, so it is fixed.
		srv.Report = gvmReport(false)
		startScan(t, u, scanID)
		if again := waitRun(t, u, scanID); again.Str("scan.status") != "completed" {
			t.Fatalf("second run: %s", again)
		}
		if found := findingStatuses(t, u); found["gvm:"+oidSSH+"|22"] != "fixed" || found["gvm:"+oidTLS10+"|443"] != "open" {
			t.Errorf("after the second run: %v", found)
		}
	})
}

func TestOpenVASScannerFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.NewWithConfig(t, engine, gvmScans)
		e.StartJobs(t)
		u := e.Admin
		for _, tc := range []struct {
			name, password string
			setup          func(*gvmtest.Server)
			want           string
		}{
			{"wrong credentials", "not-the-password", func(*gvmtest.Server) {}, `refused the login of user \"admin\": 400 Authentication failed`},
			{"connection dropped", "s3cret", func(s *gvmtest.Server) { s.DropOn = "get_tasks" }, "GMP get_tasks: the manager closed the connection"},
			{"task interrupted", "s3cret", func(s *gvmtest.Server) { s.EndAs = "Interrupted" }, `the GMP task ended \"Interrupted\" on the manager`},
			{"manager unreachable", "s3cret", func(s *gvmtest.Server) { s.Close() }, "cannot connect to the GMP manager at 127.0.0.1:"},
			{"no answer", "s3cret", func(s *gvmtest.Server) { s.HangOn = "create_task" }, "GMP create_task: no answer from the manager within 1s"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				srv := gvmtest.Start(t)
				srv.Report = gvmReport(true)
				tc.setup(srv)
				scanID := gvmScan(t, u, srv, tc.password)
				startScan(t, u, scanID)
				done := waitRun(t, u, scanID)
				if done.Str("scan.status") != "failed" {
					t.Fatalf("run: %s", done)
				}
				if why := runError(t, u, done); !strings.Contains(why, tc.want) {
					t.Errorf("the reason lacks %q: %s", tc.want, why)
				}
			})
		}
	})
}

// TestOpenVASScannerStop stops a scan while the manager's task runs: the
// run ends stopped, the manager is told to stop the task, and what it found
// until then is kept.
func TestOpenVASScannerStop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.NewWithConfig(t, engine, gvmScans)
		e.StartJobs(t)
		u := e.Admin
		srv := gvmtest.Start(t)
		srv.NeverDone = true
		srv.Report = gvmReport(true)
		scanID := gvmScan(t, u, srv, srv.Password)
		startScan(t, u, scanID)
		apitest.Eventually(t, 30*time.Second, "the task to run on the manager", func() bool {
			return len(srv.Find("get_tasks")) > 2
		})
		if r := u.Do("POST", "/v2/scans/"+scanID+"/stop", nil); r.Status >= 300 {
			t.Fatalf("stop: %s", r)
		}
		if done := waitRun(t, u, scanID); done.Str("scan.status") != "stopped" {
			t.Fatalf("run: %s", done)
		}
		apitest.Eventually(t, 10*time.Second, "stop_task and the clean-up", func() bool {
			return len(srv.Find("stop_task")) == 1 && len(srv.Find("delete_task")) == 1
		})
		if id := srv.Find("stop_task")[0].Attrs["task_id"]; id != srv.Find("start_task")[0].Attrs["task_id"] {
			t.Errorf("stop_task of %q, started %q", id, srv.Find("start_task")[0].Attrs["task_id"])
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "partial results kept", As: u, Method: "GET", Path: "/v2/scans/" + scanID + "/hosts", Status: 200,
				Want: []string{`"ip":"10.0.0.1"`, `"ip":"10.0.0.3"`}},
		})
	})
}
