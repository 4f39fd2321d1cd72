package app

import (
	"context"
	"time"

	"github.com/perimeterhq/perimeter/internal/store"
)

// emit appends an event to the outbox in q's transaction, so the event exists
// exactly when the change that caused it commits, and wakes the dispatcher in
// the same transaction (see dispatch.go).
func (a *App) emit(ctx context.Context, q *store.Q, orgID, typ, resType, resID string, payload map[string]any) error {
	if err := q.InsertEvent(ctx, store.Event{ID: newID(), OrganizationID: orgID, Type: typ, ResourceType: resType,
		ResourceID: resID, Payload: payload, CreatedAt: a.now()}); err != nil {
		return err
	}
	return wakeDispatcher(ctx, q, time.Time{})
}
