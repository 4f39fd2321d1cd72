// Package notify holds in-app notifications and e-mail as a domain: the events
// users can be told about, per-user channel preferences with their defaults,
// the words of each notification, and an SMTP mailer with HTML and plain-text
// templates.
package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

// Channels a notification goes through.
const (
	ChannelInApp = "in_app"
	ChannelEmail = "email"
)

// Channels lists every channel.
var Channels = []string{ChannelInApp, ChannelEmail}

// EventWebhookDeactivated is written when a webhook kept failing and was
// turned off; it goes to the organization's admins, never to webhooks.
const EventWebhookDeactivated = "webhook_deactivated"

// Events lists the events users may be notified of: every webhook event, and
// the platform's own.
var Events = append(append([]string(nil), webhook.Events...), EventWebhookDeactivated)

// IsEvent reports whether users may be notified of typ.
func IsEvent(typ string) bool { return slices.Contains(Events, typ) }

// AdminsOnly reports whether an event concerns only the organization's admins
// (they are the ones who can act on it).
func AdminsOnly(typ string) bool { return typ == EventWebhookDeactivated }

// DefaultEnabled is a channel's setting for an event until the user changes
// it: everything in the app; e-mail for what needs someone's attention.
func DefaultEnabled(event, channel string) bool {
	if channel == ChannelInApp {
		return true
	}
	switch event {
	case webhook.EventScanFailed, EventWebhookDeactivated, webhook.EventExceptionExpired:
		return true
	}
	return false
}

// Preference is one user's channels for one event.
type Preference struct {
	Event string
	InApp bool
	Email bool
}

// Preferences returns every event's preference: the stored choices over the
// defaults. stored maps event → channel → enabled.
func Preferences(stored map[string]map[string]bool) []Preference {
	out := make([]Preference, 0, len(Events))
	for _, e := range Events {
		p := Preference{Event: e, InApp: DefaultEnabled(e, ChannelInApp), Email: DefaultEnabled(e, ChannelEmail)}
		if v, ok := stored[e][ChannelInApp]; ok {
			p.InApp = v
		}
		if v, ok := stored[e][ChannelEmail]; ok {
			p.Email = v
		}
		out = append(out, p)
	}
	return out
}

// Notification is an in-app message to one user about one event.
type Notification struct {
	ID             string
	OrganizationID string
	UserID         string
	EventID        string
	Type           string
	Title          string
	Body           string
	ResourceType   string
	ResourceID     string
	Data           map[string]any
	ReadAt         *time.Time
	SeenAt         *time.Time
	CreatedAt      time.Time
}

// List declares how notifications are filtered and sorted.
var List = listing.Spec{
	Columns: []listing.Column{
		{Name: "read", Kind: listing.Bool, Doc: "true: read; false: unread"},
		{Name: "seen", Kind: listing.Bool, Doc: "true: seen; false: not seen yet"},
		{Name: "type", Kind: listing.Enum, Values: Events, Sortable: true},
		{Name: "resource_type", Kind: listing.Text},
		{Name: "resource_id", Kind: listing.ID},
		{Name: "created_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at", DefaultDesc: true,
}

// Message is the words of a notification: its title (the e-mail subject) and
// a sentence or two.
type Message struct {
	Title string
	Body  string
}

// Describe words an event for people, from its type and payload.
func Describe(typ string, data map[string]any) Message {
	name := str(data, "scan_name")
	if name == "" {
		name = str(data, "scan_id")
	}
	switch typ {
	case webhook.EventScanStarted:
		return Message{fmt.Sprintf("Scan %q started", name), fmt.Sprintf("The scan %q is running.", name)}
	case webhook.EventScanCompleted:
		return Message{fmt.Sprintf("Scan %q completed", name), fmt.Sprintf("The scan %q completed: %s hosts up, %s findings (%s).",
			name, num(data, "hosts_up"), num(data, "findings"), severities(data))}
	case webhook.EventScanStopped:
		return Message{fmt.Sprintf("Scan %q stopped", name), fmt.Sprintf("The scan %q was stopped; its partial results are kept.", name)}
	case webhook.EventScanFailed:
		return Message{fmt.Sprintf("Scan %q failed", name), fmt.Sprintf("The scan %q failed: %s", name, str(data, "error"))}
	case webhook.EventVulnerabilityFound:
		return Message{fmt.Sprintf("%s new vulnerabilities found by %q", num(data, "count"), name),
			fmt.Sprintf("The scan %q found %s vulnerabilities not seen before (%s).", name, num(data, "count"), severities(data))}
	case webhook.EventReportGenerated:
		return Message{"Report ready", fmt.Sprintf("The %s report (%s) is ready to download.", str(data, "type"), str(data, "format"))}
	case webhook.EventExceptionExpired:
		return Message{"Exception expired", fmt.Sprintf("The exception for %s expired; the findings it covered count again.", str(data, "check_id"))}
	case EventWebhookDeactivated:
		return Message{fmt.Sprintf("Webhook %q deactivated", str(data, "name")),
			fmt.Sprintf("The webhook %q (%s) was deactivated: %s", str(data, "name"), str(data, "url"), str(data, "reason"))}
	}
	return Message{strings.ReplaceAll(typ, "_", " "), ""}
}

func str(m map[string]any, k string) string {
	if v, ok := m[k]; ok && v != nil {
		return fmt.Sprint(v)
	}
	return ""
}

func num(m map[string]any, k string) string {
	if v, ok := m[k].(float64); ok {
		return fmt.Sprintf("%d", int64(v))
	}
	if v := str(m, k); v != "" {
		return v
	}
	return "0"
}

func severities(m map[string]any) string {
	by, _ := m["by_severity"].(map[string]any)
	var parts []string
	for _, s := range []string{"critical", "high", "medium", "low", "info"} {
		if n := num(by, s); n != "0" {
			parts = append(parts, n+" "+s)
		}
	}
	if len(parts) == 0 {
		return "none above info"
	}
	return strings.Join(parts, ", ")
}
