package api_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

func TestSubscriptions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		e := tr.e
		gold := e.Admin.Do("POST", "/v2/plans", map[string]any{"product": "pci", "name": "Gold",
			"features": map[string]any{"max_ips": 1000, "rescans": 2}}).Str("plan.id")
		c1 := "/v2/organizations/" + tr.c1
		var goldSub, oldPCI string
		apitest.Run(t, []apitest.Scenario{
			{Name: "defaults at creation", As: tr.c1Admin, Method: "GET", Path: c1 + "/subscriptions/active", Status: 200,
				Want: []string{`"total_count":3`, `"plan":"PCI Standard"`},
				Check: func(t *testing.T, r *apitest.Resp) {
					for _, s := range r.Get("subscriptions").([]any) {
						if m := s.(map[string]any); m["product"] == "pci" {
							oldPCI = m["id"].(string)
						}
					}
				}},
			{Name: "partner subscribes its customer", As: tr.pAdmin, Method: "POST", Path: c1 + "/subscribe",
				Body: map[string]any{"plan": "gold", "interval": "yearly"}, Status: 201,
				Want:  []string{`"plan":"Gold"`, `"interval":"yearly"`, `"status":"active"`, `"organization_id":"` + tr.c1 + `"`},
				Check: func(t *testing.T, r *apitest.Resp) { goldSub = r.Str("subscription.id") }},
			{Name: "again: conflict", As: tr.pAdmin, Method: "POST", Path: c1 + "/subscribe", Body: map[string]any{"plan": gold}, Status: 409},
			{Name: "bad input named", As: tr.pAdmin, Method: "POST", Path: c1 + "/subscribe", Body: map[string]any{"plan": "gold", "interval": "weekly"}, Status: 422,
				Want: []string{`"interval":["'weekly' is not one of: none, monthly, yearly"]`}},
			{Name: "unknown plan", As: tr.pAdmin, Method: "POST", Path: c1 + "/subscribe", Body: map[string]any{"plan": "Platinum"}, Status: 422,
				Want: []string{`"plan":["plan 'Platinum' not found"]`}},
			{Name: "still one active per product", As: tr.c1Admin, Method: "GET", Path: c1 + "/subscriptions/active?q[product]=pci", Status: 200,
				Want: []string{`"total_count":1`, `"plan":"Gold"`}},
			{Name: "the old one ended", As: tr.c1Admin, Method: "GET", Path: c1 + "/subscriptions?q[status]=cancelled", Status: 200,
				Want: []string{`"total_count":1`, `"plan":"PCI Standard"`}, NotIn: []string{`"end_date":null`}},
			{Name: "all", As: tr.c1Admin, Method: "GET", Path: c1 + "/subscriptions", Status: 200, Want: []string{`"total_count":4`}},
		})
		apitest.Run(t, []apitest.Scenario{
			// The customer's own admin may not change its own plan (only pick a default one).
			{Name: "own admin: other plan refused", As: tr.c1Admin, Method: "POST", Path: "/v2/organizations/subscribe", Body: map[string]any{"plan": "Gold"}, Status: 403},
			{Name: "own admin: features refused", As: tr.c1Admin, Method: "POST", Path: c1 + "/subscriptions/" + goldSub + "/features",
				Body: map[string]any{"features": map[string]any{"max_ips": 1 << 30}}, Status: 403},
			{Name: "plain user: no subscription reads", As: tr.c1User, Method: "GET", Path: c1 + "/subscriptions", Status: 403},
			// Another organization's subscriptions do not exist for a customer admin.
			{Name: "cross: list", As: tr.c2Admin, Method: "GET", Path: c1 + "/subscriptions", Status: 404},
			{Name: "cross: active", As: tr.c2Admin, Method: "GET", Path: c1 + "/subscriptions/active", Status: 404},
			{Name: "cross: show", As: tr.c2Admin, Method: "GET", Path: c1 + "/subscriptions/" + goldSub, Status: 404},
			{Name: "cross: show via own org", As: tr.c2Admin, Method: "GET", Path: "/v2/organizations/" + tr.c2 + "/subscriptions/" + goldSub, Status: 404},
			{Name: "cross: update", As: tr.c2Admin, Method: "PUT", Path: c1 + "/subscriptions/" + goldSub, Body: map[string]any{"interval": "none"}, Status: 404},
			{Name: "cross: assign", As: tr.c2Admin, Method: "POST", Path: c1 + "/subscriptions/" + goldSub + "/features", Body: map[string]any{"features": map[string]any{"max_ips": 1}}, Status: 404},
			{Name: "cross: revoke", As: tr.c2Admin, Method: "DELETE", Path: c1 + "/subscriptions/" + goldSub + "/features", Body: map[string]any{"keys": []string{"max_ips"}}, Status: 404},
			{Name: "cross: subscribe", As: tr.c2Admin, Method: "POST", Path: c1 + "/subscribe", Body: map[string]any{"plan": "PCI Standard"}, Status: 404},
			{Name: "cross: unsubscribe", As: tr.c2Admin, Method: "POST", Path: c1 + "/unsubscribe", Body: map[string]any{"subscription_id": goldSub}, Status: 404},
			{Name: "cross: partner of another tree", As: tr.pAdmin, Method: "GET", Path: "/v2/organizations/" + tr.c2 + "/subscriptions", Status: 404},
		})
		apitest.Run(t, []apitest.Scenario{
			// Feature overrides take precedence over the plan.
			{Name: "assign", As: tr.pAdmin, Method: "POST", Path: c1 + "/subscriptions/" + goldSub + "/features",
				Body: map[string]any{"features": map[string]any{"max_ips": 5, "api_access": false}}, Status: 200,
				Want: []string{`"features":{"api_access":false,"max_ips":5}`}},
			{Name: "assign: bad value named", As: tr.pAdmin, Method: "POST", Path: c1 + "/subscriptions/" + goldSub + "/features",
				Body: map[string]any{"features": map[string]any{"max_ips": "lots", "nope": true}}, Status: 422,
				Want: []string{`"features.max_ips"`, `"features.nope"`}},
			{Name: "assign: empty", As: tr.pAdmin, Method: "POST", Path: c1 + "/subscriptions/" + goldSub + "/features", Body: map[string]any{"features": map[string]any{}}, Status: 422,
				Want: []string{`"features":["can't be empty"]`}},
			{Name: "in force for the user", As: tr.c1User, Method: "GET", Path: "/v2/user/plans", Status: 200,
				Want: []string{`"name":"Gold"`, `"effective_features":{"api_access":false,"max_ips":5,"max_users":"unlimited","rescans":2,"scans_per_month":"unlimited"}`}},
			{Name: "revoke", As: tr.pAdmin, Method: "DELETE", Path: c1 + "/subscriptions/" + goldSub + "/features", Body: map[string]any{"keys": []string{"api_access"}}, Status: 200,
				Want: []string{`"features":{"max_ips":5}`}},
			{Name: "revoke: not overridden", As: tr.pAdmin, Method: "DELETE", Path: c1 + "/subscriptions/" + goldSub + "/features", Body: map[string]any{"keys": []string{"rescans", "x"}}, Status: 422,
				Want: []string{`'rescans' is not overridden`, `'x' is not a known feature`}},
			{Name: "plan value again", As: tr.c1User, Method: "GET", Path: "/v2/user/plans", Status: 200, Want: []string{`"api_access":true,"max_ips":5`}},
			{Name: "update", As: tr.pAdmin, Method: "PUT", Path: c1 + "/subscriptions/" + goldSub,
				Body: map[string]any{"interval": "monthly", "end_date": "2099-01-01T00:00:00Z", "features": map[string]any{"rescans": "none"}}, Status: 200,
				Want: []string{`"interval":"monthly"`, `"end_date":"2099-01-01T00:00:00Z"`, `"features":{"max_ips":5,"rescans":"none"}`}},
			{Name: "update: end before start", As: tr.pAdmin, Method: "PUT", Path: c1 + "/subscriptions/" + goldSub,
				Body: map[string]any{"interval": "bogus", "end_date": "2000-01-01T00:00:00Z"}, Status: 422, Want: []string{`"interval"`, `"end_date":["must be after start_date"]`}},
			{Name: "update: nothing half-written", As: tr.pAdmin, Method: "GET", Path: c1 + "/subscriptions/" + goldSub, Status: 200, Want: []string{`"interval":"monthly"`}},
			{Name: "update: unknown subscription", As: tr.pAdmin, Method: "PUT", Path: c1 + "/subscriptions/01900000-0000-7000-8000-00000000dead", Body: map[string]any{}, Status: 404},
			// Dependent subscriptions: the caller's descendants only.
			{Name: "dependent: partner", As: tr.pAdmin, Method: "GET", Path: "/v2/organizations/dependent_subscriptions?per_page=100", Status: 200,
				Want: []string{`"total_count":4`, tr.c1}, NotIn: []string{tr.c2, `"organization_id":"` + tr.p + `"`}},
			{Name: "dependent: superadmin sees all", As: e.Admin, Method: "GET", Path: "/v2/organizations/dependent_subscriptions?q[organization_id]=" + tr.c2, Status: 200,
				Want: []string{`"total_count":3`}},
			{Name: "dependent: customer has none", As: tr.c1Admin, Method: "GET", Path: "/v2/organizations/dependent_subscriptions", Status: 200, Want: []string{`"total_count":0`}},
			{Name: "dependent: user refused", As: tr.c1User, Method: "GET", Path: "/v2/organizations/dependent_subscriptions", Status: 403},
			// Unsubscribe by plan or by id.
			{Name: "unsubscribe: neither", As: tr.pAdmin, Method: "POST", Path: c1 + "/unsubscribe", Body: map[string]any{}, Status: 422, Want: []string{`"plan"`}},
			{Name: "unsubscribe: not active", As: tr.pAdmin, Method: "POST", Path: c1 + "/unsubscribe", Body: map[string]any{"subscription_id": oldPCI}, Status: 422,
				Want: []string{`"subscription_id"`}},
			{Name: "unsubscribe by plan name", As: tr.pAdmin, Method: "POST", Path: c1 + "/unsubscribe", Body: map[string]any{"plan": "Penetration Standard"}, Status: 200,
				Want: []string{`"status":"cancelled"`, `"product":"penetration"`}},
			{Name: "unsubscribe by id", As: tr.pAdmin, Method: "POST", Path: c1 + "/unsubscribe", Body: map[string]any{"subscription_id": goldSub}, Status: 200,
				Want: []string{`"id":"` + goldSub + `"`, `"status":"cancelled"`}},
			// The current user's view.
			{Name: "my products", As: tr.c1User, Method: "GET", Path: "/v2/user/products", Status: 200,
				Want: []string{`"products":[{"id":"vrms"`}, NotIn: []string{`"id":"pci"`, `"id":"penetration"`}},
			{Name: "my subscriptions", As: tr.c1User, Method: "GET", Path: "/v2/user/subscriptions", Status: 200, Want: []string{`"total_count":4`}},
			{Name: "my plans", As: tr.c1User, Method: "GET", Path: "/v2/user/plans", Status: 200, Want: []string{`"name":"VRMS Standard"`}, NotIn: []string{`"Gold"`}},
			{Name: "product without subscription", As: tr.c1User, Method: "PUT", Path: "/v2/user/preferences/product", Body: map[string]any{"product": "pci"}, Status: 422,
				Want: []string{`"product":["your organization has no active subscription to pci"]`}},
			{Name: "bad product", As: tr.c1User, Method: "PUT", Path: "/v2/user/product", Body: map[string]any{"product": "web"}, Status: 422, Want: []string{`"product"`}},
			{Name: "set product", As: tr.c1User, Method: "PUT", Path: "/v2/user/product", Body: map[string]any{"product": "vrms"}, Status: 200, Want: []string{`"product":"vrms"`}},
			// Self-service: the own admin may take a default plan back.
			{Name: "own admin: default plan", As: tr.c1Admin, Method: "POST", Path: "/v2/organizations/subscribe", Body: map[string]any{"plan": "PCI Standard"}, Status: 201,
				Want: []string{`"plan":"PCI Standard"`, `"organization_id":"` + tr.c1 + `"`}},
			{Name: "products again", As: tr.c1User, Method: "PUT", Path: "/v2/user/preferences/product", Body: map[string]any{"product": "pci"}, Status: 200},
		})
	})
}

