package feed

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// fetcher performs GET requests with the sync's safety rules: an https-only
// URL policy (plain http for loopback or when explicitly allowed, also on
// redirects), a size limit on every body, and retries with exponential
// backoff on the statuses NVD uses for overload and rate limiting.
type fetcher struct {
	client     *http.Client
	allowHTTP  bool
	maxRetries int
	backoff    time.Duration
	maxBackoff time.Duration
	sleep      func(context.Context, time.Duration) error
	logf       func(format string, args ...any)
	userAgent  string
}

// response is a fetched body, or NotModified for a 304.
type response struct {
	body         []byte
	notModified  bool
	etag         string
	lastModified string
}

// errTooLarge reports a body over the limit; retrying will not help.
var errTooLarge = errors.New("response body exceeds the size limit")

func newHTTPClient(base *http.Client, allowHTTP bool) *http.Client {
	var c http.Client
	if base != nil {
		c = *base
	} else {
		c = http.Client{
			Timeout: 10 * time.Minute, // a 2,000-record NVD page can be tens of MB on a slow link
			Transport: &http.Transport{
				Proxy:                 http.ProxyFromEnvironment,
				DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
				TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
				TLSHandshakeTimeout:   30 * time.Second,
				ResponseHeaderTimeout: 2 * time.Minute,
				IdleConnTimeout:       90 * time.Second,
				ForceAttemptHTTP2:     true,
			},
		}
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		return checkURL(req.URL, allowHTTP)
	}
	return &c
}

// checkURL enforces the URL policy: https always; http only for a loopback
// host (tests' fake servers) or with allowHTTP; nothing else.
func checkURL(u *url.URL, allowHTTP bool) error {
	switch {
	case u.Host == "":
		return fmt.Errorf("%q: no host", u.Redacted())
	case u.Scheme == "https":
		return nil
	case u.Scheme != "http":
		return fmt.Errorf("%q: scheme %q, want https", u.Redacted(), u.Scheme)
	case allowHTTP || isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("%q: refusing plain http to a non-loopback host (use https, or allow http explicitly)", u.Redacted())
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// get fetches rawURL. before runs ahead of every attempt (the NVD rate
// limiter). It retries network errors and 403/429/500/502/503/504 up to
// maxRetries times, honouring Retry-After, and returns an error naming the
// URL (without its query, which can be long) otherwise.
func (f *fetcher) get(ctx context.Context, rawURL string, header http.Header, limit int64, before func(context.Context) error) (response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return response{}, err
	}
	if err := checkURL(u, f.allowHTTP); err != nil {
		return response{}, err
	}
	name := u.Scheme + "://" + u.Host + u.Path
	for attempt := 0; ; attempt++ {
		if before != nil {
			if err := before(ctx); err != nil {
				return response{}, err
			}
		}
		resp, retryAfter, err := f.once(ctx, u, header, limit)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil || !retryable(err) || attempt >= f.maxRetries {
			return response{}, fmt.Errorf("GET %s: %w", name, err)
		}
		wait := min(f.backoff<<attempt, f.maxBackoff)
		if retryAfter > 0 {
			wait = min(retryAfter, f.maxBackoff)
		}
		f.logf("GET %s: %v; retrying in %v", name, err, wait)
		if err := f.sleep(ctx, wait); err != nil {
			return response{}, err
		}
	}
}

func (f *fetcher) once(ctx context.Context, u *url.URL, header http.Header, limit int64) (response, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return response{}, 0, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", f.userAgent)
	resp, err := f.client.Do(req)
	if err != nil {
		return response{}, 0, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return response{notModified: true}, 0, nil
	case resp.StatusCode != http.StatusOK:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return response{}, retryAfter(resp.Header.Get("Retry-After")), &statusError{code: resp.StatusCode, message: resp.Header.Get("message")}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return response{}, 0, err
	}
	if int64(len(body)) > limit {
		return response{}, 0, fmt.Errorf("%w (%d bytes)", errTooLarge, limit)
	}
	return response{body: body, etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}, 0, nil
}

// retryable reports whether another attempt may succeed: network errors and
// the statuses statusError.retryable lists, not an oversized body.
func retryable(err error) bool {
	var se *statusError
	if errors.As(err, &se) {
		return se.retryable()
	}
	return !errors.Is(err, errTooLarge)
}

// statusError is a non-200 answer. NVD explains 4xx errors in a "message"
// response header.
type statusError struct {
	code    int
	message string
}

func (e *statusError) Error() string {
	s := fmt.Sprintf("status %d %s", e.code, http.StatusText(e.code))
	if e.message != "" {
		s += ": " + e.message
	}
	return s
}

// retryable: NVD answers 403 and 429 when the rate limit is exceeded and
// 503/504 under load; 500 and 502 are transient on its side too.
func (e *statusError) retryable() bool {
	switch e.code {
	case http.StatusForbidden, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryAfter parses a Retry-After header (seconds or an HTTP date).
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}
