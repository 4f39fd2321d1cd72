package store

import "context"

// ExecForTest runs statements in one transaction, for tests that must put
// the database in a state the store's API cannot (e.g. before a migration).
func (s *Store) ExecForTest(ctx context.Context, stmts ...string) error {
	return s.Tx(ctx, func(q *Q) error {
		for _, st := range stmts {
			if _, err := q.exec(ctx, st); err != nil {
				return err
			}
		}
		return nil
	})
}

// CountForTest runs a SELECT COUNT(*) statement.
func (s *Store) CountForTest(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := s.R().queryRow(ctx, query, args...).Scan(&n)
	return n, err
}
