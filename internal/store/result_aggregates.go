package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// StoredAggregate is an aggregate's value as last computed (see migration
// 0022): the results version and stamp it was computed for, when, how long
// it took, and the value as JSON.
type StoredAggregate struct {
	Version    string
	ComputedAt time.Time
	Took       time.Duration
	Value      []byte
}

// LoadAggregate returns the stored value of an organization's aggregate; ok
// is false when none was stored.
func (q *Q) LoadAggregate(ctx context.Context, orgID, key string) (a StoredAggregate, ok bool, err error) {
	var took int64
	var value string
	err = q.queryRow(ctx, `SELECT version, computed_at, took_us, value FROM result_aggregates
		WHERE organization_id = ? AND key = ?`, orgID, key).Scan(&a.Version, timeCol{&a.ComputedAt}, &took, &value)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return a, false, nil
		}
		return a, false, mapErr(err)
	}
	a.Took, a.Value = time.Duration(took)*time.Microsecond, []byte(value)
	return a, true, nil
}

// SaveAggregate stores an organization's aggregate, replacing the one stored
// unless that one was computed later (two nodes racing keep the newer).
func (q *Q) SaveAggregate(ctx context.Context, orgID, key string, a StoredAggregate) error {
	_, err := q.exec(ctx, `INSERT INTO result_aggregates (organization_id, key, version, computed_at, took_us, value)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (organization_id, key) DO UPDATE SET version = excluded.version,
		computed_at = excluded.computed_at, took_us = excluded.took_us, value = excluded.value
		WHERE result_aggregates.computed_at <= excluded.computed_at`,
		orgID, key, a.Version, ts(a.ComputedAt), a.Took.Microseconds(), string(a.Value))
	return err
}
