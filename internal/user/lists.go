package user

import "github.com/perimeterhq/perimeter/internal/listing"

// List declares how users are filtered and sorted (alias u).
var List = listing.Spec{
	Columns: []listing.Column{
		{Name: "email", Kind: listing.Text, Expr: "u.email", Sortable: true},
		{Name: "first_name", Kind: listing.Text, Expr: "u.first_name", Sortable: true},
		{Name: "last_name", Kind: listing.Text, Expr: "u.last_name", Sortable: true},
		{Name: "name", Kind: listing.Text, Expr: "(u.first_name || ' ' || u.last_name)", Doc: "first and last name"},
		{Name: "role", Kind: listing.Enum, Expr: "u.role", Values: Roles, Sortable: true},
		{Name: "organization_id", Kind: listing.ID, Expr: "u.organization_id"},
		{Name: "partner", Kind: listing.Bool, Expr: "u.partner"},
		{Name: "confirmed", Kind: listing.Bool, Expr: "(u.confirmed_at IS NOT NULL)"},
		{Name: "created_at", Expr: "u.created_at", Sortable: true, NoFilter: true},
		{Name: "updated_at", Expr: "u.updated_at", Sortable: true, NoFilter: true},
		{Name: "last_sign_in_at", Expr: "u.last_sign_in_at", Sortable: true, NoFilter: true},
	},
	DateExpr: "u.created_at", DateName: "created_at",
	DefaultSort: "created_at", IDExpr: "u.id",
}
