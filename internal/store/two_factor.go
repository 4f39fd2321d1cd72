package store

import (
	"context"
	"database/sql"
	"time"
)

// TwoFactor is a user's two-factor state. Secrets are sealed by the app.
type TwoFactor struct {
	UserID              string
	TOTPSecret          string // sealed
	TOTPEnabled         bool
	TOTPLastStep        int64
	SMSPhone            string
	SMSEnabled          bool
	PendingMethod       string
	PendingSecret       string // sealed
	PendingPhone        string
	DefaultMethod       string
	OTPFailures         int
	OTPFailedAt         time.Time // zero: none
	RecoveryGeneratedAt *time.Time
	UpdatedAt           time.Time
}

// TwoFactorByUser returns a user's two-factor row (not found when the user
// never started setting it up).
func (q *Q) TwoFactorByUser(ctx context.Context, userID string) (TwoFactor, error) {
	var t TwoFactor
	var failedAt int64
	err := q.queryRow(ctx, `SELECT user_id, totp_secret, totp_enabled, totp_last_step, sms_phone, sms_enabled, pending_method,
		pending_secret, pending_phone, default_method, otp_failures, otp_failed_at, recovery_generated_at, updated_at
		FROM two_factor WHERE user_id = ?`, userID).
		Scan(&t.UserID, &t.TOTPSecret, &t.TOTPEnabled, &t.TOTPLastStep, &t.SMSPhone, &t.SMSEnabled, &t.PendingMethod,
			&t.PendingSecret, &t.PendingPhone, &t.DefaultMethod, &t.OTPFailures, &failedAt, nullTimeCol{&t.RecoveryGeneratedAt},
			timeCol{&t.UpdatedAt})
	if failedAt != 0 {
		t.OTPFailedAt = time.UnixMicro(failedAt).UTC()
	}
	return t, notFound(err, "Two-factor settings")
}

// SaveTwoFactor inserts or replaces a user's two-factor row. totp_last_step
// only moves forward (AcceptTOTPStep owns it).
func (q *Q) SaveTwoFactor(ctx context.Context, t TwoFactor) error {
	var failedAt int64
	if !t.OTPFailedAt.IsZero() {
		failedAt = ts(t.OTPFailedAt)
	}
	_, err := q.exec(ctx, `INSERT INTO two_factor (user_id, totp_secret, totp_enabled, totp_last_step, sms_phone, sms_enabled,
		pending_method, pending_secret, pending_phone, default_method, otp_failures, otp_failed_at, recovery_generated_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET totp_secret = excluded.totp_secret, totp_enabled = excluded.totp_enabled,
		totp_last_step = CASE WHEN excluded.totp_last_step > two_factor.totp_last_step THEN excluded.totp_last_step ELSE two_factor.totp_last_step END,
		sms_phone = excluded.sms_phone, sms_enabled = excluded.sms_enabled, pending_method = excluded.pending_method,
		pending_secret = excluded.pending_secret, pending_phone = excluded.pending_phone, default_method = excluded.default_method,
		otp_failures = excluded.otp_failures, otp_failed_at = excluded.otp_failed_at,
		recovery_generated_at = excluded.recovery_generated_at, updated_at = excluded.updated_at`,
		t.UserID, t.TOTPSecret, t.TOTPEnabled, t.TOTPLastStep, t.SMSPhone, t.SMSEnabled, t.PendingMethod, t.PendingSecret,
		t.PendingPhone, t.DefaultMethod, t.OTPFailures, failedAt, nts(t.RecoveryGeneratedAt), ts(t.UpdatedAt))
	return err
}

// AcceptTOTPStep records step as the user's last accepted TOTP step unless
// that step (or a later one) was accepted already; it reports whether it did.
// The conditional UPDATE makes two concurrent uses of one code race safely.
func (q *Q) AcceptTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	res, err := q.exec(ctx, `UPDATE two_factor SET totp_last_step = ? WHERE user_id = ? AND totp_last_step < ?`, step, userID, step)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteTwoFactor forgets a user's two-factor settings and recovery codes.
func (q *Q) DeleteTwoFactor(ctx context.Context, userID string) error {
	if _, err := q.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	_, err := q.exec(ctx, `DELETE FROM two_factor WHERE user_id = ?`, userID)
	return err
}

// ReplaceRecoveryCodes voids a user's recovery codes and stores new ones by hash.
func (q *Q) ReplaceRecoveryCodes(ctx context.Context, userID string, ids, hashes []string, at time.Time) error {
	if _, err := q.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for i, h := range hashes {
		if _, err := q.exec(ctx, `INSERT INTO recovery_codes (id, user_id, code_hash, created_at) VALUES (?, ?, ?, ?)`,
			ids[i], userID, h, ts(at)); err != nil {
			return err
		}
	}
	return nil
}

