package console_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/api"
	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/console"
	"github.com/perimeterhq/perimeter/internal/secret"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

type req struct {
	method, path string
	key          string
	auth         string // Authorization
	cookie       string // session cookie value
	csrf         string // X-CSRF-Token
	header       map[string]string
	body         string
}

type resp struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, base string, r req) resp {
	t.Helper()
	var rd io.Reader
	if r.body != "" {
		rd = strings.NewReader(r.body)
	}
	hr, err := http.NewRequest(r.method, base+r.path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if r.key != "" {
		hr.Header.Set("X-API-KEY", r.key)
	}
	if r.auth != "" {
		hr.Header.Set("Authorization", r.auth)
	}
	if r.cookie != "" {
		hr.AddCookie(&http.Cookie{Name: app.ConsoleCookie, Value: r.cookie})
	}
	if r.csrf != "" {
		hr.Header.Set("X-CSRF-Token", r.csrf)
	}
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, string(b)}
}

// consoleSignIn signs in like the console does and returns the session token
// (as the cookie would hold it) and the CSRF token.
func consoleSignIn(t *testing.T, e *apitest.Env, key, email, password string) (token, csrf string) {
	t.Helper()
	r := do(t, e.URL, req{method: "POST", path: "/auth/sign_in", key: key, body: `{"username":"` + email + `","password":"` + password + `"}`})
	if r.status != 200 {
		t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	var in struct{ Token string }
	_ = json.Unmarshal([]byte(r.body), &in)
	r = do(t, e.URL, req{method: "POST", path: "/console/session", key: key, auth: "Bearer " + in.Token})
	if r.status != 200 {
		t.Fatalf("console session: %d %s", r.status, r.body)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.Unmarshal([]byte(r.body), &out)
	return in.Token, out.CSRF
}

func TestConsoleSessionCookie(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e, key := newEnv(t, engine, api.Options{})
		if got := do(t, e.URL, req{method: "GET", path: "/console/config"}); got.status != 200 || !strings.Contains(got.body, key) ||
			got.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("config: %d %s %v", got.status, got.body, got.header)
		}

		// The cookie: HttpOnly, SameSite=Strict, the whole site, the session's expiry.
		r := do(t, e.URL, req{method: "POST", path: "/auth/sign_in", key: key, body: `{"username":"root@platform.test","password":"` + apitest.AdminPassword + `"}`})
		var in struct{ Token string }
		_ = json.Unmarshal([]byte(r.body), &in)
		r = do(t, e.URL, req{method: "POST", path: "/console/session", key: key, auth: "Bearer " + in.Token})
		sc := r.header.Get("Set-Cookie")
		for _, want := range []string{app.ConsoleCookie + "=" + in.Token, "HttpOnly", "SameSite=Strict", "Path=/", "Expires="} {
			if !strings.Contains(sc, want) {
				t.Errorf("Set-Cookie %q lacks %q", sc, want)
			}
		}
		if strings.Contains(r.body, in.Token) {
			t.Error("POST /console/session must not echo the token")
		}
		csrf := e.App.ConsoleCSRF(in.Token)
		if !strings.Contains(r.body, csrf) {
			t.Fatalf("csrf token missing: %s", r.body)
		}
		if do(t, e.URL, req{method: "POST", path: "/console/session", key: key, auth: "Bearer pms_nope"}).status != 401 {
			t.Error("an invalid token must not become a cookie")
		}

		tok := in.Token
		cases := []struct {
			name string
			r    req
			want int
		}{
			{"cookie and CSRF token", req{method: "GET", path: "/v2/user", key: key, cookie: tok, csrf: csrf}, 200},
			{"cookie without CSRF token", req{method: "GET", path: "/v2/user", key: key, cookie: tok}, 401},
			{"cookie with a wrong CSRF token", req{method: "GET", path: "/v2/user", key: key, cookie: tok, csrf: flipLast(csrf)}, 401},
			{"CSRF token of another session", req{method: "GET", path: "/v2/user", key: key, cookie: tok, csrf: e.App.ConsoleCSRF("pms_other")}, 401},
			{"the CSRF token is not a hash anyone can compute", req{method: "GET", path: "/v2/user", key: key, cookie: tok, csrf: secret.Hash(tok)}, 401},
			{"cookie without API key", req{method: "GET", path: "/v2/user", cookie: tok, csrf: csrf}, 401},
			// What a page of another site can make a browser send: the cookie
			// (were SameSite not Strict), a form body, no custom header.
			{"cross-site form post", req{method: "POST", path: "/v2/targets", cookie: tok, header: map[string]string{"Origin": "https://evil.example",
				"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site"}, body: "name=x&hosts=10.0.0.1"}, 401},
			{"cross-site with the key but no CSRF token", req{method: "POST", path: "/v2/targets", key: key, cookie: tok,
				header: map[string]string{"Origin": "https://evil.example"}, body: `{"name":"x","hosts":"10.0.0.1"}`}, 401},
			// An Authorization header wins over the cookie, whatever it says.
			{"Authorization header beats the cookie", req{method: "GET", path: "/v2/user", key: key, cookie: tok, csrf: csrf, auth: "Bearer pms_invalid"}, 401},
			{"the cookie is not a Basic access token", req{method: "GET", path: "/v2/user", key: key, cookie: tok, csrf: csrf, auth: "Basic " + tok}, 401},
			{"resume: CSRF token for the cookie", req{method: "GET", path: "/console/session", key: key, cookie: tok}, 200},
			{"resume without cookie", req{method: "GET", path: "/console/session", key: key}, 401},
			{"resume with a forged cookie", req{method: "GET", path: "/console/session", key: key, cookie: "pms_forged"}, 401},
		}
		for _, c := range cases {
			if got := do(t, e.URL, c.r); got.status != c.want {
				t.Errorf("%s: %d, want %d: %s", c.name, got.status, c.want, got.body)
			}
		}
		// No CORS: a cross-origin script cannot read answers or send the custom headers.
		pre := do(t, e.URL, req{method: "OPTIONS", path: "/v2/user", header: map[string]string{"Origin": "https://evil.example",
			"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-csrf-token,x-api-key"}})
		if pre.header.Get("Access-Control-Allow-Origin") != "" || pre.header.Get("Access-Control-Allow-Headers") != "" {
			t.Errorf("preflight must not be granted: %v", pre.header)
		}

		// Sign-out through the cookie revokes the session; the cookie is cleared.
		if got := do(t, e.URL, req{method: "DELETE", path: "/auth/sign_out", key: key, cookie: tok, csrf: csrf}); got.status != 204 {
			t.Fatalf("sign out: %d %s", got.status, got.body)
		}
		clear := do(t, e.URL, req{method: "DELETE", path: "/console/session"})
		if sc := clear.header.Get("Set-Cookie"); clear.status != 204 || !strings.Contains(sc, "Max-Age=0") {
			t.Errorf("clear cookie: %d %q", clear.status, sc)
		}
		if got := do(t, e.URL, req{method: "GET", path: "/v2/user", key: key, cookie: tok, csrf: csrf}); got.status != 401 {
			t.Errorf("revoked session still works through the cookie: %d", got.status)
		}
		if got := do(t, e.URL, req{method: "GET", path: "/console/session", key: key, cookie: tok}); got.status != 401 {
			t.Errorf("revoked session resumes: %d", got.status)
		}
	})
}

