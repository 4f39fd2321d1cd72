package schedule

import (
	"math"
	"slices"
	"time"
)

type freq int

const (
	freqOnce freq = iota
	freqHourly
	freqDaily
	freqWeekly
	freqMonthly
	freqYearly
)

// searchLimit bounds the days (or hours, for hourly rules) examined without
// finding a run. It makes every call finish — a rule that can never fire
// stops here instead of looping — and is large enough for the rarest useful
// rules (Friday the 29th of February comes every 28 years at most).
const searchLimit = 40000

// maxYear is the last year a run may fall in (RFC 3339 has four-digit years).
const maxYear = 9999

// weekdayNum is a BYDAY item: a weekday, and for monthly and yearly rules an
// optional ordinal (1 = first, -1 = last) within the month or year.
type weekdayNum struct {
	n  int
	wd time.Weekday
}

// rule is a compiled schedule. Both input forms — frequency fields and RFC
// 5545 RRULE — compile to it.
type rule struct {
	freq     freq
	interval int64
	absolute bool // hourly by elapsed time (frequency form), not by wall clock

	byMonth    uint16 // bit m set for month m; 0 = any
	byWeekNo   []int
	byYearDay  []int
	byMonthDay []int
	byDay      []weekdayNum
	byHour     []int // hourly rules: hours allowed; 0 length = any
	bySetPos   []int
	wkst       time.Weekday
	clamp      bool // a month day past the month's end means its last day

	times []int // seconds of the day (daily and longer) or of the hour (hourly), ascending

	count   int       // 0 = unlimited
	until   time.Time // zero = none; inclusive
	startAt time.Time // first possible run, whole seconds
	start   int64     // startAt as floating seconds
	loc     *time.Location
}

// hasDayFilter reports whether any BYxxx day rule is set.
func (r *rule) hasDayFilter() bool {
	return r.byMonth != 0 || len(r.byWeekNo) > 0 || len(r.byYearDay) > 0 || len(r.byMonthDay) > 0 || len(r.byDay) > 0
}

// cursor walks a rule's candidate wall times period by period, maps them to
// instants and applies starts_at, COUNT, UNTIL and the caller's lower bound.
type cursor struct {
	r      *rule
	m      mapper
	idle   int  // days or hours examined since the last run
	done   bool // yield asked to stop, or a limit was reached
	startU int64
	untilU int64
	from   int64 // runs before this are counted but not yielded
	last   int64 // the last run seen
	seen   int   // runs seen, for COUNT
	yield  func(time.Time) bool
	days   []int64
	bucket []int64
}

// periodIndex returns the index of the period holding floating time f.
func (r *rule) periodIndex(f int64) int64 {
	day := floorDiv(f, secondsPerDay)
	startDay := floorDiv(r.start, secondsPerDay)
	var n int64
	switch r.freq {
	case freqHourly:
		n = floorDiv(f, 3600) - floorDiv(r.start, 3600)
	case freqDaily:
		n = day - startDay
	case freqWeekly:
		n = (weekStart(day, r.wkst) - weekStart(startDay, r.wkst)) / 7
	case freqMonthly:
		y, m, _ := civilFromDays(day)
		y0, m0, _ := civilFromDays(startDay)
		n = int64(y*12+m) - int64(y0*12+m0)
	case freqYearly:
		y, _, _ := civilFromDays(day)
		y0, _, _ := civilFromDays(startDay)
		n = int64(y - y0)
	}
	return floorDiv(n, r.interval)
}

// run visits candidates from period k on until visit returns false or a
// limit is reached.
func (c *cursor) run(k int64) {
	r := c.r
	startDay := floorDiv(r.start, secondsPerDay)
	for ; !c.done; k++ {
		switch r.freq {
		case freqHourly:
			k = c.hour(k)
			continue
		case freqDaily:
			day := startDay + k*r.interval
			y, m, d := civilFromDays(day)
			if y > maxYear {
				return
			}
			c.days = c.days[:0]
			c.idle++
			if r.matchDay(day, y, m, d) {
				c.days = append(c.days, day)
			}
		case freqWeekly:
			ws := weekStart(startDay, r.wkst) + k*r.interval*7
			c.days = c.days[:0]
			for day := ws; day < ws+7; day++ {
				y, m, d := civilFromDays(day)
				if y > maxYear {
					c.done = true
					break
				}
				c.idle++
				if r.matchDay(day, y, m, d) {
					c.days = append(c.days, day)
				}
			}
		case freqMonthly:
			y0, m0, _ := civilFromDays(startDay)
			idx := int64(y0)*12 + int64(m0-1) + k*r.interval
			y, m := int(idx/12), int(idx%12)+1
			if y > maxYear {
				return
			}
			c.days = c.days[:0]
			first := daysFromCivil(y, m, 1)
			for d := 1; d <= daysIn(y, m); d++ {
				c.idle++
				if r.matchDay(first+int64(d-1), y, m, d) {
					c.days = append(c.days, first+int64(d-1))
				}
			}
		case freqYearly:
			y0, _, _ := civilFromDays(startDay)
			y := int64(y0) + k*r.interval
			if y > maxYear {
				return
			}
			c.days = c.days[:0]
			for m := 1; m <= 12; m++ {
				if r.byMonth != 0 && r.byMonth&(1<<m) == 0 {
					c.idle++ // a skipped month still counts, so a rule never matching stops
					continue
				}
				first := daysFromCivil(int(y), m, 1)
				for d := 1; d <= daysIn(int(y), m); d++ {
					c.idle++
					if r.matchDay(first+int64(d-1), int(y), m, d) {
						c.days = append(c.days, first+int64(d-1))
					}
				}
			}
		}
		c.emitDays()
		if c.idle > searchLimit {
			return
		}
	}
}

