package app

import (
	"context"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/user"
)

// impersonationTTL caps an impersonation session.
const impersonationTTL = time.Hour

// Impersonate opens a session acting as a user the caller manages: a
// superadmin, or an admin of the user's organization or an ancestor of it.
// Anyone else gets 404 for the user, as for any user they cannot see. The
// session carries the impersonator; everything done with it is audited with
// both. An impersonated session cannot impersonate again (403).
func (a *App) Impersonate(ctx context.Context, act *Actor, userID string) (SignInResult, error) {
	if act.ImpersonatorID != "" {
		return SignInResult{}, errs.New(errs.Forbidden, "This session is already impersonating a user: end it with DELETE /auth/impersonate first")
	}
	if act.Via != ViaSession {
		return SignInResult{}, errs.New(errs.Malformed, "Impersonation starts from a session (Authorization: Bearer)")
	}
	if !act.User.IsAdmin() || !user.Can(act.User.Role, "users", "write") {
		return SignInResult{}, errs.NotFoundf("User")
	}
	var res SignInResult
	err := a.store.Tx(ctx, func(q *store.Q) error {
		u, err := q.FindUser(ctx, act.ManagedScope(), userID)
		if err != nil {
			return err
		}
		if u.ID == act.User.ID {
			return errs.New(errs.Conflict, "You cannot impersonate yourself")
		}
		if user.Rank(u.Role) > user.Rank(act.User.Role) {
			return errs.New(errs.Forbidden, "You cannot impersonate a user whose role is above your own")
		}
		org, err := q.OrganizationByID(ctx, u.OrganizationID)
		if err != nil {
			return err
		}
		target := &Actor{User: u, Org: org, APIKey: act.APIKey}
		if err := checkActor(target); err != nil {
			return err
		}
		res, err = a.openSession(ctx, q, act, u, act.User.ID, min(a.cfg.SessionTTL, impersonationTTL), "auth.impersonate",
			map[string]any{"impersonator_id": act.User.ID, "impersonator_email": act.User.Email, "user_id": u.ID, "user_email": u.Email})
		return err
	})
	return res, err
}

// StopImpersonating ends the caller's impersonation session and opens a new
// session for the impersonator (409 when the session impersonates nobody).
func (a *App) StopImpersonating(ctx context.Context, act *Actor) (SignInResult, error) {
	if act.ImpersonatorID == "" || act.Via != ViaSession {
		return SignInResult{}, errs.New(errs.Conflict, "This session is not impersonating anyone")
	}
	var res SignInResult
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if err := q.RevokeSession(ctx, act.SessionID, a.now()); err != nil {
			return err
		}
		if err := a.record(ctx, q, act, act.Org.ID, "auth.impersonate_stop", "user", act.User.ID, nil); err != nil {
			return err
		}
		imp, err := q.UserByID(ctx, act.ImpersonatorID)
		if errs.Is(err, errs.NotFound) {
			return errs.New(errs.Unauthenticated, "The impersonating user no longer exists; sign in again")
		} else if err != nil {
			return err
		}
		org, err := q.OrganizationByID(ctx, imp.OrganizationID)
		if err != nil {
			return err
		}
		back := &Actor{User: imp, Org: org, APIKey: act.APIKey, Via: ViaSession}
		if !strings.HasPrefix(org.Path, act.APIKey.OrgPath) {
			return errs.New(errs.Unauthenticated, "This API key does not belong to your organization or a parent of it; sign in again")
		}
		if err := checkActor(back); err != nil {
			return err
		}
		res, err = a.openSession(ctx, q, back, imp, "", a.cfg.SessionTTL, "auth.sign_in", map[string]any{"after_impersonating": act.User.ID})
		return err
	})
	return res, err
}
