package audit

import "github.com/perimeterhq/perimeter/internal/listing"

// List declares how audit events are filtered and sorted.
var List = listing.Spec{
	Columns: []listing.Column{
		{Name: "actor", Kind: listing.Text, Doc: "actor e-mail"},
		{Name: "actor_id", Kind: listing.ID},
		{Name: "action", Kind: listing.Text, Sortable: true},
		{Name: "resource_type", Kind: listing.Text, Sortable: true},
		{Name: "resource_id", Kind: listing.ID},
		{Name: "organization_id", Kind: listing.ID},
		{Name: "request_id", Kind: listing.ID},
		{Name: "ip", Kind: listing.Text},
		{Name: "created_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at", DefaultDesc: true,
}
