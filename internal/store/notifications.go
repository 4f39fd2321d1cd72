package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/notify"
)

const notificationColumns = `n.id, n.organization_id, n.user_id, n.event_id, n.type, n.title, n.body, n.resource_type,
	n.resource_id, n.data, n.read_at, n.seen_at, n.created_at`

func scanNotification(sc interface{ Scan(...any) error }) (notify.Notification, error) {
	var n notify.Notification
	err := sc.Scan(&n.ID, &n.OrganizationID, &n.UserID, &n.EventID, &n.Type, &n.Title, &n.Body, &n.ResourceType,
		&n.ResourceID, jsonCol{&n.Data}, nullTimeCol{&n.ReadAt}, nullTimeCol{&n.SeenAt}, timeCol{&n.CreatedAt})
	if n.Data == nil {
		n.Data = map[string]any{}
	}
	return n, err
}

// InsertNotification stores a notification unless the user already has one
// for the event.
func (q *Q) InsertNotification(ctx context.Context, n notify.Notification) error {
	_, err := q.exec(ctx, `INSERT INTO notifications (id, organization_id, user_id, event_id, type, title, body, resource_type,
		resource_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, event_id) DO NOTHING`,
		n.ID, n.OrganizationID, n.UserID, n.EventID, n.Type, n.Title, n.Body, n.ResourceType, n.ResourceID, jsonVal(n.Data),
		ts(n.CreatedAt))
	return err
}

// FindNotification returns one of a user's notifications in an organization.
func (q *Q) FindNotification(ctx context.Context, orgID, userID, id string) (notify.Notification, error) {
	n, err := scanNotification(q.queryRow(ctx, `SELECT `+notificationColumns+` FROM notifications n
		WHERE n.id = ? AND n.user_id = ? AND n.organization_id = ?`, id, userID, orgID))
	return n, notFound(err, "Notification")
}

// notificationListSQL is notify.List in the SQL of FindNotifications.
var notificationListSQL = bindList(&notify.List, listSQL{
	Date: "n.created_at", ID: "n.id",
	Cols: map[string]colSQL{
		"read":          {Expr: "(n.read_at IS NOT NULL)"},
		"seen":          {Expr: "(n.seen_at IS NOT NULL)"},
		"type":          {Expr: "n.type"},
		"resource_type": {Expr: "n.resource_type"},
		"resource_id":   {Expr: "n.resource_id"},
		"created_at":    {Expr: "n.created_at"},
	},
})

// FindNotifications lists a user's notifications in an organization.
func (q *Q) FindNotifications(ctx context.Context, orgID, userID string, p listing.Params) ([]notify.Notification, int, error) {
	lq := listQuery{Select: notificationColumns, From: "notifications n"}
	lq.where("n.user_id = ?", userID)
	lq.where("n.organization_id = ?", orgID)
	var out []notify.Notification
	total, err := q.runList(ctx, lq, notificationListSQL, p, func(r *sql.Rows) error {
		n, err := scanNotification(r)
		out = append(out, n)
		return err
	})
	return out, total, err
}

// CountUnread counts a user's unread notifications in an organization.
func (q *Q) CountUnread(ctx context.Context, orgID, userID string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND organization_id = ? AND read_at IS NULL`,
		userID, orgID).Scan(&n)
	return n, mapErr(err)
}

// MarkNotifications sets read_at or seen_at (column is "read" or "seen") on
// one notification (id) or on all of the user's (id ""), keeping earlier
// times. Reading implies seeing. It returns how many rows changed.
func (q *Q) MarkNotifications(ctx context.Context, orgID, userID, id, column string, at time.Time) (int, error) {
	set := `seen_at = COALESCE(seen_at, ?)`
	cond := `seen_at IS NULL`
	args := []any{ts(at)}
	if column == "read" {
		set = `read_at = COALESCE(read_at, ?), seen_at = COALESCE(seen_at, ?)`
		cond = `read_at IS NULL`
		args = append(args, ts(at))
	}
	query := `UPDATE notifications SET ` + set + ` WHERE user_id = ? AND organization_id = ? AND ` + cond
	args = append(args, userID, orgID)
	if id != "" {
		query += ` AND id = ?`
		args = append(args, id)
	}
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// DeleteNotification removes one of a user's notifications.
func (q *Q) DeleteNotification(ctx context.Context, orgID, userID, id string) error {
	res, err := q.exec(ctx, `DELETE FROM notifications WHERE id = ? AND user_id = ? AND organization_id = ?`, id, userID, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(sql.ErrNoRows, "Notification")
	}
	return nil
}

// NotificationPreferences returns a user's stored choices: event → channel →
// enabled (absent: the default).
func (q *Q) NotificationPreferences(ctx context.Context, userID string) (map[string]map[string]bool, error) {
	rows, err := q.query(ctx, `SELECT event, channel, enabled FROM notification_preferences WHERE user_id = ?`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]bool{}
	for rows.Next() {
		var ev, ch string
		var on bool
		if err := rows.Scan(&ev, &ch, &on); err != nil {
			return nil, err
		}
		if out[ev] == nil {
			out[ev] = map[string]bool{}
		}
		out[ev][ch] = on
	}
	return out, mapErr(rows.Err())
}

// SetNotificationPreference stores a user's choice for an event and channel.
func (q *Q) SetNotificationPreference(ctx context.Context, userID, event, channel string, enabled bool, at time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO notification_preferences (user_id, event, channel, enabled, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id, event, channel) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`,
		userID, event, channel, enabled, ts(at))
	return err
}

// Recipient is a user who may be told of an event, with their stored
// choices for it (nil: the default).
type Recipient struct {
	UserID, Email, FirstName, LastName, Role string
	Confirmed                                bool
	InApp, EmailOn                           *bool
}

// NotificationRecipients lists the users of an organization with their
// choices for one event.
func (q *Q) NotificationRecipients(ctx context.Context, orgID, event string) ([]Recipient, error) {
	rows, err := q.query(ctx, `SELECT u.id, u.email, u.first_name, u.last_name, u.role, u.confirmed_at IS NOT NULL,
		(SELECT p.enabled FROM notification_preferences p WHERE p.user_id = u.id AND p.event = ? AND p.channel = 'in_app'),
		(SELECT p.enabled FROM notification_preferences p WHERE p.user_id = u.id AND p.event = ? AND p.channel = 'email')
		FROM users u WHERE u.organization_id = ? ORDER BY u.created_at, u.id`, event, event, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		var r Recipient
		var inApp, email sql.NullBool
		if err := rows.Scan(&r.UserID, &r.Email, &r.FirstName, &r.LastName, &r.Role, &r.Confirmed, &inApp, &email); err != nil {
			return nil, err
		}
		if inApp.Valid {
			r.InApp = &inApp.Bool
		}
		if email.Valid {
			r.EmailOn = &email.Bool
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}
