package store

import (
	"context"

	"github.com/perimeterhq/perimeter/internal/scan"
)

// OldestQueuedRunForScanner returns the oldest queued run of an organization
// whose scan runs on a scanner (the work a remote agent may claim); not found
// when there is none.
func (q *Q) OldestQueuedRunForScanner(ctx context.Context, orgID, scannerID string) (scan.Run, error) {
	r, err := scanRun(q.queryRow(ctx, `SELECT `+runColumns+` FROM scan_runs r JOIN scans s ON s.id = r.scan_id
		WHERE r.organization_id = ? AND s.organization_id = ? AND s.scanner_id = ? AND r.status = 'queued'
		ORDER BY r.queued_at, r.id LIMIT 1`, orgID, orgID, scannerID))
	return r, notFound(err, "History")
}

// RunHostCounts counts what a run of an organization stored: hosts up and
// their open ports (the counts a remote agent's run finishes with).
func (q *Q) RunHostCounts(ctx context.Context, orgID, runID string) (hostsUp, portsOpen int, err error) {
	err = q.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(open_ports), 0) FROM run_hosts
		WHERE run_id = ? AND organization_id = ? AND status = 'up'`, runID, orgID).Scan(&hostsUp, &portsOpen)
	return hostsUp, portsOpen, mapErr(err)
}
