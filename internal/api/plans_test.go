package api_test

import (
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

func TestPlansCRUD(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		e := tr.e
		var gold, silver string
		apitest.Run(t, []apitest.Scenario{
			{Name: "create", As: e.Admin, Method: "POST", Path: "/v2/plans",
				Body: map[string]any{"product": "pci", "name": "Gold", "description": "big", "features": map[string]any{
					"max_ips": 1024, "rescans": "Unlimited", "scans_per_month": 10, "max_users": "5", "api_access": true}}, Status: 201,
				Want:  []string{`"name":"Gold"`, `"max_ips":1024`, `"rescans":"unlimited"`, `"max_users":5`, `"api_access":true`, `"is_default":false`},
				Check: func(t *testing.T, r *apitest.Resp) { gold = r.Str("plan.id") }},
			{Name: "max_ips required", As: e.Admin, Method: "POST", Path: "/v2/plans",
				Body: map[string]any{"product": "pci", "name": "X", "features": map[string]any{"rescans": "none"}}, Status: 422,
				Want: []string{`"features.max_ips":["is required"]`}},
			{Name: "every bad field named", As: e.Admin, Method: "POST", Path: "/v2/plans",
				Body: map[string]any{"product": "web", "name": " ", "features": map[string]any{"max_ips": -1, "rescans": "lots",
					"scans_per_month": 1.5, "api_access": "yes", "bogus": 1}}, Status: 422,
				Want: []string{`"product":["'web' is not one of: pci, vrms, penetration"]`, `"name":["can't be blank"]`,
					`"features.max_ips":["must be a non-negative integer"]`, `"features.rescans":["must be \"unlimited\", \"none\" or a non-negative integer"]`,
					`"features.scans_per_month"`, `"features.api_access":["must be true or false"]`, `"features.bogus":["is not a known feature`}},
			{Name: "features of the wrong JSON type", As: e.Admin, Method: "POST", Path: "/v2/plans",
				Body: map[string]any{"product": "pci", "name": "X", "features": []int{1}}, Status: 422, Want: []string{`"features"`}},
			{Name: "name taken", As: e.Admin, Method: "POST", Path: "/v2/plans",
				Body: map[string]any{"product": "pci", "name": "Gold", "features": map[string]any{"max_ips": 1}}, Status: 422,
				Want: []string{`"name":["has already been taken for this product"]`}},
			{Name: "same name, other product", As: e.Admin, Method: "POST", Path: "/v2/plans",
				Body: map[string]any{"product": "vrms", "name": "Gold", "features": map[string]any{"max_ips": 1}}, Status: 201},
			{Name: "new default replaces the old", As: e.Admin, Method: "POST", Path: "/v2/plans",
				Body: map[string]any{"product": "penetration", "name": "Silver", "features": map[string]any{"max_ips": 2}, "is_default": true}, Status: 201,
				Check: func(t *testing.T, r *apitest.Resp) { silver = r.Str("plan.id") }},
			{Name: "one default per product", As: e.Admin, Method: "GET", Path: "/v2/plans?q[product]=penetration&q[is_default]=true", Status: 200,
				Want: []string{`"total_count":1`, `"name":"Silver"`}},
		})
		apitest.Run(t, []apitest.Scenario{
			{Name: "a default cannot be unset", As: e.Admin, Method: "PUT", Path: "/v2/plans/" + silver, Body: map[string]any{"is_default": false}, Status: 422,
				Want: []string{`"is_default"`}},
			{Name: "update", As: e.Admin, Method: "PUT", Path: "/v2/plans/" + gold,
				Body: map[string]any{"name": "Gold 2", "features": map[string]any{"max_ips": 2048, "rescans": 3}}, Status: 200,
				Want: []string{`"name":"Gold 2"`, `"max_ips":2048`, `"rescans":3`}, NotIn: []string{`"api_access"`}},
			{Name: "update: bad feature, nothing written", As: e.Admin, Method: "PUT", Path: "/v2/plans/" + gold,
				Body: map[string]any{"name": "Gold 3", "features": map[string]any{"max_ips": "many"}}, Status: 422, Want: []string{`"features.max_ips"`}},
			{Name: "unchanged", As: e.Admin, Method: "GET", Path: "/v2/plans/" + gold, Status: 200, Want: []string{`"name":"Gold 2"`, `"max_ips":2048`}},
			{Name: "audit", As: e.Admin, Method: "GET", Path: "/v2/audit/events?q[resource_id]=" + gold + "&q[action]=plan.update", Status: 200,
				Want: []string{`"total_count":1`}},
			// Permission model: superadmin writes; administrators read; users nothing.
			{Name: "partner admin reads", As: tr.pAdmin, Method: "GET", Path: "/v2/plans?q[name]=gold", Status: 200, Want: []string{`"total_count":2`}},
			{Name: "customer admin reads one", As: tr.c1Admin, Method: "GET", Path: "/v2/plans/" + gold, Status: 200},
			{Name: "partner admin cannot create", As: tr.pAdmin, Method: "POST", Path: "/v2/plans",
				Body: map[string]any{"product": "pci", "name": "Mine", "features": map[string]any{"max_ips": 1}}, Status: 403},
			{Name: "customer admin cannot update", As: tr.c1Admin, Method: "PUT", Path: "/v2/plans/" + gold, Body: map[string]any{"name": "x"}, Status: 403},
			{Name: "partner admin cannot delete", As: tr.pAdmin, Method: "DELETE", Path: "/v2/plans/" + gold, Status: 403},
			{Name: "user cannot list", As: tr.c1User, Method: "GET", Path: "/v2/plans", Status: 403},
			{Name: "user reads products and the registry", As: tr.c1User, Method: "GET", Path: "/v2/products", Status: 200,
				Want: []string{`"id":"pci"`, `"id":"vrms"`, `"id":"penetration"`, `"key":"max_ips"`, `"required":true`, `"key":"api_access"`, `"type":"boolean"`}},
			{Name: "not a plan id", As: e.Admin, Method: "GET", Path: "/v2/plans/nope", Status: 404},
			{Name: "unknown plan", As: e.Admin, Method: "PUT", Path: "/v2/plans/01900000-0000-7000-8000-00000000dead", Body: map[string]any{"name": "x"}, Status: 404},
		})
		// Delete: 409 while subscribed (naming the count), then archived (history keeps it).
		if r := tr.pAdmin.Do("POST", "/v2/organizations/"+tr.c1+"/subscribe", map[string]any{"plan": gold}); r.Status != 201 {
			t.Fatalf("subscribe: %s", r)
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "delete with an active subscription", As: e.Admin, Method: "DELETE", Path: "/v2/plans/" + gold, Status: 409,
				Want: []string{"1 active subscription(s)"}},
			{Name: "delete the default", As: e.Admin, Method: "DELETE", Path: "/v2/plans/" + silver, Status: 409, Want: []string{"default"}},
			{Name: "unsubscribe", As: tr.pAdmin, Method: "POST", Path: "/v2/organizations/" + tr.c1 + "/unsubscribe", Body: map[string]any{"plan": "Gold 2"}, Status: 200,
				Want: []string{`"status":"cancelled"`}},
			{Name: "delete", As: e.Admin, Method: "DELETE", Path: "/v2/plans/" + gold, Status: 204},
			{Name: "gone", As: e.Admin, Method: "GET", Path: "/v2/plans/" + gold, Status: 404},
			{Name: "not listed", As: e.Admin, Method: "GET", Path: "/v2/plans?q[product]=pci&q[name]=gold", Status: 200, Want: []string{`"total_count":0`}},
			{Name: "history keeps it", As: tr.pAdmin, Method: "GET", Path: "/v2/organizations/" + tr.c1 + "/subscriptions?q[status]=cancelled&q[product]=pci", Status: 200,
				Want: []string{`"plan":"Gold 2"`}},
			{Name: "cannot subscribe to it", As: tr.pAdmin, Method: "POST", Path: "/v2/organizations/" + tr.c1 + "/subscribe", Body: map[string]any{"plan": gold}, Status: 422,
				Want: []string{`"plan":["plan '` + gold + `' has been deleted"]`}},
		})
	})
}
