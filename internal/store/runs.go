package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scan"
)

const runColumns = `r.id, r.organization_id, r.scan_id, r.target_id, r.status, r.trigger_kind, r.attempt, r.progress, r.hosts,
	r.exclude_hosts, r.ports, r.engine_profile, r.settings, r.stats, r.pci_compliant, r.error, r.log, r.report_id,
	r.queued_at, r.started_at, r.heartbeat_at, r.finished_at, r.created_by`

// nullBoolCol scans a nullable BOOLEAN into a *bool.
type nullBoolCol struct{ dst **bool }

func (c nullBoolCol) Scan(v any) error {
	var b sql.NullBool
	if err := b.Scan(v); err != nil {
		return err
	}
	if !b.Valid {
		*c.dst = nil
		return nil
	}
	*c.dst = &b.Bool
	return nil
}

func scanRun(sc interface{ Scan(...any) error }) (scan.Run, error) {
	var r scan.Run
	err := sc.Scan(&r.ID, &r.OrganizationID, &r.ScanID, &r.TargetID, &r.Status, &r.Trigger, &r.Attempt, &r.Progress, &r.Hosts,
		&r.ExcludeHosts, &r.Ports, &r.EngineProfile, jsonCol{&r.Settings}, jsonCol{&r.Stats}, nullBoolCol{&r.PCICompliant},
		&r.Error, jsonCol{&r.Log}, nullStringCol{&r.ReportID}, timeCol{&r.QueuedAt}, nullTimeCol{&r.StartedAt},
		nullTimeCol{&r.HeartbeatAt}, nullTimeCol{&r.FinishedAt}, &r.CreatedBy)
	return r, err
}

// CreateRun inserts a run (queued).
func (q *Q) CreateRun(ctx context.Context, r scan.Run) error {
	if r.Log == nil {
		r.Log = []scan.LogEntry{}
	}
	_, err := q.exec(ctx, `INSERT INTO scan_runs (id, organization_id, scan_id, target_id, status, trigger_kind, attempt, progress,
		hosts, exclude_hosts, ports, engine_profile, settings, stats, error, log, queued_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.OrganizationID, r.ScanID, r.TargetID, r.Status, r.Trigger, r.Attempt, r.Progress, r.Hosts, r.ExcludeHosts,
		r.Ports, r.EngineProfile, jsonVal(r.Settings), jsonVal(r.Stats), r.Error, jsonVal(r.Log), ts(r.QueuedAt), r.CreatedBy)
	return err
}

// FindRun returns a run of a scan of an organization.
func (q *Q) FindRun(ctx context.Context, orgID, scanID, id string) (scan.Run, error) {
	r, err := scanRun(q.queryRow(ctx, `SELECT `+runColumns+` FROM scan_runs r WHERE r.id = ? AND r.scan_id = ? AND r.organization_id = ?`,
		id, scanID, orgID))
	return r, notFound(err, "History")
}

// RunByID returns a run without a tenancy check, for the job runner (which
// works on behalf of the run's own organization).
func (q *Q) RunByID(ctx context.Context, id string) (scan.Run, error) {
	// By id only: a scan.run job carries just the run id; the run row tells its organization.
	r, err := scanRun(q.queryRow(ctx, `SELECT `+runColumns+` FROM scan_runs r WHERE r.id = ?`, id))
	return r, notFound(err, "History")
}

// runListSQL is scan.RunList in the SQL of FindRuns and RecentRuns.
var runListSQL = bindList(&scan.RunList, listSQL{
	Date: "r.queued_at", ID: "r.id",
	Cols: map[string]colSQL{
		"status":         {Expr: "r.status"},
		"trigger":        {Expr: "r.trigger_kind"},
		"pci_compliant":  {Expr: "r.pci_compliant"},
		"queued_at":      {Expr: "r.queued_at"},
		"started_at":     {Expr: "r.started_at"},
		"finished_at":    {Expr: "r.finished_at"},
		"findings_count": {Expr: "r.findings_count"},
	},
})

// FindRuns lists the runs of a scan.
func (q *Q) FindRuns(ctx context.Context, orgID, scanID string, p listing.Params) ([]scan.Run, int, error) {
	lq := listQuery{Select: runColumns, From: "scan_runs r"}
	lq.where("r.organization_id = ? AND r.scan_id = ?", orgID, scanID)
	var out []scan.Run
	total, err := q.runList(ctx, lq, runListSQL, p, func(rows *sql.Rows) error {
		r, err := scanRun(rows)
		out = append(out, r)
		return err
	})
	return out, total, err
}

// RecentRuns lists an organization's finished runs, newest first.
func (q *Q) RecentRuns(ctx context.Context, orgID string, p listing.Params) ([]scan.Run, int, error) {
	lq := listQuery{Select: runColumns, From: "scan_runs r"}
	lq.where("r.organization_id = ? AND r.finished_at IS NOT NULL", orgID)
	var out []scan.Run
	if p.Sort.Name == "" || p.Sort.Name == "queued_at" {
		p.Sort, _ = scan.RunList.Column("finished_at")
		p.Desc = true
	}
	total, err := q.runList(ctx, lq, runListSQL, p, func(rows *sql.Rows) error {
		r, err := scanRun(rows)
		out = append(out, r)
		return err
	})
	return out, total, err
}

// CountRuns counts a scan's runs.
func (q *Q) CountRuns(ctx context.Context, scanID string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM scan_runs WHERE scan_id = ?`, scanID).Scan(&n)
	return n, mapErr(err)
}

