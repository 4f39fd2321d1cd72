package schedule

import (
	"testing"
	"time"
)

func benchDates(b *testing.B, s Spec) {
	after := utc("2027-06-15T12:00:00Z")
	if errs := s.Validate(); errs != nil {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		if got := s.Dates(after, 100); len(got) != 100 {
			b.Fatalf("got %d dates", len(got))
		}
	}
}

// BenchmarkDates100 is calculate_next_dates for 100 dates: a weekly schedule
// in a zone with daylight saving time, a year after it started.
func BenchmarkDates100(b *testing.B) {
	benchDates(b, Spec{Timezone: "America/New_York", StartsAt: utc("2026-03-01T07:30:00Z"), Frequency: Weekly, ByWeekday: []string{"MO", "TH"}})
}

func BenchmarkDates100Hourly(b *testing.B) {
	benchDates(b, Spec{Timezone: "Europe/Berlin", StartsAt: utc("2026-03-01T07:30:00Z"), Frequency: Hourly, Interval: 3})
}

func BenchmarkDates100MonthlyRRule(b *testing.B) {
	benchDates(b, Spec{Timezone: "Australia/Lord_Howe", StartsAt: utc("2026-03-01T07:30:00Z"), RRule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"})
}

// BenchmarkDates100WithCount must walk every run from starts_at (COUNT counts
// from there): a daily schedule started ten years before the query.
func BenchmarkDates100WithCount(b *testing.B) {
	count := 5000
	benchDates(b, Spec{Timezone: "America/New_York", StartsAt: utc("2017-06-15T12:00:00Z"), Frequency: Daily, ByWeekday: []string{"MO", "TU", "WE", "TH", "FR"}, Count: &count})
}

// BenchmarkValidateNeverRuns is the worst case the search limit allows: a
// rule that matches nothing is searched until the limit gives up.
func BenchmarkValidateNeverRuns(b *testing.B) {
	for _, rule := range []string{"FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "FREQ=HOURLY;INTERVAL=2;BYHOUR=1", "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31"} {
		s := Spec{Timezone: "Europe/Berlin", StartsAt: utc("2026-03-01T07:30:00Z"), RRule: rule}
		b.Run(rule, func(b *testing.B) {
			for b.Loop() {
				if s.Validate() == nil {
					b.Fatal("valid")
				}
			}
		})
	}
}

func BenchmarkFirst(b *testing.B) {
	s := Spec{Timezone: "America/New_York", StartsAt: time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC), Frequency: Daily}
	for b.Loop() {
		if _, ok := s.First(); !ok {
			b.Fatal("no first")
		}
	}
}
