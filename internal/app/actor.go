package app

import (
	"context"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// Credential kinds an actor authenticated with.
const (
	ViaSession     = "session"
	ViaAccessToken = "access_token"
)

// Actor is an authenticated caller: the user, their current organization, the
// API key used, and how they signed in.
type Actor struct {
	User           user.User
	Org            tenant.Organization
	APIKey         tenant.APIKey
	Via            string
	SessionID      string
	ExpiresAt      *time.Time // nil for access tokens (they do not expire)
	ImpersonatorID string

	results resultsSnapshot // read with the authentication epoch (see resultsSnapshot)
}

// Scope is where the actor's tenant data lives: their current organization only.
func (a *Actor) Scope() tenant.Scope {
	return tenant.Scope{OrgID: a.Org.ID, Path: a.Org.Path}
}

// ManagedScope is what the actor administers: for admins, their organization and
// every descendant (a partner's customers; for the platform, everything); for
// other roles, their own organization.
func (a *Actor) ManagedScope() tenant.Scope {
	return tenant.Scope{OrgID: a.Org.ID, Path: a.Org.Path, Subtree: a.User.IsAdmin()}
}

// can returns a 403 unless the actor's role grants action on resource.
func (a *Actor) can(resource, action string) error {
	if !user.Can(a.User.Role, resource, action) {
		return errs.New(errs.Forbidden, "Your role (%s) does not allow %s on %s", a.User.Role, action, resource)
	}
	return nil
}

// OperatorActor is the user with e-mail email acting in their current
// organization, for commands run on the server by its operator (perimeter
// import): they pass the same role checks as the user's API requests would.
func (a *App) OperatorActor(ctx context.Context, email string) (*Actor, error) {
	u, err := a.store.R().UserByEmail(ctx, user.NormalizeEmail(email))
	if err != nil {
		return nil, err
	}
	org, err := a.store.R().OrganizationByID(ctx, u.OrganizationID)
	if err != nil {
		return nil, err
	}
	return &Actor{User: u, Org: org}, nil
}
