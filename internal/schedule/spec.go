package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/textclip"
)

// Frequencies of the frequency form.
const (
	Once      = "once"
	Hourly    = "hourly"
	Daily     = "daily"
	Weekly    = "weekly"
	Monthly   = "monthly"
	Quarterly = "quarterly"
	Yearly    = "yearly"
)

// Limits.
const (
	// MaxCount is the largest count (or RRULE COUNT) accepted.
	MaxCount = 100000
	// MaxDates is the most dates Dates returns in one call.
	MaxDates = 1000
	// maxInterval is the largest interval (or RRULE INTERVAL) accepted.
	maxInterval = 1000
)

// Spec is a schedule's recurrence as the API receives it (API.md §2.7):
// either Frequency with its options, or an RFC 5545 RRule. The schedule's
// name and other fields belong to the caller.
type Spec struct {
	Timezone   string     `json:"timezone"` // IANA name; "" means UTC
	StartsAt   time.Time  `json:"starts_at"`
	Frequency  string     `json:"frequency,omitempty"`   // once|hourly|daily|weekly|monthly|quarterly|yearly
	Interval   int        `json:"interval,omitempty"`    // every n-th period; 0 means 1
	ByWeekday  []string   `json:"by_weekday,omitempty"`  // "MO".."SU" or "monday".."sunday"
	ByMonthday []int      `json:"by_monthday,omitempty"` // 1..31, -1 = last day
	EndsAt     *time.Time `json:"ends_at,omitempty"`     // inclusive
	Count      *int       `json:"count,omitempty"`       // total runs, counted from starts_at
	RRule      string     `json:"rrule,omitempty"`       // "FREQ=WEEKLY;BYDAY=MO" or "RRULE:FREQ=..."
}

// Validate returns what is wrong with the spec, keyed by JSON field name,
// each message naming the bad value: an unknown time zone, a missing or
// out-of-range starts_at, an interval outside 1-1000, unknown weekday names,
// month days outside 1-31 (or -1), an ends_at before starts_at, a count
// outside 1-MaxCount, options that do not apply to the frequency, both or
// neither of rrule and frequency, an rrule that does not parse, and a rule
// that never runs. It returns nil for a valid spec.
func (s Spec) Validate() map[string][]string {
	r, errs := s.compile()
	if errs != nil {
		return errs
	}
	if _, ok := r.first(); ok {
		return nil
	}
	errs = map[string][]string{}
	open := *r
	open.count, open.until = 0, time.Time{}
	if first, ok := open.first(); ok {
		when := first.Format(time.RFC3339)
		if s.EndsAt != nil && first.After(*s.EndsAt) {
			errs["ends_at"] = []string{fmt.Sprintf("no run falls between starts_at and ends_at (the first would be at %s)", when)}
		} else {
			errs["rrule"] = []string{fmt.Sprintf("UNTIL is before the first run (%s)", when)}
		}
		return errs
	}
	key := "frequency"
	if strings.TrimSpace(s.RRule) != "" {
		key = "rrule"
	}
	errs[key] = []string{"the schedule never runs: no date matches it"}
	return errs
}

// First returns the schedule's first run (at or after starts_at), in UTC.
// ok is false if the spec is invalid or never runs.
func (s Spec) First() (t time.Time, ok bool) {
	r, errs := s.compile()
	if errs != nil {
		return time.Time{}, false
	}
	return r.first()
}

// Next returns the first run strictly after after, in UTC. ok is false if
// the spec is invalid or has no run after after.
func (s Spec) Next(after time.Time) (t time.Time, ok bool) {
	d := s.Dates(after, 1)
	if len(d) == 0 {
		return time.Time{}, false
	}
	return d[0], true
}

// Dates returns up to n runs strictly after after, ascending, in UTC; n is
// capped at MaxDates. It returns nil if the spec is invalid.
func (s Spec) Dates(after time.Time, n int) []time.Time {
	if n <= 0 {
		return nil
	}
	n = min(n, MaxDates)
	r, errs := s.compile()
	if errs != nil {
		return nil
	}
	out := make([]time.Time, 0, min(n, 100))
	r.each(after.Unix()+1, func(t time.Time) bool {
		out = append(out, t)
		return len(out) < n
	})
	return out
}

func (r *rule) first() (t time.Time, ok bool) {
	r.each(r.startAt.Unix(), func(x time.Time) bool {
		t, ok = x, true
		return false
	})
	return t, ok
}

