package api

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/perimeterhq/perimeter/internal/errs"
)

// RateLimit is a token bucket: Rate requests per second on average, Burst at
// once. A zero Rate means no limit.
type RateLimit struct {
	Rate  float64
	Burst int
}

// limiterIdle is how long a bucket goes unused before it is forgotten; by then
// it has refilled completely, so forgetting it changes nothing.
const limiterIdle = 10 * time.Minute

// limiters holds one token bucket per subject (an API key id, a user id) in
// this process's memory. Every node limits on its own: with N nodes a
// subject gets up to N times the rate, which is acceptable for abuse control.
type limiters struct {
	limit RateLimit
	what  string // "API key" or "user", for the error message

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	used time.Time
}

func newLimiters(l RateLimit, what string) *limiters {
	if l.Rate <= 0 {
		return nil
	}
	if l.Burst < 1 {
		l.Burst = max(1, int(l.Rate))
	}
	return &limiters{limit: l, what: what, buckets: map[string]*bucket{}}
}

// allow takes a token for subject, or returns a rate_limited error saying how
// long to wait (Retry-After). A nil *limiters allows everything.
func (ls *limiters) allow(subject string, now time.Time) error {
	if ls == nil || subject == "" {
		return nil
	}
	ls.mu.Lock()
	if now.Sub(ls.swept) > limiterIdle {
		for k, b := range ls.buckets {
			if now.Sub(b.used) > limiterIdle {
				delete(ls.buckets, k)
			}
		}
		ls.swept = now
	}
	b := ls.buckets[subject]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(ls.limit.Rate), ls.limit.Burst)}
		ls.buckets[subject] = b
	}
	b.used = now
	res := b.lim.ReserveN(now, 1)
	ls.mu.Unlock()
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return &errs.Error{Code: errs.RateLimited, RetryAfter: max(d, time.Second),
			Message: "Too many requests for this " + ls.what + "; retry after the time in Retry-After"}
	}
	return nil
}

// rateLimit applies the per-API-key and per-user limits once a request is
// authenticated. Operations without authentication are not limited here.
func (a *API) rateLimit(c *Ctx) error {
	now := time.Now()
	// Every console user shares the console's key: limiting it per key would
	// throttle them all together. Signed-in, the per-user limit applies;
	// before that (sign-in and other pre-session calls), the key's limit
	// applies per client address.
	subject := c.Key.ID
	if c.Key.Console {
		subject = ""
		if c.Actor == nil {
			subject = c.Key.ID + " " + clientIP(c.R)
		}
	}
	if err := a.keyLimits.allow(subject, now); err != nil {
		return err
	}
	if c.Actor != nil {
		return a.userLimits.allow(c.Actor.User.ID, now)
	}
	return nil
}

// clientGone reports whether the request's own context ended: the client
// disconnected, or the server is shutting down. Whatever error the handler
// returned then (context.Canceled, a driver's "interrupted") is a consequence,
// not a server fault.
func clientGone(r *http.Request) bool { return r.Context().Err() != nil }

// statusClientClosed is what the access log and metrics record for a request
// whose client went away before the answer (nginx's 499); nobody reads it.
const statusClientClosed = 499

// writeClientGone logs a request abandoned by its client at debug level.
func writeClientGone(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	log.Debug("client gone", "request_id", requestID(r), "method", r.Method, "path", r.URL.Path, "err", err)
	w.WriteHeader(statusClientClosed)
}
