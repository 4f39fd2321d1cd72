package app

import (
	"context"
	"net/netip"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/store"
)

// Sign-in throttling. Failures are counted per (username, client address):
// after LockoutThreshold failures of a username from one address, every
// further try from that address waits — LockoutDelay, doubling with each
// failure, at most LockoutDuration — and is refused (429 with Retry-After)
// without a password check until then. Other addresses are not affected, so
// whoever holds an API key cannot lock an account out by failing on purpose:
// the right password from an address without recent failures goes through.
// Unknown usernames are counted and answered exactly like known ones.
//
// An attempt is counted before the password is checked (and forgotten when
// it turns out right), inside a transaction that holds the record, so
// concurrent tries cannot overtake the count: at most LockoutThreshold
// password checks per address run before the first wait.

// signInClient is the address failures are counted for: an IPv4 address,
// or the /64 of an IPv6 address (one host usually holds a whole /64, and
// counting its addresses one by one would make the throttle useless).
func signInClient(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// signInWait is the wait after the n-th failure (n ≥ LockoutThreshold).
func (a *App) signInWait(n int) time.Duration {
	d := a.cfg.LockoutDelay
	for i := a.cfg.LockoutThreshold; i < n && d < a.cfg.LockoutDuration; i++ {
		d *= 2
	}
	return min(d, a.cfg.LockoutDuration)
}

// signInAttempt is one counted try.
type signInAttempt struct {
	username, client string
	failures         int           // including this try
	wait             time.Duration // when this try fails: how long the next must wait (0: none)
}

// beginSignIn counts a try of username from the request's address, or
// refuses it with 429 while that address must wait.
func (a *App) beginSignIn(ctx context.Context, username string, now time.Time) (signInAttempt, error) {
	att := signInAttempt{username: username, client: signInClient(metaFrom(ctx).IP)}
	var refused time.Duration
	err := a.store.Tx(ctx, func(q *store.Q) error {
		rec, err := q.LockSignInFailures(ctx, att.username, att.client)
		if err != nil {
			return err
		}
		last := rec.LastAt
		if rec.BlockedUntil != nil && rec.BlockedUntil.After(last) {
			last = *rec.BlockedUntil
		}
		if now.Sub(last) > a.cfg.LockoutWindow {
			rec.Failures, rec.BlockedUntil = 0, nil
		}
		if rec.BlockedUntil != nil && now.Before(*rec.BlockedUntil) {
			refused = rec.BlockedUntil.Sub(now)
			return nil
		}
		rec.Failures++
		rec.LastAt = now
		att.failures = rec.Failures
		if rec.Failures >= a.cfg.LockoutThreshold {
			// Presumed failed until the password proves otherwise, so that
			// concurrent tries already wait.
			att.wait = a.signInWait(rec.Failures)
			until := now.Add(att.wait)
			rec.BlockedUntil = &until
		}
		return q.SaveSignInFailures(ctx, rec)
	})
	if err != nil {
		return att, err
	}
	if refused > 0 {
		return att, throttledErr(refused)
	}
	return att, nil
}

func throttledErr(wait time.Duration) error {
	return &errs.Error{Code: errs.RateLimited, RetryAfter: wait,
		Message: "Too many failed sign-in attempts from your address; try again later"}
}
