package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// planListSQL is tenant.PlanList in the SQL of FindPlans.
var planListSQL = bindList(&tenant.PlanList, listSQL{
	Date: "p.created_at", ID: "p.id",
	Cols: map[string]colSQL{
		"name":       {Expr: "p.name"},
		"product":    {Expr: "p.product"},
		"is_default": {Expr: "p.is_default"},
		"created_at": {Expr: "p.created_at"},
		"updated_at": {Expr: "p.updated_at"},
	},
})

// FindPlans lists the plans that are not archived (plans are platform-wide).
func (q *Q) FindPlans(ctx context.Context, p listing.Params) ([]tenant.Plan, int, error) {
	lq := listQuery{Select: planColumns, From: "plans p"}
	lq.where("p.archived_at IS NULL")
	var out []tenant.Plan
	total, err := q.runList(ctx, lq, planListSQL, p, func(r *sql.Rows) error {
		pl, err := scanPlan(r)
		out = append(out, pl)
		return err
	})
	return out, total, err
}

// UpdatePlan writes a plan's mutable fields.
func (q *Q) UpdatePlan(ctx context.Context, p tenant.Plan) error {
	// By id only: plans are platform-wide (no organization_id); only superadmins change them.
	_, err := q.exec(ctx, `UPDATE plans SET name = ?, description = ?, features = ?, is_default = ?, updated_at = ? WHERE id = ?`,
		p.Name, p.Description, jsonVal(p.Features), p.IsDefault, ts(p.UpdatedAt), p.ID)
	return err
}

// ClearDefaultPlan unsets the default plan of a product, except keepID.
func (q *Q) ClearDefaultPlan(ctx context.Context, product, keepID string, now time.Time) error {
	_, err := q.exec(ctx, `UPDATE plans SET is_default = FALSE, updated_at = ? WHERE product = ? AND is_default AND id <> ?`,
		ts(now), product, keepID)
	return err
}

// CountPlanSubscriptions counts a plan's subscriptions: active ones, and all.
func (q *Q) CountPlanSubscriptions(ctx context.Context, planID string) (active, all int, err error) {
	err = q.queryRow(ctx, `SELECT COUNT(CASE WHEN status = 'active' THEN 1 END), COUNT(*) FROM subscriptions WHERE plan_id = ?`,
		planID).Scan(&active, &all)
	return active, all, mapErr(err)
}

// DeletePlan removes a plan no subscription refers to.
func (q *Q) DeletePlan(ctx context.Context, id string) error {
	// By id only: plans are platform-wide (no organization_id); only superadmins change them.
	_, err := q.exec(ctx, `DELETE FROM plans WHERE id = ?`, id)
	return err
}

// ArchivePlan hides a plan that ended subscriptions still refer to.
func (q *Q) ArchivePlan(ctx context.Context, id string, now time.Time) error {
	// By id only: plans are platform-wide (no organization_id); only superadmins change them.
	_, err := q.exec(ctx, `UPDATE plans SET archived_at = ?, is_default = FALSE, updated_at = ? WHERE id = ?`, ts(now), ts(now), id)
	return err
}

// FindSubscription returns a subscription of an organization.
func (q *Q) FindSubscription(ctx context.Context, orgID, id string) (tenant.Subscription, error) {
	s, err := scanSub(q.queryRow(ctx, `SELECT `+subColumns+` FROM subscriptions s JOIN plans p ON p.id = s.plan_id
		WHERE s.organization_id = ? AND s.id = ?`, orgID, id))
	return s, notFound(err, "Subscription")
}

// subscriptionListSQL is tenant.SubscriptionList in the SQL of ListSubscriptions
// and ListDescendantSubscriptions.
var subscriptionListSQL = bindList(&tenant.SubscriptionList, listSQL{
	Date: "s.created_at", ID: "s.id",
	Cols: map[string]colSQL{
		"organization_id": {Expr: "s.organization_id"},
		"plan_id":         {Expr: "s.plan_id"},
		"plan":            {Expr: "p.name"},
		"product":         {Expr: "s.product"},
		"status":          {Expr: "s.status"},
		"interval":        {Expr: "s.billing_interval"},
		"start_date":      {Expr: "s.start_date"},
		"end_date":        {Expr: "s.end_date"},
		"created_at":      {Expr: "s.created_at"},
	},
})

// ListSubscriptions lists the subscriptions of the organizations in scope.
func (q *Q) ListSubscriptions(ctx context.Context, sc tenant.Scope, activeOnly bool, p listing.Params) ([]tenant.Subscription, int, error) {
	lq := listQuery{Select: subColumns, From: "subscriptions s JOIN plans p ON p.id = s.plan_id"}
	lq.scope("s.organization_id", sc)
	if activeOnly {
		lq.where("s.status = 'active'")
	}
	var out []tenant.Subscription
	total, err := q.runList(ctx, lq, subscriptionListSQL, p, func(r *sql.Rows) error {
		s, err := scanSub(r)
		out = append(out, s)
		return err
	})
	return out, total, err
}

