package store

import (
	"context"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/exception"
	"github.com/perimeterhq/perimeter/internal/scan"
)

// What a report reads: a run's hosts, findings and exceptions, or, for
// advanced reports, the organization's findings and runs under a filter.

// ReportHost is a host of a run with its open ports and failing findings.
type ReportHost struct {
	scan.RunHost
	Services   []scan.Service
	PCIFailing int
}

// RunReportHosts returns the hosts a run found up, by address, with their
// services and how many of their findings fail PCI now.
func (q *Q) RunReportHosts(ctx context.Context, orgID, runID string) ([]ReportHost, error) {
	// One grouped pass over the run's occurrences (a correlated count per
	// host would walk them once per host).
	failing := map[string]int{}
	rows, err := q.query(ctx, `SELECT o.host_id, COUNT(*) FROM finding_occurrences o JOIN findings f ON f.id = o.finding_id
		WHERE o.run_id = ? AND o.organization_id = ? AND `+pciFailSQL+` GROUP BY o.host_id`, runID, orgID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		failing[id] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	rows, err = q.query(ctx, `SELECT `+runHostColumns+` FROM run_hosts rh WHERE rh.run_id = ? AND rh.organization_id = ?
		AND rh.status = 'up' ORDER BY rh.ip`, runID, orgID)
	if err != nil {
		return nil, err
	}
	var out []ReportHost
	for rows.Next() {
		var h ReportHost
		if h.RunHost, err = scanRunHost(rows); err != nil {
			rows.Close()
			return nil, err
		}
		h.PCIFailing = failing[h.HostID]
		out = append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	for start := 0; start < len(out); start += 500 {
		chunk := out[start:min(start+500, len(out))]
		ids := make([]string, len(chunk))
		for i, h := range chunk {
			ids[i] = h.HostID
		}
		svcs, err := q.RunServices(ctx, orgID, runID, ids)
		if err != nil {
			return nil, err
		}
		for i := range chunk {
			chunk[i].Services = svcs[chunk[i].HostID]
		}
	}
	return out, nil
}

// StreamRunFindings calls fn for every finding a run saw, with its texts and
// current status, worst first (severity, CVSS, address, port). It stops at
// the first error fn returns.
func (q *Q) StreamRunFindings(ctx context.Context, orgID, runID string, fn func(*scan.Finding) error) error {
	rows, err := q.query(ctx, `SELECT `+findingDetailColumns+` FROM finding_occurrences o JOIN findings f ON f.id = o.finding_id
		WHERE o.run_id = ? AND f.organization_id = ?
		ORDER BY f.severity_rank DESC, f.cvss_score DESC, f.ip, f.port, f.id`, runID, orgID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFindingDetail(rows)
		if err != nil {
			return err
		}
		if err := fn(&f); err != nil {
			return err
		}
	}
	return mapErr(rows.Err())
}

// RunExceptions lists the exceptions covering findings a run saw, with how
// many of the run's findings each covers.
func (q *Q) RunExceptions(ctx context.Context, orgID, runID string) ([]exception.Exception, error) {
	rows, err := q.query(ctx, `SELECT f.exception_id, COUNT(*) FROM finding_occurrences o JOIN findings f ON f.id = o.finding_id
		WHERE o.run_id = ? AND f.organization_id = ? AND f.exception_id IS NOT NULL GROUP BY f.exception_id`, runID, orgID)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	var ids []string
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		counts[id] = n
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	out := make([]exception.Exception, 0, len(ids))
	for _, id := range ids {
		e, err := q.FindException(ctx, orgID, id)
		if err != nil {
			return nil, err
		}
		e.Findings = counts[id]
		out = append(out, e)
	}
	return out, nil
}

// FindingFilter selects an organization's findings for an advanced report.
// Empty lists mean any.
type FindingFilter struct {
	TargetIDs, ScanIDs, Severities, Statuses, Products []string
	From, To                                           *time.Time // last seen within
}

func (ff FindingFilter) where(orgID string) (string, []any) {
	conds := []string{"f.organization_id = ?"}
	args := []any{orgID}
	in := func(col string, vals []string) { conds, args = inList(conds, args, col, vals) }
	in("f.target_id", ff.TargetIDs)
	in("f.scan_id", ff.ScanIDs)
	in("f.severity", ff.Severities)
	in("f.status", ff.Statuses)
	in("f.product", ff.Products)
	if ff.From != nil {
		conds = append(conds, "f.last_seen >= ?")
		args = append(args, ts(*ff.From))
	}
	if ff.To != nil {
		conds = append(conds, "f.last_seen <= ?")
		args = append(args, ts(*ff.To))
	}
	return strings.Join(conds, " AND "), args
}

// inList adds "col IN (…)" for vals to a condition list (nothing when vals
// is empty: any value).
func inList(conds []string, args []any, col string, vals []string) ([]string, []any) {
	if len(vals) == 0 {
		return conds, args
	}
	for _, v := range vals {
		args = append(args, v)
	}
	return append(conds, col+" IN ("+placeholders(len(vals))+")"), args
}

// StreamFindings calls fn for every finding of an organization the filter
// selects, worst first, with the names of their targets and scans.
func (q *Q) StreamFindings(ctx context.Context, orgID string, ff FindingFilter, fn func(f *scan.Finding, target, scanName string) error) error {
	cond, args := ff.where(orgID)
	rows, err := q.query(ctx, `SELECT `+findingDetailColumns+`, COALESCE(t.name, ''), COALESCE(s.name, '') FROM findings f
		LEFT JOIN targets t ON t.id = f.target_id LEFT JOIN scans s ON s.id = f.scan_id
		WHERE `+cond+` ORDER BY f.severity_rank DESC, f.cvss_score DESC, f.ip, f.port, f.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var target, scanName string
		f, err := scanFindingDetail(rows, &target, &scanName)
		if err != nil {
			return err
		}
		if err := fn(&f, target, scanName); err != nil {
			return err
		}
	}
	return mapErr(rows.Err())
}

// TrendRun is a completed run for the trend of an advanced report.
type TrendRun struct {
	FinishedAt   time.Time
	PCICompliant *bool
	Counts       scan.Stats
}

// TrendRuns lists an organization's completed runs the filter's targets,
// scans, products and dates select, oldest first.
func (q *Q) TrendRuns(ctx context.Context, orgID string, ff FindingFilter) ([]TrendRun, error) {
	conds := []string{"r.organization_id = ?", "r.status = 'completed'", "r.finished_at IS NOT NULL"}
	args := []any{orgID}
	in := func(col string, vals []string) { conds, args = inList(conds, args, col, vals) }
	in("r.target_id", ff.TargetIDs)
	in("r.scan_id", ff.ScanIDs)
	in("s.product", ff.Products)
	if ff.From != nil {
		conds = append(conds, "r.finished_at >= ?")
		args = append(args, ts(*ff.From))
	}
	if ff.To != nil {
		conds = append(conds, "r.finished_at <= ?")
		args = append(args, ts(*ff.To))
	}
	rows, err := q.query(ctx, `SELECT r.finished_at, r.pci_compliant, r.critical_count, r.high_count, r.medium_count, r.low_count,
		r.info_count FROM scan_runs r JOIN scans s ON s.id = r.scan_id WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY r.finished_at LIMIT 10000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TrendRun
	for rows.Next() {
		var t TrendRun
		c := &t.Counts
		if err := rows.Scan(timeCol{&t.FinishedAt}, nullBoolCol{&t.PCICompliant}, &c.Critical, &c.High, &c.Medium, &c.Low, &c.Info); err != nil {
			return nil, err
		}
		c.Findings = c.Critical + c.High + c.Medium + c.Low + c.Info
		out = append(out, t)
	}
	return out, mapErr(rows.Err())
}

// OrgExceptions lists an organization's exceptions (active first), at most limit.
func (q *Q) OrgExceptions(ctx context.Context, orgID string, limit int) ([]exception.Exception, error) {
	return q.exceptions(ctx, `SELECT `+exceptionColumns+` FROM exceptions e WHERE e.organization_id = ?
		ORDER BY e.status, e.created_at DESC LIMIT ?`, orgID, limit)
}
