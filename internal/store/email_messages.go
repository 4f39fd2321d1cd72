package store

import (
	"context"
	"time"
)

// EmailMessage is an e-mail queued for a user about an event.
type EmailMessage struct {
	ID, OrganizationID, UserID, EventID, To string
	Status                                  string // pending, sent, failed
	Attempts                                int
	Error                                   string
	CreatedAt                               time.Time
	SentAt                                  *time.Time
}

// E-mail statuses.
const (
	EmailPending = "pending"
	EmailSent    = "sent"
	EmailFailed  = "failed"
)

// Attempted records one send attempt: sent, failed for good when it was the
// last attempt, or still pending with the error for the next retry.
func (m *EmailMessage) Attempted(sendErr error, last bool, now time.Time) {
	m.Attempts++
	switch {
	case sendErr == nil:
		m.Status, m.Error, m.SentAt = EmailSent, "", &now
	case last:
		m.Status, m.Error = EmailFailed, sendErr.Error()
	default:
		m.Error = sendErr.Error()
	}
}

// CreateEmailMessage queues an e-mail unless the user already has one for the
// event; it reports whether it inserted.
func (q *Q) CreateEmailMessage(ctx context.Context, m EmailMessage) (bool, error) {
	res, err := q.exec(ctx, `INSERT INTO email_messages (id, organization_id, user_id, event_id, to_address, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, event_id) DO NOTHING`,
		m.ID, m.OrganizationID, m.UserID, m.EventID, m.To, EmailPending, ts(m.CreatedAt))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// EmailMessageByID returns a queued e-mail (the mail worker, which has only
// the id its job carries).
func (q *Q) EmailMessageByID(ctx context.Context, id string) (EmailMessage, error) {
	// By id only: an email.send job carries just the message id; the row tells its organization.
	var m EmailMessage
	err := q.queryRow(ctx, `SELECT id, organization_id, user_id, event_id, to_address, status, attempts, error, created_at, sent_at
		FROM email_messages WHERE id = ?`, id).Scan(&m.ID, &m.OrganizationID, &m.UserID, &m.EventID, &m.To, &m.Status,
		&m.Attempts, &m.Error, timeCol{&m.CreatedAt}, nullTimeCol{&m.SentAt})
	return m, notFound(err, "E-mail")
}

// FindEmailMessages lists an organization's e-mails, oldest first (tests).
func (q *Q) FindEmailMessages(ctx context.Context, orgID string) ([]EmailMessage, error) {
	rows, err := q.query(ctx, `SELECT id, organization_id, user_id, event_id, to_address, status, attempts, error, created_at, sent_at
		FROM email_messages WHERE organization_id = ? ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []EmailMessage
	for rows.Next() {
		var m EmailMessage
		if err := rows.Scan(&m.ID, &m.OrganizationID, &m.UserID, &m.EventID, &m.To, &m.Status, &m.Attempts, &m.Error,
			timeCol{&m.CreatedAt}, nullTimeCol{&m.SentAt}); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, mapErr(rows.Err())
}

// UpdateEmailMessage records an attempt's outcome.
func (q *Q) UpdateEmailMessage(ctx context.Context, m EmailMessage) error {
	_, err := q.exec(ctx, `UPDATE email_messages SET status = ?, attempts = ?, error = ?, sent_at = ? WHERE id = ? AND organization_id = ?`,
		m.Status, m.Attempts, m.Error, nts(m.SentAt), m.ID, m.OrganizationID)
	return err
}
