package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/perimeterhq/perimeter/internal/notify"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/user"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

// QueueWebhooks is the job queue webhook deliveries go through, so a backlog
// of deliveries never delays scans or the dispatcher.
const QueueWebhooks = "webhooks"

// DispatchEventsArgs is the job that fans the event outbox out.
type DispatchEventsArgs struct{}

// Kind implements river.JobArgs.
func (DispatchEventsArgs) Kind() string { return "events.dispatch" }

// DeliverWebhookArgs is the job that makes one attempt of a delivery.
type DeliverWebhookArgs struct {
	DeliveryID string `json:"delivery_id"`
	Attempt    int    `json:"attempt"`
}

// Kind implements river.JobArgs.
func (DeliverWebhookArgs) Kind() string { return "webhook.deliver" }

// SendEmailArgs is the job that sends one queued e-mail.
type SendEmailArgs struct {
	MessageID string `json:"message_id"`
}

// Kind implements river.JobArgs.
func (SendEmailArgs) Kind() string { return "notify.email" }

// wakeDispatcher enqueues a dispatch job in q's transaction, unique per
// second: a burst of events wakes one dispatcher, not one per event. at is
// when it should run (zero: now).
func wakeDispatcher(ctx context.Context, q *store.Q, at time.Time) error {
	return q.EnqueueJob(ctx, DispatchEventsArgs{}, &river.InsertOpts{ScheduledAt: at, MaxAttempts: 25,
		UniqueOpts: river.UniqueOpts{ByPeriod: time.Second, ByState: []rivertype.JobState{rivertype.JobStateAvailable,
			rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}}})
}

// dispatchBatch is how many events are read at a time, dispatchPerTx how many
// share a transaction: a commit costs more than fanning an event out, and a
// short transaction keeps SQLite's single writer free for delivery attempts.
const (
	dispatchBatch = 256
	dispatchPerTx = 32
)

// DispatchEvents fans out every undispatched event, oldest first, a few
// events per transaction: an event's webhook deliveries (rows and their jobs),
// in-app notifications, e-mails and dispatched mark commit together, so a
// crash leaves every event either wholly fanned out or not at all. It returns
// how many events it dispatched.
func (a *App) DispatchEvents(ctx context.Context) (int, error) {
	a.hooks.dispatchMu.Lock()
	defer a.hooks.dispatchMu.Unlock()
	n := 0
	for {
		evs, err := a.store.R().UndispatchedEvents(ctx, dispatchBatch)
		if err != nil {
			return n, err
		}
		if len(evs) == 0 {
			break
		}
		c := &fanoutCache{paths: map[string]string{}, hooks: map[string][]webhook.Webhook{}, rcpts: map[string][]store.Recipient{}}
		for len(evs) > 0 {
			chunk := evs[:min(dispatchPerTx, len(evs))]
			evs = evs[len(chunk):]
			err := a.store.Tx(ctx, func(q *store.Q) error {
				c.jobs = c.jobs[:0]
				for _, e := range chunk {
					if err := a.dispatchInTx(ctx, q, e, c); err != nil {
						return err
					}
				}
				return q.EnqueueJobs(ctx, c.jobs)
			})
			if err != nil {
				return n, err
			}
			n += len(chunk)
		}
	}
	if n > 0 {
		// An event committed while this job was running found the job's
		// unique slot taken; one more pass shortly after picks it up.
		err := a.store.Tx(ctx, func(q *store.Q) error { return wakeDispatcher(ctx, q, a.now().Add(time.Second)) })
		return n, err
	}
	return n, nil
}

// fanoutCache keeps, for one batch of events, who receives what: the
// organizations' paths, their webhooks and the users with their choices. A
// batch is read in milliseconds, and a webhook changed meanwhile is
// re-checked when its delivery is attempted, so the cache saves two queries
// per event without changing who is told.
type fanoutCache struct {
	paths map[string]string
	hooks map[string][]webhook.Webhook
	rcpts map[string][]store.Recipient
	jobs  []river.InsertManyParams // of the transaction under way, inserted with its last statement
}

// dispatchInTx fans one event out in q's transaction.
func (a *App) dispatchInTx(ctx context.Context, q *store.Q, e store.Event, c *fanoutCache) error {
	now := a.now()
	won, err := q.MarkEventDispatched(ctx, e.OrganizationID, e.ID, now)
	if err != nil || !won {
		return err // another dispatcher has it
	}
	if webhook.IsEvent(e.Type) {
		if err := a.queueDeliveries(ctx, q, e, c, now); err != nil {
			return err
		}
	}
	if notify.IsEvent(e.Type) {
		return a.queueNotifications(ctx, q, e, c, now)
	}
	return nil
}

