package store

import (
	"context"
	"slices"

	"github.com/perimeterhq/perimeter/internal/errs"
)

// MaxBulkIDs bounds one bulk request.
const MaxBulkIDs = 1000

// DeleteOwned deletes rows of table by id, all-or-nothing: every id must be a
// row of the organization, otherwise nothing is deleted and the answer is not
// found (an id of another organization is indistinguishable from an unknown
// one). It returns how many rows were deleted. table is a constant of the
// caller, never input.
func (q *Q) DeleteOwned(ctx context.Context, table, orgID string, ids []string) (int, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) == 0 {
		return 0, nil
	}
	if len(ids) > MaxBulkIDs {
		return 0, errs.Field("ids", "at most %d ids per request", MaxBulkIDs)
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, orgID)
	for _, id := range ids {
		args = append(args, id)
	}
	var n int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE organization_id = ? AND id IN (`+placeholders(len(ids))+`)`, args...).Scan(&n); err != nil {
		return 0, mapErr(err)
	}
	if n != len(ids) {
		return 0, errs.New(errs.NotFound, "%d of the %d ids were not found; nothing was deleted", len(ids)-n, len(ids))
	}
	res, err := q.exec(ctx, `DELETE FROM `+table+` WHERE organization_id = ? AND id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return 0, err
	}
	d, _ := res.RowsAffected()
	return int(d), nil
}
