package schedule

import "time"

// Recurrences are computed on "floating" wall-clock time: seconds since
// 1970-01-01T00:00:00 read as a local date and time with no zone. Only when a
// candidate is chosen is it mapped to a real instant in the schedule's zone
// (see zone.go). Days are counted the same way, from 1970-01-01.

const secondsPerDay = 86400

// daysFromCivil returns the day number of a proleptic Gregorian date
// (Howard Hinnant's algorithm); it is exact for every year this package uses.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(int64(y), 400)
	yoe := int64(y) - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func yearLen(y int) int {
	if isLeap(y) {
		return 366
	}
	return 365
}

// weekdayOf returns the weekday of a day number (1970-01-01 was a Thursday).
func weekdayOf(day int64) time.Weekday {
	return time.Weekday((floorMod(day, 7) + 4) % 7)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// weekStart returns the first day of the week holding day, weeks starting on wkst.
func weekStart(day int64, wkst time.Weekday) int64 {
	return day - int64((int(weekdayOf(day))-int(wkst)+7)%7)
}

// firstWeek returns the first day of week 1 of year y in the RFC 5545 sense:
// the first week, starting on wkst, with at least four days in y.
func firstWeek(y int, wkst time.Weekday) int64 {
	jan1 := daysFromCivil(y, 1, 1)
	ws := weekStart(jan1, wkst)
	if jan1-ws >= 4 {
		ws += 7
	}
	return ws
}

// weekNumber returns day's week number (1-53) and the number of weeks of the
// week-numbering year it belongs to, which may be the year before or after
// its calendar year y.
func weekNumber(day int64, y int, wkst time.Weekday) (week, weeks int) {
	start := firstWeek(y, wkst)
	if day < start {
		y--
		start = firstWeek(y, wkst)
	} else if next := firstWeek(y+1, wkst); day >= next {
		y++
		start = next
	}
	weeks = int((firstWeek(y+1, wkst) - start) / 7)
	return int((day-start)/7) + 1, weeks
}

// floating returns the wall-clock seconds of t in loc.
func floating(t time.Time, loc *time.Location) int64 {
	_, off := t.In(loc).Zone()
	return t.Unix() + int64(off)
}
