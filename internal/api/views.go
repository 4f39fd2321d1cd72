package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// Pagination is the list envelope's paging block [CG].
type Pagination struct {
	TotalCount  int `json:"total_count"`
	TotalPages  int `json:"total_pages"`
	CurrentPage int `json:"current_page"`
	PerPage     int `json:"per_page"`
}

func pagination(p listing.Params, total int) Pagination {
	return Pagination{TotalCount: total, TotalPages: (total + p.PerPage - 1) / p.PerPage, CurrentPage: p.Page, PerPage: p.PerPage}
}

// views maps a slice of domain values to response values.
func views[T, V any](in []T, f func(T) V) []V {
	out := make([]V, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// UserView is a user as the API shows it (never the password hash).
type UserView struct {
	ID             string     `json:"id"`
	Email          string     `json:"email"`
	FirstName      string     `json:"first_name"`
	LastName       string     `json:"last_name"`
	Role           string     `json:"role" enum:"superadmin,admin,user,read_only"`
	OrganizationID string     `json:"organization_id"`
	Phone          string     `json:"phone"`
	Timezone       string     `json:"timezone"`
	Locale         string     `json:"locale"`
	Product        string     `json:"product"`
	Partner        bool       `json:"partner"`
	Confirmed      bool       `json:"confirmed"`
	ConfirmedAt    *time.Time `json:"confirmed_at"`
	LastSignInAt   *time.Time `json:"last_sign_in_at"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

func userView(u user.User) UserView {
	return UserView{ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Role: u.Role,
		OrganizationID: u.OrganizationID, Phone: u.Phone, Timezone: u.Timezone, Locale: u.Locale, Product: u.Product,
		Partner: u.Partner, Confirmed: u.ConfirmedAt != nil, ConfirmedAt: u.ConfirmedAt, LastSignInAt: u.LastSignInAt,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// OrganizationView is an organization as the API shows it.
type OrganizationView struct {
	ID            string             `json:"id"`
	Name          string             `json:"name"`
	Type          string             `json:"type" enum:"platform,partner,customer"`
	Status        string             `json:"status" enum:"active,suspended"`
	ParentID      *string            `json:"parent_id"`
	Description   string             `json:"description"`
	Email         string             `json:"email"`
	Phone         string             `json:"phone"`
	Website       string             `json:"website"`
	Address       string             `json:"address"`
	City          string             `json:"city"`
	State         string             `json:"state"`
	Zip           string             `json:"zip"`
	Country       string             `json:"country"`
	CreatedAt     time.Time          `json:"created_at"`
	UpdatedAt     time.Time          `json:"updated_at"`
	Subscriptions []SubscriptionView `json:"subscriptions,omitempty" doc:"active subscriptions (detail views)"`
}

func orgView(o tenant.Organization) OrganizationView {
	v := OrganizationView{ID: o.ID, Name: o.Name, Type: o.Kind, Status: o.Status, Description: o.Description,
		Email: o.Email, Phone: o.Phone, Website: o.Website, Address: o.Address, City: o.City, State: o.State,
		Zip: o.Zip, Country: o.Country, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
	if o.ParentID != "" {
		p := o.ParentID
		v.ParentID = &p
	}
	return v
}

// SubscriptionView is a subscription as the API shows it.
type SubscriptionView struct {
	ID             string          `json:"id"`
	OrganizationID string          `json:"organization_id"`
	PlanID         string          `json:"plan_id"`
	Plan           string          `json:"plan" doc:"plan name"`
	Product        string          `json:"product" enum:"pci,vrms,penetration"`
	Interval       string          `json:"interval" enum:"none,monthly,yearly"`
	Status         string          `json:"status" enum:"active,cancelled"`
	StartDate      time.Time       `json:"start_date"`
	EndDate        *time.Time      `json:"end_date"`
	Features       tenant.Features `json:"features" doc:"overrides of the plan's features"`
	CreatedAt      time.Time       `json:"created_at"`
}

func subscriptionView(s tenant.Subscription) SubscriptionView {
	f := s.Features
	if f == nil {
		f = tenant.Features{}
	}
	return SubscriptionView{ID: s.ID, OrganizationID: s.OrganizationID, PlanID: s.PlanID, Plan: s.PlanName,
		Product: s.Product, Interval: s.Interval, Status: s.Status, StartDate: s.StartDate, EndDate: s.EndDate,
		Features: f, CreatedAt: s.CreatedAt}
}
