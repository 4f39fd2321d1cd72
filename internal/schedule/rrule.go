package schedule

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// rruleParts is an RRULE as written, before defaults are filled in.
type rruleParts struct {
	freq                                 freq
	interval, count                      int
	until                                string
	bySecond, byMinute, byHour           []int
	byDay                                []weekdayNum
	byMonthDay, byYearDay, byWeekNo      []int
	byMonth, bySetPos                    []int
	wkst                                 time.Weekday
	hasDay, hasSetPos, hasMonth, hasWkst bool
}

var weekdayCodes = map[string]time.Weekday{
	"MO": time.Monday, "TU": time.Tuesday, "WE": time.Wednesday, "TH": time.Thursday,
	"FR": time.Friday, "SA": time.Saturday, "SU": time.Sunday,
}

// parseRRule reads an RFC 5545 recurrence rule ("FREQ=WEEKLY;BYDAY=MO,TH",
// optionally prefixed "RRULE:") and returns what is wrong with it, every
// problem naming the rule part and value.
func parseRRule(s string) (rruleParts, []string) {
	var p rruleParts
	var bad []string
	s = strings.TrimSpace(s)
	if len(s) >= 6 && strings.EqualFold(s[:6], "RRULE:") {
		s = s[6:]
	}
	if strings.ContainsAny(s, "\r\n") || strings.Contains(strings.ToUpper(s), "DTSTART") {
		return p, []string{"give only the RRULE line; the start goes in starts_at and the time zone in timezone"}
	}
	seen := map[string]bool{}
	p.interval = 1
	for _, part := range strings.Split(s, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		key, val, ok := strings.Cut(part, "=")
		key = strings.ToUpper(strings.TrimSpace(key))
		val = strings.TrimSpace(val)
		if !ok || val == "" {
			bad = append(bad, fmt.Sprintf("'%s' is not a NAME=VALUE rule part", clip(part)))
			continue
		}
		if seen[key] {
			bad = append(bad, fmt.Sprintf("%s is given twice", clip(key)))
			continue
		}
		seen[key] = true
		var err string
		switch key {
		case "FREQ":
			switch strings.ToUpper(val) {
			case "HOURLY":
				p.freq = freqHourly
			case "DAILY":
				p.freq = freqDaily
			case "WEEKLY":
				p.freq = freqWeekly
			case "MONTHLY":
				p.freq = freqMonthly
			case "YEARLY":
				p.freq = freqYearly
			case "SECONDLY", "MINUTELY":
				err = fmt.Sprintf("FREQ=%s is not supported: scans run at most hourly (use FREQ=HOURLY with BYMINUTE for several runs an hour)", strings.ToUpper(val))
			default:
				err = fmt.Sprintf("FREQ=%s is not a frequency (HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY)", clip(val))
			}
		case "INTERVAL":
			p.interval, err = atoiRange(key, val, 1, maxInterval)
		case "COUNT":
			p.count, err = atoiRange(key, val, 1, MaxCount)
		case "UNTIL":
			p.until = val
		case "BYSECOND":
			p.bySecond, err = intList(key, val, 0, 59, false)
			if err == "" && len(p.bySecond) > 1 {
				err = "BYSECOND may hold one value: scans run at most once a minute"
			}
		case "BYMINUTE":
			p.byMinute, err = intList(key, val, 0, 59, false)
		case "BYHOUR":
			p.byHour, err = intList(key, val, 0, 23, false)
		case "BYMONTHDAY":
			p.byMonthDay, err = intList(key, val, 1, 31, true)
		case "BYYEARDAY":
			p.byYearDay, err = intList(key, val, 1, 366, true)
		case "BYWEEKNO":
			p.byWeekNo, err = intList(key, val, 1, 53, true)
		case "BYMONTH":
			p.byMonth, err = intList(key, val, 1, 12, false)
			p.hasMonth = true
		case "BYSETPOS":
			p.bySetPos, err = intList(key, val, 1, 366, true)
			p.hasSetPos = true
		case "BYDAY":
			p.byDay, err = weekdayList(val)
			p.hasDay = true
		case "WKST":
			wd, ok := weekdayCodes[strings.ToUpper(val)]
			if !ok {
				err = fmt.Sprintf("WKST=%s is not a weekday (MO..SU)", clip(val))
			}
			p.wkst, p.hasWkst = wd, true
		default:
			err = fmt.Sprintf("unknown rule part '%s'", clip(key))
		}
		if err != "" {
			bad = append(bad, err)
		}
	}
	if !seen["FREQ"] {
		bad = append(bad, "FREQ is required")
	}
	if len(bad) > 0 {
		return p, bad
	}
	// RFC 5545 §3.3.10 restrictions on which parts go with which frequency.
	if seen["COUNT"] && seen["UNTIL"] {
		bad = append(bad, "COUNT and UNTIL cannot both be given")
	}
	if len(p.byWeekNo) > 0 && p.freq != freqYearly {
		bad = append(bad, "BYWEEKNO is only allowed with FREQ=YEARLY")
	}
	if len(p.byYearDay) > 0 && (p.freq == freqDaily || p.freq == freqWeekly || p.freq == freqMonthly) {
		bad = append(bad, "BYYEARDAY is not allowed with FREQ=DAILY, WEEKLY or MONTHLY")
	}
	if len(p.byMonthDay) > 0 && p.freq == freqWeekly {
		bad = append(bad, "BYMONTHDAY is not allowed with FREQ=WEEKLY")
	}
	for _, wd := range p.byDay {
		var msg string
		switch {
		case wd.n == 0:
			continue
		case p.freq != freqMonthly && p.freq != freqYearly:
			msg = "BYDAY with a number (such as 1MO or -1FR) needs FREQ=MONTHLY or YEARLY"
		case p.freq == freqYearly && len(p.byWeekNo) > 0:
			msg = "BYDAY with a number cannot be combined with BYWEEKNO"
		case (p.freq == freqMonthly || p.hasMonth) && (wd.n > 5 || wd.n < -5):
			msg = fmt.Sprintf("BYDAY %d%s: a month has at most 5 of each weekday", wd.n, weekdayCode(wd.wd))
		default:
			continue
		}
		if !slices.Contains(bad, msg) {
			bad = append(bad, msg)
		}
	}
	if p.hasSetPos && !(p.hasDay || p.hasMonth || len(p.byMonthDay) > 0 || len(p.byYearDay) > 0 ||
		len(p.byWeekNo) > 0 || len(p.byHour) > 0 || len(p.byMinute) > 0 || len(p.bySecond) > 0) {
		bad = append(bad, "BYSETPOS needs another BYxxx rule part to choose from")
	}
	return p, bad
}

