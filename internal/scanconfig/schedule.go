package scanconfig

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/schedule"
)

// Schedule is a named recurrence that scans run on (API.md §2.7). The rules
// of the recurrence — daylight saving time, the 31st of short months — are
// package schedule's.
type Schedule struct {
	ID             string
	OrganizationID string
	Name           string
	Spec           schedule.Spec
	// NextRunAt is the first run after a moment: as stored, after the last
	// save; as the app layer returns it, after now. nil when no run is left.
	NextRunAt *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NextRun returns the schedule's first run strictly after after, or nil when
// it has no run left (or its spec is invalid).
func (s Schedule) NextRun(after time.Time) *time.Time {
	t, ok := s.Spec.Next(after)
	if !ok {
		return nil
	}
	return &t
}

// ScheduleFrequencies are the frequencies of the frequency form.
var ScheduleFrequencies = []string{schedule.Once, schedule.Hourly, schedule.Daily, schedule.Weekly, schedule.Monthly,
	schedule.Quarterly, schedule.Yearly}

const maxScheduleName = 200

// ScheduleInput is a schedule as a client writes it; nil means unchanged (on
// create: absent). Times are RFC 3339 instants, or wall-clock times
// ("2026-03-01 09:00:00", "2026-03-01T09:00", "2026-03-01") read in the
// schedule's timezone. EndsAt "" and Count 0 remove the limit. Giving an
// rrule switches a schedule to the RRULE form (dropping frequency, interval,
// by_weekday and by_monthday), giving a frequency switches it back.
type ScheduleInput struct {
	Name       *string
	Timezone   *string
	StartsAt   *string
	Frequency  *string
	Interval   *int
	ByWeekday  *[]string
	ByMonthday *[]int
	EndsAt     *string
	Count      *int
	RRule      *string
}

// Apply returns s changed by in and validated — name, times and recurrence —
// as a 422 naming each bad field and value.
func (in ScheduleInput) Apply(s Schedule) (Schedule, error) {
	s, f := in.apply(s)
	s.Name = strings.TrimSpace(s.Name)
	switch {
	case s.Name == "":
		f.Add("name", "can't be blank")
	case utf8.RuneCountInString(s.Name) > maxScheduleName:
		f.Add("name", "is too long (at most %d characters)", maxScheduleName)
	}
	return s, f.Err()
}

// Spec returns the recurrence of in alone (no name), validated, for
// previews that save nothing.
func (in ScheduleInput) Spec() (schedule.Spec, error) {
	s, f := in.apply(Schedule{})
	return s.Spec, f.Err()
}

// apply changes s and validates the recurrence; errors of fields that did
// not parse are not repeated by the recurrence check.
func (in ScheduleInput) apply(s Schedule) (Schedule, errs.Fields) {
	f := errs.Fields{}
	sp := &s.Spec
	if in.Name != nil {
		s.Name = *in.Name
	}
	if in.Timezone != nil {
		sp.Timezone = strings.TrimSpace(*in.Timezone)
	}
	if sp.Timezone == "" {
		sp.Timezone = "UTC"
	}
	if in.StartsAt != nil {
		sp.StartsAt = parseScheduleTime(f, "starts_at", *in.StartsAt, sp.Timezone)
	}
	if in.EndsAt != nil {
		sp.EndsAt = nil
		if strings.TrimSpace(*in.EndsAt) != "" {
			if t := parseScheduleTime(f, "ends_at", *in.EndsAt, sp.Timezone); !t.IsZero() {
				sp.EndsAt = &t
			}
		}
	}
	if in.Count != nil {
		sp.Count = nil
		if *in.Count != 0 {
			n := *in.Count
			sp.Count = &n
		}
	}
	rruleGiven := in.RRule != nil && strings.TrimSpace(*in.RRule) != ""
	freqGiven := in.Frequency != nil && strings.TrimSpace(*in.Frequency) != ""
	if rruleGiven && in.Frequency == nil {
		sp.Frequency, sp.Interval, sp.ByWeekday, sp.ByMonthday = "", 0, nil, nil
	}
	if freqGiven && in.RRule == nil {
		sp.RRule = ""
	}
	if in.RRule != nil {
		sp.RRule = strings.TrimSpace(*in.RRule)
	}
	if in.Frequency != nil {
		sp.Frequency = strings.ToLower(strings.TrimSpace(*in.Frequency))
	}
	if in.Interval != nil {
		sp.Interval = *in.Interval
	}
	if in.ByWeekday != nil {
		sp.ByWeekday = nil
		for _, w := range *in.ByWeekday {
			sp.ByWeekday = append(sp.ByWeekday, strings.TrimSpace(w))
		}
	}
	if in.ByMonthday != nil {
		sp.ByMonthday = append([]int(nil), (*in.ByMonthday)...)
	}
	for field, msgs := range sp.Validate() {
		if _, parsed := f[field]; !parsed {
			f[field] = msgs
		}
	}
	if len(f) == 0 && sp.RRule == "" && sp.Interval == 0 {
		sp.Interval = 1
	}
	return s, f
}

// wallLayouts are the wall-clock forms a schedule time may take.
var wallLayouts = []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"}

// parseScheduleTime reads an RFC 3339 instant or a wall-clock time in zone
// tz. A wall time that the zone skips (02:30 when New York springs forward)
// is refused: no instant shows it, and silently moving it would change the
// time of day every later run keeps. A wall time that happens twice is the
// first of the two.
func parseScheduleTime(f errs.Fields, field, v, tz string) time.Time {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC()
	}
	for _, layout := range wallLayouts {
		wall, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		loc, err := scheduleZone(tz)
		if err != nil {
			f.Add(field, "'%s' is a local time, which needs a valid timezone", clipClientText(v))
			return time.Time{}
		}
		t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, loc)
		if y, mo, d := t.Date(); y != wall.Year() || mo != wall.Month() || d != wall.Day() || t.Hour() != wall.Hour() || t.Minute() != wall.Minute() || t.Second() != wall.Second() {
			f.Add(field, "'%s' does not exist in %s: the clocks skip it when daylight saving time starts; give a time outside the gap or an RFC 3339 time with an offset", clipClientText(v), tz)
			return time.Time{}
		}
		return t.UTC()
	}
	f.Add(field, "'%s' is not a time: use RFC 3339 (2026-03-01T09:00:00Z) or a local time in the schedule's timezone (2026-03-01 09:00:00)", clipClientText(v))
	return time.Time{}
}

// scheduleZone loads an IANA zone as package schedule does ("Local" is not a
// zone a schedule may depend on).
func scheduleZone(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, errs.New(errs.Invalid, "unknown time zone 'Local'")
	}
	return time.LoadLocation(name)
}

// ScheduleListing declares how schedules are filtered and sorted.
var ScheduleListing = listing.Spec{
	Columns: []listing.Column{
		{Name: "name", Kind: listing.Text, Sortable: true},
		{Name: "timezone", Kind: listing.Text, Sortable: true},
		{Name: "frequency", Kind: listing.Enum, Values: ScheduleFrequencies, Sortable: true, Doc: "frequency form only"},
		{Name: "rrule", Kind: listing.Text, Doc: "RRULE form only"},
		{Name: "starts_at", Sortable: true, NoFilter: true},
		{Name: "created_at", Sortable: true, NoFilter: true},
		{Name: "updated_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at",
}
