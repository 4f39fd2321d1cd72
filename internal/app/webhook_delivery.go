package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/notify"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

// errLostRace rolls back an attempt's record when another worker recorded the
// same attempt first.
var errLostRace = errors.New("attempt recorded by another worker")

// DeliverWebhook makes attempt number attempt of a delivery and records it:
// the attempt's log, the delivery's state, and — in the same transaction —
// the job of the next retry, the end of the webhook's failing streak, or its
// deactivation. An attempt that was made already, or a delivery that is gone
// or finished, is a no-op, so duplicate jobs are harmless. When ctx ends mid
// attempt nothing is recorded and ctx's error is returned: the job engine
// runs the same attempt again (same delivery id, same body).
func (a *App) DeliverWebhook(ctx context.Context, deliveryID string, attempt int) error {
	d, err := a.store.R().DeliveryByID(ctx, deliveryID)
	if errs.Is(err, errs.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if d.Status != webhook.DeliveryPending || d.Attempts != attempt-1 {
		return nil
	}
	h, err := a.store.R().FindWebhook(ctx, d.OrganizationID, d.WebhookID)
	if errs.Is(err, errs.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	var at webhook.Attempt
	final := false
	secretText, openErr := a.hooks.box.Open(h.SecretSealed)
	switch {
	case !h.Active:
		at, final = webhook.Attempt{StartedAt: a.now(), Error: "not sent: the webhook is inactive"}, true
	case openErr != nil:
		// Never the secret itself, nor why decryption failed in detail.
		at, final = webhook.Attempt{StartedAt: a.now(), Error: "not sent: the webhook's secret cannot be decrypted with this server's secret key"}, true
	default:
		at, err = a.hooks.sender.Send(ctx, webhook.Request{URL: h.URL, Secret: secretText, Event: d.EventType, DeliveryID: d.ID, Body: d.Body})
		if errors.Is(err, webhook.ErrShutdown) {
			return fmt.Errorf("webhook delivery %s attempt %d interrupted: %w", d.ID, attempt, context.Cause(ctx))
		}
		final = at.Refused // a refused address stays refused: retrying only repeats the refusal
	}
	at.DeliveryID, at.Number = d.ID, attempt
	err = a.store.Tx(ctx, func(q *store.Q) error { return a.recordAttempt(ctx, q, d, h, at, final) })
	if errors.Is(err, errLostRace) {
		return nil
	}
	return err
}

// recordAttempt stores an attempt and moves the delivery on, in q's transaction.
func (a *App) recordAttempt(ctx context.Context, q *store.Q, d webhook.Delivery, h webhook.Webhook, at webhook.Attempt, final bool) error {
	inserted, err := q.InsertAttempt(ctx, d.OrganizationID, at)
	if err != nil {
		return err
	}
	if !inserted {
		return errLostRace
	}
	now := a.now()
	prev := d.Attempts
	d.Attempts, d.ResponseStatus, d.Duration, d.Error, d.UpdatedAt = at.Number, at.ResponseStatus, at.Duration, at.Error, now
	d.NextAttemptAt = nil
	switch {
	case at.OK():
		d.Status, d.FinishedAt = webhook.DeliverySucceeded, &now
	case final || at.Number >= a.hooks.maxAttempts():
		d.Status, d.FinishedAt = webhook.DeliveryFailed, &now
	default:
		next := now.Add(a.hooks.cfg.RetryDelays[at.Number-1])
		d.NextAttemptAt = &next
	}
	won, err := q.UpdateDeliveryAfter(ctx, d, prev)
	if err != nil {
		return err
	}
	if !won {
		return errLostRace
	}
	switch d.Status {
	case webhook.DeliverySucceeded:
		if h.FailingSince == nil {
			return nil // no streak to end: leave the webhook's row alone (it is every delivery's)
		}
		return q.WebhookSucceeded(ctx, h.OrganizationID, h.ID)
	case webhook.DeliveryFailed:
		return a.webhookFailed(ctx, q, h, now)
	}
	return q.EnqueueJob(ctx, DeliverWebhookArgs{DeliveryID: d.ID, Attempt: at.Number + 1}, deliverOpts(*d.NextAttemptAt))
}

// webhookFailed extends the webhook's failing streak with a delivery that
// failed for good, and deactivates the webhook once the streak is
// DeactivateAfter long, telling its organization's admins (an event, so
// preferences and e-mail apply as for any other).
func (a *App) webhookFailed(ctx context.Context, q *store.Q, h webhook.Webhook, now time.Time) error {
	since, err := q.WebhookFailed(ctx, h.OrganizationID, h.ID, now)
	if err != nil || now.Sub(since) < a.hooks.cfg.DeactivateAfter {
		return err
	}
	reason := fmt.Sprintf("every delivery failed since %s", since.Format(time.RFC3339))
	changed, err := q.DeactivateWebhook(ctx, h.OrganizationID, h.ID, reason, now)
	if err != nil || !changed {
		return err
	}
	a.log.Warn("webhook deactivated after failing deliveries", "webhook_id", h.ID, "organization_id", h.OrganizationID, "failing_since", since)
	if err := a.record(ctx, q, nil, h.OrganizationID, "webhook.deactivate", "webhook", h.ID, map[string]any{"reason": reason}); err != nil {
		return err
	}
	return a.emit(ctx, q, h.OrganizationID, notify.EventWebhookDeactivated, "webhook", h.ID,
		map[string]any{"webhook_id": h.ID, "name": h.Name, "url": h.URL, "reason": reason, "failing_since": since})
}

// RescueDeliveries enqueues again the attempts that are long overdue: their
// job was taken by a worker that died (kill -9) before recording the
// attempt. The compare-and-set on the delivery keeps several nodes from
// enqueueing one twice; a duplicate job would be a no-op anyway.
func (a *App) RescueDeliveries(ctx context.Context) (int, error) {
	now := a.now()
	overdue, err := a.store.R().OverdueDeliveries(ctx, now.Add(-a.hooks.cfg.RescueAfter), 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, o := range overdue {
		err := a.store.Tx(ctx, func(q *store.Q) error {
			ok, err := q.PostponeDelivery(ctx, o, now)
			if err != nil || !ok {
				return err
			}
			n++
			return q.EnqueueJob(ctx, DeliverWebhookArgs{DeliveryID: o.ID, Attempt: o.Attempts + 1}, deliverOpts(time.Time{}))
		})
		if err != nil {
			return n, err
		}
	}
	if n > 0 {
		a.log.Warn("re-enqueued webhook attempts whose worker died", "deliveries", n)
	}
	return n, nil
}
