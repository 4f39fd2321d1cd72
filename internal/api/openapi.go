package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/user"
)

// OpenAPI returns the OpenAPI 3.1 document, generated from the registered
// operations (built once).
func (a *API) OpenAPI() []byte {
	a.docOnce.Do(func() {
		b, err := json.MarshalIndent(a.buildOpenAPI(), "", "  ")
		if err != nil {
			panic("api: OpenAPI document does not encode: " + err.Error())
		}
		a.doc = b
	})
	return a.doc
}

func (a *API) buildOpenAPI() map[string]any {
	sc := newSchemas()
	errRef := sc.of(reflect.TypeFor[ErrorBody]())
	paths := map[string]any{}
	for _, op := range a.ops {
		item, _ := paths[op.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[op.Path] = item
		}
		item[strings.ToLower(op.Method)] = a.operationDoc(op, sc, errRef)
	}
	return map[string]any{
		"openapi": "3.1.0",
		// Relative to where the document is served: the API and its
		// description share an origin.
		"servers": []any{map[string]any{"url": "/", "description": "this server"}},
		"info": map[string]any{
			"title":   "Perimeter API (CG Scanning API V2 compatible)",
			"version": a.version,
			// The repository carries no licence file: all rights reserved.
			"license": map[string]any{"name": "Proprietary"},
			"description": "Every request needs X-API-KEY; user operations also need Authorization: Bearer <session token> " +
				"(POST /auth/sign_in) or Basic <access token> (PUT /v2/user/generate_access_token). Errors use the ErrorBody " +
				"schema. Lists take page, per_page (≤ 500), q[column] filters (* wildcards), date_range_start/date_range_end or " +
				"relative_date_range, and sort_by/sort_order. A query string that does not parse (a raw ';', a bad %-escape) is 400, " +
				"as is a path with '.', '..' or empty segments. JSON bodies may hold only the documented fields: unknown fields, keys " +
				"given twice and control characters in strings (other than tab, newline, carriage return) are 422 naming the field.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": sc.defs,
			"securitySchemes": map[string]any{
				"apiKey":  map[string]any{"type": "apiKey", "in": "header", "name": "X-API-KEY"},
				"session": map[string]any{"type": "http", "scheme": "bearer", "description": "session token from POST /auth/sign_in"},
				"scannerToken": map[string]any{"type": "apiKey", "in": "header", "name": "Authorization",
					"description": "Scanner <agent token> (shown once when an agent scanner is created); scanner agent operations take no X-API-KEY"},
				"accessToken": map[string]any{"type": "apiKey", "in": "header", "name": "Authorization", "description": "Basic <access token> (the raw token, not base64 user:password)"},
			},
		},
	}
}

func (a *API) operationDoc(op *Op, sc *schemas, errRef map[string]any) map[string]any {
	id := op.ID
	if id == "" {
		id = operationID(op.Method, op.Path)
	}
	d := map[string]any{"operationId": id, "summary": op.Summary}
	if req, ok := user.Requirement(op.Method + " " + op.Path); ok {
		d["x-permission"] = req // the permission matrix entry: resource:action, self or public
	}
	if op.Description != "" {
		d["description"] = op.Description
	}
	if op.Tag != "" {
		d["tags"] = []string{op.Tag}
	}
	switch op.Auth {
	case AuthUser:
		d["security"] = []any{map[string]any{"apiKey": []string{}, "session": []string{}}, map[string]any{"apiKey": []string{}, "accessToken": []string{}}}
	case AuthKey:
		d["security"] = []any{map[string]any{"apiKey": []string{}}}
	case AuthScanner:
		d["security"] = []any{map[string]any{"scannerToken": []string{}}}
	default:
		d["security"] = []any{}
	}
	var params []any
	for _, m := range pathParamRE.FindAllStringSubmatch(op.Path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	if op.List != nil {
		params = append(params, listParams(op.List)...)
	}
	for _, p := range op.Query {
		typ := p.Type
		if typ == "" {
			typ = "string"
		}
		params = append(params, map[string]any{"name": p.Name, "in": "query", "required": p.Required, "description": p.Doc, "schema": map[string]any{"type": typ}})
	}
	if len(params) > 0 {
		d["parameters"] = params
	}
	if op.in != nil && op.in != reflect.TypeFor[NoBody]() {
		d["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": sc.of(op.in)}}}
	}
	if op.RequestBody != nil {
		content := map[string]any{}
		for typ, schema := range op.RequestBody {
			content[typ] = map[string]any{"schema": schema}
		}
		d["requestBody"] = map[string]any{"required": true, "content": content}
	}
	responses := map[string]any{}
	ok := map[string]any{"description": http.StatusText(op.Status)}
	switch {
	case op.Content != nil:
		content := map[string]any{}
		for typ, schema := range op.Content {
			content[typ] = map[string]any{"schema": schema}
		}
		ok["content"] = content
	case op.Produces != "":
		ok["content"] = map[string]any{op.Produces: map[string]any{"schema": map[string]any{"type": "string"}}}
	case op.out != nil && op.out != reflect.TypeFor[Empty]():
		content := map[string]any{"application/json": map[string]any{"schema": sc.of(op.out)}}
		if op.Stream != "" {
			content["text/event-stream"] = map[string]any{"schema": map[string]any{"type": "string", "description": op.Stream}}
		}
		ok["content"] = content
	}
	responses[fmt.Sprint(op.Status)] = ok
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": errRef}}}
	}
	hasBody := op.in != nil && op.in != reflect.TypeFor[NoBody]() || op.RequestBody != nil
	// 400: every operation (the query string and path are checked for all).
	switch {
	case hasBody:
		responses["400"] = errResp("Malformed JSON, query string or path")
	case op.List != nil:
		responses["400"] = errResp("Malformed query: an unknown filter or sort column, a bad page, date or value (the errors name the parameter)")
	default:
		responses["400"] = errResp("Malformed query string or path")
	}
	if op.Auth != AuthNone {
		responses["401"] = errResp("Missing or invalid API key or credentials")
		responses["403"] = errResp("Not allowed (role, plan, suspended organization)")
	}
	if strings.Contains(op.Path, "{") {
		responses["404"] = errResp("Not found (also for another organization's resources)")
	}
	if conflictOps[op.Method+" "+op.Path] || strings.Contains(op.Summary+op.Description, "409") {
		responses["409"] = errResp("Conflicts with the resource's state (e.g. in use, running)")
	}
	if hasBody {
		responses["413"] = errResp("Body too large")
		responses["422"] = errResp("Validation failed; errors name the fields")
	}
	if rateLimitedOps[op.Method+" "+op.Path] {
		responses["429"] = errResp("Too many failed attempts from this address; see Retry-After")
	}
	if op.Path == "/readyz" {
		responses["503"] = errResp("The database is unavailable")
	}
	for status, desc := range op.Errors {
		responses[fmt.Sprint(status)] = errResp(desc)
	}
	responses["500"] = errResp("Internal error")
	d["responses"] = responses
	return d
}

