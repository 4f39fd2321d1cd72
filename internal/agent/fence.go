package agent

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/perimeterhq/perimeter/internal/hostspec"
)

// fence keeps a scan inside the networks the agent may reach. The server
// refuses runs whose literal addresses lie outside them, but only the agent
// knows what a hostname resolves to here, and it must not trust the server
// to have checked: so the complement of the networks joins the run's
// exclusions, which the engine applies to resolved addresses too.
type fence struct {
	nets    []netip.Prefix
	outside string // the complement as an exclusion list; "" without networks
}

func newFence(nets []netip.Prefix) fence {
	f := fence{nets: nets}
	if len(nets) > 0 {
		f.outside = strings.Join(complement(nets), ",")
	}
	return f
}

// exclude joins the complement to a run's exclusions.
func (f fence) exclude(runExclude string) string {
	switch {
	case f.outside == "":
		return runExclude
	case strings.TrimSpace(runExclude) == "":
		return f.outside
	}
	return runExclude + "," + f.outside
}

// refusal says why a run's hosts are not all inside the networks ("" when
// they are). Hostnames are checked when they resolve, by the exclusions.
func (f fence) refusal(hosts, exclude string) string {
	if len(f.nets) == 0 {
		return ""
	}
	set, err := hostspec.Parse(hosts, exclude)
	if err != nil {
		return "the run's hosts do not parse: " + err.Error()
	}
	outside := set.Outside(f.nets)
	if len(outside) == 0 {
		return ""
	}
	nets := make([]string, len(f.nets))
	for i, p := range f.nets {
		nets[i] = p.String()
	}
	return fmt.Sprintf("the scanner agent refused: %s outside its --networks (%s)", strings.Join(outside, ", "), strings.Join(nets, ", "))
}

// complement returns the address ranges (IPv4 and IPv6) that no prefix of
// nets covers, in hostspec range notation (IPv4-mapped IPv6 addresses count
// as IPv4).
func complement(nets []netip.Prefix) []string {
	var out []string
	for _, fam := range []netip.Addr{netip.IPv4Unspecified(), netip.IPv6Unspecified()} {
		type span struct{ lo, hi netip.Addr }
		var spans []span
		for _, p := range nets {
			p = p.Masked()
			if p.Addr().Is4() == fam.Is4() {
				spans = append(spans, span{p.Addr(), lastAddr(p)})
			}
		}
		if !fam.Is4() {
			// hostspec reads IPv4-mapped addresses as IPv4 ones: an IPv6
			// exclusion over ::ffff:0:0/96 would exclude all of IPv4, which the
			// IPv4 ranges govern already.
			mapped := netip.MustParsePrefix("::ffff:0:0/96")
			spans = append(spans, span{mapped.Addr(), lastAddr(mapped)})
		}
		slices.SortFunc(spans, func(a, b span) int { return a.lo.Compare(b.lo) })
		next, done := fam, false // the lowest address not yet covered
		for _, s := range spans {
			if done || s.hi.Less(next) {
				continue
			}
			if next.Less(s.lo) {
				out = append(out, next.String()+"-"+s.lo.Prev().String())
			}
			if next = s.hi.Next(); !next.IsValid() {
				done = true // the span reached the family's last address
			}
		}
		if !done {
			out = append(out, next.String()+"-"+lastAddr(netip.PrefixFrom(fam, 0)).String())
		}
	}
	return out
}

// lastAddr is the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := range b {
		hostBits := max(0, min(8, (i+1)*8-p.Bits()))
		b[i] |= byte(1<<hostBits - 1)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
