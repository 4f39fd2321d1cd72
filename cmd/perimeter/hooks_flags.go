package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/notify"
	"github.com/perimeterhq/perimeter/internal/secret"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

// hookFlags are serve's flags for webhooks, notifications and e-mail.
type hookFlags struct {
	allow, retryDelays, smtpURL string
	secretKey, secretKeyFile    string
	rescueAfter, deactivate     time.Duration
	workers                     int
}

func addHookFlags(fs *pflag.FlagSet, h *hookFlags) {
	fs.StringVar(&h.allow, "webhook-allow", envString("PERIMETER_WEBHOOK_ALLOW", ""),
		"CIDRs webhooks may reach although internal (loopback, private, link-local, CGNAT, metadata are refused otherwise) (env PERIMETER_WEBHOOK_ALLOW)")
	fs.StringVar(&h.retryDelays, "webhook-retry-delays", envString("PERIMETER_WEBHOOK_RETRY_DELAYS", "10s,1m,5m"),
		"waits before each retry of a failed webhook delivery (env PERIMETER_WEBHOOK_RETRY_DELAYS)")
	fs.DurationVar(&h.rescueAfter, "webhook-rescue-after", envDuration("PERIMETER_WEBHOOK_RESCUE_AFTER", 2*time.Minute),
		"a webhook attempt this overdue lost its worker and is enqueued again; keep it above the 10 s request timeout")
	fs.DurationVar(&h.deactivate, "webhook-deactivate-after", envDuration("PERIMETER_WEBHOOK_DEACTIVATE_AFTER", 72*time.Hour),
		"a webhook whose deliveries all fail for this long is deactivated, and its admins notified")
	fs.IntVar(&h.workers, "webhook-workers", envInt("PERIMETER_WEBHOOK_WORKERS", 32), "webhook attempts in flight in this process")
	fs.StringVar(&h.smtpURL, "smtp-url", envString("PERIMETER_SMTP_URL", ""),
		"e-mail relay: smtp://user:pass@host:587?starttls=required&from=alerts@example.com (smtps:// for TLS); empty: no e-mail (env PERIMETER_SMTP_URL)")
	fs.StringVar(&h.secretKey, "secret-key", envString("PERIMETER_SECRET_KEY", ""),
		"32-byte key (base64 or hex) that encrypts webhook secrets at rest; the same on every node (env PERIMETER_SECRET_KEY)")
	fs.StringVar(&h.secretKeyFile, "secret-key-file", envString("PERIMETER_SECRET_KEY_FILE", ""),
		"file holding that key, created when missing (default: perimeter.key beside the SQLite database)")
}

// config turns the flags into the app's configuration.
func (h hookFlags) config(dbURL string, log *slog.Logger) (app.HooksConfig, error) {
	var c app.HooksConfig
	var err error
	if c.WebhookAllow, err = webhook.ParseAllowList(h.allow); err != nil {
		return c, fmt.Errorf("--webhook-allow: %w", err)
	}
	if strings.TrimSpace(h.retryDelays) != "" {
		c.RetryDelays = []time.Duration{} // "0" retries is a choice; an empty list is not
	}
	for _, f := range strings.FieldsFunc(h.retryDelays, func(r rune) bool { return r == ',' || r == ' ' }) {
		d, err := time.ParseDuration(f)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("--webhook-retry-delays: %q is not a positive duration", f)
		}
		c.RetryDelays = append(c.RetryDelays, d)
	}
	c.RescueAfter, c.DeactivateAfter = h.rescueAfter, h.deactivate
	if h.smtpURL != "" {
		if c.Mailer, err = notify.ParseSMTPURL(h.smtpURL); err != nil {
			return c, fmt.Errorf("--smtp-url: %w", err)
		}
		log.Info("e-mail notifications on", "smtp", c.Mailer.Redacted())
	}
	switch {
	case h.secretKey != "":
		if c.SecretKey, err = secret.ParseKey(h.secretKey); err != nil {
			return c, fmt.Errorf("--secret-key: %w", err)
		}
	default:
		path := h.secretKeyFile
		if path == "" {
			engine, dsn, err := store.ParseURL(dbURL)
			if err != nil || engine != store.SQLite {
				// Several nodes must share one key: it cannot be made up here.
				log.Warn("no --secret-key: webhook secrets made now are lost on restart; set PERIMETER_SECRET_KEY on every node")
				return c, nil
			}
			path = filepath.Join(filepath.Dir(dsn), "perimeter.key")
		}
		key, created, err := secret.LoadOrCreateKeyFile(path)
		if err != nil {
			return c, fmt.Errorf("secret key file: %w", err)
		}
		if created {
			log.Info("created the secret key file; back it up with the database", "path", path)
		}
		c.SecretKey = key
	}
	return c, nil
}
