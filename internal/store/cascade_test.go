package store_test

import (
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestResultsCascade: deleting a scan removes its runs' occurrences, and
// deleting an organization removes its findings and their occurrences, on
// both engines (PostgreSQL does it with statement-level triggers instead of
// foreign keys, migration 0018).
func TestResultsCascade(t *testing.T) {
	t.Parallel()
	f := func(t *testing.T, engine string) {
		fx := newFixture(t, engine)
		count := func(q string, args ...any) int {
			n, err := fx.s.CountForTest(ctx, q, args...)
			must(t, err)
			return n
		}
		a := newResultsFixture(t, fx.s, fx.cus, 1)
		b := newResultsFixture(t, fx.s, fx.other, 2)
		a.run(t, id(601), t0, seedFindings("10.0.0.1", "10.0.0.2"))
		a.run(t, id(602), t0.Add(time.Hour), seedFindings("10.0.0.1"))
		b.run(t, id(603), t0, seedFindings("10.0.0.9"))
		if n := count(`SELECT COUNT(*) FROM finding_occurrences WHERE organization_id = ?`, fx.cus.ID); n != 18 {
			t.Fatalf("occurrences before: %d, want 18", n)
		}
		must(t, fx.s.Tx(ctx, func(q *store.Q) error {
			_, err := q.DeleteScans(ctx, fx.cus.ID, []string{a.scanID})
			return err
		}))
		if n := count(`SELECT COUNT(*) FROM finding_occurrences WHERE organization_id = ?`, fx.cus.ID); n != 0 {
			t.Fatalf("occurrences of the deleted scan's runs: %d left", n)
		}
		if n := count(`SELECT COUNT(*) FROM findings WHERE organization_id = ?`, fx.cus.ID); n != 12 {
			t.Fatalf("findings outlive their scan: got %d, want 12", n)
		}
		must(t, fx.s.Tx(ctx, func(q *store.Q) error { return q.DeleteOrganization(ctx, fx.other.ID) }))
		if n := count(`SELECT COUNT(*) FROM findings WHERE organization_id = ?`, fx.other.ID); n != 0 {
			t.Fatalf("findings of the deleted organization: %d left", n)
		}
		if n := count(`SELECT COUNT(*) FROM finding_occurrences WHERE organization_id = ?`, fx.other.ID); n != 0 {
			t.Fatalf("occurrences of the deleted organization: %d left", n)
		}
		if n := count(`SELECT COUNT(*) FROM findings WHERE organization_id = ?`, fx.cus.ID); n != 12 {
			t.Fatalf("another organization's findings went too: %d left of 12", n)
		}
	}
	storetest.Each(t, f)
}
