// Package dnscheck holds the DNS checks: open recursion. The check asks the
// target, and only the target, to resolve a random name under a domain the
// scan operator chooses; the target decides whether to recurse.
package dnscheck

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/netprobe"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Family is the check family name of this package.
const Family = "dns"

// DefaultDomain is the parent of the probe names: a reserved domain
// (RFC 2606) whose authoritative servers answer NXDOMAIN for random labels,
// so an open resolver's answer is unambiguous and nothing real is looked up.
const DefaultDomain = "example.com"

// Options configures the check built by New.
type Options struct {
	Domain  string        // parent domain of the probe names; DefaultDomain if empty
	Timeout time.Duration // per UDP try; 2 s if zero
	Tries   int           // UDP tries; 2 if zero
}

type recursionCheck struct {
	meta checks.Meta
	opts Options
}

var _ checks.Check = (*recursionCheck)(nil)

var dnsMatch = checks.Match{Services: []string{"dns", "domain"}, Ports: []int{53}}

// New returns the open-recursion check configured with o. The registered
// instance uses Options{}; callers needing another probe domain run the
// returned check themselves (same ID: do not register it).
func New(o Options) checks.Check {
	if o.Domain == "" {
		o.Domain = DefaultDomain
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Tries <= 0 {
		o.Tries = 2
	}
	return &recursionCheck{meta: recursionMeta, opts: o}
}

func init() { checks.Register(New(Options{})) }

// Meta returns the check's metadata.
func (c *recursionCheck) Meta() checks.Meta { return c.meta }

// Applies reports whether the check is meaningful for svc.
func (c *recursionCheck) Applies(svc result.Service) bool { return dnsMatch.Applies(svc) }

// Run probes the target; see the package documentation for what counts as a finding.
func (c *recursionCheck) Run(ctx context.Context, t checks.Target) ([]result.Finding, error) {
	var rnd [10]byte
	_, _ = rand.Read(rnd[:])
	id := binary.BigEndian.Uint16(rnd[:])
	name := "perimeter-" + hex.EncodeToString(rnd[2:]) + "." + strings.TrimSuffix(c.opts.Domain, ".")
	q, err := buildQuery(id, name)
	if err != nil {
		return nil, err
	}
	raw, err := c.exchange(ctx, t, q, id)
	if errors.Is(err, netprobe.ErrNoResponse) {
		return nil, nil // a server that ignores strangers is not an open resolver
	}
	if err != nil {
		return nil, err
	}
	r, err := parseResponse(raw)
	if err != nil {
		return nil, err
	}
	if !r.qr || !strings.EqualFold(r.question, name+".") {
		return nil, fmt.Errorf("DNS answer does not match the query for %s", name)
	}
	conf, open := verdict(r)
	if !open {
		return nil, nil
	}
	ev := fmt.Sprintf("Recursive query (RD=1) for %s A answered by the target: %s, RA=%v, AA=%v, %d answers",
		name, rcodeName(r.rcode), r.ra, r.aa, r.answers)
	if len(r.addrs) > 0 {
		ev += " (" + strings.Join(r.addrs, ", ") + ")"
	}
	f := c.meta.Finding(t, ev)
	f.Confidence = conf
	return []result.Finding{f}, nil
}

// verdict judges an answer for a name the server is not authoritative for:
// recursion available and a resolved answer or NXDOMAIN means the server
// resolved it for us; SERVFAIL with RA means it tried (often: it cannot reach
// upstream servers from where it sits). Referrals, REFUSED and authoritative
// answers are not recursion.
func verdict(r *response) (confidence int, open bool) {
	if !r.ra || r.aa {
		return 0, false
	}
	switch r.rcode {
	case rcodeNXDomain:
		return 100, true
	case rcodeNoError:
		if r.answers > 0 {
			return 100, true
		}
	case rcodeServFail:
		return 70, true
	}
	return 0, false
}

func (c *recursionCheck) exchange(ctx context.Context, t checks.Target, q []byte, id uint16) ([]byte, error) {
	if t.Network() == "udp" {
		return netprobe.Exchange(ctx, t.Addr(), q, c.opts.Tries, c.opts.Timeout, func(b []byte) bool {
			return len(b) >= 2 && binary.BigEndian.Uint16(b) == id
		})
	}
	conn, err := netprobe.Dial(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	msg := binary.BigEndian.AppendUint16(nil, uint16(len(q)))
	if _, err := conn.Write(append(msg, q...)); err != nil {
		return nil, err
	}
	hdr, err := conn.ReadN(2)
	if err != nil {
		return nil, fmt.Errorf("DNS over TCP: %w", err)
	}
	b, err := conn.ReadN(int(binary.BigEndian.Uint16(hdr)))
	if err != nil {
		return nil, fmt.Errorf("DNS over TCP: %w", err)
	}
	if len(b) < 2 || binary.BigEndian.Uint16(b) != id {
		return nil, errors.New("DNS over TCP: answer with another ID")
	}
	return b, nil
}

var recursionMeta = checks.NewMeta(checks.Meta{
	ID: "dns.recursion.open", Family: Family,
	Title:       "DNS server performs recursion for anyone (open resolver)",
	Description: "The DNS server resolves names for arbitrary clients. Open resolvers are used to amplify denial-of-service attacks against third parties, and expose their cache to snooping and poisoning.",
	Solution:    "Restrict recursion to internal clients (BIND: allow-recursion { trusted; }; Unbound: access-control) or disable it on authoritative servers.",
	References:  []string{"https://datatracker.ietf.org/doc/html/rfc5358", "https://www.cisa.gov/news-events/alerts/2013/03/29/dns-amplification-attacks"},
	CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L",
	// Not an ASV automatic failure, and not DoS-only either: cache snooping
	// and poisoning touch confidentiality and integrity, so the score rule
	// applies.
	Confidence: 100,
})
