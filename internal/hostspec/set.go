package hostspec

import (
	"fmt"
	"iter"
	"math/bits"
	"net/netip"
	"slices"
	"strings"
)

// MaxAddresses is the most distinct addresses a Set may hold after
// exclusions: 2^24, exactly an IPv4 /8. Larger targets (an IPv6 /64, a /7)
// are refused by Parse with a "too many hosts" message instead of being
// expanded. Hostnames are not counted against it: each is one entry of the
// input, so their number is bounded by the input's length.
const MaxAddresses = 1 << 24

// Set is a parsed target: addresses (as merged intervals, with exclusions
// already removed), hostnames to resolve at scan time, and the exclusions
// themselves, which still apply to whatever the hostnames resolve to.
// A Set is immutable and safe for concurrent use. The zero value and a nil
// *Set are empty.
type Set struct {
	addrs   families // targets minus exclusions, normalized
	excl    families // exclusions, normalized
	names   []string // sorted, distinct, excluded names removed
	exNames []string // sorted, distinct
}

// Parse reads a host list and an exclusion list. Entries are IPv4 and IPv6
// addresses, CIDRs (host bits set are allowed: 10.0.0.5/24 means
// 10.0.0.0/24), ranges (10.0.0.1-10.0.0.20, 10.0.0.1-20, 2001:db8::1-2001:db8::ff)
// and hostnames, separated by commas, semicolons, spaces or newlines.
// IPv4-mapped IPv6 addresses are the same hosts as their IPv4 form.
//
// It returns a *ParseError that lists every invalid entry of both inputs,
// a "required" problem when hosts holds no entry, and a "too many hosts"
// problem when more than MaxAddresses addresses remain after exclusions.
func Parse(hosts, exclude string) (*Set, error) {
	s, perr := ParseValid(hosts, exclude)
	if perr != nil {
		return nil, perr
	}
	return s, nil
}

// ParseValid is Parse for previews: it returns the set of the valid entries
// together with every problem found (nil when there is none). The set is nil
// only when nothing valid can be counted (no valid host, or too many hosts).
func ParseValid(hosts, exclude string) (*Set, *ParseError) {
	perr := &ParseError{}
	var inc, ex families
	var names, exNames []string
	var big struct {
		tok  string
		size size
	}

	toks := splitEntries(hosts)
	if len(toks) == 0 {
		perr.add(FieldHosts, "", "required: give at least one IP address, range, CIDR or hostname")
	}
	for _, tok := range toks {
		e, reason := parseEntry(tok)
		switch {
		case reason != "":
			perr.invalid(FieldHosts, tok, reason)
		case e.hostname != "":
			names = append(names, e.hostname)
		default:
			inc.add(e.is4, e.span)
			if sz := e.span.size(); big.tok == "" || sz.exceedsSize(big.size) {
				big.tok, big.size = tok, sz
			}
		}
	}
	ex, exNames = parseExclusions(perr, exclude)
	inc.normalize()
	s := &Set{
		addrs:   families{v4: subtract(inc.v4, ex.v4), v6: subtract(inc.v6, ex.v6)},
		excl:    ex,
		exNames: sortedDistinct(exNames),
	}
	for _, n := range sortedDistinct(names) {
		if _, found := slices.BinarySearch(s.exNames, n); !found {
			s.names = append(s.names, n)
		}
	}
	if total := s.addrs.size(); total.exceeds(MaxAddresses) {
		msg := fmt.Sprintf("too many hosts (%s addresses after exclusions; the limit is %d)", total, MaxAddresses)
		if big.size.exceeds(MaxAddresses) {
			msg = fmt.Sprintf("too many hosts ('%s' alone has %s addresses; the limit is %d)", clip(big.tok), big.size, MaxAddresses)
		}
		perr.add(FieldHosts, "", msg)
		return nil, perr
	}
	if len(perr.Problems) > 0 {
		if len(names) == 0 && len(s.addrs.v4)+len(s.addrs.v6) == 0 {
			return nil, perr
		}
		return s, perr
	}
	return s, nil
}

