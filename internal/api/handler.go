package api

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// Auth says what credentials an operation needs.
type Auth int

// Authentication levels.
const (
	AuthUser    Auth = iota // X-API-KEY and a user (Bearer session or Basic access token)
	AuthKey                 // X-API-KEY only (sign-in and other pre-session calls)
	AuthNone                // operational endpoints
	AuthScanner             // a scanner agent's token (Authorization: Scanner <token>), no API key (spec §3)
)

// Param documents an extra query parameter an operation reads itself.
type Param struct {
	Name     string
	Type     string // "string" (default), "integer", "boolean"
	Doc      string
	Required bool
}

// Op describes one operation: its route, documentation and conventions. The
// same value drives routing, authentication, list parsing and the OpenAPI
// document, so they cannot drift apart.
type Op struct {
	Method      string
	Path        string // Go ServeMux pattern path, e.g. /v2/users/{id}
	Summary     string
	Description string
	Tag         string
	Auth        Auth
	Status      int           // success status; default 200
	List        *listing.Spec // a list endpoint: page, per_page, q[], dates and sort are parsed
	Query       []Param
	Produces    string         // content type of a non-JSON success body
	MaxBody     int64          // JSON body limit; 0 = MaxJSONBody (larger for an embedded logo, smaller for sign-in)
	Content     map[string]any // documented content types and schemas of a non-JSON success body (overrides Produces)
	RequestBody map[string]any // documented content types and schemas of a non-JSON request body the handler reads itself (uploads)
	ID          string         // operationId; derived from method and path when empty
	Errors      map[int]string // further documented error statuses (e.g. 429, 502, 503, 504) and when they happen
	Stream      string         // documents a text/event-stream alternative to the JSON answer (Accept: text/event-stream)

	in, out reflect.Type
}

// NoBody is the input of operations that take no request body.
type NoBody struct{}

// Empty is the output of operations that answer without a body (204).
type Empty struct{}

// Ctx is what a handler gets besides its decoded body.
type Ctx struct {
	R     *http.Request
	W     http.ResponseWriter
	Actor *app.Actor    // set for AuthUser operations
	Key   tenant.APIKey // set for AuthUser and AuthKey operations
	// Scanner is the agent scanner of an AuthScanner operation.
	Scanner scanconfig.Scanner
	List    listing.Params
	api     *API
}

// Context returns the request context (carrying request metadata for audit).
func (c *Ctx) Context() context.Context { return c.R.Context() }

// Path returns a path parameter. Identifiers that cannot be ours (not a UUID)
// have already been answered 404 by the adapter.
func (c *Ctx) Path(name string) string { return c.R.PathValue(name) }

// Query returns a query parameter.
func (c *Ctx) Query(name string) string { return c.R.URL.Query().Get(name) }

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
var pathParamRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// Handle registers an operation whose handler takes a decoded In body and
// returns an Out to encode as JSON (or an error for the one error adapter).
func Handle[In, Out any](a *API, op Op, fn func(c *Ctx, in *In) (*Out, error)) {
	op.in = reflect.TypeFor[In]()
	op.out = reflect.TypeFor[Out]()
	if op.Status == 0 {
		op.Status = http.StatusOK
		if op.out == reflect.TypeFor[Empty]() {
			op.Status = http.StatusNoContent
		}
	}
	idParams := []string{}
	for _, m := range pathParamRE.FindAllStringSubmatch(op.Path, -1) {
		if m[1] == "id" || strings.HasSuffix(m[1], "_id") {
			idParams = append(idParams, m[1])
		}
	}
	hasBody := op.in != reflect.TypeFor[NoBody]()
	operation := op.Method + " " + op.Path
	a.register(&op, func(w http.ResponseWriter, r *http.Request) {
		c := &Ctx{R: r, W: w, api: a}
		if err := a.authenticate(c, op.Auth); err != nil {
			writeError(w, r, a.log, err)
			return
		}
		if err := a.rateLimit(c); err != nil {
			writeError(w, r, a.log, err)
			return
		}
		if op.Auth == AuthUser {
			if err := authorize(a.log, c.Actor, operation); err != nil {
				writeError(w, r, a.log, err)
				return
			}
		}
		// Go's URL parser drops pairs it cannot read (a raw ';', a bad escape)
		// and keeps the rest: a filter could silently vanish. Refuse instead.
		if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
			writeError(w, r, a.log, malformedQuery(err))
			return
		}
		for _, p := range idParams {
			if !uuidRE.MatchString(r.PathValue(p)) {
				writeError(w, r, a.log, errs.NotFoundf("Resource"))
				return
			}
		}
		if op.List != nil {
			var err error
			if c.List, err = listing.Parse(r.URL.Query(), op.List, a.now()); err != nil {
				writeError(w, r, a.log, err)
				return
			}
		}
		in := new(In)
		if hasBody {
			if err := decodeJSON(w, r, in, op.MaxBody); err != nil {
				writeError(w, r, a.log, err)
				return
			}
		}
		out, err := fn(c, in)
		if err != nil {
			writeError(w, r, a.log, err)
			return
		}
		if raw, ok := any(out).(http.Handler); ok { // files, CSV: the output writes itself
			raw.ServeHTTP(w, r)
			return
		}
		if op.Status == http.StatusNoContent || out == nil {
			w.WriteHeader(op.Status)
			return
		}
		writeJSON(w, op.Status, out)
	})
}

// authenticate applies an operation's Auth level (spec §1.2).
func (a *API) authenticate(c *Ctx, level Auth) error {
	if level == AuthNone {
		return nil
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(c.R.Header.Get("Authorization")), " ")
	if level == AuthScanner {
		if !strings.EqualFold(scheme, "scanner") {
			return errs.New(errs.Unauthenticated, "Scanner agents authenticate with Authorization: Scanner <token>")
		}
		sc, err := a.app.AuthenticateAgent(c.Context(), strings.TrimSpace(token))
		c.Scanner = sc
		return err
	}
	if scheme == "" && level == AuthUser {
		var err error
		if scheme, token, err = a.consoleSession(c.R); err != nil {
			return err
		}
	}
	key, act, err := a.app.Authenticate(c.Context(), strings.TrimSpace(c.R.Header.Get("X-API-KEY")),
		strings.ToLower(scheme), strings.TrimSpace(token), level != AuthKey)
	c.Key, c.Actor = key, act
	return err
}

func malformedQuery(err error) error {
	msg := strings.TrimPrefix(err.Error(), "net/url: ")
	if strings.Contains(msg, "semicolon") {
		msg += "; separate parameters with '&' and escape ';' in values as %3B"
	}
	return errs.New(errs.Malformed, "Malformed query string: %s", msg)
}
