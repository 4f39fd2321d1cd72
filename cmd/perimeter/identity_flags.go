package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/spf13/pflag"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/notify"
)

// identityFlags are serve's flags for account e-mails and two-factor SMS.
type identityFlags struct {
	consoleURL, smsURL string
}

func addIdentityFlags(fs *pflag.FlagSet, f *identityFlags) {
	fs.StringVar(&f.consoleURL, "console-url", envString("PERIMETER_CONSOLE_URL", ""),
		"web console base URL used in confirmation, invitation, password reset and SSO links, e.g. https://scan.example.com (env PERIMETER_CONSOLE_URL); empty: e-mails carry the token only")
	fs.StringVar(&f.smsURL, "sms-url", envString("PERIMETER_SMS_URL", ""),
		"SMS provider for two-factor codes: twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=+15550000000 (any Twilio-compatible API host; &scheme=http for a local one); "+
			"empty: the development provider, which only records messages in the sms_outbox table (env PERIMETER_SMS_URL)")
}

// apply sets the identity parts of the app configuration.
func (f identityFlags) apply(c *app.Config, log *slog.Logger) error {
	if f.consoleURL != "" {
		u, err := url.Parse(f.consoleURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("--console-url: want an http(s) URL such as https://scan.example.com")
		}
		c.ConsoleURL = strings.TrimRight(f.consoleURL, "/")
	}
	if f.smsURL != "" {
		t, err := notify.ParseTwilioURL(f.smsURL)
		if err != nil {
			return fmt.Errorf("--sms-url: %w", err)
		}
		c.SMS = t
		log.Info("two-factor SMS on", "provider", t.BaseURL) // never the credentials
	} else {
		log.Info("two-factor SMS uses the development provider: codes are recorded in the sms_outbox table, not sent")
	}
	return nil
}
