package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/secret"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

var (
	errBadAPIKey      = errs.New(errs.Unauthenticated, "Missing or invalid API key (X-API-KEY)")
	errBadCredentials = errs.New(errs.Unauthenticated, "Invalid username or password")
	errBadToken       = errs.New(errs.Unauthenticated, "Missing, invalid or expired authorization token")
)

// AuthenticateAPIKey resolves an X-API-KEY value. Unknown and revoked keys are
// both a 401 that says nothing more.
func (a *App) AuthenticateAPIKey(ctx context.Context, key string) (tenant.APIKey, error) {
	k, _, err := a.Authenticate(ctx, key, "", "", false)
	return k, err
}

// Authenticate resolves a request's credentials: the X-API-KEY value and,
// when withUser, the Authorization scheme ("bearer": a session, "basic": an
// access token) and token. It answers from the credentials cache (see
// authCache) when the authentication epoch has not moved.
func (a *App) Authenticate(ctx context.Context, apiKey, scheme, token string, withUser bool) (tenant.APIKey, *Actor, error) {
	if !strings.HasPrefix(apiKey, secret.PrefixAPIKey) || len(apiKey) > 128 {
		return tenant.APIKey{}, nil, errBadAPIKey
	}
	keyHash, tokenHash := secret.Hash(apiKey), ""
	hint := ""
	if withUser {
		tokenHash = secret.Hash(token)
		hint = a.auth.orgHint(keyHash, scheme, tokenHash)
	}
	epoch, rv, err := a.auth.sync(ctx, a.store, hint)
	if err != nil {
		return tenant.APIKey{}, nil, err
	}
	k, ok := a.auth.key(keyHash, a.now())
	if !ok {
		k, err = a.store.R().APIKeyByHash(ctx, keyHash)
		if errs.Is(err, errs.NotFound) {
			return k, nil, errBadAPIKey
		}
		if err != nil {
			return k, nil, err
		}
		if err := a.checkAPIAccess(ctx, k); err != nil { // plan feature api_access (limits.go)
			return k, nil, err
		}
		a.auth.putKey(epoch, keyHash, k, a.now())
	}
	if !withUser {
		return k, nil, nil
	}
	var lookup func(context.Context, tenant.APIKey, string) (*Actor, error)
	switch scheme {
	case "bearer":
		lookup = a.AuthenticateSession
	case "basic":
		lookup = a.AuthenticateAccessToken
	default:
		return k, nil, errs.New(errs.Unauthenticated, "Missing Authorization header (Bearer <session token> or Basic <access token>)")
	}
	id := actorKey(k.ID, scheme, tokenHash)
	act, ok := a.auth.actor(id, a.now())
	if ok {
		act.APIKey = k
	} else {
		if act, err = lookup(ctx, k, token); err != nil {
			return k, nil, err
		}
		a.auth.putActor(epoch, id, act)
	}
	if rv != "" && act.Org.ID == hint {
		act.results = resultsSnapshot{orgID: hint, version: rv}
	}
	return k, act, nil
}

// AuthenticateSession resolves a bearer session token used with key, without
// the cache.
func (a *App) AuthenticateSession(ctx context.Context, key tenant.APIKey, token string) (*Actor, error) {
	if !strings.HasPrefix(token, secret.PrefixSession) || len(token) > 128 {
		return nil, errBadToken
	}
	p, err := a.store.R().PrincipalBySession(ctx, secret.Hash(token), a.now())
	if errs.Is(err, errs.NotFound) {
		return nil, errBadToken
	}
	if err != nil {
		return nil, err
	}
	exp := p.Session.ExpiresAt
	act := &Actor{User: p.User, Org: p.Org, APIKey: key, Via: ViaSession, SessionID: p.Session.ID,
		ExpiresAt: &exp, ImpersonatorID: p.Session.ImpersonatorID}
	return act, checkActor(act)
}

// AuthenticateAccessToken resolves an access token (Authorization: Basic
// <token>), without the cache.
func (a *App) AuthenticateAccessToken(ctx context.Context, key tenant.APIKey, token string) (*Actor, error) {
	if !strings.HasPrefix(token, secret.PrefixAccessToken) || len(token) > 128 {
		return nil, errBadToken
	}
	p, err := a.store.R().PrincipalByAccessToken(ctx, secret.Hash(token))
	if errs.Is(err, errs.NotFound) {
		return nil, errBadToken
	}
	if err != nil {
		return nil, err
	}
	act := &Actor{User: p.User, Org: p.Org, APIKey: key, Via: ViaAccessToken}
	return act, checkActor(act)
}

