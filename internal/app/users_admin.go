package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/secret"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// Reasons a user cannot be deleted (can_delete).
const (
	ReasonSelf          = "self"           // DELETE /v2/users/{id} on oneself: use DELETE /v2/user
	ReasonOutranks      = "outranks"       // the user's role is above the caller's
	ReasonLastAdmin     = "last_admin"     // the organization would have no administrator
	ReasonOwnsResources = "owns_resources" // targets, scans, … must be transferred first
	ReasonLastPartner   = "last_partner"   // the organization's customers depend on its last partner user
)

// DeleteReason says why a user cannot be deleted now.
type DeleteReason struct {
	Code    string
	Message string
	Counts  map[string]int // owns_resources: rows per kind
}

// CanDeleteUser reports whether the caller could delete a user they manage,
// and if not, every reason.
func (a *App) CanDeleteUser(ctx context.Context, act *Actor, id string) ([]DeleteReason, error) {
	if err := act.can("users", "read"); err != nil {
		return nil, err
	}
	q := a.store.R() // reads only: no write transaction to hold
	u, err := q.FindUser(ctx, act.ManagedScope(), id)
	if err != nil {
		return nil, err
	}
	return a.deletionReasons(ctx, q, act, u, false)
}

// CanDeleteSelf reports whether the caller could delete their own account.
func (a *App) CanDeleteSelf(ctx context.Context, act *Actor) ([]DeleteReason, error) {
	q := a.store.R()
	u, err := q.UserByID(ctx, act.User.ID)
	if err != nil {
		return nil, err
	}
	return a.deletionReasons(ctx, q, act, u, true)
}

// DeleteSelf deletes the caller's own account after checking their password
// (a wrong one is a 422 on password); a reason of can_delete is a 409. Nobody
// deletes an account they are impersonating (403).
func (a *App) DeleteSelf(ctx context.Context, act *Actor, password string) error {
	if act.ImpersonatorID != "" {
		return errs.New(errs.Forbidden, "An account cannot be deleted while it is impersonated")
	}
	ok, err := secret.CheckPassword(act.User.PasswordHash, password)
	if err != nil && !errors.Is(err, secret.ErrBadHash) {
		return err
	}
	if !ok {
		return errs.Field("password", "is incorrect")
	}
	return a.store.Tx(ctx, func(q *store.Q) error {
		u, err := q.UserByID(ctx, act.User.ID)
		if err != nil {
			return err
		}
		reasons, err := a.deletionReasons(ctx, q, act, u, true)
		if err != nil {
			return err
		}
		if err := refusal(u, reasons); err != nil {
			return err
		}
		if err := q.DeleteUser(ctx, u.OrganizationID, u.ID); err != nil {
			return err
		}
		return a.record(ctx, q, act, u.OrganizationID, "user.delete_self", "user", u.ID, map[string]any{"email": u.Email})
	})
}

// refusal is the 409 for a deletion with reasons (nil without).
func refusal(u user.User, reasons []DeleteReason) error {
	if len(reasons) == 0 {
		return nil
	}
	msgs := make([]string, len(reasons))
	for i, r := range reasons {
		msgs[i] = r.Message
	}
	return &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf("%s cannot be deleted: %s", u.Email, strings.Join(msgs, "; ")),
		Extra: map[string]any{"can_delete": false, "reasons": ReasonsBody(reasons)}}
}

// ReasonsBody is the JSON form of deletion reasons.
func ReasonsBody(rs []DeleteReason) []map[string]any {
	out := make([]map[string]any, 0, len(rs))
	for _, r := range rs {
		m := map[string]any{"code": r.Code, "message": r.Message}
		if r.Counts != nil {
			m["counts"] = r.Counts
		}
		out = append(out, m)
	}
	return out
}

