package tenant

import "github.com/perimeterhq/perimeter/internal/listing"

// OrganizationList declares how organizations are filtered and sorted.
var OrganizationList = listing.Spec{
	Columns: []listing.Column{
		{Name: "name", Kind: listing.Text, Sortable: true},
		{Name: "type", Kind: listing.Enum, Values: []string{KindPlatform, KindPartner, KindCustomer}, Sortable: true},
		{Name: "status", Kind: listing.Enum, Values: []string{StatusActive, StatusSuspended}, Sortable: true},
		{Name: "parent_id", Kind: listing.ID},
		{Name: "email", Kind: listing.Text, Sortable: true},
		{Name: "country", Kind: listing.Text, Sortable: true},
		{Name: "city", Kind: listing.Text, Sortable: true},
		{Name: "created_at", Sortable: true, NoFilter: true},
		{Name: "updated_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at",
}
