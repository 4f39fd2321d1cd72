package hostspec

import (
	"net/netip"
	"slices"
)

// Outside lists the set's addresses (after exclusions) that no prefix of
// nets holds, as ranges in hostspec notation ("10.0.0.5", "10.0.1.0-10.0.1.9"):
// what a scanner that reaches only nets may not be given. A span counts as
// inside only when one prefix holds all of it. Hostnames are not addresses
// yet and are not listed.
func (s *Set) Outside(nets []netip.Prefix) []string {
	var out []string
	for _, sp := range s.Spans() {
		if slices.ContainsFunc(nets, func(p netip.Prefix) bool { return p.Contains(sp.First) && p.Contains(sp.Last) }) {
			continue
		}
		if sp.First == sp.Last {
			out = append(out, sp.First.String())
		} else {
			out = append(out, sp.First.String()+"-"+sp.Last.String())
		}
	}
	return out
}
