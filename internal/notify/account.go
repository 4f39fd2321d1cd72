package notify

import (
	"bytes"
	htmltemplate "html/template"
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
	e.Brand = e.Brand.withDefaults()
	name := e.ToName
	if name == "" {
		name = e.ToAddress
	}
	title, body, action := e.words()
	view := struct {
		Name, Title, Body, Action, Link, Token, Expires, LogoCID string
		Brand                                                    Brand
	}{Name: name, Title: title, Body: body, Action: action, Link: e.Link, Token: e.Token,
		Expires: e.Expires.UTC().Format("2006-01-02 15:04 MST"), Brand: e.Brand, LogoCID: e.Brand.logoCID()}
	var text, html bytes.Buffer
	if err := accountText.Execute(&text, view); err != nil {
		return nil, err
	}
	if err := accountHTML.Execute(&html, view); err != nil {
		return nil, err
	}
	return assemble(e.Brand, e.Brand.sender(e.From), e.ToName, e.ToAddress, title, e.Date, text.Bytes(), html.Bytes())
}
