package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// Subscriptions. Who may do what:
//   - Read an organization's subscriptions: administrators, for their own
//     organization and those below it (subscriptions:read). Others: 403.
//     Organizations outside that subtree are not found (404).
//   - Change them (subscribe, unsubscribe, update, assign/revoke features):
//     an administrator of an ancestor organization (a partner for its
//     customers, the superadmin for everyone), or the superadmin for the
//     platform itself. An organization's own administrator may only subscribe
//     it to a product's default plan (self-service of what every new
//     organization gets); anything else of their own is their parent's to
//     change (403).

// managedOrg resolves orgID ("" = the caller's own) inside the caller's
// managed scope; others are not found.
func (a *App) managedOrg(ctx context.Context, q *store.Q, act *Actor, orgID string) (tenant.Organization, error) {
	if orgID == "" || orgID == act.Org.ID {
		return act.Org, nil
	}
	return q.FindOrganization(ctx, act.ManagedScope(), orgID)
}

// canChangeSubscriptions applies the write rule to org (already in scope).
func canChangeSubscriptions(act *Actor, org tenant.Organization) error {
	if err := act.can("subscriptions", "write"); err != nil {
		return err
	}
	if !act.User.IsAdmin() {
		return errs.New(errs.Forbidden, "Only administrators change subscriptions")
	}
	// The user's home organization is theirs to use, its parent's to sell: a
	// partner admin acting in a customer (organizations/change) still manages it.
	if org.ID == act.User.OrganizationID && act.User.Role != user.RoleSuperadmin {
		return errs.New(errs.Forbidden, "Your organization's subscriptions are managed by its parent organization")
	}
	return nil
}

// ListOrganizationSubscriptions lists an organization's subscriptions (all, or
// the active ones), newest first.
func (a *App) ListOrganizationSubscriptions(ctx context.Context, act *Actor, orgID string, activeOnly bool, p listing.Params) ([]tenant.Subscription, int, error) {
	if err := act.can("subscriptions", "read"); err != nil {
		return nil, 0, err
	}
	q := a.store.R()
	org, err := a.managedOrg(ctx, q, act, orgID)
	if err != nil {
		return nil, 0, err
	}
	return q.ListSubscriptions(ctx, tenant.Scope{OrgID: org.ID, Path: org.Path}, activeOnly, p)
}

// GetSubscription returns one subscription of an organization in scope.
func (a *App) GetSubscription(ctx context.Context, act *Actor, orgID, id string) (tenant.Subscription, error) {
	if err := act.can("subscriptions", "read"); err != nil {
		return tenant.Subscription{}, err
	}
	q := a.store.R()
	org, err := a.managedOrg(ctx, q, act, orgID)
	if err != nil {
		return tenant.Subscription{}, err
	}
	return q.FindSubscription(ctx, org.ID, id)
}

// DependentSubscriptions lists the subscriptions of the organizations below
// the caller's (partners' customers; for the superadmin, everyone else).
func (a *App) DependentSubscriptions(ctx context.Context, act *Actor, p listing.Params) ([]tenant.Subscription, int, error) {
	if err := act.can("subscriptions", "read"); err != nil {
		return nil, 0, err
	}
	if !act.User.IsAdmin() {
		return nil, 0, errs.New(errs.Forbidden, "Only administrators see their customers' subscriptions")
	}
	return a.store.R().ListDescendantSubscriptions(ctx, act.Org.ID, act.Org.Path, p)
}

