package store_test

import (
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

func TestTwoFactorStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		u := newUser(1, f.cus, "tf@example.test", "user")
		must(t, f.s.Tx(ctx, func(q *store.Q) error { return q.CreateUser(ctx, u) }))
		if _, err := f.s.R().TwoFactorByUser(ctx, u.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("no row yet: %v", err)
		}
		tf := store.TwoFactor{UserID: u.ID, TOTPSecret: "v1:sealed", TOTPEnabled: true, DefaultMethod: "totp", UpdatedAt: t0,
			RecoveryGeneratedAt: &t0, OTPFailures: 2, OTPFailedAt: t0}
		var won1, won2, older bool
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.SaveTwoFactor(ctx, tf); err != nil {
				return err
			}
			var err error
			if won1, err = q.AcceptTOTPStep(ctx, u.ID, 100); err != nil {
				return err
			}
			if won2, err = q.AcceptTOTPStep(ctx, u.ID, 100); err != nil {
				return err
			}
			if older, err = q.AcceptTOTPStep(ctx, u.ID, 99); err != nil {
				return err
			}
			tf.TOTPLastStep = 0 // a save with a stale step must not move it back
			return q.SaveTwoFactor(ctx, tf)
		}))
		if !won1 || won2 || older {
			t.Fatalf("step acceptance %v %v %v", won1, won2, older)
		}
		got, err := f.s.R().TwoFactorByUser(ctx, u.ID)
		if err != nil || got.TOTPLastStep != 100 || !got.TOTPEnabled || got.OTPFailures != 2 || !got.OTPFailedAt.Equal(t0) ||
			got.RecoveryGeneratedAt == nil || !got.RecoveryGeneratedAt.Equal(t0) {
			t.Fatalf("round trip %+v %v", got, err)
		}
		// Recovery codes: replaced as a set, each used once.
		var ok1, ok2, old bool
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.ReplaceRecoveryCodes(ctx, u.ID, []string{id(50), id(51)}, []string{"h-old-1", "h-old-2"}, t0); err != nil {
				return err
			}
			if err := q.ReplaceRecoveryCodes(ctx, u.ID, []string{id(52), id(53)}, []string{"h1", "h2"}, t0); err != nil {
				return err
			}
			var err error
			if old, err = q.UseRecoveryCode(ctx, u.ID, "h-old-1", t0); err != nil {
				return err
			}
			if ok1, err = q.UseRecoveryCode(ctx, u.ID, "h1", t0); err != nil {
				return err
			}
			ok2, err = q.UseRecoveryCode(ctx, u.ID, "h1", t0)
			return err
		}))
		if old || !ok1 || ok2 {
			t.Fatalf("recovery use %v %v %v", old, ok1, ok2)
		}
		if total, rem, err := f.s.R().CountRecoveryCodes(ctx, u.ID); err != nil || total != 2 || rem != 1 {
			t.Fatalf("counts %d %d %v", total, rem, err)
		}
		// SMS codes: the newest of a purpose works once, before it expires.
		c1 := store.SMSCode{ID: id(60), UserID: u.ID, Purpose: "sign_in", Phone: "+4930123456", Hash: "s1", CreatedAt: t0, ExpiresAt: t0.Add(5 * time.Minute)}
		c2 := c1
		c2.ID, c2.Hash, c2.CreatedAt = id(61), "s2", t0.Add(time.Second)
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.CreateSMSCode(ctx, c1); err != nil {
				return err
			}
			return q.CreateSMSCode(ctx, c2)
		}))
		use := func(hash string, at time.Time) error {
			return f.s.Tx(ctx, func(q *store.Q) error { _, err := q.UseSMSCode(ctx, u.ID, "sign_in", hash, at); return err })
		}
		if err := use("s1", t0.Add(time.Minute)); !errs.Is(err, errs.NotFound) {
			t.Fatalf("replaced code: %v", err)
		}
		if err := use("s2", t0.Add(6*time.Minute)); !errs.Is(err, errs.NotFound) {
			t.Fatalf("expired code: %v", err)
		}
		if err := use("s2", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := use("s2", t0.Add(time.Minute)); !errs.Is(err, errs.NotFound) {
			t.Fatalf("reused code: %v", err)
		}
		if sent, err := f.s.R().SMSSendsSince(ctx, u.ID, t0.Add(-time.Hour)); err != nil || len(sent) != 2 {
			t.Fatalf("sends %v %v", sent, err)
		}
		// Deleting forgets everything.
		must(t, f.s.Tx(ctx, func(q *store.Q) error { return q.DeleteTwoFactor(ctx, u.ID) }))
		if total, _, _ := f.s.R().CountRecoveryCodes(ctx, u.ID); total != 0 {
			t.Fatal("recovery codes survived")
		}
	})
}
