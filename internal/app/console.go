package app

import (
	"context"
	"fmt"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/secret"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// ConsoleCookie is the cookie in which the web console keeps a session token
// (HttpOnly, SameSite=Strict). The API accepts it only without an
// Authorization header and with X-CSRF-Token equal to ConsoleCSRF of it.
const ConsoleCookie = "perimeter_session"

// ConsoleKeyName is the name of the web console's API key.
const ConsoleKeyName = "Web console"

// ConsoleKey is the web console's API key: derived from the secret key, so
// every node of a deployment computes the same value and nothing raw is
// stored. It belongs to the platform organization, so every user may act
// through it (the organization-tree rule), and on its own it grants only
// what any API key grants without a user: the pre-session calls.
func (a *App) ConsoleKey() string {
	return secret.PrefixAPIKey + a.hooks.box.MAC("console api key v1")
}

// ConsoleCSRF is the CSRF token of a console session: a MAC of its session
// token, so it needs no storage and is worthless without the cookie.
func (a *App) ConsoleCSRF(sessionToken string) string {
	return a.hooks.box.MAC("console csrf v1\x00" + sessionToken)
}

// EnsureConsoleKey stores the console's API key (by hash) if absent, revokes
// console keys derived from an earlier secret key, and returns the key. It
// fails with not_found before the platform organization exists.
func (a *App) EnsureConsoleKey(ctx context.Context) (string, error) {
	key := a.ConsoleKey()
	hash := secret.Hash(key)
	err := a.store.Tx(ctx, func(q *store.Q) error {
		org, err := q.PlatformOrganization(ctx)
		if err != nil {
			return err
		}
		if err := q.RevokeConsoleAPIKeys(ctx, org.ID, hash, a.now()); err != nil {
			return err
		}
		k, err := q.APIKeyByHash(ctx, hash)
		switch {
		case err == nil:
			if !k.Console || k.OrganizationID != org.ID {
				return fmt.Errorf("console key: a key with the console key's hash exists and is not the console's")
			}
			return nil
		case !errs.Is(err, errs.NotFound):
			return err
		}
		k = tenant.APIKey{ID: newID(), OrganizationID: org.ID, Name: ConsoleKeyName, Prefix: key[:len(secret.PrefixAPIKey)+6],
			CreatedAt: a.now(), Console: true}
		if err := q.CreateAPIKey(ctx, k, hash); err != nil {
			return err
		}
		return a.record(ctx, q, nil, org.ID, "api_key.create", "api_key", k.ID, map[string]any{"name": k.Name, "prefix": k.Prefix, "console": true})
	})
	if err != nil {
		// Two nodes starting at once: the other one stored it first.
		if _, again := a.store.R().APIKeyByHash(ctx, hash); again == nil {
			return key, nil
		}
		return "", err
	}
	return key, nil
}
