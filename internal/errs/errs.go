// Package errs defines the one error type every layer returns when the caller,
// not the server, is at fault. The API maps its Code to an HTTP status in one
// table; anything that is not an *Error is an internal error and its details are
// never shown to the client.
package errs

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Code classifies an error for the API's status mapping.
type Code string

// The codes, each mapped to exactly one HTTP status by the API.
const (
	Malformed       Code = "malformed"       // 400: unparsable JSON or query
	Unauthenticated Code = "unauthenticated" // 401
	Forbidden       Code = "forbidden"       // 403
	NotFound        Code = "not_found"       // 404
	Conflict        Code = "conflict"        // 409
	TooLarge        Code = "too_large"       // 413
	Invalid         Code = "invalid"         // 422 with field errors
	RateLimited     Code = "rate_limited"    // 429 with Retry-After
	Unavailable     Code = "unavailable"     // 503
	BadGateway      Code = "bad_gateway"     // 502: an upstream service (the AI provider) failed
	GatewayTimeout  Code = "gateway_timeout" // 504: an upstream service did not answer in time
	Internal        Code = "internal"        // 500
)

// Error is a client-facing error: a code, a message safe to show, optional
// per-field messages, and for rate limiting how long to wait.
type Error struct {
	Code       Code
	Message    string
	Fields     map[string][]string
	RetryAfter time.Duration
	Extra      map[string]any // extra top-level members of the error body
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return string(e.Code) + ": " + e.Message
	}
	keys := slices.Sorted(maps.Keys(e.Fields))
	return fmt.Sprintf("%s: %s (%s: %v)", e.Code, e.Message, keys[0], e.Fields[keys[0]])
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err carries code.
func Is(err error, code Code) bool {
	e, ok := As(err)
	return ok && e.Code == code
}

// New returns an error with a code and a message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf returns a 404 saying what was not found (never whose it is).
func NotFoundf(what string) *Error { return &Error{Code: NotFound, Message: what + " not found"} }

// Field returns a 422 with one field error.
func Field(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Message: "Validation failed",
		Fields: map[string][]string{field: {fmt.Sprintf(format, args...)}}}
}

// Fields collects field errors; its Err is nil while empty, so validation code can
// add as it goes and return v.Err() at the end.
type Fields map[string][]string

// Add records a message for a field.
func (f Fields) Add(field, format string, args ...any) {
	f[field] = append(f[field], fmt.Sprintf(format, args...))
}

// Merge adds every message of other, optionally under a prefix ("plans[0].").
func (f Fields) Merge(prefix string, other map[string][]string) {
	for k, v := range other {
		f[prefix+k] = append(f[prefix+k], v...)
	}
}

// Err returns a 422 *Error with the collected fields, or nil when there are none.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: "Validation failed", Fields: map[string][]string(f)}
}
