// Package portscan finds open ports: a TCP connect scan with a bounded number
// of sockets in flight, timeouts adapted to the measured round-trip time,
// retries for ports that stay silent, a global rate limit and a per-host
// concurrency limit; and UDP probes that speak DNS, NTP and SNMP so that an
// answer proves a port open.
//
// Local resource errors (EMFILE, ENFILE, ENOBUFS, EADDRNOTAVAIL, …) make the
// scanner back off and try the same port again: they never mark a port closed.
package portscan

import (
	"context"
	"io"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Config configures a Scanner. The zero value is usable.
type Config struct {
	// Dialer makes TCP attempts; nil means NewDialer (the fastest for the
	// platform). Tests pass a Dialer that injects faults.
	Dialer Dialer
	// Limiter bounds probes (TCP attempts and UDP datagrams) per second
	// across every host the Scanner scans; nil means no limit.
	Limiter *rate.Limiter
	// MaxSockets bounds sockets in flight across all hosts. 0 or a value
	// above SocketBudget() means SocketBudget().
	MaxSockets int
	// PerHost bounds concurrent probes against one host; 0 means 256.
	PerHost int
	// Timing sets timeouts and retries; zero fields take DefaultTiming's.
	Timing Timing
	// ResourceRetries is how many times one port is retried after local
	// resource errors before it is given up as failed; 0 means 30.
	ResourceRetries int
	// UDPServices maps UDP ports to the protocol probe to send them
	// ("dns", "ntp", "snmp") for services on non-standard ports; the
	// well-known ports 53, 123 and 161 need no entry.
	UDPServices map[int]string
}

// Scanner scans hosts. One Scanner is shared by every host of a scan so that
// the socket bound and the rate limit are global. It is safe for concurrent use.
type Scanner struct {
	dialer    Dialer
	ownDialer bool
	limiter   *rate.Limiter
	sockets   chan struct{} // one token per socket in flight
	perHost   int
	timing    Timing
	resRetry  int
	udpProbes map[int]string
}

// New returns a Scanner for cfg. Close it when done.
func New(cfg Config) *Scanner {
	s := &Scanner{
		dialer:    cfg.Dialer,
		limiter:   cfg.Limiter,
		perHost:   cfg.PerHost,
		timing:    cfg.Timing.withDefaults(),
		resRetry:  cfg.ResourceRetries,
		udpProbes: cfg.UDPServices,
	}
	budget := SocketBudget()
	maxSockets := cfg.MaxSockets
	if maxSockets <= 0 || maxSockets > budget {
		maxSockets = budget
	}
	if s.perHost <= 0 {
		s.perHost = 256
	}
	s.perHost = min(s.perHost, maxSockets)
	if s.resRetry <= 0 {
		s.resRetry = 30
	}
	s.sockets = make(chan struct{}, maxSockets)
	if s.dialer == nil {
		s.dialer = NewDialer(min(maxSockets, 1024))
		s.ownDialer = true
	}
	return s
}

// Close releases what New allocated (the default dialer's cached sockets).
// It returns the dialer's Close error, which is always nil for the built-in ones.
func (s *Scanner) Close() error {
	if c, ok := s.dialer.(io.Closer); ok && s.ownDialer {
		return c.Close()
	}
	return nil
}

// MaxSockets is the effective global bound on sockets in flight.
func (s *Scanner) MaxSockets() int { return cap(s.sockets) }

// PerHost is the effective per-host concurrency.
func (s *Scanner) PerHost() int { return s.perHost }

// Target is one host to scan.
type Target struct {
	Addr netip.Addr
	// TCP and UDP list the ports to probe (1–65535), in the order to probe them.
	TCP, UDP []int
	// RTT is a round trip already measured (by discovery); it seeds the
	// adaptive timeout. 0 means none.
	RTT time.Duration
}

// Hooks receive results while a host is scanned. Each may be nil; they are
// called concurrently from the scanning goroutines and must be quick.
type Hooks struct {
	// Open is called once per open port, as soon as it is found.
	Open func(svc result.Service)
	// Done is called with the number of ports that finished their first
	// round of probing (retries come after and are not counted again).
	Done func(n int)
}

// Result is what a Scan found on one host.
type Result struct {
	// Ports holds the open TCP ports, then the UDP ports that are open or
	// open|filtered, each ascending, with Port, Protocol and State set (and
	// Service/Banner for UDP services that answered a protocol probe).
	Ports []result.Service
	// Closed and Filtered count ports with those states (UDP open|filtered
	// ports are in Ports, not here).
	Closed, Filtered int
	// Failed lists ports left unclassified after repeated local errors.
	Failed []int
	// Probes counts connection attempts and UDP datagrams sent.
	Probes int64
	// SRTT is the host's smoothed round-trip time (0 if nothing answered).
	SRTT time.Duration
	// LastError is the last unexpected error met (nil if none); the scan
	// went on without the affected port.
	LastError error
}

// Scan probes t's TCP ports, then its UDP ports. It returns the ports found
// so far and ctx.Err() when ctx ends, or the rate limiter's error when a wait
// could never finish before ctx's deadline; every socket is closed by then.
func (s *Scanner) Scan(ctx context.Context, t Target, h Hooks) (Result, error) {
	hs := &hostScan{s: s, addr: t.Addr, hooks: h, est: newRTTEstimator(s.timing)}
	if t.RTT > 0 {
		hs.est.Observe(t.RTT)
	}
	err := hs.tcp(ctx, t.TCP)
	if err == nil {
		err = hs.udp(ctx, t.UDP)
	}
	return hs.result(), err
}

// hostScan is the state of one host's scan, shared by its workers.
type hostScan struct {
	s     *Scanner
	addr  netip.Addr
	hooks Hooks
	est   *rttEstimator

	probes   atomic.Int64
	closed   atomic.Int64
	mu       sync.Mutex
	open     []result.Service
	filtered int
	failed   []int
	lastErr  error
	fatal    error
}

func (hs *hostScan) result() Result {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	slices.SortFunc(hs.open, func(a, b result.Service) int {
		if a.Protocol != b.Protocol {
			if a.Protocol == result.TCP {
				return -1
			}
			return 1
		}
		return a.Port - b.Port
	})
	slices.Sort(hs.failed)
	return Result{
		Ports:     hs.open,
		Closed:    int(hs.closed.Load()),
		Filtered:  hs.filtered,
		Failed:    hs.failed,
		Probes:    hs.probes.Load(),
		SRTT:      hs.est.SRTT(),
		LastError: hs.lastErr,
	}
}

func (hs *hostScan) found(svc result.Service) {
	hs.mu.Lock()
	hs.open = append(hs.open, svc)
	hs.mu.Unlock()
	if hs.hooks.Open != nil && svc.State == result.PortOpen {
		hs.hooks.Open(svc)
	}
}

func (hs *hostScan) fail(port int, err error) {
	hs.mu.Lock()
	hs.failed = append(hs.failed, port)
	hs.lastErr = err
	hs.mu.Unlock()
}

func (hs *hostScan) setFatal(err error) {
	hs.mu.Lock()
	if hs.fatal == nil {
		hs.fatal = err
	}
	hs.mu.Unlock()
}

func (hs *hostScan) fatalErr() error {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return hs.fatal
}

// each runs probe over ports with at most PerHost workers, each holding one
// of the Scanner's socket tokens while it works. Workers pull ports from a
// shared index, so there is one goroutine per worker, not per port.
func (hs *hostScan) each(ctx context.Context, ports []int, probe func(port int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	workers := min(hs.s.perHost, len(ports))
	for range workers {
		if int(next.Load()) >= len(ports) {
			break
		}
		select {
		case hs.s.sockets <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-hs.s.sockets; wg.Done() }()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(ports) {
					return
				}
				probe(ports[i])
			}
		}()
	}
	wg.Wait()
}

// wait takes one token from the global rate limiter.
func (hs *hostScan) wait(ctx context.Context) bool {
	if hs.s.limiter == nil {
		return true
	}
	if err := hs.s.limiter.Wait(ctx); err != nil {
		if ctx.Err() == nil {
			hs.setFatal(err)
		}
		return false
	}
	return true
}

// Backoff sleeps before retry number attempt (from 0) after a local resource
// error: exponential from 5 ms, capped at 1 s, with jitter so workers do not
// retry in step. It returns false, at once, if ctx ends first.
func Backoff(ctx context.Context, attempt int) bool {
	d := 5 * time.Millisecond << min(attempt, 8)
	d = min(d, time.Second)
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (hs *hostScan) done(n int) {
	if hs.hooks.Done != nil {
		hs.hooks.Done(n)
	}
}
