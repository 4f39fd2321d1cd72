package hostspec

import (
	"cmp"
	"math/big"
	"math/bits"
	"net/netip"
	"slices"
)

// u128 is an unsigned 128-bit integer: an IPv6 address, or an IPv4 address in
// the low 32 bits. Interval arithmetic on it lets a /8 or a /64 be counted and
// subtracted without ever listing its addresses.
type u128 struct{ hi, lo uint64 }

var maxU128 = u128{^uint64(0), ^uint64(0)}

func (a u128) cmp(b u128) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

// sub returns a-b; callers guarantee a >= b.
func (a u128) sub(b u128) u128 {
	lo, borrow := bits.Sub64(a.lo, b.lo, 0)
	hi, _ := bits.Sub64(a.hi, b.hi, borrow)
	return u128{hi, lo}
}

// add returns a+b and whether the sum overflowed 128 bits.
func (a u128) add(b u128) (u128, bool) {
	lo, carry := bits.Add64(a.lo, b.lo, 0)
	hi, carry := bits.Add64(a.hi, b.hi, carry)
	return u128{hi, lo}, carry != 0
}

func (a u128) inc() u128 { r, _ := a.add(u128{0, 1}); return r }
func (a u128) dec() u128 { return a.sub(u128{0, 1}) }

func (a u128) String() string {
	v := new(big.Int).SetUint64(a.hi)
	v.Lsh(v, 64)
	v.Or(v, new(big.Int).SetUint64(a.lo))
	return v.String()
}

// size is the number of values in a span: hi-lo+1. The only span whose
// size does not fit in 128 bits is ::/0; ok is false for it.
type size struct {
	n        u128
	overflow bool // more than 2^128-1
}

func (s size) add(t size) size {
	n, over := s.n.add(t.n)
	return size{n, over || s.overflow || t.overflow}
}

// exceeds reports whether s is greater than limit.
func (s size) exceeds(limit uint64) bool {
	return s.overflow || s.n.hi != 0 || s.n.lo > limit
}

func (s size) String() string {
	if s.overflow {
		return "340282366920938463463374607431768211456" // 2^128
	}
	return s.n.String()
}

// span is an inclusive interval [lo, hi] of addresses of one family.
type span struct{ lo, hi u128 }

func (s span) size() size {
	d := s.hi.sub(s.lo)
	if d == maxU128 {
		return size{overflow: true}
	}
	return size{n: d.inc()}
}

func (s span) contains(v u128) bool { return s.lo.cmp(v) <= 0 && v.cmp(s.hi) <= 0 }

// spans is a list of spans; after normalize it is sorted, disjoint and has no
// two adjacent spans (they are merged).
type spans []span

// normalize sorts and merges overlapping and adjacent spans in place.
func normalize(in spans) spans {
	if len(in) < 2 {
		return in
	}
	slices.SortFunc(in, func(a, b span) int { return a.lo.cmp(b.lo) })
	out := in[:1]
	for _, s := range in[1:] {
		last := &out[len(out)-1]
		// Adjacent counts as touching: last.hi+1 == s.lo. last.hi == max means
		// it already reaches the end of the address space.
		if last.hi == maxU128 || s.lo.cmp(last.hi.inc()) <= 0 {
			if s.hi.cmp(last.hi) > 0 {
				last.hi = s.hi
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// subtract returns a minus b; both must be normalized. The result is
// normalized and shares no memory with a.
func subtract(a, b spans) spans {
	var out spans
	j := 0
	for _, s := range a {
		lo := s.lo
		done := false
		// Skip exclusions entirely below this span.
		for j < len(b) && b[j].hi.cmp(lo) < 0 {
			j++
		}
		for k := j; k < len(b) && b[k].lo.cmp(s.hi) <= 0; k++ {
			ex := b[k]
			if ex.lo.cmp(lo) > 0 {
				out = append(out, span{lo, ex.lo.dec()})
			}
			if ex.hi.cmp(s.hi) >= 0 {
				done = true
				break
			}
			lo = ex.hi.inc()
		}
		if !done {
			out = append(out, span{lo, s.hi})
		}
	}
	return out
}

func (ss spans) size() size {
	var total size
	for _, s := range ss {
		total = total.add(s.size())
	}
	return total
}

func (ss spans) contains(v u128) bool {
	i, _ := slices.BinarySearchFunc(ss, v, func(s span, v u128) int {
		if s.hi.cmp(v) < 0 {
			return -1
		}
		if s.lo.cmp(v) > 0 {
			return 1
		}
		return 0
	})
	return i < len(ss) && ss[i].contains(v)
}

// mappedLo and mappedHi bound ::ffff:0:0/96, the IPv4-mapped IPv6 block.
var (
	mappedLo = u128{0, 0xffff << 32}
	mappedHi = u128{0, 0xffff<<32 | 0xffffffff}
)

func fromAddr(a netip.Addr) u128 {
	if a.Is4() {
		b := a.As4()
		return u128{0, uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])}
	}
	b := a.As16()
	var v u128
	for i := 0; i < 8; i++ {
		v.hi = v.hi<<8 | uint64(b[i])
		v.lo = v.lo<<8 | uint64(b[8+i])
	}
	return v
}

func toAddr4(v u128) netip.Addr {
	x := uint32(v.lo)
	return netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)})
}

func toAddr6(v u128) netip.Addr {
	var b [16]byte
	for i := 0; i < 8; i++ {
		b[7-i] = byte(v.hi >> (8 * i))
		b[15-i] = byte(v.lo >> (8 * i))
	}
	return netip.AddrFrom16(b)
}

// families holds the spans of both address families. IPv4-mapped IPv6
// addresses (::ffff:a.b.c.d) are always stored as IPv4 so that
// "::ffff:10.0.0.1" and "10.0.0.1" are one host.
type families struct{ v4, v6 spans }

func (f *families) add(is4 bool, s span) {
	if is4 {
		f.v4 = append(f.v4, s)
		return
	}
	// Split off the part inside ::ffff:0:0/96 and store it as IPv4.
	if s.hi.cmp(mappedLo) >= 0 && s.lo.cmp(mappedHi) <= 0 {
		in := s
		if in.lo.cmp(mappedLo) < 0 {
			f.v6 = append(f.v6, span{s.lo, mappedLo.dec()})
			in.lo = mappedLo
		}
		if in.hi.cmp(mappedHi) > 0 {
			f.v6 = append(f.v6, span{mappedHi.inc(), s.hi})
			in.hi = mappedHi
		}
		f.v4 = append(f.v4, span{u128{0, in.lo.lo & 0xffffffff}, u128{0, in.hi.lo & 0xffffffff}})
		return
	}
	f.v6 = append(f.v6, s)
}

func (f *families) normalize() {
	f.v4 = normalize(f.v4)
	f.v6 = normalize(f.v6)
}

func (f families) size() size { return f.v4.size().add(f.v6.size()) }

func (f families) contains(a netip.Addr) bool {
	a = a.Unmap()
	if a.Is4() {
		return f.v4.contains(fromAddr(a))
	}
	return f.v6.contains(fromAddr(a))
}