// Subscribe subscribes an organization ("" = the caller's own) to a plan. An
// active subscription to another plan of the same product ends (cancelled,
// end_date now) in the same transaction: one active subscription per product
// [CG]. Subscribing again to the plan already active is a 409.
func (a *App) Subscribe(ctx context.Context, act *Actor, orgID string, req PlanRequest) (tenant.Subscription, error) {
	if err := act.can("subscriptions", "write"); err != nil {
		return tenant.Subscription{}, err
	}
	var sub tenant.Subscription
	err := a.store.Tx(ctx, func(q *store.Q) error {
		org, err := a.managedOrg(ctx, q, act, orgID)
		if err != nil {
			return err
		}
		f := errs.Fields{}
		subs, err := a.resolvePlans(ctx, q, []PlanRequest{req}, f)
		if err != nil {
			return err
		}
		if err := renameFields(f, "plans[0].").Err(); err != nil {
			return err
		}
		if len(subs) != 1 {
			return errs.Field("plan", "can't be blank")
		}
		sub = subs[0]
		plan, err := q.FindPlan(ctx, sub.PlanID)
		if err != nil {
			return err
		}
		if plan.ArchivedAt != nil {
			return errs.Field("plan", "plan '%s' has been deleted", req.Plan)
		}
		if err := canChangeSubscriptions(act, org); err != nil {
			if !(org.ID == act.User.OrganizationID && act.User.IsAdmin() && plan.IsDefault) {
				return err
			}
		}
		now := a.now()
		active, err := q.FindSubscriptions(ctx, org.ID, true)
		if err != nil {
			return err
		}
		for _, old := range active {
			if old.Product != sub.Product {
				continue
			}
			if old.PlanID == sub.PlanID {
				return errs.New(errs.Conflict, "The organization is already subscribed to plan '%s'", plan.Name)
			}
			old.Status, old.EndDate, old.UpdatedAt = tenant.SubscriptionCancelled, &now, now
			if err := q.UpdateSubscription(ctx, old); err != nil {
				return err
			}
			if err := a.record(ctx, q, act, org.ID, "subscription.cancel", "subscription", old.ID,
				map[string]any{"plan": old.PlanName, "product": old.Product, "replaced_by": plan.Name}); err != nil {
				return err
			}
		}
		sub.ID, sub.OrganizationID, sub.CreatedAt, sub.UpdatedAt = newID(), org.ID, now, now
		if err := q.CreateSubscription(ctx, sub); err != nil {
			if _, dup := err.(*store.ErrDuplicate); dup { // a concurrent subscribe to the product won
				return errs.New(errs.Conflict, "Another subscription to %s was created at the same time; retry", sub.Product)
			}
			return err
		}
		return a.record(ctx, q, act, org.ID, "subscription.create", "subscription", sub.ID,
			map[string]any{"plan": plan.Name, "product": sub.Product, "interval": sub.Interval})
	})
	return sub, err
}

// renameFields strips prefix from field names (resolvePlans names fields for
// the plans[] list of organization creation).
func renameFields(f errs.Fields, prefix string) errs.Fields {
	out := errs.Fields{}
	for k, v := range f {
		out[strings.TrimPrefix(k, prefix)] = v
	}
	return out
}

// Unsubscribe ends an organization's active subscription, named by plan (id
// or name) or by subscription id.
func (a *App) Unsubscribe(ctx context.Context, act *Actor, orgID, plan, subscriptionID string) (tenant.Subscription, error) {
	if err := act.can("subscriptions", "write"); err != nil {
		return tenant.Subscription{}, err
	}
	var sub tenant.Subscription
	err := a.store.Tx(ctx, func(q *store.Q) error {
		org, err := a.managedOrg(ctx, q, act, orgID)
		if err != nil {
			return err
		}
		if err := canChangeSubscriptions(act, org); err != nil {
			return err
		}
		if (plan == "") == (subscriptionID == "") {
			return errs.Field("plan", "give either plan or subscription_id")
		}
		active, err := q.FindSubscriptions(ctx, org.ID, true)
		if err != nil {
			return err
		}
		i := -1
		if subscriptionID != "" {
			i = slices.IndexFunc(active, func(s tenant.Subscription) bool { return s.ID == subscriptionID })
			if i < 0 {
				return errs.Field("subscription_id", "no active subscription '%s' of this organization", subscriptionID)
			}
		} else {
			i = slices.IndexFunc(active, func(s tenant.Subscription) bool { return s.PlanID == plan || strings.EqualFold(s.PlanName, plan) })
			if i < 0 {
				return errs.Field("plan", "the organization has no active subscription to plan '%s'", plan)
			}
		}
		sub = active[i]
		now := a.now()
		sub.Status, sub.EndDate, sub.UpdatedAt = tenant.SubscriptionCancelled, &now, now
		if err := q.UpdateSubscription(ctx, sub); err != nil {
			return err
		}
		return a.record(ctx, q, act, org.ID, "subscription.cancel", "subscription", sub.ID,
			map[string]any{"plan": sub.PlanName, "product": sub.Product})
	})
	return sub, err
}

// SubscriptionUpdate changes a subscription (nil: unchanged). Features are
// merged into the overrides (like AssignFeatures).
type SubscriptionUpdate struct {
	Interval  *string
	StartDate *time.Time
	EndDate   *time.Time
	ClearEnd  bool // end_date: null
	Features  tenant.Features
}