// deletionReasons applies the can_delete rules to u. self says the caller is
// deleting their own account (DELETE /v2/user).
func (a *App) deletionReasons(ctx context.Context, q *store.Q, act *Actor, u user.User, self bool) ([]DeleteReason, error) {
	var out []DeleteReason
	if !self && u.ID == act.User.ID {
		out = append(out, DeleteReason{Code: ReasonSelf, Message: "you cannot delete yourself here; use DELETE /v2/user"})
	}
	if !self && user.Rank(u.Role) > user.Rank(act.User.Role) {
		out = append(out, DeleteReason{Code: ReasonOutranks, Message: "the user's role is above your own"})
	}
	if u.IsAdmin() {
		n, err := q.CountAdmins(ctx, u.OrganizationID)
		if err != nil {
			return nil, err
		}
		if n <= 1 {
			out = append(out, DeleteReason{Code: ReasonLastAdmin, Message: u.Email + " is the last administrator of their organization"})
		}
	}
	home, err := q.OrganizationByID(ctx, u.OrganizationID)
	if err != nil {
		return nil, err
	}
	// A user acts in their organization and, as an admin, below it: that is
	// where anything they own can be.
	owned, err := q.CountOwnedResources(ctx, tenant.Scope{OrgID: home.ID, Path: home.Path, Subtree: true}, u.ID)
	if err != nil {
		return nil, err
	}
	if len(owned) > 0 {
		counts := map[string]int{}
		for _, c := range owned {
			counts[c.Kind] += c.Count
		}
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(counts)) {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
		out = append(out, DeleteReason{Code: ReasonOwnsResources, Counts: counts,
			Message: "owns " + strings.Join(parts, ", ") + "; transfer them first (POST /v2/users/{id}/inherit or POST /v2/user/transfer_resources)"})
	}
	if u.Partner {
		r, err := a.partnerDependency(ctx, q, u)
		if err != nil {
			return nil, err
		}
		if r != nil {
			out = append(out, *r)
		}
	}
	return out, nil
}

// partnerDependency is the last_partner reason when u is the only partner user
// of an organization that has customer organizations, or nil.
func (a *App) partnerDependency(ctx context.Context, q *store.Q, u user.User) (*DeleteReason, error) {
	kids, err := q.CountChildOrganizations(ctx, u.OrganizationID)
	if err != nil || kids == 0 {
		return nil, err
	}
	n, err := q.CountPartnerUsers(ctx, u.OrganizationID)
	if err != nil || n > 1 {
		return nil, err
	}
	return &DeleteReason{Code: ReasonLastPartner,
		Message: fmt.Sprintf("%s is the last partner user of an organization with %d customer organization(s)", u.Email, kids)}, nil
}

// TransferResult is what a transfer moved, per kind.
type TransferResult struct {
	From, To user.User
	Moved    map[string]int
}