// queueDeliveries creates a delivery and its first attempt's job for every
// active webhook, of the event's organization or an ancestor, subscribed to
// the event.
func (a *App) queueDeliveries(ctx context.Context, q *store.Q, e store.Event, c *fanoutCache, now time.Time) error {
	hooks, ok := c.hooks[e.OrganizationID]
	if !ok {
		path, ok := c.paths[e.OrganizationID]
		if !ok {
			org, err := q.OrganizationByID(ctx, e.OrganizationID)
			if err != nil {
				return err
			}
			path, c.paths[e.OrganizationID] = org.Path, org.Path
		}
		var err error
		if hooks, err = q.ActiveWebhooksOf(ctx, path); err != nil {
			return err
		}
		c.hooks[e.OrganizationID] = hooks
	}
	for _, h := range hooks {
		if !h.Subscribed(e.Type) {
			continue
		}
		id := newID()
		body := webhook.Body(webhook.Payload{ID: id, Event: e.Type, EventID: e.ID, CreatedAt: e.CreatedAt, OrganizationID: e.OrganizationID,
			Resource: webhook.Resource{Type: e.ResourceType, ID: e.ResourceID}, Data: e.Payload})
		d := webhook.Delivery{ID: id, OrganizationID: h.OrganizationID, WebhookID: h.ID, EventID: e.ID, EventType: e.Type,
			Status: webhook.DeliveryPending, Body: body, NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now}
		created, err := q.CreateDelivery(ctx, d)
		if err != nil {
			return err
		}
		if created {
			c.jobs = append(c.jobs, river.InsertManyParams{Args: DeliverWebhookArgs{DeliveryID: id, Attempt: 1}, InsertOpts: deliverOpts(time.Time{})})
		}
	}
	return nil
}

// deliverOpts are the job options of an attempt due at at (zero: now). River's
// own retries only cover the worker failing to record (the database); the
// delivery's retries are new jobs with their own attempt number.
func deliverOpts(at time.Time) *river.InsertOpts {
	return &river.InsertOpts{Queue: QueueWebhooks, ScheduledAt: at, MaxAttempts: 10}
}

// queueNotifications writes the in-app notifications and queues the e-mails
// of the users who want them (their preferences, else the defaults).
func (a *App) queueNotifications(ctx context.Context, q *store.Q, e store.Event, c *fanoutCache, now time.Time) error {
	key := e.OrganizationID + " " + e.Type
	rcpts, ok := c.rcpts[key]
	if !ok {
		var err error
		if rcpts, err = q.NotificationRecipients(ctx, e.OrganizationID, e.Type); err != nil {
			return err
		}
		c.rcpts[key] = rcpts
	}
	msg := notify.Describe(e.Type, e.Payload)
	for _, r := range rcpts {
		if notify.AdminsOnly(e.Type) && r.Role != user.RoleAdmin && r.Role != user.RoleSuperadmin {
			continue
		}
		if on(r.InApp, notify.DefaultEnabled(e.Type, notify.ChannelInApp)) {
			n := notify.Notification{ID: newID(), OrganizationID: e.OrganizationID, UserID: r.UserID, EventID: e.ID, Type: e.Type,
				Title: msg.Title, Body: msg.Body, ResourceType: e.ResourceType, ResourceID: e.ResourceID, Data: e.Payload, CreatedAt: now}
			if err := q.InsertNotification(ctx, n); err != nil {
				return err
			}
		}
		if a.hooks.cfg.Mailer == nil || !r.Confirmed || !on(r.EmailOn, notify.DefaultEnabled(e.Type, notify.ChannelEmail)) {
			continue
		}
		m := store.EmailMessage{ID: newID(), OrganizationID: e.OrganizationID, UserID: r.UserID, EventID: e.ID, To: r.Email, CreatedAt: now}
		created, err := q.CreateEmailMessage(ctx, m)
		if err != nil {
			return err
		}
		if created {
			c.jobs = append(c.jobs, river.InsertManyParams{Args: SendEmailArgs{MessageID: m.ID}, InsertOpts: &river.InsertOpts{MaxAttempts: 5}})
		}
	}
	return nil
}

func on(stored *bool, def bool) bool {
	if stored != nil {
		return *stored
	}
	return def
}