func TestConsoleKey(t *testing.T) {
	e, key := newEnv(t, "sqlite", api.Options{})
	again, err := e.App.EnsureConsoleKey(context.Background())
	if err != nil || again != key || !strings.HasPrefix(key, secret.PrefixAPIKey) {
		t.Fatalf("EnsureConsoleKey again: %q %v (first %q)", again, err, key)
	}
	if key != e.App.ConsoleKey() {
		t.Fatal("the stored key must be the derived one")
	}
	k, err := e.Store.R().APIKeyByHash(context.Background(), secret.Hash(key))
	if err != nil || !k.Console || k.Name != app.ConsoleKeyName || k.OrganizationID != e.Boot.OrganizationID {
		t.Fatalf("stored console key: %+v %v", k, err)
	}
	// Alone, the key reaches only what needs no user.
	if got := do(t, e.URL, req{method: "GET", path: "/v2/scans", key: key}); got.status != 401 {
		t.Errorf("console key without a user: %d", got.status)
	}
	// A user of a customer organization signs in through it (platform key: an ancestor of every organization).
	org := e.Admin.Do("POST", "/v2/organizations", map[string]any{"name": "Acme"})
	orgID := org.Str("organization.id")
	u := e.Admin.Do("POST", "/v2/users", map[string]any{"email": "ann@acme.test", "first_name": "Ann", "last_name": "Lee",
		"organization_id": orgID, "role": "user", "password": "a-long-password", "confirmed": true})
	if u.Status != 201 {
		t.Fatalf("create user: %s", u)
	}
	tok, csrf := consoleSignIn(t, e, key, "ann@acme.test", "a-long-password")
	me := do(t, e.URL, req{method: "GET", path: "/v2/user", key: key, cookie: tok, csrf: csrf})
	if me.status != 200 || !strings.Contains(me.body, orgID) {
		t.Fatalf("customer user through the console key: %d %s", me.status, me.body)
	}
}

