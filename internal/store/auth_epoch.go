package store

import (
	"context"
	"database/sql"
	"strconv"
)

// AuthEpoch returns the authentication epoch (migration 0019): it moves
// forward in every transaction that changes a user, an organization, a
// session, an access token or an API key, so a cache of resolved credentials
// tagged with it is exact.
func (q *Q) AuthEpoch(ctx context.Context) (int64, error) {
	var n int64
	err := q.queryRow(ctx, `SELECT n FROM auth_epoch WHERE id = 1`).Scan(&n)
	return n, mapErr(err)
}

// AuthEpochWithResults returns the authentication epoch and, read in the same
// statement, the results version of an organization (ResultsVersion; ""
// when orgID is empty or names no organization): a request that answers
// from cached credentials and cached results then costs one round trip.
func (q *Q) AuthEpochWithResults(ctx context.Context, orgID string) (int64, string, error) {
	if orgID == "" {
		n, err := q.AuthEpoch(ctx)
		return n, "", err
	}
	var n int64
	var rv sql.NullInt64
	err := q.queryRow(ctx, `SELECT n, (SELECT results_version FROM organizations WHERE id = ?) FROM auth_epoch WHERE id = 1`,
		orgID).Scan(&n, &rv)
	if err != nil || !rv.Valid {
		return n, "", mapErr(err)
	}
	return n, strconv.FormatInt(rv.Int64, 10), nil
}