func atoiRange(key, val string, lo, hi int) (int, string) {
	n, err := strconv.Atoi(strings.TrimPrefix(val, "+"))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Sprintf("%s=%s is not a number from %d to %d", key, clip(val), lo, hi)
	}
	return n, ""
}

// intList parses "1,15,-1". Values lie in lo..hi, or -hi..-lo when negative
// values are allowed; duplicates are dropped and the result is sorted.
func intList(key, val string, lo, hi int, negative bool) ([]int, string) {
	items := strings.Split(val, ",")
	if len(items) > 2*(hi-lo+1) {
		return nil, fmt.Sprintf("%s has more values than it has choices", key)
	}
	var out []int
	for _, it := range items {
		it = strings.TrimSpace(it)
		n, err := strconv.Atoi(strings.TrimPrefix(it, "+"))
		ok := err == nil && (n >= lo && n <= hi || negative && n <= -lo && n >= -hi)
		if !ok {
			rng := fmt.Sprintf("%d to %d", lo, hi)
			if negative {
				rng = fmt.Sprintf("%d to %d or -%d to -%d", lo, hi, hi, lo)
			}
			return nil, fmt.Sprintf("%s value '%s' is out of range (%s)", key, clip(it), rng)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), ""
}

// weekdayList parses BYDAY: "MO,WE", "1MO,-1FR", "+2TU".
func weekdayList(val string) ([]weekdayNum, string) {
	var out []weekdayNum
	items := strings.Split(val, ",")
	if len(items) > 7*107 {
		return nil, "BYDAY has more values than it has choices"
	}
	for _, it := range items {
		it = strings.ToUpper(strings.TrimSpace(it))
		if len(it) < 2 {
			return nil, fmt.Sprintf("BYDAY value '%s' is not a weekday (MO..SU, optionally numbered: 1MO, -1FR)", clip(it))
		}
		wd, ok := weekdayCodes[it[len(it)-2:]]
		n := 0
		if num := it[:len(it)-2]; num != "" {
			v, err := strconv.Atoi(strings.TrimPrefix(num, "+"))
			if err != nil || v == 0 || v > 53 || v < -53 {
				ok = false
			}
			n = v
		}
		if !ok {
			return nil, fmt.Sprintf("BYDAY value '%s' is not a weekday (MO..SU, optionally numbered -53..53: 1MO, -1FR)", clip(it))
		}
		if !slices.Contains(out, weekdayNum{n, wd}) {
			out = append(out, weekdayNum{n, wd})
		}
	}
	return out, ""
}

func weekdayCode(wd time.Weekday) string {
	for k, v := range weekdayCodes {
		if v == wd {
			return k
		}
	}
	return "?"
}

// parseUntil reads an UNTIL value: a UTC date-time (20261231T235959Z), a
// local date-time in the schedule's zone (20261231T235959) or a date
// (20261231, meaning through the end of that local day).
func parseUntil(val string, loc *time.Location) (time.Time, string) {
	m := mapper{loc: loc}
	if t, err := time.Parse("20060102T150405Z", val); err == nil {
		return t, ""
	}
	if t, err := time.Parse("20060102T150405", val); err == nil {
		return time.Unix(m.once(t.Unix()), 0).UTC(), ""
	}
	if t, err := time.Parse("20060102", val); err == nil {
		// The end of the day is the instant before the next day begins.
		return time.Unix(m.once(t.Unix()+secondsPerDay)-1, 0).UTC(), ""
	}
	return time.Time{}, fmt.Sprintf("UNTIL=%s is not a date (20261231) or date-time (20261231T235959Z)", clip(val))
}

// compile fills in the RFC 5545 defaults taken from the start.
func (p rruleParts) compile(r *rule) {
	r.freq = p.freq
	r.interval = int64(p.interval)
	r.count = p.count
	r.wkst = time.Monday
	if p.hasWkst {
		r.wkst = p.wkst
	}
	for _, m := range p.byMonth {
		r.byMonth |= 1 << m
	}
	r.byWeekNo, r.byYearDay, r.byMonthDay, r.byDay, r.bySetPos = p.byWeekNo, p.byYearDay, p.byMonthDay, p.byDay, p.bySetPos

	startDay := floorDiv(r.start, secondsPerDay)
	_, m0, d0 := civilFromDays(startDay)
	// With no day rule at all, the start supplies the day: its weekday for
	// weekly rules, its day of month for monthly ones, its month and day for
	// yearly ones (RFC 5545 §3.3.10, "information not contained in the
	// rule ... is derived from DTSTART").
	if len(p.byWeekNo) == 0 && len(p.byYearDay) == 0 && len(p.byMonthDay) == 0 && len(p.byDay) == 0 {
		switch p.freq {
		case freqWeekly:
			r.byDay = []weekdayNum{{0, weekdayOf(startDay)}}
		case freqMonthly:
			r.byMonthDay = []int{d0}
		case freqYearly:
			r.byMonthDay = []int{d0}
			if r.byMonth == 0 {
				r.byMonth = 1 << m0
			}
		}
	}
	secs := floorMod(r.start, secondsPerDay)
	h0, mi0, s0 := int(secs/3600), int(secs/60%60), int(secs%60)
	minutes := orDefault(p.byMinute, mi0)
	seconds := orDefault(p.bySecond, s0)
	if p.freq == freqHourly {
		r.byHour = p.byHour
		r.times = timesOf([]int{0}, minutes, seconds)
		return
	}
	r.times = timesOf(orDefault(p.byHour, h0), minutes, seconds)
}

func orDefault(v []int, d int) []int {
	if len(v) == 0 {
		return []int{d}
	}
	return v
}

// timesOf returns the sorted seconds offsets of every hour:minute:second
// combination; the inputs are sorted, so the output is too.
func timesOf(hours, minutes, seconds []int) []int {
	out := make([]int, 0, len(hours)*len(minutes)*len(seconds))
	for _, h := range hours {
		for _, m := range minutes {
			for _, s := range seconds {
				out = append(out, h*3600+m*60+s)
			}
		}
	}
	return out
}
