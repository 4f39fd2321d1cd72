package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/report"
)

const reportColumns = `r.id, r.organization_id, r.run_id, r.scan_id, r.target_id, r.product, r.name, r.created_at,
	COALESCE(s.name, ''), COALESCE(t.name, ''), sr.status, sr.finished_at, sr.pci_compliant`

const reportFrom = `reports r JOIN scan_runs sr ON sr.id = r.run_id
	LEFT JOIN scans s ON s.id = r.scan_id LEFT JOIN targets t ON t.id = r.target_id`

func scanReport(sc interface{ Scan(...any) error }) (report.Report, error) {
	var r report.Report
	err := sc.Scan(&r.ID, &r.OrganizationID, &r.RunID, &r.ScanID, &r.TargetID, &r.Product, &r.Name, timeCol{&r.CreatedAt},
		&r.ScanName, &r.TargetName, &r.RunStatus, nullTimeCol{&r.FinishedAt}, nullBoolCol{&r.PCICompliant})
	return r, err
}

// CreateReport inserts the report of a run and records it on the run.
func (q *Q) CreateReport(ctx context.Context, r report.Report) error {
	if _, err := q.exec(ctx, `INSERT INTO reports (id, organization_id, run_id, scan_id, target_id, product, name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING`,
		r.ID, r.OrganizationID, r.RunID, r.ScanID, r.TargetID, r.Product, r.Name, ts(r.CreatedAt)); err != nil {
		return err
	}
	_, err := q.exec(ctx, `UPDATE scan_runs SET report_id = (SELECT id FROM reports WHERE run_id = ? AND organization_id = ?)
		WHERE id = ? AND organization_id = ?`, r.RunID, r.OrganizationID, r.RunID, r.OrganizationID)
	return err
}

// FindReport returns a report of an organization with its files.
func (q *Q) FindReport(ctx context.Context, orgID, id string) (report.Report, error) {
	r, err := scanReport(q.queryRow(ctx, `SELECT `+reportColumns+` FROM `+reportFrom+` WHERE r.id = ? AND r.organization_id = ?`, id, orgID))
	if err != nil {
		return r, notFound(err, "Report")
	}
	files, err := q.filesOf(ctx, orgID, "report_id", []string{id})
	r.Files = files[id]
	return r, err
}

// reportListSQL is report.List in the SQL of FindReports.
var reportListSQL = bindList(&report.List, listSQL{
	Date: "sr.finished_at", ID: "r.id",
	Cols: map[string]colSQL{
		"name":          {Expr: "r.name"},
		"scan":          {Expr: "r.scan_id"},
		"scan_id":       {Expr: "r.scan_id"},
		"target":        {Expr: "r.target_id"},
		"target_id":     {Expr: "r.target_id"},
		"history_id":    {Expr: "r.run_id"},
		"product":       {Expr: "r.product"},
		"pci_compliant": {Expr: "sr.pci_compliant"},
		"created_at":    {Expr: "r.created_at"},
		"finished_at":   {Expr: "sr.finished_at"},
	},
})

// FindReports lists an organization's reports with their files.
func (q *Q) FindReports(ctx context.Context, orgID string, p listing.Params) ([]report.Report, int, error) {
	lq := listQuery{Select: reportColumns, From: reportFrom}
	lq.where("r.organization_id = ?", orgID)
	var out []report.Report
	total, err := q.runList(ctx, lq, reportListSQL, p, func(rows *sql.Rows) error {
		r, err := scanReport(rows)
		out = append(out, r)
		return err
	})
	if err != nil || len(out) == 0 {
		return out, total, err
	}
	ids := make([]string, len(out))
	for i, r := range out {
		ids[i] = r.ID
	}
	files, err := q.filesOf(ctx, orgID, "report_id", ids)
	for i := range out {
		out[i].Files = files[out[i].ID]
	}
	return out, total, err
}

const fileColumns = `id, organization_id, report_id, advanced_report_id, type, format, status, error, token, attempt, blob_key,
	size, sha256, requested_by, requested_at, heartbeat_at, generated_at`

func scanFile(sc interface{ Scan(...any) error }) (report.File, error) {
	var f report.File
	err := sc.Scan(&f.ID, &f.OrganizationID, nullStringCol{&f.ReportID}, nullStringCol{&f.AdvancedReportID}, &f.Type, &f.Format,
		&f.Status, &f.Error, &f.Token, &f.Attempt, &f.BlobKey, &f.Size, &f.SHA256, &f.RequestedBy, timeCol{&f.RequestedAt},
		nullTimeCol{&f.HeartbeatAt}, nullTimeCol{&f.GeneratedAt})
	return f, err
}

