package httpcheck

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
)

// The path phase asks for well-known paths and for directories linked from
// "/", sequentially, within a fixed request budget per port. Checks cannot
// reach the scan profile's rate limit (checks.Target carries none), so
// politeness is this bound, one request at a time and a pause between them.
const (
	// pathBudget bounds the requests of the phase per port, the shared
	// root fetch (one request plus up to maxRedirects) included.
	pathBudget = 40
	// baselines is the number of random paths asked for first to learn how
	// the server answers for paths that do not exist.
	baselines = 2
	// probeTimeout bounds one request of the phase.
	probeTimeout = 5 * time.Second
	// maxFailures stops the phase after that many connection failures in a
	// row: the server is gone or refuses us.
	maxFailures = 3
)

// probePause is the pause between two requests of the phase.
var probePause = 25 * time.Millisecond

// pathHit is one exposed path.
type pathHit struct {
	url, status, snippet string
}

func (h pathHit) String() string { return fmt.Sprintf("GET %s -> %s, %s", h.url, h.status, h.snippet) }

// pathReport is what the phase found, by check ID. stopped says why the phase
// ended before probing every path (context done, the server asking to slow
// down, connections failing), nil when it completed.
type pathReport struct {
	hits    map[string][]pathHit
	stopped error
}

// errBudget ends the phase when the request budget is spent.
var errBudget = errors.New("request budget spent")

// pathResults runs the path phase once per target for all path checks.
func pathResults(ctx context.Context, t checks.Target) (*pathReport, error) {
	return checks.Shared(ctx, t, "http.paths", func(ctx context.Context) (*pathReport, error) {
		return probePaths(ctx, t)
	})
}

// evalPath returns the evidence of check id from the path phase. With no hit,
// a phase that stopped early could not decide and its reason is the error.
func evalPath(id string) func(context.Context, checks.Target) (string, bool, error) {
	return func(ctx context.Context, t checks.Target) (string, bool, error) {
		r, err := pathResults(ctx, t)
		if err != nil {
			return "", false, err
		}
		hits := r.hits[id]
		if len(hits) == 0 {
			return "", false, r.stopped
		}
		lines := make([]string, len(hits))
		for i, h := range hits {
			lines[i] = h.String()
		}
		return strings.Join(lines, "\n"), true, nil
	}
}

// pathSession holds the state of one phase.
type pathSession struct {
	t        checks.Target
	c        *http.Client
	left     int
	sent     int
	failures int
	base     []*page // answers for random nonexistent paths
	basePath []string
}

// probePaths runs the phase. It returns an error only when "/" cannot be
// fetched; later problems end the phase early and are recorded in stopped.
func probePaths(ctx context.Context, t checks.Target) (*pathReport, error) {
	rootPage, err := root(ctx, t)
	if err != nil {
		return nil, err
	}
	c := client(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// Raw bytes, never transparently gunzipped: matchers read magic numbers.
	c.Transport.(*http.Transport).DisableCompression = true
	s := &pathSession{t: t, c: c, left: pathBudget - 1 - maxRedirects}
	r := &pathReport{hits: map[string][]pathHit{}}
	r.stopped = s.run(ctx, rootPage, r)
	if errors.Is(r.stopped, errBudget) {
		r.stopped = nil // the budget is the plan, not a failure
	}
	return r, nil
}

func (s *pathSession) run(ctx context.Context, rootPage *page, r *pathReport) error {
	for range baselines {
		path := "/" + randomName()
		if len(s.base) == 1 {
			path += ".php" // PHP front controllers often answer scripts differently
		}
		p, err := s.fetch(ctx, path)
		if err != nil {
			return err
		}
		s.base = append(s.base, p)
		s.basePath = append(s.basePath, path)
	}
	listing := containsRe(listingSignatures)
	if snip, ok := s.judge(rootPage, "/", listing); ok {
		r.hits[idListing] = append(r.hits[idListing], pathHit{rootPage.url, rootPage.status, snip})
	}
	for _, pr := range pathProbes {
		p, err := s.fetch(ctx, pr.path)
		if err != nil {
			return err
		}
		if snip, ok := s.judge(p, pr.path, pr.match); ok {
			r.hits[pr.check] = append(r.hits[pr.check], pathHit{p.url, p.status, snip})
		}
	}
	for _, dir := range listingCandidates(s.t, rootPage) {
		p, err := s.fetch(ctx, dir)
		if err != nil {
			return err
		}
		if snip, ok := s.judge(p, dir, listing); ok {
			r.hits[idListing] = append(r.hits[idListing], pathHit{p.url, p.status, snip})
		}
	}
	return nil
}

// fetch asks for path within the budget, pausing before each request. A
// connection failure returns a nil page and no error until maxFailures in a
// row; a 429 or 503 ends the phase.
func (s *pathSession) fetch(ctx context.Context, path string) (*page, error) {
	if s.left <= 0 {
		return nil, errBudget
	}
	if s.sent > 0 {
		select {
		case <-time.After(probePause):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	s.left--
	s.sent++
	rctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	p, err := get(rctx, s.t, s.c, http.MethodGet, path, nil)
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		s.failures++
		if s.failures >= maxFailures {
			return nil, fmt.Errorf("path probes stopped after %d requests: %w", s.sent, err)
		}
		return nil, nil
	case p.code == http.StatusTooManyRequests || p.code == http.StatusServiceUnavailable:
		return nil, fmt.Errorf("path probes stopped after %d requests: GET %s -> %s (the server asks to slow down)", s.sent, p.url, p.status)
	}
	s.failures = 0
	return p, nil
}

// judge applies m to a 200 answer that does not look like the server's answer
// for nonexistent paths, and that m would not also accept for such a path.
func (s *pathSession) judge(p *page, path string, m matcher) (string, bool) {
	if p == nil || p.code != http.StatusOK {
		return "", false
	}
	snip, ok := m(p)
	if !ok {
		return "", false
	}
	for i, b := range s.base {
		if b == nil || b.code != http.StatusOK {
			continue
		}
		if _, also := m(b); also || sameAnswer(b, s.basePath[i], p, path) {
			return "", false
		}
	}
	return snip, true
}

// sameAnswer reports whether p (for path) is the same page as the soft-404
// baseline b (for bpath): identical once both paths and all digits are
// blanked, or of the same type and nearly the same length.
func sameAnswer(b *page, bpath string, p *page, path string) bool {
	if b.header.Get("Content-Type") != p.header.Get("Content-Type") {
		return false
	}
	if bytes.Equal(normalise(b.body, bpath), normalise(p.body, path)) {
		return true
	}
	lb, lp := len(b.body), len(p.body)
	return lb > 0 && lp > 0 && abs(lb-lp)*50 <= max(lb, lp) // within 2%
}

var digits = regexp.MustCompile(`[0-9]+`)

func normalise(body []byte, path string) []byte {
	b := bytes.ReplaceAll(body, []byte(path), nil)
	b = bytes.ReplaceAll(b, []byte(strings.Trim(path, "/")), nil)
	return digits.ReplaceAll(b, []byte("0"))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func randomName() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "perimeter-" + hex.EncodeToString(b)
}
