package scanconfig

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
)

func str(s string) *string { return &s }
func num(n int) *int       { return &n }

func utcTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func fieldsOf(t *testing.T, err error) map[string][]string {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		t.Fatalf("want a 422, got %v", err)
	}
	return e.Fields
}

func TestScheduleTimes(t *testing.T) {
	tests := []struct {
		name, tz, in string
		want         string // RFC 3339 UTC; "" = refused
		msg          string // part of the starts_at error
	}{
		{name: "RFC 3339", tz: "Europe/Berlin", in: "2026-03-01T09:00:00+01:00", want: "2026-03-01T08:00:00Z"},
		{name: "wall clock in the zone", tz: "America/New_York", in: "2026-07-01 09:30:00", want: "2026-07-01T13:30:00Z"},
		{name: "wall clock with T, no seconds", tz: "America/New_York", in: "2026-01-01T09:30", want: "2026-01-01T14:30:00Z"},
		{name: "date only", tz: "Asia/Tokyo", in: "2026-01-02", want: "2026-01-01T15:00:00Z"},
		{name: "UTC default", tz: "", in: "2026-01-02 03:04:05", want: "2026-01-02T03:04:05Z"},
		{name: "fall back: the first of the two", tz: "America/New_York", in: "2026-11-01 01:30:00", want: "2026-11-01T05:30:00Z"},
		{name: "spring forward gap is refused", tz: "America/New_York", in: "2026-03-08 02:30:00", msg: "does not exist in America/New_York"},
		{name: "not a time", tz: "UTC", in: "next tuesday", msg: "'next tuesday' is not a time"},
		{name: "local time without a zone", tz: "Mars/Olympus", in: "2026-01-01 00:00:00", msg: "needs a valid timezone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := ScheduleInput{Timezone: str(tt.tz), StartsAt: str(tt.in), Frequency: str("daily")}.Spec()
			if tt.want != "" {
				if err != nil || !sp.StartsAt.Equal(utcTime(tt.want)) {
					t.Fatalf("starts_at = %s, %v; want %s", sp.StartsAt.Format(time.RFC3339), err, tt.want)
				}
				return
			}
			f := fieldsOf(t, err)
			if len(f["starts_at"]) != 1 || !strings.Contains(f["starts_at"][0], tt.msg) {
				t.Fatalf("starts_at errors %v, want one containing %q", f["starts_at"], tt.msg)
			}
		})
	}
}

func TestScheduleInputValidation(t *testing.T) {
	_, err := ScheduleInput{Name: str(" "), Timezone: str("Europe/Nowhere"), StartsAt: str("2026-01-01T00:00:00Z"),
		Frequency: str("fortnightly"), ByWeekday: &[]string{"MO", "Funday"}, Count: num(-1)}.Apply(Schedule{})
	f := fieldsOf(t, err)
	for field, part := range map[string]string{
		"name": "can't be blank", "timezone": "'Europe/Nowhere'", "frequency": "'fortnightly'", "by_weekday": "'Funday'", "count": "-1",
	} {
		if len(f[field]) == 0 || !strings.Contains(strings.Join(f[field], " "), part) {
			t.Errorf("%s: %v, want a message naming %s", field, f[field], part)
		}
	}
	// A starts_at that does not parse is reported once, not also as missing.
	_, err = ScheduleInput{Name: str("n"), StartsAt: str("soon"), Frequency: str("daily")}.Apply(Schedule{})
	if f := fieldsOf(t, err); len(f["starts_at"]) != 1 {
		t.Fatalf("starts_at errors %v", f["starts_at"])
	}
	// No starts_at at all.
	_, err = ScheduleInput{Name: str("n"), Frequency: str("daily")}.Apply(Schedule{})
	if f := fieldsOf(t, err); !reflect.DeepEqual(f["starts_at"], []string{"is required"}) {
		t.Fatalf("starts_at errors %v", f["starts_at"])
	}
}

func TestScheduleInputUpdates(t *testing.T) {
	s, err := ScheduleInput{Name: str(" Nightly "), Timezone: str("Europe/Berlin"), StartsAt: str("2026-03-01 02:00:00"),
		Frequency: str("Weekly"), ByWeekday: &[]string{"MO", "friday"}, EndsAt: str("2026-12-31 00:00:00"), Count: num(10)}.Apply(Schedule{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "Nightly" || s.Spec.Frequency != "weekly" || s.Spec.Interval != 1 || s.Spec.EndsAt == nil || *s.Spec.Count != 10 {
		t.Fatalf("created %+v", s.Spec)
	}
	// Giving an rrule switches forms; ends_at "" and count 0 lift the limits.
	r, err := ScheduleInput{RRule: str("FREQ=MONTHLY;BYDAY=-1FR"), EndsAt: str(""), Count: num(0)}.Apply(s)
	if err != nil {
		t.Fatal(err)
	}
	if r.Spec.Frequency != "" || r.Spec.Interval != 0 || r.Spec.ByWeekday != nil || r.Spec.EndsAt != nil || r.Spec.Count != nil || r.Name != "Nightly" {
		t.Fatalf("switched to rrule: %+v", r.Spec)
	}
	// And a frequency switches back.
	b, err := ScheduleInput{Frequency: str("daily")}.Apply(r)
	if err != nil || b.Spec.RRule != "" || b.Spec.Frequency != "daily" {
		t.Fatalf("switched back: %+v %v", b.Spec, err)
	}
	// Both at once is the package's error.
	_, err = ScheduleInput{Frequency: str("daily"), RRule: str("FREQ=DAILY")}.Apply(r)
	if f := fieldsOf(t, err); len(f["rrule"]) == 0 {
		t.Fatalf("both forms: %v", f)
	}
}

func TestScheduleNextRun(t *testing.T) {
	s, err := ScheduleInput{Name: str("n"), Timezone: str("America/New_York"), StartsAt: str("2026-03-07 02:30:00"), Frequency: str("daily"),
		Count: num(3)}.Apply(Schedule{})
	if err != nil {
		t.Fatal(err)
	}
	// On the spring-forward day 02:30 is read with the offset before the gap
	// (RFC 5545 §3.3.5): 02:30 EST, shown as 03:30 EDT.
	if got := s.NextRun(utcTime("2026-03-07T08:00:00Z")); got == nil || !got.Equal(utcTime("2026-03-08T07:30:00Z")) {
		t.Fatalf("next run %v", got)
	}
	if got := s.NextRun(utcTime("2026-03-09T07:00:00Z")); got != nil {
		t.Fatalf("after the third run there is none, got %v", got)
	}
}

func FuzzScheduleInput(f *testing.F) {
	f.Add("America/New_York", "2026-03-08 02:30:00", "daily", "", "2026-04-01")
	f.Add("UTC", "2026-01-01T00:00:00Z", "", "FREQ=MONTHLY;BYMONTHDAY=31", "")
	f.Add("Europe/Berlin", "2026-10-25T02:30", "hourly", "", "x")
	f.Fuzz(func(t *testing.T, tz, start, freq, rrule, ends string) {
		in := ScheduleInput{Name: str("f"), Timezone: &tz, StartsAt: &start, Frequency: &freq, RRule: &rrule, EndsAt: &ends}
		s, err := in.Apply(Schedule{})
		if err != nil {
			if _, ok := errs.As(err); !ok {
				t.Fatalf("not a field error: %v", err)
			}
			return
		}
		if s.Spec.StartsAt.IsZero() || s.Spec.Validate() != nil {
			t.Fatalf("accepted an invalid schedule: %+v", s.Spec)
		}
		_ = s.NextRun(s.Spec.StartsAt)
	})
}
