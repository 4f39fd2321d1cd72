package discovery

import (
	"context"
	"net/netip"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/portscan"
)

// tcp tries every ping port at once and reports the first answer: an
// accepted connection or a refusal both prove the host is up.
func (p *Prober) tcp(ctx context.Context, addr netip.Addr) answer {
	ports := p.Ports
	if ports == nil {
		ports = DefaultPorts
	}
	dialer := p.Dialer
	if dialer == nil {
		dialer = portscan.NetDialer{}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	answers := make(chan answer, len(ports))
	for _, port := range ports {
		go func() { answers <- p.tcpPort(ctx, dialer, netip.AddrPortFrom(addr, uint16(port))) }()
	}
	best := answer{result: Result{Reason: ReasonNoResponse}}
	for range ports {
		a := <-answers
		switch {
		case a.result.Up:
			cancel()
			return a
		case a.err != nil && best.err == nil:
			best = a
		case a.result.Reason == ReasonUnreachable && best.err == nil:
			best = a
		}
	}
	return best
}

// tcpPort makes one attempt on one port, retrying only after local resource
// errors, which say nothing about the host.
func (p *Prober) tcpPort(ctx context.Context, dialer portscan.Dialer, ap netip.AddrPort) answer {
	for attempt := 0; ; attempt++ {
		if err := p.wait(ctx); err != nil {
			return answer{err: err}
		}
		start := time.Now()
		err := dialer.Dial(ctx, ap, p.timeout())
		rtt := time.Since(start)
		switch portscan.Classify(err) {
		case portscan.OutcomeOpen:
			return answer{result: Result{Up: true, Reason: portReason(ReasonSynAck, int(ap.Port())), RTT: rtt}}
		case portscan.OutcomeClosed:
			return answer{result: Result{Up: true, Reason: portReason(ReasonReset, int(ap.Port())), RTT: rtt}}
		case portscan.OutcomeUnreachable:
			return answer{result: Result{Reason: ReasonUnreachable}}
		case portscan.OutcomeCanceled:
			return answer{err: ctx.Err()}
		case portscan.OutcomeRetry:
			if attempt < 10 && portscan.Backoff(ctx, attempt) {
				continue
			}
			if ctx.Err() != nil {
				return answer{err: ctx.Err()}
			}
		}
		// Filtered, or an error that says nothing: no answer from this port.
		return answer{result: Result{Reason: ReasonNoResponse}}
	}
}
