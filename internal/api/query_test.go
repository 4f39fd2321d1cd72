package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestQueryStringIsStrict: a query string the server would only partly
// understand is refused, never half-applied (issue 15).
func TestQueryStringIsStrict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.New(t, engine)
		long := strings.Repeat("a", 50_001)
		apitest.Run(t, []apitest.Scenario{
			{Name: "a target to find", As: e.Admin, Method: "POST", Path: "/v2/targets", Body: map[string]any{"name": "lab", "hosts": "127.0.0.1"}, Status: 201},
			// Go's URL parser drops a pair holding a raw ';': the filter would vanish.
			{Name: "raw semicolon in a filter", As: e.Admin, Method: "GET", Path: "/v2/targets?q[name]=zzz;x", Status: 400,
				Want: []string{"Malformed query string", "semicolon"}},
			{Name: "raw semicolon in sort_by", As: e.Admin, Method: "GET", Path: "/v2/targets?sort_by=name;DROP%20TABLE%20targets", Status: 400},
			{Name: "raw semicolon on a non-list operation", As: e.Admin, Method: "GET", Path: "/v2/user?x=1;y=2", Status: 400},
			{Name: "bad escape", As: e.Admin, Method: "GET", Path: "/v2/targets?q[name]=%zz", Status: 400, Want: []string{"Malformed query string"}},
			{Name: "an escaped semicolon is a value", As: e.Admin, Method: "GET", Path: "/v2/targets?q[name]=zzz%3Bx", Status: 200, Want: []string{`"total_count":0`}},
			{Name: "escaped semicolon in sort_by names sort_by", As: e.Admin, Method: "GET", Path: "/v2/targets?sort_by=name%3BDROP%20TABLE%20targets", Status: 400,
				Want: []string{`"sort_by":["unknown sort column 'name;DROP TABLE targets'; allowed: `}, NotIn: []string{"sort_order"}},
			{Name: "sort_by col desc still works", As: e.Admin, Method: "GET", Path: "/v2/targets?sort_by=name%20desc", Status: 200},
			{Name: "sort_by with a bad direction names sort_by", As: e.Admin, Method: "GET", Path: "/v2/targets?sort_by=name%20sideways", Status: 400,
				Want: []string{`"sort_by"`, "allowed: "}},
			// SQLite refuses LIKE patterns over 50 000 bytes: that was a 500.
			{Name: "long filter on port lists", As: e.Admin, Method: "GET", Path: "/v2/port_lists?q[name]=" + long, Status: 400,
				Want: []string{`"q[name]":["is longer than 1000 bytes"]`}},
			{Name: "long filter on scanners", As: e.Admin, Method: "GET", Path: "/v2/scanners?q[name]=" + long, Status: 400, Want: []string{`"q[name]"`}},
			{Name: "long filter on organizations", As: e.Admin, Method: "GET", Path: "/v2/organizations?q[name]=" + long, Status: 400, Want: []string{`"q[name]"`}},
			{Name: "long filter on targets", As: e.Admin, Method: "GET", Path: "/v2/targets?q[name]=" + long, Status: 400, Want: []string{`"q[name]"`}},
			{Name: "long wildcard filter", As: e.Admin, Method: "GET", Path: "/v2/targets?q[hosts]=*" + long + "*", Status: 400, Want: []string{`"q[hosts]"`}},
			{Name: "a filter at the limit is fine", As: e.Admin, Method: "GET", Path: "/v2/targets?q[name]=" + strings.Repeat("a", listing.MaxValueLength), Status: 200},
			// Non-canonical paths: ServeMux would redirect with an HTML body.
			{Name: "dot-dot path", As: e.Admin, Method: "GET", Path: "/v2/../v2/targets", Status: 400, Want: []string{"use '/v2/targets'"}},
			{Name: "dot path", As: e.Admin, Method: "GET", Path: "/v2/./targets", Status: 400},
			{Name: "double slash", As: e.Admin, Method: "GET", Path: "/v2//targets", Status: 400},
			{Name: "dot-dot without a key is JSON too", As: e.NoKey, Method: "GET", Path: "/docs/assets/../../etc/passwd", Status: 400},
		})
	})
}

// TestEveryListLimitsFilterValues sends an over-long value to the first
// filter of every list operation in the OpenAPI document.
func TestEveryListLimitsFilterValues(t *testing.T) {
	e := apitest.New(t, store.SQLite)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(e.NoKey.Do("GET", "/openapi.json", nil).Body, &doc); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", listing.MaxValueLength+1)
	lists := 0
	for path, item := range doc.Paths {
		get, ok := item["get"]
		if !ok {
			continue
		}
		for _, p := range get.Parameters {
			if p.In != "query" || !strings.HasPrefix(p.Name, "q[") {
				continue
			}
			lists++
			u := strings.NewReplacer("{id}", "01900000-0000-7000-8000-000000000001",
				"{history_id}", "01900000-0000-7000-8000-000000000002").Replace(path) + "?" + p.Name + "=" + long
			r := e.Admin.Do("GET", u, nil)
			if r.Status != 400 || !strings.Contains(string(r.Body), `"`+p.Name+`"`) {
				t.Errorf("GET %s with a long %s: %d %.200s", path, p.Name, r.Status, r.Body)
			}
			break
		}
	}
	if lists < 10 {
		t.Fatalf("only %d list operations found", lists)
	}
}
