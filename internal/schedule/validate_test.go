package schedule

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestRFC5545Examples runs examples from RFC 5545 §3.8.5.3, whose expected
// dates are printed there (DTSTART 1997, America/New_York).
func TestRFC5545Examples(t *testing.T) {
	ny := func(y int, m time.Month, d, h int) time.Time { return local(t, "America/New_York", y, m, d, h, 0) }
	tests := []struct {
		rule  string
		start time.Time
		want  []time.Time
	}{
		{"FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO", ny(1997, 8, 5, 9), []time.Time{ny(1997, 8, 5, 9), ny(1997, 8, 10, 9), ny(1997, 8, 19, 9), ny(1997, 8, 24, 9)}},
		{"FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU", ny(1997, 8, 5, 9), []time.Time{ny(1997, 8, 5, 9), ny(1997, 8, 17, 9), ny(1997, 8, 19, 9), ny(1997, 8, 31, 9)}},
		{"FREQ=MONTHLY;COUNT=6;BYDAY=-2MO", ny(1997, 9, 22, 9), []time.Time{ny(1997, 9, 22, 9), ny(1997, 10, 20, 9), ny(1997, 11, 17, 9), ny(1997, 12, 22, 9), ny(1998, 1, 19, 9), ny(1998, 2, 16, 9)}},
		{"FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13;COUNT=3", ny(1997, 9, 2, 9), []time.Time{ny(1998, 2, 13, 9), ny(1998, 3, 13, 9), ny(1998, 11, 13, 9)}},
		{"FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3", ny(1997, 9, 4, 9), []time.Time{ny(1997, 9, 4, 9), ny(1997, 10, 7, 9), ny(1997, 11, 6, 9)}},
		{"FREQ=YEARLY;BYDAY=MO;BYWEEKNO=20;COUNT=3", ny(1997, 5, 12, 9), []time.Time{ny(1997, 5, 12, 9), ny(1998, 5, 11, 9), ny(1999, 5, 17, 9)}},
		{"FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8;COUNT=3", ny(1997, 6, 5, 9), []time.Time{ny(1997, 6, 5, 9), ny(1997, 6, 12, 9), ny(1997, 6, 19, 9)}},
		{"FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8;COUNT=3", ny(1996, 11, 5, 9), []time.Time{ny(1996, 11, 5, 9), ny(2000, 11, 7, 9), ny(2004, 11, 2, 9)}},
		{"FREQ=MONTHLY;BYMONTHDAY=-3;COUNT=3", ny(1997, 9, 28, 9), []time.Time{ny(1997, 9, 28, 9), ny(1997, 10, 29, 9), ny(1997, 11, 28, 9)}},
		{"FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000Z", ny(1997, 9, 2, 9), []time.Time{ny(1997, 9, 2, 9), ny(1997, 9, 2, 12)}},
	}
	for _, tt := range tests {
		s := Spec{Timezone: "America/New_York", StartsAt: tt.start, RRule: tt.rule}
		got := s.Dates(tt.start.Add(-time.Second), 10)
		if len(got) != len(tt.want) {
			t.Errorf("%s: got %v, want %v", tt.rule, got, tt.want)
			continue
		}
		for i := range got {
			if !got[i].Equal(tt.want[i]) {
				t.Errorf("%s: run %d = %s, want %s", tt.rule, i, got[i], tt.want[i].UTC())
			}
		}
	}
}

