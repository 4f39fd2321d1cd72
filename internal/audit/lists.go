package audit

import "github.com/perimeterhq/perimeter/internal/listing"

// List declares how audit events are filtered and sorted (alias a).
var List = listing.Spec{
	Columns: []listing.Column{
		{Name: "actor", Kind: listing.Text, Expr: "a.actor_email", Doc: "actor e-mail"},
		{Name: "actor_id", Kind: listing.ID, Expr: "a.actor_id"},
		{Name: "action", Kind: listing.Text, Expr: "a.action", Sortable: true},
		{Name: "resource_type", Kind: listing.Text, Expr: "a.resource_type", Sortable: true},
		{Name: "resource_id", Kind: listing.ID, Expr: "a.resource_id"},
		{Name: "organization_id", Kind: listing.ID, Expr: "a.organization_id"},
		{Name: "request_id", Kind: listing.ID, Expr: "a.request_id"},
		{Name: "ip", Kind: listing.Text, Expr: "a.ip"},
		{Name: "created_at", Expr: "a.created_at", Sortable: true, NoFilter: true},
	},
	DateExpr: "a.created_at", DateName: "created_at",
	DefaultSort: "created_at", DefaultDesc: true, IDExpr: "a.id",
}
