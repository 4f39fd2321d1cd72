package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/scan"
)

// HostResult is everything one run found on one host that was up.
type HostResult struct {
	Host     scan.Host // the inventory row as this run sees it
	RunHost  scan.RunHost
	Services []scan.Service
	Findings []scan.Finding // keyed by scan.FindingID; at most one per key
}

// RunRef identifies the run results belong to.
type RunRef struct {
	ID, OrganizationID, ScanID, TargetID, Product string
}

// maxParams bounds the placeholders of one statement (SQLite allows 32766,
// PostgreSQL 65535).
const maxParams = 30000

// upsertRows inserts rows in chunks. head is "INSERT INTO t (c1, …)", tail
// the ON CONFLICT clause. A column holding the same value in every row (the
// organization, run, scan and times of a batch) is bound once per statement
// instead of once per row: binding is much of what a row costs SQLite.
func (q *Q) upsertRows(ctx context.Context, head, tail string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	shared := sharedColumns(rows)
	if q.d.engine == Postgres {
		if sel, args, ok := unnestColumns(rows, shared); ok {
			_, err := q.exec(ctx, head+" "+sel+" "+tail, args...)
			return err
		}
	}
	// SELECT ?, column1, … FROM (VALUES (…), …): SQLite names a VALUES
	// table's columns column1, column2, …; WHERE true keeps the upsert's
	// ON CONFLICT from parsing as a join constraint.
	var sel []string
	var sharedArgs []any
	perRow := 0
	for c, v := range rows[0] {
		if shared[c] {
			sel = append(sel, "?")
			sharedArgs = append(sharedArgs, v)
			continue
		}
		perRow++
		sel = append(sel, "column"+strconv.Itoa(perRow))
	}
	prefix := head + " SELECT " + strings.Join(sel, ", ") + " FROM (VALUES "
	tuple := "(" + placeholders(perRow) + ")"
	per := max(1, (maxParams-len(sharedArgs))/perRow)
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		b.Grow(len(prefix) + len(tail) + len(chunk)*(len(tuple)+1) + 16)
		b.WriteString(prefix)
		args := make([]any, 0, len(sharedArgs)+len(chunk)*perRow)
		args = append(args, sharedArgs...)
		for i, r := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(tuple)
			for c, v := range r {
				if !shared[c] {
					args = append(args, v)
				}
			}
		}
		b.WriteString(") WHERE true ")
		b.WriteString(tail)
		if _, err := q.exec(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// sharedColumns reports the columns whose value is the same plain value (a
// string, number, bool or NULL integer) in every one of several rows; at
// least one column is left per row.
func sharedColumns(rows [][]any) []bool {
	shared := make([]bool, len(rows[0]))
	if len(rows) < 2 {
		return shared
	}
	left := len(shared)
	for c, v := range rows[0] {
		if left == 1 {
			break
		}
		switch x := v.(type) {
		case string, int, int64, float64, bool:
		case *int64:
			if x != nil {
				continue
			}
		default:
			continue
		}
		// v is comparable and never a set pointer, so == is value equality
		// (a NULL integer equals a NULL integer, nothing else).
		same := true
		for _, r := range rows[1:] {
			if r[c] != v {
				same = false
				break
			}
		}
		if same {
			shared[c] = true
			left--
		}
	}
	return shared
}

// unnestColumns turns rows into one array parameter per column and the
// "SELECT … FROM unnest(?::type[], …)" that reads them back as rows: on
// PostgreSQL one statement with a parameter per column instead of one per
// value, which parses and binds in a fraction of the time of a multi-row
// VALUES. A shared column is one scalar parameter. Columns holding NULLs
// become arrays of pointers. It reports false for a value type it does not
// map (the caller then uses VALUES).
func unnestColumns(rows [][]any, shared []bool) (string, []any, bool) {
	ncols := len(rows[0])
	var sel, casts, names []string
	var scalars, arrays []any
	for c := range ncols {
		kind, nulls := "", false
		for _, r := range rows {
			switch x := r[c].(type) {
			case nil:
				nulls = true
			case string:
				kind = "text"
			case int, int64:
				kind = "int8"
			case *int64: // a nullable integer column
				kind = "int8"
				nulls = nulls || x == nil
			case float64:
				kind = "float8"
			case bool:
				kind = "bool"
			default:
				return "", nil, false
			}
			if shared[c] {
				break // every row holds the same value
			}
		}
		if kind == "" {
			kind = "text"
		}
		if shared[c] {
			sel = append(sel, "?::"+kind)
			scalars = append(scalars, rows[0][c])
			continue
		}
		name := "u" + strconv.Itoa(len(casts)+1)
		casts, names, sel = append(casts, "?::"+kind+"[]"), append(names, name), append(sel, name)
		var arg any
		switch {
		case kind == "text" && nulls:
			arg = column(rows, c, func(v any) *string { s, ok := v.(string); return ptrIf(s, ok) })
		case kind == "text":
			arg = column(rows, c, func(v any) string { return v.(string) })
		case kind == "int8" && nulls:
			arg = column(rows, c, func(v any) *int64 { n, ok := asInt64(v); return ptrIf(n, ok) })
		case kind == "int8":
			arg = column(rows, c, func(v any) int64 { n, _ := asInt64(v); return n })
		case kind == "float8" && nulls:
			arg = column(rows, c, func(v any) *float64 { f, ok := v.(float64); return ptrIf(f, ok) })
		case kind == "float8":
			arg = column(rows, c, func(v any) float64 { return v.(float64) })
		case nulls:
			arg = column(rows, c, func(v any) *bool { b, ok := v.(bool); return ptrIf(b, ok) })
		default:
			arg = column(rows, c, func(v any) bool { return v.(bool) })
		}
		arrays = append(arrays, arg)
	}
	// The select list's scalars come first in the text, so first in the
	// arguments.
	return "SELECT " + strings.Join(sel, ", ") + " FROM unnest(" + strings.Join(casts, ", ") + ") AS u(" + strings.Join(names, ", ") + ")",
		append(scalars, arrays...), true
}

func column[T any](rows [][]any, c int, conv func(any) T) []T {
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = conv(r[c])
	}
	return out
}

