package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// PlanRequest asks for a subscription when creating an organization [CG].
type PlanRequest struct {
	Plan      string // plan id or name
	Interval  string
	StartDate *time.Time
	EndDate   *time.Time
}

// NewOrganization is the input of CreateOrganization.
type NewOrganization struct {
	Org                     tenant.Organization // client-settable fields, Kind and ParentID
	SkipDefaultSubscription bool
	Plans                   []PlanRequest
}

// OrganizationView is an organization with its active subscriptions.
type OrganizationView struct {
	tenant.Organization
	Subscriptions []tenant.Subscription
}

// CreateOrganization creates a partner or customer organization under the
// caller's organization (or under ParentID inside what the caller manages), with
// the default plan of every product unless SkipDefaultSubscription, in which case
// Plans is required; the first plan per product wins [CG].
func (a *App) CreateOrganization(ctx context.Context, act *Actor, in NewOrganization) (OrganizationView, error) {
	if err := act.can("organizations", "write"); err != nil {
		return OrganizationView{}, err
	}
	if !act.User.IsAdmin() {
		return OrganizationView{}, errs.New(errs.Forbidden, "Only administrators create organizations")
	}
	var view OrganizationView
	err := a.store.Tx(ctx, func(q *store.Q) (err error) {
		view, err = a.createOrganizationIn(ctx, q, act, in)
		return err
	})
	return view, err
}

// createOrganizationIn is CreateOrganization inside the caller's transaction
// (the customer wizard adds users in the same one). A validation error returns
// before anything is written.
func (a *App) createOrganizationIn(ctx context.Context, q *store.Q, act *Actor, in NewOrganization) (OrganizationView, error) {
	o := in.Org
	now := a.now()
	o.ID, o.Status, o.CreatedAt, o.UpdatedAt = newID(), tenant.StatusActive, now, now
	o.Name = strings.TrimSpace(o.Name)
	if o.Kind == "" {
		o.Kind = tenant.KindCustomer
	}
	if o.Kind == tenant.KindPlatform {
		return OrganizationView{}, errs.Field("type", "'platform' is reserved for the root organization; use partner or customer")
	}
	f := errs.Fields{}
	if err := o.Validate(); err != nil {
		e, _ := errs.As(err)
		f.Merge("", e.Fields)
	}
	if in.SkipDefaultSubscription && len(in.Plans) == 0 {
		f.Add("plans", "are required when skip_default_subscription is true")
	}
	var view OrganizationView
	err := func() error {
		parent := act.Org
		if o.ParentID != "" && o.ParentID != act.Org.ID {
			p, err := q.FindOrganization(ctx, act.ManagedScope(), o.ParentID)
			if errs.Is(err, errs.NotFound) {
				f.Add("parent_id", "organization '%s' not found", o.ParentID)
			} else if err != nil {
				return err
			}
			parent = p
		}
		switch {
		case parent.Kind == tenant.KindCustomer:
			f.Add("parent_id", "a customer organization cannot have organizations below it")
		case o.Kind == tenant.KindPartner && parent.Kind != tenant.KindPlatform:
			f.Add("type", "partner organizations are created under the platform organization")
		case o.Kind == tenant.KindPartner && act.User.Role != user.RoleSuperadmin:
			f.Add("type", "only a superadmin creates partner organizations")
		}
		subs, err := a.resolvePlans(ctx, q, in.Plans, f)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		o.ParentID, o.Path = parent.ID, parent.ChildPath(o.ID)
		if err := q.CreateOrganization(ctx, o); err != nil {
			return err
		}
		if err := a.builtinScanner(ctx, q, o.ID); err != nil {
			return err
		}
		covered := map[string]bool{}
		for _, s := range subs {
			s.ID, s.OrganizationID, s.CreatedAt, s.UpdatedAt = newID(), o.ID, now, now
			if err := q.CreateSubscription(ctx, s); err != nil {
				return err
			}
			covered[s.Product] = true
			view.Subscriptions = append(view.Subscriptions, s)
		}
		if !in.SkipDefaultSubscription {
			defs, err := a.subscribeDefaultsExcept(ctx, q, o.ID, covered)
			if err != nil {
				return err
			}
			view.Subscriptions = append(view.Subscriptions, defs...)
		}
		view.Organization = o
		return a.record(ctx, q, act, o.ID, "organization.create", "organization", o.ID,
			map[string]any{"name": o.Name, "type": o.Kind, "parent_id": o.ParentID})
	}()
	return view, err
}

