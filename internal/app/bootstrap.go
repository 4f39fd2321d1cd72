package app

import (
	"context"
	"fmt"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/secret"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// BootstrapResult is what `perimeter bootstrap` prints.
type BootstrapResult struct {
	OrganizationID string `json:"organization_id"`
	UserID         string `json:"user_id"`
	APIKey         string `json:"api_key"`
}

// Bootstrap creates, if absent, the platform organization (subscribed to the
// default plans), a confirmed superadmin with email and password, and in every
// case a new API key of the platform organization. Running it again with the same
// e-mail returns the same ids (the existing password is kept).
func (a *App) Bootstrap(ctx context.Context, email, password string) (BootstrapResult, error) {
	email = user.NormalizeEmail(email)
	f := errs.Fields{}
	if !tenant.ValidEmail(email) {
		f.Add("email", "'%s' is not a valid e-mail address", email)
	}
	var res BootstrapResult
	err := a.store.Tx(ctx, func(q *store.Q) error {
		org, err := q.PlatformOrganization(ctx)
		if errs.Is(err, errs.NotFound) {
			org, err = a.createPlatform(ctx, q)
		}
		if err != nil {
			return err
		}
		u, err := q.UserByEmail(ctx, email)
		switch {
		case err == nil:
			if u.Role != user.RoleSuperadmin || u.OrganizationID != org.ID {
				return fmt.Errorf("bootstrap: %s exists and is not a superadmin of the platform organization", email)
			}
		case errs.Is(err, errs.NotFound):
			user.CheckPassword(f, "password", password, nil)
			if err := f.Err(); err != nil {
				return err
			}
			now := a.now()
			u = user.User{ID: newID(), OrganizationID: org.ID, Email: email, FirstName: "Platform", LastName: "Admin",
				Role: user.RoleSuperadmin, PasswordHash: secret.HashPassword(password), ConfirmedAt: &now,
				CreatedAt: now, UpdatedAt: now}
			if err := q.CreateUser(ctx, u); err != nil {
				return err
			}
			if err := a.record(ctx, q, nil, org.ID, "user.create", "user", u.ID, map[string]any{"email": email, "role": u.Role, "via": "bootstrap"}); err != nil {
				return err
			}
		default:
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		key, err := a.createAPIKey(ctx, q, org.ID, u.ID, "bootstrap")
		if err != nil {
			return err
		}
		res = BootstrapResult{OrganizationID: org.ID, UserID: u.ID, APIKey: key}
		return nil
	})
	return res, err
}

func (a *App) createPlatform(ctx context.Context, q *store.Q) (tenant.Organization, error) {
	now := a.now()
	id := newID()
	org := tenant.Organization{ID: id, Path: "/" + id + "/", Kind: tenant.KindPlatform, Name: "Platform",
		Status: tenant.StatusActive, CreatedAt: now, UpdatedAt: now}
	if err := q.CreateOrganization(ctx, org); err != nil {
		return org, err
	}
	if err := a.builtinScanner(ctx, q, org.ID); err != nil {
		return org, err
	}
	if _, err := a.subscribeDefaults(ctx, q, org.ID); err != nil {
		return org, err
	}
	return org, a.record(ctx, q, nil, org.ID, "organization.create", "organization", org.ID, map[string]any{"name": org.Name, "via": "bootstrap"})
}

// createAPIKey stores a new key for an organization and returns the secret,
// which exists nowhere else afterwards.
func (a *App) createAPIKey(ctx context.Context, q *store.Q, orgID, createdBy, name string) (string, error) {
	key := secret.NewToken(secret.PrefixAPIKey)
	k := tenant.APIKey{ID: newID(), OrganizationID: orgID, Name: name, Prefix: key[:len(secret.PrefixAPIKey)+6],
		CreatedBy: createdBy, CreatedAt: a.now()}
	if err := q.CreateAPIKey(ctx, k, secret.Hash(key)); err != nil {
		return "", err
	}
	return key, a.record(ctx, q, nil, orgID, "api_key.create", "api_key", k.ID, map[string]any{"name": name, "prefix": k.Prefix})
}

// FirstRun bootstraps an empty database for `serve`: with the given e-mail and
// password, or else admin@localhost and a generated password. It reports
// whether it did anything and, if so, the credentials to print once.
func (a *App) FirstRun(ctx context.Context, email, password string) (res BootstrapResult, createdEmail, createdPassword string, done bool, err error) {
	n, err := a.store.R().CountUsers(ctx)
	if err != nil || n > 0 {
		return res, "", "", false, err
	}
	if email == "" {
		email = "admin@perimeter.local"
	}
	if password == "" {
		password = secret.NewPassword()
	}
	res, err = a.Bootstrap(ctx, email, password)
	return res, user.NormalizeEmail(email), password, err == nil, err
}

// IssueAPIKey creates a new API key for an organization and returns the secret
// (shown once). It is an operator action (CLI), not an API endpoint.
func (a *App) IssueAPIKey(ctx context.Context, orgID, name string) (string, error) {
	var key string
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if _, err := q.OrganizationByID(ctx, orgID); err != nil {
			return err
		}
		var err error
		key, err = a.createAPIKey(ctx, q, orgID, "", name)
		return err
	})
	return key, err
}
