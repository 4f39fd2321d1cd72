package api

import (
	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/notify"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

// webhookRoutes registers signed deliveries of the organization's events (and, for partners, their
// customers') (§2.8).
func (a *API) webhookRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/webhooks", Tag: "Webhooks", List: &webhook.List,
		Summary: "List webhooks"}, a.listWebhooks)
	Handle(a, Op{Method: "POST", Path: "/v2/webhooks", Tag: "Webhooks", Status: 201,
		Summary: "Create a webhook (secret generated if absent, shown once)",
		Description: "Delivery [CG]: POST of JSON {id, event, event_id, created_at, organization_id, " +
			"resource {type, id}, data} with headers X-CG-Hook-Signature: sha256=<hex HMAC-SHA256(secret, " +
			"raw body)>, X-CG-Hook-Event, X-CG-Hook-Delivery (the same on every retry) and User-Agent: " +
			"CloneGuard-Hook/<version>. A non-2xx answer or a timeout (10 s) is retried up to 3 times with " +
			"increasing delays; redirects are not followed. URLs whose address is loopback, private, " +
			"link-local, CGNAT, multicast or a metadata service are refused unless the server allows " +
			"them."}, a.createWebhook)
	Handle(a, Op{Method: "GET", Path: "/v2/webhooks/{id}", Tag: "Webhooks",
		Summary: "Show a webhook"}, a.getWebhook)
	Handle(a, Op{Method: "PUT", Path: "/v2/webhooks/{id}", Tag: "Webhooks",
		Summary: "Update a webhook (a new secret replaces the old)"}, a.updateWebhook)
	Handle(a, Op{Method: "DELETE", Path: "/v2/webhooks/{id}", Tag: "Webhooks",
		Summary: "Delete a webhook and its deliveries"}, a.deleteWebhook)
	Handle(a, Op{Method: "POST", Path: "/v2/webhooks/{id}/activate", Tag: "Webhooks",
		Summary: "Activate a webhook"}, a.activateWebhook)
	Handle(a, Op{Method: "POST", Path: "/v2/webhooks/{id}/deactivate", Tag: "Webhooks",
		Summary: "Deactivate a webhook"}, a.deactivateWebhook)
	Handle(a, Op{Method: "GET", Path: "/v2/webhooks/{id}/deliveries", Tag: "Webhooks",
		Summary: "Deliveries: event, status, attempts, response code, duration",
		List:    &webhook.DeliveryList}, a.listDeliveries)
	Handle(a, Op{Method: "GET", Path: "/v2/webhooks/{id}/deliveries/{delivery_id}", Tag: "Webhooks",
		Summary: "A delivery with every attempt: request headers and body, " +
			"response status, headers and body (64 KiB)"}, a.getDelivery)
}

// notificationRoutes registers the current user's own notifications (§2.11).
func (a *API) notificationRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/notifications", Tag: "Notifications", List: &notify.List,
		Summary: "List my notifications, with unread_count"}, a.listNotifications)
	Handle(a, Op{Method: "PUT", Path: "/v2/notifications/read_all", Tag: "Notifications",
		Summary: "Mark all my notifications read"}, a.readAllNotifications)
	Handle(a, Op{Method: "PUT", Path: "/v2/notifications/seen_all", Tag: "Notifications",
		Summary: "Mark all my notifications seen"}, a.seeAllNotifications)
	Handle(a, Op{Method: "GET", Path: "/v2/notifications/{id}", Tag: "Notifications",
		Summary: "Show a notification"}, a.getNotification)
	Handle(a, Op{Method: "DELETE", Path: "/v2/notifications/{id}", Tag: "Notifications",
		Summary: "Delete a notification"}, a.deleteNotification)
	Handle(a, Op{Method: "PUT", Path: "/v2/notifications/{id}/read", Tag: "Notifications",
		Summary: "Mark a notification read (and seen)"}, a.readNotification)
	Handle(a, Op{Method: "PUT", Path: "/v2/notifications/{id}/seen", Tag: "Notifications",
		Summary: "Mark a notification seen"}, a.seeNotification)
}

// notificationPreferenceRoutes registers the channels the current user gets each event on
// (§2.15).
func (a *API) notificationPreferenceRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/user/preferences/notifications", Tag: "Current user",
		Summary: "My channels (in_app, email) for every event"}, a.notificationPreferences)
	Handle(a, Op{Method: "POST", Path: "/v2/user/preferences/notifications/{event}/enable",
		Tag: "Current user", Summary: "Turn a channel on for an event"}, a.enablePreference)
	Handle(a, Op{Method: "POST", Path: "/v2/user/preferences/notifications/{event}/disable",
		Tag: "Current user", Summary: "Turn a channel off for an event"}, a.disablePreference)
}

// auditRoutes registers the audit log of every change (§2.10).
func (a *API) auditRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/audit/events", Tag: "Audit", List: &audit.List,
		Summary: "List audit events (admin)"}, a.listAuditEvents)
	Handle(a, Op{Method: "GET", Path: "/v2/audit/events/{id}", Tag: "Audit",
		Summary: "Show an audit event"}, a.getAuditEvent)
}
