package user

import "github.com/perimeterhq/perimeter/internal/listing"

// List declares how users are filtered and sorted.
var List = listing.Spec{
	Columns: []listing.Column{
		{Name: "email", Kind: listing.Text, Sortable: true},
		{Name: "first_name", Kind: listing.Text, Sortable: true},
		{Name: "last_name", Kind: listing.Text, Sortable: true},
		{Name: "name", Kind: listing.Text, Doc: "first and last name"},
		{Name: "role", Kind: listing.Enum, Values: Roles, Sortable: true},
		{Name: "organization_id", Kind: listing.ID},
		{Name: "partner", Kind: listing.Bool},
		{Name: "confirmed", Kind: listing.Bool},
		{Name: "created_at", Sortable: true, NoFilter: true},
		{Name: "updated_at", Sortable: true, NoFilter: true},
		{Name: "last_sign_in_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at",
}
