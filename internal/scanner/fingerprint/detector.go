package fingerprint

import (
	"context"
	"maps"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Default budgets, used where a Detector field is zero.
const (
	DefaultTimeout      = 10 * time.Second       // whole detection of one port
	DefaultBannerWait   = 1 * time.Second        // listening for a greeting
	DefaultProbeTimeout = 3 * time.Second        // one probe's exchange
	greetingIdle        = 300 * time.Millisecond // a greeting is over after this much silence
	quickFloor          = 750 * time.Millisecond // least patience for a long-shot probe
)

// Target is the host a port belongs to. Hostname, when set, is sent as the
// HTTP Host header and TLS SNI; it is never resolved.
type Target struct {
	IP       netip.Addr
	Hostname string
}

// Detector identifies services on open ports. The zero value is ready to
// use with the Default* budgets; a Detector is safe for concurrent use.
type Detector struct {
	Timeout      time.Duration // budget for one Detect call
	BannerWait   time.Duration // how long to listen for a greeting before probing
	ProbeTimeout time.Duration // budget for one probe (dial, send, answer)
	// MaxConns bounds the connections one Detect call holds open at once.
	// On a port that neither greets nor suggests a protocol, the probes that
	// remain run concurrently (at most 10 on TCP, 3 on UDP); 0 allows that,
	// 1 runs them one after the other.
	MaxConns int
}

func (d *Detector) timeout() time.Duration    { return orDefault(d.Timeout, DefaultTimeout) }
func (d *Detector) bannerWait() time.Duration { return orDefault(d.BannerWait, DefaultBannerWait) }
func (d *Detector) probeTimeout() time.Duration {
	return orDefault(d.ProbeTimeout, DefaultProbeTimeout)
}

func orDefault(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

// Detect identifies what listens on svc.Port/svc.Protocol of t.IP and
// returns svc with Service, Product, Version, CPE, Banner, TLS and Extra
// filled as far as the service revealed them. It never fails: a port that
// says nothing recognisable comes back with Service "" (and the bytes it
// sent, if any, in Banner). A UDP port in state open|filtered that answers a
// probe comes back open. Ports not open (or open|filtered) are returned
// unchanged. Detect returns within d.Timeout, or sooner when ctx ends.
func (d *Detector) Detect(ctx context.Context, t Target, svc result.Service) result.Service {
	switch svc.State {
	case result.PortOpen, result.PortOpenFiltered, "":
	default:
		return svc
	}
	if !t.IP.IsValid() || svc.Port <= 0 || svc.Port > 65535 {
		return svc
	}
	ctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()
	r := &detection{
		d:    d,
		t:    t,
		port: svc.Port,
		addr: netip.AddrPortFrom(t.IP, uint16(svc.Port)).String(),
	}
	var m Match
	var ok bool
	if svc.Protocol == result.UDP {
		m, ok = r.udp(ctx)
		if ok && svc.State == result.PortOpenFiltered {
			svc.State = result.PortOpen
		}
	} else {
		m, ok = r.layer(ctx, layer{dial: r.dialPlain})
	}
	svc.Extra = maps.Clone(svc.Extra)
	if m.Banner == "" {
		r.mu.Lock()
		m.Banner = r.banner
		r.mu.Unlock()
	}
	if ok || m.Banner != "" {
		m.apply(&svc)
	}
	svc.TLS = m.tls
	if svc.TLS {
		// A STARTTLS offer inside TLS says nothing about clear-text exposure.
		delete(svc.Extra, "starttls")
	}
	return svc
}

// detection is the state of one Detect call.
type detection struct {
	d    *Detector
	t    Target
	port int
	addr string
	gone atomic.Bool  // the port refused a connection: stop probing
	rtt  atomic.Int64 // how long the first TCP connect took, in nanoseconds

	mu     sync.Mutex
	banner string // first unrecognised bytes the service sent
}

// patience is how long probe p may wait for an answer. Probes the port
// suggests, and those whose servers may be slow to answer (HTTP
// applications, TLS key exchanges on small devices), get the full probe
// timeout; long shots on a port that suggests nothing get a budget scaled
// from the connect time, because a service of their kind answers at once
// and a service of another kind often waits silently for more bytes.
func (r *detection) patience(p *probe, hinted bool) time.Duration {
	full := r.d.probeTimeout()
	if hinted || p.patient {
		return full
	}
	return min(full, max(quickFloor, 10*time.Duration(r.rtt.Load())))
}

// layer is one level of protocol: clear TCP, or inside TLS.
type layer struct {
	tls   bool
	alpn  string
	dial  func(ctx context.Context) (net.Conn, error)
	spare net.Conn // an open connection the first step may use
}

// layer runs the plan for one level: listen for a greeting, then the
// probes (and, in clear text, the TLS handshake) until one recognises the
// service.
func (r *detection) layer(ctx context.Context, l layer) (Match, bool) {
	pl := planTCP(r.port, l.tls, l.alpn)
	spare := l.spare
	defer func() {
		if spare != nil {
			spare.Close()
		}
	}()
	next := func() (net.Conn, error) {
		if spare != nil {
			c := spare
			spare = nil
			return c, nil
		}
		c, err := l.dial(ctx)
		if err != nil && isReset(err) {
			r.gone.Store(true)
		}
		return c, err
	}
	steps := pl.steps
	hinted := pl.hinted
	if pl.listen {
		conn, err := next()
		if err != nil {
			return Match{}, false
		}
		m, ok, silent := r.listen(ctx, conn, l.tls, r.d.bannerWait())
		switch {
		case ok:
			return m, true
		case silent:
			spare = conn
		default:
			// It spoke, in a tongue we do not know: only the probes the
			// port number suggests are worth a try.
			conn.Close()
			steps = steps[:hinted]
		}
	}
	// The probes the port suggests go one at a time, in order, with full
	// patience: one of them is most likely right.
	for _, p := range steps[:hinted] {
		if ctx.Err() != nil || r.gone.Load() {
			return Match{}, false
		}
		conn, err := next()
		if err != nil {
			continue
		}
		if m, ok := r.step(ctx, p, conn, l.tls, true, next); ok {
			return m, true
		}
	}
	rest := steps[hinted:]
	if len(rest) == 0 || ctx.Err() != nil || r.gone.Load() {
		return Match{}, false
	}
	// The rest are long shots: they run at once, each on its own
	// connection, and the winner is chosen by their order, so a slow
	// TLS handshake still beats a quick answer to a clear-text probe.
	first := spare
	spare = nil
	i, o := race(ctx, len(rest), r.d.MaxConns, func(ctx context.Context, i int) outcome {
		var conn net.Conn
		var err error
		if i == 0 && first != nil {
			conn = first
			stop := context.AfterFunc(ctx, func() { conn.Close() })
			defer stop()
		} else if conn, err = l.dial(ctx); err != nil {
			return outcome{}
		}
		p := rest[i]
		if p == tlsStep {
			m, ok, byAnswer := r.tryTLS(ctx, conn)
			return outcome{m, ok, byAnswer, false}
		}
		m, ok, byAnswer := r.runProbe(ctx, p, conn, l.tls, r.patience(p, false))
		return outcome{m, ok, byAnswer, !p.vague}
	})
	if i < 0 {
		return Match{}, false
	}
	if o.byAnswer {
		return r.refine(ctx, o.m, rest[i], l.tls, next), true
	}
	return r.behindGo404(ctx, o.m, l.tls, next), true
}

// step runs one sequential plan step on conn: the TLS handshake or a probe,
// refining a match made from an answer to another protocol.
func (r *detection) step(ctx context.Context, p *probe, conn net.Conn, inTLS, hinted bool, next func() (net.Conn, error)) (Match, bool) {
	var m Match
	var ok, byAnswer bool
	if p == tlsStep {
		m, ok, byAnswer = r.tryTLS(ctx, conn)
	} else {
		m, ok, byAnswer = r.runProbe(ctx, p, conn, inTLS, r.patience(p, hinted))
	}
	if ok && byAnswer {
		return r.refine(ctx, m, p, inTLS, next), true
	}
	if ok {
		return r.behindGo404(ctx, m, inTLS, next), true
	}
	return m, ok
}

// behindGo404 asks GET /version on a fresh connection when an HTTP answer is
// Go net/http's bare default 404: etcd off its usual port looks like any Go
// server to GET /. m stays as it is unless etcd answers.
func (r *detection) behindGo404(ctx context.Context, m Match, inTLS bool, next func() (net.Conn, error)) Match {
	if !m.goBare404 {
		return m
	}
	conn, err := next()
	if err != nil {
		return m
	}
	if em, ok, _ := r.runProbe(ctx, etcdProbe, conn, inTLS, r.d.probeTimeout()); ok {
		return em
	}
	return m
}

// greetingServices are recognised from their greeting, and followed up
// after it on the same connection.
var greetingServices = map[string]bool{"ssh": true, "ftp": true, "smtp": true, "pop3": true, "imap": true, "telnet": true}

// refine completes a match made from an answer to some other protocol's
// probe (a Redis error to our HTTP request, an SMTP greeting that arrived
// late): it runs that service's own probe, or listens again for its
// greeting, on a fresh connection, and keeps m if that teaches nothing.
func (r *detection) refine(ctx context.Context, m Match, tried *probe, inTLS bool, next func() (net.Conn, error)) Match {
	for _, p := range tcpProbes {
		if p.name != m.Service || p == tried || (inTLS && !p.inTLS) {
			continue
		}
		conn, err := next()
		if err != nil {
			return m
		}
		if better, ok, byAnswer := r.runProbe(ctx, p, conn, inTLS, r.d.probeTimeout()); ok && !byAnswer {
			return better
		}
		return m
	}
	if greetingServices[m.Service] {
		conn, err := next()
		if err != nil {
			return m
		}
		if better, ok, silent := r.listen(ctx, conn, inTLS, r.d.probeTimeout()); ok && better.Service == m.Service {
			return better
		} else if silent {
			conn.Close()
		}
	}
	return m
}

// listen waits for a greeting on conn. ok means it was recognised (and
// followed up); silent means nothing arrived and conn is still usable.
// Unless silent, conn is closed on return.
func (r *detection) listen(ctx context.Context, conn net.Conn, inTLS bool, wait time.Duration) (m Match, ok, silent bool) {
	c := newConversation(ctx, conn, wait, r.t, r.port, inTLS)
	b, err := c.recv(readSpec{max: 4096, done: greetingDone, idle: greetingIdle})
	if len(b) == 0 && timedOut(err) && ctx.Err() == nil {
		// The listening deadline has passed; the next step sets its own.
		_ = conn.SetDeadline(time.Time{})
		return Match{}, false, true
	}
	defer c.conn.Close()
	if len(b) == 0 {
		return Match{}, false, false
	}
	c.extend(r.d.probeTimeout())
	m, ok = r.greeted(c, b)
	if !ok {
		r.noteBanner(b)
	}
	return m, ok, false
}

// runProbe runs one probe on conn and closes it. An answer the probe does
// not understand is still tried as another protocol's greeting, so services
// that speak late or sit on unusual ports are recognised anyway; byAnswer
// reports a match made that way.
func (r *detection) runProbe(ctx context.Context, p *probe, conn net.Conn, inTLS bool, timeout time.Duration) (m Match, ok, byAnswer bool) {
	c := newConversation(ctx, conn, timeout, r.t, r.port, inTLS)
	defer func() { c.conn.Close() }()
	if m, ok := p.run(c); ok {
		if m.Banner == "" {
			m.Banner = Printable(c.got)
		}
		return m, true, false
	}
	if len(c.got) == 0 {
		return Match{}, false, false
	}
	if m, kind := classifyGreeting(c.got); kind == greetMatched {
		return m, true, true
	}
	r.noteBanner(c.got)
	return Match{}, false, false
}

// noteBanner keeps the first unrecognised bytes a service sent, for Banner.
func (r *detection) noteBanner(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.banner == "" {
		r.banner = Printable(b)
	}
}

// udp sends every UDP probe at once, each from its own socket (a port
// that suggests one protocol may still speak another, and silence costs a
// full timeout), and keeps the answer of the first in plan order.
func (r *detection) udp(ctx context.Context) (Match, bool) {
	probes := planUDP(r.port)
	i, o := race(ctx, len(probes), r.d.MaxConns, func(ctx context.Context, i int) outcome {
		conn, err := r.dial(ctx, "udp")
		if err != nil {
			return outcome{}
		}
		defer conn.Close()
		c := newConversation(ctx, conn, r.d.probeTimeout(), r.t, r.port, false)
		m, ok := probes[i].run(c)
		// Each UDP probe checks its answer echoes its own request.
		return outcome{m: m, ok: ok, conclusive: true}
	})
	return o.m, i >= 0
}
