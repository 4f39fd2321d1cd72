// Package audit holds audit events: the append-only record of every change,
// sign-in and token operation.
package audit

import "time"

// Event is one audited action.
type Event struct {
	ID             string
	OrganizationID string
	ActorID        string // "" for anonymous (failed sign-in of an unknown user)
	ActorEmail     string
	ImpersonatorID string
	Action         string // e.g. "user.create", "auth.sign_in_failed"
	ResourceType   string
	ResourceID     string
	Changes        map[string]any // field → [old, new] or a value; never secrets
	IP             string
	UserAgent      string
	RequestID      string
	CreatedAt      time.Time
}

// Diff records field changes as {"field": [old, new]} for the fields that differ.
type Diff map[string]any

// Set records a change if old and new differ.
func (d Diff) Set(field string, old, new any) {
	if old != new {
		d[field] = []any{old, new}
	}
}
