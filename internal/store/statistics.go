package store

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/scan"
)

// FindingCount is how many findings of an organization have a status and a
// severity, and how many of those were open at a past moment.
type FindingCount struct {
	Status   string
	Severity string
	Count    int
	OpenThen int
}

// FindingTotals counts an organization's findings by status and severity.
// OpenThen counts the findings open at then: first seen by then and not fixed
// by then (open or reopened now, or fixed after then). Only a finding's latest
// fix is kept, so one fixed and reopened since then counts as open at then;
// accepted and false-positive findings do not count (when they were open is
// not recorded).
func (q *Q) FindingTotals(ctx context.Context, orgID string, then time.Time) ([]FindingCount, error) {
	rows, err := q.query(ctx, `SELECT f.status, f.severity_rank, COUNT(*),
		SUM(CASE WHEN f.first_seen <= ? AND f.status IN ('open', 'reopened', 'fixed') AND (f.fixed_at IS NULL OR f.fixed_at > ?)
			THEN 1 ELSE 0 END)
		FROM findings f WHERE f.organization_id = ? GROUP BY f.status, f.severity_rank`, ts(then), ts(then), orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FindingCount
	for rows.Next() {
		var c FindingCount
		var rank int
		if err := rows.Scan(&c.Status, &rank, &c.Count, &c.OpenThen); err != nil {
			return nil, err
		}
		c.Severity = scan.SeverityOfRank(rank)
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

// rankWeightSQL is scan.RankWeight of expr as a SQL expression.
func rankWeightSQL(expr string) string {
	var b strings.Builder
	b.WriteString("(CASE " + expr)
	for rank := len(scan.Severities); rank >= 1; rank-- {
		b.WriteString(" WHEN " + strconv.Itoa(rank) + " THEN " + strconv.Itoa(scan.RankWeight(rank)))
	}
	b.WriteString(" ELSE 0 END)")
	return b.String()
}

// TopFindings ranks an organization's open (open or reopened) findings by
// check: affected hosts × the weight of the check's highest severity, the
// most first (at most limit).
func (q *Q) TopFindings(ctx context.Context, orgID string, limit int) ([]scan.TopFinding, error) {
	score := "COUNT(DISTINCT f.host_id) * " + rankWeightSQL("MAX(f.severity_rank)")
	rows, err := q.query(ctx, `SELECT f.check_id, MAX(f.title), MAX(f.severity_rank), COUNT(DISTINCT f.host_id), COUNT(*),
		MAX(f.cvss_score), `+score+` FROM findings f WHERE f.organization_id = ? AND f.status IN ('open', 'reopened')
		GROUP BY f.check_id ORDER BY `+score+` DESC, MAX(f.cvss_score) DESC, f.check_id LIMIT ?`, orgID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []scan.TopFinding{}
	for rows.Next() {
		var t scan.TopFinding
		var rank int
		if err := rows.Scan(&t.CheckID, &t.Title, &rank, &t.AffectedHosts, &t.Findings, &t.MaxCVSS, &t.Score); err != nil {
			return nil, err
		}
		t.Severity = scan.SeverityOfRank(rank)
		out = append(out, t)
	}
	return out, mapErr(rows.Err())
}

// HostRisk is a host's open findings weighted by severity.
type HostRisk struct {
	HostID string
	Risk   int
	Counts scan.Stats
}

// MostVulnerableHosts ranks an organization's hosts by their open (open or
// reopened) findings weighted by severity (scan.SeverityWeight), the most
// first (at most limit); hosts without weighted findings are left out.
func (q *Q) MostVulnerableHosts(ctx context.Context, orgID string, limit int) ([]HostRisk, error) {
	risk := "SUM(" + rankWeightSQL("f.severity_rank") + ")"
	var cols []string
	for rank := len(scan.Severities); rank >= 1; rank-- {
		cols = append(cols, "SUM(CASE WHEN f.severity_rank = "+strconv.Itoa(rank)+" THEN 1 ELSE 0 END)")
	}
	rows, err := q.query(ctx, `SELECT f.host_id, `+risk+`, `+strings.Join(cols, ", ")+` FROM findings f
		WHERE f.organization_id = ? AND f.status IN ('open', 'reopened') GROUP BY f.host_id
		HAVING `+risk+` > 0 ORDER BY `+risk+` DESC, f.host_id LIMIT ?`, orgID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []HostRisk{}
	for rows.Next() {
		var h HostRisk
		c := &h.Counts
		if err := rows.Scan(&h.HostID, &h.Risk, &c.Critical, &c.High, &c.Medium, &c.Low, &c.Info); err != nil {
			return nil, err
		}
		c.Findings = c.Critical + c.High + c.Medium + c.Low + c.Info
		out = append(out, h)
	}
	return out, mapErr(rows.Err())
}

// PCIScanRun is a scan of an organization and its latest completed run.
type PCIScanRun struct {
	ScanID     string
	ScanName   string
	Product    string
	TargetID   string // the target the run scanned
	TargetName string // "" if that target is gone
	RunID      string
	FinishedAt time.Time
}

// LatestCompletedRuns returns each scan of an organization that has a
// completed run, with its latest one, by scan name.
func (q *Q) LatestCompletedRuns(ctx context.Context, orgID string) ([]PCIScanRun, error) {
	rows, err := q.query(ctx, `SELECT s.id, s.name, s.product, r.target_id, COALESCE(t.name, ''), r.id, r.finished_at
		FROM (SELECT scan_id, MAX(finished_at) AS finished_at FROM scan_runs WHERE organization_id = ? AND status = 'completed'
			GROUP BY scan_id) latest
		JOIN scan_runs r ON r.scan_id = latest.scan_id AND r.finished_at = latest.finished_at AND r.status = 'completed'
		JOIN scans s ON s.id = r.scan_id LEFT JOIN targets t ON t.id = r.target_id
		WHERE r.organization_id = ? ORDER BY s.name, s.id, r.id DESC`, orgID, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []PCIScanRun{}
	for rows.Next() {
		var p PCIScanRun
		if err := rows.Scan(&p.ScanID, &p.ScanName, &p.Product, &p.TargetID, &p.TargetName, &p.RunID, timeCol{&p.FinishedAt}); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].ScanID == p.ScanID {
			continue // two runs finished in the same microsecond: the first (greatest id) wins
		}
		out = append(out, p)
	}
	return out, mapErr(rows.Err())
}

// pciFailingNow is a finding seen by one of the runs (bound after the tenant)
// that fails PCI by its current status (pciFailSQL).
func pciFailingNow(runs int) string {
	return `finding_occurrences o JOIN findings f ON f.id = o.finding_id
		WHERE o.organization_id = ? AND o.run_id IN (` + placeholders(runs) + `) AND ` + pciFailSQL
}

// PCIFailures counts, per run of an organization, the findings it saw that
// fail PCI by their current status (so exceptions apply).
func (q *Q) PCIFailures(ctx context.Context, orgID string, runIDs []string) (map[string]int, error) {
	out := map[string]int{}
	if len(runIDs) == 0 {
		return out, nil
	}
	rows, err := q.query(ctx, `SELECT o.run_id, COUNT(*) FROM `+pciFailingNow(len(runIDs))+` GROUP BY o.run_id`, idArgs(orgID, runIDs)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, mapErr(rows.Err())
}

// PCIFailingFindings lists the distinct findings seen by runs of an
// organization that fail PCI by their current status, highest CVSS first (at
// most limit), and how many there are.
func (q *Q) PCIFailingFindings(ctx context.Context, orgID string, runIDs []string, limit int) ([]scan.Finding, int, error) {
	if len(runIDs) == 0 {
		return []scan.Finding{}, 0, nil
	}
	args := idArgs(orgID, runIDs)
	var total int
	if err := q.queryRow(ctx, `SELECT COUNT(DISTINCT f.id) FROM `+pciFailingNow(len(runIDs)), args...).Scan(&total); err != nil {
		return nil, 0, mapErr(err)
	}
	rows, err := q.query(ctx, `SELECT `+findingListColumns+` FROM findings f WHERE f.id IN (SELECT f.id FROM `+
		pciFailingNow(len(runIDs))+`) ORDER BY f.cvss_score DESC, f.severity_rank DESC, f.id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []scan.Finding{}
	for rows.Next() {
		f, err := scanFinding(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, f)
	}
	return out, total, mapErr(rows.Err())
}

// RunSeverityCounts counts the findings a run of an organization saw, by the
// severity the run rated them.
func (q *Q) RunSeverityCounts(ctx context.Context, orgID, runID string) (scan.Stats, error) {
	var st scan.Stats
	rows, err := q.query(ctx, `SELECT o.severity_rank, COUNT(*) FROM finding_occurrences o WHERE o.run_id = ? AND o.organization_id = ?
		GROUP BY o.severity_rank`, runID, orgID)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var rank, n int
		if err := rows.Scan(&rank, &n); err != nil {
			return st, err
		}
		st.AddN(scan.SeverityOfRank(rank), n)
	}
	return st, mapErr(rows.Err())
}

// RunPortCounts counts, per port and protocol, the hosts on which a run of an
// organization found the port open and the findings it reported on it
// (host-level findings are port 0), most findings first.
func (q *Q) RunPortCounts(ctx context.Context, orgID, runID string) ([]scan.PortCount, error) {
	type key struct {
		port  int
		proto string
	}
	byKey := map[key]*scan.PortCount{}
	var order []key
	get := func(k key) *scan.PortCount {
		if pc, ok := byKey[k]; ok {
			return pc
		}
		pc := &scan.PortCount{Port: k.port, Protocol: k.proto}
		byKey[k] = pc
		order = append(order, k)
		return pc
	}
	rows, err := q.query(ctx, `SELECT sv.port, sv.protocol, MAX(sv.service), COUNT(*) FROM services sv
		WHERE sv.run_id = ? AND sv.organization_id = ? GROUP BY sv.port, sv.protocol`, runID, orgID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k key
		var service string
		var n int
		if err := rows.Scan(&k.port, &k.proto, &service, &n); err != nil {
			rows.Close()
			return nil, err
		}
		pc := get(k)
		pc.Service, pc.Hosts = service, n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	rows, err = q.query(ctx, `SELECT f.port, f.protocol, MAX(f.service), COUNT(*) FROM finding_occurrences o
		JOIN findings f ON f.id = o.finding_id WHERE o.run_id = ? AND o.organization_id = ? GROUP BY f.port, f.protocol`, runID, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var service string
		var n int
		if err := rows.Scan(&k.port, &k.proto, &service, &n); err != nil {
			return nil, err
		}
		pc := get(k)
		pc.Findings = n
		if pc.Service == "" {
			pc.Service = service
		}
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	out := make([]scan.PortCount, len(order))
	for i, k := range order {
		out[i] = *byKey[k]
	}
	slices.SortFunc(out, func(a, b scan.PortCount) int {
		return cmp.Or(cmp.Compare(b.Findings, a.Findings), cmp.Compare(b.Hosts, a.Hosts), cmp.Compare(a.Port, b.Port),
			strings.Compare(a.Protocol, b.Protocol))
	})
	return out, nil
}

// RunDelta compares the findings two runs of an organization saw: added (seen
// by run only), gone (seen by prev only) and kept (seen by both).
func (q *Q) RunDelta(ctx context.Context, orgID, runID, prevID string) (added, gone, kept int, err error) {
	var inRun, inPrev int
	err = q.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM finding_occurrences WHERE run_id = ? AND organization_id = ?),
		(SELECT COUNT(*) FROM finding_occurrences WHERE run_id = ? AND organization_id = ?),
		(SELECT COUNT(*) FROM finding_occurrences a JOIN finding_occurrences b ON b.run_id = ? AND b.finding_id = a.finding_id
			WHERE a.run_id = ? AND a.organization_id = ?)`,
		runID, orgID, prevID, orgID, prevID, runID, orgID).Scan(&inRun, &inPrev, &kept)
	return inRun - kept, inPrev - kept, kept, mapErr(err)
}

// LatestStartedRun returns the latest run of a scan of an organization that
// has started (running, or finished in any way); 404 when there is none.
func (q *Q) LatestStartedRun(ctx context.Context, orgID, scanID string) (scan.Run, error) {
	r, err := scanRun(q.queryRow(ctx, `SELECT `+runColumns+` FROM scan_runs r WHERE r.scan_id = ? AND r.organization_id = ?
		AND r.started_at IS NOT NULL ORDER BY r.queued_at DESC, r.id DESC LIMIT 1`, scanID, orgID))
	return r, notFound(err, "History")
}
