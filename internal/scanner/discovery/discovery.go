// Package discovery decides whether a host is up before it is port-scanned:
// a TCP "ping" (a connection attempt to a few common ports, where a refusal
// proves the host as well as an accepted connection does), an ICMP echo where
// the system permits it, or no probe at all ("consider alive").
package discovery

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/perimeterhq/perimeter/internal/scanner/portscan"
)

// Methods of discovery.
const (
	MethodTCP  = "tcp"      // connection attempts to Ports
	MethodICMP = "icmp"     // ICMP echo; TCP where ICMP is not permitted
	MethodBoth = "tcp+icmp" // both at once; the first answer wins
	MethodNone = "none"     // every host is considered up
)

// Reasons reported in Result.Reason.
const (
	ReasonSynAck      = "tcp-syn-ack"      // a port accepted the connection (+ "/port")
	ReasonReset       = "tcp-reset"        // a port refused it (+ "/port")
	ReasonEchoReply   = "echo-reply"       // ICMP echo answered
	ReasonUserSet     = "user-set"         // MethodNone
	ReasonNoResponse  = "no-response"      // nothing answered in time
	ReasonUnreachable = "host-unreachable" // the network reported the host unreachable
)

// DefaultPorts are the TCP ping ports: services most hosts that are up either
// run or actively refuse (web, SSH, SMB/RPC, RDP, mail, FTP, DNS).
var DefaultPorts = []int{80, 443, 22, 445, 3389, 135, 139, 25, 21, 8080, 53, 23}

// Result says whether a host is up and how that was learnt.
type Result struct {
	Up     bool
	Reason string
	// RTT is the round trip of the proving answer (0 for MethodNone or down).
	RTT time.Duration
}

// Pinger sends ICMP echo requests. Ping returns the round trip of the first
// reply and true, or false when none came before timeout; it returns
// ErrICMPNotPermitted when the system does not let this process send ICMP,
// and ctx.Err() when ctx ends.
type Pinger interface {
	Ping(ctx context.Context, addr netip.Addr, timeout time.Duration) (time.Duration, bool, error)
}

// Prober probes hosts. The zero value pings DefaultPorts over TCP with the
// platform's dialer and a one-second timeout. It is safe for concurrent use
// once its fields are set.
type Prober struct {
	// Method is one of the Method constants; "" means MethodTCP.
	Method string
	// Ports are the TCP ping ports; nil means DefaultPorts.
	Ports []int
	// Timeout is how long to wait for an answer per round; 0 means 1 s.
	Timeout time.Duration
	// Retries is how many more rounds are tried when nothing answered.
	Retries int
	// Dialer makes the TCP attempts; nil means portscan.NetDialer.
	Dialer portscan.Dialer
	// Limiter, if set, is waited on before every probe sent.
	Limiter *rate.Limiter
	// Pinger sends ICMP; nil means the system pinger (pro-bing), which
	// falls back to TCP when ICMP is not permitted.
	Pinger Pinger
}

// Validate reports an unknown Method.
func (p *Prober) Validate() error {
	switch p.Method {
	case "", MethodTCP, MethodICMP, MethodBoth, MethodNone:
		return nil
	}
	return fmt.Errorf("discovery: unknown method %q (want tcp, icmp, tcp+icmp or none)", p.Method)
}

// Probe tells whether addr is up. It returns an error only when the method
// is unknown, when ctx ends (ctx.Err()) or when the rate limiter cannot grant
// a probe before ctx's deadline.
func (p *Prober) Probe(ctx context.Context, addr netip.Addr) (Result, error) {
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	if p.Method == MethodNone {
		return Result{Up: true, Reason: ReasonUserSet}, nil
	}
	var last Result
	for range p.Retries + 1 {
		r, err := p.round(ctx, addr)
		if err != nil || r.Up {
			return r, err
		}
		last = r
		if r.Reason == ReasonUnreachable {
			break // the network said so: asking again will not help
		}
	}
	return last, nil
}

// round runs one round of the configured method.
func (p *Prober) round(ctx context.Context, addr netip.Addr) (Result, error) {
	useTCP := p.Method == "" || p.Method == MethodTCP || p.Method == MethodBoth
	useICMP := p.Method == MethodICMP || p.Method == MethodBoth
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	answers := make(chan answer, 2)
	pending := 0
	if useICMP {
		pending++
		go func() { answers <- p.icmp(ctx, addr) }()
	}
	if useTCP {
		pending++
		go func() { answers <- p.tcp(ctx, addr) }()
	}
	best := Result{Reason: ReasonNoResponse}
	var firstErr error
	for ; pending > 0; pending-- {
		a := <-answers
		switch {
		case a.fallback && !useTCP:
			// ICMP is not permitted here: TCP ping instead, silently.
			useTCP = true
			pending++
			go func() { answers <- p.tcp(ctx, addr) }()
		case a.err != nil:
			if firstErr == nil {
				firstErr = a.err
			}
		case a.result.Up:
			cancel() // the other probes have nothing more to prove
			return a.result, nil
		case a.result.Reason == ReasonUnreachable:
			best = a.result
		}
	}
	if firstErr != nil {
		return Result{}, firstErr
	}
	return best, nil
}

type answer struct {
	result   Result
	fallback bool // ICMP not permitted
	err      error
}

func (p *Prober) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return time.Second
}

func (p *Prober) wait(ctx context.Context) error {
	if p.Limiter == nil {
		return nil
	}
	return p.Limiter.Wait(ctx)
}

func portReason(reason string, port int) string { return reason + "/" + strconv.Itoa(port) }
