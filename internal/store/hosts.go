package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scan"
)

const hostColumns = `h.id, h.organization_id, h.ip, h.hostnames, h.os, h.status, h.open_ports, h.services, h.first_seen,
	h.last_seen, h.last_run_id, h.last_scan_id, h.last_target_id`

func scanHost(sc interface{ Scan(...any) error }) (scan.Host, error) {
	var h scan.Host
	err := sc.Scan(&h.ID, &h.OrganizationID, &h.IP, jsonCol{&h.Hostnames}, &h.OS, &h.Status, &h.OpenPorts, &h.Services,
		timeCol{&h.FirstSeen}, timeCol{&h.LastSeen}, &h.LastRunID, &h.LastScanID, &h.LastTargetID)
	if h.Hostnames == nil {
		h.Hostnames = []string{}
	}
	return h, err
}

// hostListSQL is scan.HostList in the SQL of FindHosts.
var hostListSQL = bindList(&scan.HostList, listSQL{
	Date: "h.last_seen", ID: "h.id",
	Cols: map[string]colSQL{
		"ip":         {Expr: "h.ip"},
		"hostname":   {Expr: "h.hostnames"},
		"os":         {Expr: "h.os"},
		"service":    {Expr: "h.services"},
		"port":       {Cond: "EXISTS (SELECT 1 FROM services sv WHERE sv.host_id = h.id AND sv.run_id = h.last_run_id AND sv.port = ?)"},
		"target":     {Cond: "EXISTS (SELECT 1 FROM run_hosts rh JOIN scan_runs r ON r.id = rh.run_id WHERE rh.host_id = h.id AND r.target_id = ?)"},
		"status":     {Expr: "h.status"},
		"open_ports": {Expr: "h.open_ports"},
		"first_seen": {Expr: "h.first_seen"},
		"last_seen":  {Expr: "h.last_seen"},
	},
})

// FindHosts lists an organization's host inventory.
func (q *Q) FindHosts(ctx context.Context, orgID string, p listing.Params) ([]scan.Host, int, error) {
	lq := listQuery{Select: hostColumns, From: "hosts h"}
	lq.where("h.organization_id = ?", orgID)
	var out []scan.Host
	total, err := q.runList(ctx, lq, hostListSQL, p, func(rows *sql.Rows) error {
		h, err := scanHost(rows)
		out = append(out, h)
		return err
	})
	return out, total, err
}

// FindHost returns a host of an organization's inventory.
func (q *Q) FindHost(ctx context.Context, orgID, id string) (scan.Host, error) {
	h, err := scanHost(q.queryRow(ctx, `SELECT `+hostColumns+` FROM hosts h WHERE h.id = ? AND h.organization_id = ?`, id, orgID))
	return h, notFound(err, "Host")
}

// HostsByID returns hosts of an organization's inventory by id (ids of
// another organization or unknown ones are left out).
func (q *Q) HostsByID(ctx context.Context, orgID string, ids []string) (map[string]scan.Host, error) {
	out := map[string]scan.Host{}
	if len(ids) == 0 {
		return out, nil
	}
	// The ids drive the join (SQLite keeps a CROSS JOIN's order): one primary
	// key probe each, rather than a walk over the organization's hosts.
	values := strings.TrimSuffix(strings.Repeat("(CAST(? AS TEXT)),", len(ids)), ",")
	args := make([]any, 0, len(ids)+1)
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := q.query(ctx, `WITH wanted (id) AS (VALUES `+values+`) SELECT `+hostColumns+`
		FROM wanted CROSS JOIN hosts h WHERE h.id = wanted.id AND h.organization_id = ?`, append(args, orgID)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		h, err := scanHost(rows)
		if err != nil {
			return nil, err
		}
		out[h.ID] = h
	}
	return out, mapErr(rows.Err())
}

// idArgs is a tenant id followed by ids, as statement arguments.
func idArgs(orgID string, ids []string) []any {
	args := make([]any, 0, len(ids)+1)
	args = append(args, orgID)
	for _, id := range ids {
		args = append(args, id)
	}
	return args
}

