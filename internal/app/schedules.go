package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/schedule"
	"github.com/perimeterhq/perimeter/internal/store"
)

// Schedules (API.md §2.7) belong to the caller's current organization. The
// recurrence itself — daylight saving time, short months — is package
// schedule's; next_run_at is always computed from now when shown.

// MaxCalculatedDates is the most dates calculate_next_dates returns.
const MaxCalculatedDates = 100

// withNextRun sets the schedule's next run after now.
func (a *App) withNextRun(s scanconfig.Schedule) scanconfig.Schedule {
	s.NextRunAt = s.NextRun(a.now())
	return s
}

// ListSchedules lists the organization's schedules, each with its next run.
func (a *App) ListSchedules(ctx context.Context, act *Actor, p listing.Params) ([]scanconfig.Schedule, int, error) {
	if err := act.can("schedules", "read"); err != nil {
		return nil, 0, err
	}
	ss, total, err := a.store.R().FindSchedules(ctx, act.Org.ID, p)
	for i := range ss {
		ss[i] = a.withNextRun(ss[i])
	}
	return ss, total, err
}

// GetSchedule returns one of the organization's schedules with its next run;
// another organization's is not found.
func (a *App) GetSchedule(ctx context.Context, act *Actor, id string) (scanconfig.Schedule, error) {
	if err := act.can("schedules", "read"); err != nil {
		return scanconfig.Schedule{}, err
	}
	s, err := a.store.R().FindSchedule(ctx, act.Org.ID, id)
	if err != nil {
		return s, err
	}
	return a.withNextRun(s), nil
}

// NextScheduleRun returns the first run of an organization's schedule
// strictly after after, or nil when it has no run left: what the scans
// feature stores as a scan's next_run_at when a scan is created or its
// schedule changes. Another organization's schedule is not found.
func (a *App) NextScheduleRun(ctx context.Context, orgID, scheduleID string, after time.Time) (*time.Time, error) {
	s, err := a.store.R().FindSchedule(ctx, orgID, scheduleID)
	if err != nil {
		return nil, err
	}
	return s.NextRun(after), nil
}

// CreateSchedule adds a schedule to the caller's organization. It returns a
// 422 naming each bad field and value (unknown zone, bad weekday, an rrule
// that does not parse or never runs, …).
func (a *App) CreateSchedule(ctx context.Context, act *Actor, in scanconfig.ScheduleInput) (scanconfig.Schedule, error) {
	if err := act.can("schedules", "write"); err != nil {
		return scanconfig.Schedule{}, err
	}
	s, err := in.Apply(scanconfig.Schedule{})
	if err != nil {
		return s, err
	}
	now := a.now()
	s.ID, s.OrganizationID, s.CreatedAt, s.UpdatedAt = newID(), act.Org.ID, now, now
	s = a.withNextRun(s)
	err = a.store.Tx(ctx, func(q *store.Q) error {
		if err := q.CreateSchedule(ctx, s); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "schedule.create", "schedule", s.ID, map[string]any{"name": s.Name, "rule": describeSpec(s.Spec)})
	})
	return s, err
}

// describeSpec is a schedule's recurrence in one line, for the audit trail.
func describeSpec(sp schedule.Spec) string {
	var b strings.Builder
	if sp.RRule != "" {
		fmt.Fprintf(&b, "rrule %s", sp.RRule)
	} else {
		fmt.Fprintf(&b, "%s every %d", sp.Frequency, max(1, sp.Interval))
		if len(sp.ByWeekday) > 0 {
			fmt.Fprintf(&b, " on %s", strings.Join(sp.ByWeekday, ","))
		}
		if len(sp.ByMonthday) > 0 {
			fmt.Fprintf(&b, " on day %v", sp.ByMonthday)
		}
	}
	fmt.Fprintf(&b, " from %s %s", sp.StartsAt.Format(time.RFC3339), sp.Timezone)
	if sp.EndsAt != nil {
		fmt.Fprintf(&b, " until %s", sp.EndsAt.Format(time.RFC3339))
	}
	if sp.Count != nil {
		fmt.Fprintf(&b, " for %d runs", *sp.Count)
	}
	return b.String()
}

// UpdateSchedule changes one of the organization's schedules and stores its
// new next run. (Scans, a later feature, recompute their own next runs from
// it with NextScheduleRun in the same transaction.) It returns a 404 for
// another organization's schedule and a 422 naming each bad field.
func (a *App) UpdateSchedule(ctx context.Context, act *Actor, id string, in scanconfig.ScheduleInput) (scanconfig.Schedule, error) {
	if err := act.can("schedules", "write"); err != nil {
		return scanconfig.Schedule{}, err
	}
	var out scanconfig.Schedule
	err := a.store.Tx(ctx, func(q *store.Q) error {
		old, err := q.FindSchedule(ctx, act.Org.ID, id)
		if err != nil {
			return err
		}
		s, err := in.Apply(old)
		if err != nil {
			return err
		}
		s.UpdatedAt = a.now()
		s = a.withNextRun(s)
		if err := q.UpdateSchedule(ctx, act.Org.ID, s); err != nil {
			return err
		}
		// The scans on this schedule run at its new times from now on.
		if err := q.SetScheduleNextRuns(ctx, act.Org.ID, s.ID, s.NextRunAt); err != nil {
			return err
		}
		out = s
		d := audit.Diff{}
		d.Set("name", old.Name, s.Name)
		d.Set("rule", describeSpec(old.Spec), describeSpec(s.Spec))
		return a.record(ctx, q, act, "", "schedule.update", "schedule", s.ID, d)
	})
	return out, err
}

