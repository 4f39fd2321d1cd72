package store

import (
	"context"
	"strconv"
)

// ResultsVersion is the organization's results version: it changes with every
// stored batch, fixed finding and finished run (and any later change to
// finding statuses), in the same transaction.
func (q *Q) ResultsVersion(ctx context.Context, orgID string) (string, error) {
	var v int64
	// organizations is the tenant table itself: its id is the tenant.
	err := q.queryRow(ctx, `SELECT results_version FROM organizations WHERE id = ?`, orgID).Scan(&v)
	return strconv.FormatInt(v, 10), notFound(err, "Organization")
}

// BumpResultsVersion marks the organization's results changed; call it in the
// transaction that changes them.
func (q *Q) BumpResultsVersion(ctx context.Context, orgID string) error {
	// organizations is the tenant table itself: its id is the tenant.
	_, err := q.exec(ctx, `UPDATE organizations SET results_version = results_version + 1 WHERE id = ?`, orgID)
	return err
}
