package tenant

import "github.com/perimeterhq/perimeter/internal/listing"

// OrganizationList declares how organizations are filtered and sorted (SQL
// expressions refer to the alias o).
var OrganizationList = listing.Spec{
	Columns: []listing.Column{
		{Name: "name", Kind: listing.Text, Expr: "o.name", Sortable: true},
		{Name: "type", Kind: listing.Enum, Expr: "o.kind", Values: []string{KindPlatform, KindPartner, KindCustomer}, Sortable: true},
		{Name: "status", Kind: listing.Enum, Expr: "o.status", Values: []string{StatusActive, StatusSuspended}, Sortable: true},
		{Name: "parent_id", Kind: listing.ID, Expr: "o.parent_id"},
		{Name: "email", Kind: listing.Text, Expr: "o.email", Sortable: true},
		{Name: "country", Kind: listing.Text, Expr: "o.country", Sortable: true},
		{Name: "city", Kind: listing.Text, Expr: "o.city", Sortable: true},
		{Name: "created_at", Expr: "o.created_at", Sortable: true, NoFilter: true},
		{Name: "updated_at", Expr: "o.updated_at", Sortable: true, NoFilter: true},
	},
	DateExpr: "o.created_at", DateName: "created_at",
	DefaultSort: "created_at", IDExpr: "o.id",
}
