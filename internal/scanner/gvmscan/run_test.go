package gvmscan_test

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scanner"
	"github.com/perimeterhq/perimeter/internal/scanner/gvmscan"
	"github.com/perimeterhq/perimeter/internal/scanner/gvmscan/gvmtest"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

func scanOf(t *testing.T, srv *gvmtest.Server) gvmscan.Scan {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(srv.CAPEM)) {
		t.Fatal("CA PEM")
	}
	return gvmscan.Scan{Config: gvmscan.Config{Address: srv.Addr(), RootCAs: pool, Username: "admin", Password: "s3cret",
		Timeout: 2 * time.Second}, Name: "perimeter run-1", PollInterval: 10 * time.Millisecond}
}

func opts() scanner.Options {
	return scanner.Options{Hosts: "10.0.0.0/30", Exclude: "10.0.0.2",
		Ports: portspec.List{{Protocol: "tcp", Start: 22, End: 22}, {Protocol: "tcp", Start: 443, End: 443}, {Protocol: "udp", Start: 161, End: 161}}}
}

// run runs a scan, collecting its events.
func run(ctx context.Context, s gvmscan.Scan, o scanner.Options) ([]result.Event, result.Stats, error) {
	events := make(chan result.Event, 64)
	var got []result.Event
	done := make(chan struct{})
	go func() {
		for ev := range events {
			got = append(got, ev)
		}
		close(done)
	}()
	stats, err := gvmscan.Run(ctx, s, o, events)
	close(events)
	<-done
	return got, stats, err
}

func TestRunScansThroughTheManager(t *testing.T) {
	t.Parallel()
	srv := gvmtest.Start(t)
	srv.PollsBeforeDone = 3
	srv.Report = gvmtest.ReportXML([]gvmtest.Host{
		{IP: "10.0.0.1", Hostname: "web.example", OS: "Debian GNU/Linux 12", Results: []gvmtest.Result{
			{Port: "443/tcp", OID: "1.3.6.1.4.1.25623.1.0.117274", Name: "SSL/TLS: Deprecated TLSv1.0 Protocol", Severity: 7.5,
				CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", CVEs: []string{"CVE-2011-3389"}, QoD: 98,
				Summary: "TLS 1.0 is enabled", Solution: "Disable TLS 1.0", Output: "TLSv1.0 accepted"},
			{Port: "general/tcp", OID: "1.3.6.1.4.1.25623.1.0.108021", Name: "OS Detection", Severity: 0, QoD: 80},
			{Port: "22/tcp", OID: "1.3.6.1.4.1.25623.1.0.1", Name: "Marked false positive", Severity: -1, QoD: 70},
		}},
		{IP: "10.0.0.2", Results: []gvmtest.Result{{Port: "22/tcp", OID: "1.3.6.1.4.1.25623.1.0.2", Name: "excluded", Severity: 5}}},
	})
	events, stats, err := run(context.Background(), scanOf(t, srv), opts())
	if err != nil {
		t.Fatal(err)
	}
	var hosts []*result.Host
	progress := 0
	for _, ev := range events {
		switch ev.Kind {
		case result.EventHostDone:
			hosts = append(hosts, ev.Host)
		case result.EventProgress:
			progress++
		}
	}
	if progress == 0 {
		t.Error("no progress events while the task ran")
	}
	if len(hosts) != 1 || hosts[0].IP.String() != "10.0.0.1" {
		t.Fatalf("hosts %+v: want 10.0.0.1 only (10.0.0.2 is excluded)", hosts)
	}
	h := hosts[0]
	if h.OS != "Debian GNU/Linux 12" || len(h.Hostnames) != 1 || h.Hostnames[0] != "web.example" {
		t.Errorf("host details: %+v", h)
	}
	if len(h.Ports) != 1 || h.Ports[0].Port != 443 || h.Ports[0].Protocol != "tcp" {
		t.Errorf("ports %+v", h.Ports)
	}
	if len(h.Findings) != 2 || h.Findings[0].CheckID == h.Findings[1].CheckID {
		t.Fatalf("findings %+v (the false positive must be dropped)", h.Findings)
	}
	for _, f := range h.Findings {
		if f.Port == 443 && (f.Severity != result.SeverityHigh || f.CVEs[0] != "CVE-2011-3389" || f.CheckID != "gvm:1.3.6.1.4.1.25623.1.0.117274") {
			t.Errorf("TLS finding %+v", f)
		}
	}
	if stats.HostsUp != 1 || stats.Findings != 2 || stats.HostsTotal != 3 {
		t.Errorf("stats %+v", stats)
	}

	auth := srv.Find("authenticate")
	if len(auth) == 0 || !strings.Contains(auth[0].Inner, "<username>admin</username>") || !strings.Contains(auth[0].Inner, "<password>s3cret</password>") {
		t.Errorf("authenticate: %+v", auth)
	}
	tg := srv.Find("create_target")
	if len(tg) != 1 {
		t.Fatalf("create_target: %+v", tg)
	}
	for _, want := range []string{"<hosts>10.0.0.0/31,10.0.0.3</hosts>", "<exclude_hosts>10.0.0.2</exclude_hosts>",
		"<port_range>T:22,443,U:161</port_range>", "<name>perimeter run-1</name>"} {
		if !strings.Contains(tg[0].Inner, want) {
			t.Errorf("create_target lacks %s: %s", want, tg[0].Inner)
		}
	}
	tk := srv.Find("create_task")
	if len(tk) != 1 || !strings.Contains(tk[0].Inner, `<config id="`+gvmscan.ConfigFullAndFast+`">`) ||
		!strings.Contains(tk[0].Inner, `<scanner id="`+gvmscan.ScannerOpenVAS+`">`) {
		t.Errorf("create_task: %+v", tk)
	}
	if r := srv.Find("get_reports"); len(r) != 1 || r[0].Attrs["format_id"] != gvmscan.FormatXML || r[0].Attrs["details"] != "1" {
		t.Errorf("get_reports: %+v", r)
	}
	if len(srv.Find("stop_task")) != 0 || len(srv.Find("delete_task")) != 1 || len(srv.Find("delete_target")) != 1 {
		t.Errorf("cleanup: a finished task is deleted, not stopped: %+v", srv.Commands())
	}
}

func TestRunFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(*gvmtest.Server, *gvmscan.Scan)
		want  string
	}{
		{"wrong credentials", func(_ *gvmtest.Server, s *gvmscan.Scan) { s.Password = "wrong" }, `refused the login of user "admin": 400 Authentication failed`},
		{"no credentials", func(_ *gvmtest.Server, s *gvmscan.Scan) { s.Password = "" }, "no GMP username and password"},
		{"untrusted certificate", func(_ *gvmtest.Server, s *gvmscan.Scan) { s.RootCAs = x509.NewCertPool() }, "certificate"},
		{"dropped connection", func(srv *gvmtest.Server, _ *gvmscan.Scan) { srv.DropOn = "get_tasks" }, "GMP get_tasks: the manager closed the connection"},
		{"no answer", func(srv *gvmtest.Server, s *gvmscan.Scan) {
			srv.HangOn = "get_tasks"
			s.Timeout = 300 * time.Millisecond
		}, "timeout"},
		{"report cut short", func(srv *gvmtest.Server, s *gvmscan.Scan) {
			srv.Report = "<report>"
			s.Timeout = 300 * time.Millisecond
		}, "get_reports"},
		{"report too large", func(srv *gvmtest.Server, s *gvmscan.Scan) { s.MaxReport = 100 }, "larger than allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := gvmtest.Start(t)
			srv.Report = gvmtest.ReportXML([]gvmtest.Host{{IP: "10.0.0.1", Results: []gvmtest.Result{{Port: "22/tcp", OID: "1.2.3", Name: "x", Severity: 5}}}})
			s := scanOf(t, srv)
			tc.setup(srv, &s)
			start := time.Now()
			_, _, err := run(context.Background(), s, opts())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
			if time.Since(start) > 20*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
		})
	}
}

