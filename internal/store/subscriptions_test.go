package store_test

import (
	"testing"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// TestSubscriptionsStore: subscriptions are tenant data (another
// organization's id is not found), the one-active-per-product index holds,
// descendant lists exclude the organization itself and other trees, and plan
// counts and archiving behave on both engines.
func TestSubscriptionsStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		plan := tenant.Plan{ID: id(50), Product: tenant.ProductPCI, Name: "Store plan", Features: tenant.Features{"max_ips": int64(5)}, CreatedAt: t0, UpdatedAt: t0}
		sub := func(n int, o tenant.Organization) tenant.Subscription {
			return tenant.Subscription{ID: id(n), OrganizationID: o.ID, PlanID: plan.ID, Product: plan.Product, Interval: tenant.IntervalNone,
				Status: tenant.SubscriptionActive, StartDate: t0, CreatedAt: t0, UpdatedAt: t0}
		}
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.CreatePlan(ctx, plan); err != nil {
				return err
			}
			for i, o := range []tenant.Organization{f.partner, f.cus, f.other} {
				if err := q.CreateSubscription(ctx, sub(60+i, o)); err != nil {
					return err
				}
			}
			return nil
		}))
		q := f.s.R()
		if _, err := q.FindSubscription(ctx, f.cus.ID, id(61)); err != nil {
			t.Fatalf("own subscription: %v", err)
		}
		if _, err := q.FindSubscription(ctx, f.other.ID, id(61)); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another organization's subscription must be not found, got %v", err)
		}
		err := f.s.Tx(ctx, func(q *store.Q) error { return q.CreateSubscription(ctx, sub(70, f.cus)) })
		if _, dup := err.(*store.ErrDuplicate); !dup {
			t.Fatalf("second active pci subscription: want ErrDuplicate, got %v", err)
		}
		p := listing.Params{Page: 1, PerPage: 25}
		subs, total, err := q.ListDescendantSubscriptions(ctx, f.partner.ID, f.partner.Path, p)
		if err != nil || total != 1 || subs[0].OrganizationID != f.cus.ID {
			t.Fatalf("descendants of the partner: %v %d %v", subs, total, err)
		}
		active, all, err := q.CountPlanSubscriptions(ctx, plan.ID)
		if err != nil || active != 3 || all != 3 {
			t.Fatalf("counts: %d %d %v", active, all, err)
		}
		sets, err := q.ActiveFeatureSets(ctx, f.cus.ID)
		if err != nil || len(sets) != 1 || sets[0].Plan["max_ips"] == nil {
			t.Fatalf("feature sets: %v %v", sets, err)
		}
		must(t, f.s.Tx(ctx, func(q *store.Q) error { return q.ArchivePlan(ctx, plan.ID, t0) }))
		if _, err := q.FindPlan(ctx, "store plan"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("an archived plan is not found by name: %v", err)
		}
		if p, err := q.FindPlan(ctx, plan.ID); err != nil || p.ArchivedAt == nil {
			t.Fatalf("an archived plan is still found by id for its history: %v %v", p, err)
		}
	})
}
