// Package apitest runs the real API over a real store on a loopback HTTP server
// for scenario tests: a bootstrapped platform, clients that sign in, and a
// table runner for {name, as, method, path, body, status, want} scenarios.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/api"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/blob"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// AdminPassword is the bootstrap superadmin's password in every Env.
const AdminPassword = "platform-admin-password"

// Env is a running API on a fresh database.
type Env struct {
	T     testing.TB
	Store *store.Store
	App   *app.App
	API   *api.API
	URL   string
	Key   string // the platform organization's API key
	Boot  app.BootstrapResult
	Admin *Client // signed-in superadmin of the platform
	Anon  *Client // API key, no user
	NoKey *Client // nothing at all
	idx   int
}

// New starts an Env on engine (see storetest.Engines).
func New(t testing.TB, engine string) *Env {
	t.Helper()
	return NewWithConfig(t, engine, app.Config{})
}

// NewWithConfig is New with app configuration (lockout thresholds, TTLs).
func NewWithConfig(t testing.TB, engine string, cfg app.Config) *Env {
	t.Helper()
	return NewWithOptions(t, engine, cfg, api.Options{})
}

// NewWithOptions is NewWithConfig with API options (rate limits, a logger to
// inspect); Version and Ready are filled in.
func NewWithOptions(t testing.TB, engine string, cfg app.Config, opt api.Options) *Env {
	t.Helper()
	s := storetest.Open(t, engine)
	if cfg.Version == "" {
		cfg.Version = "test"
	}
	if cfg.Blobs == nil {
		blobs, err := blob.NewDir(filepath.Join(t.TempDir(), "blobs"))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Blobs = blobs
	}
	a := app.New(s, cfg, opt.Log)
	boot, err := a.Bootstrap(context.Background(), "root@platform.test", AdminPassword)
	if err != nil {
		t.Fatal(err)
	}
	opt.Version, opt.Ready = "test", s.Ping
	h := api.New(a, opt)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &Env{T: t, Store: s, App: a, API: h, URL: srv.URL, Key: boot.APIKey, Boot: boot}
	e.Anon = &Client{env: e, Key: boot.APIKey}
	e.NoKey = &Client{env: e}
	e.Admin = e.SignIn(boot.APIKey, "root@platform.test", AdminPassword)
	return e
}

// Client sends requests with an API key and optional Authorization.
type Client struct {
	env   *Env
	Key   string
	Auth  string // full Authorization header value
	Email string
	http  *http.Client // nil: http.DefaultClient
}

// From returns a copy of c whose requests come from another loopback
// address (e.g. 127.0.0.2), for rules that depend on the client's address.
func (c *Client) From(ip string) *Client {
	cc := *c
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	cc.http = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	return &cc
}

// WithKey returns a copy of c using another API key.
func (c *Client) WithKey(key string) *Client { cc := *c; cc.Key = key; return &cc }

// WithAuth returns a copy of c with another Authorization header.
func (c *Client) WithAuth(auth string) *Client { cc := *c; cc.Auth = auth; return &cc }

// Resp is a response read whole.
type Resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a request; body is JSON-encoded unless it is a string or []byte.
func (c *Client) Do(method, path string, body any) *Resp {
	c.env.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.env.T.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.env.URL+path, rd)
	if err != nil {
		c.env.T.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Key != "" {
		req.Header.Set("X-API-KEY", c.Key)
	}
	if c.Auth != "" {
		req.Header.Set("Authorization", c.Auth)
	}
	hc := c.http
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		c.env.T.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.env.T.Fatal(err)
	}
	return &Resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// JSON decodes the body into a generic value.
func (r *Resp) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

