package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// STARTTLS modes of a mailer.
const (
	StartTLSRequired      = "required"      // refuse to send when the server does not offer it
	StartTLSOpportunistic = "opportunistic" // upgrade when offered
	StartTLSNone          = "none"          // never (a relay on the same host)
)

// Mailer sends e-mail through an SMTP server: plain SMTP with STARTTLS, or
// SMTP over TLS (smtps), with PLAIN authentication when a user is given.
type Mailer struct {
	Host, Port     string
	User, Password string
	From           string // envelope and header sender unless the brand says otherwise
	StartTLS       string
	ImplicitTLS    bool
	TLS            *tls.Config // nil: system roots, ServerName = Host
	Timeout        time.Duration
	HeloName       string
}

// ParseSMTPURL reads smtp://user:pass@host:port?starttls=required&from=addr
// (smtps:// for TLS from the first byte). starttls defaults to opportunistic;
// from defaults to perimeter@<host>.
func ParseSMTPURL(raw string) (*Mailer, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("smtp url: %w", err)
	}
	m := &Mailer{Host: u.Hostname(), Port: u.Port(), StartTLS: StartTLSOpportunistic, Timeout: 30 * time.Second, HeloName: "perimeter"}
	switch u.Scheme {
	case "smtp":
		if m.Port == "" {
			m.Port = "587"
		}
	case "smtps":
		m.ImplicitTLS = true
		if m.Port == "" {
			m.Port = "465"
		}
	default:
		return nil, errors.New("smtp url: scheme must be smtp or smtps")
	}
	if m.Host == "" {
		return nil, errors.New("smtp url: missing host")
	}
	if _, err := strconv.Atoi(m.Port); err != nil {
		return nil, errors.New("smtp url: invalid port")
	}
	if u.User != nil {
		m.User = u.User.Username()
		m.Password, _ = u.User.Password()
	}
	q := u.Query()
	if v := q.Get("starttls"); v != "" {
		switch v {
		case StartTLSRequired, StartTLSOpportunistic, StartTLSNone:
			m.StartTLS = v
		case "true":
			m.StartTLS = StartTLSRequired
		case "false":
			m.StartTLS = StartTLSNone
		default:
			return nil, fmt.Errorf("smtp url: starttls must be required, opportunistic or none, not %q", v)
		}
	}
	m.From = q.Get("from")
	if m.From == "" {
		m.From = "perimeter@" + m.Host
	}
	if _, err := mail.ParseAddress(m.From); err != nil {
		return nil, fmt.Errorf("smtp url: from: %w", err)
	}
	return m, nil
}

// Redacted is the mailer's URL without its password (for logs).
func (m *Mailer) Redacted() string {
	scheme := "smtp"
	if m.ImplicitTLS {
		scheme = "smtps"
	}
	user := ""
	if m.User != "" {
		user = url.User(m.User).String() + ":xxxxx@"
	}
	return scheme + "://" + user + net.JoinHostPort(m.Host, m.Port) + "?starttls=" + m.StartTLS
}

// Send delivers one message to its recipients. The error says which SMTP
// step failed.
func (m *Mailer) Send(ctx context.Context, from string, to []string, msg []byte) error {
	if deadline, ok := ctx.Deadline(); !ok || time.Until(deadline) > m.Timeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, m.Timeout)
		defer cancel()
	}
	addr := net.JoinHostPort(m.Host, m.Port)
	d := &net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp: connect %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	tlsCfg := m.tlsConfig()
	if m.ImplicitTLS {
		tc := tls.Client(conn, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("smtp: tls: %w", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, m.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: greeting: %w", err)
	}
	defer c.Close()
	if err := c.Hello(m.HeloName); err != nil {
		return fmt.Errorf("smtp: hello: %w", err)
	}
	if !m.ImplicitTLS && m.StartTLS != StartTLSNone {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsCfg); err != nil {
				return fmt.Errorf("smtp: starttls: %w", err)
			}
		} else if m.StartTLS == StartTLSRequired {
			return errors.New("smtp: the server does not offer STARTTLS (starttls=required)")
		}
	}
	if m.User != "" {
		// PlainAuth itself refuses to send the password over an unencrypted
		// connection to anything but localhost.
		if err := c.Auth(smtp.PlainAuth("", m.User, m.Password, m.Host)); err != nil {
			return fmt.Errorf("smtp: auth: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("smtp: MAIL FROM: %w", err)
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("smtp: RCPT TO %s: %w", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp: message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: message refused: %w", err)
	}
	return c.Quit()
}

func (m *Mailer) tlsConfig() *tls.Config {
	if m.TLS != nil {
		c := m.TLS.Clone()
		if c.ServerName == "" {
			c.ServerName = m.Host
		}
		return c
	}
	return &tls.Config{ServerName: m.Host, MinVersion: tls.VersionTLS12}
}

// SenderAddress is the envelope sender: the address part of from.
func SenderAddress(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		return a.Address
	}
	return strings.TrimSpace(from)
}