// CountRunning counts an organization's runs being executed (running or
// stopping), except one.
func (q *Q) CountRunning(ctx context.Context, orgID, exceptID string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM scan_runs WHERE organization_id = ? AND status IN ('running', 'stopping') AND id <> ?`,
		orgID, exceptID).Scan(&n)
	return n, mapErr(err)
}

// StartRun marks a run of an organization running for an attempt.
func (q *Q) StartRun(ctx context.Context, orgID, id string, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE scan_runs SET status = 'running', started_at = COALESCE(started_at, ?), heartbeat_at = ?
		WHERE id = ? AND organization_id = ?`, ts(at), ts(at), id, orgID)
	return err
}

// HeartbeatRun records a live worker's progress and returns the run's status
// (so the worker learns of a stop request).
func (q *Q) HeartbeatRun(ctx context.Context, orgID, id string, attempt int, progress float64, at time.Time) (string, error) {
	if _, err := q.exec(ctx, `UPDATE scan_runs SET progress = ?, heartbeat_at = ? WHERE id = ? AND organization_id = ? AND attempt = ?`,
		progress, ts(at), id, orgID, attempt); err != nil {
		return "", err
	}
	var status string
	err := q.queryRow(ctx, `SELECT status FROM scan_runs WHERE id = ? AND organization_id = ?`, id, orgID).Scan(&status)
	return status, mapErr(err)
}

// SetRunStatus changes the status of a run of an organization; from, when not
// empty, must be its current status (compare-and-set). It reports whether the
// row changed.
func (q *Q) SetRunStatus(ctx context.Context, orgID, id, from, to string) (bool, error) {
	query, args := `UPDATE scan_runs SET status = ? WHERE id = ? AND organization_id = ?`, []any{to, id, orgID}
	if from != "" {
		query += ` AND status = ?`
		args = append(args, from)
	}
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RequeueRun puts a run of an organization whose worker died back in the
// queue for attempt.
func (q *Q) RequeueRun(ctx context.Context, orgID, id string, attempt int, log []scan.LogEntry) error {
	_, err := q.exec(ctx, `UPDATE scan_runs SET status = 'queued', attempt = ?, heartbeat_at = NULL, log = ?
		WHERE id = ? AND organization_id = ?`, attempt, jsonVal(log), id, orgID)
	return err
}

// FinishRun records a run's end: status, stats, verdict, error and log (the
// run is r.ID of r.OrganizationID).
func (q *Q) FinishRun(ctx context.Context, r scan.Run) error {
	_, err := q.exec(ctx, `UPDATE scan_runs SET status = ?, progress = ?, stats = ?, hosts_total = ?, hosts_up = ?, findings_count = ?,
		critical_count = ?, high_count = ?, medium_count = ?, low_count = ?, info_count = ?, pci_compliant = ?, error = ?, log = ?,
		finished_at = ?, heartbeat_at = ? WHERE id = ? AND organization_id = ?`,
		r.Status, r.Progress, jsonVal(r.Stats), r.Stats.HostsTotal, r.Stats.HostsUp, r.Stats.Findings, r.Stats.Critical, r.Stats.High,
		r.Stats.Medium, r.Stats.Low, r.Stats.Info, r.PCICompliant, r.Error, jsonVal(r.Log), nts(r.FinishedAt), nts(r.HeartbeatAt), r.ID,
		r.OrganizationID)
	if err != nil {
		return err
	}
	return q.BumpResultsVersion(ctx, r.OrganizationID)
}

// StaleRuns lists runs (of every organization) being executed whose worker has
// not reported since before: their process died.
func (q *Q) StaleRuns(ctx context.Context, before time.Time) ([]scan.Run, error) {
	rows, err := q.query(ctx, `SELECT `+runColumns+` FROM scan_runs r WHERE r.status IN ('running', 'stopping')
		AND COALESCE(r.heartbeat_at, r.started_at, r.queued_at) < ?`, ts(before))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []scan.Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

// PreviousRun returns the scan's last completed or stopped run before a run.
func (q *Q) PreviousRun(ctx context.Context, scanID string, before time.Time) (scan.Run, error) {
	r, err := scanRun(q.queryRow(ctx, `SELECT `+runColumns+` FROM scan_runs r WHERE r.scan_id = ? AND r.queued_at < ?
		AND r.status IN ('completed', 'stopped') ORDER BY r.queued_at DESC LIMIT 1`, scanID, ts(before)))
	return r, notFound(err, "History")
}
