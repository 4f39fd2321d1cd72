package schedule

// matchDay applies the day rules to one date.
func (r *rule) matchDay(day int64, y, m, d int) bool {
	if r.byMonth != 0 && r.byMonth&(1<<m) == 0 {
		return false
	}
	mlen := daysIn(y, m)
	if len(r.byMonthDay) > 0 {
		ok := false
		for _, n := range r.byMonthDay {
			if n > 0 && (n == d || r.clamp && n > mlen && d == mlen) || n < 0 && mlen+1+n == d {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	yday, ylen := 0, 0
	if len(r.byYearDay) > 0 || len(r.byDay) > 0 && r.freq == freqYearly && r.byMonth == 0 {
		yday, ylen = int(day-daysFromCivil(y, 1, 1))+1, yearLen(y)
	}
	if len(r.byDay) > 0 {
		wd := weekdayOf(day)
		ok := false
		for _, e := range r.byDay {
			if e.wd != wd {
				continue
			}
			if e.n == 0 {
				ok = true
				break
			}
			// Ordinals count within the month for monthly rules and yearly
			// rules limited by BYMONTH, otherwise within the year.
			pos, length := d, mlen
			if r.freq == freqYearly && r.byMonth == 0 {
				pos, length = yday, ylen
			}
			if e.n > 0 && (pos-1)/7+1 == e.n || e.n < 0 && (length-pos)/7+1 == -e.n {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(r.byYearDay) > 0 {
		ok := false
		for _, n := range r.byYearDay {
			if n > 0 && n == yday || n < 0 && ylen+1+n == yday {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(r.byWeekNo) > 0 {
		week, weeks := weekNumber(day, y, r.wkst)
		ok := false
		for _, n := range r.byWeekNo {
			if n > 0 && n == week || n < 0 && weeks+1+n == week {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
