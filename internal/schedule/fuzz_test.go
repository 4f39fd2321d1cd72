package schedule

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func FuzzSpec(f *testing.F) {
	zones := []string{"", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Apia", "bogus/zone"}
	f.Add(uint8(1), int64(1772951400), "daily", 1, "", "", int64(0), 0, "")
	f.Add(uint8(3), int64(1775300000), "hourly", 3, "MO,friday", "-1,15", int64(86400*30), 20, "")
	f.Add(uint8(2), int64(1769853600), "monthly", 1, "", "31", int64(0), 0, "")
	f.Add(uint8(1), int64(1769853600), "", 0, "", "", int64(0), 0, "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")
	f.Add(uint8(1), int64(1769853600), "", 0, "", "", int64(0), 0, "FREQ=HOURLY;INTERVAL=2;BYHOUR=1")
	f.Add(uint8(0), int64(1769853600), "", 0, "", "", int64(0), 0, "FREQ=YEARLY;BYWEEKNO=-1,1;BYDAY=SU;BYHOUR=0,23;BYMINUTE=0,59")
	f.Add(uint8(4), int64(253402214400), "yearly", 1000, "", "29", int64(0), 3, "")
	f.Fuzz(func(t *testing.T, zone uint8, startUnix int64, freq string, interval int, weekdays, monthdays string, endsIn int64, count int, rrule string) {
		s := Spec{
			Timezone:  zones[int(zone)%len(zones)],
			StartsAt:  time.Unix(startUnix%(300*365*86400), 0),
			Frequency: freq,
			Interval:  interval,
			RRule:     rrule,
		}
		if weekdays != "" {
			s.ByWeekday = strings.Split(weekdays, ",")
		}
		for _, d := range strings.Split(monthdays, ",") {
			if n, err := strconv.Atoi(d); err == nil {
				s.ByMonthday = append(s.ByMonthday, n)
			}
		}
		if endsIn != 0 {
			e := s.StartsAt.Add(time.Duration(endsIn%(1<<40)) * time.Second)
			s.EndsAt = &e
		}
		if count != 0 {
			s.Count = &count
		}
		errs := s.Validate()
		first, ok := s.First()
		if errs == nil && !ok {
			t.Fatalf("valid spec %+v has no first run", s)
		}
		if errs != nil && ok && !strings.Contains(strings.Join(errs["rrule"], "")+strings.Join(errs["frequency"], ""), "never") {
			t.Fatalf("invalid spec %+v (%v) has a first run", s, errs)
		}
		if !ok {
			return
		}
		if first.Before(s.StartsAt.Truncate(time.Second)) || s.EndsAt != nil && first.After(*s.EndsAt) {
			t.Fatalf("first run %s outside [%s, %v]", first, s.StartsAt, s.EndsAt)
		}
		dates := s.Dates(first, 30)
		prev := first
		for _, d := range dates {
			if !d.After(prev) || d.Location() != time.UTC {
				t.Fatalf("%+v: %s does not follow %s", s, d, prev)
			}
			if s.EndsAt != nil && d.After(*s.EndsAt) {
				t.Fatalf("%+v: run %s after ends_at", s, d)
			}
			prev = d
		}
		if s.Count != nil && len(dates)+1 > *s.Count {
			t.Fatalf("%+v: %d runs exceed count", s, len(dates)+1)
		}
		if len(dates) > 0 {
			if n, ok := s.Next(first); !ok || !n.Equal(dates[0]) {
				t.Fatalf("Next(first) = %s, %v; Dates gave %s", n, ok, dates[0])
			}
		}
	})
}
