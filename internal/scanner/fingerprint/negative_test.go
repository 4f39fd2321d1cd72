package fingerprint

import (
	"context"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// detectWithin runs Detect and fails if it has not returned long after its
// budget: a hang detector, not a speed assertion.
func detectWithin(t *testing.T, d *Detector, ctx context.Context, svc result.Service) result.Service {
	t.Helper()
	out := make(chan result.Service, 1)
	go func() { out <- d.Detect(ctx, Target{IP: loopback}, svc) }()
	select {
	case got := <-out:
		return got
	case <-time.After(10 * d.timeout()):
		t.Fatalf("Detect did not return within 10× its %v budget", d.timeout())
		return result.Service{}
	}
}

func TestDetectSilentServer(t *testing.T) {
	t.Parallel()
	port := serveTCP(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	d := testDetector()
	d.Timeout = 2 * time.Second
	got := detectWithin(t, d, context.Background(), result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen})
	if got.Service != "" || got.Product != "" || got.TLS || got.Banner != "" {
		t.Errorf("silent server identified as %+v", got)
	}
	if got.State != result.PortOpen || got.Port != port {
		t.Errorf("port fields changed: %+v", got)
	}
}

func TestDetectGarbageServer(t *testing.T) {
	t.Parallel()
	port := serveTCP(t, func(c net.Conn) {
		if _, err := c.Write([]byte("\x00\x01\x02garbage\xff\xfe\r\n")); err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, c)
	})
	d := testDetector()
	d.Timeout = 3 * time.Second
	got := detectWithin(t, d, context.Background(), result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen})
	if got.Service != "" || got.Product != "" {
		t.Errorf("garbage identified as %q/%q", got.Service, got.Product)
	}
	if want := `\x00\x01\x02garbage\xff\xfe`; got.Banner != want {
		t.Errorf("Banner = %q, want %q", got.Banner, want)
	}
}

func TestDetectCloseMidProbe(t *testing.T) {
	t.Parallel()
	port := serveTCP(t, func(c net.Conn) {
		buf := make([]byte, 3)
		_, _ = io.ReadFull(c, buf)
	})
	got := detectWithin(t, testDetector(), context.Background(), result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen})
	if got.Service != "" || got.TLS || got.Banner != "" {
		t.Errorf("server that hangs up identified as %+v", got)
	}
}

func TestDetectLateGreeting(t *testing.T) {
	t.Parallel()
	// The greeting comes after the listening window: the first probe's
	// answer carries it, and a fresh connection completes the picture.
	port := serveTCP(t, func(c net.Conn) {
		time.Sleep(400 * time.Millisecond) // the server's own delay, not a wait for the test
		lineServer("220 mx.example.test ESMTP Postfix\r\n", map[string]string{"EHLO": "250-mx\r\n250 STARTTLS\r\n"}, "502 no\r\n")(c)
	})
	got := detectTCP(t, port)
	check(t, got, want{service: "smtp", product: "Postfix", cpe: "cpe:2.3:a:postfix:postfix:*:*:*:*:*:*:*:*"})
}

func TestDetectClosedPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	got := detectWithin(t, testDetector(), context.Background(), result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen})
	if got.Service != "" || got.Banner != "" {
		t.Errorf("closed port identified as %+v", got)
	}
}

func TestDetectSkipsPortsNotOpen(t *testing.T) {
	t.Parallel()
	var accepted atomic.Int32
	port := serveTCP(t, func(c net.Conn) {
		accepted.Add(1)
		_, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
	})
	for _, state := range []string{result.PortClosed, result.PortFiltered} {
		svc := result.Service{Port: port, Protocol: result.TCP, State: state}
		if got := detectTCPService(t, svc); got.Service != "" {
			t.Errorf("state %s: detected %q", state, got.Service)
		}
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("%d connections to a port reported %s/%s", n, result.PortClosed, result.PortFiltered)
	}
	if got := detectTCPService(t, result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen}); got.Service != "ssh" {
		t.Errorf("open port: service %q, want ssh", got.Service)
	}
}

func detectTCPService(t *testing.T, svc result.Service) result.Service {
	return testDetector().Detect(context.Background(), Target{IP: loopback}, svc)
}

func TestDetectCancelled(t *testing.T) {
	t.Parallel()
	port := serveTCP(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	ctx, cancel := context.WithCancel(context.Background())
	d := &Detector{} // default budgets: only cancellation can end this early
	done := make(chan result.Service, 1)
	go func() {
		done <- d.Detect(ctx, Target{IP: loopback}, result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen})
	}()
	cancel()
	select {
	case got := <-done:
		if got.Service != "" {
			t.Errorf("cancelled detection identified %q", got.Service)
		}
	case <-time.After(DefaultTimeout / 2):
		t.Fatal("Detect ignored cancellation")
	}
}

