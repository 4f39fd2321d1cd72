package hostspec

import (
	"net/netip"
	"strings"
)

// Span is an interval of addresses of one family, First ≤ Last.
type Span struct{ First, Last netip.Addr }

// Spans returns the target's addresses after exclusions as ascending,
// disjoint intervals (IPv4 first), without expanding any of them.
func (s *Set) Spans() []Span {
	if s == nil {
		return nil
	}
	out := make([]Span, 0, len(s.addrs.v4)+len(s.addrs.v6))
	for _, sp := range s.addrs.v4 {
		out = append(out, Span{toAddr4(sp.lo), toAddr4(sp.hi)})
	}
	for _, sp := range s.addrs.v6 {
		out = append(out, Span{toAddr6(sp.lo), toAddr6(sp.hi)})
	}
	return out
}

// Entries returns the entries of a host list as Parse reads them (split on
// commas, semicolons and white space, "a - b" joined into one range),
// lower-cased: what a search for one entry of the list is matched against.
func Entries(hosts string) []string {
	toks := splitEntries(hosts)
	for i, t := range toks {
		toks[i] = strings.ToLower(t)
	}
	return toks
}
