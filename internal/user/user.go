// Package user holds users, their roles and the permissions each role grants.
package user

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// Role names, from most to least powerful.
const (
	RoleSuperadmin = "superadmin" // platform operator
	RoleAdmin      = "admin"      // manages its organization (and, for partners, its customers)
	RoleUser       = "user"       // works with scans and results
	RoleReadOnly   = "read_only"  // reads only
)

// Roles lists every role, most powerful first.
var Roles = []string{RoleSuperadmin, RoleAdmin, RoleUser, RoleReadOnly}

// Rank orders roles: a higher rank may manage lower ranks. Unknown roles rank 0.
func Rank(role string) int {
	switch role {
	case RoleSuperadmin:
		return 4
	case RoleAdmin:
		return 3
	case RoleUser:
		return 2
	case RoleReadOnly:
		return 1
	}
	return 0
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// User is a person who signs in. The password hash never leaves the store and
// app layers.
type User struct {
	ID             string
	OrganizationID string
	Email          string
	FirstName      string
	LastName       string
	Role           string
	Phone          string
	Timezone       string
	Locale         string
	Product        string // the user's current product
	Partner        bool
	PasswordHash   string
	ConfirmedAt    *time.Time
	LastSignInAt   *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// IsAdmin reports whether the user manages organizations (admin or superadmin).
func (u User) IsAdmin() bool { return Rank(u.Role) >= Rank(RoleAdmin) }

// NormalizeEmail lower-cases and trims an address; e-mails are unique without case.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate checks the fields a client may set.
func (u User) Validate() error {
	f := errs.Fields{}
	if u.Email == "" {
		f.Add("email", "can't be blank")
	} else if !tenant.ValidEmail(u.Email) {
		f.Add("email", "'%s' is not a valid e-mail address", u.Email)
	}
	checkName(f, "first_name", u.FirstName)
	checkName(f, "last_name", u.LastName)
	if Rank(u.Role) == 0 {
		f.Add("role", "'%s' is not one of: %s", u.Role, strings.Join(Roles, ", "))
	}
	if u.Timezone != "" {
		if _, err := time.LoadLocation(u.Timezone); err != nil || len(u.Timezone) > 64 {
			f.Add("timezone", "'%s' is not an IANA time zone", u.Timezone)
		}
	}
	if len(u.Locale) > 16 {
		f.Add("locale", "is too long")
	}
	if len(u.Phone) > 32 {
		f.Add("phone", "is too long")
	}
	if u.Product != "" && !tenant.ValidProduct(u.Product) {
		f.Add("product", "'%s' is not one of: %s", u.Product, strings.Join(tenant.Products, ", "))
	}
	return f.Err()
}

func checkName(f errs.Fields, field, v string) {
	if strings.TrimSpace(v) == "" {
		f.Add(field, "can't be blank")
	} else if utf8.RuneCountInString(v) > 100 {
		f.Add(field, "is too long (at most 100 characters)")
	}
}

// CheckPassword validates a new password and its confirmation (if given).
func CheckPassword(f errs.Fields, field, password string, confirmation *string) {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLength:
		f.Add(field, "is too short (at least %d characters)", MinPasswordLength)
	case len(password) > 256:
		f.Add(field, "is too long (at most 256 bytes)")
	}
	if confirmation != nil && *confirmation != password {
		f.Add(field+"_confirmation", "doesn't match password")
	}
}

// Update holds the fields of a partial update; nil means unchanged.
type Update struct {
	Email, FirstName, LastName, Role, Phone, Timezone, Locale, Product *string
}

// Apply returns u with the update applied.
func (up Update) Apply(u User) User {
	set := func(dst, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&u.Email, up.Email)
	u.Email = NormalizeEmail(u.Email)
	set(&u.FirstName, up.FirstName)
	set(&u.LastName, up.LastName)
	set(&u.Role, up.Role)
	set(&u.Phone, up.Phone)
	set(&u.Timezone, up.Timezone)
	set(&u.Locale, up.Locale)
	set(&u.Product, up.Product)
	return u
}
