package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/perimeterhq/perimeter/internal/tenant"
)

// CreateAPIKey stores a key by its hash.
func (q *Q) CreateAPIKey(ctx context.Context, k tenant.APIKey, hash string) error {
	var by any
	if k.CreatedBy != "" {
		by = k.CreatedBy
	}
	_, err := q.exec(ctx, `INSERT INTO api_keys (id, organization_id, name, token_hash, prefix, created_by, created_at, console)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, k.ID, k.OrganizationID, k.Name, hash, k.Prefix, by, ts(k.CreatedAt), k.Console)
	return err
}

// APIKeyByHash finds an unrevoked key by its hash.
func (q *Q) APIKeyByHash(ctx context.Context, hash string) (tenant.APIKey, error) {
	var k tenant.APIKey
	var by sql.NullString
	err := q.queryRow(ctx, `SELECT k.id, k.organization_id, o.path, k.name, k.prefix, k.created_by, k.created_at, k.last_used_at, k.console
		FROM api_keys k JOIN organizations o ON o.id = k.organization_id
		WHERE k.token_hash = ? AND k.revoked_at IS NULL`, hash).
		Scan(&k.ID, &k.OrganizationID, &k.OrgPath, &k.Name, &k.Prefix, &by, timeCol{&k.CreatedAt}, nullTimeCol{&k.LastUsedAt}, &k.Console)
	k.CreatedBy = by.String
	return k, notFound(err, "API key")
}

// TouchAPIKey records when a key of an organization was last used.
func (q *Q) TouchAPIKey(ctx context.Context, orgID, id string, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ? AND organization_id = ?`, ts(at), id, orgID)
	return err
}

// RevokeAPIKey revokes a key of an organization.
func (q *Q) RevokeAPIKey(ctx context.Context, orgID, id string, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND organization_id = ? AND revoked_at IS NULL`, ts(at), id, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(sql.ErrNoRows, "API key")
	}
	return nil
}

// RevokeConsoleAPIKeys revokes an organization's console keys except the one
// with keepHash (left over from an earlier secret key).
func (q *Q) RevokeConsoleAPIKeys(ctx context.Context, orgID, keepHash string, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE organization_id = ? AND console AND token_hash <> ? AND revoked_at IS NULL`,
		ts(at), orgID, keepHash)
	return err
}

