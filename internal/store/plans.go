package store

import (
	"context"
	"database/sql"

	"github.com/perimeterhq/perimeter/internal/tenant"
)

const planColumns = `p.id, p.product, p.name, p.description, p.features, p.is_default, p.archived_at, p.created_at, p.updated_at`

func scanPlan(sc interface{ Scan(...any) error }) (tenant.Plan, error) {
	var p tenant.Plan
	err := sc.Scan(&p.ID, &p.Product, &p.Name, &p.Description, jsonCol{&p.Features}, &p.IsDefault, nullTimeCol{&p.ArchivedAt},
		timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt})
	return p, err
}

// FindPlan returns a plan by id, or by name (case-insensitive) when no id matches.
// Plans are platform-wide, not tenant data.
func (q *Q) FindPlan(ctx context.Context, idOrName string) (tenant.Plan, error) {
	p, err := scanPlan(q.queryRow(ctx, `SELECT `+planColumns+` FROM plans p WHERE p.id = ?`, idOrName))
	if err == sql.ErrNoRows {
		p, err = scanPlan(q.queryRow(ctx, `SELECT `+planColumns+` FROM plans p WHERE LOWER(p.name) = LOWER(?) AND p.archived_at IS NULL
			ORDER BY p.id LIMIT 1`, idOrName))
	}
	return p, notFound(err, "Plan")
}

// DefaultPlans returns the default plan of each product.
func (q *Q) DefaultPlans(ctx context.Context) ([]tenant.Plan, error) {
	rows, err := q.query(ctx, `SELECT `+planColumns+` FROM plans p WHERE p.is_default AND p.archived_at IS NULL ORDER BY p.product`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tenant.Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, mapErr(rows.Err())
}

const subColumns = `s.id, s.organization_id, s.plan_id, p.name, s.product, s.billing_interval, s.status, s.start_date,
	s.end_date, s.features, s.created_at, s.updated_at`

func scanSub(sc interface{ Scan(...any) error }) (tenant.Subscription, error) {
	var s tenant.Subscription
	err := sc.Scan(&s.ID, &s.OrganizationID, &s.PlanID, &s.PlanName, &s.Product, &s.Interval, &s.Status,
		timeCol{&s.StartDate}, nullTimeCol{&s.EndDate}, jsonCol{&s.Features}, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt})
	return s, err
}

// CreateSubscription inserts a subscription. A second active subscription to
// the same product returns *ErrDuplicate.
func (q *Q) CreateSubscription(ctx context.Context, s tenant.Subscription) error {
	if s.Features == nil {
		s.Features = tenant.Features{}
	}
	_, err := q.exec(ctx, `INSERT INTO subscriptions (id, organization_id, plan_id, product, billing_interval, status,
		start_date, end_date, features, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.OrganizationID, s.PlanID, s.Product, s.Interval, s.Status, ts(s.StartDate), nts(s.EndDate),
		jsonVal(s.Features), ts(s.CreatedAt), ts(s.UpdatedAt))
	return err
}

// FindSubscriptions lists an organization's subscriptions, newest first;
// activeOnly keeps those with status active.
func (q *Q) FindSubscriptions(ctx context.Context, orgID string, activeOnly bool) ([]tenant.Subscription, error) {
	query := `SELECT ` + subColumns + ` FROM subscriptions s JOIN plans p ON p.id = s.plan_id WHERE s.organization_id = ?`
	if activeOnly {
		query += ` AND s.status = 'active'`
	}
	rows, err := q.query(ctx, query+` ORDER BY s.created_at DESC, s.id DESC`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tenant.Subscription
	for rows.Next() {
		s, err := scanSub(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, mapErr(rows.Err())
}

// CreatePlan inserts a plan. A second plan with the same product and name
// returns *ErrDuplicate.
func (q *Q) CreatePlan(ctx context.Context, p tenant.Plan) error {
	if p.Features == nil {
		p.Features = tenant.Features{}
	}
	_, err := q.exec(ctx, `INSERT INTO plans (id, product, name, description, features, is_default, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, p.Product, p.Name, p.Description, jsonVal(p.Features), p.IsDefault,
		ts(p.CreatedAt), ts(p.UpdatedAt))
	return err
}
