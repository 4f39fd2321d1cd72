package store

import (
	"context"
	"time"

	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// Principal is who a credential authenticates: the user, their current
// organization, and the session (empty for access tokens).
type Principal struct {
	User    user.User
	Org     tenant.Organization
	Session Session
}

// actingOrgJoin joins the organization a user acts in as o: their current
// organization (PUT /v2/organizations/change) while it is still one they may
// act in — an active organization at or below an administrator's own — else their
// home organization (users.organization_id).
const actingOrgJoin = `JOIN organizations h ON h.id = u.organization_id
	JOIN organizations o ON o.id = CASE WHEN u.current_organization_id IS NOT NULL AND u.role IN ('admin', 'superadmin')
		AND EXISTS (SELECT 1 FROM organizations c WHERE c.id = u.current_organization_id AND c.status = 'active'
			AND c.path LIKE h.path || '%')
		THEN u.current_organization_id ELSE u.organization_id END`

// PrincipalBySession resolves a live session token hash in one query (it runs on
// every authenticated request).
func (q *Q) PrincipalBySession(ctx context.Context, hash string, now time.Time) (Principal, error) {
	var p Principal
	var imp *string
	row := q.queryRow(ctx, `SELECT `+userColumns+`, `+orgColumns+`, s.id, s.impersonator_id, s.created_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id `+actingOrgJoin+`
		WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?`, hash, ts(now))
	err := row.Scan(principalDest(&p, &imp)...)
	if imp != nil {
		p.Session.ImpersonatorID = *imp
	}
	p.Session.UserID = p.User.ID
	return p, notFound(err, "Session")
}

// PrincipalByAccessToken resolves an access token hash in one query.
func (q *Q) PrincipalByAccessToken(ctx context.Context, hash string) (Principal, error) {
	var p Principal
	row := q.queryRow(ctx, `SELECT `+userColumns+`, `+orgColumns+`
		FROM access_tokens t JOIN users u ON u.id = t.user_id `+actingOrgJoin+`
		WHERE t.token_hash = ?`, hash)
	err := row.Scan(principalDest(&p, nil)...)
	return p, notFound(err, "Access token")
}

// principalDest lists scan destinations for user columns, organization columns
// and (when imp is not nil) the session columns, in select order.
func principalDest(p *Principal, imp **string) []any {
	dest := append(userDest(&p.User), orgDest(&p.Org)...)
	if imp != nil {
		dest = append(dest, &p.Session.ID, imp, timeCol{&p.Session.CreatedAt}, timeCol{&p.Session.ExpiresAt})
	}
	return dest
}