// checkActor applies the organization-tree rule [CG]: a user acts only through a
// key of their own organization or of an ancestor; and suspended organizations
// cannot act.
func checkActor(act *Actor) error {
	if !strings.HasPrefix(act.Org.Path, act.APIKey.OrgPath) {
		return errs.New(errs.Unauthenticated, "This API key does not belong to your organization or a parent of it")
	}
	if act.Org.Status == tenant.StatusSuspended {
		return errs.New(errs.Forbidden, "Your organization is suspended")
	}
	return nil
}

// SignInResult is a new session.
type SignInResult struct {
	Token          string
	ExpiresAt      time.Time
	User           user.User
	ImpersonatorID string // set for impersonation sessions
}

// Credentials are what a sign-in presents: the password and, when the user
// has two-factor authentication on, a code (TOTP or SMS) or a recovery code.
type Credentials struct {
	Username, Password string
	OTPCode            string
	RecoveryCode       string
	UseRecovery        bool // sign_in_with_recovery_code: RecoveryCode is required
}

// SignIn checks a username (e-mail) and password and opens a session (see
// SignInWith).
func (a *App) SignIn(ctx context.Context, key tenant.APIKey, username, password string) (SignInResult, error) {
	return a.SignInWith(ctx, key, Credentials{Username: username, Password: password})
}

// SignInWith checks credentials and opens a session.
// Failures are counted per username and client address, whether or not the
// username exists (see signin_throttle.go): a 401 that says nothing more,
// and 429 with Retry-After while that address must wait. Every failure looks
// the same and unknown usernames cost a password check too, so neither the
// answer, its timing nor the throttle reveals which usernames exist. With
// two-factor authentication on, a right password without a valid code is a
// 401 whose body says {"two_factor_required": true, "methods": [...]} [CG];
// wrong codes are throttled per user (two_factor.go).
func (a *App) SignInWith(ctx context.Context, key tenant.APIKey, c Credentials) (SignInResult, error) {
	if c.UseRecovery && strings.TrimSpace(c.RecoveryCode) == "" {
		return SignInResult{}, errs.Field("recovery_code", "can't be blank")
	}
	act, err := a.checkPassword(ctx, key, c.Username, c.Password)
	if err != nil {
		return SignInResult{}, err
	}
	u := act.User
	action, changes := "auth.sign_in", map[string]any(nil)
	if c.UseRecovery {
		if err := a.useRecoveryCode(ctx, act, c.RecoveryCode); err != nil {
			return SignInResult{}, err
		}
		action = "auth.sign_in_with_recovery_code"
	} else if method, err := a.secondFactor(ctx, u, c.OTPCode); err != nil {
		if errs.Is(err, errs.Unauthenticated) && strings.TrimSpace(c.OTPCode) != "" {
			if rerr := a.store.Tx(ctx, func(q *store.Q) error {
				return a.record(ctx, q, nil, u.OrganizationID, "auth.sign_in_failed", "user", u.ID,
					map[string]any{"username": u.Email, "reason": "two_factor_code"})
			}); rerr != nil {
				return SignInResult{}, rerr
			}
		}
		return SignInResult{}, err
	} else if method != "" {
		changes = map[string]any{"two_factor_method": method}
	}
	var res SignInResult
	err = a.store.Tx(ctx, func(q *store.Q) error {
		res, err = a.openSession(ctx, q, act, u, "", a.cfg.SessionTTL, action, changes)
		return err
	})
	return res, err
}

