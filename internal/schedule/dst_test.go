package schedule

import (
	"testing"
	"time"
)

// local builds a wall-clock time in a zone; for repeated wall times it is
// the standard library's choice, so tests only use it for unambiguous ones.
func local(t *testing.T, zone string, y int, m time.Month, d, h, min int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(y, m, d, h, min, 0, 0, loc)
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// runs returns the first n runs of spec, starting with First.
func runs(t *testing.T, s Spec, n int) []time.Time {
	t.Helper()
	if errs := s.Validate(); errs != nil {
		t.Fatalf("Validate: %v", errs)
	}
	first, ok := s.First()
	if !ok {
		t.Fatal("no first run")
	}
	return append([]time.Time{first}, s.Dates(first, n-1)...)
}

func checkRuns(t *testing.T, s Spec, want ...string) {
	t.Helper()
	got := runs(t, s, len(want))
	if len(got) != len(want) {
		t.Fatalf("got %d runs %v, want %v", len(got), got, want)
	}
	for i := range want {
		if w := utc(want[i]); !got[i].Equal(w) || got[i].Location() != time.UTC {
			t.Errorf("run %d = %s, want %s", i, got[i].Format(time.RFC3339), w.Format(time.RFC3339))
		}
	}
}

func TestDailyAcrossDST(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want []string
	}{
		{
			// 02:30 does not exist on 8 March: it is read with the offset before
			// the gap (RFC 5545 §3.3.5), 02:30 EST = 03:30 EDT.
			name: "New York spring forward",
			spec: Spec{Timezone: "America/New_York", StartsAt: local(t, "America/New_York", 2026, 3, 6, 2, 30), Frequency: Daily},
			want: []string{"2026-03-06T07:30:00Z", "2026-03-07T07:30:00Z", "2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"},
		},
		{
			name: "New York spring forward 2027",
			spec: Spec{Timezone: "America/New_York", StartsAt: local(t, "America/New_York", 2027, 3, 13, 2, 30), Frequency: Daily},
			want: []string{"2027-03-13T07:30:00Z", "2027-03-14T07:30:00Z", "2027-03-15T06:30:00Z"},
		},
		{
			name: "monthly on the 14th 02:30 New York",
			spec: Spec{Timezone: "America/New_York", StartsAt: local(t, "America/New_York", 2027, 2, 14, 2, 30), Frequency: Monthly},
			want: []string{"2027-02-14T07:30:00Z", "2027-03-14T07:30:00Z", "2027-04-14T06:30:00Z"},
		},
		{
			// 01:30 happens twice on 1 November: the run is at the first (EDT) only.
			name: "New York fall back",
			spec: Spec{Timezone: "America/New_York", StartsAt: local(t, "America/New_York", 2026, 10, 30, 1, 30), Frequency: Daily},
			want: []string{"2026-10-30T05:30:00Z", "2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"},
		},
		{
			name: "Berlin spring forward",
			spec: Spec{Timezone: "Europe/Berlin", StartsAt: local(t, "Europe/Berlin", 2026, 3, 27, 2, 30), Frequency: Daily},
			want: []string{"2026-03-27T01:30:00Z", "2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"},
		},
		{
			name: "Berlin fall back",
			spec: Spec{Timezone: "Europe/Berlin", StartsAt: local(t, "Europe/Berlin", 2026, 10, 24, 2, 30), Frequency: Daily},
			want: []string{"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
		},
		{
			// Lord Howe moves clocks by 30 minutes: 02:00 → 02:30 on 4 October.
			name: "Lord Howe spring forward",
			spec: Spec{Timezone: "Australia/Lord_Howe", StartsAt: local(t, "Australia/Lord_Howe", 2026, 10, 3, 2, 15), Frequency: Daily},
			want: []string{"2026-10-02T15:45:00Z", "2026-10-03T15:45:00Z", "2026-10-04T15:15:00Z"},
		},
		{
			// 02:00 → 01:30 on 5 April: 01:45 happens twice, runs once (+11:00).
			name: "Lord Howe fall back",
			spec: Spec{Timezone: "Australia/Lord_Howe", StartsAt: local(t, "Australia/Lord_Howe", 2026, 4, 4, 1, 45), Frequency: Daily},
			want: []string{"2026-04-03T14:45:00Z", "2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"},
		},
		{
			name: "weekly Sunday 02:30 New York",
			spec: Spec{Timezone: "America/New_York", StartsAt: local(t, "America/New_York", 2026, 3, 1, 2, 30), Frequency: Weekly},
			want: []string{"2026-03-01T07:30:00Z", "2026-03-08T07:30:00Z", "2026-03-15T06:30:00Z"},
		},
		{
			name: "rrule daily follows the same rule",
			spec: Spec{Timezone: "America/New_York", StartsAt: local(t, "America/New_York", 2026, 3, 7, 2, 30), RRule: "FREQ=DAILY"},
			want: []string{"2026-03-07T07:30:00Z", "2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"},
		},
		{
			name: "rrule daily fall back runs once",
			spec: Spec{Timezone: "America/New_York", StartsAt: local(t, "America/New_York", 2026, 10, 31, 1, 30), RRule: "RRULE:FREQ=DAILY;COUNT=3"},
			want: []string{"2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"},
		},
		{
			// 02:00 and 02:30 (in the gap) are 03:00 and 03:30 EDT, as are the
			// wall times 03:00 and 03:30: each instant runs once.
			name: "rrule times inside the gap fold into one run",
			spec: Spec{Timezone: "America/New_York", StartsAt: local(t, "America/New_York", 2026, 3, 7, 0, 0), RRule: "FREQ=DAILY;BYHOUR=2,3;BYMINUTE=0,30"},
			want: []string{"2026-03-07T07:00:00Z", "2026-03-07T07:30:00Z", "2026-03-07T08:00:00Z", "2026-03-07T08:30:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z", "2026-03-09T06:00:00Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkRuns(t, tt.spec, tt.want...) })
	}
}

func TestHourlyAcrossDST(t *testing.T) {
	tests := []struct {
		name      string
		spec      Spec
		n         int
		wantLocal []string // wall clock of each run in the zone
	}{
		{
			name:      "New York spring forward: 02:30 does not exist",
			spec:      Spec{Timezone: "America/New_York", StartsAt: local(t, "America/New_York", 2026, 3, 8, 0, 30), Frequency: Hourly},
			n:         4,
			wantLocal: []string{"00:30 EST", "01:30 EST", "03:30 EDT", "04:30 EDT"},
		},
		{
			name:      "New York fall back: 01:30 is two real hours",
			spec:      Spec{Timezone: "America/New_York", StartsAt: local(t, "America/New_York", 2026, 11, 1, 0, 30), Frequency: Hourly},
			n:         4,
			wantLocal: []string{"00:30 EDT", "01:30 EDT", "01:30 EST", "02:30 EST"},
		},
		{
			name:      "Berlin fall back",
			spec:      Spec{Timezone: "Europe/Berlin", StartsAt: local(t, "Europe/Berlin", 2026, 10, 25, 1, 0), Frequency: Hourly},
			n:         4,
			wantLocal: []string{"01:00 CEST", "02:00 CEST", "02:00 CET", "03:00 CET"},
		},
		{
			// Elapsed hours: after the 30-minute change the runs fall on :30.
			name:      "Lord Howe fall back",
			spec:      Spec{Timezone: "Australia/Lord_Howe", StartsAt: local(t, "Australia/Lord_Howe", 2026, 4, 5, 0, 0), Frequency: Hourly},
			n:         4,
			wantLocal: []string{"00:00 +11", "01:00 +11", "01:30 +1030", "02:30 +1030"},
		},
		{
			name:      "Lord Howe spring forward",
			spec:      Spec{Timezone: "Australia/Lord_Howe", StartsAt: local(t, "Australia/Lord_Howe", 2026, 10, 4, 0, 0), Frequency: Hourly},
			n:         4,
			wantLocal: []string{"00:00 +1030", "01:00 +1030", "02:30 +11", "03:30 +11"},
		},
		{
			// RRULE hourly is wall-clock based: every real instant showing
			// hh:30, so the repeated hour runs twice and the missing one not.
			name:      "rrule hourly New York fall back",
			spec:      Spec{Timezone: "America/New_York", StartsAt: local(t, "America/New_York", 2026, 11, 1, 0, 30), RRule: "FREQ=HOURLY"},
			n:         4,
			wantLocal: []string{"00:30 EDT", "01:30 EDT", "01:30 EST", "02:30 EST"},
		},
		{
			name:      "rrule hourly New York spring forward",
			spec:      Spec{Timezone: "America/New_York", StartsAt: local(t, "America/New_York", 2026, 3, 8, 0, 30), RRule: "FREQ=HOURLY"},
			n:         4,
			wantLocal: []string{"00:30 EST", "01:30 EST", "03:30 EDT", "04:30 EDT"},
		},
		{
			name:      "rrule hourly Lord Howe keeps the wall clock",
			spec:      Spec{Timezone: "Australia/Lord_Howe", StartsAt: local(t, "Australia/Lord_Howe", 2026, 4, 5, 0, 0), RRule: "FREQ=HOURLY"},
			n:         4,
			wantLocal: []string{"00:00 +11", "01:00 +11", "02:00 +1030", "03:00 +1030"},
		},
		{
			name:      "rrule hourly quarter past and to, fall back sorted",
			spec:      Spec{Timezone: "America/New_York", StartsAt: local(t, "America/New_York", 2026, 11, 1, 1, 0), RRule: "FREQ=HOURLY;BYMINUTE=15,45"},
			n:         5,
			wantLocal: []string{"01:15 EDT", "01:45 EDT", "01:15 EST", "01:45 EST", "02:15 EST"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, _ := time.LoadLocation(tt.spec.Timezone)
			got := runs(t, tt.spec, tt.n)
			if len(got) != tt.n {
				t.Fatalf("got %d runs", len(got))
			}
			for i, r := range got {
				if s := r.In(loc).Format("15:04 MST"); s != tt.wantLocal[i] {
					t.Errorf("run %d = %s (%s), want %s", i, s, r.Format(time.RFC3339), tt.wantLocal[i])
				}
				if i > 0 && !r.After(got[i-1]) {
					t.Errorf("run %d (%s) is not after run %d", i, r, i-1)
				}
			}
		})
	}
}

func TestHourlyElapsedNeverRepeatsOrSkips(t *testing.T) {
	// Two years of hourly runs across four zones: every run is exactly one
	// hour after the previous one.
	for _, zone := range []string{"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kathmandu"} {
		s := Spec{Timezone: zone, StartsAt: utc("2026-01-01T00:00:00Z"), Frequency: Hourly}
		prev, _ := s.First()
		n := 0
		for n < 2*366*24 {
			batch := s.Dates(prev, 100)
			for _, r := range batch {
				if d := r.Sub(prev); d != time.Hour {
					t.Fatalf("%s: %s follows %s after %s", zone, r, prev, d)
				}
				prev = r
			}
			n += len(batch)
		}
	}
}