// TransferResources moves every resource from owns to to, in one transaction.
// Both users must be in organizations the caller manages (another tenant's id
// is not found). The receiver must be able to see what they get: resources in
// their own organization, or below it when they are an admin; anything else
// refuses the whole transfer (422), so nothing is left half-moved.
func (a *App) TransferResources(ctx context.Context, act *Actor, fromID, toID string) (TransferResult, error) {
	if err := act.can("users", "manage"); err != nil {
		return TransferResult{}, err
	}
	f := errs.Fields{}
	if fromID == "" {
		f.Add("from_user_id", "can't be blank")
	}
	if toID == "" {
		f.Add("to_user_id", "can't be blank")
	}
	if fromID != "" && fromID == toID {
		f.Add("to_user_id", "must differ from from_user_id")
	}
	if err := f.Err(); err != nil {
		return TransferResult{}, err
	}
	var res TransferResult
	err := a.store.Tx(ctx, func(q *store.Q) error {
		from, err := q.FindUser(ctx, act.ManagedScope(), fromID)
		if errs.Is(err, errs.NotFound) {
			return errs.New(errs.NotFound, "User '%s' (from_user_id) not found", fromID)
		} else if err != nil {
			return err
		}
		to, err := q.FindUser(ctx, act.ManagedScope(), toID)
		if errs.Is(err, errs.NotFound) {
			return errs.New(errs.NotFound, "User '%s' (to_user_id) not found", toID)
		} else if err != nil {
			return err
		}
		for _, u := range []user.User{from, to} {
			if user.Rank(u.Role) > user.Rank(act.User.Role) {
				return errs.New(errs.Forbidden, "You cannot move resources of or to %s, whose role is above your own", u.Email)
			}
		}
		fromHome, err := q.OrganizationByID(ctx, from.OrganizationID)
		if err != nil {
			return err
		}
		toHome, err := q.OrganizationByID(ctx, to.OrganizationID)
		if err != nil {
			return err
		}
		owned, err := q.CountOwnedResources(ctx, tenant.Scope{OrgID: fromHome.ID, Path: fromHome.Path, Subtree: true}, from.ID)
		if err != nil {
			return err
		}
		visible := func(c store.OwnedCount) bool {
			if to.IsAdmin() {
				return toHome.ContainsPath(c.OrgPath)
			}
			return c.OrganizationID == toHome.ID
		}
		for _, c := range owned {
			if !visible(c) {
				return errs.Field("to_user_id", "%s cannot see %d of the %s to move (they are in organization %s); "+
					"choose a user of that organization", to.Email, c.Count, c.Kind, c.OrganizationID)
			}
		}
		moved, err := q.TransferOwnedResources(ctx, tenant.Scope{OrgID: fromHome.ID, Path: fromHome.Path, Subtree: true}, from.ID, to.ID)
		if err != nil {
			return err
		}
		res = TransferResult{From: from, To: to, Moved: moved}
		changes := map[string]any{"from_user_id": from.ID, "to_user_id": to.ID}
		for k, v := range moved {
			changes[k] = v
		}
		return a.record(ctx, q, act, to.OrganizationID, "user.transfer_resources", "user", to.ID, changes)
	})
	return res, err
}

// SetPartner sets or clears a user's partner flag. Only a superadmin or an
// admin of an organization above the user's may change it; partner users
// belong to partner organizations; the last partner user of an organization
// with customer organizations keeps the flag (409).
func (a *App) SetPartner(ctx context.Context, act *Actor, id string, partner bool) (user.User, error) {
	if err := act.can("users", "manage"); err != nil {
		return user.User{}, err
	}
	var out user.User
	err := a.store.Tx(ctx, func(q *store.Q) error {
		u, err := q.FindUser(ctx, act.ManagedScope(), id)
		if err != nil {
			return err
		}
		org, err := q.OrganizationByID(ctx, u.OrganizationID)
		if err != nil {
			return err
		}
		if act.User.Role != user.RoleSuperadmin && (org.ID == act.Org.ID || !act.Org.Contains(org)) {
			return errs.New(errs.Forbidden, "Only a superadmin or an administrator of an organization above the user's sets the partner flag")
		}
		if u.Partner == partner {
			out = u
			return nil
		}
		if partner && org.Kind != tenant.KindPartner {
			return errs.New(errs.Conflict, "Only users of partner organizations can be partners; %s is in a %s organization", u.Email, org.Kind)
		}
		if !partner {
			r, err := a.partnerDependency(ctx, q, u)
			if err != nil {
				return err
			}
			if r != nil {
				return errs.New(errs.Conflict, "Partner flag kept: %s", r.Message)
			}
		}
		now := a.now()
		if err := q.SetUserPartner(ctx, u.OrganizationID, u.ID, partner, now); err != nil {
			return err
		}
		u.Partner, u.UpdatedAt = partner, now
		out = u
		action := "user.partner_set"
		if !partner {
			action = "user.partner_unset"
		}
		return a.record(ctx, q, act, u.OrganizationID, action, "user", u.ID, map[string]any{"partner": partner})
	})
	return out, err
}

// OrganizationMembers lists the users of the caller's current organization
// (only that one, whatever the caller's role).
func (a *App) OrganizationMembers(ctx context.Context, act *Actor, p listing.Params) ([]user.User, int, error) {
	if err := act.can("organizations", "read"); err != nil {
		return nil, 0, err
	}
	return a.store.R().FindUsers(ctx, act.Scope(), p)
}
