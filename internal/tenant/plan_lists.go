package tenant

import "github.com/perimeterhq/perimeter/internal/listing"

// PlanList declares how plans are filtered and sorted.
var PlanList = listing.Spec{
	Columns: []listing.Column{
		{Name: "name", Kind: listing.Text, Sortable: true},
		{Name: "product", Kind: listing.Enum, Values: Products, Sortable: true},
		{Name: "is_default", Kind: listing.Bool, Sortable: true},
		{Name: "created_at", Sortable: true, NoFilter: true},
		{Name: "updated_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at",
}

// SubscriptionList declares how subscriptions are filtered and sorted.
var SubscriptionList = listing.Spec{
	Columns: []listing.Column{
		{Name: "organization_id", Kind: listing.ID},
		{Name: "plan_id", Kind: listing.ID},
		{Name: "plan", Kind: listing.Text, Sortable: true},
		{Name: "product", Kind: listing.Enum, Values: Products, Sortable: true},
		{Name: "status", Kind: listing.Enum, Values: []string{SubscriptionActive, SubscriptionCancelled}, Sortable: true},
		{Name: "interval", Kind: listing.Enum, Values: []string{IntervalNone, IntervalMonthly, IntervalYearly}, Sortable: true},
		{Name: "start_date", Sortable: true, NoFilter: true},
		{Name: "end_date", Sortable: true, NoFilter: true},
		{Name: "created_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at", DefaultDesc: true,
}