func TestValidate(t *testing.T) {
	start := utc("2026-01-31T10:00:00Z")
	tests := []struct {
		name string
		spec Spec
		want map[string]string // field → substring of its first message
	}{
		{"unknown zone", Spec{Timezone: "Mars/Olympus", StartsAt: start, Frequency: Daily}, map[string]string{"timezone": "unknown time zone 'Mars/Olympus'"}},
		{"Local is refused", Spec{Timezone: "Local", StartsAt: start, Frequency: Daily}, map[string]string{"timezone": "unknown time zone 'Local'"}},
		{"path in zone", Spec{Timezone: "../../etc/passwd", StartsAt: start, Frequency: Daily}, map[string]string{"timezone": "unknown time zone"}},
		{"no start", Spec{Frequency: Daily}, map[string]string{"starts_at": "is required"}},
		{"start too early", Spec{StartsAt: utc("1969-12-31T00:00:00Z"), Frequency: Daily}, map[string]string{"starts_at": "year 1969 is out of range"}},
		{"interval zero is one", Spec{StartsAt: start, Frequency: Daily, Interval: 0}, nil},
		{"interval negative", Spec{StartsAt: start, Frequency: Daily, Interval: -1}, map[string]string{"interval": "-1 is out of range (1-1000)"}},
		{"interval too large", Spec{StartsAt: start, Frequency: Daily, Interval: 1001}, map[string]string{"interval": "1001 is out of range"}},
		{"bad weekday", Spec{StartsAt: start, Frequency: Weekly, ByWeekday: []string{"MO", "funday"}}, map[string]string{"by_weekday": "'funday' is not a weekday"}},
		{"bad month day", Spec{StartsAt: start, Frequency: Monthly, ByMonthday: []int{0}}, map[string]string{"by_monthday": "0 is out of range (1-31, or -1 for the last day)"}},
		{"month day 32", Spec{StartsAt: start, Frequency: Monthly, ByMonthday: []int{32}}, map[string]string{"by_monthday": "32 is out of range"}},
		{"month day -2", Spec{StartsAt: start, Frequency: Monthly, ByMonthday: []int{-2}}, map[string]string{"by_monthday": "-2 is out of range"}},
		{"ends before start", Spec{StartsAt: start, Frequency: Daily, EndsAt: timep(start.Add(-time.Hour))}, map[string]string{"ends_at": "2026-01-31T09:00:00Z is before starts_at (2026-01-31T10:00:00Z)"}},
		{"count zero", Spec{StartsAt: start, Frequency: Daily, Count: intp(0)}, map[string]string{"count": "0 is out of range (1-100000)"}},
		{"count too large", Spec{StartsAt: start, Frequency: Daily, Count: intp(MaxCount + 1)}, map[string]string{"count": "100001 is out of range"}},
		{"unknown frequency", Spec{StartsAt: start, Frequency: "fortnightly"}, map[string]string{"frequency": "'fortnightly' is not a frequency"}},
		{"neither", Spec{StartsAt: start}, map[string]string{"frequency": "is required"}},
		{"both", Spec{StartsAt: start, Frequency: Daily, RRule: "FREQ=DAILY"}, map[string]string{"rrule": "not both"}},
		{"rrule with interval", Spec{StartsAt: start, Interval: 2, RRule: "FREQ=DAILY"}, map[string]string{"rrule": "not both"}},
		{"weekday on monthly", Spec{StartsAt: start, Frequency: Monthly, ByWeekday: []string{"MO"}}, map[string]string{"by_weekday": "FREQ=MONTHLY;BYDAY=1MO"}},
		{"month day on weekly", Spec{StartsAt: start, Frequency: Weekly, ByMonthday: []int{1}}, map[string]string{"by_monthday": "does not apply to weekly"}},
		{"options on once", Spec{StartsAt: start, Frequency: Once, Interval: 2, ByWeekday: []string{"MO"}}, map[string]string{"interval": "once", "by_weekday": "once"}},
		{"rrule garbage", Spec{StartsAt: start, RRule: "every tuesday"}, map[string]string{"rrule": "'every tuesday' is not a NAME=VALUE rule part"}},
		{"rrule no FREQ", Spec{StartsAt: start, RRule: "INTERVAL=2"}, map[string]string{"rrule": "FREQ is required"}},
		{"rrule minutely", Spec{StartsAt: start, RRule: "FREQ=MINUTELY"}, map[string]string{"rrule": "FREQ=MINUTELY is not supported"}},
		{"rrule bad freq", Spec{StartsAt: start, RRule: "FREQ=SOMETIMES"}, map[string]string{"rrule": "FREQ=SOMETIMES is not a frequency"}},
		{"rrule unknown part", Spec{StartsAt: start, RRule: "FREQ=DAILY;BYEASTER=0"}, map[string]string{"rrule": "unknown rule part 'BYEASTER'"}},
		{"rrule duplicate part", Spec{StartsAt: start, RRule: "FREQ=DAILY;FREQ=WEEKLY"}, map[string]string{"rrule": "FREQ is given twice"}},
		{"rrule BYHOUR 24", Spec{StartsAt: start, RRule: "FREQ=DAILY;BYHOUR=24"}, map[string]string{"rrule": "BYHOUR value '24' is out of range (0 to 23)"}},
		{"rrule BYMONTHDAY 0", Spec{StartsAt: start, RRule: "FREQ=MONTHLY;BYMONTHDAY=0"}, map[string]string{"rrule": "BYMONTHDAY value '0' is out of range (1 to 31 or -31 to -1)"}},
		{"rrule bad BYDAY", Spec{StartsAt: start, RRule: "FREQ=WEEKLY;BYDAY=XX"}, map[string]string{"rrule": "BYDAY value 'XX' is not a weekday"}},
		{"rrule numbered BYDAY on weekly", Spec{StartsAt: start, RRule: "FREQ=WEEKLY;BYDAY=1MO"}, map[string]string{"rrule": "needs FREQ=MONTHLY or YEARLY"}},
		{"rrule 6th Monday of a month", Spec{StartsAt: start, RRule: "FREQ=MONTHLY;BYDAY=6MO"}, map[string]string{"rrule": "at most 5"}},
		{"rrule interval 0", Spec{StartsAt: start, RRule: "FREQ=DAILY;INTERVAL=0"}, map[string]string{"rrule": "INTERVAL=0 is not a number from 1 to 1000"}},
		{"rrule COUNT and UNTIL", Spec{StartsAt: start, RRule: "FREQ=DAILY;COUNT=2;UNTIL=20270101"}, map[string]string{"rrule": "COUNT and UNTIL"}},
		{"rrule bad UNTIL", Spec{StartsAt: start, RRule: "FREQ=DAILY;UNTIL=tomorrow"}, map[string]string{"rrule": "UNTIL=tomorrow is not a date"}},
		{"rrule BYWEEKNO on monthly", Spec{StartsAt: start, RRule: "FREQ=MONTHLY;BYWEEKNO=1"}, map[string]string{"rrule": "BYWEEKNO is only allowed with FREQ=YEARLY"}},
		{"rrule BYYEARDAY on daily", Spec{StartsAt: start, RRule: "FREQ=DAILY;BYYEARDAY=1"}, map[string]string{"rrule": "BYYEARDAY is not allowed"}},
		{"rrule BYMONTHDAY on weekly", Spec{StartsAt: start, RRule: "FREQ=WEEKLY;BYMONTHDAY=1"}, map[string]string{"rrule": "BYMONTHDAY is not allowed with FREQ=WEEKLY"}},
		{"rrule lone BYSETPOS", Spec{StartsAt: start, RRule: "FREQ=MONTHLY;BYSETPOS=1"}, map[string]string{"rrule": "BYSETPOS needs another"}},
		{"rrule two seconds", Spec{StartsAt: start, RRule: "FREQ=DAILY;BYSECOND=0,30"}, map[string]string{"rrule": "BYSECOND may hold one value"}},
		{"rrule with DTSTART", Spec{StartsAt: start, RRule: "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY"}, map[string]string{"rrule": "give only the RRULE line"}},
		{"rrule valid with prefix and spaces", Spec{StartsAt: start, RRule: " RRULE:FREQ=WEEKLY; BYDAY=MO,+1TU ;"}, map[string]string{"rrule": "needs FREQ=MONTHLY"}},

		{"never: 30 February", Spec{StartsAt: start, RRule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, map[string]string{"rrule": "never runs"}},
		{"never: odd hours every two hours", Spec{StartsAt: start, RRule: "FREQ=HOURLY;INTERVAL=2;BYHOUR=1"}, map[string]string{"rrule": "never runs"}},
		{"never: weekly step on another weekday", Spec{StartsAt: start, Frequency: Daily, Interval: 7, ByWeekday: []string{"MO"}}, map[string]string{"frequency": "never runs"}},
		{"never: ends before the first run", Spec{StartsAt: start, Frequency: Monthly, ByMonthday: []int{15}, EndsAt: timep(start.AddDate(0, 0, 7))}, map[string]string{"ends_at": "no run falls between starts_at and ends_at (the first would be at 2026-02-15T10:00:00Z)"}},
		{"never: UNTIL before the first run", Spec{StartsAt: start, RRule: "FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20260201"}, map[string]string{"rrule": "UNTIL is before the first run (2026-02-15T10:00:00Z)"}},

		{"valid frequency", Spec{Timezone: "Europe/Berlin", StartsAt: start, Frequency: "Weekly", ByWeekday: []string{"tuesday", "FR"}, Count: intp(10)}, nil},
		{"valid rrule", Spec{Timezone: "America/New_York", StartsAt: start, RRule: "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"}, nil},
		{"valid once with ends_at equal", Spec{StartsAt: start, Frequency: Once, EndsAt: timep(start)}, nil},
		{"valid rare rule", Spec{StartsAt: start, RRule: "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=FR"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.spec.Validate()
			if tt.want == nil {
				if got != nil {
					t.Fatalf("Validate = %v, want nil", got)
				}
				return
			}
			for field, sub := range tt.want {
				if len(got[field]) == 0 || !strings.Contains(got[field][0], sub) {
					t.Errorf("Validate()[%q] = %q, want it to contain %q (all: %v)", field, got[field], sub, got)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("Validate = %v, want only fields %v", got, tt.want)
			}
		})
	}
}

func TestValidateReportsEverything(t *testing.T) {
	s := Spec{Timezone: "Nowhere/Else", Frequency: "weekly", Interval: 5000, ByWeekday: []string{"MO", "xx", "yy"}, ByMonthday: []int{1}, Count: intp(-1)}
	got := s.Validate()
	for field, n := range map[string]int{"timezone": 1, "starts_at": 1, "interval": 1, "by_weekday": 2, "by_monthday": 1, "count": 1} {
		if len(got[field]) != n {
			t.Errorf("%s: %q, want %d messages", field, got[field], n)
		}
	}
}

func TestSpecJSON(t *testing.T) {
	var s Spec
	body := `{"timezone":"Europe/Berlin","starts_at":"2026-03-01T09:00:00+01:00","frequency":"weekly","interval":2,
		"by_weekday":["MO","thursday"],"by_monthday":null,"ends_at":"2026-12-31T00:00:00Z","count":5,"rrule":""}`
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if s.Timezone != "Europe/Berlin" || s.Frequency != Weekly || s.Interval != 2 || len(s.ByWeekday) != 2 || *s.Count != 5 || s.EndsAt == nil {
		t.Fatalf("decoded %+v", s)
	}
	if errs := s.Validate(); errs != nil {
		t.Fatal(errs)
	}
	out, _ := json.Marshal(Spec{Timezone: "UTC", StartsAt: utc("2026-01-01T00:00:00Z"), RRule: "FREQ=DAILY"})
	if string(out) != `{"timezone":"UTC","starts_at":"2026-01-01T00:00:00Z","rrule":"FREQ=DAILY"}` {
		t.Errorf("JSON = %s", out)
	}
}