// resolvePlans validates plan requests and keeps the first per product.
func (a *App) resolvePlans(ctx context.Context, q *store.Q, reqs []PlanRequest, f errs.Fields) ([]tenant.Subscription, error) {
	var out []tenant.Subscription
	seen := map[string]bool{}
	now := a.now()
	for i, r := range reqs {
		field := fmt.Sprintf("plans[%d].", i)
		if strings.TrimSpace(r.Plan) == "" {
			f.Add(field+"plan", "can't be blank")
			continue
		}
		plan, err := q.FindPlan(ctx, strings.TrimSpace(r.Plan))
		if errs.Is(err, errs.NotFound) {
			f.Add(field+"plan", "plan '%s' not found", r.Plan)
			continue
		} else if err != nil {
			return nil, err
		}
		interval := r.Interval
		if interval == "" {
			interval = tenant.IntervalNone
		}
		if !tenant.ValidInterval(interval) {
			f.Add(field+"interval", "'%s' is not one of: none, monthly, yearly", r.Interval)
			continue
		}
		start := now
		if r.StartDate != nil {
			start = r.StartDate.UTC()
		}
		if r.EndDate != nil && !r.EndDate.After(start) {
			f.Add(field+"end_date", "must be after start_date")
			continue
		}
		if seen[plan.Product] {
			continue // first plan per product wins [CG]
		}
		seen[plan.Product] = true
		out = append(out, tenant.Subscription{PlanID: plan.ID, PlanName: plan.Name, Product: plan.Product,
			Interval: interval, Status: tenant.SubscriptionActive, StartDate: start, EndDate: r.EndDate})
	}
	return out, nil
}

func (a *App) subscribeDefaults(ctx context.Context, q *store.Q, orgID string) ([]tenant.Subscription, error) {
	return a.subscribeDefaultsExcept(ctx, q, orgID, nil)
}

