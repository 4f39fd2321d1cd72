package schedule

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
	_ "time/tzdata" // schedules must work on hosts without a zoneinfo database
)

var locations sync.Map // name → *time.Location; only valid names are stored

// loadLocation returns the IANA zone called name ("" is UTC). "Local" is
// refused: a schedule must not depend on the server's settings.
func loadLocation(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if v, ok := locations.Load(name); ok {
		return v.(*time.Location), nil
	}
	if name == "Local" {
		return nil, fmt.Errorf("unknown time zone 'Local' (use an IANA name such as Europe/Berlin)")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone '%s' (use an IANA name such as Europe/Berlin)", clip(name))
	}
	locations.Store(name, loc)
	return loc, nil
}

// zoneSpan is one period of constant UTC offset: [start, end) in Unix seconds.
type zoneSpan struct{ off, start, end int64 }

func zoneAt(loc *time.Location, u int64) zoneSpan {
	t := time.Unix(u, 0).In(loc)
	_, off := t.Zone()
	zs := zoneSpan{off: int64(off), start: math.MinInt64, end: math.MaxInt64}
	s, e := t.ZoneBounds()
	if !s.IsZero() {
		zs.start = s.Unix()
	}
	if !e.IsZero() {
		zs.end = e.Unix()
	}
	return zs
}

// mapper turns floating wall-clock seconds into instants in one zone. It
// remembers the last zone period so that most lookups cost one comparison.
type mapper struct {
	loc  *time.Location
	last zoneSpan
	ok   bool
}

// instants returns every instant (Unix seconds, ascending) whose wall clock
// in the zone reads f: one normally, two (or more) when clocks are set back
// and f is repeated, none when clocks jump over f. For that last case inGap
// is f read with the offset in force before the gap (RFC 5545 §3.3.5: a
// nonexistent 02:30 EST-to-EDT is 02:30 EST, which clocks show as 03:30 EDT).
func (m *mapper) instants(f int64) (out instantSet, inGap int64) {
	const margin = 2 * secondsPerDay // larger than any difference between two offsets
	if m.ok {
		u := f - m.last.off
		if u-margin >= m.last.start && u+margin < m.last.end {
			out.add(u)
			return out, 0
		}
	}
	z := zoneAt(m.loc, f-zoneAt(m.loc, f).off)
	m.last, m.ok = z, true
	offs := []int64{z.off}
	var bounds []int64
	if z.start != math.MinInt64 {
		offs = append(offs, zoneAt(m.loc, z.start-1).off)
		bounds = append(bounds, z.start)
	}
	if z.end != math.MaxInt64 {
		offs = append(offs, zoneAt(m.loc, z.end).off)
		bounds = append(bounds, z.end)
	}
	for _, off := range offs {
		u := f - off
		if zoneAt(m.loc, u).off == off {
			out.add(u)
		}
	}
	if out.n > 0 {
		return out, 0
	}
	for _, b := range bounds {
		before, after := zoneAt(m.loc, b-1).off, zoneAt(m.loc, b).off
		if b+before <= f && f < b+after {
			return out, f - before
		}
	}
	// Not reachable with real zone data; fall back on the standard library.
	y, mo, d := civilFromDays(floorDiv(f, secondsPerDay))
	s := int(floorMod(f, secondsPerDay))
	out.add(time.Date(y, time.Month(mo), d, s/3600, s/60%60, s%60, 0, m.loc).Unix())
	return out, 0
}

// instantSet holds up to three instants in ascending order without allocating.
type instantSet struct {
	v [3]int64
	n int
}

func (s *instantSet) add(u int64) {
	for i := 0; i < s.n; i++ {
		if s.v[i] == u {
			return
		}
	}
	if s.n == len(s.v) {
		return
	}
	s.v[s.n] = u
	s.n++
	slices.Sort(s.v[:s.n])
}

func (s *instantSet) list() []int64 { return s.v[:s.n] }

// once maps f to the single instant a date-based rule runs at: the first of
// repeated wall times, or for a wall time inside a gap, that time with the
// offset before the gap.
func (m *mapper) once(f int64) int64 {
	out, inGap := m.instants(f)
	if out.n == 0 {
		return inGap
	}
	return out.v[0]
}