// UseRecoveryCode consumes an unused recovery code of a user; it reports
// whether one matched (exactly one of concurrent uses wins).
func (q *Q) UseRecoveryCode(ctx context.Context, userID, hash string, at time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
		ts(at), userID, hash)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// CountRecoveryCodes returns how many recovery codes a user has and how many
// are unused.
func (q *Q) CountRecoveryCodes(ctx context.Context, userID string) (total, remaining int, err error) {
	err = q.queryRow(ctx, `SELECT COUNT(*), COUNT(*) - COUNT(used_at) FROM recovery_codes WHERE user_id = ?`, userID).
		Scan(&total, &remaining)
	return total, remaining, mapErr(err)
}

// SMSCode is a one-time code sent by SMS (by its keyed hash).
type SMSCode struct {
	ID, UserID, Purpose, Phone, Hash string
	CreatedAt, ExpiresAt             time.Time
}

// CreateSMSCode stores a code, voiding the user's earlier unused codes of the
// same purpose (only the latest works).
func (q *Q) CreateSMSCode(ctx context.Context, c SMSCode) error {
	if _, err := q.exec(ctx, `UPDATE sms_codes SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL`,
		ts(c.CreatedAt), c.UserID, c.Purpose); err != nil {
		return err
	}
	_, err := q.exec(ctx, `INSERT INTO sms_codes (id, user_id, purpose, phone, code_hash, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ID, c.UserID, c.Purpose, c.Phone, c.Hash, ts(c.CreatedAt), ts(c.ExpiresAt))
	return err
}

// SMSSendsSince returns when each of a user's SMS codes created after since
// was created, oldest first (the send rate limit).
func (q *Q) SMSSendsSince(ctx context.Context, userID string, since time.Time) ([]time.Time, error) {
	rows, err := q.query(ctx, `SELECT created_at FROM sms_codes WHERE user_id = ? AND created_at > ? ORDER BY created_at`, userID, ts(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(timeCol{&t}); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, mapErr(rows.Err())
}

// UseSMSCode consumes a live code of a user and purpose by hash and returns
// it; a used, expired or unknown code is not found.
func (q *Q) UseSMSCode(ctx context.Context, userID, purpose, hash string, now time.Time) (SMSCode, error) {
	c := SMSCode{UserID: userID, Purpose: purpose, Hash: hash}
	err := q.queryRow(ctx, `SELECT id, phone, created_at, expires_at FROM sms_codes
		WHERE user_id = ? AND purpose = ? AND code_hash = ? AND used_at IS NULL AND expires_at > ?`, userID, purpose, hash, ts(now)).
		Scan(&c.ID, &c.Phone, timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt})
	if err != nil {
		return c, notFound(err, "Code")
	}
	// By id only: sms_codes has no organization_id; c was just found by the user and the code's hash.
	res, err := q.exec(ctx, `UPDATE sms_codes SET used_at = ? WHERE id = ? AND used_at IS NULL`, ts(now), c.ID)
	if err != nil {
		return c, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return c, notFound(sql.ErrNoRows, "Code")
	}
	return c, nil
}

// SMSMessage is what the development SMS provider recorded.
type SMSMessage struct {
	ID, UserID, To, Body string
	CreatedAt            time.Time
}

// InsertSMSMessage records a development SMS.
func (q *Q) InsertSMSMessage(ctx context.Context, m SMSMessage) error {
	_, err := q.exec(ctx, `INSERT INTO sms_outbox (id, user_id, to_phone, body, created_at) VALUES (?, ?, ?, ?, ?)`,
		m.ID, m.UserID, m.To, m.Body, ts(m.CreatedAt))
	return err
}

// FindSMSMessages lists the development SMS sent to a number, oldest first.
func (q *Q) FindSMSMessages(ctx context.Context, to string) ([]SMSMessage, error) {
	rows, err := q.query(ctx, `SELECT id, user_id, to_phone, body, created_at FROM sms_outbox WHERE to_phone = ? ORDER BY created_at, id`, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SMSMessage
	for rows.Next() {
		var m SMSMessage
		if err := rows.Scan(&m.ID, &m.UserID, &m.To, &m.Body, timeCol{&m.CreatedAt}); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, mapErr(rows.Err())
}

// PurgeSMS deletes SMS codes created before cutoff (expired long since, and
// past the rate-limit window) and development SMS older than cutoff.
func (q *Q) PurgeSMS(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM sms_codes WHERE created_at < ?`, ts(cutoff))
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if _, err := q.exec(ctx, `DELETE FROM sms_outbox WHERE created_at < ?`, ts(cutoff)); err != nil {
		return n, err
	}
	return n, nil
}