// parseExclusions reads an exclusion list into normalized addresses and
// hostnames, reporting invalid entries under FieldExclude.
func parseExclusions(perr *ParseError, exclude string) (families, []string) {
	var ex families
	var names []string
	for _, tok := range splitEntries(exclude) {
		e, reason := parseEntry(tok)
		switch {
		case reason != "":
			perr.invalid(FieldExclude, tok, reason)
		case e.hostname != "":
			names = append(names, e.hostname)
		default:
			ex.add(e.is4, e.span)
		}
	}
	ex.normalize()
	return ex, names
}

// ParseExclude reads an exclusion list on its own, such as the platform's
// scan exclusions: the Set has no targets, only exclusions, which may be as
// large as the address space. It returns a *ParseError listing the invalid
// entries (under FieldExclude).
func ParseExclude(list string) (*Set, error) {
	perr := &ParseError{}
	ex, names := parseExclusions(perr, list)
	if len(perr.Problems) > 0 {
		return nil, perr
	}
	return &Set{excl: ex, exNames: sortedDistinct(names)}, nil
}

// ExcludedBy returns the part of the target that ex's exclusions cover — what
// a scan of s will never touch when ex applies as well: merged intervals in
// the form of String, then the target's hostnames that ex excludes by name.
// Addresses that hostnames resolve to are not known here. Nil sets give nil.
func (s *Set) ExcludedBy(ex *Set) []string {
	if s == nil || ex == nil {
		return nil
	}
	in := families{v4: intersect(s.addrs.v4, ex.excl.v4), v6: intersect(s.addrs.v6, ex.excl.v6)}
	var names []string
	for _, n := range s.names {
		if _, found := slices.BinarySearch(ex.exNames, n); found {
			names = append(names, n)
		}
	}
	return renderParts(in, names)
}

// intersect returns the spans in both a and b (both normalized).
func intersect(a, b spans) spans { return subtract(a, subtract(a, b)) }

func (s size) exceedsSize(t size) bool {
	if s.overflow || t.overflow {
		return s.overflow && !t.overflow
	}
	return s.n.cmp(t.n) > 0
}

func sortedDistinct(in []string) []string {
	slices.Sort(in)
	return slices.Compact(in)
}

// Count returns the number of distinct addresses left after exclusions plus
// the number of hostnames (each counts as one host: they are resolved only
// at scan time). It returns an error if the addresses exceed MaxAddresses,
// which Parse already refuses, so a Set from Parse always counts.
func (s *Set) Count() (uint64, error) {
	if s == nil {
		return 0, nil
	}
	n := s.addrs.size()
	if n.exceeds(MaxAddresses) {
		return 0, fmt.Errorf("too many hosts (%s addresses; the limit is %d)", n, MaxAddresses)
	}
	return n.n.lo + uint64(len(s.names)), nil
}

// Addrs yields every target address once, in ascending order (IPv4 before
// IPv6), with exclusions removed. IPv4-mapped addresses come out as IPv4.
func (s *Set) Addrs() iter.Seq[netip.Addr] {
	return func(yield func(netip.Addr) bool) {
		if s == nil {
			return
		}
		for _, f := range []struct {
			list  spans
			build func(u128) netip.Addr
		}{{s.addrs.v4, toAddr4}, {s.addrs.v6, toAddr6}} {
			for _, sp := range f.list {
				for v := sp.lo; ; v = v.inc() {
					if !yield(f.build(v)) {
						return
					}
					if v == sp.hi {
						break
					}
				}
			}
		}
	}
}

// Hostnames returns the target's hostnames, lower-cased, sorted and distinct,
// without those listed in the exclusions. The slice is the caller's.
func (s *Set) Hostnames() []string {
	if s == nil {
		return nil
	}
	return slices.Clone(s.names)
}

// ExcludedHostnames returns the hostnames of the exclusion list, sorted and
// distinct. The slice is the caller's.
func (s *Set) ExcludedHostnames() []string {
	if s == nil {
		return nil
	}
	return slices.Clone(s.exNames)
}

