package api

import "net/http"

// hstsValue asks browsers to use HTTPS only for a year. It is sent only on
// responses that came over TLS: over plain HTTP it would be ignored, and it
// must never be the reason a plain-HTTP deployment becomes unreachable.
const hstsValue = "max-age=31536000"

// setSecurityHeaders adds the headers every response carries (/docs adds its
// Content-Security-Policy, report views their own).
func setSecurityHeaders(h http.Header, r *http.Request) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", hstsValue)
	}
}
