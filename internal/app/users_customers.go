package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// NewCustomer is the input of the customer wizard [CG]: a customer
// organization with its subscriptions (the POST /v2/organizations rules) and
// its users (the POST /v2/users rules; role defaults to admin).
type NewCustomer struct {
	Org   NewOrganization
	Users []NewUser
}

// CustomerView is what the wizard created.
type CustomerView struct {
	Organization OrganizationView
	Users        []user.User
}

// MaxCustomerUsers bounds the users of one wizard call.
const MaxCustomerUsers = 100

// CreateCustomer creates a customer organization, its subscriptions and its
// users in one transaction: any invalid part creates nothing, and the 422
// names every bad field by its path (organization.name, plans[0].plan,
// users[1].email). At least one of the users must be an admin.
func (a *App) CreateCustomer(ctx context.Context, act *Actor, in NewCustomer) (CustomerView, error) {
	if err := act.can("organizations", "write"); err != nil {
		return CustomerView{}, err
	}
	if err := act.can("users", "write"); err != nil {
		return CustomerView{}, err
	}
	if !act.User.IsAdmin() {
		return CustomerView{}, errs.New(errs.Forbidden, "Only administrators create customers")
	}
	in.Org.Org.Kind = tenant.KindCustomer
	f := errs.Fields{}
	switch {
	case len(in.Users) == 0:
		f.Add("users", "can't be blank (give at least one admin user)")
	case len(in.Users) > MaxCustomerUsers:
		f.Add("users", "are too many (at most %d)", MaxCustomerUsers)
	}
	var view CustomerView
	err := a.store.Tx(ctx, func(q *store.Q) error {
		// The users first, statically: their organization does not exist yet.
		admins := 0
		seen := map[string]int{}
		for i := range in.Users {
			nu := &in.Users[i]
			if nu.User.Role == "" {
				nu.User.Role = user.RoleAdmin
			}
			prefix := fmt.Sprintf("users[%d].", i)
			u, uf := a.prepareNewUser(act, *nu)
			f.Merge(prefix, uf)
			if u.Role == user.RoleSuperadmin {
				f.Add(prefix+"role", "superadmins belong to the platform organization")
			}
			if u.IsAdmin() {
				admins++
			}
			if u.Email == "" || len(uf["email"]) > 0 {
				continue
			}
			if j, dup := seen[u.Email]; dup {
				f.Add(prefix+"email", "is the same as users[%d].email", j)
				continue
			}
			seen[u.Email] = i
			if _, err := q.UserByEmail(ctx, u.Email); err == nil {
				f.Add(prefix+"email", "has already been taken")
			} else if !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		if len(in.Users) > 0 && admins == 0 {
			f.Add("users", "must include at least one admin")
		}
		org, err := a.createOrganizationIn(ctx, q, act, in.Org)
		if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
			for k, v := range e.Fields {
				if k != "plans" && !strings.HasPrefix(k, "plans[") && k != "skip_default_subscription" {
					k = "organization." + k
				}
				f[k] = append(f[k], v...)
			}
		} else if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err // the organization, if written, goes with the rollback
		}
		view.Organization = org
		for i, nu := range in.Users {
			nu.User.OrganizationID = org.ID
			u, err := a.createUserIn(ctx, q, act, nu)
			if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
				uf := errs.Fields{}
				uf.Merge(fmt.Sprintf("users[%d].", i), e.Fields)
				return uf.Err()
			} else if err != nil {
				return err
			}
			view.Users = append(view.Users, u)
		}
		return a.record(ctx, q, act, org.ID, "customer.create", "organization", org.ID,
			map[string]any{"name": org.Name, "users": len(view.Users), "subscriptions": len(org.Subscriptions)})
	})
	return view, err
}
