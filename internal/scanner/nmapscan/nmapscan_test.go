package nmapscan

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scanner"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/all"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

func TestSpanPrefixes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ first, last, want string }{
		{"10.0.0.1", "10.0.0.1", "10.0.0.1/32"},
		{"10.0.0.0", "10.0.0.255", "10.0.0.0/24"},
		{"10.0.0.1", "10.0.0.20", "10.0.0.1/32 10.0.0.2/31 10.0.0.4/30 10.0.0.8/29 10.0.0.16/30 10.0.0.20/32"},
		{"0.0.0.0", "255.255.255.255", "0.0.0.0/0"},
		{"2001:db8::", "2001:db8::ff", "2001:db8::/120"},
	} {
		var got []string
		for _, p := range spanPrefixes(netip.MustParseAddr(tc.first), netip.MustParseAddr(tc.last)) {
			got = append(got, p.String())
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s-%s = %v, want %s", tc.first, tc.last, got, tc.want)
		}
	}
}

func nmapPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("nmap")
	if err != nil {
		t.Skip("nmap is not installed (.ci/run installs it)")
	}
	return p
}

// TestRunLoopback scans loopback listeners with the real nmap: nmap finds
// the services, Perimeter's checks run on them.
func TestRunLoopback(t *testing.T) {
	t.Parallel()
	path := nmapPath(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "Apache/2.4.49 (Unix)")
		fmt.Fprint(w, "<html><body>hello</body></html>")
	})}
	go srv.Serve(ln)
	defer srv.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	closed := freePort(t)

	events := make(chan result.Event, 64)
	var hosts []result.Host
	done := make(chan struct{})
	go func() {
		for ev := range events {
			if ev.Kind == result.EventHostDone {
				hosts = append(hosts, *ev.Host)
			}
		}
		close(done)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	stats, err := Run(ctx, path, scanner.Options{Hosts: "127.0.0.1", NoPing: true,
		Ports: portspec.List{{Protocol: portspec.TCP, Start: port, End: port}, {Protocol: portspec.TCP, Start: closed, End: closed}}}, events)
	close(events)
	<-done
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(hosts) != 1 || len(hosts[0].Ports) != 1 || hosts[0].Ports[0].Port != port {
		t.Fatalf("hosts = %+v", hosts)
	}
	svc := hosts[0].Ports[0]
	if svc.Service != "http" || svc.Product != "Apache httpd" || svc.Version != "2.4.49" {
		t.Errorf("service = %+v", svc)
	}
	ids := map[string]bool{}
	for _, f := range hosts[0].Findings {
		ids[f.CheckID] = true
	}
	if !ids["http.server.version-disclosure"] || !ids["http.header.xcto-missing"] {
		t.Errorf("Perimeter's checks did not run on nmap's service: %v", ids)
	}
	if stats.HostsUp != 1 || stats.PortsOpen != 1 || stats.HostsTotal != 1 {
		t.Errorf("stats = %+v", stats)
	}
}

// TestRunCancel: cancelling kills nmap's process group at once.
func TestRunCancel(t *testing.T) {
	t.Parallel()
	path := nmapPath(t)
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan result.Event, 1024)
	go func() {
		for range events {
		}
	}()
	defer close(events)
	errc := make(chan error, 1)
	go func() {
		// Every TCP port of eight loopback addresses, slowly: long enough to cancel.
		_, err := Run(ctx, path, scanner.Options{Hosts: "127.0.0.0/29", NoPing: true, Rate: 500,
			Ports: portspec.List{{Protocol: portspec.TCP, Start: 1, End: 65535}}}, events)
		errc <- err
	}()
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	cancel()
	select {
	case err := <-errc:
		if err != context.Canceled {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Run took %v to return after cancel", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestArgs(t *testing.T) {
	t.Parallel()
	args := strings.Join(nmapArgs(scanner.Options{Rate: 300, NoPing: true}, portspec.List{{Protocol: portspec.TCP, Start: 1, End: 1024}},
		true, "/t", "/x"), " ")
	for _, want := range []string{"-oX -", "-sT", "-p T:1-1024", "-iL /t", "--excludefile /x", "-sV", "-Pn", "--max-rate 300", "-n"} {
		if !strings.Contains(args, want) {
			t.Errorf("args %q lack %q", args, want)
		}
	}
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
