package app

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/notify"
	"github.com/perimeterhq/perimeter/internal/secret"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// Lifetimes of one-time tokens, by purpose.
const (
	TTLConfirmation = 7 * 24 * time.Hour
	TTLInvitation   = 7 * 24 * time.Hour
	TTLReset        = time.Hour
	TTLSSO          = 5 * time.Minute
)

func tokenTTL(purpose string) time.Duration {
	switch purpose {
	case PurposeReset:
		return TTLReset
	case PurposeSSO:
		return TTLSSO
	case PurposeInvitation:
		return TTLInvitation
	}
	return TTLConfirmation
}

// issueToken creates a one-time token of purpose for u in q's transaction,
// voiding u's earlier ones of that purpose. Only its hash is stored.
func (a *App) issueToken(ctx context.Context, q *store.Q, userID, purpose string, now time.Time) (string, time.Time, error) {
	tok := secret.NewToken(secret.PrefixOneTime)
	t := store.OneTimeToken{ID: newID(), UserID: userID, Purpose: purpose, CreatedAt: now, ExpiresAt: now.Add(tokenTTL(purpose))}
	return tok, t.ExpiresAt, q.CreateOneTimeToken(ctx, t, secret.Hash(tok))
}

// consolePaths are where the web console takes each token.
var consolePaths = map[string][2]string{
	PurposeConfirmation: {"/confirmation", "confirmation_token"},
	PurposeInvitation:   {"/invitation", "invitation_token"},
	PurposeReset:        {"/password/reset", "reset_password_token"},
	PurposeSSO:          {"/sso_link", "sso_token"},
}

// consoleLink is the console URL that takes a token ("" without ConsoleURL).
func (a *App) consoleLink(purpose, token string) string {
	base := strings.TrimRight(a.cfg.ConsoleURL, "/")
	p, ok := consolePaths[purpose]
	if base == "" || !ok {
		return ""
	}
	return base + p[0] + "?" + url.Values{p[1]: {token}}.Encode()
}

// mailOn reports whether account e-mails can be sent.
func (a *App) mailOn() bool { return a.hooks.cfg.Mailer != nil }

var errNoMail = errs.New(errs.Unavailable, "E-mail is not configured on this server (--smtp-url), so the e-mail cannot be sent")

// queueAccountEmail queues the e-mail carrying token to u in q's transaction
// (sent by the notify.email job). The token is sealed with the server key
// until the e-mail is sent, then wiped. Without a mailer nothing is queued.
func (a *App) queueAccountEmail(ctx context.Context, q *store.Q, u user.User, purpose, token string, now time.Time) error {
	if !a.mailOn() {
		a.log.Warn("account e-mail not sent: no mailer configured", "user_id", u.ID, "purpose", purpose)
		return nil
	}
	m := store.EmailMessage{ID: newID(), OrganizationID: u.OrganizationID, UserID: u.ID, To: u.Email, CreatedAt: now}
	if err := q.CreateAccountEmail(ctx, m, purpose, a.hooks.box.Seal(token)); err != nil {
		return err
	}
	return q.EnqueueJob(ctx, SendEmailArgs{MessageID: m.ID}, &river.InsertOpts{MaxAttempts: 5})
}

