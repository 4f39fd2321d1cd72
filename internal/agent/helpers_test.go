package agent_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/agent"
	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
)

// fastScans makes the server's reaper quick, so a silent agent's run is
// queued again within seconds.
var fastScans = app.Config{ScanHeartbeat: 100 * time.Millisecond, ScanStaleAfter: 2 * time.Second}

// lab is a real API with its job engine and one agent scanner.
type lab struct {
	e         *apitest.Env
	u         *apitest.Client
	scannerID string
	token     string
	n         int
}

func newLab(t testing.TB, engine string) *lab {
	t.Helper()
	return newLabConfig(t, engine, fastScans)
}

// newLabConfig is newLab with the server's app configuration.
func newLabConfig(t testing.TB, engine string, cfg app.Config) *lab {
	t.Helper()
	e := apitest.NewWithConfig(t, engine, cfg)
	e.StartJobs(t)
	sc := e.Admin.Do("POST", "/v2/scanners", map[string]any{"name": "Branch office", "app_type": "agent"})
	if sc.Status != 201 || sc.Str("scanner.token") == "" {
		t.Fatalf("agent scanner: %s", sc)
	}
	return &lab{e: e, u: e.Admin, scannerID: sc.Str("scanner.id"), token: sc.Str("scanner.token")}
}

// startScan creates a target, port list and scan (on the agent scanner
// unless builtin) and starts a run; it returns the scan id.
func (l *lab) startScan(t testing.TB, hosts, ports string, builtin bool) string {
	t.Helper()
	l.n++
	name := fmt.Sprintf("lab %d", l.n)
	pl := l.u.Do("POST", "/v2/port_lists", map[string]any{"name": name, "ports": ports})
	tg := l.u.Do("POST", "/v2/targets", map[string]any{"name": name, "hosts": hosts, "product": "vrms",
		"port_list_id": pl.Str("port_list.id")})
	if tg.Status != 201 {
		t.Fatalf("target: %s", tg)
	}
	body := map[string]any{"name": name, "target_id": tg.Str("target.id")}
	if !builtin {
		body["scanner_id"] = l.scannerID
	}
	s := l.u.Do("POST", "/v2/scans", body)
	if s.Status != 201 {
		t.Fatalf("scan: %s", s)
	}
	if r := l.u.Do("POST", "/v2/scans/"+s.Str("scan.id")+"/start", nil); r.Status != 202 {
		t.Fatalf("start: %s", r)
	}
	return s.Str("scan.id")
}

// wait polls the scan until its run ends.
func (l *lab) wait(t testing.TB, scanID string) *apitest.Resp {
	t.Helper()
	var r *apitest.Resp
	apitest.Eventually(t, 90*time.Second, "the scan to finish", func() bool {
		r = l.u.Do("GET", "/v2/scans/"+scanID, nil)
		st := r.Str("scan.status")
		return st == "completed" || st == "failed" || st == "stopped"
	})
	return r
}

// config is an agent configuration for the lab (fast heartbeats and
// batches; the caller may set a fault-injecting transport).
func (l *lab) config(log *logBuffer, nets ...string) agent.Config {
	cfg := agent.Config{Server: l.e.URL, Token: l.token, Version: "agent-test", Heartbeat: 300 * time.Millisecond,
		BatchInterval: 200 * time.Millisecond, MaxBackoff: 300 * time.Millisecond, Wait: 1, Log: log.logger()}
	for _, n := range nets {
		cfg.Networks = append(cfg.Networks, netip.MustParsePrefix(n))
	}
	return cfg
}

// run starts an agent until the test ends (or stop is called).
func run(t testing.TB, cfg agent.Config) (stop func() error) {
	t.Helper()
	a, err := agent.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	var res error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case res = <-done:
			case <-time.After(30 * time.Second):
				res = fmt.Errorf("the agent did not stop")
			}
		})
		return res
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// logBuffer collects an agent's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }
func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// weakHTTP is apitest.WeakHTTP on any port: something for the checks to find.
func weakHTTP(t testing.TB) int {
	_, port := apitest.WeakHTTP(t, 0)
	return port
}

// seen summarises what a run stored: each host's open ports with their
// service, and the findings by host, port and check.
func (l *lab) seen(t *testing.T, scanID string) (hosts map[string][]string, findings []string) {
	t.Helper()
	hosts = map[string][]string{}
	r := l.u.Do("GET", "/v2/scans/"+scanID+"/hosts?per_page=500", nil)
	for _, h := range r.Get("hosts").([]any) {
		h := h.(map[string]any)
		ports := []string{}
		for _, s := range h["services"].([]any) {
			s := s.(map[string]any)
			ports = append(ports, fmt.Sprintf("%v/%v %v", s["port"], s["protocol"], s["service"]))
		}
		hosts[h["ip"].(string)] = ports
	}
	v := l.u.Do("GET", "/v2/scans/"+scanID+"/vulnerabilities?per_page=500", nil)
	for _, f := range v.Get("vulnerabilities").([]any) {
		f := f.(map[string]any)
		findings = append(findings, fmt.Sprintf("%v:%v %v", f["ip"], f["port"], f["check_id"]))
	}
	return hosts, findings
}

// freePort is a loopback port nothing listens on.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
