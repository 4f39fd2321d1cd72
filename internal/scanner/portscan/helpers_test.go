package portscan

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// openListeners starts n TCP listeners on addr that accept and close every
// connection, and returns their ports.
func openListeners(t testing.TB, addr string, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	for range n {
		ln, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
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
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// closedPorts returns n loopback ports nothing listens on: each was just
// bound by the kernel's choice and released.
func closedPorts(t testing.TB, n int) []int {
	t.Helper()
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
	}
	ports := make([]int, 0, n)
	for _, ln := range lns {
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
	}
	return ports
}

// blackholePort returns a loopback port that swallows connection attempts:
// a listener with a backlog of 0 whose accept queue is already filled by one
// connection never accepted. The kernel drops further SYNs, so a connect
// waits until its timeout exactly as against a filtering firewall.
func blackholePort(t testing.TB, addr string) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ip := netip.MustParseAddr(addr).As4()
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: ip}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*unix.SockaddrInet4).Port
	filler, err := net.DialTimeout("tcp", net.JoinHostPort(addr, strconv.Itoa(port)), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		filler.Close()
		unix.Close(fd)
	})
	return port
}

// countingDialer passes attempts to the real dialer and records how many were
// made and how many were in flight at once, per address.
type countingDialer struct {
	next Dialer

	mu       sync.Mutex
	inFlight map[netip.Addr]int
	maxHost  map[netip.Addr]int
	total    int
	maxTotal int
	attempts map[netip.AddrPort]int
	started  chan struct{} // receives once per attempt, if not nil and not full
}

func newCountingDialer(next Dialer) *countingDialer {
	return &countingDialer{
		next:     next,
		inFlight: map[netip.Addr]int{},
		maxHost:  map[netip.Addr]int{},
		attempts: map[netip.AddrPort]int{},
	}
}

func (d *countingDialer) Dial(ctx context.Context, addr netip.AddrPort, timeout time.Duration) error {
	d.mu.Lock()
	d.attempts[addr]++
	d.inFlight[addr.Addr()]++
	d.maxHost[addr.Addr()] = max(d.maxHost[addr.Addr()], d.inFlight[addr.Addr()])
	d.total++
	d.maxTotal = max(d.maxTotal, d.total)
	d.mu.Unlock()
	if d.started != nil {
		select {
		case d.started <- struct{}{}:
		default:
		}
	}
	err := d.next.Dial(ctx, addr, timeout)
	d.mu.Lock()
	d.inFlight[addr.Addr()]--
	d.total--
	d.mu.Unlock()
	return err
}

func (d *countingDialer) attemptsTotal() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, v := range d.attempts {
		n += v
	}
	return n
}

// faultDialer injects local resource errors: the first failures attempts on
// each port return the errors in turn, then attempts reach the real dialer.
type faultDialer struct {
	next     Dialer
	errs     []error
	failures int // per port; <0 means always

	mu    sync.Mutex
	calls map[netip.AddrPort]int
	fired atomic.Int64
}

func (d *faultDialer) Dial(ctx context.Context, addr netip.AddrPort, timeout time.Duration) error {
	d.mu.Lock()
	n := d.calls[addr]
	d.calls[addr] = n + 1
	d.mu.Unlock()
	if d.failures < 0 || n < d.failures {
		d.fired.Add(1)
		return d.errs[n%len(d.errs)]
	}
	return d.next.Dial(ctx, addr, timeout)
}

// openFDs counts this process's open descriptors.
func openFDs(t testing.TB) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(entries)
}

// waitFor polls cond until it holds or the guard expires (a failure guard,
// not a timing assertion).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// openListenersOrSkip starts one listener on addr, skipping the test when the
// address family is not configured.
func openListenersOrSkip(t testing.TB, addr string) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	ln.Close()
	return openListeners(t, addr, 1)[0]
}
