package app

import (
	"context"
	"fmt"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// features returns the effective features (plan values with the subscription's
// overrides) of the organization's active subscription to a product, or a 403
// when it has none: an organization uses only the products it subscribes to.
func (a *App) features(ctx context.Context, q *store.Q, orgID, product string) (tenant.Features, error) {
	subs, err := q.FindSubscriptions(ctx, orgID, true)
	if err != nil {
		return nil, err
	}
	now := a.now()
	for _, s := range subs {
		if s.Product != product || !s.ActiveAt(now) {
			continue
		}
		plan, err := q.FindPlan(ctx, s.PlanID)
		if err != nil {
			return nil, fmt.Errorf("subscription %s: %w", s.ID, err)
		}
		return s.Effective(plan.Features), nil
	}
	return nil, errs.New(errs.Forbidden, "Your organization has no active subscription to the %s product", product)
}
