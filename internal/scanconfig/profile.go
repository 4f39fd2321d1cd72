package scanconfig

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// ScanProfile is a named set of scan settings offered for a product. The
// built-in profiles are rows without an organization, seeded by migration with
// the fixed ids below; Engine names the scanner engine's profile that holds
// the settings (port list, check families, timing, concurrency).
type ScanProfile struct {
	ID             string
	OrganizationID string // "" for built-in profiles
	Product        string
	Name           string
	Description    string
	Engine         string // scanner.ProfileByName key
	PortListID     string // the built-in port list matching Engine's ports
	Builtin        bool
	Fixed          bool // settings cannot be changed (PCI ASV)
	Active         bool
	CreatedAt      time.Time
}

// Built-in scan profile ids (stable across installations).
const (
	ProfilePCIASV      = "01900000-0000-7000-8001-000000000001"
	ProfileDiscovery   = "01900000-0000-7000-8001-000000000002"
	ProfileFullAndFast = "01900000-0000-7000-8001-000000000003"
	ProfileFullAndDeep = "01900000-0000-7000-8001-000000000004"
	ProfileAggressive  = "01900000-0000-7000-8001-000000000005"
)

// DefaultProfile is each product's default scan profile.
var DefaultProfile = map[string]string{
	tenant.ProductPCI:         ProfilePCIASV,
	tenant.ProductVRMS:        ProfileFullAndFast,
	tenant.ProductPenetration: ProfileAggressive,
}

// ScanProfileList declares how scan profiles are filtered and sorted.
var ScanProfileList = listing.Spec{
	Columns: []listing.Column{
		{Name: "name", Kind: listing.Text, Sortable: true},
		{Name: "product", Kind: listing.Enum, Values: tenant.Products, Sortable: true},
		{Name: "builtin", Kind: listing.Bool},
		{Name: "active", Kind: listing.Bool},
		{Name: "created_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at",
}