func TestRunCancelledStopsTheTask(t *testing.T) {
	t.Parallel()
	srv := gvmtest.Start(t)
	srv.NeverDone = true
	srv.Report = gvmtest.ReportXML([]gvmtest.Host{{IP: "10.0.0.1", Results: []gvmtest.Result{{Port: "22/tcp", OID: "1.2.3", Name: "x", Severity: 5}}}})
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan result.Event) // unbuffered: the partial results must wait for the reader, not be dropped
	partial := make(chan []string, 1)
	go func() {
		var hosts []string
		for ev := range events {
			switch ev.Kind {
			case result.EventProgress:
				cancel()
			case result.EventHostDone:
				hosts = append(hosts, ev.IP.String())
			}
		}
		partial <- hosts
	}()
	_, err := gvmscan.Run(ctx, scanOf(t, srv), opts(), events)
	close(events)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if hosts := <-partial; len(hosts) != 1 || hosts[0] != "10.0.0.1" {
		t.Errorf("partial results of the stopped task: %v", hosts)
	}
	stop := srv.Find("stop_task")
	if len(stop) != 1 || stop[0].Attrs["task_id"] == "" {
		t.Fatalf("stop_task: %+v", srv.Commands())
	}
	if len(srv.Find("delete_task")) != 1 || len(srv.Find("delete_target")) != 1 {
		t.Errorf("the stopped task and its target are deleted: %+v", srv.Commands())
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	srv := gvmtest.Start(t)
	s := scanOf(t, srv)
	c, err := gvmscan.Dial(context.Background(), s.Config)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if v, err := c.Version(context.Background()); err != nil || v != "22.7" {
		t.Fatalf("version %q, %v", v, err)
	}
	if _, err := c.TaskStatus(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("before authenticate: %v", err)
	}
}

// TestRunRemovesLeftovers: tasks an earlier attempt of the same run left on
// the manager (its worker died before cleanup) are deleted with their
// targets before the new attempt creates its own; a running one is stopped
// first; another run's tasks are not touched.
func TestRunRemovesLeftovers(t *testing.T) {
	t.Parallel()
	srv := gvmtest.Start(t)
	srv.Report = gvmtest.ReportXML(nil)
	const oldTask, oldTarget = "11111111-2222-4333-8444-555555555555", "66666666-7777-4888-9999-aaaaaaaaaaaa"
	const runningTask = "bbbbbbbb-cccc-4ddd-8eee-ffffffffffff"
	srv.Leftovers = map[string][]gvmtest.Leftover{
		"perimeter run-1": {{TaskID: oldTask, Status: "Interrupted", TargetID: oldTarget}, {TaskID: runningTask, Status: "Running"}},
		"perimeter run-2": {{TaskID: "dddddddd-0000-4000-8000-000000000000", Status: "Done"}},
	}
	if _, _, err := run(context.Background(), scanOf(t, srv), opts()); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, c := range srv.Commands() {
		switch c.Name {
		case "stop_task", "delete_task":
			order = append(order, c.Name+" "+c.Attrs["task_id"])
		case "delete_target":
			order = append(order, c.Name+" "+c.Attrs["target_id"])
		case "create_target":
			order = append(order, c.Name)
		}
	}
	want := []string{"delete_task " + oldTask, "delete_target " + oldTarget, "stop_task " + runningTask, "delete_task " + runningTask,
		"create_target"}
	if len(order) < len(want) || strings.Join(order[:len(want)], "\n") != strings.Join(want, "\n") {
		t.Fatalf("commands:\n%s\nwant first:\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"))
	}
	for _, o := range order {
		if strings.Contains(o, "dddddddd") {
			t.Fatalf("another run's task was touched: %s", o)
		}
	}
}
