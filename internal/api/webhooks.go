package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/webhook"
)

// WebhookView is a webhook as the API shows it; the secret appears only in
// the answer that created it.
type WebhookView struct {
	ID                string     `json:"id"`
	Name              string     `json:"name"`
	URL               string     `json:"url"`
	Events            []string   `json:"events"`
	Active            bool       `json:"active"`
	Secret            string     `json:"secret,omitempty" doc:"the signing secret: shown once, when the webhook is created"`
	FailingSince      *time.Time `json:"failing_since" doc:"first delivery that failed for good since the last success"`
	DeactivatedReason string     `json:"deactivated_reason"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

func webhookView(w webhook.Webhook) WebhookView {
	return WebhookView{ID: w.ID, Name: w.Name, URL: w.URL, Events: w.Events, Active: w.Active, FailingSince: w.FailingSince,
		DeactivatedReason: w.DeactivatedReason, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

type webhookList struct {
	Webhooks   []WebhookView `json:"webhooks"`
	Pagination Pagination    `json:"pagination"`
}

type webhookEnvelope struct {
	Webhook WebhookView `json:"webhook"`
}

type webhookRequest struct {
	Name   *string   `json:"name,omitempty"`
	URL    *string   `json:"url,omitempty" doc:"http or https; internal addresses are refused unless allowed by --webhook-allow"`
	Events *[]string `json:"events,omitempty" doc:"scan_started, scan_completed, scan_stopped, scan_failed, report_generated, vulnerability_found, exception_expired"`
	Secret *string   `json:"secret,omitempty" doc:"16 to 256 characters; generated when absent on create"`
	Active *bool     `json:"active,omitempty" doc:"default true"`
}

func (r webhookRequest) update() webhook.Update {
	return webhook.Update{Name: r.Name, URL: r.URL, Events: r.Events, Secret: r.Secret, Active: r.Active}
}

func (a *API) listWebhooks(c *Ctx, _ *NoBody) (*webhookList, error) {
	ws, total, err := a.app.ListWebhooks(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return &webhookList{Webhooks: views(ws, webhookView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) createWebhook(c *Ctx, in *webhookRequest) (*webhookEnvelope, error) {
	w := in.update().Apply(webhook.Webhook{Active: true})
	secretText := ""
	if in.Secret != nil {
		secretText = *in.Secret
	}
	w, secretText, err := a.app.CreateWebhook(c.Context(), c.Actor, w, secretText)
	if err != nil {
		return nil, err
	}
	v := webhookView(w)
	v.Secret = secretText
	return &webhookEnvelope{v}, nil
}

func (a *API) getWebhook(c *Ctx, _ *NoBody) (*webhookEnvelope, error) {
	w, err := a.app.GetWebhook(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &webhookEnvelope{webhookView(w)}, nil
}

func (a *API) updateWebhook(c *Ctx, in *webhookRequest) (*webhookEnvelope, error) {
	w, err := a.app.UpdateWebhook(c.Context(), c.Actor, c.Path("id"), in.update())
	if err != nil {
		return nil, err
	}
	return &webhookEnvelope{webhookView(w)}, nil
}

func (a *API) deleteWebhook(c *Ctx, _ *NoBody) (*Empty, error) {
	return nil, a.app.DeleteWebhook(c.Context(), c.Actor, c.Path("id"))
}

func (a *API) activateWebhook(c *Ctx, _ *NoBody) (*webhookEnvelope, error) {
	w, err := a.app.SetWebhookActive(c.Context(), c.Actor, c.Path("id"), true)
	if err != nil {
		return nil, err
	}
	return &webhookEnvelope{webhookView(w)}, nil
}

func (a *API) deactivateWebhook(c *Ctx, _ *NoBody) (*webhookEnvelope, error) {
	w, err := a.app.SetWebhookActive(c.Context(), c.Actor, c.Path("id"), false)
	if err != nil {
		return nil, err
	}
	return &webhookEnvelope{webhookView(w)}, nil
}

// DeliveryView is a delivery in a list: its event and how it went.
type DeliveryView struct {
	ID             string     `json:"id" doc:"as sent in X-CG-Hook-Delivery, the same on every attempt"`
	WebhookID      string     `json:"webhook_id"`
	Event          string     `json:"event"`
	EventID        string     `json:"event_id"`
	Status         string     `json:"status" enum:"pending,succeeded,failed"`
	Attempts       int        `json:"attempts"`
	ResponseStatus int        `json:"response_status" doc:"of the last attempt; 0 when it got no answer"`
	DurationMS     float64    `json:"duration_ms" doc:"of the last attempt"`
	Error          string     `json:"error" doc:"why the last attempt failed"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
	CreatedAt      time.Time  `json:"created_at"`
	FinishedAt     *time.Time `json:"finished_at"`
}