// checkPassword is the first factor of every password sign-in (sign_in,
// sign_in_with_recovery_code, check_2fa, send_sms_otp): the throttled
// password check, confirmation and the organization-tree rule. It returns
// the actor the user would be.
func (a *App) checkPassword(ctx context.Context, key tenant.APIKey, username, password string) (*Actor, error) {
	username = user.NormalizeEmail(username)
	if username == "" || password == "" {
		f := errs.Fields{}
		if username == "" {
			f.Add("username", "can't be blank")
		}
		if password == "" {
			f.Add("password", "can't be blank")
		}
		return nil, f.Err()
	}
	if len(username) > 254 || len(password) > 256 {
		return nil, errBadCredentials
	}
	now := a.now()
	att, err := a.beginSignIn(ctx, username, now)
	if err != nil {
		return nil, err
	}
	u, err := a.store.R().UserByEmail(ctx, username)
	found := err == nil
	if err != nil && !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	ok := false
	if found && u.PasswordHash != "" {
		ok, err = secret.CheckPassword(u.PasswordHash, password)
		if err != nil {
			a.log.Error("stored password hash unreadable", "user_id", u.ID, "err", err)
			ok = false
		}
	} else {
		secret.BurnPasswordCheck(password)
	}
	if !ok {
		return nil, a.signInFailed(ctx, key, att, u, found)
	}
	org, err := a.store.R().OrganizationByID(ctx, u.OrganizationID)
	if err != nil {
		return nil, err
	}
	act := &Actor{User: u, Org: org, APIKey: key}
	if !strings.HasPrefix(org.Path, key.OrgPath) {
		return nil, a.signInFailed(ctx, key, att, u, found)
	}
	// The password was right: this address's failures are forgotten even if
	// the account cannot sign in yet. (Second-factor codes have their own
	// per-user throttle, so this does not help guessing them.)
	if err := a.store.Tx(ctx, func(q *store.Q) error { return q.ClearSignInFailures(ctx, att.username, att.client) }); err != nil {
		return nil, err
	}
	if u.ConfirmedAt == nil {
		return nil, errs.New(errs.Unauthenticated, "Your account is not confirmed yet")
	}
	if err := checkActor(act); err != nil {
		return nil, err
	}
	return act, nil
}

// signInFailed audits a failed try (already counted by beginSignIn) and
// returns the uniform 401, or 429 once the address must wait.
func (a *App) signInFailed(ctx context.Context, key tenant.APIKey, att signInAttempt, u user.User, found bool) error {
	throttled := att.wait > 0
	err := a.store.Tx(ctx, func(q *store.Q) error {
		orgID, resID := key.OrganizationID, ""
		if found {
			orgID, resID = u.OrganizationID, u.ID
		}
		return a.record(ctx, q, nil, orgID, "auth.sign_in_failed", "user", resID,
			map[string]any{"username": att.username, "failures": att.failures, "throttled": throttled})
	})
	if err != nil {
		return err
	}
	if throttled {
		return throttledErr(att.wait)
	}
	return errBadCredentials
}

// SignOut revokes the caller's session.
func (a *App) SignOut(ctx context.Context, act *Actor) error {
	if act.Via != ViaSession {
		return errs.New(errs.Malformed, "Sign out ends a session (Authorization: Bearer); revoke an access token with DELETE /v2/user/access_token")
	}
	return a.store.Tx(ctx, func(q *store.Q) error {
		if err := q.RevokeSession(ctx, act.SessionID, a.now()); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "auth.sign_out", "user", act.User.ID, nil)
	})
}

// GenerateAccessToken creates the caller's long-lived access token, replacing
// any previous one [CG]. The token is returned once and stored hashed.
func (a *App) GenerateAccessToken(ctx context.Context, act *Actor) (string, time.Time, error) {
	token := secret.NewToken(secret.PrefixAccessToken)
	now := a.now()
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if err := q.SetAccessToken(ctx, act.User.ID, secret.Hash(token), now); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "user.access_token_generate", "user", act.User.ID, nil)
	})
	return token, now, err
}

// RevokeAccessToken deletes the caller's access token (404 if there is none).
func (a *App) RevokeAccessToken(ctx context.Context, act *Actor) error {
	return a.store.Tx(ctx, func(q *store.Q) error {
		found, err := q.DeleteAccessToken(ctx, act.User.ID)
		if err != nil {
			return err
		}
		if !found {
			return errs.NotFoundf("Access token")
		}
		return a.record(ctx, q, act, "", "user.access_token_revoke", "user", act.User.ID, nil)
	})
}

// ChangePassword checks the current password, sets a new one and revokes the
// user's other sessions.
func (a *App) ChangePassword(ctx context.Context, act *Actor, current, password string, confirmation *string) error {
	ok, err := secret.CheckPassword(act.User.PasswordHash, current)
	if err != nil && !errors.Is(err, secret.ErrBadHash) {
		return err
	}
	f := errs.Fields{}
	if !ok {
		f.Add("current_password", "is incorrect")
	}
	user.CheckPassword(f, "password", password, confirmation)
	if password != "" && password == current {
		f.Add("password", "must differ from the current password")
	}
	if err := f.Err(); err != nil {
		return err
	}
	now := a.now()
	return a.store.Tx(ctx, func(q *store.Q) error {
		if err := q.SetUserPassword(ctx, act.User.OrganizationID, act.User.ID, secret.HashPassword(password), nil, now); err != nil {
			return err
		}
		if err := q.RevokeUserSessions(ctx, act.User.ID, act.SessionID, now); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "user.password_change", "user", act.User.ID, nil)
	})
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