// ListDescendantSubscriptions lists the subscriptions of the organizations
// strictly below the one at path.
func (q *Q) ListDescendantSubscriptions(ctx context.Context, orgID, path string, p listing.Params) ([]tenant.Subscription, int, error) {
	lq := listQuery{Select: subColumns, From: "subscriptions s JOIN plans p ON p.id = s.plan_id"}
	lq.where("s.organization_id IN (SELECT id FROM organizations WHERE path LIKE ? AND id <> ?)", path+"%", orgID)
	var out []tenant.Subscription
	total, err := q.runList(ctx, lq, subscriptionListSQL, p, func(r *sql.Rows) error {
		s, err := scanSub(r)
		out = append(out, s)
		return err
	})
	return out, total, err
}

// UpdateSubscription writes a subscription's mutable fields (scoped by
// organization and id).
func (q *Q) UpdateSubscription(ctx context.Context, s tenant.Subscription) error {
	if s.Features == nil {
		s.Features = tenant.Features{}
	}
	_, err := q.exec(ctx, `UPDATE subscriptions SET billing_interval = ?, status = ?, start_date = ?, end_date = ?, features = ?,
		updated_at = ? WHERE organization_id = ? AND id = ?`, s.Interval, s.Status, ts(s.StartDate), nts(s.EndDate),
		jsonVal(s.Features), ts(s.UpdatedAt), s.OrganizationID, s.ID)
	return err
}

// PlanFeatureSet is an active subscription's product with its plan's
// features and the subscription's overrides.
type PlanFeatureSet struct {
	Product   string
	Plan      tenant.Features
	Overrides tenant.Features
	StartDate time.Time
	EndDate   *time.Time
}

// ActiveFeatureSets returns the features of an organization's active
// subscriptions in one query (API-key authentication reads it per request).
func (q *Q) ActiveFeatureSets(ctx context.Context, orgID string) ([]PlanFeatureSet, error) {
	rows, err := q.query(ctx, `SELECT s.product, p.features, s.features, s.start_date, s.end_date
		FROM subscriptions s JOIN plans p ON p.id = s.plan_id WHERE s.organization_id = ? AND s.status = 'active'`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PlanFeatureSet
	for rows.Next() {
		var f PlanFeatureSet
		if err := rows.Scan(&f.Product, jsonCol{&f.Plan}, jsonCol{&f.Overrides}, timeCol{&f.StartDate}, nullTimeCol{&f.EndDate}); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, mapErr(rows.Err())
}

// CountOrganizationUsers counts the users whose organization is orgID.
func (q *Q) CountOrganizationUsers(ctx context.Context, orgID string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE organization_id = ?`, orgID).Scan(&n)
	return n, mapErr(err)
}

// CountRunsSince counts an organization's scan runs of a product queued at or
// after since.
func (q *Q) CountRunsSince(ctx context.Context, orgID, product string, since time.Time) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM scan_runs r JOIN scans sc ON sc.id = r.scan_id
		WHERE r.organization_id = ? AND sc.product = ? AND r.queued_at >= ?`, orgID, product, ts(since)).Scan(&n)
	return n, mapErr(err)
}

// SetUserCurrentOrganization sets (or, with "", clears) the organization orgID
// a user of home organization homeOrgID acts in.
func (q *Q) SetUserCurrentOrganization(ctx context.Context, homeOrgID, userID, orgID string, now time.Time) error {
	var v any
	if orgID != "" {
		v = orgID
	}
	_, err := q.exec(ctx, `UPDATE users SET current_organization_id = ?, updated_at = ? WHERE id = ? AND organization_id = ?`,
		v, ts(now), userID, homeOrgID)
	return err
}

// OrganizationsInScope streams the organizations in scope, ordered by path
// (parents before children), to fn.
func (q *Q) OrganizationsInScope(ctx context.Context, sc tenant.Scope, fn func(tenant.Organization) error) error {
	cond, args := scopeSQL("o.id", sc)
	rows, err := q.query(ctx, `SELECT `+orgColumns+` FROM organizations o WHERE `+cond+` ORDER BY o.path`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	return mapErr(rows.Err())
}

// Products returns the product catalogue in display order.
func (q *Q) Products(ctx context.Context) ([]ProductRow, error) {
	rows, err := q.query(ctx, `SELECT id, name, description FROM products`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[string]ProductRow{}
	for rows.Next() {
		var p ProductRow
		if err := rows.Scan(&p.ID, &p.Name, &p.Description); err != nil {
			return nil, err
		}
		byID[p.ID] = p
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	var out []ProductRow
	for _, id := range tenant.Products {
		if p, ok := byID[id]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// ProductRow is a row of the product catalogue.
type ProductRow struct{ ID, Name, Description string }

// ActiveSubscriptionsInScope returns the active subscriptions of the
// organizations in scope, by organization id.
func (q *Q) ActiveSubscriptionsInScope(ctx context.Context, sc tenant.Scope) (map[string][]tenant.Subscription, error) {
	cond, args := scopeSQL("s.organization_id", sc)
	rows, err := q.query(ctx, `SELECT `+subColumns+` FROM subscriptions s JOIN plans p ON p.id = s.plan_id
		WHERE s.status = 'active' AND `+cond+` ORDER BY s.product`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]tenant.Subscription{}
	for rows.Next() {
		s, err := scanSub(rows)
		if err != nil {
			return nil, err
		}
		out[s.OrganizationID] = append(out[s.OrganizationID], s)
	}
	return out, mapErr(rows.Err())
}
