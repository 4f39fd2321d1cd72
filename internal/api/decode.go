package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/perimeterhq/perimeter/internal/errs"
)

// MaxJSONBody is the largest JSON request body accepted (spec §1.1).
const MaxJSONBody = 1 << 20

// decodeJSON reads the request body into dst. An empty body decodes as {}.
// Malformed JSON, trailing data and invalid UTF-8 are 400; a value of the
// wrong type is 422 naming the field; so are unknown fields (a misspelled
// optional field would otherwise be dropped without a word), keys given twice
// and control characters in strings (see checkBody); a body over the limit
// is 413.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	if limit <= 0 {
		limit = MaxJSONBody
	}
	if r.ContentLength > limit { // refused before reading a byte
		return errs.New(errs.TooLarge, "Request body is larger than %d bytes", limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errs.New(errs.TooLarge, "Request body is larger than %d bytes", limit)
		}
		return errs.New(errs.Malformed, "Could not read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errs.New(errs.Malformed, "Malformed JSON: unexpected data after the JSON value")
	}
	if !utf8.Valid(body) {
		return errs.New(errs.Malformed, "Malformed JSON: the body is not valid UTF-8")
	}
	return checkBody(body, reflect.TypeOf(dst))
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typ):
		field := jsonPath(typ.Field)
		if field == "" {
			return errs.New(errs.Malformed, "Malformed JSON: the body must be %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
		}
		return errs.Field(field, "must be %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &syn):
		return errs.New(errs.Malformed, "Malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.New(errs.Malformed, "Malformed JSON: unexpected end of input")
	}
	// Errors from UnmarshalJSON methods of our own types carry field information.
	if e, ok := errs.As(err); ok {
		return e
	}
	return errs.New(errs.Malformed, "Malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonPath turns encoding/json's field path into the client's: embedded
// request structs appear in it under their Go type name (camelCase), which is
// not a key the client sent; JSON keys here are snake_case.
func jsonPath(field string) string {
	parts := strings.Split(field, ".")
	out := parts[:0]
	for _, p := range parts {
		if strings.ToLower(p) != p {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ".")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	}
	return fmt.Sprintf("a %s", goKind)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if a, ok := v.(jsonAppender); ok {
		// One buffer, one write with its length: no chunked framing.
		buf := jsonBuffers.Get().(*[]byte)
		b := append(a.appendJSON((*buf)[:0]), '\n') // the encoder's newline
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(status)
		_, _ = w.Write(b)
		if cap(b) <= 1<<20 { // a rare huge page is not kept
			*buf = b
			jsonBuffers.Put(buf)
		}
		return
	}
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// jsonBuffers holds the buffers jsonAppender responses are written into.
var jsonBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}
