package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scan"
)

// RankCounts counts findings by severity rank (0 unknown … 5 critical).
type RankCounts [7]int

// Total is the sum over every rank.
func (c RankCounts) Total() int {
	n := 0
	for _, x := range c {
		n += x
	}
	return n
}

// findingListSQL is scan.FindingList over the findings alias f of every
// findings list (orgFindings, runFindingsFrom). A severity filter matches
// severity_rank, which leads the list index and orders the default sort.
var findingListSQL = bindList(&scan.FindingList, listSQL{
	Date: "f.first_seen", ID: "f.id",
	Cols: map[string]colSQL{
		"severity":   {Expr: "f.severity_rank", Value: severityRank},
		"status":     {Expr: "f.status"},
		"host":       {Expr: "f.ip"},
		"hostname":   {Expr: "f.hostname"},
		"port":       {Expr: "f.port"},
		"protocol":   {Expr: "f.protocol"},
		"service":    {Expr: "f.service"},
		"cve":        {Expr: "f.cves"},
		"check_id":   {Expr: "f.check_id"},
		"title":      {Expr: "f.title"},
		"target_id":  {Expr: "f.target_id"},
		"target":     {Expr: "f.target_id"},
		"scan_id":    {Expr: "f.scan_id"},
		"scan":       {Expr: "f.scan_id"},
		"host_id":    {Expr: "f.host_id"},
		"product":    {Expr: "f.product"},
		"pci_status": {Expr: pciStatusSQL}, // a rule rather than a stored value
		"kev":        {Expr: "f.kev"},
		"cvss_score": {Expr: "f.cvss_score"},
		"first_seen": {Expr: "f.first_seen"},
		"last_seen":  {Expr: "f.last_seen"},
		"epss":       {Expr: "f.epss"},
	},
})

func severityRank(severity string) any { return int64(scan.SeverityRank(severity)) }

// orgFindings is the fixed part of an organization's findings list.
func orgFindings(orgID string) listQuery {
	lq := listQuery{Select: findingListColumns, From: "findings f"}
	lq.where("f.organization_id = ?", orgID)
	return lq
}

func collectFindings(out *[]scan.Finding) func(*sql.Rows) error {
	// One set of scan destinations for the whole list: each row is scanned
	// into f and copied out, instead of building 32 destinations per row.
	var f scan.Finding
	dest := findingDest(&f, false)
	return func(rows *sql.Rows) error {
		f = scan.Finding{}
		err := rows.Scan(dest...)
		*out = append(*out, f)
		return err
	}
}

// FindFindings lists an organization's findings. Sorted by severity (the
// default), findings of one severity follow in IP address and port order,
// and each severity's part of the page is read straight from the
// (organization_id, severity_rank, ip, port, id) index, so a page costs its
// own rows plus an index-only count by rank however many match.
func (q *Q) FindFindings(ctx context.Context, orgID string, p listing.Params) ([]scan.Finding, int, error) {
	return q.FindFindingsCached(ctx, orgID, p, nil)
}

// RankCache keeps the counts by severity rank that place the page of a list
// of findings sorted by severity: given the count to run, it returns that
// count's result or one it kept for the same criteria.
type RankCache func(ctx context.Context, count func(context.Context) (RankCounts, error)) (RankCounts, error)

// FindFindingsCached is FindFindings with the counts behind a list sorted by
// severity kept by cache (nil: counted each time).
func (q *Q) FindFindingsCached(ctx context.Context, orgID string, p listing.Params, cache RankCache) ([]scan.Finding, int, error) {
	out := make([]scan.Finding, 0, min(p.PerPage, 100)) // a page, without growing it row by row
	total, err := q.findingList(ctx, orgFindings(orgID), p, cache, collectFindings(&out))
	return out, total, err
}

// findingList runs a list of findings (alias f): by severity through
// rankCounts (kept by cache when not nil) and rankedPage, by any other column
// through runList.
func (q *Q) findingList(ctx context.Context, lq listQuery, p listing.Params, cache RankCache, collect func(*sql.Rows) error) (int, error) {
	if p.Sort.Name != "severity" {
		return q.runList(ctx, lq, findingListSQL, p, collect)
	}
	counted := lq
	counted.Where, counted.Args = slices.Clone(lq.Where), slices.Clone(lq.Args)
	if err := q.applyParams(&counted, findingListSQL, p); err != nil {
		return 0, err
	}
	count := func(ctx context.Context) (RankCounts, error) { return q.rankCounts(ctx, counted) }
	if cache == nil {
		cache = func(ctx context.Context, count func(context.Context) (RankCounts, error)) (RankCounts, error) {
			return count(ctx)
		}
	}
	counts, err := cache(ctx, count)
	if err != nil {
		return 0, err
	}
	return counts.Total(), q.rankedPage(ctx, lq, p, counts, collect)
}

// rankCounts counts the rows of lq (with the client's criteria applied) by
// severity rank.
func (q *Q) rankCounts(ctx context.Context, lq listQuery) (RankCounts, error) {
	var counts RankCounts
	rows, err := q.query(ctx, "SELECT f.severity_rank, COUNT(*) FROM "+lq.From+" WHERE "+strings.Join(lq.Where, " AND ")+
		" GROUP BY f.severity_rank", lq.Args...)
	if err != nil {
		return counts, err
	}
	defer rows.Close()
	for rows.Next() {
		var rank, n int
		if err := rows.Scan(&rank, &n); err != nil {
			return counts, err
		}
		if rank >= 0 && rank < len(counts) {
			counts[rank] = n
		}
	}
	return counts, mapErr(rows.Err())
}

