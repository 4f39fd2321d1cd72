package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/secret"
)

// The web console (internal/console) is a client of this API like any other:
// it signs in with POST /auth/sign_in and calls /v2 operations. These three
// operations only let it keep the session token out of JavaScript: the token
// goes into an HttpOnly cookie and the page keeps a CSRF token instead.
func (a *API) consoleRoutes() {
	Handle(a, Op{Method: "GET", Path: "/console/config", Summary: "What the web console needs before sign-in: its API key", Tag: "Web console", Auth: AuthNone,
		Description: "The console's key belongs to the platform organization and is derived from the server's secret key. " +
			"It grants nothing without a user's credentials and is exempt from the per-key rate limit (the per-user limit applies; " +
			"calls without a user are limited per client address)."}, a.consoleConfig)
	Handle(a, Op{Method: "POST", Path: "/console/session", Summary: "Move a session token (Authorization: Bearer) into the console's HttpOnly cookie", Tag: "Web console", Auth: AuthKey,
		Description: "Sets cookie " + app.ConsoleCookie + " (HttpOnly, SameSite=Strict, Secure over TLS) and returns the session's CSRF token. " +
			"Without an Authorization header, API operations accept the cookie as the Bearer session only with header X-CSRF-Token set to it."}, a.createConsoleSession)
	Handle(a, Op{Method: "GET", Path: "/console/session", Summary: "The CSRF token of the console session in the cookie (401 without a live one)", Tag: "Web console", Auth: AuthKey}, a.getConsoleSession)
	Handle(a, Op{Method: "DELETE", Path: "/console/session", Summary: "Clear the console's session cookie (revoke the session with DELETE /auth/sign_out first)", Tag: "Web console", Auth: AuthNone}, a.deleteConsoleSession)
}

type consoleConfigView struct {
	APIKey string `json:"api_key" doc:"the console's API key (X-API-KEY)"`
}

func (a *API) consoleConfig(c *Ctx, _ *NoBody) (*consoleConfigView, error) {
	return &consoleConfigView{APIKey: a.app.ConsoleKey()}, nil
}

type consoleSessionView struct {
	CSRFToken string    `json:"csrf_token" doc:"send as X-CSRF-Token with every request the cookie authenticates"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (a *API) createConsoleSession(c *Ctx, _ *NoBody) (*consoleSessionView, error) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(c.R.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "bearer") {
		return nil, errs.New(errs.Unauthenticated, "Send the session token as Authorization: Bearer <token>")
	}
	token = strings.TrimSpace(token)
	act, err := a.app.AuthenticateSession(c.Context(), c.Key, token)
	if err != nil {
		return nil, err
	}
	http.SetCookie(c.W, &http.Cookie{Name: app.ConsoleCookie, Value: token, Path: "/", Expires: *act.ExpiresAt,
		HttpOnly: true, Secure: c.R.TLS != nil, SameSite: http.SameSiteStrictMode})
	return &consoleSessionView{CSRFToken: a.app.ConsoleCSRF(token), ExpiresAt: *act.ExpiresAt}, nil
}

func (a *API) getConsoleSession(c *Ctx, _ *NoBody) (*consoleSessionView, error) {
	ck, err := c.R.Cookie(app.ConsoleCookie)
	if err != nil || ck.Value == "" {
		return nil, errs.New(errs.Unauthenticated, "No console session")
	}
	act, err := a.app.AuthenticateSession(c.Context(), c.Key, ck.Value)
	if err != nil {
		return nil, err
	}
	return &consoleSessionView{CSRFToken: a.app.ConsoleCSRF(ck.Value), ExpiresAt: *act.ExpiresAt}, nil
}

func (a *API) deleteConsoleSession(c *Ctx, _ *NoBody) (*Empty, error) {
	http.SetCookie(c.W, &http.Cookie{Name: app.ConsoleCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.R.TLS != nil, SameSite: http.SameSiteStrictMode})
	return nil, nil
}

// consoleSession reads the web console's session cookie for a request without
// an Authorization header. The cookie counts as a Bearer session only with
// header X-CSRF-Token equal to the MAC of its token: a page of another site
// can make a browser send the cookie (SameSite=Strict already stops that)
// but can neither read nor compute the CSRF token, nor set a custom header
// without a CORS preflight this server never grants. No cookie: no credentials.
func (a *API) consoleSession(r *http.Request) (scheme, token string, err error) {
	ck, err := r.Cookie(app.ConsoleCookie)
	if err != nil || ck.Value == "" {
		return "", "", nil
	}
	csrf := r.Header.Get("X-CSRF-Token")
	if csrf == "" || !secret.Equal(csrf, a.app.ConsoleCSRF(ck.Value)) {
		return "", "", errs.New(errs.Unauthenticated, "The console session cookie needs a valid X-CSRF-Token header")
	}
	return "bearer", ck.Value, nil
}

// consolePath reports whether the web console answers a request no operation
// claimed: pages and assets it reads (GET, HEAD) outside the API's prefixes,
// which stay JSON 404s.
func consolePath(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	for _, prefix := range []string{"/v2", "/auth", "/docs", "/console"} {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return false
		}
	}
	return true
}
