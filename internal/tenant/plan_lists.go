package tenant

import "github.com/perimeterhq/perimeter/internal/listing"

// PlanList declares how plans are filtered and sorted (alias p).
var PlanList = listing.Spec{
	Columns: []listing.Column{
		{Name: "name", Kind: listing.Text, Expr: "p.name", Sortable: true},
		{Name: "product", Kind: listing.Enum, Expr: "p.product", Values: Products, Sortable: true},
		{Name: "is_default", Kind: listing.Bool, Expr: "p.is_default", Sortable: true},
		{Name: "created_at", Expr: "p.created_at", Sortable: true, NoFilter: true},
		{Name: "updated_at", Expr: "p.updated_at", Sortable: true, NoFilter: true},
	},
	DateExpr: "p.created_at", DateName: "created_at",
	DefaultSort: "created_at", IDExpr: "p.id",
}

// SubscriptionList declares how subscriptions are filtered and sorted (alias s;
// the plan is joined as p).
var SubscriptionList = listing.Spec{
	Columns: []listing.Column{
		{Name: "organization_id", Kind: listing.ID, Expr: "s.organization_id"},
		{Name: "plan_id", Kind: listing.ID, Expr: "s.plan_id"},
		{Name: "plan", Kind: listing.Text, Expr: "p.name", Sortable: true},
		{Name: "product", Kind: listing.Enum, Expr: "s.product", Values: Products, Sortable: true},
		{Name: "status", Kind: listing.Enum, Expr: "s.status", Values: []string{SubscriptionActive, SubscriptionCancelled}, Sortable: true},
		{Name: "interval", Kind: listing.Enum, Expr: "s.billing_interval", Values: []string{IntervalNone, IntervalMonthly, IntervalYearly}, Sortable: true},
		{Name: "start_date", Expr: "s.start_date", Sortable: true, NoFilter: true},
		{Name: "end_date", Expr: "s.end_date", Sortable: true, NoFilter: true},
		{Name: "created_at", Expr: "s.created_at", Sortable: true, NoFilter: true},
	},
	DateExpr: "s.created_at", DateName: "created_at",
	DefaultSort: "created_at", DefaultDesc: true, IDExpr: "s.id",
}
