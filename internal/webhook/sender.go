package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Sender posts deliveries through a Guard, with a timeout per request, no
// redirects, no proxy, and at most PerHost requests in flight per destination
// (so one slow receiver cannot take every worker, and no receiver gets more
// than a bounded burst).
type Sender struct {
	guard   *Guard
	client  *http.Client
	version string
	perHost int

	mu    sync.Mutex
	slots map[string]chan struct{}
}

// SenderOptions configures a Sender.
type SenderOptions struct {
	Timeout time.Duration // per request, connection included (default 10 s)
	PerHost int           // requests in flight per destination host:port (default 8)
	Version string        // User-Agent: CloneGuard-Hook/<Version>
	TLS     *tls.Config   // tests trust their own CA; nil = system roots
}

// NewSender returns a Sender that connects through g.
func NewSender(g *Guard, opt SenderOptions) *Sender {
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.PerHost <= 0 {
		opt.PerHost = 8
	}
	if opt.Version == "" {
		opt.Version = "dev"
	}
	tr := &http.Transport{
		Proxy:               nil, // a proxy would make the connection on our behalf, past the guard
		DialContext:         g.DialContext,
		TLSClientConfig:     opt.TLS,
		TLSHandshakeTimeout: opt.Timeout,
		MaxIdleConnsPerHost: opt.PerHost,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	return &Sender{guard: g, version: opt.Version, perHost: opt.PerHost, slots: map[string]chan struct{}{},
		client: &http.Client{Transport: tr, Timeout: opt.Timeout,
			// A redirect could point anywhere, the guard's refusals included:
			// the 3xx answer is the result, and it is not a success.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Request is one attempt to make.
type Request struct {
	URL        string
	Secret     string
	Event      string
	DeliveryID string
	Body       []byte
}

// ErrShutdown is returned by Send when ctx ended before or during the
// attempt: the attempt did not happen as far as the receiver's answer goes,
// and must be made again.
var ErrShutdown = errors.New("webhook: cancelled before the attempt finished")

// Send makes one attempt and describes it. Failures of the receiver (refused
// address, timeout, non-2xx) are in the Attempt; the error is ErrShutdown
// only, when ctx ended.
func (s *Sender) Send(ctx context.Context, r Request) (Attempt, error) {
	u, err := ParseURL(r.URL)
	if err != nil {
		return Attempt{StartedAt: time.Now().UTC(), Error: "invalid URL: " + err.Error()}, nil
	}
	release, err := s.acquire(ctx, u.Host)
	if err != nil {
		return Attempt{}, ErrShutdown
	}
	defer release()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return Attempt{StartedAt: time.Now().UTC(), Error: "invalid request: " + err.Error()}, nil
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgentPrefix+s.version)
	req.Header.Set(HeaderEvent, r.Event)
	req.Header.Set(HeaderDelivery, r.DeliveryID)
	req.Header.Set(HeaderSignature, Sign(r.Secret, r.Body))
	a := Attempt{RequestHeaders: req.Header.Clone(), StartedAt: time.Now().UTC()}
	start := time.Now()
	res, err := s.client.Do(req)
	if err != nil {
		a.Duration = time.Since(start)
		if ctx.Err() != nil {
			return a, ErrShutdown
		}
		a.Error, a.Refused = describe(err), IsRefused(err)
		return a, nil
	}
	defer res.Body.Close()
	body, rerr := io.ReadAll(io.LimitReader(res.Body, MaxResponseBody+1))
	a.Duration = time.Since(start)
	a.ResponseStatus, a.ResponseHeaders = res.StatusCode, res.Header.Clone()
	if len(body) > MaxResponseBody {
		body, a.ResponseTruncated = body[:MaxResponseBody], true
	}
	a.ResponseBody = body
	switch {
	case rerr != nil && ctx.Err() != nil:
		return a, ErrShutdown
	case res.StatusCode >= 300 && res.StatusCode < 400:
		a.Error = fmt.Sprintf("redirect not followed (%d to %q)", res.StatusCode, res.Header.Get("Location"))
	case res.StatusCode < 200 || res.StatusCode >= 300:
		a.Error = fmt.Sprintf("receiver answered %d", res.StatusCode)
	}
	return a, nil
}

// describe turns a client error into the reason shown in the delivery log:
// the guard's refusal verbatim, otherwise the transport's words.
func describe(err error) string {
	var r *RefusedError
	if errors.As(err, &r) {
		return r.Error()
	}
	var to interface{ Timeout() bool }
	if errors.As(err, &to) && to.Timeout() {
		return "timed out: " + err.Error()
	}
	return err.Error()
}

// acquire takes one of the destination's request slots, waiting while they
// are all in use.
func (s *Sender) acquire(ctx context.Context, host string) (func(), error) {
	s.mu.Lock()
	ch, ok := s.slots[host]
	if !ok {
		ch = make(chan struct{}, s.perHost)
		s.slots[host] = ch
	}
	s.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// InFlight reports how many requests to host are in flight (tests and metrics).
func (s *Sender) InFlight(host string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.slots[host])
}
