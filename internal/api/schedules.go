package api

import (
	"strconv"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
)

// ScheduleView is a schedule as the API shows it.
type ScheduleView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Timezone   string     `json:"timezone" doc:"IANA zone; runs follow its wall clock, daylight saving time included"`
	StartsAt   time.Time  `json:"starts_at"`
	Frequency  *string    `json:"frequency" enum:"once,hourly,daily,weekly,monthly,quarterly,yearly" doc:"null for the RRULE form"`
	Interval   *int       `json:"interval" doc:"every n-th period; null for the RRULE form"`
	ByWeekday  []string   `json:"by_weekday"`
	ByMonthday []int      `json:"by_monthday"`
	EndsAt     *time.Time `json:"ends_at"`
	Count      *int       `json:"count" doc:"total runs, counted from starts_at"`
	RRule      *string    `json:"rrule" doc:"RFC 5545 rule; null for the frequency form"`
	NextRunAt  *time.Time `json:"next_run_at" doc:"the next run after now; null when no run is left"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

func scheduleView(s scanconfig.Schedule) ScheduleView {
	sp := s.Spec
	v := ScheduleView{ID: s.ID, Name: s.Name, Timezone: sp.Timezone, StartsAt: sp.StartsAt, ByWeekday: sp.ByWeekday,
		ByMonthday: sp.ByMonthday, EndsAt: sp.EndsAt, Count: sp.Count, NextRunAt: s.NextRunAt,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	if sp.RRule != "" {
		r := sp.RRule
		v.RRule = &r
	} else {
		f, n := sp.Frequency, sp.Interval
		v.Frequency, v.Interval = &f, &n
	}
	if v.ByWeekday == nil {
		v.ByWeekday = []string{}
	}
	if v.ByMonthday == nil {
		v.ByMonthday = []int{}
	}
	return v
}

type scheduleList struct {
	Schedules  []ScheduleView `json:"schedules"`
	Pagination Pagination     `json:"pagination"`
}

type scheduleEnvelope struct {
	Schedule ScheduleView `json:"schedule"`
}

// scheduleRequest is a schedule as clients write it (create, update and
// calculate_first_date). The fields are not shared through an embedded
// struct because decode errors would then name "scheduleRule.interval".
type scheduleRequest struct {
	Name       *string   `json:"name,omitempty" doc:"required on create"`
	Timezone   *string   `json:"timezone,omitempty" doc:"IANA zone, e.g. America/New_York (default UTC)"`
	StartsAt   *string   `json:"starts_at,omitempty" doc:"the earliest run: RFC 3339 (2026-03-01T09:00:00Z), or a wall-clock time in timezone (2026-03-01 09:00:00); a wall time that daylight saving time skips is refused"`
	Frequency  *string   `json:"frequency,omitempty" enum:"once,hourly,daily,weekly,monthly,quarterly,yearly" doc:"the frequency form; monthly on the 31st runs on the last day of shorter months (clamps)"`
	Interval   *int      `json:"interval,omitempty" doc:"every n-th period (1-1000, default 1)"`
	ByWeekday  *[]string `json:"by_weekday,omitempty" doc:"MO..SU or monday..sunday: weekly: the days to run; hourly/daily: only on these days"`
	ByMonthday *[]int    `json:"by_monthday,omitempty" doc:"1-31, -1 = last day: monthly/quarterly/yearly: the days to run; hourly/daily: only on these days"`
	EndsAt     *string   `json:"ends_at,omitempty" doc:"the last possible run, inclusive (same forms as starts_at; \"\" removes it)"`
	RRule      *string   `json:"rrule,omitempty" doc:"instead of frequency: an RFC 5545 rule, e.g. FREQ=MONTHLY;BYDAY=-1FR (months without a BYMONTHDAY day are skipped, per RFC 5545)"`
	Count      *int      `json:"count,omitempty" doc:"total runs, counted from starts_at (1-100000; on update 0 removes the limit)"`
}

func (r scheduleRequest) input() scanconfig.ScheduleInput {
	return scanconfig.ScheduleInput{Name: r.Name, Timezone: r.Timezone, StartsAt: r.StartsAt, Frequency: r.Frequency,
		Interval: r.Interval, ByWeekday: r.ByWeekday, ByMonthday: r.ByMonthday, EndsAt: r.EndsAt, Count: r.Count, RRule: r.RRule}
}

// calculateNextDatesRequest is a schedule's recurrence and how many dates to
// compute; count means the latter here, so the schedule's own count is
// schedule_count.
type calculateNextDatesRequest struct {
	Timezone      *string   `json:"timezone,omitempty" doc:"IANA zone, e.g. America/New_York (default UTC)"`
	StartsAt      *string   `json:"starts_at,omitempty" doc:"the earliest run: RFC 3339 (2026-03-01T09:00:00Z), or a wall-clock time in timezone (2026-03-01 09:00:00); a wall time that daylight saving time skips is refused"`
	Frequency     *string   `json:"frequency,omitempty" enum:"once,hourly,daily,weekly,monthly,quarterly,yearly" doc:"the frequency form; monthly on the 31st runs on the last day of shorter months (clamps)"`
	Interval      *int      `json:"interval,omitempty" doc:"every n-th period (1-1000, default 1)"`
	ByWeekday     *[]string `json:"by_weekday,omitempty" doc:"MO..SU or monday..sunday: weekly: the days to run; hourly/daily: only on these days"`
	ByMonthday    *[]int    `json:"by_monthday,omitempty" doc:"1-31, -1 = last day: monthly/quarterly/yearly: the days to run; hourly/daily: only on these days"`
	EndsAt        *string   `json:"ends_at,omitempty" doc:"the last possible run, inclusive (same forms as starts_at; \"\" removes it)"`
	RRule         *string   `json:"rrule,omitempty" doc:"instead of frequency: an RFC 5545 rule, e.g. FREQ=MONTHLY;BYDAY=-1FR (months without a BYMONTHDAY day are skipped, per RFC 5545)"`
	Count         *int      `json:"count,omitempty" doc:"how many dates to return (1-100, default 10)"`
	ScheduleCount *int      `json:"schedule_count,omitempty" doc:"the schedule's own count (total runs from starts_at)"`
}

func (a *API) listSchedules(c *Ctx, _ *NoBody) (*scheduleList, error) {
	ss, total, err := a.app.ListSchedules(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return &scheduleList{Schedules: views(ss, scheduleView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) createSchedule(c *Ctx, in *scheduleRequest) (*scheduleEnvelope, error) {
	s, err := a.app.CreateSchedule(c.Context(), c.Actor, in.input())
	if err != nil {
		return nil, err
	}
	return &scheduleEnvelope{scheduleView(s)}, nil
}

func (a *API) getSchedule(c *Ctx, _ *NoBody) (*scheduleEnvelope, error) {
	s, err := a.app.GetSchedule(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &scheduleEnvelope{scheduleView(s)}, nil
}

func (a *API) updateSchedule(c *Ctx, in *scheduleRequest) (*scheduleEnvelope, error) {
	s, err := a.app.UpdateSchedule(c.Context(), c.Actor, c.Path("id"), in.input())
	if err != nil {
		return nil, err
	}
	return &scheduleEnvelope{scheduleView(s)}, nil
}

func (a *API) deleteSchedule(c *Ctx, _ *NoBody) (*Empty, error) {
	force := false
	if v := c.Query("force"); v != "" {
		var err error
		if force, err = strconv.ParseBool(v); err != nil {
			return nil, &errs.Error{Code: errs.Malformed, Message: "Invalid query parameter force",
				Fields: map[string][]string{"force": {"'" + v + "' is not true or false"}}}
		}
	}
	return nil, a.app.DeleteSchedule(c.Context(), c.Actor, c.Path("id"), force)
}

func (a *API) deleteSchedules(c *Ctx, in *BulkDeleteRequest) (*BulkDeleteResponse, error) {
	n, err := a.app.DeleteSchedules(c.Context(), c.Actor, in.IDs)
	if err != nil {
		return nil, err
	}
	return &BulkDeleteResponse{Deleted: n}, nil
}

type firstDate struct {
	FirstRunAt time.Time `json:"first_run_at" doc:"the first run at or after starts_at, UTC"`
}

func (a *API) calculateFirstDate(c *Ctx, in *scheduleRequest) (*firstDate, error) {
	in.Name = nil
	t, err := a.app.CalculateFirstDate(c.Context(), c.Actor, in.input())
	if err != nil {
		return nil, err
	}
	return &firstDate{FirstRunAt: t}, nil
}

type nextDates struct {
	Dates []time.Time `json:"dates" doc:"the next runs after now, ascending, UTC; fewer than count when the schedule ends sooner"`
}

func (a *API) calculateNextDates(c *Ctx, in *calculateNextDatesRequest) (*nextDates, error) {
	count := 10
	if in.Count != nil {
		count = *in.Count
	}
	rule := scheduleRequest{Timezone: in.Timezone, StartsAt: in.StartsAt, Frequency: in.Frequency, Interval: in.Interval,
		ByWeekday: in.ByWeekday, ByMonthday: in.ByMonthday, EndsAt: in.EndsAt, RRule: in.RRule, Count: in.ScheduleCount}
	ds, err := a.app.CalculateNextDates(c.Context(), c.Actor, rule.input(), count)
	if err != nil {
		return nil, err
	}
	if ds == nil {
		ds = []time.Time{}
	}
	return &nextDates{Dates: ds}, nil
}
