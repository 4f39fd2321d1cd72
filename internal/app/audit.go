package app

import (
	"context"

	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/listing"
)

// ListAuditEvents lists events of the organizations the caller manages.
func (a *App) ListAuditEvents(ctx context.Context, act *Actor, p listing.Params) ([]audit.Event, int, error) {
	if err := act.can("audit", "read"); err != nil {
		return nil, 0, err
	}
	return a.store.R().FindAuditEvents(ctx, act.ManagedScope(), p)
}

// GetAuditEvent returns one event of an organization the caller manages.
func (a *App) GetAuditEvent(ctx context.Context, act *Actor, id string) (audit.Event, error) {
	if err := act.can("audit", "read"); err != nil {
		return audit.Event{}, err
	}
	return a.store.R().FindAuditEvent(ctx, act.ManagedScope(), id)
}
