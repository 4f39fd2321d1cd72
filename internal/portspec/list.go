// Package portspec parses, normalizes and counts port lists — the
// "port_ranges" of a port list and the ports the scan engine probes. It is the
// one port-list parser in Perimeter and does no I/O.
//
// A List is always normalized: sorted by protocol ("tcp" before "udp") then
// by start port, with overlapping and adjacent ranges merged, so two lists
// holding the same ports are equal slices and have the same String.
package portspec

import (
	"cmp"
	"fmt"
	"iter"
	"slices"
	"strings"
)

// Protocols a range may name.
const (
	TCP = "tcp"
	UDP = "udp"
)

// MinPort and MaxPort bound a port number.
const (
	MinPort = 1
	MaxPort = 65535
)

// Range is an inclusive range of ports of one protocol. It is the JSON shape
// of the API's port_ranges items.
type Range struct {
	Protocol string `json:"protocol"` // "tcp" or "udp"
	Start    int    `json:"start"`
	End      int    `json:"end"`
}

// Count returns the number of ports in r; 0 if r is reversed.
func (r Range) Count() int { return max(0, r.End-r.Start+1) }

func (r Range) String() string {
	if r.Start == r.End {
		return fmt.Sprintf("%s %d", r.Protocol, r.Start)
	}
	return fmt.Sprintf("%s %d-%d", r.Protocol, r.Start, r.End)
}

// check returns what is wrong with r (after lower-casing its protocol), or "".
func (r *Range) check() []string {
	var bad []string
	r.Protocol = strings.ToLower(strings.TrimSpace(r.Protocol))
	switch r.Protocol {
	case TCP, UDP:
	case "":
		bad = append(bad, "protocol is missing (tcp or udp)")
	default:
		bad = append(bad, fmt.Sprintf("unknown protocol '%s' (tcp or udp)", clip(r.Protocol)))
	}
	startOK := r.Start >= MinPort && r.Start <= MaxPort
	endOK := r.End >= MinPort && r.End <= MaxPort
	if !startOK {
		bad = append(bad, fmt.Sprintf("start %d is outside %d-%d", r.Start, MinPort, MaxPort))
	}
	if !endOK {
		bad = append(bad, fmt.Sprintf("end %d is outside %d-%d", r.End, MinPort, MaxPort))
	}
	if startOK && endOK && r.End < r.Start {
		bad = append(bad, fmt.Sprintf("end %d is before start %d", r.End, r.Start))
	}
	return bad
}

// List is a normalized list of port ranges. Build one with Parse, Normalize
// or a built-in list; the zero value is an empty list.
type List []Range

// Normalize validates ranges given as JSON and returns them as a List. The
// protocol is matched case-insensitively. It returns a *ParseError naming
// every bad range (by its 1-based position) when a protocol is unknown or
// missing, a port lies outside 1-65535 or a range is reversed, and when no
// range is given at all.
func Normalize(ranges []Range) (List, error) {
	perr := &ParseError{}
	if len(ranges) == 0 {
		perr.add("at least one port range is required")
		return nil, perr
	}
	out := make(List, 0, len(ranges))
	for i, r := range ranges {
		orig := r
		if bad := r.check(); len(bad) > 0 {
			perr.add(fmt.Sprintf("range #%d (%s %d-%d): %s", i+1, clip(orig.Protocol), orig.Start, orig.End, strings.Join(bad, "; ")))
			continue
		}
		out = append(out, r)
	}
	if len(perr.Problems) > 0 {
		return nil, perr
	}
	return merge(out), nil
}

// merge sorts and merges valid ranges in place.
func merge(l List) List {
	slices.SortFunc(l, func(a, b Range) int {
		if c := cmp.Compare(a.Protocol, b.Protocol); c != 0 {
			return c
		}
		return cmp.Compare(a.Start, b.Start)
	})
	out := l[:0]
	for _, r := range l {
		if n := len(out); n > 0 && out[n-1].Protocol == r.Protocol && r.Start <= out[n-1].End+1 {
			out[n-1].End = max(out[n-1].End, r.End)
			continue
		}
		out = append(out, r)
	}
	return out
}