// sendAccountEmail sends a queued account e-mail (SendEmail's branch for
// kinds other than "event"). Outcome bookkeeping matches SendEmail.
func (a *App) sendAccountEmail(ctx context.Context, m store.EmailMessage, kind, sealed string, attempt, maxAttempts int) error {
	mailer := a.hooks.cfg.Mailer
	u, err := a.store.R().UserByID(ctx, m.UserID)
	if errs.Is(err, errs.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	org, err := a.store.R().OrganizationByID(ctx, u.OrganizationID)
	if err != nil {
		return err
	}
	finish := func(sendErr error) error {
		m.Attempted(sendErr, attempt >= maxAttempts, a.now())
		return a.store.Tx(ctx, func(q *store.Q) error {
			if err := q.UpdateEmailMessage(ctx, m); err != nil {
				return err
			}
			if m.Status != store.EmailPending {
				return q.WipeEmailLink(ctx, m.OrganizationID, m.ID)
			}
			return nil
		})
	}
	token, err := a.hooks.box.Open(sealed)
	if err != nil {
		attempt = maxAttempts // sealed with another key: retrying cannot help
		return finish(err)
	}
	tok, err := a.store.R().OneTimeTokenByHash(ctx, kind, secret.Hash(token), a.now())
	if err != nil { // used, replaced or expired meanwhile: nothing worth sending
		attempt = maxAttempts
		return finish(errs.New(errs.NotFound, "the token was used, replaced or expired before the e-mail went out"))
	}
	raw, err := notify.ComposeAccount(notify.AccountEmail{Kind: kind, ToName: strings.TrimSpace(u.FirstName + " " + u.LastName),
		ToAddress: m.To, Organization: org.Name, Brand: a.brand(ctx, m.OrganizationID), From: mailer.From, Token: token,
		Link: a.consoleLink(kind, token), Expires: tok.ExpiresAt, Date: a.now()})
	if err != nil {
		return err
	}
	sendErr := mailer.Send(ctx, notify.SenderAddress(mailer.From), []string{m.To}, raw)
	if sendErr != nil && ctx.Err() != nil {
		return sendErr
	}
	if err := finish(sendErr); err != nil {
		return err
	}
	if sendErr != nil {
		a.log.Warn("account e-mail failed", "message_id", m.ID, "attempt", attempt, "err", sendErr)
	}
	return sendErr
}

// peekToken finds the live token of purpose without using it, and its user,
// who must be reachable through key (the organization-tree rule): any other
// token is not found.
func (a *App) peekToken(ctx context.Context, q *store.Q, key tenant.APIKey, purpose, token string) (store.OneTimeToken, user.User, tenant.Organization, error) {
	var u user.User
	var org tenant.Organization
	if !strings.HasPrefix(token, secret.PrefixOneTime) || len(token) > 128 {
		return store.OneTimeToken{}, u, org, errs.NotFoundf("Token")
	}
	t, err := q.OneTimeTokenByHash(ctx, purpose, secret.Hash(token), a.now())
	if err != nil {
		return t, u, org, err
	}
	if u, err = q.UserByID(ctx, t.UserID); err != nil {
		return t, u, org, err
	}
	if org, err = q.OrganizationByID(ctx, u.OrganizationID); err != nil {
		return t, u, org, err
	}
	if !strings.HasPrefix(org.Path, key.OrgPath) {
		return t, u, org, errs.NotFoundf("Token")
	}
	return t, u, org, nil
}

// useToken consumes a token found by peekToken in q's transaction.
func (a *App) useToken(ctx context.Context, q *store.Q, key tenant.APIKey, purpose, token string) (user.User, tenant.Organization, error) {
	_, u, org, err := a.peekToken(ctx, q, key, purpose, token)
	if err != nil {
		return u, org, err
	}
	if _, err := q.UseOneTimeToken(ctx, purpose, secret.Hash(token), a.now()); err != nil {
		return u, org, err
	}
	return u, org, nil
}

// tokenFieldErr turns a missing token into a 422 naming the field.
func tokenFieldErr(err error, field string) error {
	if errs.Is(err, errs.NotFound) {
		return errs.Field(field, "is invalid, expired or already used")
	}
	return err
}

// openSession creates a session for u (acting through key) in q's
// transaction and records action.
func (a *App) openSession(ctx context.Context, q *store.Q, act *Actor, u user.User, impersonator string, ttl time.Duration,
	action string, changes map[string]any) (SignInResult, error) {
	now := a.now()
	token := secret.NewToken(secret.PrefixSession)
	m := metaFrom(ctx)
	sess := store.Session{ID: newID(), UserID: u.ID, ImpersonatorID: impersonator, IP: m.IP, UserAgent: trim(m.UserAgent, 512),
		CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := q.CreateSession(ctx, sess, secret.Hash(token)); err != nil {
		return SignInResult{}, err
	}
	if impersonator == "" {
		if err := q.RecordSignIn(ctx, u.OrganizationID, u.ID, now); err != nil {
			return SignInResult{}, err
		}
		u.LastSignInAt = &now
	}
	if err := a.record(ctx, q, act, u.OrganizationID, action, "user", u.ID, changes); err != nil {
		return SignInResult{}, err
	}
	return SignInResult{Token: token, ExpiresAt: sess.ExpiresAt, User: u, ImpersonatorID: impersonator}, nil
}
