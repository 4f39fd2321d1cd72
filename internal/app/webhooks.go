package app

import (
	"context"
	"strings"

	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/secret"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

// checkWebhook validates w and refuses a URL whose host is a literal address
// the SSRF guard would refuse (names are judged at delivery time, when they
// are resolved).
func (a *App) checkWebhook(w *webhook.Webhook) error {
	if err := w.Validate(); err != nil {
		return err
	}
	u, _ := webhook.ParseURL(w.URL)
	if err := a.hooks.guard.CheckURLHost(u.Hostname()); err != nil {
		return errs.Field("url", "%s", strings.TrimPrefix(err.Error(), "refused: "))
	}
	return nil
}

// CreateWebhook stores a webhook of the caller's organization. Without a
// secret one is generated; the secret is returned this once and stored
// encrypted.
func (a *App) CreateWebhook(ctx context.Context, act *Actor, w webhook.Webhook, secretText string) (webhook.Webhook, string, error) {
	if err := act.can("webhooks", "write"); err != nil {
		return w, "", err
	}
	if err := a.checkWebhook(&w); err != nil {
		return w, "", err
	}
	if secretText == "" {
		secretText = secret.NewToken(webhook.SecretPrefix)
	} else if err := webhook.ValidateSecret(secretText); err != nil {
		return w, "", err
	}
	now := a.now()
	w.ID, w.OrganizationID, w.CreatedBy, w.CreatedAt, w.UpdatedAt = newID(), act.Org.ID, act.User.ID, now, now
	w.SecretSealed = a.hooks.box.Seal(secretText)
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if err := q.CreateWebhook(ctx, w); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "webhook.create", "webhook", w.ID,
			map[string]any{"name": w.Name, "url": w.URL, "events": w.Events, "active": w.Active})
	})
	return w, secretText, err
}

// GetWebhook returns a webhook of the caller's organization.
func (a *App) GetWebhook(ctx context.Context, act *Actor, id string) (webhook.Webhook, error) {
	if err := act.can("webhooks", "read"); err != nil {
		return webhook.Webhook{}, err
	}
	return a.store.R().FindWebhook(ctx, act.Org.ID, id)
}

// ListWebhooks lists the caller's organization's webhooks.
func (a *App) ListWebhooks(ctx context.Context, act *Actor, p listing.Params) ([]webhook.Webhook, int, error) {
	if err := act.can("webhooks", "read"); err != nil {
		return nil, 0, err
	}
	return a.store.R().FindWebhooks(ctx, act.Org.ID, p)
}

// UpdateWebhook changes a webhook; a new secret replaces the old one (it is
// not shown again). Activating it ends its failing streak.
func (a *App) UpdateWebhook(ctx context.Context, act *Actor, id string, up webhook.Update) (webhook.Webhook, error) {
	if err := act.can("webhooks", "write"); err != nil {
		return webhook.Webhook{}, err
	}
	if up.Secret != nil {
		if err := webhook.ValidateSecret(*up.Secret); err != nil {
			return webhook.Webhook{}, err
		}
	}
	var w webhook.Webhook
	err := a.store.Tx(ctx, func(q *store.Q) error {
		old, err := q.FindWebhook(ctx, act.Org.ID, id)
		if err != nil {
			return err
		}
		w = up.Apply(old)
		if err := a.checkWebhook(&w); err != nil {
			return err
		}
		if w.Active && !old.Active {
			w.FailingSince, w.DeactivatedReason = nil, ""
		}
		d := audit.Diff{}
		if up.Secret != nil {
			w.SecretSealed = a.hooks.box.Seal(*up.Secret)
			d.Set("secret", "(previous)", "(replaced)") // never the value
		}
		w.UpdatedAt = a.now()
		if err := q.UpdateWebhook(ctx, w); err != nil {
			return err
		}
		d.Set("name", old.Name, w.Name)
		d.Set("url", old.URL, w.URL)
		d.Set("events", strings.Join(old.Events, ","), strings.Join(w.Events, ","))
		d.Set("active", boolText(old.Active), boolText(w.Active))
		return a.record(ctx, q, act, "", "webhook.update", "webhook", w.ID, d)
	})
	return w, err
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// SetWebhookActive activates or deactivates a webhook.
func (a *App) SetWebhookActive(ctx context.Context, act *Actor, id string, active bool) (webhook.Webhook, error) {
	return a.UpdateWebhook(ctx, act, id, webhook.Update{Active: &active})
}

// DeleteWebhook deletes a webhook and its deliveries; pending attempts find
// it gone and stop.
func (a *App) DeleteWebhook(ctx context.Context, act *Actor, id string) error {
	if err := act.can("webhooks", "write"); err != nil {
		return err
	}
	return a.store.Tx(ctx, func(q *store.Q) error {
		if err := q.DeleteWebhook(ctx, act.Org.ID, id); err != nil {
			return err
		}
		return a.record(ctx, q, act, "", "webhook.delete", "webhook", id, nil)
	})
}

// ListDeliveries lists the deliveries of a webhook of the caller's organization.
func (a *App) ListDeliveries(ctx context.Context, act *Actor, webhookID string, p listing.Params) ([]webhook.Delivery, int, error) {
	if _, err := a.GetWebhook(ctx, act, webhookID); err != nil {
		return nil, 0, err
	}
	return a.store.R().FindDeliveries(ctx, act.Org.ID, webhookID, p)
}

// GetDelivery returns a delivery of a webhook of the caller's organization
// with every attempt.
func (a *App) GetDelivery(ctx context.Context, act *Actor, webhookID, id string) (webhook.Delivery, []webhook.Attempt, error) {
	if _, err := a.GetWebhook(ctx, act, webhookID); err != nil {
		return webhook.Delivery{}, nil, err
	}
	d, err := a.store.R().FindDelivery(ctx, act.Org.ID, webhookID, id)
	if err != nil {
		return d, nil, err
	}
	at, err := a.store.R().FindAttempts(ctx, act.Org.ID, id)
	return d, at, err
}
