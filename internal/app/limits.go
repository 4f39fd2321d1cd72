package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/hostspec"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// Plan limits, in one place. Every use case that consumes a plan feature calls
// one of the check functions below; each refusal is a 403 whose message names
// the feature, its limit and the current count ("max_ips: 256 allowed, 300 in
// use"). Rules:
//   - The platform (root) organization is the operator: no plan limit applies
//     to it, with or without subscriptions.
//   - Product features (max_ips, rescans, scans_per_month) come from the
//     organization's active subscription to the product; without one the
//     product cannot be used at all (403).
//   - Organization-wide features (max_users, api_access) take the most
//     generous value among the active subscriptions; an organization without
//     any active subscription gets the registry defaults (unlimited users, API
//     access granted) — it cannot use any product anyway.

// limitError is the 403 of a limit reached.
func limitError(key string, limit int64, inUse uint64, detail string) error {
	msg := fmt.Sprintf("%s: %d allowed, %d in use", key, limit, inUse)
	if detail != "" {
		msg += " (" + detail + ")"
	}
	return errs.New(errs.Forbidden, "%s", msg)
}

// exempt reports whether orgID is the platform organization.
func (a *App) exempt(ctx context.Context, q *store.Q, orgID string) (bool, error) {
	o, err := q.OrganizationByID(ctx, orgID)
	if err != nil {
		return false, err
	}
	return o.Kind == tenant.KindPlatform, nil
}

// features returns the effective features (plan values with the subscription's
// overrides) of the organization's active subscription to a product, or a 403
// when it has none: an organization uses only the products it subscribes to.
// For the platform organization it returns nil features and no error.
func (a *App) features(ctx context.Context, q *store.Q, orgID, product string) (tenant.Features, error) {
	if ex, err := a.exempt(ctx, q, orgID); err != nil || ex {
		return nil, err
	}
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

// checkMaxIPs enforces max_ips over the union of the organization's targets of
// t's product, t included (counted without materializing ranges).
func (a *App) checkMaxIPs(ctx context.Context, q *store.Q, t *scanconfig.Target, set *hostspec.Set) error {
	feats, err := a.features(ctx, q, t.OrganizationID, t.Product)
	if err != nil || feats == nil {
		return err
	}
	limit, unlimited := feats.Limit(tenant.FeatureMaxIPs)
	if unlimited {
		return nil
	}
	others, err := q.TargetHostLists(ctx, t.OrganizationID, t.Product, t.ID)
	if err != nil {
		return err
	}
	sets := []*hostspec.Set{set}
	for _, h := range others {
		s, err := hostspec.Parse(h[0], h[1])
		if err != nil {
			continue // stored lists were valid when saved; never block on an old one
		}
		sets = append(sets, s)
	}
	n, err := hostspec.CountUnion(sets...)
	if err != nil {
		return errs.Field("hosts", "%s", err.Error())
	}
	if n > uint64(limit) {
		return limitError(tenant.FeatureMaxIPs, limit, n, fmt.Sprintf("distinct IPs across your organization's %s targets with this change", t.Product))
	}
	return nil
}

// checkPlanForRun applies the plan to a new run of s: the product
// subscription, max_ips over the organization's targets, the scan's rescan
// allowance and the organization's scans per month.
func (a *App) checkPlanForRun(ctx context.Context, q *store.Q, s scan.Scan, target scanconfig.Target) error {
	feats, err := a.features(ctx, q, s.OrganizationID, s.Product)
	if err != nil || feats == nil {
		return err
	}
	set, err := target.Validate()
	if err != nil {
		return errs.New(errs.Conflict, "The scan's target is no longer valid: %v", err)
	}
	t := target
	t.Product = s.Product
	if err := a.checkMaxIPs(ctx, q, &t, set); err != nil {
		return err
	}
	if limit, unlimited := feats.Limit(tenant.FeatureRescans); !unlimited {
		runs, err := q.CountRuns(ctx, s.ID)
		if err != nil {
			return err
		}
		if runs > 0 && runs-1 >= int(limit) { // the first run is a scan, the ones after it rescans
			return limitError(tenant.FeatureRescans, limit, uint64(runs-1), "rescans of this scan")
		}
	}
	if limit, unlimited := feats.Limit(tenant.FeatureScansPerMonth); !unlimited {
		now := a.now().UTC()
		month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		n, err := q.CountRunsSince(ctx, s.OrganizationID, s.Product, month)
		if err != nil {
			return err
		}
		if n >= int(limit) {
			return limitError(tenant.FeatureScansPerMonth, limit, uint64(n),
				fmt.Sprintf("%s scan runs since %s", s.Product, month.Format("2006-01-02")))
		}
	}
	return nil
}

// orgFeatureSets returns the effective features of each subscription of orgID
// in force now, or ok=false when no limit applies (platform organization).
func (a *App) orgFeatureSets(ctx context.Context, q *store.Q, orgID string) ([]tenant.Features, bool, error) {
	if ex, err := a.exempt(ctx, q, orgID); err != nil || ex {
		return nil, false, err
	}
	fsets, err := q.ActiveFeatureSets(ctx, orgID)
	if err != nil {
		return nil, false, err
	}
	out := inForce(fsets, a.now())
	return out, len(out) > 0, nil
}

// inForce returns the effective features of the sets whose subscription is in
// force at now.
func inForce(fsets []store.PlanFeatureSet, now time.Time) []tenant.Features {
	var out []tenant.Features
	for _, fs := range fsets {
		sub := tenant.Subscription{Status: tenant.SubscriptionActive, StartDate: fs.StartDate, EndDate: fs.EndDate, Features: fs.Overrides}
		if sub.ActiveAt(now) {
			out = append(out, sub.Effective(fs.Plan))
		}
	}
	return out
}

// checkMaxUsers enforces max_users before a user is added to orgID.
func (a *App) checkMaxUsers(ctx context.Context, q *store.Q, orgID string) error {
	sets, ok, err := a.orgFeatureSets(ctx, q, orgID)
	if err != nil || !ok {
		return err
	}
	best, bestUnlimited := int64(0), false
	for _, f := range sets {
		l, u := f.Limit(tenant.FeatureMaxUsers)
		bestUnlimited = bestUnlimited || u
		best = max(best, l)
	}
	if bestUnlimited {
		return nil
	}
	n, err := q.CountOrganizationUsers(ctx, orgID)
	if err != nil {
		return err
	}
	if int64(n) >= best {
		return limitError(tenant.FeatureMaxUsers, best, uint64(n), "users of the organization")
	}
	return nil
}

// checkAPIAccess refuses API-key authentication of an organization none of
// whose active plans grants api_access. It runs on every request: the key
// carries its organization's path, so the platform (root, path "/<id>/") is
// recognized without a query, and the plans are read in one.
func (a *App) checkAPIAccess(ctx context.Context, key tenant.APIKey) error {
	if strings.Count(key.OrgPath, "/") == 2 {
		return nil
	}
	fsets, err := a.store.R().ActiveFeatureSets(ctx, key.OrganizationID)
	if err != nil {
		return err
	}
	sets := inForce(fsets, a.now())
	if len(sets) == 0 {
		return nil // no active subscription: registry default (granted)
	}
	for _, f := range sets {
		if f.Bool(tenant.FeatureAPIAccess) {
			return nil
		}
	}
	return errs.New(errs.Forbidden, "api_access: not included in any active plan of the organization owning this API key")
}