// UpdateSubscription changes dates, interval and feature overrides of a
// subscription of an organization the caller manages.
func (a *App) UpdateSubscription(ctx context.Context, act *Actor, orgID, id string, up SubscriptionUpdate) (tenant.Subscription, error) {
	return a.changeSubscription(ctx, act, orgID, id, "subscription.update", func(s *tenant.Subscription) error {
		f := errs.Fields{}
		if up.Interval != nil {
			if !tenant.ValidInterval(*up.Interval) {
				f.Add("interval", "'%s' is not one of: none, monthly, yearly", *up.Interval)
			}
			s.Interval = *up.Interval
		}
		if up.StartDate != nil {
			s.StartDate = up.StartDate.UTC()
		}
		if up.ClearEnd {
			s.EndDate = nil
		} else if up.EndDate != nil {
			e := up.EndDate.UTC()
			s.EndDate = &e
		}
		if s.EndDate != nil && !s.EndDate.After(s.StartDate) {
			f.Add("end_date", "must be after start_date")
		}
		if up.Features != nil {
			feats, fe := up.Features.Normalize("features.", false)
			f.Merge("", fe)
			s.Features = mergeFeatures(s.Features, feats)
		}
		return f.Err()
	})
}

// AssignFeatures sets feature overrides of a subscription: they take
// precedence over the plan's values.
func (a *App) AssignFeatures(ctx context.Context, act *Actor, orgID, id string, feats tenant.Features) (tenant.Subscription, error) {
	return a.changeSubscription(ctx, act, orgID, id, "subscription.features.assign", func(s *tenant.Subscription) error {
		if len(feats) == 0 {
			return errs.Field("features", "can't be empty")
		}
		norm, fe := feats.Normalize("features.", false)
		if err := errs.Fields(fe).Err(); err != nil {
			return err
		}
		s.Features = mergeFeatures(s.Features, norm)
		return nil
	})
}

// RevokeFeatures removes overrides: the plan's values apply again.
func (a *App) RevokeFeatures(ctx context.Context, act *Actor, orgID, id string, keys []string) (tenant.Subscription, error) {
	return a.changeSubscription(ctx, act, orgID, id, "subscription.features.revoke", func(s *tenant.Subscription) error {
		f := errs.Fields{}
		if len(keys) == 0 {
			f.Add("keys", "can't be empty")
		}
		for _, k := range keys {
			if _, ok := tenant.LookupFeature(k); !ok {
				f.Add("keys", "'%s' is not a known feature (known: %s)", k, strings.Join(tenant.FeatureKeys(), ", "))
			} else if _, ok := s.Features[k]; !ok {
				f.Add("keys", "'%s' is not overridden on this subscription", k)
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		out := tenant.Features{}
		for k, v := range s.Features {
			if !slices.Contains(keys, k) {
				out[k] = v
			}
		}
		s.Features = out
		return nil
	})
}

func mergeFeatures(old, add tenant.Features) tenant.Features {
	out := tenant.Features{}
	for k, v := range old {
		out[k] = v
	}
	for k, v := range add {
		out[k] = v
	}
	return out
}

// changeSubscription loads a subscription of a managed organization, applies
// fn and writes it with an audit event, in one transaction.
func (a *App) changeSubscription(ctx context.Context, act *Actor, orgID, id, action string, fn func(*tenant.Subscription) error) (tenant.Subscription, error) {
	if err := act.can("subscriptions", "write"); err != nil {
		return tenant.Subscription{}, err
	}
	var sub tenant.Subscription
	err := a.store.Tx(ctx, func(q *store.Q) error {
		org, err := a.managedOrg(ctx, q, act, orgID)
		if err != nil {
			return err
		}
		old, err := q.FindSubscription(ctx, org.ID, id)
		if err != nil {
			return err
		}
		if err := canChangeSubscriptions(act, org); err != nil {
			return err
		}
		sub = old
		if err := fn(&sub); err != nil {
			return err
		}
		sub.UpdatedAt = a.now()
		if err := q.UpdateSubscription(ctx, sub); err != nil {
			return err
		}
		d := map[string]any{}
		if old.Interval != sub.Interval {
			d["interval"] = []any{old.Interval, sub.Interval}
		}
		if !old.StartDate.Equal(sub.StartDate) {
			d["start_date"] = []any{old.StartDate, sub.StartDate}
		}
		if (old.EndDate == nil) != (sub.EndDate == nil) || (old.EndDate != nil && !old.EndDate.Equal(*sub.EndDate)) {
			d["end_date"] = []any{old.EndDate, sub.EndDate}
		}
		d["features"] = []any{old.Features, sub.Features}
		return a.record(ctx, q, act, org.ID, action, "subscription", sub.ID, d)
	})
	return sub, err
}