// Count returns the number of ports in the list, all protocols together.
func (l List) Count() int {
	n := 0
	for _, r := range l {
		n += r.Count()
	}
	return n
}

// CountProtocol returns the number of ports of one protocol ("tcp", "udp").
func (l List) CountProtocol(proto string) int {
	n := 0
	for _, r := range l {
		if r.Protocol == proto {
			n += r.Count()
		}
	}
	return n
}

// Ports yields the ports of one protocol in ascending order.
func (l List) Ports(proto string) iter.Seq[int] {
	return func(yield func(int) bool) {
		for _, r := range l {
			if r.Protocol != proto {
				continue
			}
			for p := r.Start; p <= r.End; p++ {
				if !yield(p) {
					return
				}
			}
		}
	}
}

// Contains reports whether the list holds port of protocol proto.
func (l List) Contains(proto string, port int) bool {
	// The first range of proto that ends at or after port is the only one
	// that can hold it.
	i, _ := slices.BinarySearchFunc(l, Range{Protocol: proto, End: port}, func(r, t Range) int {
		if r.Protocol != t.Protocol {
			return cmp.Compare(r.Protocol, t.Protocol)
		}
		return cmp.Compare(r.End, t.End)
	})
	return i < len(l) && l[i].Protocol == proto && l[i].Start <= port && port <= l[i].End
}

// Protocols returns the protocols present, in order ("tcp" before "udp").
func (l List) Protocols() []string {
	var out []string
	for _, r := range l {
		if len(out) == 0 || out[len(out)-1] != r.Protocol {
			out = append(out, r.Protocol)
		}
	}
	return out
}

// String returns the list in T:/U: notation, e.g. "T:1-1024,8080,U:53,161",
// which Parse reads back to an equal List. An empty list is "".
func (l List) String() string {
	var b strings.Builder
	proto := ""
	for i, r := range l {
		if i > 0 {
			b.WriteByte(',')
		}
		if r.Protocol != proto {
			proto = r.Protocol
			b.WriteString(strings.ToUpper(proto[:1]) + ":")
		}
		fmt.Fprintf(&b, "%d", r.Start)
		if r.End != r.Start {
			fmt.Fprintf(&b, "-%d", r.End)
		}
	}
	return b.String()
}

// Add returns a new list with r added (overlaps and neighbours merged); l
// is not changed. It returns a *ParseError if r is invalid.
func (l List) Add(r Range) (List, error) {
	if bad := r.check(); len(bad) > 0 {
		return nil, &ParseError{Problems: []string{fmt.Sprintf("range (%s): %s", r, strings.Join(bad, "; "))}}
	}
	out := append(slices.Clone(l), r)
	return merge(out), nil
}

// Union returns the ports of l and m together; neither is changed.
func (l List) Union(m List) List {
	return merge(append(slices.Clone(l), m...))
}

// Remove returns a new list without the ports of r (which may cover only part
// of a range, splitting it); l is not changed. The result may be empty. It
// returns a *ParseError if r is invalid.
func (l List) Remove(r Range) (List, error) {
	if bad := r.check(); len(bad) > 0 {
		return nil, &ParseError{Problems: []string{fmt.Sprintf("range (%s): %s", r, strings.Join(bad, "; "))}}
	}
	out := make(List, 0, len(l)+1)
	for _, x := range l {
		if x.Protocol != r.Protocol || x.End < r.Start || x.Start > r.End {
			out = append(out, x)
			continue
		}
		if x.Start < r.Start {
			out = append(out, Range{x.Protocol, x.Start, r.Start - 1})
		}
		if x.End > r.End {
			out = append(out, Range{x.Protocol, r.End + 1, x.End})
		}
	}
	return out, nil
}
