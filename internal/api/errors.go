package api

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/perimeterhq/perimeter/internal/errs"
)

// statusFor is the one table from error codes to HTTP statuses.
var statusFor = map[errs.Code]int{
	errs.Malformed:       http.StatusBadRequest,
	errs.Unauthenticated: http.StatusUnauthorized,
	errs.Forbidden:       http.StatusForbidden,
	errs.NotFound:        http.StatusNotFound,
	errs.Conflict:        http.StatusConflict,
	errs.TooLarge:        http.StatusRequestEntityTooLarge,
	errs.Invalid:         http.StatusUnprocessableEntity,
	errs.RateLimited:     http.StatusTooManyRequests,
	errs.Unavailable:     http.StatusServiceUnavailable,
	errs.BadGateway:      http.StatusBadGateway,
	errs.GatewayTimeout:  http.StatusGatewayTimeout,
	errs.Internal:        http.StatusInternalServerError,
}

// ErrorBody is the error document of every failed request (spec §1.3).
type ErrorBody struct {
	Status     int                 `json:"status" doc:"HTTP status, repeated"`
	StatusText string              `json:"status_text" doc:"HTTP status text, e.g. Unprocessable Entity"`
	Message    string              `json:"message"`
	Errors     map[string][]string `json:"errors,omitempty" doc:"messages per field or parameter"`
	RequestID  string              `json:"request_id"`
}

// writeError writes err as the error body. Errors that are not *errs.Error are
// internal: logged with the request id, never shown.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var e *errs.Error
	if !errors.As(err, &e) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			e = errs.New(errs.TooLarge, "Request body is larger than %d bytes", mbe.Limit)
		} else if clientGone(r) {
			writeClientGone(w, r, log, err)
			return
		} else {
			log.Error("internal error", "request_id", requestID(r), "method", r.Method, "path", r.URL.Path, "err", err)
			e = errs.New(errs.Internal, "Internal server error")
		}
	}
	status, ok := statusFor[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="perimeter"`)
	}
	body := map[string]any{
		"status": status, "status_text": http.StatusText(status), "message": e.Message, "request_id": requestID(r),
	}
	if len(e.Fields) > 0 {
		body["errors"] = e.Fields
	}
	for k, v := range e.Extra {
		body[k] = v
	}
	writeJSON(w, status, body)
}
