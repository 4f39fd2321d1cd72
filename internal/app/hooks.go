package app

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/perimeterhq/perimeter/internal/notify"
	"github.com/perimeterhq/perimeter/internal/secret"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

// HooksConfig configures what the event outbox fans out to: webhooks,
// in-app notifications and e-mail.
type HooksConfig struct {
	WebhookAllow    []netip.Prefix  // ranges webhooks may reach although they are internal (--webhook-allow)
	RetryDelays     []time.Duration // waits before each retry (default 10 s, 1 min, 5 min: 3 retries)
	RequestTimeout  time.Duration   // per delivery attempt (default 10 s)
	PerDestination  int             // attempts in flight per host:port on a node (default 8)
	DeactivateAfter time.Duration   // a webhook failing this long in a row is deactivated (default 72 h)
	RescueAfter     time.Duration   // a pending attempt this overdue lost its worker and is enqueued again (default 2 min; above RequestTimeout)
	SecretKey       []byte          // encrypts webhook secrets at rest; nil: a random key for this process only
	Mailer          *notify.Mailer  // nil: no e-mail is sent
	Branding        Branding        // who e-mails come from; nil: white-label settings from the store, else Perimeter

	// Tests only.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error) // host lookups of the SSRF guard
	TLS     *tls.Config                                                  // TLS of webhook requests
}

// Branding says whose name and logo an organization's e-mails carry. It is
// an interface so the white-label feature can supply it.
type Branding interface {
	Brand(ctx context.Context, orgID string) (notify.Brand, error)
}

// BrandingFunc adapts a function to Branding.
type BrandingFunc func(ctx context.Context, orgID string) (notify.Brand, error)

// Brand implements Branding.
func (f BrandingFunc) Brand(ctx context.Context, orgID string) (notify.Brand, error) {
	return f(ctx, orgID)
}

func (c *HooksConfig) defaults() {
	if c.RetryDelays == nil {
		c.RetryDelays = []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute}
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Second
	}
	if c.PerDestination <= 0 {
		c.PerDestination = 8
	}
	if c.DeactivateAfter <= 0 {
		c.DeactivateAfter = 72 * time.Hour
	}
	if c.RescueAfter <= 0 {
		c.RescueAfter = 2 * time.Minute
	}
}

// hookState is what the app keeps for deliveries.
type hookState struct {
	cfg    HooksConfig
	box    *secret.Box
	guard  *webhook.Guard
	sender *webhook.Sender

	// One dispatcher per process at a time keeps fan-out in event order;
	// the compare-and-set on dispatched_at keeps several nodes from fanning
	// an event out twice.
	dispatchMu sync.Mutex
}

func newHookState(cfg HooksConfig, version string, log *slog.Logger) *hookState {
	key := cfg.SecretKey
	if key == nil {
		log.Warn("no secret key configured: webhook secrets are encrypted with a key of this process only")
		key = secret.NewKey()
	}
	box, err := secret.NewBox(key)
	if err != nil {
		panic("app: invalid secret key: " + err.Error()) // cmd validates the key before it gets here
	}
	g := &webhook.Guard{Allow: cfg.WebhookAllow, Resolve: cfg.Resolve, Timeout: cfg.RequestTimeout}
	return &hookState{cfg: cfg, box: box, guard: g,
		sender: webhook.NewSender(g, webhook.SenderOptions{Timeout: cfg.RequestTimeout, PerHost: cfg.PerDestination, Version: version, TLS: cfg.TLS})}
}

// maxAttempts is one request and every retry.
func (h *hookState) maxAttempts() int { return 1 + len(h.cfg.RetryDelays) }

// brand returns the e-mail brand of an organization, falling back to the
// platform's when the lookup fails (an e-mail with the default name beats
// none).
func (a *App) brand(ctx context.Context, orgID string) notify.Brand {
	if b := a.hooks.cfg.Branding; b != nil {
		br, err := b.Brand(ctx, orgID)
		if err == nil && br.Name != "" {
			return br
		}
		return notify.DefaultBrand()
	}
	org, err := a.store.R().OrganizationByID(ctx, orgID)
	if err != nil {
		return notify.DefaultBrand()
	}
	// The white-label settings in effect, inherited field by field (whitelabel.go).
	eb, err := brandingOf(ctx, a.store.R(), org.Path)
	if err != nil || eb.From == "" {
		return notify.DefaultBrand()
	}
	w := eb.Effective
	br := notify.Brand{Name: w.CompanyName, From: w.EmailFrom, Color: w.PrimaryColor, SupportEmail: w.SupportEmail,
		Footer: w.FooterText, Logo: w.Logo, LogoType: w.LogoType}
	if br.Name == "" {
		br.Name = notify.DefaultBrand().Name
	}
	return br
}

// HooksSweep is the safety net of the outbox: it fans out events no
// dispatcher picked up and enqueues again the delivery attempts whose worker
// died. It returns how many of each it handled.
func (a *App) HooksSweep(ctx context.Context) (events, rescued int, err error) {
	if events, err = a.DispatchEvents(ctx); err != nil {
		return events, 0, err
	}
	rescued, err = a.RescueDeliveries(ctx)
	return events, rescued, err
}
