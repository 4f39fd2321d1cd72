// Package api serves the CG Scanning API V2 over HTTP: the route table, the
// authentication and list conventions, the one error adapter, and the OpenAPI
// document generated from the same operation descriptions. Handlers decode,
// call the app layer and encode; they hold no business rules.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"path"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/errs"
)

// Options configures the API.
type Options struct {
	Version   string
	Log       *slog.Logger
	Registry  *prometheus.Registry // metrics registry; a new one when nil
	Ready     func(context.Context) error
	KeyLimit  RateLimit    // requests per API key (limits.go); zero = unlimited
	UserLimit RateLimit    // requests per signed-in user; zero = unlimited
	Console   http.Handler // the web console (internal/console): paths no operation claims; nil = none
}

// API is the HTTP handler of the whole server.
type API struct {
	app     *app.App
	mux     *http.ServeMux
	log     *slog.Logger
	version string
	ops     []*Op
	routes  []string // every pattern registered on mux, for the OpenAPI completeness test
	metrics *metrics
	ready   func(context.Context) error
	now     func() time.Time

	keyLimits, userLimits *limiters

	docOnce sync.Once
	doc     []byte
}

// New builds the API over an app.
func New(a *app.App, opt Options) *API {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Registry == nil {
		opt.Registry = prometheus.NewRegistry()
	}
	s := &API{app: a, mux: http.NewServeMux(), log: opt.Log, version: opt.Version, ready: opt.Ready,
		now: func() time.Time { return time.Now().UTC() }}
	s.keyLimits, s.userLimits = newLimiters(opt.KeyLimit, "API key"), newLimiters(opt.UserLimit, "user")
	s.metrics = newMetrics(opt.Registry)
	s.routeTable()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if opt.Console != nil && consolePath(r) {
			opt.Console.ServeHTTP(w, r)
			return
		}
		writeError(w, r, s.log, errNoRoute)
	})
	return s
}

// register adds an operation's handler to the mux.
func (a *API) register(op *Op, h http.HandlerFunc) {
	pattern := op.Method + " " + op.Path
	a.ops = append(a.ops, op)
	a.routes = append(a.routes, pattern)
	route := pattern
	a.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.metrics.observe(w, r, route, h)
	}))
}

// Routes lists every registered route pattern ("GET /v2/users/{id}").
func (a *API) Routes() []string { return append([]string(nil), a.routes...) }

type ctxKey int

const requestIDKey ctxKey = 0

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

// ServeHTTP adds the request id, request metadata for the audit trail, panic
// recovery and access logging around the route table.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get("X-Request-ID")
	if !requestIDRE.MatchString(id) {
		id = uuid.Must(uuid.NewV7()).String()
	}
	ctx := context.WithValue(r.Context(), requestIDKey, id)
	ctx = app.WithRequestMeta(ctx, app.RequestMeta{IP: clientIP(r), UserAgent: r.UserAgent(), RequestID: id})
	r = r.WithContext(ctx)
	h := w.Header()
	h.Set("X-Request-ID", id)
	setSecurityHeaders(h, r)
	h.Set("Cache-Control", "no-store")
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("panic", "request_id", id, "panic", p, "stack", string(debug.Stack()))
			if sw.status == 0 {
				writeError(sw, r, a.log, errPanic)
			}
		}
		// Only the path: query strings can carry one-time tokens.
		a.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration_ms", time.Since(start).Milliseconds(), "request_id", id)
	}()
	if clean := cleanPath(r.URL.Path); clean != r.URL.Path {
		// ServeMux would answer a redirect with an HTML body; an API client
		// gets the error document and the path to use instead.
		writeError(sw, r, a.log, errs.New(errs.Malformed, "Path '%s' is not canonical (no '.', '..' or empty segments); use '%s'", r.URL.Path, clean))
		return
	}
	a.mux.ServeHTTP(sw, r)
}

// cleanPath is the canonical form of a request path, as ServeMux computes it:
// path.Clean, keeping a trailing slash.
func cleanPath(p string) string {
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

// clientIP is the peer address. Forwarded headers are not trusted: a reverse
// proxy deployment would configure that explicitly.
func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
