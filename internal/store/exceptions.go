package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/perimeterhq/perimeter/internal/exception"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scan"
)

const exceptionColumns = `e.id, e.organization_id, e.type, e.status, e.check_id, e.host, e.port, e.protocol, e.reason,
	e.expires_at, e.created_by, e.activated_by, e.activated_at, e.expired_at, e.created_at, e.updated_at,
	(SELECT COUNT(*) FROM findings f WHERE f.exception_id = e.id AND f.organization_id = e.organization_id)`

func scanException(sc interface{ Scan(...any) error }) (exception.Exception, error) {
	var e exception.Exception
	var port sql.NullInt64
	err := sc.Scan(&e.ID, &e.OrganizationID, &e.Type, &e.Status, &e.CheckID, &e.Host, &port, &e.Protocol, &e.Reason,
		nullTimeCol{&e.ExpiresAt}, &e.CreatedBy, &e.ActivatedBy, nullTimeCol{&e.ActivatedAt}, nullTimeCol{&e.ExpiredAt},
		timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt}, &e.Findings)
	if port.Valid {
		p := int(port.Int64)
		e.Port = &p
	}
	return e, err
}

func nullPort(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// CreateException inserts an exception.
func (q *Q) CreateException(ctx context.Context, e exception.Exception) error {
	_, err := q.exec(ctx, `INSERT INTO exceptions (id, organization_id, type, status, check_id, host, port, protocol, reason,
		expires_at, created_by, activated_by, activated_at, expired_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.OrganizationID, e.Type, e.Status, e.CheckID, e.Host, nullPort(e.Port), e.Protocol, e.Reason,
		nts(e.ExpiresAt), e.CreatedBy, e.ActivatedBy, nts(e.ActivatedAt), nts(e.ExpiredAt), ts(e.CreatedAt), ts(e.UpdatedAt))
	return err
}

// UpdateException writes every mutable field of an exception.
func (q *Q) UpdateException(ctx context.Context, e exception.Exception) error {
	_, err := q.exec(ctx, `UPDATE exceptions SET type = ?, status = ?, check_id = ?, host = ?, port = ?, protocol = ?,
		reason = ?, expires_at = ?, activated_by = ?, activated_at = ?, expired_at = ?, updated_at = ?
		WHERE id = ? AND organization_id = ?`,
		e.Type, e.Status, e.CheckID, e.Host, nullPort(e.Port), e.Protocol, e.Reason, nts(e.ExpiresAt), e.ActivatedBy,
		nts(e.ActivatedAt), nts(e.ExpiredAt), ts(e.UpdatedAt), e.ID, e.OrganizationID)
	return err
}

// FindException returns an exception of an organization.
func (q *Q) FindException(ctx context.Context, orgID, id string) (exception.Exception, error) {
	e, err := scanException(q.queryRow(ctx, `SELECT `+exceptionColumns+` FROM exceptions e WHERE e.id = ? AND e.organization_id = ?`, id, orgID))
	return e, notFound(err, "Exception")
}

// FindExceptionsByID returns exceptions of an organization by id; every id
// must exist (else not found), so bulk operations are all or nothing.
func (q *Q) FindExceptionsByID(ctx context.Context, orgID string, ids []string) ([]exception.Exception, error) {
	out := make([]exception.Exception, 0, len(ids))
	for _, id := range ids {
		e, err := q.FindException(ctx, orgID, id)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// exceptionListSQL is exception.List in the SQL of FindExceptions.
var exceptionListSQL = bindList(&exception.List, listSQL{
	Date: "e.created_at", ID: "e.id",
	Cols: map[string]colSQL{
		"status":     {Expr: "e.status"},
		"type":       {Expr: "e.type"},
		"check":      {Expr: "e.check_id"},
		"check_id":   {Expr: "e.check_id"},
		"host":       {Expr: "e.host"},
		"port":       {Expr: "e.port"},
		"reason":     {Expr: "e.reason"},
		"expires_at": {Expr: "e.expires_at"},
		"created_at": {Expr: "e.created_at"},
		"updated_at": {Expr: "e.updated_at"},
	},
})

// FindExceptions lists an organization's exceptions.
func (q *Q) FindExceptions(ctx context.Context, orgID string, p listing.Params) ([]exception.Exception, int, error) {
	lq := listQuery{Select: exceptionColumns, From: "exceptions e"}
	lq.where("e.organization_id = ?", orgID)
	var out []exception.Exception
	total, err := q.runList(ctx, lq, exceptionListSQL, p, func(r *sql.Rows) error {
		e, err := scanException(r)
		out = append(out, e)
		return err
	})
	return out, total, err
}

// ActiveExceptions lists an organization's active exceptions, oldest first
// (the oldest covers a finding when several could).
func (q *Q) ActiveExceptions(ctx context.Context, orgID string) ([]exception.Exception, error) {
	return q.exceptions(ctx, `SELECT `+exceptionColumns+` FROM exceptions e WHERE e.organization_id = ? AND e.status = 'active'
		ORDER BY e.activated_at, e.id`, orgID)
}

// exceptions runs a query selecting exceptionColumns and collects the rows.
func (q *Q) exceptions(ctx context.Context, query string, args ...any) ([]exception.Exception, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []exception.Exception
	for rows.Next() {
		e, err := scanException(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// DueExceptions lists exceptions of every organization that are pending or
// active and whose expiry has passed.
func (q *Q) DueExceptions(ctx context.Context, now time.Time, limit int) ([]exception.Exception, error) {
	return q.exceptions(ctx, `SELECT `+exceptionColumns+` FROM exceptions e WHERE e.status IN ('pending', 'active')
		AND e.expires_at IS NOT NULL AND e.expires_at <= ? ORDER BY e.expires_at, e.id LIMIT ?`, ts(now), limit)
}

// scopeCond is the SQL condition (alias f) for the findings an exception's
// scope matches, with its arguments after the organization id.
func scopeCond(e exception.Exception) (string, []any) {
	cond := "f.organization_id = ? AND f.check_id = ?"
	args := []any{e.OrganizationID, e.CheckID}
	if e.Host != "" {
		cond += " AND (f.ip = ? OR LOWER(f.hostname) = ?)"
		args = append(args, e.Host, e.Host)
	}
	if e.Port != nil {
		cond += " AND f.port = ?"
		args = append(args, *e.Port)
	}
	if e.Protocol != "" {
		cond += " AND f.protocol = ?"
		args = append(args, e.Protocol)
	}
	return cond, args
}

// CoverFindings applies an active exception to the open or reopened findings
// its scope matches (only those last seen by runID when runID is not empty:
// a run's new findings), remembering their status so it can be restored. It
// returns how many findings it covered.
func (q *Q) CoverFindings(ctx context.Context, e exception.Exception, runID string) (int, error) {
	cond, args := scopeCond(e)
	if runID != "" {
		cond += " AND f.last_run_id = ?"
		args = append(args, runID)
	}
	// The alias f is the table itself in an UPDATE, so cond applies as is.
	res, err := q.exec(ctx, `UPDATE findings AS f SET status_before = f.status, status = ?, exception_id = ?
		WHERE `+cond+` AND f.status IN ('open', 'reopened')`, append([]any{e.FindingStatus(), e.ID}, args...)...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// UncoverFindings restores the findings covered by exceptions to the status
// they had before, returning how many.
func (q *Q) UncoverFindings(ctx context.Context, orgID string, exceptionIDs []string) (int, error) {
	if len(exceptionIDs) == 0 {
		return 0, nil
	}
	res, err := q.exec(ctx, `UPDATE findings SET status = CASE WHEN status_before = 'reopened' THEN 'reopened' ELSE 'open' END,
		status_before = '', exception_id = NULL WHERE organization_id = ? AND exception_id IN (`+placeholders(len(exceptionIDs))+`)`,
		idArgs(orgID, exceptionIDs)...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// RecomputeRunVerdicts sets again the PCI verdict of every completed run of
// an organization that saw a finding of one of the checks, from the current
// status of the findings it saw (pciFailSQL): what exceptions change.
func (q *Q) RecomputeRunVerdicts(ctx context.Context, orgID string, checkIDs []string) error {
	if len(checkIDs) == 0 {
		return nil
	}
	args := []any{orgID, orgID}
	for _, c := range checkIDs {
		args = append(args, c)
	}
	_, err := q.exec(ctx, `UPDATE scan_runs SET pci_compliant = NOT EXISTS (
			SELECT 1 FROM finding_occurrences o JOIN findings f ON f.id = o.finding_id
			WHERE o.run_id = scan_runs.id AND `+pciFailSQL+`)
		WHERE organization_id = ? AND pci_compliant IS NOT NULL AND id IN (
			SELECT o.run_id FROM findings f JOIN finding_occurrences o ON o.finding_id = f.id
			WHERE f.organization_id = ? AND f.check_id IN (`+placeholders(len(checkIDs))+`))`, args...)
	return err
}

// CoveredFindings lists the findings an exception covers now, worst first.
func (q *Q) CoveredFindings(ctx context.Context, orgID, exceptionID string, limit int) ([]scan.Finding, error) {
	rows, err := q.query(ctx, `SELECT `+findingListColumns+` FROM findings f WHERE f.organization_id = ? AND f.exception_id = ?
		ORDER BY f.severity_rank DESC, f.cvss_score DESC, f.ip, f.port, f.id LIMIT ?`, orgID, exceptionID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []scan.Finding{}
	for rows.Next() {
		f, err := scanFinding(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, mapErr(rows.Err())
}

// CheckSeen reports whether any finding of the organization has a check id.
func (q *Q) CheckSeen(ctx context.Context, orgID, checkID string) (bool, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM findings WHERE organization_id = ? AND check_id = ? LIMIT 1) x`,
		orgID, checkID).Scan(&n)
	return n > 0, mapErr(err)
}

// ExceptionStats are an organization's exception counts.
type ExceptionStats struct {
	ByStatus     map[string]int
	ByType       map[string]int
	Covered      int // findings covered by active exceptions
	ExpiringSoon int // active exceptions expiring before the horizon
}

// ExceptionStatistics counts an organization's exceptions by status and type,
// the findings they cover, and the active ones expiring before horizon.
func (q *Q) ExceptionStatistics(ctx context.Context, orgID string, horizon time.Time) (ExceptionStats, error) {
	st := ExceptionStats{ByStatus: map[string]int{}, ByType: map[string]int{}}
	for _, s := range exception.Statuses {
		st.ByStatus[s] = 0
	}
	for _, t := range exception.Types {
		st.ByType[t] = 0
	}
	rows, err := q.query(ctx, `SELECT status, type, COUNT(*) FROM exceptions WHERE organization_id = ? GROUP BY status, type`, orgID)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var status, typ string
		var n int
		if err := rows.Scan(&status, &typ, &n); err != nil {
			return st, err
		}
		st.ByStatus[status] += n
		st.ByType[typ] += n
	}
	if err := rows.Err(); err != nil {
		return st, mapErr(err)
	}
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM findings WHERE organization_id = ? AND exception_id IS NOT NULL`, orgID).Scan(&st.Covered); err != nil {
		return st, mapErr(err)
	}
	err = q.queryRow(ctx, `SELECT COUNT(*) FROM exceptions WHERE organization_id = ? AND status = 'active'
		AND expires_at IS NOT NULL AND expires_at <= ?`, orgID, ts(horizon)).Scan(&st.ExpiringSoon)
	return st, mapErr(err)
}

// DeleteExceptions removes exceptions of an organization (all or nothing).
func (q *Q) DeleteExceptions(ctx context.Context, orgID string, ids []string) (int, error) {
	return q.DeleteOwned(ctx, "exceptions", orgID, ids)
}

// ExceptionChecks returns the exceptions' check ids, once each.
func ExceptionChecks(es ...exception.Exception) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range es {
		if !seen[e.CheckID] {
			seen[e.CheckID] = true
			out = append(out, e.CheckID)
		}
	}
	return out
}