// filesOf returns the files of reports (owner "report_id") or advanced
// reports ("advanced_report_id"), keyed by owner id, by type then format.
func (q *Q) filesOf(ctx context.Context, orgID, owner string, ids []string) (map[string][]report.File, error) {
	out := map[string][]report.File{}
	rows, err := q.query(ctx, `SELECT `+fileColumns+` FROM report_files WHERE organization_id = ? AND `+owner+` IN (`+
		placeholders(len(ids))+`) ORDER BY type, format`, idArgs(orgID, ids)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		key := f.ReportID
		if owner == "advanced_report_id" {
			key = f.AdvancedReportID
		}
		out[key] = append(out[key], f)
	}
	return out, mapErr(rows.Err())
}

// FindFileOf returns the file of a report (or advanced report) in a type and
// format; not found when it was never requested.
func (q *Q) FindFileOf(ctx context.Context, orgID, ownerID string, advanced bool, t report.Type, f report.Format) (report.File, error) {
	owner := "report_id"
	if advanced {
		owner = "advanced_report_id"
	}
	file, err := scanFile(q.queryRow(ctx, `SELECT `+fileColumns+` FROM report_files WHERE organization_id = ? AND `+owner+` = ?
		AND type = ? AND format = ?`, orgID, ownerID, t, f))
	return file, notFound(err, "Report file")
}

// FileByID returns a file of any organization (the generation job).
func (q *Q) FileByID(ctx context.Context, id string) (report.File, error) {
	// By id only: a report.generate job carries just the file id and its claim token.
	f, err := scanFile(q.queryRow(ctx, `SELECT `+fileColumns+` FROM report_files WHERE id = ?`, id))
	return f, notFound(err, "Report file")
}

// SaveFileRequest inserts a requested file or, when it exists, marks it
// pending again under a new token (its complete blob stays downloadable).
func (q *Q) SaveFileRequest(ctx context.Context, f report.File) error {
	_, err := q.exec(ctx, `INSERT INTO report_files (id, organization_id, report_id, advanced_report_id, type, format, status,
		error, token, attempt, blob_key, size, sha256, requested_by, requested_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, 0, '', 0, '', ?, ?)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, error = '', token = excluded.token, attempt = 0,
		requested_by = excluded.requested_by, requested_at = excluded.requested_at, heartbeat_at = NULL`,
		f.ID, f.OrganizationID, nullString(f.ReportID), nullString(f.AdvancedReportID), f.Type, f.Format, f.Status, f.Token,
		f.RequestedBy, ts(f.RequestedAt))
	return err
}

