package listing

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Accepted absolute formats: the CG "YYYY-MM-DD hh:mm:ss" (UTC), RFC 3339, and a
// bare date.
var dateLayouts = []string{"2006-01-02 15:04:05", time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"}

func parseDates(q url.Values, now time.Time) (from, to time.Time, err error) {
	if rel := strings.TrimSpace(q.Get("relative_date_range")); rel != "" {
		if q.Get("date_range_start") != "" || q.Get("date_range_end") != "" {
			return from, to, malformed("relative_date_range", "use either relative_date_range or date_range_start/date_range_end, not both")
		}
		from, to, err = ParseRelative(rel, now)
		if err != nil {
			return from, to, malformed("relative_date_range", "%s", err.Error())
		}
		return from, to, nil
	}
	if s := strings.TrimSpace(q.Get("date_range_start")); s != "" {
		t, _, ok := parseTime(s)
		if !ok {
			return from, to, malformed("date_range_start", "'%s' is not a date (YYYY-MM-DD hh:mm:ss or RFC 3339)", s)
		}
		from = t
	}
	if s := strings.TrimSpace(q.Get("date_range_end")); s != "" {
		t, dateOnly, ok := parseTime(s)
		if !ok {
			return from, to, malformed("date_range_end", "'%s' is not a date (YYYY-MM-DD hh:mm:ss or RFC 3339)", s)
		}
		if dateOnly { // a bare end date includes that whole day
			t = t.Add(24*time.Hour - time.Microsecond)
		}
		to = t
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return from, to, malformed("date_range_end", "date_range_end is before date_range_start")
	}
	return from, to, nil
}

// ParseTime parses one of the accepted date formats, in UTC when no zone is given.
func ParseTime(s string) (time.Time, bool) {
	t, _, ok := parseTime(s)
	return t, ok
}

func parseTime(s string) (t time.Time, dateOnly, ok bool) {
	for i, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), i == len(dateLayouts)-1, true
		}
	}
	return time.Time{}, false, false
}

type relErr string

func (e relErr) Error() string { return string(e) }

// ParseRelative parses a relative date range [CG]: "<n><unit>" means the last n
// units up to now (units s m h d M y q: seconds, minutes, hours, days, months,
// years, quarters); "<n>q<yyyy>" is the nth quarter of a year and "<n>M<yyyy>"
// the nth month of a year. The range is inclusive at both ends.
func ParseRelative(s string, now time.Time) (from, to time.Time, err error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i == len(s) || i > 6 {
		return from, to, relErr("'" + s + "' must look like 10d, 3M, 1y or 1q2020 (units s m h d M y q)")
	}
	n, _ := strconv.Atoi(s[:i])
	if n < 1 {
		return from, to, relErr("'" + s + "': the count must be at least 1")
	}
	unit, rest := s[i], s[i+1:]
	now = now.UTC()
	if rest != "" {
		year, err := strconv.Atoi(rest)
		if err != nil || len(rest) != 4 || year < 1970 {
			return from, to, relErr("'" + s + "': expected a four-digit year after the unit")
		}
		switch unit {
		case 'q':
			if n > 4 {
				return from, to, relErr("'" + s + "': a year has quarters 1 to 4")
			}
			from = time.Date(year, time.Month(3*(n-1)+1), 1, 0, 0, 0, 0, time.UTC)
			return from, from.AddDate(0, 3, 0).Add(-time.Microsecond), nil
		case 'M':
			if n > 12 {
				return from, to, relErr("'" + s + "': a year has months 1 to 12")
			}
			from = time.Date(year, time.Month(n), 1, 0, 0, 0, 0, time.UTC)
			return from, from.AddDate(0, 1, 0).Add(-time.Microsecond), nil
		default:
			return from, to, relErr("'" + s + "': only q and M take a year")
		}
	}
	switch unit {
	case 's':
		from = now.Add(-time.Duration(n) * time.Second)
	case 'm':
		from = now.Add(-time.Duration(n) * time.Minute)
	case 'h':
		from = now.Add(-time.Duration(n) * time.Hour)
	case 'd':
		from = now.AddDate(0, 0, -n)
	case 'M':
		from = now.AddDate(0, -n, 0)
	case 'y':
		from = now.AddDate(-n, 0, 0)
	case 'q':
		from = now.AddDate(0, -3*n, 0)
	default:
		return from, to, relErr("'" + s + "': unknown unit '" + string(unit) + "' (use s m h d M y q)")
	}
	return from, now, nil
}
