package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scan"
)

const scanColumns = `s.id, s.organization_id, s.name, s.description, s.target_id, s.scanner_id, s.scan_profile_id,
	s.schedule_id, s.product, s.status, s.progress, s.next_run_at, s.last_run_id, s.created_by, s.created_at, s.updated_at`

func scanScan(sc interface{ Scan(...any) error }) (scan.Scan, error) {
	var s scan.Scan
	err := sc.Scan(&s.ID, &s.OrganizationID, &s.Name, &s.Description, &s.TargetID, &s.ScannerID, &s.ScanProfileID,
		nullStringCol{&s.ScheduleID}, &s.Product, &s.Status, &s.Progress, nullTimeCol{&s.NextRunAt}, nullStringCol{&s.LastRunID},
		&s.CreatedBy, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt})
	return s, err
}

// CreateScan inserts a scan.
func (q *Q) CreateScan(ctx context.Context, s scan.Scan) error {
	_, err := q.exec(ctx, `INSERT INTO scans (id, organization_id, name, description, target_id, scanner_id, scan_profile_id,
		schedule_id, product, status, progress, next_run_at, last_run_id, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.OrganizationID, s.Name, s.Description, s.TargetID, s.ScannerID, s.ScanProfileID, nullString(s.ScheduleID),
		s.Product, s.Status, s.Progress, nts(s.NextRunAt), nullString(s.LastRunID), s.CreatedBy, ts(s.CreatedAt), ts(s.UpdatedAt))
	return err
}

// FindScan returns a scan of an organization.
func (q *Q) FindScan(ctx context.Context, orgID, id string) (scan.Scan, error) {
	s, err := scanScan(q.queryRow(ctx, `SELECT `+scanColumns+` FROM scans s WHERE s.id = ? AND s.organization_id = ?`, id, orgID))
	return s, notFound(err, "Scan")
}

// scanListSQL is scan.List in the SQL of FindScans.
var scanListSQL = bindList(&scan.List, listSQL{
	Date: "s.created_at", ID: "s.id",
	Cols: map[string]colSQL{
		"name":            {Expr: "s.name"},
		"status":          {Expr: "s.status"},
		"product":         {Expr: "s.product"},
		"target_id":       {Expr: "s.target_id"},
		"scanner_id":      {Expr: "s.scanner_id"},
		"schedule_id":     {Expr: "s.schedule_id"},
		"scan_profile_id": {Expr: "s.scan_profile_id"},
		"created_at":      {Expr: "s.created_at"},
		"updated_at":      {Expr: "s.updated_at"},
		"next_run_at":     {Expr: "s.next_run_at"},
	},
})

// FindScans lists an organization's scans.
func (q *Q) FindScans(ctx context.Context, orgID string, f scan.Filter, p listing.Params) ([]scan.Scan, int, error) {
	lq := listQuery{Select: scanColumns, From: "scans s"}
	lq.where("s.organization_id = ?", orgID)
	if f.Scheduled {
		lq.where("s.schedule_id IS NOT NULL AND s.next_run_at IS NOT NULL")
	}
	if len(f.Statuses) > 0 {
		args := make([]any, len(f.Statuses))
		for i, st := range f.Statuses {
			args[i] = st
		}
		lq.where("s.status IN ("+placeholders(len(args))+")", args...)
	}
	var out []scan.Scan
	total, err := q.runList(ctx, lq, scanListSQL, p, func(r *sql.Rows) error {
		s, err := scanScan(r)
		out = append(out, s)
		return err
	})
	return out, total, err
}

// UpdateScan writes a scan's configuration fields.
func (q *Q) UpdateScan(ctx context.Context, s scan.Scan) error {
	_, err := q.exec(ctx, `UPDATE scans SET name = ?, description = ?, target_id = ?, scanner_id = ?, scan_profile_id = ?,
		schedule_id = ?, product = ?, next_run_at = ?, updated_at = ? WHERE id = ? AND organization_id = ?`,
		s.Name, s.Description, s.TargetID, s.ScannerID, s.ScanProfileID, nullString(s.ScheduleID), s.Product,
		nts(s.NextRunAt), ts(s.UpdatedAt), s.ID, s.OrganizationID)
	return err
}

// SetScanRunState mirrors the latest run's status and progress onto its scan
// (of organization orgID).
func (q *Q) SetScanRunState(ctx context.Context, orgID, scanID, runID, status string, progress float64, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE scans SET status = ?, progress = ?, last_run_id = ?, updated_at = ?
		WHERE id = ? AND organization_id = ?`, status, progress, runID, ts(at), scanID, orgID)
	return err
}

