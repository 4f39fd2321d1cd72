package api_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

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

// TestOpenAPIValidates checks the served document with a real validator
// (kin-openapi, which loads OpenAPI 3.1), plus what its loader cannot see:
// it decodes "servers": null as "no servers", which OpenAPI 3.1 forbids.
func TestOpenAPIValidates(t *testing.T) {
	e := apitest.New(t, store.SQLite)
	r := e.NoKey.Do("GET", "/openapi.json", nil)
	if r.Status != 200 {
		t.Fatalf("openapi.json: %s", r)
	}
	var raw struct {
		Servers json.RawMessage `json:"servers"`
		Info    struct {
			License struct {
				Name string `json:"name"`
			} `json:"license"`
		} `json:"info"`
	}
	if err := json.Unmarshal(r.Body, &raw); err != nil {
		t.Fatal(err)
	}
	var servers []struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(raw.Servers, &servers); err != nil || len(servers) == 0 || servers[0].URL == "" {
		t.Fatalf("servers must be a non-empty array of server objects, got %s", raw.Servers)
	}
	if raw.Info.License.Name == "" {
		t.Fatal("info.license.name is missing")
	}

	doc, err := openapi3.NewLoader().LoadFromData(r.Body)
	if err != nil {
		t.Fatalf("kin-openapi cannot load the document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("kin-openapi reads version %q", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid OpenAPI document: %v", err)
	}

	// Every operation documents the client errors it can answer.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			route := method + " " + path
			has := func(code string) bool { return op.Responses.Value(code) != nil }
			need := []string{"400", "500"}
			if op.Security == nil || len(*op.Security) > 0 { // security: [] marks the operational endpoints
				need = append(need, "401", "403")
			}
			if strings.Contains(path, "{") {
				need = append(need, "404")
			}
			if op.RequestBody != nil {
				need = append(need, "413", "422")
			}
			for _, code := range need {
				if !has(code) {
					t.Errorf("%s does not document %s", route, code)
				}
			}
		}
	}
	signIn := doc.Paths.Find("/auth/sign_in").Post
	if signIn.Responses.Value("429") == nil || !strings.Contains(signIn.Summary+signIn.Description, "per username and client address") {
		t.Errorf("sign_in must document its throttle: %q %q", signIn.Summary, signIn.Description)
	}
	if doc.Paths.Find("/v2/targets/{id}").Delete.Responses.Value("409") == nil {
		t.Error("DELETE /v2/targets/{id} must document 409")
	}
	if doc.Paths.Find("/v2/targets").Get.Responses.Value("409") != nil {
		t.Error("listing targets cannot conflict")
	}
}
