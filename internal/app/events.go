package app

import (
	"context"

	"github.com/perimeterhq/perimeter/internal/store"
)

// emit appends an event to the outbox in q's transaction, so the event exists
// exactly when the change that caused it commits.
func (a *App) emit(ctx context.Context, q *store.Q, orgID, typ, resType, resID string, payload map[string]any) error {
	return q.InsertEvent(ctx, store.Event{ID: newID(), OrganizationID: orgID, Type: typ, ResourceType: resType,
		ResourceID: resID, Payload: payload, CreatedAt: a.now()})
}
