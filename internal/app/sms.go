package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/notify"
	"github.com/perimeterhq/perimeter/internal/phone"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// SMS code purposes.
const (
	smsSignIn = "sign_in"
	smsEnable = "enable"
)

// SMS rules: a code lives 5 minutes and works once; a user gets at most one
// code per smsMinGap and smsPerHour per hour.
const (
	smsTTL     = 5 * time.Minute
	smsMinGap  = 30 * time.Second
	smsPerHour = 5
)

// smsHash is the at-rest form of a 6-digit code: a keyed MAC (a plain hash
// of a million possibilities would protect nothing).
func (a *App) smsHash(userID, code string) string {
	return a.hooks.box.MAC("sms:" + userID + ":" + code)
}

// smsSend is a code to deliver once its transaction committed.
type smsSend struct {
	userID, to, code string
	expires          time.Time
}

// newSMSCode rate-limits and stores a new code for userID in q's
// transaction (voiding the user's earlier code of that purpose).
func (a *App) newSMSCode(ctx context.Context, q *store.Q, userID, purpose, to string, now time.Time) (*smsSend, error) {
	sent, err := q.SMSSendsSince(ctx, userID, now.Add(-time.Hour))
	if err != nil {
		return nil, err
	}
	var wait time.Duration
	if n := len(sent); n > 0 {
		if d := sent[n-1].Add(smsMinGap).Sub(now); d > 0 {
			wait = d
		}
		if n >= smsPerHour {
			wait = max(wait, sent[n-smsPerHour].Add(time.Hour).Sub(now))
		}
	}
	if wait > 0 {
		return nil, &errs.Error{Code: errs.RateLimited, RetryAfter: wait,
			Message: fmt.Sprintf("Too many codes sent: at most one per %s and %d per hour", smsMinGap, smsPerHour)}
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return nil, err
	}
	code := fmt.Sprintf("%06d", n.Int64())
	c := store.SMSCode{ID: newID(), UserID: userID, Purpose: purpose, Phone: to, Hash: a.smsHash(userID, code),
		CreatedAt: now, ExpiresAt: now.Add(smsTTL)}
	if err := q.CreateSMSCode(ctx, c); err != nil {
		return nil, err
	}
	return &smsSend{userID: userID, to: to, code: code, expires: c.ExpiresAt}, nil
}

// deliverSMS hands a code to the provider: the configured one, else the
// development provider, which records the message in sms_outbox.
func (a *App) deliverSMS(ctx context.Context, s *smsSend) error {
	body := fmt.Sprintf("Your %s code is %s. It expires in 5 minutes.", notify.DefaultBrand().Name, s.code)
	if a.cfg.SMS == nil {
		return a.store.Tx(ctx, func(q *store.Q) error {
			return q.InsertSMSMessage(ctx, store.SMSMessage{ID: newID(), UserID: s.userID, To: s.to, Body: body, CreatedAt: a.now()})
		})
	}
	if err := a.cfg.SMS.SendSMS(ctx, s.to, body); err != nil {
		a.log.Warn("sms not sent", "user_id", s.userID, "err", err) // never the code
		return errs.New(errs.Unavailable, "The SMS provider did not accept the message; try again later")
	}
	return nil
}

// SMSSent says where a sign-in code went.
type SMSSent struct {
	Phone     string // masked
	ExpiresAt time.Time
}

// SendSignInSMS checks a username and password (throttled like sign-in) and
// sends a sign-in code to the user's two-factor phone: 409 when SMS is not
// an active method, 429 over the send limit.
func (a *App) SendSignInSMS(ctx context.Context, key tenant.APIKey, username, password string) (SMSSent, error) {
	act, err := a.checkPassword(ctx, key, username, password)
	if err != nil {
		return SMSSent{}, err
	}
	var s *smsSend
	err = a.store.Tx(ctx, func(q *store.Q) error {
		t, _, err := a.twoFactorOf(ctx, q, act.User.ID)
		if err != nil {
			return err
		}
		if !t.SMSEnabled || t.SMSPhone == "" {
			return errs.New(errs.Conflict, "SMS two-factor authentication is not on for this account")
		}
		if s, err = a.newSMSCode(ctx, q, act.User.ID, smsSignIn, t.SMSPhone, a.now()); err != nil {
			return err
		}
		return a.record(ctx, q, act, act.Org.ID, "auth.send_sms_otp", "user", act.User.ID, nil)
	})
	if err != nil {
		return SMSSent{}, err
	}
	if err := a.deliverSMS(ctx, s); err != nil {
		return SMSSent{}, err
	}
	return SMSSent{Phone: phone.Mask(s.to), ExpiresAt: s.expires}, nil
}

// PhoneLookup is the answer of lookup_phone.
type PhoneLookup struct {
	Valid   bool
	E164    string
	Country string
}

// LookupPhone checks a number's E.164 shape and calling code.
func (a *App) LookupPhone(number string) (PhoneLookup, error) {
	if number == "" {
		return PhoneLookup{}, errs.Field("phone", "can't be blank")
	}
	if len(number) > 32 {
		return PhoneLookup{}, errs.Field("phone", "is too long")
	}
	n, ok := phone.Parse(number)
	return PhoneLookup{Valid: ok, E164: n.E164, Country: n.Country}, nil
}