func deliveryView(d webhook.Delivery) DeliveryView {
	v := DeliveryView{ID: d.ID, WebhookID: d.WebhookID, Event: d.EventType, EventID: d.EventID, Status: d.Status, Attempts: d.Attempts,
		ResponseStatus: d.ResponseStatus, DurationMS: ms(d.Duration), Error: d.Error, CreatedAt: d.CreatedAt, FinishedAt: d.FinishedAt}
	if d.Status == webhook.DeliveryPending {
		v.NextAttemptAt = d.NextAttemptAt
	}
	return v
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// AttemptView is one request of a delivery and the answer.
type AttemptView struct {
	Attempt           int                 `json:"attempt"`
	StartedAt         time.Time           `json:"started_at"`
	DurationMS        float64             `json:"duration_ms"`
	RequestHeaders    map[string][]string `json:"request_headers"`
	ResponseStatus    int                 `json:"response_status"`
	ResponseHeaders   map[string][]string `json:"response_headers"`
	ResponseBody      string              `json:"response_body" doc:"at most 64 KiB"`
	ResponseTruncated bool                `json:"response_truncated"`
	Error             string              `json:"error"`
}

// DeliveryDetail is a delivery with its request body and every attempt.
type DeliveryDetail struct {
	DeliveryView
	RequestBody string        `json:"request_body" doc:"the exact bytes every attempt sent"`
	AttemptsLog []AttemptView `json:"attempt_log"`
}

type deliveryList struct {
	Deliveries []DeliveryView `json:"deliveries"`
	Pagination Pagination     `json:"pagination"`
}

type deliveryEnvelope struct {
	Delivery DeliveryDetail `json:"delivery"`
}

func (a *API) listDeliveries(c *Ctx, _ *NoBody) (*deliveryList, error) {
	ds, total, err := a.app.ListDeliveries(c.Context(), c.Actor, c.Path("id"), c.List)
	if err != nil {
		return nil, err
	}
	return &deliveryList{Deliveries: views(ds, deliveryView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) getDelivery(c *Ctx, _ *NoBody) (*deliveryEnvelope, error) {
	d, attempts, err := a.app.GetDelivery(c.Context(), c.Actor, c.Path("id"), c.Path("delivery_id"))
	if err != nil {
		return nil, err
	}
	out := DeliveryDetail{DeliveryView: deliveryView(d), RequestBody: string(d.Body), AttemptsLog: []AttemptView{}}
	for _, at := range attempts {
		out.AttemptsLog = append(out.AttemptsLog, AttemptView{Attempt: at.Number, StartedAt: at.StartedAt, DurationMS: ms(at.Duration),
			RequestHeaders: orEmptyHeaders(at.RequestHeaders), ResponseStatus: at.ResponseStatus, ResponseHeaders: orEmptyHeaders(at.ResponseHeaders),
			ResponseBody: string(at.ResponseBody), ResponseTruncated: at.ResponseTruncated, Error: at.Error})
	}
	return &deliveryEnvelope{out}, nil
}

func orEmptyHeaders(h map[string][]string) map[string][]string {
	if h == nil {
		return map[string][]string{}
	}
	return h
}
