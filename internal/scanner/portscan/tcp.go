package portscan

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// tcp runs the connect scan: one round over every port, then up to
// Timing.Retries rounds over the ports that neither answered nor refused,
// each with the timeout learnt so far.
func (hs *hostScan) tcp(ctx context.Context, ports []int) error {
	if len(ports) == 0 {
		return nil
	}
	var mu sync.Mutex
	var silent []int
	probe := func(port int) {
		if hs.probeTCP(ctx, port) == OutcomeFiltered {
			mu.Lock()
			silent = append(silent, port)
			mu.Unlock()
		}
	}
	hs.each(ctx, ports, func(port int) {
		probe(port)
		hs.done(1)
	})
	for range hs.s.timing.Retries {
		if len(silent) == 0 || ctx.Err() != nil || hs.fatalErr() != nil {
			break
		}
		again := silent
		silent = nil
		slices.Sort(again)
		hs.each(ctx, again, probe)
	}
	if err := hs.fatalErr(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	hs.mu.Lock()
	hs.filtered += len(silent)
	hs.mu.Unlock()
	return nil
}

// probeTCP makes attempts on one port until one of them says something about
// it: local resource errors are retried after a back-off, never taken as an
// answer. The returned outcome is OutcomeFiltered when the port stayed silent
// this round; every other outcome has already been recorded.
func (hs *hostScan) probeTCP(ctx context.Context, port int) Outcome {
	ap := netip.AddrPortFrom(hs.addr, uint16(port))
	for attempt := 0; ; attempt++ {
		if !hs.wait(ctx) {
			return OutcomeCanceled
		}
		hs.probes.Add(1)
		start := time.Now()
		err := hs.s.dialer.Dial(ctx, ap, hs.est.Timeout())
		switch out := Classify(err); out {
		case OutcomeOpen:
			hs.est.Observe(time.Since(start))
			hs.found(result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen})
			return out
		case OutcomeClosed:
			hs.est.Observe(time.Since(start))
			hs.closed.Add(1)
			return out
		case OutcomeRetry:
			if attempt >= hs.s.resRetry {
				hs.fail(port, err)
				return OutcomeError
			}
			if !Backoff(ctx, attempt) {
				return OutcomeCanceled
			}
		case OutcomeUnreachable:
			hs.mu.Lock()
			hs.filtered++
			hs.mu.Unlock()
			return out
		case OutcomeError:
			if ctx.Err() != nil {
				return OutcomeCanceled
			}
			hs.fail(port, err)
			return out
		default: // OutcomeFiltered, OutcomeCanceled
			return out
		}
	}
}
