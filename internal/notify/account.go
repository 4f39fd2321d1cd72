package notify

import (
	"bytes"
	htmltemplate "html/template"
	"mime"
	"net/mail"
	"strings"
	texttemplate "text/template"
	"time"
)

var (
	accountHTML = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/account.html.tmpl"))
	accountText = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/account.txt.tmpl"))
)

// Account e-mail kinds: each carries a one-time token.
const (
	AccountConfirmation = "confirmation"
	AccountInvitation   = "invitation"
	AccountReset        = "password_reset"
)

// AccountEmail is an e-mail about the recipient's account carrying a
// one-time token (and a link to the console when one is configured).
type AccountEmail struct {
	Kind              string // AccountConfirmation, AccountInvitation, AccountReset
	ToName, ToAddress string
	Organization      string // the organization invited to
	Brand             Brand
	From              string // the mailer's default sender address
	Token             string
	Link              string // "" without a console URL
	Expires           time.Time
	Date              time.Time
}

func (e AccountEmail) words() (title, body, action string) {
	switch e.Kind {
	case AccountInvitation:
		return "You are invited to " + e.Brand.Name, "You have been invited to join " + e.Organization + " on " + e.Brand.Name +
			". Accept the invitation to choose your password.", "Accept the invitation"
	case AccountReset:
		return "Reset your password", "Someone (hopefully you) asked to reset the password of your " + e.Brand.Name +
			" account. Choose a new one with this token; until you do, your password stays as it is.", "Choose a new password"
	}
	return "Confirm your account", "Your " + e.Brand.Name + " account was created. Confirm it to sign in.", "Confirm my account"
}

// ComposeAccount renders an account e-mail as an RFC 5322 message like
// Compose does for notifications.
func ComposeAccount(e AccountEmail) ([]byte, error) {
	if e.Brand.Name == "" {
		e.Brand = DefaultBrand()
	}
	if e.Brand.Color == "" {
		e.Brand.Color = DefaultBrand().Color
	}
	from := e.Brand.From
	if from == "" {
		from = e.From
	}
	name := e.ToName
	if name == "" {
		name = e.ToAddress
	}
	title, body, action := e.words()
	view := struct {
		Name, Title, Body, Action, Link, Token, Expires, LogoCID string
		Brand                                                    Brand
	}{Name: name, Title: title, Body: body, Action: action, Link: e.Link, Token: e.Token,
		Expires: e.Expires.UTC().Format("2006-01-02 15:04 MST"), Brand: e.Brand}
	if len(e.Brand.Logo) > 0 && (e.Brand.LogoType == "image/png" || e.Brand.LogoType == "image/svg+xml") {
		view.LogoCID = "logo@perimeter"
	}
	var text, html bytes.Buffer
	if err := accountText.Execute(&text, view); err != nil {
		return nil, err
	}
	if err := accountHTML.Execute(&html, view); err != nil {
		return nil, err
	}
	if e.Date.IsZero() {
		e.Date = time.Now()
	}
	var msg bytes.Buffer
	alt := multipartAt(&msg, randomID())
	hdr := []string{
		"From: " + (&mail.Address{Name: e.Brand.Name, Address: SenderAddress(from)}).String(),
		"To: " + (&mail.Address{Name: e.ToName, Address: e.ToAddress}).String(),
		"Subject: " + mime.QEncoding.Encode("utf-8", title),
		"Date: " + e.Date.Format(time.RFC1123Z),
		"Message-ID: <" + randomID() + "@" + domainOf(SenderAddress(from)) + ">",
		"MIME-Version: 1.0",
		"Auto-Submitted: auto-generated",
		"Content-Type: multipart/alternative; boundary=" + alt.Boundary(),
	}
	msg.WriteString(strings.Join(hdr, "\r\n") + "\r\n\r\n")
	if err := qpPart(alt, "text/plain; charset=utf-8", text.Bytes()); err != nil {
		return nil, err
	}
	if view.LogoCID == "" {
		if err := qpPart(alt, "text/html; charset=utf-8", html.Bytes()); err != nil {
			return nil, err
		}
	} else if err := relatedPart(alt, html.Bytes(), e.Brand, view.LogoCID); err != nil {
		return nil, err
	}
	if err := alt.Close(); err != nil {
		return nil, err
	}
	return msg.Bytes(), nil
}
