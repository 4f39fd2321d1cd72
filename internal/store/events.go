package store

import (
	"context"
	"time"
)

// Event is one entry of the event outbox: something happened to a resource
// of an organization. Deliveries (webhooks, notifications, e-mail) read the
// outbox; writing it in the transaction of the change means an event exists
// if and only if its change committed.
type Event struct {
	ID             string
	OrganizationID string
	Type           string // e.g. exception_expired, report_generated
	ResourceType   string
	ResourceID     string
	Payload        map[string]any
	CreatedAt      time.Time
	DispatchedAt   *time.Time
}

// InsertEvent appends an event to the outbox.
func (q *Q) InsertEvent(ctx context.Context, e Event) error {
	if e.Payload == nil {
		e.Payload = map[string]any{}
	}
	_, err := q.exec(ctx, `INSERT INTO events (id, organization_id, type, resource_type, resource_id, payload, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.ID, e.OrganizationID, e.Type, e.ResourceType, e.ResourceID, jsonVal(e.Payload), ts(e.CreatedAt))
	return err
}

// FindEvents lists an organization's events of a type (all types when typ is
// empty), oldest first.
func (q *Q) FindEvents(ctx context.Context, orgID, typ string, limit int) ([]Event, error) {
	query := `SELECT id, organization_id, type, resource_type, resource_id, payload, created_at, dispatched_at FROM events
		WHERE organization_id = ?`
	args := []any{orgID}
	if typ != "" {
		query += ` AND type = ?`
		args = append(args, typ)
	}
	rows, err := q.query(ctx, query+` ORDER BY created_at, id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, &e.OrganizationID, &e.Type, &e.ResourceType, &e.ResourceID, jsonCol{&e.Payload},
			timeCol{&e.CreatedAt}, nullTimeCol{&e.DispatchedAt}); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}
