// Package httpcheck holds the HTTP(S) checks: server and framework version
// disclosure, missing security headers (HSTS on HTTPS, X-Content-Type-Options,
// X-Frame-Options or CSP frame-ancestors), TRACE echoing requests, and a
// bounded path phase (paths.go) that finds directory listings, Apache status
// pages and exposed files and consoles by their content. Requests always go
// to the target's address; the target's host name, when known, is sent as
// Host and SNI.
package httpcheck

import (
	"context"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Family is the check family name of this package.
const Family = "http"

var _ checks.Check = (*check)(nil)

// Meta returns the check's metadata.
func (c *check) Meta() checks.Meta { return c.meta }

// Applies reports whether the check is meaningful for svc.
func (c *check) Applies(svc result.Service) bool {
	return applies(svc) && (!c.httpsOnly || isHTTPS(svc))
}

// Run probes the target; see the package documentation for what counts as a finding.
func (c *check) Run(ctx context.Context, t checks.Target) ([]result.Finding, error) {
	ev, found, err := c.eval(ctx, t)
	if err != nil || !found {
		return nil, err
	}
	return []result.Finding{c.meta.Finding(t, ev)}, nil
}

func init() {
	for _, c := range all {
		checks.Register(c)
	}
	for _, c := range pathChecks {
		checks.Register(c)
	}
}

var all = []*check{
	{eval: evalVersionDisclosure, meta: checks.NewMeta(checks.Meta{
		ID: "http.server.version-disclosure", Family: Family,
		Title:       "Web server discloses software versions",
		Description: "Response headers (Server, X-Powered-By, ...) name the software and its exact version, which lets attackers pick exploits for that version without probing.",
		Solution:    "Configure the server and frameworks to omit versions (Apache: ServerTokens Prod; nginx: server_tokens off; PHP: expose_php = Off; remove X-Powered-By / X-AspNet-Version).",
		References:  []string{"https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/01-Information_Gathering/02-Fingerprint_Web_Server", "https://cwe.mitre.org/data/definitions/200.html"},
		// Disclosure alone exposes only a version string (C:L) and helps only
		// together with another flaw (AC:H).
		CVSSVector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N",
		Confidence: 100,
	})},
	{eval: evalHSTS, httpsOnly: true, meta: checks.NewMeta(checks.Meta{
		ID: "http.header.hsts-missing", Family: Family,
		Title:       "HTTPS without Strict-Transport-Security",
		Description: "The HTTPS service sends no HSTS policy (or max-age=0), so browsers keep trying plain HTTP first and an attacker in the path can strip TLS (sslstrip).",
		Solution:    "Send Strict-Transport-Security: max-age=31536000; includeSubDomains on every HTTPS response.",
		References:  []string{"https://datatracker.ietf.org/doc/html/rfc6797", "https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Strict_Transport_Security_Cheat_Sheet.html"},
		CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N",
		Confidence:  95,
	})},
	{eval: evalXCTO, meta: checks.NewMeta(checks.Meta{
		ID: "http.header.xcto-missing", Family: Family,
		Title:       "Missing X-Content-Type-Options: nosniff",
		Description: "Without X-Content-Type-Options: nosniff, browsers may sniff uploaded or user-controlled content as script or HTML and run it.",
		Solution:    "Send X-Content-Type-Options: nosniff on every response.",
		References:  []string{"https://developer.mozilla.org/docs/Web/HTTP/Headers/X-Content-Type-Options"},
		CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N",
		Confidence:  95,
	})},
	{eval: evalFraming, meta: checks.NewMeta(checks.Meta{
		ID: "http.header.xfo-missing", Family: Family,
		Title:       "Page can be framed (no X-Frame-Options or CSP frame-ancestors)",
		Description: "The HTML page sets neither X-Frame-Options nor a Content-Security-Policy frame-ancestors directive, so another site can frame it and trick users into clicks (clickjacking).",
		Solution:    "Send Content-Security-Policy: frame-ancestors 'self' (or 'none'), and X-Frame-Options: SAMEORIGIN for old browsers.",
		References:  []string{"https://cheatsheetseries.owasp.org/cheatsheets/Clickjacking_Defense_Cheat_Sheet.html"},
		CVSSVector:  "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:L/A:N",
		Confidence:  95,
	})},
	{eval: evalTrace, meta: checks.NewMeta(checks.Meta{
		ID: "http.method.trace", Family: Family,
		Title:       "HTTP TRACE method enabled",
		Description: "The server answers TRACE by echoing the request, headers included. Combined with a client-side flaw this exposes HttpOnly cookies and credentials (cross-site tracing).",
		Solution:    "Disable TRACE (Apache: TraceEnable off; IIS: deny the verb in request filtering).",
		References:  []string{"https://owasp.org/www-community/attacks/Cross_Site_Tracing", "https://nvd.nist.gov/vuln/detail/CVE-2004-2320"},
		CVSSVector:  "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:N/A:N",
		Confidence:  100,
	})},
}
