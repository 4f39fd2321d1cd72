package scanner

import (
	"cmp"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// connLog records, on the server side, when each accepted connection
// started and ended.
type connLog struct {
	mu    sync.Mutex
	t0    time.Time
	spans [][2]time.Duration
}

// maxHeldAtOnce is the most connections that were open at the same time
// among those held longer than hold. Short connections are the port scan's
// (connect, then reset at once); each end is trimmed by slack so that the
// server noticing a close a little late does not count as an overlap.
func (l *connLog) maxHeldAtOnce(hold, slack time.Duration) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	type edge struct {
		at    time.Duration
		delta int
	}
	var edges []edge
	for _, sp := range l.spans {
		if sp[1]-sp[0] < hold {
			continue
		}
		edges = append(edges, edge{sp[0] + slack, 1}, edge{sp[1] - slack, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.delta, b.delta)) })
	n, most := 0, 0
	for _, e := range edges {
		n += e.delta
		most = max(most, n)
	}
	return most
}

// silentListeners start n loopback listeners that accept and hold each
// connection without a word until the client hangs up, logging them.
func silentListeners(t *testing.T, n int, log *connLog) []int {
	t.Helper()
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				start := time.Since(log.t0)
				go func() {
					defer c.Close()
					buf := make([]byte, 4096)
					for {
						if _, err := c.Read(buf); err != nil {
							break
						}
					}
					log.mu.Lock()
					log.spans = append(log.spans, [2]time.Duration{start, time.Since(log.t0)})
					log.mu.Unlock()
				}()
			}
		}()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// greeter starts a loopback listener that sends banner and waits.
