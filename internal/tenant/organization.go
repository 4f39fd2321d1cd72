// Package tenant holds the tenancy model: the organization tree (platform →
// partner → customer), products, plans with features, and subscriptions.
package tenant

import (
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
)

// Organization kinds, from the root of the tree down.
const (
	KindPlatform = "platform"
	KindPartner  = "partner"
	KindCustomer = "customer"
)

// Organization statuses. A suspended organization's users cannot act.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Organization is a node of the tenancy tree. Path is the materialized path of
// ids from the root ("/root/partner/customer/"), so ancestry is a prefix test
// and a subtree is a prefix query.
type Organization struct {
	ID          string
	ParentID    string // "" for the platform organization
	Path        string
	Kind        string
	Name        string
	Description string
	Email       string
	Phone       string
	Website     string
	Address     string
	City        string
	State       string
	Zip         string
	Country     string
	Status      string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Contains reports whether other is o or one of its descendants.
func (o Organization) Contains(other Organization) bool {
	return strings.HasPrefix(other.Path, o.Path)
}

// ContainsPath reports whether the organization with path p is o or below it.
func (o Organization) ContainsPath(p string) bool { return strings.HasPrefix(p, o.Path) }

// ChildPath is the path of a new child with the given id.
func (o Organization) ChildPath(id string) string { return o.Path + id + "/" }

// Scope selects the organizations a query may see: one organization, or a whole
// subtree rooted at it.
type Scope struct {
	OrgID   string
	Path    string
	Subtree bool
}

// Validate checks the fields a client may set.
func (o Organization) Validate() error {
	f := errs.Fields{}
	if strings.TrimSpace(o.Name) == "" {
		f.Add("name", "can't be blank")
	} else if len(o.Name) > 200 {
		f.Add("name", "is too long (at most 200 characters)")
	}
	switch o.Kind {
	case KindPlatform, KindPartner, KindCustomer:
	default:
		f.Add("type", "'%s' is not one of: partner, customer", o.Kind)
	}
	switch o.Status {
	case StatusActive, StatusSuspended:
	default:
		f.Add("status", "'%s' is not one of: active, suspended", o.Status)
	}
	if o.Email != "" && !ValidEmail(o.Email) {
		f.Add("email", "'%s' is not a valid e-mail address", o.Email)
	}
	for name, v := range map[string]string{"description": o.Description, "phone": o.Phone, "website": o.Website,
		"address": o.Address, "city": o.City, "state": o.State, "zip": o.Zip, "country": o.Country} {
		if len(v) > 1000 {
			f.Add(name, "is too long (at most 1000 characters)")
		}
	}
	return f.Err()
}

// OrganizationUpdate holds the fields of a partial update; nil means unchanged.
type OrganizationUpdate struct {
	Name, Description, Email, Phone, Website, Address, City, State, Zip, Country, Status *string
}

// Apply returns o with the update applied.
func (u OrganizationUpdate) Apply(o Organization) Organization {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&o.Name, u.Name)
	set(&o.Description, u.Description)
	set(&o.Email, u.Email)
	set(&o.Phone, u.Phone)
	set(&o.Website, u.Website)
	set(&o.Address, u.Address)
	set(&o.City, u.City)
	set(&o.State, u.State)
	set(&o.Zip, u.Zip)
	set(&o.Country, u.Country)
	set(&o.Status, u.Status)
	return o
}

// ValidEmail is a pragmatic e-mail check: one @, a non-empty local part, a
// dotted domain, no spaces or control characters, at most 254 characters.
func ValidEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>,;\"") {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") || len(local) > 64 {
		return false
	}
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return false
	}
	return true
}

// APIKey is an organization's API key (the secret itself is never stored).
type APIKey struct {
	ID             string
	OrganizationID string
	OrgPath        string // path of the owning organization, for the tree rule
	Name           string
	Prefix         string
	CreatedBy      string
	CreatedAt      time.Time
	LastUsedAt     *time.Time
	RevokedAt      *time.Time
	Console        bool // the web console's own key (app/console.go): not limited per key
}
