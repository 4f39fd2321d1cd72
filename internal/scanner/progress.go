package scanner

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// progress turns per-host advancement into a scan-wide percentage that never
// decreases: each host is worth 1000 units — 50 for discovery, 750 for the
// port scan (by ports done), 200 for detection and checks (by services done).
type progress struct {
	e     *engine
	total int

	mu     sync.Mutex
	done   int // hosts finished
	active map[*hostProgress]struct{}
	last   float64
}

// hostProgress is one host's advancement, updated by its workers.
type hostProgress struct {
	phase      atomic.Int32 // 0 discovery, 1 port scan, 2 services
	portsDone  atomic.Int64
	portsTotal int64
	svcDone    atomic.Int64
	svcTotal   atomic.Int64
}

func newProgress(total int, e *engine) *progress {
	return &progress{e: e, total: total, active: map[*hostProgress]struct{}{}}
}

func (h *hostProgress) units() float64 {
	switch h.phase.Load() {
	case 0:
		return 0
	case 1:
		if h.portsTotal == 0 {
			return 800
		}
		return 50 + 750*float64(min(h.portsDone.Load(), h.portsTotal))/float64(h.portsTotal)
	}
	if t := h.svcTotal.Load(); t > 0 {
		return 800 + 200*float64(min(h.svcDone.Load(), t))/float64(t)
	}
	return 800
}

// start registers a host being scanned.
func (p *progress) start(portsTotal int) *hostProgress {
	h := &hostProgress{portsTotal: int64(portsTotal)}
	p.mu.Lock()
	p.active[h] = struct{}{}
	p.mu.Unlock()
	return h
}

// hostDone marks a host complete (down, done, or abandoned on cancel).
func (p *progress) hostDone(h *hostProgress) {
	p.mu.Lock()
	delete(p.active, h)
	p.done++
	p.mu.Unlock()
}

func (p *progress) percent() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.total <= 0 {
		return 0
	}
	units := float64(p.done) * 1000
	for h := range p.active {
		units += h.units()
	}
	return min(100, units/float64(p.total)/10)
}

// report emits the percentage if it moved forward.
func (p *progress) report(ctx context.Context, v float64) {
	p.mu.Lock()
	if v <= p.last {
		p.mu.Unlock()
		return
	}
	p.last = v
	p.mu.Unlock()
	p.e.emit(ctx, result.Event{Kind: result.EventProgress, Progress: v})
}

// tick reports progress every interval until the returned stop is called.
func (p *progress) tick(ctx context.Context, interval time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.report(ctx, p.percent())
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// finish reports 100 at the end of a completed scan.
func (p *progress) finish(ctx context.Context) { p.report(ctx, 100) }
