package notify

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SMSSender sends a text message to an E.164 number. Errors say why without
// repeating the message (it may hold a code).
type SMSSender interface {
	SendSMS(ctx context.Context, to, body string) error
}

// Twilio sends SMS through the Twilio Messages API or a compatible service:
// POST {BaseURL}/2010-04-01/Accounts/{AccountSID}/Messages.json, form
// fields To, From, Body, HTTP basic auth with the account SID and token.
// BaseURL is the operator's configuration (never a tenant's), so the plain
// client is used, with a timeout and no redirects.
type Twilio struct {
	BaseURL    string // default https://api.twilio.com
	AccountSID string
	AuthToken  string
	From       string // sender number or messaging service
	Client     *http.Client
}

var _ SMSSender = (*Twilio)(nil)

// SendSMS implements SMSSender; a non-2xx answer is an error with its status.
func (t *Twilio) SendSMS(ctx context.Context, to, body string) error {
	base := strings.TrimRight(t.BaseURL, "/")
	if base == "" {
		base = "https://api.twilio.com"
	}
	form := url.Values{"To": {to}, "From": {t.From}, "Body": {body}}
	u := base + "/2010-04-01/Accounts/" + url.PathEscape(t.AccountSID) + "/Messages.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(t.AccountSID, t.AuthToken)
	c := t.Client
	if c == nil {
		c = &http.Client{Timeout: 15 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("sms provider: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("sms provider answered %s", res.Status)
	}
	return nil
}

// ParseTwilioURL reads an SMS provider URL:
// twilio://ACCOUNT_SID:AUTH_TOKEN@host[:port]?from=+15550000000[&scheme=http].
// The host is the API's (api.twilio.com for Twilio itself).
func ParseTwilioURL(raw string) (*Twilio, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "twilio" || u.Host == "" || u.User == nil {
		return nil, fmt.Errorf("want twilio://ACCOUNT_SID:AUTH_TOKEN@host?from=+15550000000")
	}
	tok, _ := u.User.Password()
	scheme := u.Query().Get("scheme")
	if scheme == "" {
		scheme = "https"
	}
	if scheme != "https" && scheme != "http" {
		return nil, fmt.Errorf("scheme must be https or http")
	}
	t := &Twilio{BaseURL: scheme + "://" + u.Host, AccountSID: u.User.Username(), AuthToken: tok, From: u.Query().Get("from")}
	if t.AccountSID == "" || t.AuthToken == "" || t.From == "" {
		return nil, fmt.Errorf("account SID, auth token and from= are required")
	}
	return t, nil
}
