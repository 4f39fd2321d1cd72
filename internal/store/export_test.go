package store

import (
	"context"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scan"
)

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

// PCIFailSQLForTest evaluates the store's SQL mirror of the PCI rule over one
// findings row built from the arguments.
func (s *Store) PCIFailSQLForTest(ctx context.Context, score float64, dosOnly, autoFail bool, status string) (bool, error) {
	var n int
	err := s.R().queryRow(ctx, `SELECT CASE WHEN `+pciFailSQL+` THEN 1 ELSE 0 END FROM (SELECT CAST(? AS DOUBLE PRECISION) AS cvss_score,
		CAST(? AS BOOLEAN) AS dos_only, CAST(? AS BOOLEAN) AS pci_auto_fail, CAST(? AS TEXT) AS status) f`,
		score, dosOnly, autoFail, status).Scan(&n)
	return n == 1, err
}

// InsertFindingRowsForTest writes findings the way SaveHostResults does
// (the same columns, values and statement shape) into table, with a plain
// INSERT: for measuring what the row alone costs.
func (s *Store) InsertFindingRowsForTest(ctx context.Context, table string, fs []scan.Finding) error {
	rows := make([][]any, len(fs))
	for i, f := range fs {
		rows[i] = findingArgs(f)
	}
	return s.Tx(ctx, func(q *Q) error {
		return q.upsertRows(ctx, strings.Replace(findingInsert, "INSERT INTO findings", "INSERT INTO "+table, 1), "", rows)
	})
}
