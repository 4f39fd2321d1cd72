package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/api"
	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// logBuffer collects log output safely while the server writes it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// wantErrorBody checks the documented error document (spec §1.3).
func wantErrorBody(t *testing.T, r *apitest.Resp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	m := r.JSON()
	if st, _ := m["status"].(float64); int(st) != status || m["status_text"] != http.StatusText(status) {
		t.Errorf("error body status: %s", r.Body)
	}
	if s, _ := m["message"].(string); s == "" {
		t.Errorf("error body without message: %s", r.Body)
	}
	if s, _ := m["request_id"].(string); s == "" || s != r.Header.Get("X-Request-ID") {
		t.Errorf("error body request_id %v vs header %q", m["request_id"], r.Header.Get("X-Request-ID"))
	}
}

// untilLimited sends requests until one is answered 429 and returns how many
// succeeded before it and the 429 response.
func untilLimited(t *testing.T, c *apitest.Client, method, path string, body any) (int, *apitest.Resp) {
	t.Helper()
	for i := 0; i < 20; i++ {
		r := c.Do(method, path, body)
		if r.Status == http.StatusTooManyRequests {
			return i, r
		}
		if r.Status != http.StatusOK {
			t.Fatalf("%s %s: %s", method, path, r)
		}
	}
	t.Fatalf("%s %s: never limited", method, path)
	return 0, nil
}

func wantRetryAfter(t *testing.T, r *apitest.Resp) {
	t.Helper()
	wantErrorBody(t, r, http.StatusTooManyRequests)
	n, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || n < 1 {
		t.Errorf("Retry-After %q, want whole seconds ≥ 1", r.Header.Get("Retry-After"))
	}
}

func TestRateLimitPerUser(t *testing.T) {
	t.Parallel()
	// Nearly no refill: the burst is what each user gets during the test.
	e := apitest.NewWithOptions(t, store.SQLite, app.Config{}, api.Options{UserLimit: api.RateLimit{Rate: 0.001, Burst: 8}})
	other := e.NewUser(e.Admin, e.Boot.OrganizationID, "admin")
	n, r := untilLimited(t, e.Admin, "GET", "/v2/user", nil)
	if n == 0 || n > 8 {
		t.Fatalf("admin got %d requests before 429", n)
	}
	wantRetryAfter(t, r)
	// The limit is the user's, not the key's: another user of the same key
	// still gets through, and so does a call that identifies no user.
	if r := other.Do("GET", "/v2/user", nil); r.Status != http.StatusOK {
		t.Fatalf("another user: %s", r)
	}
	if r := e.Anon.Do("POST", "/auth/sign_in", map[string]string{"username": "nobody@example.test", "password": "x"}); r.Status == http.StatusTooManyRequests {
		t.Fatalf("key-only call limited by a user's limit: %s", r)
	}
}

func TestRateLimitPerAPIKey(t *testing.T) {
	t.Parallel()
	e := apitest.NewWithOptions(t, store.SQLite, app.Config{}, api.Options{KeyLimit: api.RateLimit{Rate: 0.001, Burst: 4}})
	otherKey, err := e.App.IssueAPIKey(context.Background(), e.Boot.OrganizationID, "second key")
	if err != nil {
		t.Fatal(err)
	}
	n, r := untilLimited(t, e.Admin, "GET", "/v2/user", nil)
	if n > 3 { // the sign-in of apitest.New took one token
		t.Fatalf("%d requests before 429 with a burst of 4", n)
	}
	wantRetryAfter(t, r)
	// Key-only operations count too.
	if r := e.Anon.Do("POST", "/auth/sign_in", map[string]string{"username": "root@platform.test", "password": apitest.AdminPassword}); r.Status != http.StatusTooManyRequests {
		t.Fatalf("sign-in with the exhausted key: %s", r)
	}
	if r := e.SignIn(otherKey, "root@platform.test", apitest.AdminPassword).Do("GET", "/v2/user", nil); r.Status != http.StatusOK {
		t.Fatalf("another key: %s", r)
	}
	// No key at all is 401, not 429: nothing identifies whom to limit.
	if r := e.NoKey.Do("GET", "/v2/user", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("no key: %s", r)
	}
}

func TestRateLimitRefills(t *testing.T) {
	t.Parallel()
	e := apitest.NewWithOptions(t, store.SQLite, app.Config{}, api.Options{UserLimit: api.RateLimit{Rate: 20, Burst: 1}})
	_, r := untilLimited(t, e.Admin, "GET", "/v2/user", nil)
	wantRetryAfter(t, r)
	apitest.Eventually(t, 3*time.Second, "token refilled", func() bool {
		return e.Admin.Do("GET", "/v2/user", nil).Status == http.StatusOK
	})
}

