package store

import (
	"context"
	"strings"
)

// NewFinding is a finding a run saw for the first time, as a
// vulnerability_found event lists it.
type NewFinding struct {
	ID, IP, Hostname, Protocol, CheckID, Title, Severity string
	Port                                                 int
	CVSSScore                                            float64
	CVEs                                                 []string
}

// newInRun selects the occurrences of run o.run_id whose finding no other
// run has seen.
const newInRun = `FROM finding_occurrences o JOIN findings f ON f.id = o.finding_id
	WHERE o.run_id = ? AND o.organization_id = ?
	AND NOT EXISTS (SELECT 1 FROM finding_occurrences p WHERE p.finding_id = o.finding_id AND p.run_id <> o.run_id)`

// RunNewFindings counts the findings a run saw first, by severity, and lists
// the most severe of them (at most limit).
func (q *Q) RunNewFindings(ctx context.Context, orgID, runID string, limit int) (map[string]int, []NewFinding, error) {
	rows, err := q.query(ctx, `SELECT f.severity, COUNT(*) `+newInRun+` GROUP BY f.severity`, runID, orgID)
	if err != nil {
		return nil, nil, err
	}
	counts := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			rows.Close()
			return nil, nil, err
		}
		counts[s] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(counts) == 0 {
		return counts, nil, mapErr(err)
	}
	rows, err = q.query(ctx, `SELECT f.id, f.ip, f.hostname, f.port, f.protocol, f.check_id, f.title, f.severity, f.cvss_score, f.cves `+
		newInRun+` ORDER BY f.severity_rank DESC, f.ip, f.port, f.id LIMIT ?`, runID, orgID, limit)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []NewFinding
	for rows.Next() {
		var f NewFinding
		var cves string
		if err := rows.Scan(&f.ID, &f.IP, &f.Hostname, &f.Port, &f.Protocol, &f.CheckID, &f.Title, &f.Severity, &f.CVSSScore, &cves); err != nil {
			return nil, nil, err
		}
		f.CVEs = strings.Fields(cves)
		out = append(out, f)
	}
	return counts, out, mapErr(rows.Err())
}

// EventByID returns an event of an organization.
func (q *Q) EventByID(ctx context.Context, orgID, id string) (Event, error) {
	var e Event
	err := q.queryRow(ctx, `SELECT id, organization_id, type, resource_type, resource_id, payload, created_at, dispatched_at
		FROM events WHERE id = ? AND organization_id = ?`, id, orgID).Scan(&e.ID, &e.OrganizationID, &e.Type, &e.ResourceType,
		&e.ResourceID, jsonCol{&e.Payload}, timeCol{&e.CreatedAt}, nullTimeCol{&e.DispatchedAt})
	return e, notFound(err, "Event")
}