// DeleteSchedule removes one of the organization's schedules (404 for
// another organization's). Scans that run on a schedule make this a 409
// unless force, which detaches them (they keep running by hand).
func (a *App) DeleteSchedule(ctx context.Context, act *Actor, id string, force bool) error {
	_, err := a.deleteSchedules(ctx, act, []string{id}, force)
	if e, ok := errs.As(err); ok && e.Code == errs.NotFound {
		return errs.NotFoundf("Schedule")
	}
	return err
}

// DeleteSchedules removes schedules of the organization, all or nothing
// (spec §1.4): an id that is unknown or another organization's is a 404
// naming it, and nothing is deleted. It returns how many were deleted
// (duplicates count once); no ids, or more than store.MaxBulkIDs, is a 422.
func (a *App) DeleteSchedules(ctx context.Context, act *Actor, ids []string) (int, error) {
	return a.deleteSchedules(ctx, act, ids, false)
}

func (a *App) deleteSchedules(ctx context.Context, act *Actor, ids []string, force bool) (int, error) {
	if err := act.can("schedules", "write"); err != nil {
		return 0, err
	}
	uniq := slices.Compact(slices.Sorted(slices.Values(ids)))
	switch {
	case len(uniq) == 0:
		return 0, errs.Field("ids", "can't be empty: give the ids of the schedules to delete")
	case len(uniq) > store.MaxBulkIDs:
		return 0, errs.Field("ids", "at most %d ids per request, not %d", store.MaxBulkIDs, len(uniq))
	}
	var n int
	err := a.store.Tx(ctx, func(q *store.Q) error {
		// Find every schedule first, so the 404 can name the id.
		var found []scanconfig.Schedule
		for _, id := range uniq {
			s, err := q.FindSchedule(ctx, act.Org.ID, id)
			if errs.Is(err, errs.NotFound) {
				i := slices.Index(ids, id)
				return &errs.Error{Code: errs.NotFound, Message: fmt.Sprintf("Schedule %s not found; nothing was deleted", id),
					Fields: map[string][]string{fmt.Sprintf("ids[%d]", i): {fmt.Sprintf("'%s' not found", id)}}}
			}
			if err != nil {
				return err
			}
			found = append(found, s)
			used, err := q.CountScansUsing(ctx, act.Org.ID, "schedule_id", id, false)
			if err != nil {
				return err
			}
			switch {
			case used > 0 && !force:
				return errs.New(errs.Conflict, "Schedule %s is used by %d scan(s); delete with force=true to detach them", id, used)
			case used > 0:
				if err := q.DetachSchedule(ctx, act.Org.ID, id); err != nil {
					return err
				}
			}
		}
		var err error
		if n, err = q.DeleteOwned(ctx, "schedules", act.Org.ID, uniq); err != nil {
			return err
		}
		for _, s := range found {
			if err := a.record(ctx, q, act, "", "schedule.delete", "schedule", s.ID, map[string]any{"name": s.Name}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// CalculateFirstDate returns the first run of a schedule described by in
// (at or after its starts_at) without saving anything; an invalid schedule
// is a 422 naming the fields.
func (a *App) CalculateFirstDate(ctx context.Context, act *Actor, in scanconfig.ScheduleInput) (time.Time, error) {
	if err := act.can("schedules", "read"); err != nil {
		return time.Time{}, err
	}
	sp, err := in.Spec()
	if err != nil {
		return time.Time{}, err
	}
	first, ok := sp.First()
	if !ok { // Validate refuses schedules that never run; this is a safety net.
		return time.Time{}, errs.Field("starts_at", "the schedule has no run")
	}
	return first, nil
}

// CalculateNextDates returns the next count runs (1-100) of a schedule
// described by in, after now, without saving anything. A count outside
// 1-100 or an invalid schedule is a 422 naming the fields. Fewer dates come
// back when the schedule ends sooner.
func (a *App) CalculateNextDates(ctx context.Context, act *Actor, in scanconfig.ScheduleInput, count int) ([]time.Time, error) {
	if err := act.can("schedules", "read"); err != nil {
		return nil, err
	}
	f := errs.Fields{}
	if count < 1 || count > MaxCalculatedDates {
		f.Add("count", "%d is out of range (1-%d)", count, MaxCalculatedDates)
	}
	sp, err := in.Spec()
	if e, ok := errs.As(err); ok {
		f.Merge("", e.Fields)
	} else if err != nil {
		return nil, err
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return sp.Dates(a.now(), count), nil
}