// AdvanceScanSchedule moves the next run of a scan of an organization from
// prev to next, only if it is still prev (compare-and-set: of several nodes
// ticking at once, one wins).
func (q *Q) AdvanceScanSchedule(ctx context.Context, orgID, scanID string, prev time.Time, next *time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE scans SET next_run_at = ? WHERE id = ? AND organization_id = ? AND next_run_at = ?`,
		nts(next), scanID, orgID, ts(prev))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DueScans lists scans (of every organization) whose scheduled run is due.
func (q *Q) DueScans(ctx context.Context, now time.Time, limit int) ([]scan.Scan, error) {
	rows, err := q.query(ctx, `SELECT `+scanColumns+` FROM scans s WHERE s.schedule_id IS NOT NULL AND s.next_run_at <= ?
		ORDER BY s.next_run_at LIMIT ?`, ts(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []scan.Scan
	for rows.Next() {
		s, err := scanScan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, mapErr(rows.Err())
}

// SetScheduleNextRuns sets next_run_at of every scan on a schedule.
func (q *Q) SetScheduleNextRuns(ctx context.Context, orgID, scheduleID string, next *time.Time) error {
	_, err := q.exec(ctx, `UPDATE scans SET next_run_at = ? WHERE organization_id = ? AND schedule_id = ?`, nts(next), orgID, scheduleID)
	return err
}

// CountScansUsing counts an organization's scans referring to a resource
// (column is "target_id", "scanner_id", "schedule_id" or "scan_profile_id");
// activeOnly counts only those with a queued or running run.
func (q *Q) CountScansUsing(ctx context.Context, orgID, column, id string, activeOnly bool) (int, error) {
	switch column {
	case "target_id", "scanner_id", "schedule_id", "scan_profile_id":
	default:
		panic("store: CountScansUsing: unknown column " + column)
	}
	query := `SELECT COUNT(*) FROM scans WHERE organization_id = ? AND ` + column + ` = ?`
	if activeOnly {
		query += ` AND status IN ('queued', 'running', 'stopping')`
	}
	var n int
	err := q.queryRow(ctx, query, orgID, id).Scan(&n)
	return n, mapErr(err)
}

// DetachSchedule removes a schedule from the scans using it.
func (q *Q) DetachSchedule(ctx context.Context, orgID, scheduleID string) error {
	_, err := q.exec(ctx, `UPDATE scans SET schedule_id = NULL, next_run_at = NULL WHERE organization_id = ? AND schedule_id = ?`, orgID, scheduleID)
	return err
}

// DeleteScans deletes scans (and, by cascade, their runs and per-run results)
// of an organization, all or nothing. Organization-wide findings stay: they
// belong to the hosts, not to a scan.
func (q *Q) DeleteScans(ctx context.Context, orgID string, ids []string) (int, error) {
	return q.DeleteOwned(ctx, "scans", orgID, ids)
}

// LockOrganization serializes concurrent changes that count an organization's
// rows (run limits) on PostgreSQL; SQLite's single writer already does.
func (q *Q) LockOrganization(ctx context.Context, orgID string) error {
	if q.d.engine != Postgres {
		return nil
	}
	// organizations is the tenant table itself: its id is the tenant.
	_, err := q.exec(ctx, `SELECT id FROM organizations WHERE id = ? FOR UPDATE`, orgID)
	return err
}

// CountActiveScans counts an organization's scans with a run queued or running.
func (q *Q) CountActiveScans(ctx context.Context, orgID string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM scans WHERE organization_id = ? AND status IN ('queued', 'running', 'stopping')`, orgID).Scan(&n)
	return n, mapErr(err)
}