// emitDays visits the candidates of one date-based period: each matching
// day at each time, or only the BYSETPOS positions among them.
func (c *cursor) emitDays() {
	r := c.r
	nt := int64(len(r.times))
	at := func(i int64) int64 { return c.days[i/nt]*secondsPerDay + int64(r.times[i%nt]) }
	if len(r.bySetPos) == 0 {
		for i := int64(0); i < int64(len(c.days))*nt && !c.done; i++ {
			c.emit(at(i))
		}
		return
	}
	for _, i := range setPositions(r.bySetPos, int64(len(c.days))*nt) {
		if c.done {
			return
		}
		c.emit(at(i))
	}
}

// setPositions turns BYSETPOS values into ascending, distinct indexes of a
// set of total candidates.
func setPositions(pos []int, total int64) []int64 {
	var out []int64
	for _, p := range pos {
		i := int64(p) - 1
		if p < 0 {
			i = total + int64(p)
		}
		if i >= 0 && i < total {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// hour handles period k of a wall-clock hourly rule and returns the index
// of the last period it consumed (it skips whole days the day rules refuse).
func (c *cursor) hour(k int64) int64 {
	r := c.r
	h := floorDiv(r.start, 3600) + k*r.interval
	day := floorDiv(h, 24)
	y, m, d := civilFromDays(day)
	if y > maxYear {
		c.done = true
		return k
	}
	c.idle++
	if c.idle > searchLimit {
		c.done = true
		return k
	}
	if !r.matchDay(day, y, m, d) {
		// Jump to the last period that still starts on this day.
		next := floorDiv((day+1)*24-floorDiv(r.start, 3600)+r.interval-1, r.interval)
		return max(k, next-1)
	}
	if len(r.byHour) > 0 && !slices.Contains(r.byHour, int(floorMod(h, 24))) {
		return k
	}
	// Every instant showing one of the hour's wall times is a run: when
	// clocks go back the repeated hour runs twice (it is two real hours), and
	// wall times skipped by clocks going forward do not exist. The instants
	// are sorted first: after clocks go back, 01:30 of the second pass comes
	// after 01:45 of the first.
	c.bucket = c.bucket[:0]
	add := func(i int64) {
		out, _ := c.m.instants(h*3600 + int64(r.times[i]))
		c.bucket = append(c.bucket, out.list()...)
	}
	if len(r.bySetPos) == 0 {
		for i := range r.times {
			add(int64(i))
		}
	} else {
		for _, i := range setPositions(r.bySetPos, int64(len(r.times))) {
			add(i)
		}
	}
	slices.Sort(c.bucket)
	for _, u := range c.bucket {
		if c.done {
			break
		}
		c.visitInstant(u)
	}
	return k
}

// emit maps one floating candidate of a date-based rule to its single run.
func (c *cursor) emit(f int64) { c.visitInstant(c.m.once(f)) }

// visitInstant applies starts_at, COUNT, UNTIL and the lower bound to one
// candidate run and yields it.
func (c *cursor) visitInstant(u int64) {
	// Runs before starts_at, and instants equal to or before the last one
	// (two wall times folded into one by a gap), do not count.
	if u < c.startU || u <= c.last {
		return
	}
	c.last = u
	c.seen++
	c.idle = 0
	if c.r.count > 0 && c.seen > c.r.count || u > c.untilU {
		c.done = true
		return
	}
	if u < c.from {
		return
	}
	if !c.yield(time.Unix(u, 0).UTC()) {
		c.done = true
	}
}

// each calls yield with the rule's runs that are at or after from (Unix
// seconds), in order, until yield returns false or the rule ends.
func (r *rule) each(from int64, yield func(time.Time) bool) {
	c := &cursor{
		r:      r,
		m:      mapper{loc: r.loc},
		startU: r.startAt.Unix(),
		untilU: math.MaxInt64,
		from:   from,
		last:   math.MinInt64,
		yield:  yield,
	}
	if !r.until.IsZero() {
		c.untilU = r.until.Unix()
	}
	switch {
	case r.freq == freqOnce:
		c.visitInstant(c.startU)
	case r.absolute:
		r.eachElapsed(c)
	default:
		k := int64(0)
		// Without COUNT, runs before from need not be enumerated: start one
		// period early, since a wall time may map to an instant an hour off.
		if r.count == 0 && from > c.startU {
			k = max(0, r.periodIndex(floating(time.Unix(from, 0), r.loc))-1)
		}
		c.run(k)
	}
}

// eachElapsed runs a frequency-form hourly rule: every interval hours of
// elapsed time from starts_at, so a change of clocks neither repeats nor
// skips a run; the day rules filter on the local date of each run.
func (r *rule) eachElapsed(c *cursor) {
	step := r.interval * 3600
	k := int64(0)
	// With no day rules the k-th period is the k-th run, so even with COUNT
	// the runs before from need not be enumerated.
	if c.from > c.startU && (r.count == 0 || !r.hasDayFilter()) {
		k = (c.from - c.startU) / step
		c.seen = int(min(k, math.MaxInt32))
	}
	for ; !c.done; k++ {
		u := c.startU + k*step
		f := floating(time.Unix(u, 0), r.loc)
		day := floorDiv(f, secondsPerDay)
		y, m, d := civilFromDays(day)
		if y > maxYear {
			return
		}
		c.idle++
		if c.idle > searchLimit {
			return
		}
		if r.matchDay(day, y, m, d) {
			c.visitInstant(u)
		}
	}
}
