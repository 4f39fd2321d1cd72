package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// blocked lists the address ranges a webhook may not reach, with the reason
// given to the user. Metadata addresses come before the ranges that contain
// them so the reason is the specific one.
var blocked = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("169.254.169.254/32"), "cloud metadata address"},
	{netip.MustParsePrefix("169.254.170.2/32"), "cloud metadata address"},
	{netip.MustParsePrefix("100.100.100.200/32"), "cloud metadata address"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "cloud metadata address"},
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified address"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT address"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback address"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local address"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved address"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved address"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved address"},
	{netip.MustParsePrefix("::/128"), "unspecified address"},
	{netip.MustParsePrefix("::1/128"), "loopback address"},
	{netip.MustParsePrefix("fe80::/10"), "link-local address"},
	{netip.MustParsePrefix("fc00::/7"), "private address"},
	{netip.MustParsePrefix("ff00::/8"), "multicast address"},
	{netip.MustParsePrefix("100::/64"), "reserved address"},
}

// RefusedError says why the guard will not connect to an address.
type RefusedError struct {
	Host   string // as in the URL
	IP     netip.Addr
	Reason string
}

func (e *RefusedError) Error() string {
	if e.Host != "" && e.Host != e.IP.String() {
		return fmt.Sprintf("refused: %s resolves to %s, a %s (not allowed by --webhook-allow)", e.Host, e.IP, e.Reason)
	}
	return fmt.Sprintf("refused: %s is a %s (not allowed by --webhook-allow)", e.IP, e.Reason)
}

// IsRefused reports whether err is (or wraps) a guard refusal.
func IsRefused(err error) bool {
	var r *RefusedError
	return errors.As(err, &r)
}

// Guard decides which addresses webhooks may reach and dials only those. The
// host of a URL is resolved when a request is made and the connection goes to
// an address that was checked, so a name cannot be re-pointed (DNS rebinding)
// between the check and the connection; the dialer's Control hook checks the
// address again just before connect(2).
type Guard struct {
	// Allow lists ranges that are reachable even though they are blocked by
	// default (e.g. an internal receiver, or loopback in tests).
	Allow []netip.Prefix
	// Resolve looks a host name up; net.DefaultResolver when nil.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// Dial connects to a checked address; a net.Dialer with the guard's
	// Control hook when nil. Tests replace it to prove nothing is dialed.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Timeout bounds each connection attempt (default 10 s).
	Timeout time.Duration
}

// ParseAllowList parses a comma- or space-separated list of CIDRs or single
// addresses.
func ParseAllowList(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("'%s' is not a CIDR or an IP address", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Check returns nil when ip may be reached, or a *RefusedError saying why not.
func (g *Guard) Check(host string, ip netip.Addr) error {
	ip = ip.Unmap().WithZone("")
	for _, p := range g.Allow {
		if p.Contains(ip) {
			return nil
		}
	}
	if reason := blockedReason(ip); reason != "" {
		return &RefusedError{Host: host, IP: ip, Reason: reason}
	}
	return nil
}

func blockedReason(ip netip.Addr) string {
	for _, b := range blocked {
		if b.prefix.Contains(ip) {
			return b.reason
		}
	}
	if ip.Is6() {
		// Addresses that embed an IPv4 address reach it through a translator:
		// judge the embedded address (NAT64 64:ff9b::/96, 6to4 2002::/16).
		b := ip.As16()
		if netip.MustParsePrefix("64:ff9b::/96").Contains(ip) {
			return blockedReason(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		}
		if netip.MustParsePrefix("2002::/16").Contains(ip) {
			return blockedReason(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	return ""
}

// CheckURLHost refuses a URL whose host is a literal address the guard
// refuses; names are judged when a delivery resolves them.
func (g *Guard) CheckURLHost(host string) error {
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return g.Check(host, ip)
	}
	return nil
}

// DialContext resolves addr's host, keeps the addresses the guard allows and
// connects to the first that answers. It never connects to a refused address.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		resolve := g.Resolve
		if resolve == nil {
			resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
				return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
			}
		}
		if ips, err = resolve(ctx, host); err != nil {
			return nil, fmt.Errorf("cannot resolve %s: %w", host, err)
		}
	}
	var allowed []netip.Addr
	var refusal error
	for _, ip := range ips {
		if err := g.Check(host, ip); err != nil {
			refusal = err
			continue
		}
		allowed = append(allowed, ip.Unmap())
	}
	if len(allowed) == 0 {
		if refusal == nil {
			refusal = fmt.Errorf("%s has no address", host)
		}
		return nil, refusal
	}
	dial := g.Dial
	if dial == nil {
		d := &net.Dialer{Timeout: g.timeout(), Control: g.control}
		dial = d.DialContext
	}
	var errs []error
	for _, ip := range allowed {
		c, err := dial(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

func (g *Guard) timeout() time.Duration {
	if g.Timeout > 0 {
		return g.Timeout
	}
	return 10 * time.Second
}

// control re-checks the address the socket is about to connect to: whatever
// path led here, a refused address is never connected.
func (g *Guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refused: unparsable address %q", address)
	}
	return g.Check("", ap.Addr())
}