// conflictOps are the operations that may answer 409 without saying so in
// their summary (TestOpenAPIValidates checks that each is a route).
var conflictOps = map[string]bool{
	"DELETE /v2/organizations/{id}":                     true,
	"DELETE /v2/port_lists/{id}":                        true,
	"DELETE /v2/port_lists/{id}/port_ranges/{range_id}": true,
	"DELETE /v2/scanners/{id}":                          true,
	"PUT /v2/scans/{id}":                                true,
	"DELETE /v2/scans":                                  true,
	"DELETE /v2/scans/{id}":                             true,
	"POST /v2/scans/{id}/start":                         true,
	"POST /v2/scans/{id}/stop":                          true,
	"POST /v2/scans/wizard":                             true,
	"DELETE /v2/schedules":                              true,
	"DELETE /v2/schedules/{id}":                         true,
	"DELETE /v2/targets":                                true,
	"DELETE /v2/targets/{id}":                           true,
	"PUT /v2/users/{id}":                                true,
	"DELETE /v2/users/{id}":                             true,
}

// rateLimitedOps may answer 429.
var rateLimitedOps = map[string]bool{
	"POST /auth/sign_in": true,
}

func listParams(spec *listing.Spec) []any {
	intSchema := func(def, maxV int) map[string]any {
		s := map[string]any{"type": "integer", "minimum": 1, "default": def}
		if maxV > 0 {
			s["maximum"] = maxV
		}
		return s
	}
	out := []any{
		map[string]any{"name": "page", "in": "query", "schema": intSchema(1, 0)},
		map[string]any{"name": "per_page", "in": "query", "schema": intSchema(listing.DefaultPerPage, listing.MaxPerPage)},
	}
	for _, c := range spec.Columns {
		if c.NoFilter {
			continue
		}
		desc := map[listing.Kind]string{
			listing.Text:   "case-insensitive contains; * is a wildcard",
			listing.Enum:   "exact; comma-separated for any of",
			listing.ID:     "exact; comma-separated for any of",
			listing.Number: "exact; comma-separated for any of",
			listing.Bool:   "true or false",
			listing.Hosts:  "matches any one entry of the host list: case-insensitive contains, * is a wildcard within the entry (10.0.1.* finds 10.0.1.0/30); an IP address also finds the targets whose addresses, after exclusions, include it (10.0.0.7 finds 10.0.0.0/24 and 10.0.0.1-10.0.0.20)",
		}[c.Kind]
		if c.Doc != "" {
			desc = c.Doc + "; " + desc
		}
		schema := map[string]any{"type": "string"}
		if len(c.Values) > 0 {
			desc += " (" + strings.Join(c.Values, ", ") + ")"
		}
		out = append(out, map[string]any{"name": "q[" + c.Name + "]", "in": "query", "description": desc, "schema": schema})
	}
	if spec.DateName != "" {
		on := " (applies to " + spec.DateName + ")"
		out = append(out,
			map[string]any{"name": "date_range_start", "in": "query", "description": "YYYY-MM-DD hh:mm:ss or RFC 3339" + on, "schema": map[string]any{"type": "string"}},
			map[string]any{"name": "date_range_end", "in": "query", "description": "YYYY-MM-DD hh:mm:ss or RFC 3339" + on, "schema": map[string]any{"type": "string"}},
			map[string]any{"name": "relative_date_range", "in": "query", "description": "<n><unit> with units s m h d M y q (10d = last 10 days), or 1q2020 / 3M2021" + on, "schema": map[string]any{"type": "string"}},
		)
	}
	if sortable := spec.Sortable(); len(sortable) > 0 {
		vals := make([]any, len(sortable))
		for i, s := range sortable {
			vals[i] = s
		}
		out = append(out,
			map[string]any{"name": "sort_by", "in": "query", "description": "column, optionally followed by ' desc'", "schema": map[string]any{"type": "string"}},
			map[string]any{"name": "sort_order", "in": "query", "schema": map[string]any{"type": "string", "enum": []any{"asc", "desc"}}},
		)
	}
	return out
}

// operationID derives a stable id: "GET /v2/users/{id}" → "getV2UsersId".
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for part := range strings.SplitSeq(path, "/") {
		part = strings.Trim(part, "{}")
		for w := range strings.SplitSeq(part, "_") {
			if w != "" {
				b.WriteString(strings.ToUpper(w[:1]) + w[1:])
			}
		}
	}
	return b.String()
}
