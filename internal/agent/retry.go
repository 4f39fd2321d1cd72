package agent

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// backoff is exponential with full jitter, so agents cut off together do
// not come back in lock step.
type backoff struct {
	base, max time.Duration
	n         int
}

// next returns the wait before the next try and counts the try.
func (b *backoff) next() time.Duration {
	d := b.base << min(b.n, 16)
	if d <= 0 || d > b.max {
		d = b.max
	}
	b.n++
	return d/2 + rand.N(d/2+1)
}

func (b *backoff) reset() { b.n = 0 }

// sleep waits d or until ctx ends (returning its cause).
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// retryable reports whether a call's error may go away by itself.
func retryable(err error) bool {
	var te *transientError
	return errors.As(err, &te)
}

// retry calls fn until it succeeds, fails for good (any error that is not
// transient) or ctx ends. Every try sends the same request: the protocol's
// calls are idempotent (a batch keeps its sequence number).
func (a *Agent) retry(ctx context.Context, what string, fn func(context.Context) error) error {
	b := backoff{base: 500 * time.Millisecond, max: a.cfg.MaxBackoff}
	for {
		err := fn(ctx)
		if err == nil || !retryable(err) {
			return err
		}
		d := b.next()
		a.log.Warn("call failed; retrying", "call", what, "in", d.Round(time.Millisecond), "err", err)
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}
