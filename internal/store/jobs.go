package store

import (
	"context"
	"errors"

	"github.com/riverqueue/river"
)

// ErrNoTx is returned when a job is enqueued outside a transaction.
var ErrNoTx = errors.New("store: jobs are enqueued inside Store.Tx only")

// EnqueueJob inserts a job in the current transaction (the outbox rule: the job
// exists if and only if the change that caused it commits).
func (q *Q) EnqueueJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if q.tx == nil {
		return ErrNoTx
	}
	_, err := q.s.inserter.InsertTx(ctx, q.tx, args, opts)
	return err
}

// EnqueueJobs inserts several jobs in q's transaction with one statement.
func (q *Q) EnqueueJobs(ctx context.Context, jobs []river.InsertManyParams) error {
	if q.tx == nil {
		return ErrNoTx
	}
	if len(jobs) == 0 {
		return nil
	}
	_, err := q.s.inserter.InsertManyTx(ctx, q.tx, jobs)
	return err
}

// CountJobs counts jobs of a kind in any state (tests and diagnostics).
func (s *Store) CountJobs(ctx context.Context, kind string) (int, error) {
	var n int
	err := s.R().queryRow(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = ?`, kind).Scan(&n)
	return n, mapErr(err)
}
