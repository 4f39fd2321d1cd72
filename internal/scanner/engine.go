// Package scanner is Perimeter's scan engine: it expands a target (hostspec),
// finds the hosts that are up (discovery), their open ports (portscan), what
// answers on them (service detection), their weaknesses (checks) and known
// vulnerabilities (CVE matching), and streams what it finds as result.Event
// values. It has no HTTP and no SQL: the CLI, the job runner and a remote agent
// all drive it through Run.
package scanner

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/perimeterhq/perimeter/internal/scanner/discovery"
	"github.com/perimeterhq/perimeter/internal/scanner/portscan"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Run scans opts' targets and sends what it finds to events, in this order
// per host: EventHostUp or EventHostDown, EventPortOpen per open port,
// EventService per detected service, EventFinding per finding, then exactly
// one EventHostDone carrying the complete Host (also for hosts that are
// down). EventProgress (0–100, never decreasing) and EventError (non-fatal:
// a hostname that does not resolve, a check that could not decide, ports
// left unclassified) come in between. Hosts are scanned a few at a time and
// never all held in memory. events may be nil; Run never closes it, and stops
// sending once ctx ends.
//
// Run returns the scan's statistics and nil when it finished; a validation
// error before anything is sent (see Options.Validate); or ctx.Err() (with
// the statistics so far) when ctx ends, by which time every socket it opened
// is closed.
func Run(ctx context.Context, opts Options, events chan<- result.Event) (result.Stats, error) {
	p, err := opts.plan()
	if err != nil {
		return result.Stats{}, err
	}
	e := newEngine(p, events)
	defer e.close()
	return e.run(ctx)
}

// engine is the state of one Run.
type engine struct {
	p        *plan
	events   chan<- result.Event
	dialer   portscan.Dialer
	ownDial  bool
	limiter  *rate.Limiter
	ports    *portscan.Scanner
	prober   *discovery.Prober
	detector Detector
	checker  Checker
	cve      CVEMatcher
	progress *progress

	mu    sync.Mutex
	stats result.Stats
}

func newEngine(p *plan, events chan<- result.Event) *engine {
	prof := p.profile
	e := &engine{p: p, events: events, dialer: p.opts.Dialer}
	if e.dialer == nil {
		e.dialer = portscan.NewDialer(min(prof.Concurrency, 1024))
		e.ownDial = true
	}
	if prof.Rate > 0 {
		// A small burst smooths start-up without exceeding the rate
		// noticeably over any second.
		e.limiter = rate.NewLimiter(rate.Limit(prof.Rate), max(1, prof.Rate/50))
	}
	e.ports = portscan.New(portscan.Config{
		Dialer:     e.dialer,
		Limiter:    e.limiter,
		MaxSockets: prof.Concurrency,
		PerHost:    prof.PerHost,
		Timing:     prof.Timing,
	})
	e.prober = &discovery.Prober{
		Method:  prof.Discovery,
		Ports:   prof.DiscoveryPorts,
		Timeout: prof.Timing.InitialTimeout,
		Retries: prof.Timing.Retries,
		Dialer:  e.dialer,
		Limiter: e.limiter,
		Pinger:  p.opts.Pinger,
	}
	if prof.Timing.InitialTimeout <= 0 {
		e.prober.Timeout = portscan.DefaultTiming.InitialTimeout
	}
	e.detector = p.opts.Detector
	e.checker = p.opts.Checker
	if e.checker == nil {
		e.checker = RegisteredChecks{}
	}
	e.cve = p.opts.CVEMatcher
	e.stats.BySeverity = map[string]int{}
	return e
}

func (e *engine) close() {
	_ = e.ports.Close()
	if c, ok := e.dialer.(io.Closer); ok && e.ownDial {
		_ = c.Close()
	}
}

func (e *engine) run(ctx context.Context) (result.Stats, error) {
	e.stats.Started = time.Now()
	e.setupServices(ctx)

	targets, total := e.targets(ctx)
	e.stats.HostsTotal = total
	e.progress = newProgress(total, e)
	stopTicker := e.progress.tick(ctx, 250*time.Millisecond)

	hosts := make(chan hostTarget)
	var wg sync.WaitGroup
	for range e.p.profile.Hosts {
		wg.Go(func() {
			for h := range hosts {
				e.scanHost(ctx, h)
			}
		})
	}
	for h := range targets {
		select {
		case hosts <- h:
			continue
		case <-ctx.Done():
		}
		break
	}
	close(hosts)
	wg.Wait()
	stopTicker()

	e.mu.Lock()
	stats := e.stats
	e.mu.Unlock()
	stats.Finished = time.Now()
	stats.Duration = stats.Finished.Sub(stats.Started)
	if err := ctx.Err(); err != nil {
		return stats, err
	}
	e.progress.finish(ctx)
	return stats, nil
}

// emit sends one event unless ctx has ended (a consumer that stopped reading
// must not block a cancelled scan).
func (e *engine) emit(ctx context.Context, ev result.Event) {
	if e.events == nil {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	select {
	case e.events <- ev:
	case <-ctx.Done():
	}
}

// emitError reports a non-fatal error.
func (e *engine) emitError(ctx context.Context, ev result.Event, format string, args ...any) {
	ev.Kind = result.EventError
	ev.Err = fmt.Sprintf(format, args...)
	e.emit(ctx, ev)
}
