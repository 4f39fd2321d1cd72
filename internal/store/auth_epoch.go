package store

import "context"

// AuthEpoch returns the authentication epoch (migration 0019): it moves
// forward in every transaction that changes a user, an organization, a
// session, an access token or an API key, so a cache of resolved credentials
// tagged with it is exact.
func (q *Q) AuthEpoch(ctx context.Context) (int64, error) {
	var n int64
	err := q.queryRow(ctx, `SELECT n FROM auth_epoch WHERE id = 1`).Scan(&n)
	return n, mapErr(err)
}
