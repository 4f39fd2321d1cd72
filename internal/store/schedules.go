package store

import (
	"context"
	"database/sql"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
)

const scheduleColumns = `s.id, s.organization_id, s.name, s.timezone, s.starts_at, s.frequency, s.interval_n, s.by_weekday,
	s.by_monthday, s.ends_at, s.run_count, s.rrule, s.next_run_at, s.created_at, s.updated_at`

func scanSchedule(sc interface{ Scan(...any) error }) (scanconfig.Schedule, error) {
	var s scanconfig.Schedule
	var count sql.NullInt64
	sp := &s.Spec
	err := sc.Scan(&s.ID, &s.OrganizationID, &s.Name, &sp.Timezone, timeCol{&sp.StartsAt}, &sp.Frequency, &sp.Interval,
		jsonCol{&sp.ByWeekday}, jsonCol{&sp.ByMonthday}, nullTimeCol{&sp.EndsAt}, &count, &sp.RRule,
		nullTimeCol{&s.NextRunAt}, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt})
	if len(sp.ByWeekday) == 0 {
		sp.ByWeekday = nil // stored as "[]"; the domain's "none" is nil
	}
	if len(sp.ByMonthday) == 0 {
		sp.ByMonthday = nil
	}
	if count.Valid {
		n := int(count.Int64)
		sp.Count = &n
	}
	return s, err
}

func runCount(n *int) any {
	if n == nil {
		return nil
	}
	return *n
}

// arrayOrEmpty keeps JSON array columns arrays ("[]", never "null").
func arrayOrEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// CreateSchedule inserts a schedule.
func (q *Q) CreateSchedule(ctx context.Context, s scanconfig.Schedule) error {
	sp := s.Spec
	_, err := q.exec(ctx, `INSERT INTO schedules (id, organization_id, name, timezone, starts_at, frequency, interval_n,
		by_weekday, by_monthday, ends_at, run_count, rrule, next_run_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.OrganizationID, s.Name, sp.Timezone, ts(sp.StartsAt), sp.Frequency, sp.Interval,
		jsonVal(arrayOrEmpty(sp.ByWeekday)), jsonVal(arrayOrEmpty(sp.ByMonthday)), nts(sp.EndsAt), runCount(sp.Count), sp.RRule,
		nts(s.NextRunAt), ts(s.CreatedAt), ts(s.UpdatedAt))
	return err
}

// FindSchedule returns a schedule of the organization; another
// organization's is not found.
func (q *Q) FindSchedule(ctx context.Context, orgID, id string) (scanconfig.Schedule, error) {
	s, err := scanSchedule(q.queryRow(ctx, `SELECT `+scheduleColumns+` FROM schedules s WHERE s.id = ? AND s.organization_id = ?`, id, orgID))
	return s, notFound(err, "Schedule")
}

// scheduleListSQL is scanconfig.ScheduleListing in the SQL of FindSchedules.
var scheduleListSQL = bindList(&scanconfig.ScheduleListing, listSQL{
	Date: "s.created_at", ID: "s.id",
	Cols: map[string]colSQL{
		"name":       {Expr: "s.name"},
		"timezone":   {Expr: "s.timezone"},
		"frequency":  {Expr: "s.frequency"},
		"rrule":      {Expr: "s.rrule"},
		"starts_at":  {Expr: "s.starts_at"},
		"created_at": {Expr: "s.created_at"},
		"updated_at": {Expr: "s.updated_at"},
	},
})

// FindSchedules lists the organization's schedules.
func (q *Q) FindSchedules(ctx context.Context, orgID string, p listing.Params) ([]scanconfig.Schedule, int, error) {
	lq := listQuery{Select: scheduleColumns, From: "schedules s"}
	lq.where("s.organization_id = ?", orgID)
	var out []scanconfig.Schedule
	total, err := q.runList(ctx, lq, scheduleListSQL, p, func(r *sql.Rows) error {
		s, err := scanSchedule(r)
		out = append(out, s)
		return err
	})
	return out, total, err
}

// UpdateSchedule writes every field of an organization's schedule.
func (q *Q) UpdateSchedule(ctx context.Context, orgID string, s scanconfig.Schedule) error {
	sp := s.Spec
	res, err := q.exec(ctx, `UPDATE schedules SET name = ?, timezone = ?, starts_at = ?, frequency = ?, interval_n = ?,
		by_weekday = ?, by_monthday = ?, ends_at = ?, run_count = ?, rrule = ?, next_run_at = ?, updated_at = ?
		WHERE id = ? AND organization_id = ?`,
		s.Name, sp.Timezone, ts(sp.StartsAt), sp.Frequency, sp.Interval, jsonVal(arrayOrEmpty(sp.ByWeekday)),
		jsonVal(arrayOrEmpty(sp.ByMonthday)), nts(sp.EndsAt), runCount(sp.Count), sp.RRule, nts(s.NextRunAt),
		ts(s.UpdatedAt), s.ID, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(sql.ErrNoRows, "Schedule")
	}
	return nil
}

// DeleteSchedule removes an organization's schedule.
func (q *Q) DeleteSchedule(ctx context.Context, orgID, id string) error {
	res, err := q.exec(ctx, `DELETE FROM schedules WHERE id = ? AND organization_id = ?`, id, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(sql.ErrNoRows, "Schedule")
	}
	return nil
}
