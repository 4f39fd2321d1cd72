package store

import (
	"context"
	"time"
)

// UndispatchedEvents returns the oldest events not fanned out yet, in the
// order they happened.
func (q *Q) UndispatchedEvents(ctx context.Context, limit int) ([]Event, error) {
	rows, err := q.query(ctx, `SELECT id, organization_id, type, resource_type, resource_id, payload, created_at, dispatched_at
		FROM events WHERE dispatched_at IS NULL ORDER BY created_at, id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, &e.OrganizationID, &e.Type, &e.ResourceType, &e.ResourceID, jsonCol{&e.Payload},
			timeCol{&e.CreatedAt}, nullTimeCol{&e.DispatchedAt}); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// MarkEventDispatched claims an event for fan-out (compare-and-set on
// dispatched_at): it reports false when another dispatcher got it first.
func (q *Q) MarkEventDispatched(ctx context.Context, orgID, id string, at time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE events SET dispatched_at = ? WHERE id = ? AND organization_id = ? AND dispatched_at IS NULL`,
		ts(at), id, orgID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// CountUndispatchedEvents counts the outbox's backlog (tests, benchmarks).
func (q *Q) CountUndispatchedEvents(ctx context.Context) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM events WHERE dispatched_at IS NULL`).Scan(&n)
	return n, mapErr(err)
}