func ptrIf[T any](v T, ok bool) *T {
	if !ok {
		return nil
	}
	return &v
}

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case *int64:
		if n != nil {
			return *n, true
		}
	}
	return 0, false
}

// SaveHostResults stores a batch of hosts of a run: the inventory, the run's
// hosts and services, the organization-wide findings (new ones open, fixed ones
// reopened, others refreshed) and their occurrences in this run. Every row has a
// deterministic id, so saving the same batch again changes nothing.
func (q *Q) SaveHostResults(ctx context.Context, run RunRef, results []HostResult, at time.Time) error {
	var hosts, runHosts, services, findings, occurrences [][]any
	now := ts(at)
	for _, hr := range results {
		h := hr.Host
		hosts = append(hosts, []any{h.ID, run.OrganizationID, h.IP, jsonVal(orEmpty(h.Hostnames)), h.OS, h.Status, h.OpenPorts,
			h.Services, now, now, run.ID, run.ScanID, run.TargetID})
		rh := hr.RunHost
		runHosts = append(runHosts, []any{rh.ID, run.OrganizationID, run.ID, h.ID, rh.IP, jsonVal(orEmpty(rh.Hostnames)), rh.Status,
			rh.Reason, rh.OS, rh.RTT.Microseconds(), rh.OpenPorts, rh.Counts.Critical, rh.Counts.High, rh.Counts.Medium,
			rh.Counts.Low, rh.Counts.Info, now})
		for _, s := range hr.Services {
			services = append(services, []any{s.ID, run.OrganizationID, run.ID, h.ID, s.Port, s.Protocol, s.State, s.Service,
				s.Product, s.Version, jsonVal(orEmpty(s.CPE)), s.Banner, s.TLS})
		}
		for _, f := range hr.Findings {
			// A batch's findings are new (open) or seen again: the upsert
			// keeps what a known finding's row has of these.
			f.OrganizationID, f.HostID, f.IP = run.OrganizationID, h.ID, h.IP
			f.Status, f.FirstSeen, f.LastSeen, f.FixedAt = scan.FindingOpen, at, at, nil
			f.LastRunID, f.ScanID, f.TargetID, f.Product = run.ID, run.ScanID, run.TargetID, run.Product
			findings = append(findings, findingArgs(f))
			occurrences = append(occurrences, []any{run.ID, f.ID, run.OrganizationID, h.ID, scan.SeverityRank(f.Severity), f.CVSSScore, now})
		}
	}
	// Rows in key order: each statement then inserts into a few neighbouring
	// pages of the id-keyed B-trees instead of all over them, which on SQLite
	// also keeps the statement journal small.
	byID := func(a, b []any) int { return strings.Compare(a[0].(string), b[0].(string)) }
	slices.SortFunc(findings, byID)
	slices.SortFunc(occurrences, func(a, b []any) int { return strings.Compare(a[1].(string), b[1].(string)) })
	steps := []struct {
		head, tail string
		rows       [][]any
	}{
		{`INSERT INTO hosts (id, organization_id, ip, hostnames, os, status, open_ports, services, first_seen, last_seen,
			last_run_id, last_scan_id, last_target_id)`,
			`ON CONFLICT (organization_id, ip) DO UPDATE SET
			hostnames = CASE WHEN excluded.hostnames <> '[]' THEN excluded.hostnames ELSE hosts.hostnames END,
			os = CASE WHEN excluded.os <> '' THEN excluded.os ELSE hosts.os END,
			status = excluded.status, open_ports = excluded.open_ports, services = excluded.services,
			last_seen = excluded.last_seen, last_run_id = excluded.last_run_id, last_scan_id = excluded.last_scan_id,
			last_target_id = excluded.last_target_id`, hosts},
		{`INSERT INTO run_hosts (id, organization_id, run_id, host_id, ip, hostnames, status, reason, os, rtt_us, open_ports,
			critical_count, high_count, medium_count, low_count, info_count, scanned_at)`,
			`ON CONFLICT (id) DO UPDATE SET hostnames = excluded.hostnames, status = excluded.status, reason = excluded.reason,
			os = excluded.os, rtt_us = excluded.rtt_us, open_ports = excluded.open_ports, critical_count = excluded.critical_count,
			high_count = excluded.high_count, medium_count = excluded.medium_count, low_count = excluded.low_count,
			info_count = excluded.info_count, scanned_at = excluded.scanned_at`, runHosts},
		{`INSERT INTO services (id, organization_id, run_id, host_id, port, protocol, state, service, product, version, cpe, banner, tls)`,
			`ON CONFLICT (id) DO UPDATE SET state = excluded.state, service = excluded.service, product = excluded.product,
			version = excluded.version, cpe = excluded.cpe, banner = excluded.banner, tls = excluded.tls`, services},
		{findingInsert, findingUpsert, findings},
		{`INSERT INTO finding_occurrences (run_id, finding_id, organization_id, host_id, severity_rank, cvss_score, seen_at)`,
			`ON CONFLICT (run_id, finding_id) DO UPDATE SET severity_rank = excluded.severity_rank, cvss_score = excluded.cvss_score,
			seen_at = excluded.seen_at`, occurrences},
	}
	for _, st := range steps {
		if err := q.upsertRows(ctx, st.head, st.tail, st.rows); err != nil {
			return err
		}
	}
	return q.BumpResultsVersion(ctx, run.OrganizationID)
}

