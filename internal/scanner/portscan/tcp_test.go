package portscan

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

func tcpPorts(r Result) []int {
	var ports []int
	for _, s := range r.Ports {
		if s.Protocol == result.TCP && s.State == result.PortOpen {
			ports = append(ports, s.Port)
		}
	}
	return ports
}

func sorted(p []int) []int {
	p = slices.Clone(p)
	slices.Sort(p)
	return p
}

func TestScanFindsExactlyTheOpenPorts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		dialer Dialer
	}{
		{"socket dialer", nil},
		{"net dialer", NetDialer{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			open := openListeners(t, "127.0.0.1", 5)
			closed := closedPorts(t, 40)
			s := New(Config{Dialer: tc.dialer, Timing: Timing{InitialTimeout: 2 * time.Second, Retries: 1}})
			defer s.Close()

			var hooked []int
			var mu sync.Mutex
			var done atomic.Int64
			r, err := s.Scan(context.Background(), Target{Addr: loopback, TCP: append(slices.Clone(open), closed...)}, Hooks{
				Open: func(svc result.Service) { mu.Lock(); hooked = append(hooked, svc.Port); mu.Unlock() },
				Done: func(n int) { done.Add(int64(n)) },
			})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := tcpPorts(r), sorted(open); !slices.Equal(got, want) {
				t.Errorf("open ports = %v, want %v", got, want)
			}
			if got, want := sorted(hooked), sorted(open); !slices.Equal(got, want) {
				t.Errorf("Open hook saw %v, want %v", got, want)
			}
			if r.Closed != len(closed) || r.Filtered != 0 || len(r.Failed) != 0 {
				t.Errorf("closed=%d filtered=%d failed=%v, want %d/0/none", r.Closed, r.Filtered, r.Failed, len(closed))
			}
			if done.Load() != int64(len(open)+len(closed)) {
				t.Errorf("Done counted %d ports, want %d", done.Load(), len(open)+len(closed))
			}
			if r.SRTT <= 0 {
				t.Errorf("SRTT = %v, want a measured round trip", r.SRTT)
			}
		})
	}
}