func TestBodyLimitPerOperation(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, store.SQLite)
	pad := strings.Repeat("x", 20<<10)
	// Sign-in takes at most 16 KiB, well under the default.
	r := e.Anon.Do("POST", "/auth/sign_in", fmt.Sprintf(`{"username":"root@platform.test","password":%q}`, pad))
	wantErrorBody(t, r, http.StatusRequestEntityTooLarge)
	// The default limit (1 MiB) on an ordinary write operation.
	big := fmt.Sprintf(`{"name":%q}`, strings.Repeat("x", api.MaxJSONBody))
	wantErrorBody(t, e.Admin.Do("POST", "/v2/organizations", big), http.StatusRequestEntityTooLarge)
	// Without Content-Length (chunked), the limit is enforced while reading.
	req, err := http.NewRequest("POST", e.URL+"/v2/organizations", io.MultiReader(strings.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-KEY", e.Admin.Key)
	req.Header.Set("Authorization", e.Admin.Auth)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	wantErrorBody(t, &apitest.Resp{Status: res.StatusCode, Header: res.Header, Body: b}, http.StatusRequestEntityTooLarge)
	// A body under the limit still works.
	if r := e.Admin.Do("POST", "/auth/sign_in", map[string]string{"username": "root@platform.test", "password": apitest.AdminPassword}); r.Status != http.StatusOK {
		t.Fatalf("small sign-in: %s", r)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, store.SQLite)
	for _, r := range []*apitest.Resp{e.NoKey.Do("GET", "/healthz", nil), e.NoKey.Do("GET", "/v2/user", nil),
		e.Admin.Do("GET", "/v2/user", nil), e.NoKey.Do("GET", "/nowhere", nil), e.NoKey.Do("GET", "/docs", nil)} {
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%d response lacks security headers: %v", r.Status, r.Header)
		}
		if r.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("HSTS over plain HTTP: %v", r.Header)
		}
	}
	if r := e.NoKey.Do("GET", "/docs", nil); r.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("/docs lost its CSP")
	}
}

// TestClientGoneIsNotAnError: a client that disconnects while its request is
// being served is logged at debug level, not as an internal error; a real
// internal error still is one.
func TestClientGoneIsNotAnError(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		logs := &logBuffer{}
		log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		e := apitest.NewWithOptions(t, engine, app.Config{}, api.Options{Log: log})
		started := make(chan struct{}, 1)
		api.Handle(e.API, api.Op{Method: "GET", Path: "/test/slow", Summary: "waits for the client to leave", Auth: api.AuthNone},
			func(c *api.Ctx, _ *api.NoBody) (*api.Empty, error) {
				started <- struct{}{}
				// A real query on the request context, as handlers do.
				_, err := e.Store.R().CountUsers(c.Context())
				for err == nil {
					_, err = e.Store.R().CountUsers(c.Context())
				}
				return nil, fmt.Errorf("count users: %w", err)
			})
		api.Handle(e.API, api.Op{Method: "GET", Path: "/test/broken", Summary: "fails", Auth: api.AuthNone},
			func(c *api.Ctx, _ *api.NoBody) (*api.Empty, error) { return nil, errors.New("disk on fire") })

		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", e.URL+"/test/slow", nil)
		done := make(chan error, 1)
		go func() {
			res, err := http.DefaultClient.Do(req)
			if err == nil {
				res.Body.Close()
			}
			done <- err
		}()
		<-started
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("client: %v", err)
		}
		apitest.Eventually(t, 5*time.Second, "client gone logged", func() bool {
			return strings.Contains(logs.String(), `msg="client gone"`)
		})
		out := logs.String()
		if !strings.Contains(out, "level=DEBUG msg=\"client gone\"") || strings.Contains(out, "level=ERROR") {
			t.Fatalf("client gone must be DEBUG and nothing ERROR:\n%s", out)
		}
		if r := e.NoKey.Do("GET", "/test/broken", nil); r.Status != http.StatusInternalServerError {
			t.Fatalf("broken: %s", r)
		}
		if !strings.Contains(logs.String(), `level=ERROR msg="internal error"`) {
			t.Fatalf("a real internal error is still logged as one:\n%s", logs.String())
		}
	})
}