// OpenFindingCounts counts the open (open or reopened) findings of an
// organization's hosts by severity, keyed by IP address, for at most a page of
// addresses (findings are found by address, which the (organization_id, ip)
// index serves).
func (q *Q) OpenFindingCounts(ctx context.Context, orgID string, ips []string) (map[string]scan.Stats, error) {
	out := map[string]scan.Stats{}
	if len(ips) == 0 {
		return out, nil
	}
	// The addresses drive the join (SQLite keeps a CROSS JOIN's order): one
	// (organization_id, ip) index range each. With a plain IN list SQLite may
	// walk the organization's open findings through the status index instead,
	// which grows with the whole inventory rather than with the page.
	values := strings.TrimSuffix(strings.Repeat("(CAST(? AS TEXT)),", len(ips)), ",")
	args := make([]any, 0, len(ips)+1)
	for _, ip := range ips {
		args = append(args, ip)
	}
	rows, err := q.query(ctx, `WITH wanted (ip) AS (VALUES `+values+`) SELECT f.ip, f.severity_rank, COUNT(*)
		FROM wanted CROSS JOIN findings f WHERE f.organization_id = ? AND f.ip = wanted.ip
		AND f.status IN ('open', 'reopened') GROUP BY f.ip, f.severity_rank`, append(args, orgID)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ip string
		var rank, n int
		if err := rows.Scan(&ip, &rank, &n); err != nil {
			return nil, err
		}
		st := out[ip]
		st.AddN(scan.SeverityOfRank(rank), n)
		out[ip] = st
	}
	return out, mapErr(rows.Err())
}

// RunServices returns the services (open ports) a run of an organization saw
// on hosts, by host id, in port order.
func (q *Q) RunServices(ctx context.Context, orgID, runID string, hostIDs []string) (map[string][]scan.Service, error) {
	out := map[string][]scan.Service{}
	if len(hostIDs) == 0 {
		return out, nil
	}
	args := append([]any{runID}, idArgs(orgID, hostIDs)...)
	rows, err := q.query(ctx, `SELECT sv.id, sv.run_id, sv.host_id, sv.port, sv.protocol, sv.state, sv.service, sv.product, sv.version,
		sv.cpe, sv.banner, sv.tls FROM services sv WHERE sv.run_id = ? AND sv.organization_id = ?
		AND sv.host_id IN (`+placeholders(len(hostIDs))+`) ORDER BY sv.host_id, sv.port, sv.protocol`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s scan.Service
		if err := rows.Scan(&s.ID, &s.RunID, &s.HostID, &s.Port, &s.Protocol, &s.State, &s.Service, &s.Product, &s.Version,
			jsonCol{&s.CPE}, &s.Banner, &s.TLS); err != nil {
			return nil, err
		}
		if s.CPE == nil {
			s.CPE = []string{}
		}
		out[s.HostID] = append(out[s.HostID], s)
	}
	return out, mapErr(rows.Err())
}

const runHostColumns = `rh.id, rh.run_id, rh.host_id, rh.ip, rh.hostnames, rh.status, rh.reason, rh.os, rh.rtt_us,
	rh.open_ports, rh.critical_count, rh.high_count, rh.medium_count, rh.low_count, rh.info_count, rh.scanned_at`

func scanRunHost(sc interface{ Scan(...any) error }, extra ...any) (scan.RunHost, error) {
	var h scan.RunHost
	var rtt int64
	c := &h.Counts
	err := sc.Scan(append([]any{&h.ID, &h.RunID, &h.HostID, &h.IP, jsonCol{&h.Hostnames}, &h.Status, &h.Reason, &h.OS, &rtt,
		&h.OpenPorts, &c.Critical, &c.High, &c.Medium, &c.Low, &c.Info, timeCol{&h.ScannedAt}}, extra...)...)
	h.RTT = time.Duration(rtt) * time.Microsecond
	c.Findings = c.Critical + c.High + c.Medium + c.Low + c.Info
	if h.Hostnames == nil {
		h.Hostnames = []string{}
	}
	return h, err
}

