package store

import (
	"context"
	"time"
)

// OneTimeTokenByHash returns a live (unused, unexpired at now) token of a
// purpose without consuming it (a form shown before the token is used).
func (q *Q) OneTimeTokenByHash(ctx context.Context, purpose, hash string, now time.Time) (OneTimeToken, error) {
	var t OneTimeToken
	err := q.queryRow(ctx, `SELECT id, user_id, purpose, created_at, expires_at FROM one_time_tokens
		WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`, hash, purpose, ts(now)).
		Scan(&t.ID, &t.UserID, &t.Purpose, timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt})
	return t, notFound(err, "Token")
}

// ConfirmUser stamps a user of organization orgID confirmed (once; a later
// call keeps the first time).
func (q *Q) ConfirmUser(ctx context.Context, orgID, id string, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE users SET confirmed_at = COALESCE(confirmed_at, ?), updated_at = ?
		WHERE id = ? AND organization_id = ?`, ts(at), ts(at), id, orgID)
	return err
}

// Account e-mail kinds (email_messages.kind); notification e-mails are "event".
const (
	EmailKindEvent = "event"
)

// CreateAccountEmail queues an account e-mail (confirmation, invitation,
// password reset) of kind with its sealed one-time link. Its event_id is the
// message's own id: it belongs to no event.
func (q *Q) CreateAccountEmail(ctx context.Context, m EmailMessage, kind, sealedLink string) error {
	_, err := q.exec(ctx, `INSERT INTO email_messages (id, organization_id, user_id, event_id, to_address, status, created_at, kind, sealed_link)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, m.OrganizationID, m.UserID, m.ID, m.To, EmailPending, ts(m.CreatedAt), kind, sealedLink)
	return err
}

// EmailKind returns the kind and sealed link of a queued e-mail of an
// organization.
func (q *Q) EmailKind(ctx context.Context, orgID, id string) (kind, sealedLink string, err error) {
	err = q.queryRow(ctx, `SELECT kind, sealed_link FROM email_messages WHERE id = ? AND organization_id = ?`, id, orgID).
		Scan(&kind, &sealedLink)
	return kind, sealedLink, notFound(err, "E-mail")
}

// WipeEmailLink forgets the sealed link of an e-mail of an organization once
// it is sent or failed.
func (q *Q) WipeEmailLink(ctx context.Context, orgID, id string) error {
	_, err := q.exec(ctx, `UPDATE email_messages SET sealed_link = '' WHERE id = ? AND organization_id = ?`, id, orgID)
	return err
}
