package schedule

import (
	"testing"
	"time"
)

func intp(n int) *int              { return &n }
func timep(t time.Time) *time.Time { return &t }

func TestRecurrences(t *testing.T) {
	start := utc("2026-01-31T10:00:00Z") // a Saturday
	tests := []struct {
		name string
		spec Spec
		want []string
	}{
		{"once", Spec{StartsAt: start, Frequency: Once}, []string{"2026-01-31T10:00:00Z"}},
		{"hourly interval 5", Spec{StartsAt: start, Frequency: Hourly, Interval: 5}, []string{"2026-01-31T10:00:00Z", "2026-01-31T15:00:00Z", "2026-01-31T20:00:00Z"}},
		{"hourly on weekdays only", Spec{StartsAt: utc("2026-01-30T22:00:00Z"), Frequency: Hourly, ByWeekday: []string{"friday", "MO"}, Interval: 1},
			[]string{"2026-01-30T22:00:00Z", "2026-01-30T23:00:00Z", "2026-02-02T00:00:00Z", "2026-02-02T01:00:00Z"}},
		{"daily interval 3", Spec{StartsAt: start, Frequency: Daily, Interval: 3}, []string{"2026-01-31T10:00:00Z", "2026-02-03T10:00:00Z", "2026-02-06T10:00:00Z"}},
		{"daily on weekdays", Spec{StartsAt: start, Frequency: Daily, ByWeekday: []string{"MO", "TU", "WE", "TH", "FR"}}, []string{"2026-02-02T10:00:00Z", "2026-02-03T10:00:00Z", "2026-02-04T10:00:00Z", "2026-02-05T10:00:00Z", "2026-02-06T10:00:00Z", "2026-02-09T10:00:00Z"}},
		{"daily on the last day of the month", Spec{StartsAt: start, Frequency: Daily, ByMonthday: []int{-1}}, []string{"2026-01-31T10:00:00Z", "2026-02-28T10:00:00Z", "2026-03-31T10:00:00Z"}},
		{"weekly defaults to the start's weekday", Spec{StartsAt: start, Frequency: Weekly}, []string{"2026-01-31T10:00:00Z", "2026-02-07T10:00:00Z"}},
		{"weekly every other week on Mon, Wed", Spec{StartsAt: utc("2026-02-04T08:00:00Z"), Frequency: Weekly, Interval: 2, ByWeekday: []string{"monday", "Wednesday"}},
			[]string{"2026-02-04T08:00:00Z", "2026-02-16T08:00:00Z", "2026-02-18T08:00:00Z", "2026-03-02T08:00:00Z"}},
		{"monthly on the 31st clamps to the last day", Spec{StartsAt: start, Frequency: Monthly},
			[]string{"2026-01-31T10:00:00Z", "2026-02-28T10:00:00Z", "2026-03-31T10:00:00Z", "2026-04-30T10:00:00Z", "2026-05-31T10:00:00Z"}},
		{"monthly on 30 and 31 gives one run in February", Spec{StartsAt: start, Frequency: Monthly, ByMonthday: []int{31, 30}},
			[]string{"2026-01-31T10:00:00Z", "2026-02-28T10:00:00Z", "2026-03-30T10:00:00Z", "2026-03-31T10:00:00Z", "2026-04-30T10:00:00Z"}},
		{"monthly on 1st and last", Spec{StartsAt: start, Frequency: Monthly, ByMonthday: []int{1, -1}},
			[]string{"2026-01-31T10:00:00Z", "2026-02-01T10:00:00Z", "2026-02-28T10:00:00Z", "2026-03-01T10:00:00Z"}},
		{"monthly leap February", Spec{StartsAt: utc("2028-01-30T00:00:00Z"), Frequency: Monthly}, []string{"2028-01-30T00:00:00Z", "2028-02-29T00:00:00Z", "2028-03-30T00:00:00Z"}},
		{"quarterly is every three months", Spec{StartsAt: utc("2026-01-15T06:00:00Z"), Frequency: Quarterly},
			[]string{"2026-01-15T06:00:00Z", "2026-04-15T06:00:00Z", "2026-07-15T06:00:00Z", "2026-10-15T06:00:00Z", "2027-01-15T06:00:00Z"}},
		{"quarterly interval 2 is every six months", Spec{StartsAt: utc("2026-11-30T06:00:00Z"), Frequency: Quarterly, Interval: 2},
			[]string{"2026-11-30T06:00:00Z", "2027-05-30T06:00:00Z", "2027-11-30T06:00:00Z"}},
		{"yearly on 29 February clamps", Spec{StartsAt: utc("2028-02-29T12:00:00Z"), Frequency: Yearly},
			[]string{"2028-02-29T12:00:00Z", "2029-02-28T12:00:00Z", "2030-02-28T12:00:00Z", "2031-02-28T12:00:00Z", "2032-02-29T12:00:00Z"}},
		{"count", Spec{StartsAt: start, Frequency: Daily, Count: intp(2)}, []string{"2026-01-31T10:00:00Z", "2026-02-01T10:00:00Z"}},
		{"ends_at is inclusive", Spec{StartsAt: start, Frequency: Daily, EndsAt: timep(utc("2026-02-02T10:00:00Z"))}, []string{"2026-01-31T10:00:00Z", "2026-02-01T10:00:00Z", "2026-02-02T10:00:00Z"}},
		{"starts_at seconds are kept, nanoseconds dropped", Spec{StartsAt: utc("2026-01-31T10:00:07.9Z"), Frequency: Daily}, []string{"2026-01-31T10:00:07Z", "2026-02-01T10:00:07Z"}},

		{"rrule monthly 31st skips short months", Spec{StartsAt: start, RRule: "FREQ=MONTHLY;BYMONTHDAY=31"},
			[]string{"2026-01-31T10:00:00Z", "2026-03-31T10:00:00Z", "2026-05-31T10:00:00Z", "2026-07-31T10:00:00Z", "2026-08-31T10:00:00Z"}},
		{"rrule monthly default day skips too", Spec{StartsAt: start, RRule: "FREQ=MONTHLY;COUNT=3"}, []string{"2026-01-31T10:00:00Z", "2026-03-31T10:00:00Z", "2026-05-31T10:00:00Z"}},
		{"rrule first Monday", Spec{StartsAt: start, RRule: "FREQ=MONTHLY;BYDAY=1MO"}, []string{"2026-02-02T10:00:00Z", "2026-03-02T10:00:00Z", "2026-04-06T10:00:00Z"}},
		{"rrule last Friday", Spec{StartsAt: start, RRule: "freq=monthly;byday=-1fr"}, []string{"2026-02-27T10:00:00Z", "2026-03-27T10:00:00Z", "2026-04-24T10:00:00Z"}},
		{"rrule last workday of the month", Spec{StartsAt: start, RRule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"},
			[]string{"2026-02-27T10:00:00Z", "2026-03-31T10:00:00Z", "2026-04-30T10:00:00Z", "2026-05-29T10:00:00Z"}},
		{"rrule Thanksgiving", Spec{StartsAt: start, RRule: "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH"}, []string{"2026-11-26T10:00:00Z", "2027-11-25T10:00:00Z", "2028-11-23T10:00:00Z"}},
		{"rrule 20th Monday of the year", Spec{StartsAt: start, RRule: "FREQ=YEARLY;BYDAY=20MO"}, []string{"2026-05-18T10:00:00Z", "2027-05-17T10:00:00Z"}},
		{"rrule first and last day of the year", Spec{StartsAt: start, RRule: "FREQ=YEARLY;BYYEARDAY=1,-1"}, []string{"2026-12-31T10:00:00Z", "2027-01-01T10:00:00Z", "2027-12-31T10:00:00Z", "2028-01-01T10:00:00Z"}},
		// ISO week 1 of 2027 starts on Monday 4 January; 2026's week 53 is 28 Dec - 3 Jan.
		{"rrule Monday of week 1", Spec{StartsAt: start, RRule: "FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO"}, []string{"2027-01-04T10:00:00Z", "2028-01-03T10:00:00Z", "2029-01-01T10:00:00Z"}},
		{"rrule last week of the year", Spec{StartsAt: start, RRule: "FREQ=YEARLY;BYWEEKNO=-1;BYDAY=TH"}, []string{"2026-12-31T10:00:00Z", "2027-12-30T10:00:00Z"}},
		{"rrule twice a day", Spec{StartsAt: start, RRule: "FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0;BYSECOND=0"}, []string{"2026-01-31T17:00:00Z", "2026-02-01T09:00:00Z", "2026-02-01T17:00:00Z"}},
		{"rrule weekly with WKST", Spec{StartsAt: utc("2026-02-01T10:00:00Z"), RRule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU"},
			[]string{"2026-02-01T10:00:00Z", "2026-02-03T10:00:00Z", "2026-02-15T10:00:00Z", "2026-02-17T10:00:00Z"}},
		{"rrule weekly with WKST=MO", Spec{StartsAt: utc("2026-02-01T10:00:00Z"), RRule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=MO"},
			[]string{"2026-02-01T10:00:00Z", "2026-02-10T10:00:00Z", "2026-02-15T10:00:00Z", "2026-02-24T10:00:00Z"}},
		{"rrule hourly with BYHOUR", Spec{StartsAt: start, RRule: "FREQ=HOURLY;INTERVAL=4;BYHOUR=10,18"}, []string{"2026-01-31T10:00:00Z", "2026-01-31T18:00:00Z", "2026-02-01T10:00:00Z"}},
		{"rrule UNTIL in UTC", Spec{StartsAt: start, RRule: "FREQ=DAILY;UNTIL=20260202T100000Z"}, []string{"2026-01-31T10:00:00Z", "2026-02-01T10:00:00Z", "2026-02-02T10:00:00Z"}},
		{"rrule UNTIL as a date includes that day", Spec{Timezone: "Europe/Berlin", StartsAt: utc("2026-01-31T22:30:00Z"), RRule: "FREQ=DAILY;UNTIL=20260202"},
			[]string{"2026-01-31T22:30:00Z", "2026-02-01T22:30:00Z"}},
		{"rrule and count: the smaller wins", Spec{StartsAt: start, RRule: "FREQ=DAILY;COUNT=5", Count: intp(2)}, []string{"2026-01-31T10:00:00Z", "2026-02-01T10:00:00Z"}},
		{"rrule start not matching is not a run", Spec{StartsAt: start, RRule: "FREQ=WEEKLY;BYDAY=MO;COUNT=2"}, []string{"2026-02-02T10:00:00Z", "2026-02-09T10:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkRuns(t, tt.spec, tt.want...) })
	}
}

func TestEndsStopTheSchedule(t *testing.T) {
	start := utc("2026-01-31T10:00:00Z")
	for _, s := range []Spec{
		{StartsAt: start, Frequency: Once},
		{StartsAt: start, Frequency: Daily, Count: intp(3)},
		{StartsAt: start, Frequency: Hourly, Count: intp(3)},
		{StartsAt: start, Frequency: Hourly, Count: intp(3), ByWeekday: []string{"SA"}},
		{StartsAt: start, Frequency: Weekly, EndsAt: timep(start.AddDate(0, 0, 14))},
		{StartsAt: start, RRule: "FREQ=MONTHLY;COUNT=3"},
		{StartsAt: start, RRule: "FREQ=DAILY;UNTIL=20260202T100000Z"},
	} {
		all := s.Dates(start.Add(-time.Second), 50)
		if len(all) == 0 || len(all) > 3 {
			t.Errorf("%+v: %d runs, want 1 to 3", s, len(all))
			continue
		}
		last := all[len(all)-1]
		if next, ok := s.Next(last); ok {
			t.Errorf("%+v: Next after the last run = %s", s, next)
		}
		if got := s.Dates(last.Add(-time.Nanosecond), 5); len(got) != 1 || !got[0].Equal(last) {
			t.Errorf("%+v: Dates just before the last run = %v", s, got)
		}
	}
}

// TestSkipAheadMatchesEnumeration checks that starting the search near a
// late "after" (which skips periods) gives the same runs as walking every
// run from the start.
func TestSkipAheadMatchesEnumeration(t *testing.T) {
	start := utc("2026-03-07T07:30:00Z")
	specs := []Spec{
		{Timezone: "America/New_York", StartsAt: start, Frequency: Hourly, Interval: 7},
		{Timezone: "America/New_York", StartsAt: start, Frequency: Hourly, Interval: 3, ByWeekday: []string{"MO", "FR"}, Count: intp(200)},
		{Timezone: "Europe/Berlin", StartsAt: start, Frequency: Daily, Interval: 2},
		{Timezone: "Australia/Lord_Howe", StartsAt: start, Frequency: Weekly, ByWeekday: []string{"SU", "WE"}},
		{Timezone: "Europe/Berlin", StartsAt: start, Frequency: Monthly, ByMonthday: []int{31, 1}},
		{Timezone: "America/New_York", StartsAt: start, Frequency: Quarterly},
		{Timezone: "America/New_York", StartsAt: start, RRule: "FREQ=HOURLY;INTERVAL=5;BYMINUTE=0,30"},
		{Timezone: "Australia/Lord_Howe", StartsAt: start, RRule: "FREQ=HOURLY;BYHOUR=1,2,3"},
		{Timezone: "Europe/Berlin", StartsAt: start, RRule: "FREQ=MONTHLY;BYDAY=-1SU;BYHOUR=2;BYMINUTE=30"},
		{Timezone: "America/New_York", StartsAt: start, RRule: "FREQ=YEARLY;BYWEEKNO=10,-1;BYDAY=SU"},
	}
	for _, s := range specs {
		all := runs(t, s, 300)
		for i := 1; i < len(all); i += 7 {
			for _, after := range []time.Time{all[i-1], all[i].Add(-time.Second), all[i-1].Add(time.Second)} {
				got := s.Dates(after, 3)
				want := all[i:min(i+3, len(all))]
				if len(got) < len(want) {
					t.Fatalf("%+v: Dates(%s) = %v, want %v", s, after, got, want)
				}
				for j := range want {
					if !got[j].Equal(want[j]) {
						t.Fatalf("%+v: Dates(%s) = %v, want %v", s, after, got, want)
					}
				}
			}
		}
	}
}

func TestDatesLimits(t *testing.T) {
	s := Spec{StartsAt: utc("2026-01-01T00:00:00Z"), Frequency: Hourly}
	if got := s.Dates(s.StartsAt, 0); got != nil {
		t.Errorf("Dates(0) = %v", got)
	}
	if got := s.Dates(s.StartsAt, 5000); len(got) != MaxDates {
		t.Errorf("Dates(5000) returned %d, want the cap %d", len(got), MaxDates)
	}
	bad := Spec{StartsAt: s.StartsAt, Frequency: "fortnightly"}
	if got := bad.Dates(s.StartsAt, 5); got != nil {
		t.Errorf("Dates of an invalid spec = %v", got)
	}
	if _, ok := bad.First(); ok {
		t.Error("First of an invalid spec succeeded")
	}
	if _, ok := bad.Next(s.StartsAt); ok {
		t.Error("Next of an invalid spec succeeded")
	}
	// The last representable year ends the schedule.
	late := Spec{StartsAt: utc("9999-12-30T00:00:00Z"), Frequency: Daily}
	if got := late.Dates(late.StartsAt.Add(-time.Second), 10); len(got) != 2 {
		t.Errorf("runs near year 9999 = %v", got)
	}
}
