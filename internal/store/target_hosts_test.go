package store_test

import (
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// TestTargetHostsMigrationIndexesExistingTargets undoes migration 0017 on a
// database with a target, applies it again, and expects its Go step to have
// indexed the target that existed before it.
func TestTargetHostsMigrationIndexesExistingTargets(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			return q.CreateTarget(ctx, scanconfig.Target{ID: id(500), OrganizationID: f.cus.ID, Name: "old", Hosts: "10.1.0.0/16, db.example.com",
				Product: tenant.ProductVRMS, Tags: []string{}, CreatedAt: t0, UpdatedAt: t0})
		}))
		find := func(v string) int {
			p := params(t, &scanconfig.TargetList, "q[hosts]="+v)
			_, n, err := f.s.R().FindTargets(ctx, f.cus.ID, p)
			must(t, err)
			return n
		}
		if find("10.1.2.3") != 1 {
			t.Fatal("the new target is not found by an address of its CIDR")
		}
		must(t, f.s.ExecForTest(ctx, `DROP TABLE target_hosts`, `DELETE FROM schema_migrations WHERE version = 17`))
		applied, err := f.s.Migrate(ctx)
		must(t, err)
		if len(applied) != 1 {
			t.Fatalf("applied %v, want migration 17 alone", applied)
		}
		if find("10.1.2.3") != 1 || find("db.*") != 1 || find("10.2.0.1") != 0 {
			t.Fatal("migration 17 did not index the target that existed before it")
		}
	})
}