// compile checks the spec and builds its rule; errs is nil when it is valid.
func (s Spec) compile() (*rule, map[string][]string) {
	errs := map[string][]string{}
	add := func(field, msg string) { errs[field] = append(errs[field], msg) }

	loc, err := loadLocation(strings.TrimSpace(s.Timezone))
	if err != nil {
		add("timezone", err.Error())
	}
	if s.StartsAt.IsZero() {
		add("starts_at", "is required")
	} else if y := s.StartsAt.UTC().Year(); y < 1970 || y > maxYear {
		add("starts_at", fmt.Sprintf("year %d is out of range (1970-%d)", y, maxYear))
	}
	if s.EndsAt != nil && !s.StartsAt.IsZero() && s.EndsAt.Before(s.StartsAt) {
		add("ends_at", fmt.Sprintf("%s is before starts_at (%s)", s.EndsAt.Format(time.RFC3339), s.StartsAt.Format(time.RFC3339)))
	}
	if s.Count != nil && (*s.Count < 1 || *s.Count > MaxCount) {
		add("count", fmt.Sprintf("%d is out of range (1-%d)", *s.Count, MaxCount))
	}

	freq := strings.ToLower(strings.TrimSpace(s.Frequency))
	rr := strings.TrimSpace(s.RRule)
	var parts rruleParts
	switch {
	case rr != "" && (freq != "" || s.Interval != 0 || len(s.ByWeekday) > 0 || len(s.ByMonthday) > 0):
		add("rrule", "give either rrule or frequency (with interval, by_weekday and by_monthday), not both")
	case rr != "":
		var bad []string
		parts, bad = parseRRule(rr)
		for _, b := range bad {
			add("rrule", b)
		}
	case freq == "":
		add("frequency", "is required: give once, hourly, daily, weekly, monthly, quarterly or yearly, or an rrule")
	default:
		s.checkFrequencyFields(freq, add)
	}
	var until time.Time
	if rr != "" && parts.until != "" && loc != nil {
		var msg string
		if until, msg = parseUntil(parts.until, loc); msg != "" {
			add("rrule", msg)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}

	r := &rule{loc: loc, startAt: s.StartsAt.Truncate(time.Second).UTC()}
	r.start = floating(r.startAt, loc)
	if rr != "" {
		parts.compile(r)
		r.until = until
	} else {
		s.compileFrequency(r, freq)
	}
	if s.Count != nil && (r.count == 0 || *s.Count < r.count) {
		r.count = *s.Count
	}
	if s.EndsAt != nil && (r.until.IsZero() || s.EndsAt.Before(r.until)) {
		r.until = *s.EndsAt
	}
	return r, nil
}

// checkFrequencyFields validates the frequency form's fields.
func (s Spec) checkFrequencyFields(freq string, add func(field, msg string)) {
	if s.Interval < 0 || s.Interval > maxInterval {
		add("interval", fmt.Sprintf("%d is out of range (1-%d)", s.Interval, maxInterval))
	}
	for _, w := range s.ByWeekday {
		if _, ok := parseWeekday(w); !ok {
			add("by_weekday", fmt.Sprintf("'%s' is not a weekday (MO..SU or monday..sunday)", clip(w)))
		}
	}
	for _, d := range s.ByMonthday {
		if d != -1 && (d < 1 || d > 31) {
			add("by_monthday", fmt.Sprintf("%d is out of range (1-31, or -1 for the last day)", d))
		}
	}
	switch freq {
	case Once:
		if s.Interval > 1 {
			add("interval", "does not apply to a once schedule")
		}
		if len(s.ByWeekday) > 0 {
			add("by_weekday", "does not apply to a once schedule")
		}
		if len(s.ByMonthday) > 0 {
			add("by_monthday", "does not apply to a once schedule")
		}
	case Hourly, Daily:
	case Weekly:
		if len(s.ByMonthday) > 0 {
			add("by_monthday", "does not apply to weekly schedules (use monthly, or an rrule)")
		}
	case Monthly, Quarterly, Yearly:
		if len(s.ByWeekday) > 0 {
			add("by_weekday", fmt.Sprintf("does not apply to %s schedules; for rules such as the first Monday of the month use an rrule (FREQ=MONTHLY;BYDAY=1MO)", freq))
		}
	default:
		add("frequency", fmt.Sprintf("'%s' is not a frequency (once, hourly, daily, weekly, monthly, quarterly or yearly)", clip(freq)))
	}
}

// compileFrequency builds the rule of a valid frequency form.
func (s Spec) compileFrequency(r *rule, freq string) {
	r.interval = int64(max(1, s.Interval))
	r.clamp = true
	r.wkst = time.Monday
	for _, w := range s.ByWeekday {
		wd, _ := parseWeekday(w)
		r.byDay = append(r.byDay, weekdayNum{wd: wd})
	}
	r.byMonthDay = append(r.byMonthDay, s.ByMonthday...)
	startDay := floorDiv(r.start, secondsPerDay)
	_, m0, d0 := civilFromDays(startDay)
	r.times = []int{int(floorMod(r.start, secondsPerDay))}
	switch freq {
	case Once:
		r.freq = freqOnce
	case Hourly:
		r.freq, r.absolute = freqHourly, true
	case Daily:
		r.freq = freqDaily
	case Weekly:
		r.freq = freqWeekly
		if len(r.byDay) == 0 {
			r.byDay = []weekdayNum{{wd: weekdayOf(startDay)}}
		}
	case Monthly, Quarterly, Yearly:
		r.freq = freqMonthly
		if freq == Quarterly {
			r.interval *= 3
		}
		if freq == Yearly {
			r.freq = freqYearly
			r.byMonth = 1 << m0
		}
		if len(r.byMonthDay) == 0 {
			r.byMonthDay = []int{d0}
		}
	}
}

var weekdayNames = map[string]time.Weekday{
	"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday, "thursday": time.Thursday,
	"friday": time.Friday, "saturday": time.Saturday, "sunday": time.Sunday,
}

// parseWeekday reads "MO".."SU" or "monday".."sunday", in any case.
func parseWeekday(s string) (time.Weekday, bool) {
	s = strings.TrimSpace(s)
	if wd, ok := weekdayCodes[strings.ToUpper(s)]; ok {
		return wd, true
	}
	wd, ok := weekdayNames[strings.ToLower(s)]
	return wd, ok
}

// clip shortens input quoted back in messages.
func clip(s string) string { return textclip.Bytes(s, 60) }
