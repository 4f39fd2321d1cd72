package app

import (
	"context"
	"time"

	"github.com/perimeterhq/perimeter/internal/store"
)

// PurgeRetention is how long revoked sessions and stale sign-in failure records
// are kept (for investigation) before the purge job deletes them.
const PurgeRetention = 7 * 24 * time.Hour

// PurgeExpired deletes expired sessions, used or expired one-time tokens and
// stale sign-in failure records. It is idempotent (the periodic purge job).
func (a *App) PurgeExpired(ctx context.Context) (store.PurgeResult, error) {
	var res store.PurgeResult
	now := a.now()
	err := a.store.Tx(ctx, func(q *store.Q) error {
		var err error
		if res, err = q.PurgeExpired(ctx, now, now.Add(-PurgeRetention)); err != nil {
			return err
		}
		_, err = q.PurgeSMS(ctx, now.Add(-24*time.Hour)) // SMS codes live 5 min; the rate limit looks back 1 h
		return err
	})
	if err == nil && (res.Sessions+res.OneTimeTokens+res.SignInFailures) > 0 {
		a.log.Info("purged expired credentials", "sessions", res.Sessions, "one_time_tokens", res.OneTimeTokens,
			"sign_in_failures", res.SignInFailures)
	}
	return res, err
}