func greeter(t *testing.T, banner string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = c.Write([]byte(banner))
				_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestPerHostLimitHoldsDuringServiceDetection(t *testing.T) {
	log := &connLog{t0: time.Now()}
	ports := silentListeners(t, 6, log)
	prof := fastProfile()
	prof.PerHost = 3
	prof.ServiceDetection = true
	prof.DetectTimeout = 1500 * time.Millisecond
	_, _, err := collect(t, context.Background(), Options{Hosts: "127.0.0.1", Ports: portList(t, ports...), Profile: prof, NoPing: true})
	if err != nil {
		t.Fatal(err)
	}
	// Six ports that keep detection waiting for its whole budget keep all
	// workers busy: the limit is reached and must never be passed.
	var got int
	for range 100 { // the server may log the last closes just after Run returns
		if log.mu.Lock(); len(log.spans) >= 12 {
			log.mu.Unlock()
			break
		}
		log.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	if got = log.maxHeldAtOnce(500*time.Millisecond, 100*time.Millisecond); got != 3 {
		t.Errorf("max connections open at once = %d, want the per-host limit 3", got)
	}
}

func TestServiceDetectionAndCVEMatching(t *testing.T) {
	old := greeter(t, "SSH-2.0-OpenSSH_7.4\r\n")
	fixed := greeter(t, "SSH-2.0-OpenSSH_9.6\r\n")
	prof := fastProfile()
	prof.ServiceDetection, prof.CVE = true, true
	prof.DetectTimeout = 5 * time.Second
	evs, stats, err := collect(t, context.Background(), Options{
		Hosts: "127.0.0.1", Ports: portList(t, old, fixed), Profile: prof, NoPing: true, FeedDir: "testdata/feed",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range ofKind(evs, result.EventError) {
		t.Errorf("error event: %s", ev.Err)
	}
	services := map[int]result.Service{}
	for _, ev := range ofKind(evs, result.EventService) {
		services[ev.Service.Port] = *ev.Service
	}
	if s := services[old]; s.Service != "ssh" || s.Product != "OpenSSH" || s.Version != "7.4" || len(s.CPE) == 0 {
		t.Errorf("service on %d: %+v", old, s)
	}
	findings := ofKind(evs, result.EventFinding)
	if len(findings) != 1 {
		t.Fatalf("%d findings, want 1 (OpenSSH 7.4 only): %+v", len(findings), findings)
	}
	f := findings[0].Finding
	if f.CheckID != "cve:CVE-2099-0101" || f.Port != old || f.Severity != result.SeverityMedium || !f.PCIFail || !slices.Contains(f.CVEs, "CVE-2099-0101") {
		t.Errorf("finding %+v", f)
	}
	done := ofKind(evs, result.EventHostDone)
	if len(done) != 1 || len(done[0].Host.Findings) != 1 || done[0].Host.Ports[0].Service != "ssh" {
		t.Errorf("host_done %+v", done)
	}
	if stats.Findings != 1 || stats.BySeverity[result.SeverityMedium] != 1 {
		t.Errorf("stats %+v", stats)
	}
}

func TestUnreadableFeedIsReportedAndTheScanGoesOn(t *testing.T) {
	ssh := greeter(t, "SSH-2.0-OpenSSH_7.4\r\n")
	dir := t.TempDir()
	if err := mkdirWrite(dir+"/nvd", "broken.json", "{not json"); err != nil {
		t.Fatal(err)
	}
	prof := fastProfile()
	prof.ServiceDetection, prof.CVE = true, true
	evs, _, err := collect(t, context.Background(), Options{Hosts: "127.0.0.1", Ports: portList(t, ssh), Profile: prof, NoPing: true, FeedDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(ofKind(evs, result.EventError)) == 0 {
		t.Error("a malformed feed was not reported")
	}
	if len(ofKind(evs, result.EventService)) != 1 || len(ofKind(evs, result.EventFinding)) != 0 {
		t.Errorf("scan did not go on without CVE data: %+v", evs)
	}
}

func TestChecksRunOnDetectedServices(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "nginx/1.18.0 (Ubuntu)")
		_, _ = w.Write([]byte("<html><title>t</title></html>"))
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	prof := fastProfile()
	prof.ServiceDetection, prof.Checks = true, true
	prof.Families = []string{"http"}
	prof.DetectTimeout = 5 * time.Second
	evs, stats, err := collect(t, context.Background(), Options{Hosts: "127.0.0.1", Ports: portList(t, port), Profile: prof, NoPing: true})
	if err != nil {
		t.Fatal(err)
	}
	findings := ofKind(evs, result.EventFinding)
	if len(findings) == 0 {
		t.Fatalf("no findings for a web server without security headers: %+v", evs)
	}
	for _, ev := range findings {
		f := ev.Finding
		if !strings.HasPrefix(f.CheckID, "http.") || f.Port != port || f.Severity != result.SeverityFor(f.CVSSScore) || f.PCIFail != (f.CVSSScore >= 4 && !f.DoSOnly) {
			t.Errorf("finding %+v", f)
		}
	}
	host := ofKind(evs, result.EventHostDone)[0].Host
	if len(host.Findings) != len(findings) || stats.Findings != len(findings) {
		t.Errorf("host has %d findings, stats %d, events %d", len(host.Findings), stats.Findings, len(findings))
	}
	for i := 1; i < len(host.Findings); i++ {
		if host.Findings[i].CVSSScore > host.Findings[i-1].CVSSScore {
			t.Errorf("host findings not most severe first: %v then %v", host.Findings[i-1].CVSSScore, host.Findings[i].CVSSScore)
		}
	}
}

func TestUnknownCheckFamilyIsRejected(t *testing.T) {
	prof := fastProfile()
	prof.Checks = true
	prof.Families = []string{"no-such-family"}
	if err := (Options{Hosts: "127.0.0.1", Ports: portList(t, 80), Profile: prof}).Validate(); err == nil {
		t.Error("unknown check family accepted")
	}
	prof.Families = []string{"http"}
	if err := (Options{Hosts: "127.0.0.1", Ports: portList(t, 80), Profile: prof}).Validate(); err != nil {
		t.Errorf("http family rejected: %v", err)
	}
}