func TestUserOrganizationChangeAndExport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		e := tr.e
		tr.c2Admin.Do("PUT", "/v2/user/organization", map[string]any{"city": "=cmd|calc"})
		apitest.Run(t, []apitest.Scenario{
			{Name: "my organization", As: tr.c1User, Method: "GET", Path: "/v2/user/organization", Status: 200,
				Want: []string{`"id":"` + tr.c1 + `"`, `"subscriptions":[`}},
			{Name: "update: user refused", As: tr.c1User, Method: "PUT", Path: "/v2/user/organization", Body: map[string]any{"name": "x"}, Status: 403},
			{Name: "update: admin", As: tr.c1Admin, Method: "PUT", Path: "/v2/user/organization", Body: map[string]any{"name": "C1 Renamed", "city": "Oslo"}, Status: 200,
				Want: []string{`"name":"C1 Renamed"`, `"city":"Oslo"`}},
			{Name: "update: blank name", As: tr.c1Admin, Method: "PUT", Path: "/v2/user/organization", Body: map[string]any{"name": ""}, Status: 422, Want: []string{`"name"`}},
			{Name: "update: unknown field", As: tr.c1Admin, Method: "PUT", Path: "/v2/user/organization", Body: map[string]any{"status": "suspended"}, Status: 422},
			// Change: a partner admin steps into its customer, and back.
			{Name: "change: not managed", As: tr.pAdmin, Method: "PUT", Path: "/v2/organizations/change", Body: map[string]any{"organization_id": tr.c2}, Status: 422,
				Want: []string{`"organization_id":["organization '` + tr.c2 + `' not found"]`}},
			{Name: "change: blank", As: tr.pAdmin, Method: "PUT", Path: "/v2/organizations/change", Body: map[string]any{}, Status: 422, Want: []string{`"organization_id"`}},
			{Name: "change: user cannot leave home", As: tr.c1User, Method: "PUT", Path: "/v2/organizations/change", Body: map[string]any{"organization_id": tr.p}, Status: 422},
			{Name: "change: into customer", As: tr.pAdmin, Method: "PUT", Path: "/v2/organizations/change", Body: map[string]any{"organization_id": tr.c1}, Status: 200,
				Want: []string{`"id":"` + tr.c1 + `"`}},
			{Name: "acts in the customer", As: tr.pAdmin, Method: "GET", Path: "/v2/user/organization", Status: 200, Want: []string{`"id":"` + tr.c1 + `"`}},
			{Name: "creates in the customer", As: tr.pAdmin, Method: "POST", Path: "/v2/targets", Body: map[string]any{"name": "by partner", "hosts": "10.1.1.1"}, Status: 201},
			{Name: "own admin cannot end its own plan", As: tr.c1Admin, Method: "POST", Path: "/v2/organizations/" + tr.c1 + "/unsubscribe",
				Body: map[string]any{"plan": "Penetration Standard"}, Status: 403},
			{Name: "partner still manages the customer's plans while acting in it", As: tr.pAdmin, Method: "POST", Path: "/v2/organizations/" + tr.c1 + "/unsubscribe",
				Body: map[string]any{"plan": "Penetration Standard"}, Status: 200},
			{Name: "customer sees it", As: tr.c1User, Method: "GET", Path: "/v2/targets?q[name]=by%20partner", Status: 200, Want: []string{`"total_count":1`}},
			{Name: "change: back home", As: tr.pAdmin, Method: "PUT", Path: "/v2/organizations/change", Body: map[string]any{"organization_id": tr.p}, Status: 200},
			{Name: "home again", As: tr.pAdmin, Method: "GET", Path: "/v2/user/organization", Status: 200, Want: []string{`"id":"` + tr.p + `"`}},
			{Name: "home does not hold the customer's target", As: tr.pAdmin, Method: "GET", Path: "/v2/targets?q[name]=by%20partner", Status: 200, Want: []string{`"total_count":0`}},
			// Export: the caller's subtree only.
			{Name: "export: partner csv", As: tr.pAdmin, Method: "GET", Path: "/v2/organizations/export", Status: 200,
				Want:  []string{"id,name,type,status,parent_id,", tr.p, tr.c1, "C1 Renamed", "pci:PCI Standard; penetration:Penetration Standard; vrms:VRMS Standard"},
				NotIn: []string{tr.c2, "\n" + e.Boot.OrganizationID + ",", "Customer C2"},
				Check: func(t *testing.T, r *apitest.Resp) {
					if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
						t.Errorf("content type %q", r.Header.Get("Content-Type"))
					}
					if n := strings.Count(string(r.Body), "\n"); n != 3 {
						t.Errorf("want header + 2 rows, got %d lines: %s", n, r.Body)
					}
				}},
			{Name: "export: json", As: tr.pAdmin, Method: "GET", Path: "/v2/organizations/export?format=json", Status: 200,
				Want: []string{`{"organizations":[{`, `"id":"` + tr.c1 + `"`}, NotIn: []string{tr.c2},
				Check: func(t *testing.T, r *apitest.Resp) {
					if got := len(r.Get("organizations").([]any)); got != 2 {
						t.Errorf("want 2 organizations, got %d", got)
					}
				}},
			{Name: "export: formulas defused", As: e.Admin, Method: "GET", Path: "/v2/organizations/export", Status: 200, Want: []string{"'=cmd|calc", tr.c2}},
			{Name: "export: bad format", As: tr.pAdmin, Method: "GET", Path: "/v2/organizations/export?format=xml", Status: 400},
			{Name: "export: user refused", As: tr.c1User, Method: "GET", Path: "/v2/organizations/export", Status: 403},
			// A current organization that is suspended falls back to the home one (no lock-out).
			{Name: "change: into customer again", As: tr.pAdmin, Method: "PUT", Path: "/v2/organizations/change", Body: map[string]any{"organization_id": tr.c1}, Status: 200},
			{Name: "customer suspended", As: e.Admin, Method: "PUT", Path: "/v2/organizations/" + tr.c1, Body: map[string]any{"status": "suspended"}, Status: 200},
			{Name: "partner admin back home", As: tr.pAdmin, Method: "GET", Path: "/v2/user/organization", Status: 200, Want: []string{`"id":"` + tr.p + `"`}},
			{Name: "change: into a suspended one", As: tr.pAdmin, Method: "PUT", Path: "/v2/organizations/change", Body: map[string]any{"organization_id": tr.c1}, Status: 422,
				Want: []string{"suspended"}},
		})
	})
}

// TestSubscribeConcurrently: racing subscriptions to plans of one product
// leave exactly one active subscription, and every loser gets a 409 (never a
// 500 or a second active one).
func TestSubscribeConcurrently(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		for _, n := range []string{"Race A", "Race B"} {
			if r := tr.e.Admin.Do("POST", "/v2/plans", map[string]any{"product": "pci", "name": n, "features": map[string]any{"max_ips": 10}}); r.Status != 201 {
				t.Fatalf("plan: %s", r)
			}
		}
		const n = 8
		statuses := make(chan int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				plan := []string{"Race A", "Race B"}[i%2]
				statuses <- tr.pAdmin.Do("POST", "/v2/organizations/"+tr.c1+"/subscribe", map[string]any{"plan": plan}).Status
			}()
		}
		wg.Wait()
		close(statuses)
		for s := range statuses {
			if s != 201 && s != 409 {
				t.Errorf("status %d", s)
			}
		}
		r := tr.pAdmin.Do("GET", "/v2/organizations/"+tr.c1+"/subscriptions/active?q[product]=pci", nil)
		if r.Get("pagination.total_count") != float64(1) {
			t.Fatalf("want one active pci subscription: %s", r)
		}
	})
}