func TestScanIPv6Loopback(t *testing.T) {
	ln := openListenersOrSkip(t, "::1")
	closed := closedPorts(t, 3) // IPv4 ports, most likely closed on ::1 too
	s := New(Config{})
	defer s.Close()
	r, err := s.Scan(context.Background(), Target{Addr: mustAddr("::1"), TCP: append([]int{ln}, closed...)}, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if got := tcpPorts(r); !slices.Equal(got, []int{ln}) {
		t.Errorf("open = %v, want [%d]", got, ln)
	}
}

func TestResourceErrorsAreRetriedNotClosed(t *testing.T) {
	open := openListeners(t, "127.0.0.1", 2)
	closed := closedPorts(t, 6)
	faults := &faultDialer{
		next:     NewSocketDialer(8),
		errs:     []error{syscall.EMFILE, syscall.EADDRNOTAVAIL, syscall.ENOBUFS, syscall.ENFILE},
		failures: 3,
		calls:    map[netip.AddrPort]int{},
	}
	s := New(Config{Dialer: faults})
	r, err := s.Scan(context.Background(), Target{Addr: loopback, TCP: append(slices.Clone(open), closed...)}, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if got := tcpPorts(r); !slices.Equal(got, sorted(open)) {
		t.Errorf("open = %v, want %v", got, sorted(open))
	}
	if r.Closed != len(closed) || len(r.Failed) != 0 {
		t.Errorf("closed=%d failed=%v, want %d and none", r.Closed, r.Failed, len(closed))
	}
	if want := int64(3 * (len(open) + len(closed))); faults.fired.Load() != want {
		t.Errorf("faults injected = %d, want %d", faults.fired.Load(), want)
	}
	if r.Probes != int64(4*(len(open)+len(closed))) {
		t.Errorf("probes = %d, want %d", r.Probes, 4*(len(open)+len(closed)))
	}
}

func TestPersistentResourceErrorsFailThePort(t *testing.T) {
	closed := closedPorts(t, 3)
	faults := &faultDialer{next: NetDialer{}, errs: []error{syscall.EMFILE}, failures: -1, calls: map[netip.AddrPort]int{}}
	s := New(Config{Dialer: faults, ResourceRetries: 2})
	r, err := s.Scan(context.Background(), Target{Addr: loopback, TCP: closed}, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Closed != 0 || len(tcpPorts(r)) != 0 {
		t.Errorf("closed=%d open=%v: resource errors must never classify a port", r.Closed, tcpPorts(r))
	}
	if !slices.Equal(r.Failed, sorted(closed)) {
		t.Errorf("failed = %v, want %v", r.Failed, sorted(closed))
	}
	if !errors.Is(r.LastError, syscall.EMFILE) {
		t.Errorf("LastError = %v, want EMFILE", r.LastError)
	}
}

func TestSilentPortsAreRetriedThenFiltered(t *testing.T) {
	for _, retries := range []int{0, 2} {
		holes := []int{blackholePort(t, "127.0.0.1"), blackholePort(t, "127.0.0.1")}
		open := openListeners(t, "127.0.0.1", 1)
		counter := newCountingDialer(NewSocketDialer(4))
		s := New(Config{Dialer: counter, Timing: Timing{InitialTimeout: 30 * time.Millisecond, MinTimeout: 30 * time.Millisecond, MaxTimeout: 30 * time.Millisecond, Retries: retries}})
		r, err := s.Scan(context.Background(), Target{Addr: loopback, TCP: append(holes, open...)}, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Filtered != len(holes) || !slices.Equal(tcpPorts(r), open) {
			t.Errorf("retries=%d: filtered=%d open=%v, want %d and %v", retries, r.Filtered, tcpPorts(r), len(holes), open)
		}
		for _, p := range holes {
			if n := counter.attempts[netip.AddrPortFrom(loopback, uint16(p))]; n != retries+1 {
				t.Errorf("retries=%d: port %d tried %d times, want %d", retries, p, n, retries+1)
			}
		}
		if n := counter.attempts[netip.AddrPortFrom(loopback, uint16(open[0]))]; n != 1 {
			t.Errorf("open port tried %d times, want 1", n)
		}
	}
}

func TestRateLimitBoundsAttempts(t *testing.T) {
	closed := closedPorts(t, 30)
	t.Run("burst exhausted", func(t *testing.T) {
		// One token an hour after a burst of 7: the eighth attempt could never
		// be made before the context's deadline, so exactly 7 are made.
		counter := newCountingDialer(NetDialer{})
		s := New(Config{Dialer: counter, Limiter: rate.NewLimiter(rate.Every(time.Hour), 7)})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		r, err := s.Scan(ctx, Target{Addr: loopback, TCP: closed}, Hooks{})
		if err == nil || ctx.Err() != nil {
			t.Fatalf("err = %v (ctx %v), want the limiter's error", err, ctx.Err())
		}
		if n := counter.attemptsTotal(); n != 7 || r.Probes != 7 {
			t.Errorf("attempts = %d, probes = %d, want 7", n, r.Probes)
		}
	})
	t.Run("enough tokens", func(t *testing.T) {
		counter := newCountingDialer(NetDialer{})
		s := New(Config{Dialer: counter, Limiter: rate.NewLimiter(rate.Every(time.Hour), len(closed))})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		r, err := s.Scan(ctx, Target{Addr: loopback, TCP: closed}, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		if n := counter.attemptsTotal(); n != len(closed) || r.Closed != len(closed) {
			t.Errorf("attempts = %d, closed = %d, want %d", n, r.Closed, len(closed))
		}
	})
}

func TestPerHostAndGlobalConcurrency(t *testing.T) {
	hosts := []netip.Addr{mustAddr("127.0.0.1"), mustAddr("127.0.0.2")}
	ports := map[netip.Addr][]int{}
	for _, h := range hosts {
		for range 10 {
			ports[h] = append(ports[h], blackholePort(t, h.String()))
		}
	}
	counter := newCountingDialer(NewSocketDialer(4))
	timing := Timing{InitialTimeout: 300 * time.Millisecond, MinTimeout: 300 * time.Millisecond, MaxTimeout: 300 * time.Millisecond}
	s := New(Config{Dialer: counter, PerHost: 3, MaxSockets: 5, Timing: timing})
	var wg sync.WaitGroup
	for _, h := range hosts {
		wg.Go(func() {
			if _, err := s.Scan(context.Background(), Target{Addr: h, TCP: ports[h]}, Hooks{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// Ten ports per host that each hang for the whole timeout keep every
	// worker busy, so the limits are reached, and must never be passed.
	most := 0
	for _, h := range hosts {
		if got := counter.maxHost[h]; got > 3 {
			t.Errorf("%s: %d concurrent attempts, above the per-host limit 3", h, got)
		}
		most = max(most, counter.maxHost[h])
	}
	if most != 3 {
		t.Errorf("no host reached the per-host limit 3 (most %d)", most)
	}
	if counter.maxTotal != 5 {
		t.Errorf("max attempts in flight = %d, want the global limit 5", counter.maxTotal)
	}
}

func TestCancelStopsEverySocket(t *testing.T) {
	var holes []int
	for range 20 {
		holes = append(holes, blackholePort(t, "127.0.0.1"))
	}
	counter := newCountingDialer(NewSocketDialer(4))
	counter.started = make(chan struct{}, 1)
	long := Timing{InitialTimeout: time.Minute, MinTimeout: time.Minute, MaxTimeout: time.Minute, Retries: 3}
	s := New(Config{Dialer: counter, PerHost: 8, Timing: long})
	defer s.Close()
	before := openFDs(t)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Scan(ctx, Target{Addr: loopback, TCP: holes}, Hooks{})
		done <- err
	}()
	<-counter.started
	waitFor(t, "8 attempts in flight", func() bool {
		counter.mu.Lock()
		defer counter.mu.Unlock()
		return counter.total == 8
	})
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second): // failure guard only
		t.Fatal("Scan did not return after cancel")
	}
	if after := openFDs(t); after > before {
		t.Errorf("open descriptors %d after cancel, %d before: sockets leaked", after, before)
	}
}
