package scanner

import (
	"context"
	"iter"
	"net"
	"net/netip"
	"slices"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// hostTarget is one address to scan and the names it was reached through.
type hostTarget struct {
	addr  netip.Addr
	names []string
}

// targets resolves the target's hostnames now (at scan time), drops every
// resolved address that an exclusion covers, and returns the hosts to scan
// as a stream — the target's own addresses first, then addresses only known
// through names — with their number. Only the resolved addresses are held in
// memory; a /8 is never expanded up front.
func (e *engine) targets(ctx context.Context) (iter.Seq[hostTarget], int) {
	set := e.p.set
	resolver := e.p.opts.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	names := set.Hostnames()
	byAddr := map[netip.Addr][]string{}
	var extra []netip.Addr
	for _, name := range names {
		addrs, err := resolver.LookupNetIP(ctx, "ip", name)
		if err != nil {
			if ctx.Err() == nil {
				e.emitError(ctx, result.Event{}, "resolve %s: %v", name, err)
			}
			continue
		}
		for _, a := range addrs {
			a = a.Unmap().WithZone("")
			if set.Excludes(a) {
				continue // never touched, even when a name leads to it
			}
			if _, seen := byAddr[a]; !seen && !set.Contains(a) {
				extra = append(extra, a)
			}
			if !slices.Contains(byAddr[a], name) {
				byAddr[a] = append(byAddr[a], name)
			}
		}
	}
	slices.SortFunc(extra, netip.Addr.Compare)
	count, _ := set.Count() // Parse has already refused sets that do not count
	total := int(count) - len(names) + len(extra)

	return func(yield func(hostTarget) bool) {
		for a := range set.Addrs() {
			if !yield(hostTarget{addr: a, names: byAddr[a]}) {
				return
			}
		}
		for _, a := range extra {
			if !yield(hostTarget{addr: a, names: byAddr[a]}) {
				return
			}
		}
	}, total
}