// Excludes reports whether an exclusion entry covers a. The engine asks it
// for every address a hostname resolves to, because exclusions are never
// to be touched even when reached through a name.
func (s *Set) Excludes(a netip.Addr) bool {
	return s != nil && a.IsValid() && s.excl.contains(a)
}

// Contains reports whether a is one of the target's addresses (after
// exclusions). Addresses that hostnames will resolve to are not known here.
func (s *Set) Contains(a netip.Addr) bool {
	return s != nil && a.IsValid() && s.addrs.contains(a)
}

// Preview returns up to n hosts as strings: addresses in ascending order,
// then hostnames. It is the API's "first 1000 hosts" list and never expands
// more than n addresses.
func (s *Set) Preview(n int) []string {
	if s == nil || n <= 0 {
		return nil
	}
	out := make([]string, 0, min(n, 1024))
	for a := range s.Addrs() {
		if len(out) == n {
			return out
		}
		out = append(out, a.String())
	}
	for _, h := range s.names {
		if len(out) == n {
			break
		}
		out = append(out, h)
	}
	return out
}

// String returns the target after exclusions in normalized form: merged
// intervals written as single addresses, CIDRs where they align, or ranges,
// then hostnames, separated by ", ". Parse(s.String(), s.ExcludeString())
// gives back an equal Set.
func (s *Set) String() string {
	if s == nil {
		return ""
	}
	return render(s.addrs, s.names)
}

// ExcludeString returns the exclusions in the same normalized form as String.
func (s *Set) ExcludeString() string {
	if s == nil {
		return ""
	}
	return render(s.excl, s.exNames)
}

func render(f families, names []string) string {
	return strings.Join(renderParts(f, names), ", ")
}

func renderParts(f families, names []string) []string {
	parts := make([]string, 0, len(f.v4)+len(f.v6)+len(names))
	for _, sp := range f.v4 {
		parts = append(parts, renderSpan(sp, toAddr4, 32))
	}
	for _, sp := range f.v6 {
		parts = append(parts, renderSpan(sp, toAddr6, 128))
	}
	return append(parts, names...)
}

// renderSpan writes a span as an address, a CIDR when it is one exactly, or
// a range.
func renderSpan(sp span, build func(u128) netip.Addr, bitLen int) string {
	lo := build(sp.lo)
	if sp.lo == sp.hi {
		return lo.String()
	}
	d := sp.hi.sub(sp.lo)
	// d+1 is a power of two exactly when d is a run of low one-bits, and the
	// span is a prefix when lo has none of those bits set.
	if d1 := d.inc(); d1.hi&d.hi == 0 && d1.lo&d.lo == 0 && sp.lo.hi&d.hi == 0 && sp.lo.lo&d.lo == 0 {
		hostBits := bits.OnesCount64(d.hi) + bits.OnesCount64(d.lo)
		return netip.PrefixFrom(lo, bitLen-hostBits).String()
	}
	return lo.String() + "-" + build(sp.hi).String()
}

// CountUnion returns the number of distinct hosts across several sets: their
// addresses after each set's exclusions, merged, plus their distinct
// hostnames. It is how a plan's max_ips ("distinct IPs across the
// organization's targets") is checked, again without expanding any range.
// It returns an error only if the total does not fit in a uint64, which
// sets from Parse cannot reach short of 2^40 of them. Nil sets are skipped.
func CountUnion(sets ...*Set) (uint64, error) {
	var all families
	var names []string
	for _, s := range sets {
		if s == nil {
			continue
		}
		all.v4 = append(all.v4, s.addrs.v4...)
		all.v6 = append(all.v6, s.addrs.v6...)
		names = append(names, s.names...)
	}
	all.normalize()
	total := all.size().add(size{n: u128{0, uint64(len(sortedDistinct(names)))}})
	if total.overflow || total.n.hi != 0 {
		return 0, fmt.Errorf("hostspec: %s hosts do not fit in a 64-bit count", total)
	}
	return total.n.lo, nil
}
