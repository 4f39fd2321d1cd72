package app

import (
	"context"
	"strings"

	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/secret"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// One-time token purposes.
const (
	PurposeConfirmation = "confirmation"
	PurposeReset        = "password_reset"
	PurposeInvitation   = "invitation"
	PurposeSSO          = "sso"
)

// NewUser is the input of CreateUser [CG]: with Confirmed and a Password the user
// can sign in at once; otherwise a confirmation token is issued.
type NewUser struct {
	User      user.User // Email, FirstName, LastName, Role, OrganizationID, Phone, Timezone, Locale
	Password  string
	Confirmed bool
}

// CreateUser adds a user to an organization the caller manages, with a role no
// higher than the caller's (superadmins only in the platform organization).
func (a *App) CreateUser(ctx context.Context, act *Actor, in NewUser) (user.User, error) {
	if err := act.can("users", "write"); err != nil {
		return user.User{}, err
	}
	var u user.User
	err := a.store.Tx(ctx, func(q *store.Q) (err error) {
		u, err = a.createUserIn(ctx, q, act, in)
		return err
	})
	return u, err
}

// createUserIn is CreateUser inside the caller's transaction (the customer
// wizard and the CSV import create several users in one). A validation error
// returns before anything is written.
func (a *App) createUserIn(ctx context.Context, q *store.Q, act *Actor, in NewUser) (user.User, error) {
	u, f := a.prepareNewUser(act, in)
	now := u.CreatedAt
	err := func() error {
		org, err := q.FindOrganization(ctx, act.ManagedScope(), u.OrganizationID)
		if errs.Is(err, errs.NotFound) {
			f.Add("organization_id", "organization '%s' not found", u.OrganizationID)
		} else if err != nil {
			return err
		}
		if u.Role == user.RoleSuperadmin && org.ID != "" && org.Kind != tenant.KindPlatform {
			f.Add("role", "superadmins belong to the platform organization")
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := a.checkMaxUsers(ctx, q, u.OrganizationID); err != nil {
			return err
		}
		if in.Password != "" {
			u.PasswordHash = secret.HashPassword(in.Password)
		}
		if in.Confirmed {
			u.ConfirmedAt = &now
		}
		if err := q.CreateUser(ctx, u); err != nil {
			return emailTaken(err)
		}
		if !in.Confirmed {
			// The token travels by e-mail (confirmation flow, tokens.go); only its hash is kept.
			tok, _, err := a.issueToken(ctx, q, u.ID, PurposeConfirmation, now)
			if err != nil {
				return err
			}
			if err := a.queueAccountEmail(ctx, q, u, PurposeConfirmation, tok, now); err != nil {
				return err
			}
		}
		return a.record(ctx, q, act, u.OrganizationID, "user.create", "user", u.ID,
			map[string]any{"email": u.Email, "role": u.Role, "confirmed": in.Confirmed})
	}()
	return u, err
}

// prepareNewUser normalizes a new user and checks what needs no database:
// fields, password, and a role no higher than the caller's.
func (a *App) prepareNewUser(act *Actor, in NewUser) (user.User, errs.Fields) {
	u := in.User
	now := a.now()
	u.ID, u.CreatedAt, u.UpdatedAt = newID(), now, now
	u.Email = user.NormalizeEmail(u.Email)
	u.FirstName, u.LastName = strings.TrimSpace(u.FirstName), strings.TrimSpace(u.LastName)
	if u.Role == "" {
		u.Role = user.RoleUser
	}
	if u.OrganizationID == "" {
		u.OrganizationID = act.Org.ID
	}
	f := errs.Fields{}
	if err := u.Validate(); err != nil {
		e, _ := errs.As(err)
		f.Merge("", e.Fields)
	}
	if in.Password != "" {
		user.CheckPassword(f, "password", in.Password, nil)
	}
	if user.Rank(u.Role) > user.Rank(act.User.Role) {
		f.Add("role", "you cannot grant the role '%s', which is above your own", u.Role)
	}
	return u, f
}

func emailTaken(err error) error {
	if _, ok := err.(*store.ErrDuplicate); ok {
		return errs.Field("email", "has already been taken")
	}
	return err
}

// GetUser returns a user the caller manages.
func (a *App) GetUser(ctx context.Context, act *Actor, id string) (user.User, error) {
	if err := act.can("users", "read"); err != nil {
		return user.User{}, err
	}
	return a.store.R().FindUser(ctx, act.ManagedScope(), id)
}

// ListUsers lists the users of the organizations the caller manages.
func (a *App) ListUsers(ctx context.Context, act *Actor, p listing.Params) ([]user.User, int, error) {
	if err := act.can("users", "read"); err != nil {
		return nil, 0, err
	}
	return a.store.R().FindUsers(ctx, act.ManagedScope(), p)
}

// UpdateUser changes a user the caller manages. Nobody changes their own role,
// nor raises anyone above their own rank, nor edits someone who outranks them.
func (a *App) UpdateUser(ctx context.Context, act *Actor, id string, up user.Update) (user.User, error) {
	if err := act.can("users", "write"); err != nil {
		return user.User{}, err
	}
	var out user.User
	err := a.store.Tx(ctx, func(q *store.Q) error {
		old, err := q.FindUser(ctx, act.ManagedScope(), id)
		if err != nil {
			return err
		}
		if user.Rank(old.Role) > user.Rank(act.User.Role) {
			return errs.New(errs.Forbidden, "You cannot change a user whose role is above your own")
		}
		u := up.Apply(old)
		if u.Role != old.Role {
			if old.ID == act.User.ID {
				return errs.Field("role", "you cannot change your own role")
			}
			if user.Rank(u.Role) > user.Rank(act.User.Role) {
				return errs.Field("role", "you cannot grant the role '%s', which is above your own", u.Role)
			}
			if err := a.keepOneAdmin(ctx, q, old, u.Role); err != nil {
				return err
			}
		}
		out, err = a.saveUser(ctx, q, act, old, u)
		return err
	})
	return out, err
}

// UpdateSelf changes the caller's own profile (never role or organization).
func (a *App) UpdateSelf(ctx context.Context, act *Actor, up user.Update) (user.User, error) {
	up.Role = nil
	var out user.User
	err := a.store.Tx(ctx, func(q *store.Q) error {
		old, err := q.UserByID(ctx, act.User.ID)
		if err != nil {
			return err
		}
		out, err = a.saveUser(ctx, q, act, old, up.Apply(old))
		return err
	})
	return out, err
}

func (a *App) saveUser(ctx context.Context, q *store.Q, act *Actor, old, u user.User) (user.User, error) {
	if err := u.Validate(); err != nil {
		return u, err
	}
	u.UpdatedAt = a.now()
	if err := q.UpdateUser(ctx, old.OrganizationID, u); err != nil {
		return u, emailTaken(err)
	}
	d := audit.Diff{}
	for _, c := range [][3]string{{"email", old.Email, u.Email}, {"first_name", old.FirstName, u.FirstName},
		{"last_name", old.LastName, u.LastName}, {"role", old.Role, u.Role}, {"phone", old.Phone, u.Phone},
		{"timezone", old.Timezone, u.Timezone}, {"locale", old.Locale, u.Locale}, {"product", old.Product, u.Product}} {
		d.Set(c[0], c[1], c[2])
	}
	return u, a.record(ctx, q, act, u.OrganizationID, "user.update", "user", u.ID, d)
}

// keepOneAdmin refuses to remove the last administrator of an organization that
// has other users: they would be locked out of managing it.
func (a *App) keepOneAdmin(ctx context.Context, q *store.Q, old user.User, newRole string) error {
	if !old.IsAdmin() || user.Rank(newRole) >= user.Rank(user.RoleAdmin) {
		return nil
	}
	n, err := q.CountAdmins(ctx, old.OrganizationID)
	if err != nil {
		return err
	}
	if n <= 1 {
		return errs.New(errs.Conflict, "%s is the last administrator of their organization", old.Email)
	}
	return nil
}

// DeleteUser removes a user the caller manages (not themselves: that is
// DELETE /v2/user; not someone above their rank; not an organization's last admin).
func (a *App) DeleteUser(ctx context.Context, act *Actor, id string) error {
	if err := act.can("users", "write"); err != nil {
		return err
	}
	return a.store.Tx(ctx, func(q *store.Q) error {
		u, err := q.FindUser(ctx, act.ManagedScope(), id)
		if err != nil {
			return err
		}
		if u.ID == act.User.ID {
			return errs.New(errs.Forbidden, "Use DELETE /v2/user to delete your own account")
		}
		if user.Rank(u.Role) > user.Rank(act.User.Role) {
			return errs.New(errs.Forbidden, "You cannot delete a user whose role is above your own")
		}
		reasons, err := a.deletionReasons(ctx, q, act, u, false) // can_delete rules (users_admin.go)
		if err != nil {
			return err
		}
		if err := refusal(u, reasons); err != nil {
			return err
		}
		if err := q.DeleteUser(ctx, u.OrganizationID, u.ID); err != nil {
			return err
		}
		return a.record(ctx, q, act, u.OrganizationID, "user.delete", "user", u.ID, map[string]any{"email": u.Email})
	})
}

// Me returns the caller's current user record.
func (a *App) Me(ctx context.Context, act *Actor) (user.User, error) {
	return a.store.R().UserByID(ctx, act.User.ID)
}