func TestConsoleKeyRateLimit(t *testing.T) {
	// Per key: 1/s with bursts of 6 (the setup below spends 4). Per user: generous.
	e, key := newEnv(t, "sqlite", api.Options{KeyLimit: api.RateLimit{Rate: 1, Burst: 6}, UserLimit: api.RateLimit{Rate: 1000, Burst: 1000}})
	org := e.Admin.Do("POST", "/v2/organizations", map[string]any{"name": "Acme"})
	for _, email := range []string{"a@acme.test", "b@acme.test"} {
		if r := e.Admin.Do("POST", "/v2/users", map[string]any{"email": email, "first_name": "A", "last_name": "B",
			"organization_id": org.Str("organization.id"), "role": "user", "password": "a-long-password", "confirmed": true}); r.Status != 201 {
			t.Fatalf("create user: %s", r)
		}
	}
	// Two users share the console key: far beyond the per-key limit, neither is throttled.
	for _, email := range []string{"a@acme.test", "b@acme.test"} {
		tok, csrf := consoleSignIn(t, e, key, email, "a-long-password")
		for i := range 20 {
			if r := do(t, e.URL, req{method: "GET", path: "/v2/user", key: key, cookie: tok, csrf: csrf}); r.status != 200 {
				t.Fatalf("%s request %d through the console key: %d %s", email, i, r.status, r.body)
			}
		}
	}
	// Any other key is limited as before.
	limited := false
	for range 10 {
		if r := do(t, e.URL, req{method: "GET", path: "/v2/user", key: e.Key, auth: e.Admin.Auth}); r.status == 429 {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("an ordinary API key must still be rate limited")
	}
	// Without a user (pre-session calls), the console key is limited per client address.
	limited = false
	for range 10 {
		if r := do(t, e.URL, req{method: "GET", path: "/console/session", key: key}); r.status == 429 {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("calls without a user through the console key must be limited per client address")
	}
}

func TestConsolePages(t *testing.T) {
	e, _ := newEnv(t, "sqlite", api.Options{})
	for _, path := range []string{"/", "/signin", "/scans/0190-whatever", "/findings?severity=high"} {
		r := do(t, e.URL, req{method: "GET", path: path})
		if r.status != 200 || !strings.Contains(r.body, `<script type="module" src="/assets/app.js">`) {
			t.Errorf("GET %s: %d", path, r.status)
		}
		if r.header.Get("Content-Security-Policy") != console.CSP || r.header.Get("X-Frame-Options") != "DENY" ||
			r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET %s headers: %v", path, r.header)
		}
		if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " style=") || strings.Contains(r.body, " onclick=") {
			t.Errorf("GET %s has inline script or style", path)
		}
	}
	if !strings.Contains(console.CSP, "script-src 'self';") || strings.Contains(console.CSP, "unsafe") {
		t.Errorf("CSP allows inline or eval: %s", console.CSP)
	}
	js := do(t, e.URL, req{method: "GET", path: "/assets/app.js"})
	if js.status != 200 || !strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript") || js.header.Get("ETag") == "" {
		t.Errorf("app.js: %d %v", js.status, js.header)
	}
	if r := do(t, e.URL, req{method: "GET", path: "/assets/app.js", header: map[string]string{"If-None-Match": js.header.Get("ETag")}}); r.status != 304 {
		t.Errorf("revalidation: %d", r.status)
	}
	// The console never shadows the API or the operational endpoints.
	for path, want := range map[string]int{"/assets/nope.js": 404, "/favicon.ico": 404, "/v2/nope": 404, "/auth/nope": 404, "/v2": 404,
		"/healthz": 200, "/openapi.json": 200, "/docs": 200, "/console/nope": 404} {
		r := do(t, e.URL, req{method: "GET", path: path})
		if r.status != want || strings.Contains(r.body, "/assets/app.js") {
			t.Errorf("GET %s: %d (want %d, not the console)", path, r.status, want)
		}
	}
	if r := do(t, e.URL, req{method: "POST", path: "/"}); r.status != 404 || !strings.Contains(r.body, `"status":404`) {
		t.Errorf("POST /: %d %s", r.status, r.body)
	}
	// Every asset the page names is embedded.
	for _, a := range []string{"/assets/app.css", "/assets/api.js", "/assets/dom.js", "/assets/charts.js", "/assets/dashboard.js",
		"/assets/scans.js", "/assets/wizard.js", "/assets/findings.js", "/assets/logo.svg", "/assets/crud.js", "/assets/portlists.js",
		"/assets/schedules.js", "/assets/scanners.js", "/assets/hosts.js", "/assets/exceptions.js", "/assets/audit.js",
		"/assets/notifications.js", "/assets/deliveries.js"} {
		if r := do(t, e.URL, req{method: "GET", path: a}); r.status != 200 {
			t.Errorf("GET %s: %d", a, r.status)
		}
	}
}

// flipLast changes a token's last character (to another one, whatever it was).
func flipLast(s string) string {
	last := "0"
	if s[len(s)-1] == '0' {
		last = "1"
	}
	return s[:len(s)-1] + last
}
