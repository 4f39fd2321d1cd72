// Package webhook holds webhooks as a domain: the hook itself and its
// validation, the events it may subscribe to, the delivery format of the CG
// Scanning API (signed JSON POSTs), and an HTTP client that refuses to reach
// internal addresses (SSRF guard) and never follows redirects.
package webhook

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
)

// Event types a webhook may subscribe to: the CG ones, then ours.
const (
	EventScanStarted        = "scan_started"
	EventScanCompleted      = "scan_completed"
	EventScanStopped        = "scan_stopped"
	EventScanFailed         = "scan_failed"
	EventReportGenerated    = "report_generated"
	EventVulnerabilityFound = "vulnerability_found"
	EventExceptionExpired   = "exception_expired"
)

// Events lists every event a webhook may subscribe to.
var Events = []string{EventScanStarted, EventScanCompleted, EventScanStopped, EventScanFailed,
	EventReportGenerated, EventVulnerabilityFound, EventExceptionExpired}

// IsEvent reports whether typ is an event webhooks may receive.
func IsEvent(typ string) bool { return slices.Contains(Events, typ) }

// Webhook is an HTTP endpoint of an organization that receives its events
// (and, for a partner, its customers' events).
type Webhook struct {
	ID                string
	OrganizationID    string
	Name              string
	URL               string
	Events            []string
	SecretSealed      string // the signing secret, encrypted at rest (secret.Box)
	Active            bool
	FailingSince      *time.Time // first final failure since the last success
	DeactivatedReason string
	CreatedBy         string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Subscribed reports whether the webhook wants events of type typ.
func (w Webhook) Subscribed(typ string) bool { return slices.Contains(w.Events, typ) }

// Limits of a webhook's fields.
const (
	MaxURLLen       = 2048
	MinSecretLen    = 16
	MaxSecretLen    = 256
	maxNameRunes    = 200
	SecretPrefix    = "pmw_"
	maxEventsListed = 32
)

// Validate checks the fields a client sets and normalizes the event list
// (deduplicated, in the order of Events). It does no I/O: whether the URL's
// address may be reached is the Guard's call.
func (w *Webhook) Validate() error {
	f := errs.Fields{}
	w.Name = strings.TrimSpace(w.Name)
	switch {
	case w.Name == "":
		f.Add("name", "can't be blank")
	case utf8.RuneCountInString(w.Name) > maxNameRunes:
		f.Add("name", "is too long (at most %d characters)", maxNameRunes)
	}
	w.URL = strings.TrimSpace(w.URL)
	if _, err := ParseURL(w.URL); err != nil {
		f.Add("url", "%s", err.Error())
	}
	if len(w.Events) == 0 {
		f.Add("events", "choose at least one of: %s", strings.Join(Events, ", "))
	} else if len(w.Events) > maxEventsListed {
		f.Add("events", "at most %d entries", maxEventsListed)
	}
	var evs []string
	for _, e := range Events {
		if slices.Contains(w.Events, e) {
			evs = append(evs, e)
		}
	}
	for _, e := range w.Events {
		if !IsEvent(e) {
			f.Add("events", "'%s' is not one of: %s", e, strings.Join(Events, ", "))
		}
	}
	w.Events = evs
	if err := f.Err(); err != nil {
		return err
	}
	return nil
}

// ValidateSecret checks a secret the client chose.
func ValidateSecret(s string) error {
	if n := len(s); n < MinSecretLen || n > MaxSecretLen {
		return errs.Field("secret", "must be %d to %d characters", MinSecretLen, MaxSecretLen)
	}
	return nil
}

// ParseURL parses a webhook URL: absolute http or https, a host, no user
// information (credentials in URLs end up in logs).
func ParseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errText("can't be blank")
	}
	if len(raw) > MaxURLLen {
		return nil, errText("is too long")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errText("is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errText("must be an http or https URL")
	}
	if u.Hostname() == "" {
		return nil, errText("must name a host")
	}
	if u.User != nil {
		return nil, errText("must not contain user information")
	}
	return u, nil
}

type errText string

func (e errText) Error() string { return string(e) }

// Update is a partial update of a webhook; nil means unchanged.
type Update struct {
	Name, URL, Secret *string
	Events            *[]string
	Active            *bool
}

// Apply returns w with the update applied (the secret is the app's business:
// it is sealed there).
func (u Update) Apply(w Webhook) Webhook {
	if u.Name != nil {
		w.Name = *u.Name
	}
	if u.URL != nil {
		w.URL = *u.URL
	}
	if u.Events != nil {
		w.Events = append([]string(nil), (*u.Events)...)
	}
	if u.Active != nil {
		w.Active = *u.Active
	}
	return w
}

// List declares how webhooks are filtered and sorted.
var List = listing.Spec{
	Columns: []listing.Column{
		{Name: "name", Kind: listing.Text, Sortable: true},
		{Name: "url", Kind: listing.Text, Sortable: true},
		{Name: "active", Kind: listing.Bool, Sortable: true},
		{Name: "events", Kind: listing.Text, Doc: "an event name, e.g. scan_completed"},
		{Name: "created_at", Sortable: true, NoFilter: true},
		{Name: "updated_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at", DefaultDesc: true,
}