// riskSQL is scan.SeverityWeight over per-severity count columns named
// <prefix>critical_count … <prefix>low_count, as a SQL expression.
func riskSQL(prefix string) string {
	var terms []string
	for _, sev := range scan.Severities {
		if w := scan.SeverityWeight(sev); w > 0 {
			terms = append(terms, prefix+sev+"_count * "+strconv.Itoa(w))
		}
	}
	return "(" + strings.Join(terms, " + ") + ")"
}

// severityCountSQL picks the count column of rh for the severity bound to ?.
const severityCountSQL = "(CASE ? WHEN 'critical' THEN rh.critical_count WHEN 'high' THEN rh.high_count " +
	"WHEN 'medium' THEN rh.medium_count WHEN 'low' THEN rh.low_count ELSE rh.info_count END) > 0"

// runHostListSQL is scan.RunHostList in the SQL of FindRunHosts.
var runHostListSQL = bindList(&scan.RunHostList, listSQL{
	Date: "rh.scanned_at", ID: "rh.id",
	Cols: map[string]colSQL{
		"ip":         {Expr: "rh.ip"},
		"host":       {Expr: "rh.ip"},
		"hostname":   {Expr: "rh.hostnames"},
		"os":         {Expr: "rh.os"},
		"status":     {Expr: "rh.status"},
		"port":       {Cond: "EXISTS (SELECT 1 FROM services sv WHERE sv.run_id = rh.run_id AND sv.host_id = rh.host_id AND sv.port = ?)"},
		"severity":   {Cond: severityCountSQL},
		"open_ports": {Expr: "rh.open_ports"},
		"risk":       {Expr: riskSQL("rh.")},
		"scanned_at": {Expr: "rh.scanned_at"},
	},
})

// FindRunHosts lists the hosts a run of an organization saw.
func (q *Q) FindRunHosts(ctx context.Context, orgID, runID string, p listing.Params) ([]scan.RunHost, int, error) {
	lq := listQuery{Select: runHostColumns, From: "run_hosts rh"}
	lq.where("rh.run_id = ? AND rh.organization_id = ?", runID, orgID)
	var out []scan.RunHost
	total, err := q.runList(ctx, lq, runHostListSQL, p, func(rows *sql.Rows) error {
		h, err := scanRunHost(rows)
		out = append(out, h)
		return err
	})
	return out, total, err
}

// FindRunHost returns a host (by inventory id) as a run of an organization saw it.
func (q *Q) FindRunHost(ctx context.Context, orgID, runID, hostID string) (scan.RunHost, error) {
	h, err := scanRunHost(q.queryRow(ctx, `SELECT `+runHostColumns+` FROM run_hosts rh
		WHERE rh.run_id = ? AND rh.host_id = ? AND rh.organization_id = ?`, runID, hostID, orgID))
	return h, notFound(err, "Host")
}

// HostRuns lists the runs that scanned a host of an organization, newest
// first (at most limit), and how many there are in all.
func (q *Q) HostRuns(ctx context.Context, orgID, hostID string, limit int) ([]scan.HostRun, int, error) {
	var total int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM run_hosts rh WHERE rh.host_id = ? AND rh.organization_id = ?`,
		hostID, orgID).Scan(&total); err != nil {
		return nil, 0, mapErr(err)
	}
	rows, err := q.query(ctx, `SELECT `+runHostColumns+`, r.scan_id, r.target_id, r.status, r.queued_at, r.finished_at
		FROM run_hosts rh JOIN scan_runs r ON r.id = rh.run_id
		WHERE rh.host_id = ? AND rh.organization_id = ? ORDER BY r.queued_at DESC, r.id DESC LIMIT ?`, hostID, orgID, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []scan.HostRun{}
	for rows.Next() {
		var hr scan.HostRun
		var err error
		var scanID, targetID, status string
		var queued time.Time
		var finished *time.Time
		if hr.Host, err = scanRunHost(rows, &scanID, &targetID, &status, timeCol{&queued}, nullTimeCol{&finished}); err != nil {
			return nil, 0, err
		}
		hr.RunID, hr.ScanID, hr.TargetID, hr.Status, hr.QueuedAt, hr.FinishedAt = hr.Host.RunID, scanID, targetID, status, queued, finished
		out = append(out, hr)
	}
	return out, total, mapErr(rows.Err())
}
