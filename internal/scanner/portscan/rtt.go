package portscan

import (
	"sync"
	"sync/atomic"
	"time"
)

// Timing bounds how long the scanner waits for answers and how often it asks
// again.
type Timing struct {
	// InitialTimeout is the wait for a connection before any round trip to
	// the host has been measured.
	InitialTimeout time.Duration
	// MinTimeout and MaxTimeout clamp the adaptive timeout
	// (smoothed RTT + 4 × RTT variance, as TCP computes its RTO).
	MinTimeout, MaxTimeout time.Duration
	// Retries is how many more times a port that neither answered nor
	// refused is tried (TCP), or a silent UDP port is asked again.
	Retries int
	// UDPTimeout is the least wait for a UDP answer per attempt: services
	// answer after doing work, so the TCP handshake time is too short.
	UDPTimeout time.Duration
}

// DefaultTiming is a safe general-purpose timing.
var DefaultTiming = Timing{
	InitialTimeout: time.Second,
	MinTimeout:     100 * time.Millisecond,
	MaxTimeout:     3 * time.Second,
	Retries:        1,
	UDPTimeout:     time.Second,
}

// withDefaults fills zero fields from DefaultTiming and orders the bounds.
func (t Timing) withDefaults() Timing {
	if t.InitialTimeout <= 0 {
		t.InitialTimeout = DefaultTiming.InitialTimeout
	}
	if t.MinTimeout <= 0 {
		t.MinTimeout = DefaultTiming.MinTimeout
	}
	if t.MaxTimeout <= 0 {
		t.MaxTimeout = DefaultTiming.MaxTimeout
	}
	if t.MaxTimeout < t.MinTimeout {
		t.MaxTimeout = t.MinTimeout
	}
	if t.Retries < 0 {
		t.Retries = 0
	}
	if t.UDPTimeout <= 0 {
		t.UDPTimeout = DefaultTiming.UDPTimeout
	}
	return t
}

// rttEstimator keeps a host's smoothed round-trip time and its variance
// (Jacobson/Karels, RFC 6298) and the timeout derived from them. Workers read
// the timeout without locking; samples are folded in under a mutex.
type rttEstimator struct {
	timing  Timing
	timeout atomic.Int64 // current timeout in nanoseconds

	mu     sync.Mutex
	srtt   time.Duration
	rttvar time.Duration
	n      int
}

func newRTTEstimator(t Timing) *rttEstimator {
	e := &rttEstimator{timing: t}
	e.timeout.Store(int64(t.InitialTimeout))
	return e
}

// Timeout is the wait for the next attempt.
func (e *rttEstimator) Timeout() time.Duration { return time.Duration(e.timeout.Load()) }

// SRTT is the smoothed round-trip time, 0 before any sample.
func (e *rttEstimator) SRTT() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.srtt
}

// Observe folds in one measured round trip (a handshake or a refusal).
func (e *rttEstimator) Observe(rtt time.Duration) {
	e.mu.Lock()
	if e.n == 0 {
		e.srtt = rtt
		e.rttvar = rtt / 2
	} else {
		diff := e.srtt - rtt
		if diff < 0 {
			diff = -diff
		}
		e.rttvar = (3*e.rttvar + diff) / 4
		e.srtt = (7*e.srtt + rtt) / 8
	}
	e.n++
	rto := e.srtt + 4*e.rttvar
	e.mu.Unlock()
	rto = min(max(rto, e.timing.MinTimeout), e.timing.MaxTimeout)
	e.timeout.Store(int64(rto))
}