// Get follows a dotted path ("user.id", "users.0.email") through the JSON body.
func (r *Resp) Get(path string) any {
	var cur any = r.JSON()
	for part := range strings.SplitSeq(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[part]
		case []any:
			var i int
			if _, err := fmt.Sscanf(part, "%d", &i); err != nil || i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	return cur
}

// Str is Get as a string ("" when absent).
func (r *Resp) Str(path string) string {
	s, _ := r.Get(path).(string)
	return s
}

func (r *Resp) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// SignIn signs in and returns a Bearer client, failing the test otherwise.
func (e *Env) SignIn(key, email, password string) *Client {
	e.T.Helper()
	r := (&Client{env: e, Key: key}).Do("POST", "/auth/sign_in", map[string]string{"username": email, "password": password})
	if r.Status != http.StatusOK || r.Str("token") == "" {
		e.T.Fatalf("sign in %s: %s", email, r)
	}
	return &Client{env: e, Key: key, Auth: "Bearer " + r.Str("token"), Email: email}
}

// NewOrg creates an organization as `as` and returns its id.
func (e *Env) NewOrg(as *Client, body map[string]any) string {
	e.T.Helper()
	r := as.Do("POST", "/v2/organizations", body)
	if r.Status != http.StatusCreated {
		e.T.Fatalf("create organization %v: %s", body, r)
	}
	return r.Str("organization.id")
}

// NewUser creates a confirmed user with a password in orgID and signs them in
// (with the platform key).
func (e *Env) NewUser(as *Client, orgID, role string) *Client {
	e.T.Helper()
	e.idx++
	email := fmt.Sprintf("user%d-%s@example.test", e.idx, role)
	r := as.Do("POST", "/v2/users", map[string]any{"email": email, "first_name": "User", "last_name": fmt.Sprint(e.idx),
		"organization_id": orgID, "role": role, "password": "a-long-password", "confirmed": true})
	if r.Status != http.StatusCreated {
		e.T.Fatalf("create user: %s", r)
	}
	return e.SignIn(e.Key, email, "a-long-password")
}

// Scenario is one request and what must come back.
type Scenario struct {
	Name   string
	As     *Client
	Method string
	Path   string
	Body   any
	Status int
	Want   []string // substrings the body must contain
	NotIn  []string // substrings the body must not contain
	Check  func(t *testing.T, r *Resp)
}

// Run runs scenarios as subtests, in order (later ones may rely on earlier ones).
func Run(t *testing.T, scenarios []Scenario) {
	t.Helper()
	for _, s := range scenarios {
		t.Run(s.Name, func(t *testing.T) {
			r := s.As.Do(s.Method, s.Path, s.Body)
			if r.Status != s.Status {
				t.Fatalf("%s %s: status %d, want %d; body %s", s.Method, s.Path, r.Status, s.Status, r.Body)
			}
			for _, w := range s.Want {
				if !bytes.Contains(r.Body, []byte(w)) {
					t.Errorf("%s %s: body lacks %q: %s", s.Method, s.Path, w, r.Body)
				}
			}
			for _, w := range s.NotIn {
				if bytes.Contains(r.Body, []byte(w)) {
					t.Errorf("%s %s: body must not contain %q: %s", s.Method, s.Path, w, r.Body)
				}
			}
			if r.Status >= 400 {
				checkErrorBody(t, r)
			}
			if s.Check != nil {
				s.Check(t, r)
			}
		})
	}
}

// checkErrorBody asserts the error document of spec §1.3.
func checkErrorBody(t *testing.T, r *Resp) {
	t.Helper()
	m := r.JSON()
	if m == nil {
		t.Fatalf("error body is not JSON: %s", r.Body)
	}
	if st, _ := m["status"].(float64); int(st) != r.Status {
		t.Errorf("error body status %v != %d", m["status"], r.Status)
	}
	if m["status_text"] != http.StatusText(r.Status) {
		t.Errorf("error body status_text %v", m["status_text"])
	}
	if s, _ := m["message"].(string); s == "" {
		t.Errorf("error body without message: %s", r.Body)
	}
	if s, _ := m["request_id"].(string); s == "" || s != r.Header.Get("X-Request-ID") {
		t.Errorf("error body request_id %v vs header %q", m["request_id"], r.Header.Get("X-Request-ID"))
	}
}

// NewNode starts another API node on e's database: a new App and server
// sharing only the store, as a second `serve` process would (its in-memory
// caches start empty).
func (e *Env) NewNode() *Env {
	e.T.Helper()
	n := *e
	n.App = app.New(e.Store, app.Config{Version: "test"}, nil)
	n.API = api.New(n.App, api.Options{Version: "test", Ready: e.Store.Ping})
	srv := httptest.NewServer(n.API)
	e.T.Cleanup(srv.Close)
	n.URL = srv.URL
	n.Anon, n.NoKey, n.Admin = e.Anon.On(&n), e.NoKey.On(&n), e.Admin.On(&n)
	return &n
}

// On returns a copy of c that sends its requests to node.
func (c *Client) On(node *Env) *Client { cc := *c; cc.env = node; return &cc }
