package app

import (
	"context"
	"errors"
	"strings"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/notify"
	"github.com/perimeterhq/perimeter/internal/store"
)

// SendEmail sends one queued notification e-mail: the event's words in the
// HTML and plain-text templates, under the brand of the recipient's
// organization. attempt and maxAttempts are the job's: the last failure marks
// the e-mail failed; earlier ones return the error so the job is retried. A
// sent or vanished e-mail is a no-op (SMTP cannot be exactly-once, so a crash
// right after the server accepted a message may send it again).
func (a *App) SendEmail(ctx context.Context, messageID string, attempt, maxAttempts int) error {
	mailer := a.hooks.cfg.Mailer
	if mailer == nil {
		return nil
	}
	m, err := a.store.R().EmailMessageByID(ctx, messageID)
	if errs.Is(err, errs.NotFound) {
		return nil
	} else if err != nil || m.Status != store.EmailPending {
		return err
	}
	if kind, sealed, err := a.store.R().EmailKind(ctx, m.OrganizationID, m.ID); err != nil {
		return err
	} else if kind != store.EmailKindEvent {
		return a.sendAccountEmail(ctx, m, kind, sealed, attempt, maxAttempts) // tokens.go
	}
	u, err := a.store.R().UserByID(ctx, m.UserID)
	if errs.Is(err, errs.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	ev, err := a.store.R().EventByID(ctx, m.OrganizationID, m.EventID)
	if errs.Is(err, errs.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	raw, _, err := notify.Compose(notify.Email{ToName: strings.TrimSpace(u.FirstName + " " + u.LastName), ToAddress: m.To,
		Brand: a.brand(ctx, m.OrganizationID), From: mailer.From, Event: ev.Type, Message: notify.Describe(ev.Type, ev.Payload),
		Data: ev.Payload, Date: a.now()})
	if err != nil {
		return err
	}
	// The envelope sender stays the mailer's own address, which the relay
	// accepts; the brand shows in the From header.
	sendErr := mailer.Send(ctx, notify.SenderAddress(mailer.From), []string{m.To}, raw)
	if sendErr != nil && ctx.Err() != nil {
		return sendErr
	}
	m.Attempted(sendErr, attempt >= maxAttempts, a.now())
	if err := a.store.Tx(ctx, func(q *store.Q) error { return q.UpdateEmailMessage(ctx, m) }); err != nil {
		return errors.Join(sendErr, err)
	}
	if sendErr != nil {
		a.log.Warn("notification e-mail failed", "message_id", m.ID, "attempt", attempt, "err", sendErr)
	}
	return sendErr
}