// rankedPage reads the page p asks for of lq sorted by severity: each rank
// that overlaps the page, in (ip, port, id) order. The severity filter is
// left out — counts hold only the ranks it selects — because a list of ranks
// in the condition keeps PostgreSQL from reading the index in order.
func (q *Q) rankedPage(ctx context.Context, lq listQuery, p listing.Params, counts RankCounts, collect func(*sql.Rows) error) error {
	var filters []listing.Filter
	for _, f := range p.Filters {
		if f.Column.Name != "severity" {
			filters = append(filters, f)
		}
	}
	p.Filters = filters
	if err := q.applyParams(&lq, findingListSQL, p); err != nil {
		return err
	}
	where := " WHERE " + strings.Join(lq.Where, " AND ")
	offset, need := p.Offset(), p.PerPage
	for i := range len(counts) {
		rank := i
		if p.Desc {
			rank = len(counts) - 1 - i
		}
		n := counts[rank]
		if offset >= n {
			offset -= n
			continue
		}
		args := append(append([]any{}, lq.Args...), rank, need, offset)
		page, err := q.query(ctx, "SELECT "+lq.Select+" FROM "+lq.From+where+" AND f.severity_rank = ? ORDER BY "+
			q.d.bytewise("f.ip")+", f.port, f.id LIMIT ? OFFSET ?", args...)
		if err != nil {
			return err
		}
		got := 0
		for page.Next() {
			if err := collect(page); err != nil {
				page.Close()
				return err
			}
			got++
		}
		page.Close()
		if err := page.Err(); err != nil {
			return mapErr(err)
		}
		need -= got
		offset = 0
		if need <= 0 {
			break
		}
	}
	return nil
}

// FindFinding returns a finding of an organization with its long texts.
func (q *Q) FindFinding(ctx context.Context, orgID, id string) (scan.Finding, error) {
	f, err := scanFindingDetail(q.queryRow(ctx, `SELECT `+findingDetailColumns+` FROM findings f WHERE f.id = ? AND f.organization_id = ?`,
		id, orgID))
	return f, notFound(err, "Vulnerability")
}

// FindingOccurrences lists the runs that saw a finding of an organization,
// newest first (at most limit), and how many there are in all.
func (q *Q) FindingOccurrences(ctx context.Context, orgID, findingID string, limit int) ([]scan.Occurrence, int, error) {
	var total int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM finding_occurrences o WHERE o.finding_id = ? AND o.organization_id = ?`,
		findingID, orgID).Scan(&total); err != nil {
		return nil, 0, mapErr(err)
	}
	rows, err := q.query(ctx, `SELECT o.run_id, r.scan_id, r.status, o.seen_at, o.severity_rank, o.cvss_score
		FROM finding_occurrences o JOIN scan_runs r ON r.id = o.run_id
		WHERE o.finding_id = ? AND o.organization_id = ? ORDER BY o.seen_at DESC, o.run_id DESC LIMIT ?`, findingID, orgID, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []scan.Occurrence{}
	for rows.Next() {
		var o scan.Occurrence
		var rank int
		if err := rows.Scan(&o.RunID, &o.ScanID, &o.RunStatus, timeCol{&o.SeenAt}, &rank, &o.CVSSScore); err != nil {
			return nil, 0, err
		}
		o.Severity = scan.SeverityOfRank(rank)
		out = append(out, o)
	}
	return out, total, mapErr(rows.Err())
}

const runFindingsFrom = "finding_occurrences o JOIN findings f ON f.id = o.finding_id"

// FindRunFindings lists the findings a run of an organization saw, in the
// order FindFindings lists findings.
func (q *Q) FindRunFindings(ctx context.Context, orgID, runID string, p listing.Params) ([]scan.RunFinding, int, error) {
	lq := listQuery{Select: findingListColumns + ", o.seen_at", From: runFindingsFrom}
	lq.where("o.run_id = ? AND o.organization_id = ? AND f.organization_id = ?", runID, orgID, orgID)
	var out []scan.RunFinding
	total, err := q.findingList(ctx, lq, p, nil, func(rows *sql.Rows) error {
		var seen time.Time
		f, err := scanFinding(rows, timeCol{&seen})
		out = append(out, scan.RunFinding{Finding: f, SeenAt: seen})
		return err
	})
	return out, total, err
}

// FindRunFinding returns a finding a run of an organization saw, with its long
// texts.
func (q *Q) FindRunFinding(ctx context.Context, orgID, runID, findingID string) (scan.RunFinding, error) {
	var rf scan.RunFinding
	var err error
	rf.Finding, err = scanFindingDetail(q.queryRow(ctx, `SELECT `+findingDetailColumns+`, o.seen_at FROM `+runFindingsFrom+`
		WHERE o.run_id = ? AND o.finding_id = ? AND o.organization_id = ? AND f.organization_id = ?`, runID, findingID, orgID, orgID),
		timeCol{&rf.SeenAt})
	return rf, notFound(err, "Vulnerability")
}