// ClaimFile moves a file of token to processing for a new attempt (a job
// retried after its process died finds it processing under its own token);
// false when the token is no longer the file's (a newer request or the
// reaper took over) or the file is done or failed.
func (q *Q) ClaimFile(ctx context.Context, id, token string, at time.Time) (bool, error) {
	// By id and token only: the job knows no organization; its claim token is the authority.
	res, err := q.exec(ctx, `UPDATE report_files SET status = 'processing', attempt = attempt + 1, heartbeat_at = ?
		WHERE id = ? AND token = ? AND status IN ('pending', 'processing')`, ts(at), id, token)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// HeartbeatFile records that the generation of token is alive; false when it
// no longer owns the file (of organization orgID).
func (q *Q) HeartbeatFile(ctx context.Context, orgID, id, token string, at time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE report_files SET heartbeat_at = ?
		WHERE id = ? AND organization_id = ? AND token = ? AND status = 'processing'`, ts(at), id, orgID, token)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// CompleteFile records the complete blob of the generation of token and
// queues the previous blob for deletion (the file is f.ID of f.OrganizationID).
// It returns false (changing nothing) when token no longer owns the file.
func (q *Q) CompleteFile(ctx context.Context, f report.File, token string, at time.Time) (bool, error) {
	old, err := scanFile(q.queryRow(ctx, `SELECT `+fileColumns+` FROM report_files WHERE id = ? AND organization_id = ?`,
		f.ID, f.OrganizationID))
	if err != nil {
		return false, notFound(err, "Report file")
	}
	if old.Token != token || old.Status != report.FileProcessing {
		return false, nil
	}
	if _, err := q.exec(ctx, `UPDATE report_files SET status = 'done', error = '', blob_key = ?, size = ?, sha256 = ?,
		generated_at = ?, heartbeat_at = NULL WHERE id = ? AND organization_id = ? AND token = ?`,
		f.BlobKey, f.Size, f.SHA256, ts(at), f.ID, f.OrganizationID, token); err != nil {
		return false, err
	}
	if old.BlobKey != "" && old.BlobKey != f.BlobKey {
		if err := q.QueueGarbage(ctx, []string{old.BlobKey}, at); err != nil {
			return false, err
		}
	}
	return true, nil
}

// FailFile records why the generation of token failed (a file of organization
// orgID); the previous complete blob, if any, stays downloadable.
func (q *Q) FailFile(ctx context.Context, orgID, id, token, reason string) (bool, error) {
	res, err := q.exec(ctx, `UPDATE report_files SET status = 'failed', error = ?, heartbeat_at = NULL
		WHERE id = ? AND organization_id = ? AND token = ?`, reason, id, orgID, token)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// StaleFiles lists files being generated whose generator has not reported
// since before (its process died).
func (q *Q) StaleFiles(ctx context.Context, before time.Time) ([]report.File, error) {
	rows, err := q.query(ctx, `SELECT `+fileColumns+` FROM report_files WHERE status = 'processing' AND heartbeat_at < ?`, ts(before))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []report.File
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, mapErr(rows.Err())
}

// RequeueFile hands a stale file of organization orgID to a new generation
// under token.
func (q *Q) RequeueFile(ctx context.Context, orgID, id, oldToken, token string) (bool, error) {
	res, err := q.exec(ctx, `UPDATE report_files SET status = 'pending', token = ?, heartbeat_at = NULL
		WHERE id = ? AND organization_id = ? AND token = ? AND status = 'processing'`, token, id, orgID, oldToken)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// QueueGarbage records blobs to delete once the transaction commits.
func (q *Q) QueueGarbage(ctx context.Context, keys []string, at time.Time) error {
	for _, k := range keys {
		if _, err := q.exec(ctx, `INSERT INTO blob_garbage (blob_key, created_at) VALUES (?, ?) ON CONFLICT (blob_key) DO NOTHING`,
			k, ts(at)); err != nil {
			return err
		}
	}
	return nil
}

// QueueFileBlobs queues the blobs of the files of an organization's reports
// (owner "report_id"), advanced reports ("advanced_report_id") or the
// reports of scans ("scan_id"), before a deletion cascades to the file rows.
func (q *Q) QueueFileBlobs(ctx context.Context, orgID, owner string, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	cond := "f." + owner + " IN (" + placeholders(len(ids)) + ")"
	switch owner {
	case "report_id", "advanced_report_id":
	case "scan_id":
		cond = "f.report_id IN (SELECT id FROM reports WHERE scan_id IN (" + placeholders(len(ids)) + "))"
	default:
		panic("store: QueueFileBlobs of " + owner)
	}
	_, err := q.exec(ctx, `INSERT INTO blob_garbage (blob_key, created_at) SELECT f.blob_key, ? FROM report_files f
		WHERE f.organization_id = ? AND f.blob_key <> '' AND `+cond+` ON CONFLICT (blob_key) DO NOTHING`,
		append([]any{ts(at)}, idArgs(orgID, ids)...)...)
	return err
}

// QueueOrganizationBlobs queues every file blob of an organization before
// the organization is deleted.
func (q *Q) QueueOrganizationBlobs(ctx context.Context, orgID string, at time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO blob_garbage (blob_key, created_at) SELECT blob_key, ? FROM report_files
		WHERE organization_id = ? AND blob_key <> '' ON CONFLICT (blob_key) DO NOTHING`, ts(at), orgID)
	return err
}

// Garbage lists blobs awaiting deletion.
func (q *Q) Garbage(ctx context.Context, limit int) ([]string, error) {
	rows, err := q.query(ctx, `SELECT blob_key FROM blob_garbage ORDER BY created_at LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, mapErr(rows.Err())
}

// ForgetGarbage removes deleted blobs from the queue.
func (q *Q) ForgetGarbage(ctx context.Context, key string) error {
	_, err := q.exec(ctx, `DELETE FROM blob_garbage WHERE blob_key = ?`, key)
	return err
}

// DeleteReports removes reports of an organization with their files (all or
// nothing), queueing the files' blobs for deletion.
func (q *Q) DeleteReports(ctx context.Context, orgID string, ids []string, at time.Time) (int, error) {
	if len(ids) > 0 && len(ids) <= MaxBulkIDs {
		if err := q.QueueFileBlobs(ctx, orgID, "report_id", ids, at); err != nil {
			return 0, err
		}
		if _, err := q.exec(ctx, `UPDATE scan_runs SET report_id = NULL WHERE organization_id = ? AND report_id IN (`+
			placeholders(len(ids))+`)`, idArgs(orgID, ids)...); err != nil {
			return 0, err
		}
	}
	return q.DeleteOwned(ctx, "reports", orgID, ids)
}