func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// MarkHostsDown records hosts that a run found down (inventory hosts only; a
// dead address is not an asset).
func (q *Q) MarkHostsDown(ctx context.Context, orgID string, ips []string) error {
	for start := 0; start < len(ips); start += 500 {
		chunk := ips[start:min(start+500, len(ips))]
		args := []any{orgID}
		for _, ip := range chunk {
			args = append(args, ip)
		}
		if _, err := q.exec(ctx, `UPDATE hosts SET status = 'down' WHERE organization_id = ? AND ip IN (`+placeholders(len(chunk))+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// FixCandidate is an open finding on a host a run scanned that the run did not
// see; the app decides whether the run covered it.
type FixCandidate struct {
	ID, CheckID, Protocol string
	Port                  int
}

// FixCandidates lists open or reopened findings on the hosts a run found up
// that the run did not see again.
func (q *Q) FixCandidates(ctx context.Context, orgID, runID string) ([]FixCandidate, error) {
	rows, err := q.query(ctx, `SELECT f.id, f.check_id, f.protocol, f.port FROM findings f
		JOIN run_hosts rh ON rh.host_id = f.host_id AND rh.run_id = ? AND rh.status = 'up'
		WHERE f.organization_id = ? AND f.status IN ('open', 'reopened') AND f.last_run_id <> ?`, runID, orgID, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FixCandidate
	for rows.Next() {
		var c FixCandidate
		if err := rows.Scan(&c.ID, &c.CheckID, &c.Protocol, &c.Port); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

// MarkFixed sets findings fixed at a time.
func (q *Q) MarkFixed(ctx context.Context, orgID string, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if err := q.BumpResultsVersion(ctx, orgID); err != nil {
		return err
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := []any{ts(at), orgID}
		for _, id := range chunk {
			args = append(args, id)
		}
		if _, err := q.exec(ctx, `UPDATE findings SET status = 'fixed', fixed_at = ? WHERE organization_id = ? AND id IN (`+
			placeholders(len(chunk))+`) AND status IN ('open', 'reopened')`, args...); err != nil {
			return err
		}
	}
	return nil
}

// RunFindingStats counts a run's findings by severity and decides its PCI
// verdict (by the findings' current statuses, so exceptions apply).
func (q *Q) RunFindingStats(ctx context.Context, orgID, runID string) (scan.Stats, bool, error) {
	st, err := q.RunSeverityCounts(ctx, orgID, runID)
	if err != nil {
		return st, false, err
	}
	var failing int
	err = q.queryRow(ctx, `SELECT COUNT(*) FROM finding_occurrences o JOIN findings f ON f.id = o.finding_id
		WHERE o.run_id = ? AND `+pciFailSQL, runID).Scan(&failing)
	return st, failing == 0, mapErr(err)
}
