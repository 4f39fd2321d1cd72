package app

import (
	"context"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// Plans are platform-wide. Permission model: the superadmin writes plans
// (plans:write); administrators read the catalogue (plans:read) so partners
// can pick plans for their customers; every user reads the plans of their own
// organization through /v2/user/plans. Anyone else gets 403.

// ListPlans lists the plans that are not deleted.
func (a *App) ListPlans(ctx context.Context, act *Actor, p listing.Params) ([]tenant.Plan, int, error) {
	if err := act.can("plans", "read"); err != nil {
		return nil, 0, err
	}
	return a.store.R().FindPlans(ctx, p)
}

// GetPlan returns a plan by id; deleted (archived) plans are not found.
func (a *App) GetPlan(ctx context.Context, act *Actor, id string) (tenant.Plan, error) {
	if err := act.can("plans", "read"); err != nil {
		return tenant.Plan{}, err
	}
	return findLivePlan(ctx, a.store.R(), id)
}

func findLivePlan(ctx context.Context, q *store.Q, id string) (tenant.Plan, error) {
	p, err := q.FindPlan(ctx, id)
	if err == nil && (p.ArchivedAt != nil || p.ID != id) {
		return tenant.Plan{}, errs.NotFoundf("Plan")
	}
	return p, err
}

func canWritePlans(act *Actor) error {
	if err := act.can("plans", "write"); err != nil {
		return err
	}
	if act.User.Role != user.RoleSuperadmin {
		return errs.New(errs.Forbidden, "Only a superadmin manages plans")
	}
	return nil
}

func planTaken(err error) error {
	if _, ok := err.(*store.ErrDuplicate); ok {
		return errs.Field("name", "has already been taken for this product")
	}
	return err
}

// CreatePlan adds a plan (superadmin). Features are validated against the
// feature registry; max_ips is required [CG]. A new default plan replaces the
// product's previous default.
func (a *App) CreatePlan(ctx context.Context, act *Actor, p tenant.Plan) (tenant.Plan, error) {
	if err := canWritePlans(act); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	now := a.now()
	p.ID, p.CreatedAt, p.UpdatedAt, p.ArchivedAt = newID(), now, now, nil
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if p.IsDefault {
			if err := q.ClearDefaultPlan(ctx, p.Product, p.ID, now); err != nil {
				return err
			}
		}
		if err := q.CreatePlan(ctx, p); err != nil {
			return planTaken(err)
		}
		return a.record(ctx, q, act, act.Org.ID, "plan.create", "plan", p.ID,
			map[string]any{"name": p.Name, "product": p.Product, "features": p.Features, "is_default": p.IsDefault})
	})
	return p, err
}

// UpdatePlan changes a plan (superadmin). The product never changes (its
// subscriptions are per product). Unsetting the only default of a product is
// refused: new organizations need a default plan per product.
func (a *App) UpdatePlan(ctx context.Context, act *Actor, id string, up tenant.PlanUpdate) (tenant.Plan, error) {
	if err := canWritePlans(act); err != nil {
		return tenant.Plan{}, err
	}
	var p tenant.Plan
	err := a.store.Tx(ctx, func(q *store.Q) error {
		old, err := findLivePlan(ctx, q, id)
		if err != nil {
			return err
		}
		p = up.Apply(old)
		if err := p.Validate(); err != nil {
			return err
		}
		if old.IsDefault && !p.IsDefault {
			return errs.Field("is_default", "a product needs a default plan: make another %s plan the default instead", p.Product)
		}
		now := a.now()
		p.UpdatedAt = now
		if p.IsDefault && !old.IsDefault {
			if err := q.ClearDefaultPlan(ctx, p.Product, p.ID, now); err != nil {
				return err
			}
		}
		if err := q.UpdatePlan(ctx, p); err != nil {
			return planTaken(err)
		}
		d := map[string]any{}
		if old.Name != p.Name {
			d["name"] = []any{old.Name, p.Name}
		}
		if old.Description != p.Description {
			d["description"] = []any{old.Description, p.Description}
		}
		if up.Features != nil {
			d["features"] = []any{old.Features, p.Features}
		}
		if old.IsDefault != p.IsDefault {
			d["is_default"] = []any{old.IsDefault, p.IsDefault}
		}
		return a.record(ctx, q, act, act.Org.ID, "plan.update", "plan", p.ID, d)
	})
	return p, err
}

// DeletePlan deletes a plan (superadmin): 409 while subscriptions to it are
// active (naming how many) or while it is its product's default. A plan that
// ended subscriptions refer to is archived instead of removed, so their
// history keeps it.
func (a *App) DeletePlan(ctx context.Context, act *Actor, id string) error {
	if err := canWritePlans(act); err != nil {
		return err
	}
	return a.store.Tx(ctx, func(q *store.Q) error {
		p, err := findLivePlan(ctx, q, id)
		if err != nil {
			return err
		}
		active, all, err := q.CountPlanSubscriptions(ctx, p.ID)
		if err != nil {
			return err
		}
		if active > 0 {
			return errs.New(errs.Conflict, "Plan '%s' has %d active subscription(s); unsubscribe them first", p.Name, active)
		}
		if p.IsDefault {
			return errs.New(errs.Conflict, "Plan '%s' is the default %s plan; make another plan the default first", p.Name, p.Product)
		}
		if all > 0 {
			err = q.ArchivePlan(ctx, p.ID, a.now())
		} else {
			err = q.DeletePlan(ctx, p.ID)
		}
		if err != nil {
			return err
		}
		return a.record(ctx, q, act, act.Org.ID, "plan.delete", "plan", p.ID,
			map[string]any{"name": p.Name, "product": p.Product, "archived": all > 0})
	})
}

// Product is a product of the catalogue.
type Product = store.ProductRow

// ListProducts returns the product catalogue (every authenticated user may read it).
func (a *App) ListProducts(ctx context.Context) ([]Product, error) {
	return a.store.R().Products(ctx)
}
