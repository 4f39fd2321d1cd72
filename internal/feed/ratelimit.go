package feed

import (
	"context"
	"time"
)

// windowLimiter allows at most n requests in any rolling window, which is
// how NVD states its limit (5 requests in a rolling 30-second window
// without an API key, 50 with one). A token bucket would either burst past
// it or throttle below it.
type windowLimiter struct {
	n      int
	window time.Duration
	now    func() time.Time
	sleep  func(context.Context, time.Duration) error
	times  []time.Time // start times of the last n requests, oldest first
}

// wait blocks until one more request fits in the window, then records it.
// It returns the context's error if ctx ends first.
func (l *windowLimiter) wait(ctx context.Context) error {
	if len(l.times) == l.n {
		if d := l.times[0].Add(l.window).Sub(l.now()); d > 0 {
			if err := l.sleep(ctx, d); err != nil {
				return err
			}
		}
		l.times = l.times[1:]
	}
	l.times = append(l.times, l.now())
	return ctx.Err()
}

// sleepContext waits for d or until ctx ends, whichever is first.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
