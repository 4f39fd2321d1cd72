package app

import (
	"context"
	"strings"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// The current user's view of their organization's plans (§2.15). Every role
// may read these: they say what the user's organization may use.

// ActivePlan is an active subscription with its plan and the features in force.
type ActivePlan struct {
	Plan         tenant.Plan
	Subscription tenant.Subscription
	Effective    tenant.Features
}

// MyPlans returns the plans of the caller's organization's active
// subscriptions, with the features in force (plan values, overrides, defaults).
func (a *App) MyPlans(ctx context.Context, act *Actor) ([]ActivePlan, error) {
	q := a.store.R()
	subs, err := q.FindSubscriptions(ctx, act.Org.ID, true)
	if err != nil {
		return nil, err
	}
	var out []ActivePlan
	for _, s := range subs {
		p, err := q.FindPlan(ctx, s.PlanID)
		if err != nil {
			return nil, err
		}
		eff := s.Effective(p.Features)
		for _, d := range tenant.FeatureRegistry {
			if _, ok := eff[d.Key]; !ok {
				eff[d.Key] = d.Default
			}
		}
		out = append(out, ActivePlan{Plan: p, Subscription: s, Effective: eff})
	}
	return out, nil
}

// MyProducts returns the products the caller's organization has an active
// subscription to, in catalogue order.
func (a *App) MyProducts(ctx context.Context, act *Actor) ([]Product, error) {
	q := a.store.R()
	subs, err := q.FindSubscriptions(ctx, act.Org.ID, true)
	if err != nil {
		return nil, err
	}
	all, err := q.Products(ctx)
	if err != nil {
		return nil, err
	}
	var out []Product
	for _, p := range all {
		for _, s := range subs {
			if s.Product == p.ID {
				out = append(out, p)
				break
			}
		}
	}
	return out, nil
}

// MySubscriptions lists the subscription history of the caller's organization.
func (a *App) MySubscriptions(ctx context.Context, act *Actor, p listing.Params) ([]tenant.Subscription, int, error) {
	return a.store.R().ListSubscriptions(ctx, act.Scope(), false, p)
}

// SetMyProduct sets the caller's current product: one their organization has
// an active subscription to (422 otherwise).
func (a *App) SetMyProduct(ctx context.Context, act *Actor, product string) (user.User, error) {
	product = strings.ToLower(strings.TrimSpace(product))
	if !tenant.ValidProduct(product) {
		return user.User{}, errs.Field("product", "'%s' is not one of: %s", product, strings.Join(tenant.Products, ", "))
	}
	if act.Org.Kind != tenant.KindPlatform {
		subs, err := a.store.R().FindSubscriptions(ctx, act.Org.ID, true)
		if err != nil {
			return user.User{}, err
		}
		ok := false
		for _, s := range subs {
			ok = ok || s.Product == product
		}
		if !ok {
			return user.User{}, errs.Field("product", "your organization has no active subscription to %s", product)
		}
	}
	return a.UpdateSelf(ctx, act, user.Update{Product: &product})
}

// ChangeOrganization switches the organization the caller acts in (their
// "current" organization, used by every later request of any of their
// sessions and access token): their home organization (the one they belong
// to), or — for administrators — one below it. Anything else is not found.
// Roles are unchanged; API keys still follow the tree rule (a key of the
// current organization or of an ancestor).
func (a *App) ChangeOrganization(ctx context.Context, act *Actor, orgID string) (tenant.Organization, error) {
	if strings.TrimSpace(orgID) == "" {
		return tenant.Organization{}, errs.Field("organization_id", "can't be blank")
	}
	var org tenant.Organization
	err := a.store.Tx(ctx, func(q *store.Q) error {
		home, err := q.OrganizationByID(ctx, act.User.OrganizationID)
		if err != nil {
			return err
		}
		org, err = q.FindOrganization(ctx, tenant.Scope{OrgID: home.ID, Path: home.Path, Subtree: act.User.IsAdmin()}, orgID)
		if errs.Is(err, errs.NotFound) {
			return errs.Field("organization_id", "organization '%s' not found", orgID)
		} else if err != nil {
			return err
		}
		if org.Status == tenant.StatusSuspended {
			return errs.Field("organization_id", "organization '%s' is suspended", org.Name)
		}
		if !strings.HasPrefix(org.Path, act.APIKey.OrgPath) {
			return errs.Field("organization_id", "this API key does not belong to organization '%s' or a parent of it", org.Name)
		}
		current := org.ID
		if org.ID == home.ID {
			current = ""
		}
		if err := q.SetUserCurrentOrganization(ctx, act.User.OrganizationID, act.User.ID, current, a.now()); err != nil {
			return err
		}
		return a.record(ctx, q, act, org.ID, "user.change_organization", "user", act.User.ID,
			map[string]any{"organization_id": []any{act.Org.ID, org.ID}})
	})
	return org, err
}

// ExportOrganizations streams the organizations the caller manages (their
// own and, for administrators, those below it), parents before children, with
// each one's active plans, to fn. The read is one query: rows reach fn as the
// database returns them.
func (a *App) ExportOrganizations(ctx context.Context, act *Actor, fn func(tenant.Organization, []tenant.Subscription) error) error {
	if err := act.can("organizations", "read"); err != nil {
		return err
	}
	if !act.User.IsAdmin() {
		return errs.New(errs.Forbidden, "Only administrators export organizations")
	}
	q := a.store.R()
	subs, err := q.ActiveSubscriptionsInScope(ctx, act.ManagedScope())
	if err != nil {
		return err
	}
	return q.OrganizationsInScope(ctx, act.ManagedScope(), func(o tenant.Organization) error {
		return fn(o, subs[o.ID])
	})
}
