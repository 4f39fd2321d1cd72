package api_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store"
)

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	e := apitest.New(t, store.SQLite)
	r := e.NoKey.Do("GET", "/openapi.json", nil)
	if r.Status != 200 {
		t.Fatalf("openapi.json: %s", r)
	}
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	routes := e.API.Routes()
	if len(routes) < 25 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	opIDs := map[string]bool{}
	for _, route := range routes {
		method, path, _ := strings.Cut(route, " ")
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("route %s is missing from the OpenAPI document", route)
			continue
		}
		id, _ := op["operationId"].(string)
		if id == "" || opIDs[id] {
			t.Errorf("%s: operationId %q missing or duplicated", route, id)
		}
		opIDs[id] = true
		resps, _ := op["responses"].(map[string]any)
		if len(resps) == 0 {
			t.Errorf("%s has no responses", route)
		}
		for code, resp := range resps {
			if code >= "400" {
				if !strings.Contains(mustJSON(t, resp), "#/components/schemas/ErrorBody") {
					t.Errorf("%s %s does not use the error schema", route, code)
				}
			}
		}
		if rb, ok := op["requestBody"]; ok && !strings.Contains(mustJSON(t, rb), "schema") {
			t.Errorf("%s has a request body without a schema", route)
		}
	}
	// Every $ref resolves.
	for _, ref := range regexp.MustCompile(`"#/components/schemas/([^"]+)"`).FindAllStringSubmatch(string(r.Body), -1) {
		if _, ok := doc.Components.Schemas[ref[1]]; !ok {
			t.Errorf("dangling $ref %s", ref[1])
		}
	}
	// List endpoints document their filters.
	users := mustJSON(t, doc.Paths["/v2/users"]["get"])
	for _, p := range []string{`"q[email]"`, `"per_page"`, `"relative_date_range"`, `"sort_by"`} {
		if !strings.Contains(users, p) {
			t.Errorf("GET /v2/users does not document %s", p)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDocsRenderOffline(t *testing.T) {
	e := apitest.New(t, store.SQLite)
	page := e.NoKey.Do("GET", "/docs", nil)
	if page.Status != 200 || !strings.Contains(string(page.Body), "/docs/assets/swagger-ui-bundle.js") {
		t.Fatalf("docs page: %s", page)
	}
	if regexp.MustCompile(`(src|href)="https?://`).Match(page.Body) {
		t.Fatal("docs page loads something from the network")
	}
	// No inline script: the policy allows script files of this server only,
	// and the page may not be framed.
	csp := page.Header.Get("Content-Security-Policy")
	scriptSrc := regexp.MustCompile(`script-src ([^;]*)`).FindStringSubmatch(csp)
	if scriptSrc == nil || strings.Contains(scriptSrc[1], "unsafe") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("docs CSP %q", csp)
	}
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(string(page.Body), -1) {
		if !strings.Contains(tag, `src="/docs/assets/`) {
			t.Errorf("inline script %s", tag)
		}
	}
	if regexp.MustCompile(`<script[^>]*>[^<]+</script>`).Match(page.Body) {
		t.Error("the docs page has an inline script body")
	}
	init := e.NoKey.Do("GET", "/docs/assets/swagger-init.js", nil)
	if init.Status != 200 || !strings.Contains(string(init.Body), `SwaggerUIBundle({url: "/openapi.json"`) ||
		!strings.HasPrefix(init.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("init script: %s", init)
	}
	js := e.NoKey.Do("GET", "/docs/assets/swagger-ui-bundle.js", nil)
	if js.Status != 200 || len(js.Body) < 500_000 || !strings.Contains(string(js.Body[:2000]), "function") {
		t.Fatalf("bundle: %d bytes, status %d", len(js.Body), js.Status)
	}
	if r := e.NoKey.Do("GET", "/docs/assets/../../etc/passwd", nil); r.Status == 200 {
		t.Fatal("asset path traversal")
	}
	if r := e.NoKey.Do("GET", "/metrics", nil); r.Status != 200 || !strings.Contains(string(r.Body), "perimeter_http_requests_total") {
		t.Fatalf("metrics: %s", r.Body[:min(200, len(r.Body))])
	}
}