func (a *App) subscribeDefaultsExcept(ctx context.Context, q *store.Q, orgID string, covered map[string]bool) ([]tenant.Subscription, error) {
	plans, err := q.DefaultPlans(ctx)
	if err != nil {
		return nil, err
	}
	now := a.now()
	var out []tenant.Subscription
	for _, p := range plans {
		if covered[p.Product] {
			continue
		}
		s := tenant.Subscription{ID: newID(), OrganizationID: orgID, PlanID: p.ID, PlanName: p.Name, Product: p.Product,
			Interval: tenant.IntervalNone, Status: tenant.SubscriptionActive, StartDate: now, CreatedAt: now, UpdatedAt: now}
		if err := q.CreateSubscription(ctx, s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// GetOrganization returns an organization the caller may see: their own, or one
// they manage. Anything else is not found.
func (a *App) GetOrganization(ctx context.Context, act *Actor, id string) (OrganizationView, error) {
	if err := act.can("organizations", "read"); err != nil {
		return OrganizationView{}, err
	}
	o, err := a.store.R().FindOrganization(ctx, act.ManagedScope(), id)
	if err != nil {
		return OrganizationView{}, err
	}
	subs, err := a.store.R().FindSubscriptions(ctx, o.ID, true)
	return OrganizationView{Organization: o, Subscriptions: subs}, err
}

// ListOrganizations lists the caller's organization and, for admins, those below it.
func (a *App) ListOrganizations(ctx context.Context, act *Actor, p listing.Params) ([]tenant.Organization, int, error) {
	if err := act.can("organizations", "read"); err != nil {
		return nil, 0, err
	}
	return a.store.R().FindOrganizations(ctx, act.ManagedScope(), p)
}

// UpdateOrganization changes an organization the caller manages. Only an
// ancestor's admin may change its status (nobody suspends their own organization).
func (a *App) UpdateOrganization(ctx context.Context, act *Actor, id string, up tenant.OrganizationUpdate) (OrganizationView, error) {
	if err := act.can("organizations", "write"); err != nil {
		return OrganizationView{}, err
	}
	if !act.User.IsAdmin() {
		return OrganizationView{}, errs.New(errs.Forbidden, "Only administrators change organizations")
	}
	var view OrganizationView
	err := a.store.Tx(ctx, func(q *store.Q) error {
		old, err := q.FindOrganization(ctx, act.ManagedScope(), id)
		if err != nil {
			return err
		}
		o := up.Apply(old)
		if up.Status != nil && o.Status != old.Status && old.ID == act.Org.ID {
			return errs.Field("status", "you cannot change the status of your own organization")
		}
		if up.Status != nil && old.Kind == tenant.KindPlatform && o.Status != old.Status {
			return errs.Field("status", "the platform organization cannot be suspended")
		}
		if err := o.Validate(); err != nil {
			return err
		}
		o.UpdatedAt = a.now()
		if err := q.UpdateOrganization(ctx, o); err != nil {
			return err
		}
		d := audit.Diff{}
		for _, c := range [][3]string{{"name", old.Name, o.Name}, {"description", old.Description, o.Description},
			{"email", old.Email, o.Email}, {"phone", old.Phone, o.Phone}, {"website", old.Website, o.Website},
			{"address", old.Address, o.Address}, {"city", old.City, o.City}, {"state", old.State, o.State},
			{"zip", old.Zip, o.Zip}, {"country", old.Country, o.Country}, {"status", old.Status, o.Status}} {
			d.Set(c[0], c[1], c[2])
		}
		if err := a.record(ctx, q, act, o.ID, "organization.update", "organization", o.ID, d); err != nil {
			return err
		}
		subs, err := q.FindSubscriptions(ctx, o.ID, true)
		view = OrganizationView{Organization: o, Subscriptions: subs}
		return err
	})
	return view, err
}

// DeleteOrganization removes an organization the caller manages (never their
// own, never the platform). Organizations with organizations below them are a
// 409.
func (a *App) DeleteOrganization(ctx context.Context, act *Actor, id string) error {
	if err := act.can("organizations", "write"); err != nil {
		return err
	}
	if !act.User.IsAdmin() {
		return errs.New(errs.Forbidden, "Only administrators delete organizations")
	}
	return a.store.Tx(ctx, func(q *store.Q) error {
		o, err := q.FindOrganization(ctx, act.ManagedScope(), id)
		if err != nil {
			return err
		}
		if o.ID == act.Org.ID {
			return errs.New(errs.Forbidden, "You cannot delete your own organization")
		}
		if o.Kind == tenant.KindPlatform {
			return errs.New(errs.Forbidden, "The platform organization cannot be deleted")
		}
		n, err := q.CountChildOrganizations(ctx, o.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return errs.New(errs.Conflict, "Organization has %d customer organization(s); delete or move them first", n)
		}
		if n, err = q.CountActiveScans(ctx, o.ID); err != nil {
			return err
		} else if n > 0 {
			return errs.New(errs.Conflict, "Organization has %d scan(s) queued or running; stop them first", n)
		}
		if err := q.QueueOrganizationBlobs(ctx, o.ID, a.now()); err != nil {
			return err
		}
		if err := q.DeleteOrganization(ctx, o.ID); err != nil {
			return err
		}
		return a.record(ctx, q, act, o.ParentID, "organization.delete", "organization", o.ID, map[string]any{"name": o.Name})
	})
}
