package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"testing"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

// bodyOps returns the operations that read a JSON body, in a stable order
// (method and path), so a corpus entry's index always names the same one.
func bodyOps() []*Op {
	var ops []*Op
	for _, op := range New(nil, Options{}).ops {
		if op.in != reflect.TypeFor[NoBody]() && op.RequestBody == nil {
			ops = append(ops, op)
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		return ops[i].Method+" "+ops[i].Path < ops[j].Method+" "+ops[j].Path
	})
	return ops
}

// clientError fails the test unless err is an errs value answered with a 4xx.
func clientError(t *testing.T, what string, err error) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("%s: error %T %v is not an errs value (it would be a 500)", what, err, err)
	}
	if status := statusFor[e.Code]; status < 400 || status > 499 {
		t.Fatalf("%s: error %v has code %q (status %d), not a client error", what, err, e.Code, status)
	}
}

// FuzzDecodeBody decodes bytes into the input type of every operation with a
// JSON body through decodeJSON, the path Handle takes, with the operation's
// body limit; then the pure conversions and validations the handlers run
// before any storage. Nothing may panic, and every error must be a client
// error (400, 413 or 422), never an internal one.
func FuzzDecodeBody(f *testing.F) {
	ops := bodyOps()
	if len(ops) == 0 {
		f.Fatal("no operation with a JSON body")
	}
	byRoute := map[string]uint16{}
	for i, op := range ops {
		byRoute[op.Method+" "+op.Path] = uint16(i)
	}
	generic := []string{"", " ", "{}", "null", "[]", "[1,2]", `"x"`, "1", "{", `{"a":1}{}`, `{"name":1}`,
		`{"name":"a","name":"b"}`, "{\"name\":\"a\u0000\"}", "{\"name\":\"caf\xe9\"}", `{"ids":["x","y"]}`}
	for i := range ops {
		for _, b := range generic {
			f.Add(uint16(i), []byte(b))
		}
	}
	specific := map[string][]string{
		"POST /v2/targets": {`{"name":"lab","hosts":"10.0.0.0/30","exclude_hosts":"10.0.0.1","tags":["a"]}`,
			`{"name":"lab","hosts":"10.0.0.1-10.0.0.20, ::1, host.example"}`, `{"name":"x","hosts":"10.0.0.0/0"}`},
		"POST /v2/port_lists": {`{"name":"web","ports":"T:80,443,U:53"}`, `{"name":"r","port_ranges":[{"protocol":"tcp","start":1,"end":1024}]}`,
			`{"name":"r","port_ranges":"T:1-65535","app_type":["nmap","agent"]}`, `{"name":"r","port_ranges":[1],"app_type":7}`},
		"POST /v2/exceptions": {`{"type":"false_positive","check_id":"cve:CVE-2021-44228","port":443,"expires_at":"2030-01-01T00:00:00Z"}`,
			`{"port":null,"expires_at":null}`, `{"port":"x","expires_at":5}`},
		"POST /v2/webhooks": {`{"name":"h","url":"https://hooks.example/x","events":["scan_completed"]}`,
			`{"name":"h","url":"http://user:pw@[::1]:80/","events":["nope"]}`},
		"POST /v2/scans":    {`{"name":"s","target_id":"00000000-0000-0000-0000-000000000001"}`},
		"POST /v2/scanners": {`{"name":"gvm","host":"10.0.0.5","port":9390}`},
	}
	for route, bodies := range specific {
		i, ok := byRoute[route]
		if !ok {
			continue // the route moved; the generic seeds still cover the type
		}
		for _, b := range bodies {
			f.Add(i, []byte(b))
		}
	}
	f.Fuzz(func(t *testing.T, index uint16, body []byte) {
		op := ops[int(index)%len(ops)]
		route := op.Method + " " + op.Path
		r := httptest.NewRequest(op.Method, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		dst := reflect.New(op.in).Interface()
		if err := decodeJSON(httptest.NewRecorder(), r, dst, op.MaxBody); err != nil {
			clientError(t, route+" decode", err)
			return
		}
		if _, err := json.Marshal(dst); err != nil {
			t.Fatalf("%s: decoded value does not encode: %v", route, err)
		}
		if v, ok := dst.(interface{ Validate() error }); ok {
			if err := v.Validate(); err != nil {
				clientError(t, route+" Validate", err)
			}
		}
		convert(t, route, dst)
	})
}

// convert runs the I/O-free steps a handler takes between decoding and the
// store: the conversion of the request into a domain input, and the domain
// Validate where a zero value plus the update is meaningful.
func convert(t *testing.T, route string, dst any) {
	t.Helper()
	switch in := dst.(type) {
	case *exceptionRequest:
		if up, err := in.update(); err != nil {
			clientError(t, route+" update", err)
		} else {
			_ = up.ScopeChanged()
		}
	case *portListRequest:
		pl, err := in.input()
		if err != nil {
			clientError(t, route+" input", err)
			return
		}
		if pl.Ports != nil {
			fields := errs.Fields{}
			if l := pl.Ports.List(fields); l == nil && len(fields) == 0 {
				t.Fatalf("%s: ports %+v refused without a reason", route, *pl.Ports)
			}
		}
	case *targetRequest:
		tg := in.update().Apply(scanconfig.Target{})
		if _, err := tg.Validate(); err != nil {
			clientError(t, route+" Validate", err)
		}
	case *scannerRequest:
		s := in.update().Apply(scanconfig.Scanner{})
		if err := s.Validate(); err != nil {
			clientError(t, route+" Validate", err)
		}
	case *scanRequest:
		s := in.update().Apply(scan.Scan{})
		if err := s.Validate(); err != nil {
			clientError(t, route+" Validate", err)
		}
	case *webhookRequest:
		w := in.update().Apply(webhook.Webhook{})
		if err := w.Validate(); err != nil {
			clientError(t, route+" Validate", err)
		}
	}
}

// TestBodyOpsCovered keeps the fuzz target honest: every POST, PUT and PATCH
// that takes JSON is among its operations.
func TestBodyOpsCovered(t *testing.T) {
	n := 0
	for _, op := range bodyOps() {
		if op.Method == http.MethodGet {
			t.Errorf("%s %s reads a body", op.Method, op.Path)
		}
		n++
	}
	if n < 20 {
		t.Fatalf("only %d operations with a JSON body", n)
	}
}