func TestDetectUDPSilent(t *testing.T) {
	t.Parallel()
	var got atomic.Int32
	port := serveUDP(t, func([]byte) []byte { got.Add(1); return nil })
	svc := detectUDP(t, port)
	if svc.Service != "" || svc.State != result.PortOpenFiltered {
		t.Errorf("silent UDP port: %+v", svc)
	}
	if got.Load() == 0 {
		t.Error("no probe reached the UDP port")
	}
}

func TestDetectUDPWrongAnswer(t *testing.T) {
	t.Parallel()
	// Answers every datagram with junk: no probe may take it for its protocol.
	port := serveUDP(t, func([]byte) []byte { return []byte("hello there, this is not a protocol") })
	svc := detectUDP(t, port)
	if svc.Service != "" {
		t.Errorf("junk UDP answers identified as %q", svc.Service)
	}
}

func TestDetectKeepsCallerExtra(t *testing.T) {
	t.Parallel()
	port := serveTCP(t, lineServer("SSH-2.0-OpenSSH_9.6\r\n", nil, ""))
	in := map[string]string{"seen_by": "portscan"}
	got := detectTCPService(t, result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen, Extra: in})
	if got.Extra["seen_by"] != "portscan" || got.Extra["ssh_protocol"] != "2.0" {
		t.Errorf("Extra = %v", got.Extra)
	}
	if len(in) != 1 {
		t.Errorf("caller's map modified: %v", in)
	}
}

func TestPlanOrder(t *testing.T) {
	names := func(ps []*probe) string {
		var s []string
		for _, p := range ps {
			s = append(s, p.name)
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		port      int
		inTLS     bool
		alpn      string
		listen    bool
		firstStep string
	}{
		{6379, false, "", false, "redis"},
		{5432, false, "", false, "postgresql"},
		{443, false, "", false, "tls"},
		{993, false, "", false, "tls"},
		{993, true, "", true, "http"}, // inside TLS on 993: listen for the IMAP greeting first
		{22, false, "", true, "tls"},
		{3306, false, "", true, "tls"},
		{40000, false, "", true, "tls"},
		{40000, true, "http/1.1", false, "http"},
		{53, false, "", false, "dns"},
		{3389, false, "", false, "rdp"},
	}
	for _, tt := range tests {
		pl := planTCP(tt.port, tt.inTLS, tt.alpn)
		if pl.listen != tt.listen || pl.steps[0].name != tt.firstStep {
			t.Errorf("planTCP(%d, %v, %q) = listen %v, steps %s; want listen %v, first %s",
				tt.port, tt.inTLS, tt.alpn, pl.listen, names(pl.steps), tt.listen, tt.firstStep)
		}
		seen := map[*probe]bool{}
		for _, p := range pl.steps {
			if seen[p] {
				t.Errorf("planTCP(%d): %s twice", tt.port, p.name)
			}
			seen[p] = true
			if tt.inTLS && (p == tlsStep || !p.inTLS) {
				t.Errorf("planTCP(%d, inTLS): step %s cannot run inside TLS", tt.port, p.name)
			}
		}
	}
	if pl := planTCP(9100, false, ""); !pl.listen || len(pl.steps) != 0 {
		t.Errorf("planTCP(9100) = %+v: raw printer ports get no probes", pl)
	}
	if got := names(planUDP(161)); got != "snmp,dns,ntp" {
		t.Errorf("planUDP(161) = %s", got)
	}
	if got := names(planUDP(9999)); got != "dns,ntp,snmp" {
		t.Errorf("planUDP(9999) = %s", got)
	}
}

func TestDetectMaxConns(t *testing.T) {
	t.Parallel()
	var open, most atomic.Int32
	port := serveTCP(t, func(c net.Conn) {
		n := open.Add(1)
		defer open.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		_, _ = io.Copy(io.Discard, c) // silent until the detector hangs up
	})
	d := testDetector()
	d.Timeout = 3 * time.Second
	d.MaxConns = 2
	got := detectWithin(t, d, context.Background(), result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen})
	if got.Service != "" {
		t.Errorf("silent server identified as %q", got.Service)
	}
	// The server may see one closed connection late (the FIN is still on
	// its way when the next probe connects), hence the +1; without the
	// bound, ten probes would connect at once.
	if n := most.Load(); n > 3 || n < 1 {
		t.Errorf("server saw %d connections at once with MaxConns 2", n)
	}
	// Sequential probing still identifies a service on a port that suggests nothing.
	d = testDetector()
	d.MaxConns = 1
	port = serveTCP(t, lineServer("", map[string]string{"VERSION": "VERSION 1.6.21\r\n"}, "ERROR\r\n"))
	got = d.Detect(context.Background(), Target{IP: loopback}, result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen})
	if got.Service != "memcached" {
		t.Errorf("MaxConns 1: service %q, want memcached", got.Service)
	}
}
