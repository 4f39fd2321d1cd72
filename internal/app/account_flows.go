package app

import (
	"context"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/secret"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// ConfirmationInfo is what the confirmation form shows.
type ConfirmationInfo struct {
	Email, FirstName string
	NeedsPassword    bool
}

// ConfirmationInfo checks a confirmation token without using it: not found
// when unknown, expired, used or not reachable through key.
func (a *App) ConfirmationInfo(ctx context.Context, key tenant.APIKey, token string) (ConfirmationInfo, error) {
	if token == "" {
		return ConfirmationInfo{}, errs.Field("confirmation_token", "can't be blank")
	}
	_, u, _, err := a.peekToken(ctx, a.store.R(), key, PurposeConfirmation, token)
	if err != nil {
		return ConfirmationInfo{}, err
	}
	return ConfirmationInfo{Email: u.Email, FirstName: u.FirstName, NeedsPassword: u.PasswordHash == ""}, nil
}

// Confirm uses a confirmation token: the user is confirmed and, when given
// (required if they have none), the password set; their sessions are revoked
// when the password changes.
func (a *App) Confirm(ctx context.Context, key tenant.APIKey, token, password string, confirmation *string) (user.User, error) {
	if token == "" {
		return user.User{}, errs.Field("confirmation_token", "can't be blank")
	}
	var out user.User
	err := a.store.Tx(ctx, func(q *store.Q) error {
		_, u, _, err := a.peekToken(ctx, q, key, PurposeConfirmation, token)
		if err != nil {
			return tokenFieldErr(err, "confirmation_token")
		}
		f := errs.Fields{}
		if password != "" || u.PasswordHash == "" {
			user.CheckPassword(f, "password", password, confirmation)
		}
		if err := f.Err(); err != nil {
			return err // the token stays usable: a typo must not burn it
		}
		if u, _, err = a.useToken(ctx, q, key, PurposeConfirmation, token); err != nil {
			return tokenFieldErr(err, "confirmation_token")
		}
		now := a.now()
		if password != "" {
			if err := q.SetUserPassword(ctx, u.OrganizationID, u.ID, secret.HashPassword(password), &now, now); err != nil {
				return err
			}
			if err := q.RevokeUserSessions(ctx, u.ID, "", now); err != nil {
				return err
			}
		} else if err := q.ConfirmUser(ctx, u.OrganizationID, u.ID, now); err != nil {
			return err
		}
		if out, err = q.UserByID(ctx, u.ID); err != nil {
			return err
		}
		return a.record(ctx, q, &Actor{User: u}, u.OrganizationID, "user.confirm", "user", u.ID,
			map[string]any{"password_set": password != ""})
	})
	return out, err
}

// ResendConfirmation issues a new confirmation token (voiding the old) to an
// unconfirmed user the caller manages and e-mails it: 404 outside the
// caller's organizations, 409 once confirmed, 503 without e-mail.
func (a *App) ResendConfirmation(ctx context.Context, act *Actor, id string) error {
	if err := a.canManageUsers(act); err != nil {
		return err
	}
	return a.store.Tx(ctx, func(q *store.Q) error {
		u, err := q.FindUser(ctx, act.ManagedScope(), id)
		if err != nil {
			return err
		}
		if u.ConfirmedAt != nil {
			return errs.New(errs.Conflict, "%s is confirmed already", u.Email)
		}
		if !a.mailOn() {
			return errNoMail
		}
		now := a.now()
		tok, _, err := a.issueToken(ctx, q, u.ID, PurposeConfirmation, now)
		if err != nil {
			return err
		}
		if err := a.queueAccountEmail(ctx, q, u, PurposeConfirmation, tok, now); err != nil {
			return err
		}
		return a.record(ctx, q, act, u.OrganizationID, "user.resend_confirmation", "user", u.ID, nil)
	})
}

// canManageUsers: inviting, confirming and SSO links are administrators'
// work (admins of the organization or an ancestor, superadmins).
func (a *App) canManageUsers(act *Actor) error {
	if err := act.can("users", "write"); err != nil {
		return err
	}
	if !act.User.IsAdmin() {
		return errs.New(errs.Forbidden, "Your role (%s) does not allow managing other users' accounts", act.User.Role)
	}
	return nil
}

// Invitation is an invitation to create.
type Invitation struct {
	Email, OrganizationID, Role, FirstName, LastName string
}

// Invite creates an unconfirmed user (or reuses the unconfirmed user with
// that e-mail in an organization the caller manages) with a role no higher
// than the caller's, and e-mails an invitation. Organizations the caller
// does not manage are not found (404).
func (a *App) Invite(ctx context.Context, act *Actor, in Invitation) (user.User, error) {
	if err := a.canManageUsers(act); err != nil {
		return user.User{}, err
	}
	in.Email = user.NormalizeEmail(in.Email)
	in.FirstName, in.LastName = strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	if in.Role == "" {
		in.Role = user.RoleUser
	}
	if in.OrganizationID == "" {
		in.OrganizationID = act.Org.ID
	}
	f := errs.Fields{}
	if in.Email == "" {
		f.Add("email", "can't be blank")
	} else if !tenant.ValidEmail(in.Email) || len(in.Email) > 254 {
		f.Add("email", "'%s' is not a valid e-mail address", in.Email)
	}
	if user.Rank(in.Role) == 0 {
		f.Add("role", "'%s' is not one of: %s", in.Role, strings.Join(user.Roles, ", "))
	} else if user.Rank(in.Role) > user.Rank(act.User.Role) {
		f.Add("role", "you cannot grant the role '%s', which is above your own", in.Role)
	}
	for field, v := range map[string]string{"first_name": in.FirstName, "last_name": in.LastName} {
		if len([]rune(v)) > 100 {
			f.Add(field, "is too long (at most 100 characters)")
		}
	}
	if !a.mailOn() {
		return user.User{}, errNoMail
	}
	var out user.User
	err := a.store.Tx(ctx, func(q *store.Q) error {
		org, err := q.FindOrganization(ctx, act.ManagedScope(), in.OrganizationID)
		if err != nil {
			return err // another tenant's organization is not found (404), like an unknown one
		}
		if in.Role == user.RoleSuperadmin && org.ID != "" && org.Kind != tenant.KindPlatform {
			f.Add("role", "superadmins belong to the platform organization")
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := a.now()
		u, err := q.UserByEmail(ctx, in.Email)
		switch {
		case err == nil:
			// Reuse only an unconfirmed user of an organization the caller
			// manages; anyone else's address is simply taken.
			if _, ferr := q.FindUser(ctx, act.ManagedScope(), u.ID); ferr != nil || u.ConfirmedAt != nil {
				return errs.Field("email", "has already been taken")
			}
			if user.Rank(u.Role) > user.Rank(act.User.Role) {
				return errs.Field("email", "has already been taken")
			}
			from := u.OrganizationID
			u.OrganizationID, u.Role, u.UpdatedAt = org.ID, in.Role, now
			if in.FirstName != "" {
				u.FirstName = in.FirstName
			}
			if in.LastName != "" {
				u.LastName = in.LastName
			}
			if err := q.UpdateUser(ctx, from, u); err != nil {
				return err
			}
		case errs.Is(err, errs.NotFound):
			if err := a.checkMaxUsers(ctx, q, org.ID); err != nil { // plan feature max_users (limits.go)
				return err
			}
			u = user.User{ID: newID(), OrganizationID: org.ID, Email: in.Email, FirstName: in.FirstName, LastName: in.LastName,
				Role: in.Role, CreatedAt: now, UpdatedAt: now}
			if err := q.CreateUser(ctx, u); err != nil {
				return emailTaken(err)
			}
		default:
			return err
		}
		tok, _, err := a.issueToken(ctx, q, u.ID, PurposeInvitation, now)
		if err != nil {
			return err
		}
		if err := a.queueAccountEmail(ctx, q, u, PurposeInvitation, tok, now); err != nil {
			return err
		}
		out = u
		return a.record(ctx, q, act, u.OrganizationID, "user.invite", "user", u.ID, map[string]any{"email": u.Email, "role": u.Role})
	})
	return out, err
}

// InvitationInfo is the pre-accept check of an invitation token.
type InvitationInfo struct {
	Valid        bool
	Email        string
	Organization tenant.Organization
	ExpiresAt    time.Time
}

// InvitationInfo checks an invitation token without using it; an unknown,
// expired or used one is Valid=false.
func (a *App) InvitationInfo(ctx context.Context, key tenant.APIKey, token string) (InvitationInfo, error) {
	if token == "" {
		return InvitationInfo{}, errs.Field("invitation_token", "can't be blank")
	}
	t, u, org, err := a.peekToken(ctx, a.store.R(), key, PurposeInvitation, token)
	if errs.Is(err, errs.NotFound) {
		return InvitationInfo{}, nil
	} else if err != nil {
		return InvitationInfo{}, err
	}
	return InvitationInfo{Valid: true, Email: u.Email, Organization: org, ExpiresAt: t.ExpiresAt}, nil
}

// AcceptInvitation uses an invitation token: sets password and names,
// confirms the user and signs them in.
func (a *App) AcceptInvitation(ctx context.Context, key tenant.APIKey, token, password string, confirmation *string, first, last string) (SignInResult, error) {
	if token == "" {
		return SignInResult{}, errs.Field("invitation_token", "can't be blank")
	}
	var res SignInResult
	err := a.store.Tx(ctx, func(q *store.Q) error {
		_, u, org, err := a.peekToken(ctx, q, key, PurposeInvitation, token)
		if err != nil {
			return tokenFieldErr(err, "invitation_token")
		}
		f := errs.Fields{}
		user.CheckPassword(f, "password", password, confirmation)
		if strings.TrimSpace(first) != "" {
			u.FirstName = strings.TrimSpace(first)
		}
		if strings.TrimSpace(last) != "" {
			u.LastName = strings.TrimSpace(last)
		}
		if err := u.Validate(); err != nil {
			e, _ := errs.As(err)
			f.Merge("", e.Fields)
		}
		if err := f.Err(); err != nil {
			return err
		}
		if _, _, err := a.useToken(ctx, q, key, PurposeInvitation, token); err != nil {
			return tokenFieldErr(err, "invitation_token")
		}
		now := a.now()
		u.UpdatedAt = now
		if err := q.UpdateUser(ctx, u.OrganizationID, u); err != nil {
			return err
		}
		if err := q.SetUserPassword(ctx, u.OrganizationID, u.ID, secret.HashPassword(password), &now, now); err != nil {
			return err
		}
		u.ConfirmedAt = &now
		act := &Actor{User: u, Org: org, APIKey: key}
		if err := checkActor(act); err != nil {
			return err
		}
		res, err = a.openSession(ctx, q, act, u, "", a.cfg.SessionTTL, "user.invitation_accept", nil)
		return err
	})
	return res, err
}

// ForgotPassword e-mails a reset token when email belongs to a user
// reachable through key; it answers the same whatever the address, so it
// reveals nothing.
func (a *App) ForgotPassword(ctx context.Context, key tenant.APIKey, email string) error {
	email = user.NormalizeEmail(email)
	if email == "" {
		return errs.Field("email", "can't be blank")
	}
	if len(email) > 254 {
		return nil
	}
	return a.store.Tx(ctx, func(q *store.Q) error {
		u, err := q.UserByEmail(ctx, email)
		if errs.Is(err, errs.NotFound) {
			return nil
		} else if err != nil {
			return err
		}
		org, err := q.OrganizationByID(ctx, u.OrganizationID)
		if err != nil {
			return err
		}
		if !strings.HasPrefix(org.Path, key.OrgPath) || !a.mailOn() {
			return nil
		}
		now := a.now()
		tok, _, err := a.issueToken(ctx, q, u.ID, PurposeReset, now)
		if err != nil {
			return err
		}
		if err := a.queueAccountEmail(ctx, q, u, PurposeReset, tok, now); err != nil {
			return err
		}
		return a.record(ctx, q, nil, u.OrganizationID, "user.password_forgot", "user", u.ID, nil)
	})
}

// ResetPassword uses a reset token: sets the password, confirms the user
// (the e-mail proved the address) and revokes every session.
func (a *App) ResetPassword(ctx context.Context, key tenant.APIKey, token, password string, confirmation *string) error {
	if token == "" {
		return errs.Field("reset_password_token", "can't be blank")
	}
	f := errs.Fields{}
	user.CheckPassword(f, "password", password, confirmation)
	if err := f.Err(); err != nil {
		return err
	}
	return a.store.Tx(ctx, func(q *store.Q) error {
		u, _, err := a.useToken(ctx, q, key, PurposeReset, token)
		if err != nil {
			return tokenFieldErr(err, "reset_password_token")
		}
		now := a.now()
		if err := q.SetUserPassword(ctx, u.OrganizationID, u.ID, secret.HashPassword(password), &now, now); err != nil {
			return err
		}
		if err := q.RevokeUserSessions(ctx, u.ID, "", now); err != nil {
			return err
		}
		return a.record(ctx, q, &Actor{User: u}, u.OrganizationID, "user.password_reset", "user", u.ID, nil)
	})
}

// SSOLink is an issued one-time login token.
type SSOLink struct {
	Token     string
	URL       string // "" without a console URL
	ExpiresAt time.Time
}

// IssueSSOLink issues a one-time, five-minute login token for a user the
// caller manages (not one above the caller's role): 404 outside the
// caller's organizations.
func (a *App) IssueSSOLink(ctx context.Context, act *Actor, id string) (SSOLink, error) {
	if err := a.canManageUsers(act); err != nil {
		return SSOLink{}, err
	}
	if act.ImpersonatorID != "" {
		return SSOLink{}, errs.New(errs.Forbidden, "An impersonated session cannot issue SSO links")
	}
	var out SSOLink
	err := a.store.Tx(ctx, func(q *store.Q) error {
		u, err := q.FindUser(ctx, act.ManagedScope(), id)
		if err != nil {
			return err
		}
		if user.Rank(u.Role) > user.Rank(act.User.Role) {
			return errs.New(errs.Forbidden, "You cannot issue a login link for a user whose role is above your own")
		}
		tok, exp, err := a.issueToken(ctx, q, u.ID, PurposeSSO, a.now())
		if err != nil {
			return err
		}
		out = SSOLink{Token: tok, URL: a.consoleLink(PurposeSSO, tok), ExpiresAt: exp}
		return a.record(ctx, q, act, u.OrganizationID, "user.sso_link_issue", "user", u.ID, map[string]any{"expires_at": exp})
	})
	return out, err
}

// SSOSignIn uses an SSO token and opens a session for its user.
func (a *App) SSOSignIn(ctx context.Context, key tenant.APIKey, token string) (SignInResult, error) {
	if token == "" {
		return SignInResult{}, errs.Field("sso_token", "can't be blank")
	}
	var res SignInResult
	err := a.store.Tx(ctx, func(q *store.Q) error {
		u, org, err := a.useToken(ctx, q, key, PurposeSSO, token)
		if err != nil {
			return tokenFieldErr(err, "sso_token")
		}
		act := &Actor{User: u, Org: org, APIKey: key}
		if err := checkActor(act); err != nil {
			return err
		}
		res, err = a.openSession(ctx, q, act, u, "", a.cfg.SessionTTL, "auth.sso_sign_in", nil)
		return err
	})
	return res, err
}