// Session is a signed-in session (by hash).
type Session struct {
	ID             string
	UserID         string
	ImpersonatorID string
	IP, UserAgent  string
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

// CreateSession stores a session by its token hash.
func (q *Q) CreateSession(ctx context.Context, s Session, hash string) error {
	var imp any
	if s.ImpersonatorID != "" {
		imp = s.ImpersonatorID
	}
	_, err := q.exec(ctx, `INSERT INTO sessions (id, user_id, token_hash, impersonator_id, ip, user_agent, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, s.UserID, hash, imp, s.IP, s.UserAgent, ts(s.CreatedAt), ts(s.ExpiresAt))
	return err
}

// SessionByHash finds a live (unrevoked, unexpired at now) session.
func (q *Q) SessionByHash(ctx context.Context, hash string, now time.Time) (Session, error) {
	var s Session
	var imp sql.NullString
	err := q.queryRow(ctx, `SELECT id, user_id, impersonator_id, ip, user_agent, created_at, expires_at FROM sessions
		WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?`, hash, ts(now)).
		Scan(&s.ID, &s.UserID, &imp, &s.IP, &s.UserAgent, timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt})
	s.ImpersonatorID = imp.String
	return s, notFound(err, "Session")
}

// RevokeSession revokes one session.
func (q *Q) RevokeSession(ctx context.Context, id string, at time.Time) error {
	// By id only: sessions has no organization_id; the id comes from the bearer token's own session.
	_, err := q.exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ts(at), id)
	return err
}

// RevokeUserSessions revokes every session of a user except keepID.
func (q *Q) RevokeUserSessions(ctx context.Context, userID, keepID string, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL`, ts(at), userID, keepID)
	return err
}

// SetAccessToken stores (replacing any previous) the user's access token hash.
func (q *Q) SetAccessToken(ctx context.Context, userID, hash string, at time.Time) error {
	if _, err := q.exec(ctx, `DELETE FROM access_tokens WHERE user_id = ?`, userID); err != nil {
		return err
	}
	_, err := q.exec(ctx, `INSERT INTO access_tokens (user_id, token_hash, created_at) VALUES (?, ?, ?)`, userID, hash, ts(at))
	return err
}

// DeleteAccessToken revokes the user's access token; found reports whether one existed.
func (q *Q) DeleteAccessToken(ctx context.Context, userID string) (found bool, err error) {
	res, err := q.exec(ctx, `DELETE FROM access_tokens WHERE user_id = ?`, userID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// UserIDByAccessToken resolves an access token hash to its user.
func (q *Q) UserIDByAccessToken(ctx context.Context, hash string) (string, error) {
	var id string
	err := q.queryRow(ctx, `SELECT user_id FROM access_tokens WHERE token_hash = ?`, hash).Scan(&id)
	return id, notFound(err, "Access token")
}

// OneTimeToken is a single-use, expiring token (confirmation, reset, invitation, SSO).
type OneTimeToken struct {
	ID        string
	UserID    string
	Purpose   string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// CreateOneTimeToken stores a token by hash, voiding earlier unused tokens of the
// same user and purpose.
func (q *Q) CreateOneTimeToken(ctx context.Context, t OneTimeToken, hash string) error {
	if _, err := q.exec(ctx, `UPDATE one_time_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL`,
		ts(t.CreatedAt), t.UserID, t.Purpose); err != nil {
		return err
	}
	_, err := q.exec(ctx, `INSERT INTO one_time_tokens (id, user_id, purpose, token_hash, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, t.ID, t.UserID, t.Purpose, hash, ts(t.CreatedAt), ts(t.ExpiresAt))
	return err
}

// UseOneTimeToken consumes a live token of a purpose and returns it; a used,
// expired or unknown token is not found. The UPDATE … WHERE used_at IS NULL makes
// concurrent uses race safely: exactly one wins.
func (q *Q) UseOneTimeToken(ctx context.Context, purpose, hash string, now time.Time) (OneTimeToken, error) {
	var t OneTimeToken
	err := q.queryRow(ctx, `SELECT id, user_id, purpose, created_at, expires_at FROM one_time_tokens
		WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`, hash, purpose, ts(now)).
		Scan(&t.ID, &t.UserID, &t.Purpose, timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt})
	if err != nil {
		return t, notFound(err, "Token")
	}
	// By id only: one_time_tokens has no organization_id; t was just found by its secret's hash.
	res, err := q.exec(ctx, `UPDATE one_time_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL`, ts(now), t.ID)
	if err != nil {
		return t, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return t, notFound(sql.ErrNoRows, "Token")
	}
	t.UsedAt = &now
	return t, nil
}

// SignInFailures is the failure record of one username from one client
// address (the app decides what an address is and what the counts mean).
type SignInFailures struct {
	Username     string
	Client       string
	Failures     int
	LastAt       time.Time  // latest counted attempt; zero for a new record
	BlockedUntil *time.Time // attempts before then are refused
}

// LockSignInFailures returns the record of (username, client), creating an
// empty one, and holds it until the transaction ends, so that concurrent
// sign-ins count one after the other (a row lock on PostgreSQL; SQLite's
// single writer serializes already).
func (q *Q) LockSignInFailures(ctx context.Context, username, client string) (SignInFailures, error) {
	f := SignInFailures{Username: username, Client: client}
	if _, err := q.exec(ctx, `INSERT INTO sign_in_failures (username, client, failures, last_at) VALUES (?, ?, 0, 0)
		ON CONFLICT (username, client) DO NOTHING`, username, client); err != nil {
		return f, err
	}
	query := `SELECT failures, last_at, blocked_until FROM sign_in_failures WHERE username = ? AND client = ?`
	if q.d.engine == Postgres {
		query += ` FOR UPDATE`
	}
	var last int64
	err := q.queryRow(ctx, query, username, client).Scan(&f.Failures, &last, nullTimeCol{&f.BlockedUntil})
	if last != 0 {
		f.LastAt = time.UnixMicro(last).UTC()
	}
	return f, mapErr(err)
}

// SaveSignInFailures writes a record read with LockSignInFailures.
func (q *Q) SaveSignInFailures(ctx context.Context, f SignInFailures) error {
	_, err := q.exec(ctx, `UPDATE sign_in_failures SET failures = ?, last_at = ?, blocked_until = ? WHERE username = ? AND client = ?`,
		f.Failures, ts(f.LastAt), nts(f.BlockedUntil), f.Username, f.Client)
	return err
}

// ClearSignInFailures forgets the failures of username from client (after a
// good sign-in from there); other addresses keep theirs.
func (q *Q) ClearSignInFailures(ctx context.Context, username, client string) error {
	_, err := q.exec(ctx, `DELETE FROM sign_in_failures WHERE username = ? AND client = ?`, username, client)
	return err
}

// PurgeResult counts what PurgeExpired removed.
type PurgeResult struct {
	Sessions, OneTimeTokens, SignInFailures int64
}

// PurgeExpired deletes sessions expired or revoked before cutoff, one-time tokens
// used or expired before cutoff, and stale sign-in failure records.
func (q *Q) PurgeExpired(ctx context.Context, now, cutoff time.Time) (PurgeResult, error) {
	var r PurgeResult
	res, err := q.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR revoked_at <= ?`, ts(now), ts(cutoff))
	if err != nil {
		return r, err
	}
	r.Sessions, _ = res.RowsAffected()
	if res, err = q.exec(ctx, `DELETE FROM one_time_tokens WHERE expires_at <= ? OR used_at IS NOT NULL`, ts(now)); err != nil {
		return r, err
	}
	r.OneTimeTokens, _ = res.RowsAffected()
	if res, err = q.exec(ctx, `DELETE FROM sign_in_failures WHERE last_at <= ? AND (blocked_until IS NULL OR blocked_until <= ?)`,
		ts(cutoff), ts(now)); err != nil {
		return r, err
	}
	r.SignInFailures, _ = res.RowsAffected()
	return r, nil
}
