package discovery

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perimeterhq/perimeter/internal/scanner/portscan"
)

var loopback = netip.MustParseAddr("127.0.0.1")

func listener(t *testing.T) int {
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
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// blackholePort is a loopback port whose SYNs are dropped: a listener with a
// backlog of 0 and its accept queue already full.
func blackholePort(t *testing.T) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(fd)
	port := sa.(*unix.SockaddrInet4).Port
	filler, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { filler.Close(); unix.Close(fd) })
	return port
}

// countingDialer counts attempts and passes them on.
type countingDialer struct {
	next    portscan.Dialer
	n       atomic.Int64
	started chan struct{} // if set, receives once per attempt (non-blocking)
}

func (d *countingDialer) Dial(ctx context.Context, addr netip.AddrPort, timeout time.Duration) error {
	d.n.Add(1)
	if d.started != nil {
		select {
		case d.started <- struct{}{}:
		default:
		}
	}
	return d.next.Dial(ctx, addr, timeout)
}

func TestTCPPing(t *testing.T) {
	open, closed := listener(t), closedPort(t)
	hole1, hole2 := blackholePort(t), blackholePort(t)
	for _, tc := range []struct {
		name       string
		ports      []int
		up         bool
		reasonPref string
	}{
		{"refused means up", []int{closed}, true, ReasonReset + "/" + strconv.Itoa(closed)},
		{"accepted means up", []int{open}, true, ReasonSynAck + "/" + strconv.Itoa(open)},
		{"one answer among silent ports", []int{hole1, closed, hole2}, true, ReasonReset},
		{"silence means down", []int{hole1, hole2}, false, ReasonNoResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, d := range []portscan.Dialer{portscan.NetDialer{}, portscan.NewDialer(2)} {
				p := &Prober{Method: MethodTCP, Ports: tc.ports, Timeout: 50 * time.Millisecond, Retries: 1, Dialer: d}
				r, err := p.Probe(context.Background(), loopback)
				if err != nil {
					t.Fatal(err)
				}
				if r.Up != tc.up || !strings.HasPrefix(r.Reason, tc.reasonPref) {
					t.Errorf("%T: got %+v, want up=%v reason %q", d, r, tc.up, tc.reasonPref)
				}
				if r.Up && r.RTT <= 0 {
					t.Errorf("%T: up without a round-trip time", d)
				}
			}
		})
	}
}

func TestDefaultsFindARefusingLoopbackAddress(t *testing.T) {
	// Nothing of ours listens on 127.0.0.2: its default ping ports refuse
	// (or, if the machine runs such a service on every address, accept).
	r, err := (&Prober{}).Probe(context.Background(), netip.MustParseAddr("127.0.0.2"))
	if err != nil || !r.Up {
		t.Fatalf("got %+v, %v; want up", r, err)
	}
}

func TestNoneConsidersAliveWithoutProbing(t *testing.T) {
	d := &countingDialer{next: portscan.NetDialer{}}
	p := &Prober{Method: MethodNone, Dialer: d, Pinger: failingPinger{err: errors.New("must not be called")}}
	r, err := p.Probe(context.Background(), netip.MustParseAddr("127.0.0.1"))
	if err != nil || !r.Up || r.Reason != ReasonUserSet {
		t.Fatalf("got %+v, %v; want up, user-set", r, err)
	}
	if d.n.Load() != 0 {
		t.Errorf("%d connection attempts for a host considered alive", d.n.Load())
	}
}

// failingPinger injects ICMP faults.
type failingPinger struct{ err error }

func (f failingPinger) Ping(context.Context, netip.Addr, time.Duration) (time.Duration, bool, error) {
	return 0, false, f.err
}

func TestICMPFallsBackToTCPWhenNotPermitted(t *testing.T) {
	closed := closedPort(t)
	hole := blackholePort(t)
	for _, method := range []string{MethodICMP, MethodBoth} {
		p := &Prober{Method: method, Ports: []int{closed}, Timeout: 50 * time.Millisecond, Pinger: failingPinger{err: ErrICMPNotPermitted}}
		r, err := p.Probe(context.Background(), loopback)
		if err != nil || !r.Up || !strings.HasPrefix(r.Reason, ReasonReset) {
			t.Errorf("%s: got %+v, %v; want up through the TCP fallback", method, r, err)
		}
		p.Ports = []int{hole}
		if r, err := p.Probe(context.Background(), loopback); err != nil || r.Up {
			t.Errorf("%s with silent TCP ports: got %+v, %v; want down", method, r, err)
		}
	}
}

func TestICMPEcho(t *testing.T) {
	rtt, ok, err := SystemPinger.Ping(context.Background(), loopback, 2*time.Second)
	if errors.Is(err, ErrICMPNotPermitted) {
		t.Skip("ICMP echo not permitted for this process (ping_group_range / CAP_NET_RAW)")
	}
	if err != nil || !ok || rtt <= 0 {
		t.Fatalf("ping 127.0.0.1: rtt=%v ok=%v err=%v", rtt, ok, err)
	}
	hole := blackholePort(t)
	p := &Prober{Method: MethodICMP, Ports: []int{hole}, Timeout: 2 * time.Second}
	r, err := p.Probe(context.Background(), loopback)
	if err != nil || !r.Up || r.Reason != ReasonEchoReply {
		t.Errorf("icmp discovery: got %+v, %v; want echo-reply", r, err)
	}
}

func TestUnknownMethod(t *testing.T) {
	p := &Prober{Method: "arp"}
	if _, err := p.Probe(context.Background(), loopback); err == nil {
		t.Error("unknown method accepted")
	}
	if err := (&Prober{Method: MethodBoth}).Validate(); err != nil {
		t.Errorf("tcp+icmp rejected: %v", err)
	}
}

func TestProbeCancels(t *testing.T) {
	hole := blackholePort(t)
	d := &countingDialer{next: portscan.NewDialer(1), started: make(chan struct{}, 1)}
	p := &Prober{Ports: []int{hole}, Timeout: time.Minute, Dialer: d}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := p.Probe(ctx, loopback)
		done <- err
	}()
	<-d.started
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second): // failure guard only
		t.Fatal("Probe did not return after cancel")
	}
}
