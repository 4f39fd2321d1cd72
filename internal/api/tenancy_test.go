package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// tree builds platform → partner P → customer C1, and platform → customer C2,
// with an admin in each and a plain user in C1.
type tree struct {
	e                  *apitest.Env
	p, c1, c2          string
	pAdmin, c1Admin    *apitest.Client
	c1User, c2Admin    *apitest.Client
	c1UserID, rootID   string
	c2AdminID, pEvents string
}

func newTree(t *testing.T, engine string) *tree {
	e := apitest.New(t, engine)
	tr := &tree{e: e}
	tr.p = e.NewOrg(e.Admin, map[string]any{"name": "Partner P", "type": "partner"})
	tr.c2 = e.NewOrg(e.Admin, map[string]any{"name": "Customer C2"})
	tr.pAdmin = e.NewUser(e.Admin, tr.p, "admin")
	tr.c1 = e.NewOrg(tr.pAdmin, map[string]any{"name": "Customer C1"})
	tr.c1Admin = e.NewUser(tr.pAdmin, tr.c1, "admin")
	tr.c1User = e.NewUser(tr.c1Admin, tr.c1, "user")
	tr.c2Admin = e.NewUser(e.Admin, tr.c2, "admin")
	tr.c1UserID = tr.c1User.Do("GET", "/v2/user", nil).Str("user.id")
	tr.c2AdminID = tr.c2Admin.Do("GET", "/v2/user", nil).Str("user.id")
	tr.rootID = e.Boot.UserID
	return tr
}

func ids(r *apitest.Resp, list, field string) []string {
	items, _ := r.Get(list).([]any)
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprint(it.(map[string]any)[field]))
	}
	return out
}

func TestTenancyIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		e := tr.e
		platform := e.Boot.OrganizationID
		// An audit event of the platform organization (the bootstrap user's creation).
		platEvent := e.Admin.Do("GET", "/v2/audit/events?q[organization_id]="+platform+"&per_page=1", nil).Str("events.0.id")
		if platEvent == "" {
			t.Fatal("no platform audit event")
		}
		apitest.Run(t, []apitest.Scenario{
			// The customer's plain user: nothing of the platform or of other customers.
			{Name: "user: platform org", As: tr.c1User, Method: "GET", Path: "/v2/organizations/" + platform, Status: 404},
			{Name: "user: partner org", As: tr.c1User, Method: "GET", Path: "/v2/organizations/" + tr.p, Status: 404},
			{Name: "user: own org", As: tr.c1User, Method: "GET", Path: "/v2/organizations/" + tr.c1, Status: 200},
			{Name: "user: org list is own only", As: tr.c1User, Method: "GET", Path: "/v2/organizations", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { expectIDs(t, r, "organizations", tr.c1) }},
			{Name: "user: may not list users", As: tr.c1User, Method: "GET", Path: "/v2/users", Status: 403},
			{Name: "user: may not read audit", As: tr.c1User, Method: "GET", Path: "/v2/audit/events", Status: 403},

			// The customer's admin: 404 for everything outside C1.
			{Name: "admin: platform org", As: tr.c1Admin, Method: "GET", Path: "/v2/organizations/" + platform, Status: 404},
			{Name: "admin: platform user", As: tr.c1Admin, Method: "GET", Path: "/v2/users/" + tr.rootID, Status: 404},
			{Name: "admin: other customer's user", As: tr.c1Admin, Method: "GET", Path: "/v2/users/" + tr.c2AdminID, Status: 404},
			{Name: "admin: update other customer's user", As: tr.c1Admin, Method: "PUT", Path: "/v2/users/" + tr.c2AdminID, Body: map[string]string{"first_name": "X"}, Status: 404},
			{Name: "admin: delete other customer's user", As: tr.c1Admin, Method: "DELETE", Path: "/v2/users/" + tr.c2AdminID, Status: 404},
			{Name: "admin: platform audit event", As: tr.c1Admin, Method: "GET", Path: "/v2/audit/events/" + platEvent, Status: 404},
			{Name: "admin: create user in platform", As: tr.c1Admin, Method: "POST", Path: "/v2/users",
				Body: map[string]any{"email": "sneaky@x.test", "first_name": "S", "last_name": "N", "organization_id": platform}, Status: 422,
				Want: []string{`"organization_id"`}},
			{Name: "admin: users list is C1 only, whatever the filter", As: tr.c1Admin, Method: "GET", Path: "/v2/users?q[email]=*&sort_by=email&per_page=500", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					expectIDs(t, r, "users", tr.c1Admin.Email, tr.c1User.Email)
				}},
			{Name: "admin: filter by another org id finds nothing", As: tr.c1Admin, Method: "GET", Path: "/v2/users?q[organization_id]=" + tr.c2, Status: 200,
				Want: []string{`"total_count":0`}},
			{Name: "admin: root e-mail search finds nothing", As: tr.c1Admin, Method: "GET", Path: "/v2/users?q[email]=root", Status: 200, Want: []string{`"total_count":0`}},
			{Name: "admin: audit list is C1 only", As: tr.c1Admin, Method: "GET", Path: "/v2/audit/events?per_page=500", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					for _, org := range ids(r, "events", "organization_id") {
						if org != tr.c1 {
							t.Fatalf("customer admin sees an event of %s", org)
						}
					}
				}},
			{Name: "admin: cannot create organizations below a customer", As: tr.c1Admin, Method: "POST", Path: "/v2/organizations", Body: map[string]any{"name": "Sub"}, Status: 422,
				Want: []string{`"parent_id"`}},

			// The partner's admin manages its customers, and nothing else.
			{Name: "partner: sees its customer", As: tr.pAdmin, Method: "GET", Path: "/v2/organizations/" + tr.c1, Status: 200},
			{Name: "partner: not another customer", As: tr.pAdmin, Method: "GET", Path: "/v2/organizations/" + tr.c2, Status: 404},
			{Name: "partner: not the platform", As: tr.pAdmin, Method: "GET", Path: "/v2/organizations/" + platform, Status: 404},
			{Name: "partner: org list", As: tr.pAdmin, Method: "GET", Path: "/v2/organizations?sort_by=name", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { expectIDs(t, r, "organizations", tr.c1, tr.p) }},
			{Name: "partner: paging stays inside", As: tr.pAdmin, Method: "GET", Path: "/v2/users?per_page=1&page=4&sort_by=email", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					if n := r.Get("pagination.total_count").(float64); n != 3 {
						t.Fatalf("partner manages 3 users, total_count=%v", n)
					}
					if len(ids(r, "users", "id")) != 0 {
						t.Fatal("page past the end must be empty")
					}
				}},
			{Name: "partner: user of its customer", As: tr.pAdmin, Method: "GET", Path: "/v2/users/" + tr.c1UserID, Status: 200},
			{Name: "partner: not a user of another customer", As: tr.pAdmin, Method: "GET", Path: "/v2/users/" + tr.c2AdminID, Status: 404},
			{Name: "partner: no partner orgs", As: tr.pAdmin, Method: "POST", Path: "/v2/organizations", Body: map[string]any{"name": "P2", "type": "partner"}, Status: 422, Want: []string{`"type"`}},
			{Name: "partner: cannot delete another customer", As: tr.pAdmin, Method: "DELETE", Path: "/v2/organizations/" + tr.c2, Status: 404},
			{Name: "partner: cannot suspend itself", As: tr.pAdmin, Method: "PUT", Path: "/v2/organizations/" + tr.p, Body: map[string]string{"status": "suspended"}, Status: 422},
			{Name: "partner: cannot grant superadmin", As: tr.pAdmin, Method: "POST", Path: "/v2/users",
				Body: map[string]any{"email": "boss@x.test", "first_name": "B", "last_name": "B", "role": "superadmin"}, Status: 422, Want: []string{`"role"`}},
			{Name: "partner: audit sees its customer's events", As: tr.pAdmin, Method: "GET", Path: "/v2/audit/events?q[organization_id]=" + tr.c1, Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					if r.Get("pagination.total_count").(float64) == 0 {
						t.Fatal("partner admin must see events of its customers")
					}
				}},
		})
	})
}

func expectIDs(t *testing.T, r *apitest.Resp, list string, want ...string) {
	t.Helper()
	field := "id"
	if strings.Contains(want[0], "@") {
		field = "email"
	}
	got := ids(r, list, field)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s = %v, want %v", list, got, want)
	}
}

func TestAPIKeyTreeRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		ctx := context.Background()
		c2Key, err := tr.e.App.IssueAPIKey(ctx, tr.c2, "c2")
		if err != nil {
			t.Fatal(err)
		}
		pKey, err := tr.e.App.IssueAPIKey(ctx, tr.p, "partner")
		if err != nil {
			t.Fatal(err)
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "another customer's key", As: tr.c1User.WithKey(c2Key), Method: "GET", Path: "/v2/user", Status: 401},
			{Name: "a parent partner's key", As: tr.c1User.WithKey(pKey), Method: "GET", Path: "/v2/user", Status: 200},
			{Name: "a child's key for a platform user", As: tr.e.Admin.WithKey(c2Key), Method: "GET", Path: "/v2/user", Status: 401},
			{Name: "sign in with another customer's key", As: tr.c1User.WithKey(c2Key).WithAuth(""), Method: "POST", Path: "/auth/sign_in",
				Body: map[string]string{"username": tr.c1User.Email, "password": "a-long-password"}, Status: 401, Want: []string{"Invalid username or password"}},
		})
	})
}

func TestOrganizationLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.New(t, engine)
		var orgID string
		apitest.Run(t, []apitest.Scenario{
			{Name: "skip without plans", As: e.Admin, Method: "POST", Path: "/v2/organizations", Body: map[string]any{"name": "A", "skip_default_subscription": true}, Status: 422,
				Want: []string{`"plans":["are required when skip_default_subscription is true"]`}},
			{Name: "unknown plan", As: e.Admin, Method: "POST", Path: "/v2/organizations",
				Body: map[string]any{"name": "A", "skip_default_subscription": true, "plans": []any{map[string]any{"plan": "Gold"}}}, Status: 422,
				Want: []string{`"plans[0].plan":["plan 'Gold' not found"]`}},
			{Name: "bad interval", As: e.Admin, Method: "POST", Path: "/v2/organizations",
				Body: map[string]any{"name": "A", "skip_default_subscription": true, "plans": []any{map[string]any{"plan": "PCI Standard", "interval": "weekly"}}}, Status: 422,
				Want: []string{`"plans[0].interval"`}},
			{Name: "first plan per product wins", As: e.Admin, Method: "POST", Path: "/v2/organizations",
				Body: map[string]any{"name": "Acme", "skip_default_subscription": true, "plans": []any{
					map[string]any{"plan": "PCI Standard", "interval": "yearly"},
					map[string]any{"plan": "01900000-0000-7000-8000-000000000001", "interval": "monthly"},
				}}, Status: 201,
				Check: func(t *testing.T, r *apitest.Resp) {
					subs, _ := r.Get("organization.subscriptions").([]any)
					if len(subs) != 1 || r.Str("organization.subscriptions.0.interval") != "yearly" || r.Str("organization.subscriptions.0.product") != "pci" {
						t.Fatalf("subscriptions = %v", subs)
					}
				}},
			{Name: "defaults for every product", As: e.Admin, Method: "POST", Path: "/v2/organizations", Body: map[string]any{"name": "Beta", "country": "DE"}, Status: 201,
				Check: func(t *testing.T, r *apitest.Resp) {
					orgID = r.Str("organization.id")
					if subs, _ := r.Get("organization.subscriptions").([]any); len(subs) != 3 {
						t.Fatalf("want a default subscription per product, got %v", subs)
					}
				}},
		})
		apitest.Run(t, []apitest.Scenario{
			{Name: "update", As: e.Admin, Method: "PUT", Path: "/v2/organizations/" + orgID, Body: map[string]any{"name": "Beta GmbH", "status": "suspended"}, Status: 200,
				Want: []string{`"name":"Beta GmbH"`, `"status":"suspended"`}},
			{Name: "blank name", As: e.Admin, Method: "PUT", Path: "/v2/organizations/" + orgID, Body: map[string]any{"name": ""}, Status: 422, Want: []string{`"name"`}},
			{Name: "wrong type names the field", As: e.Admin, Method: "PUT", Path: "/v2/organizations/" + orgID, Body: map[string]any{"name": 5}, Status: 422,
				Want: []string{`"errors":{"name":["must be a string, not number"]}`}},
			{Name: "filter by country", As: e.Admin, Method: "GET", Path: "/v2/organizations?q[country]=de", Status: 200, Want: []string{"Beta GmbH", `"total_count":1`}},
			{Name: "audit records the change", As: e.Admin, Method: "GET", Path: "/v2/audit/events?q[resource_id]=" + orgID + "&q[action]=organization.update", Status: 200,
				Want: []string{`"name":["Beta","Beta GmbH"]`, `"status":["active","suspended"]`}},
			{Name: "platform cannot be deleted", As: e.Admin, Method: "DELETE", Path: "/v2/organizations/" + e.Boot.OrganizationID, Status: 403},
			{Name: "delete", As: e.Admin, Method: "DELETE", Path: "/v2/organizations/" + orgID, Status: 204},
			{Name: "gone", As: e.Admin, Method: "GET", Path: "/v2/organizations/" + orgID, Status: 404},
		})
		// A partner with a customer is a 409; users of a suspended organization cannot act.
		p := e.NewOrg(e.Admin, map[string]any{"name": "P", "type": "partner"})
		pa := e.NewUser(e.Admin, p, "admin")
		c := e.NewOrg(pa, map[string]any{"name": "C"})
		cu := e.NewUser(pa, c, "user")
		apitest.Run(t, []apitest.Scenario{
			{Name: "parent with customers", As: e.Admin, Method: "DELETE", Path: "/v2/organizations/" + p, Status: 409},
			{Name: "suspend customer", As: pa, Method: "PUT", Path: "/v2/organizations/" + c, Body: map[string]any{"status": "suspended"}, Status: 200},
			{Name: "suspended users cannot act", As: cu, Method: "GET", Path: "/v2/user", Status: 403, Want: []string{"suspended"}},
			{Name: "nor sign in", As: e.Anon, Method: "POST", Path: "/auth/sign_in", Body: map[string]string{"username": cu.Email, "password": "a-long-password"}, Status: 403},
		})
	})
}

func TestUserManagement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		e := tr.e
		pending := ""
		apitest.Run(t, []apitest.Scenario{
			{Name: "unconfirmed user", As: tr.c1Admin, Method: "POST", Path: "/v2/users",
				Body: map[string]any{"email": "new@c1.test", "first_name": "N", "last_name": "U", "password": "a-long-password"}, Status: 201,
				Want: []string{`"confirmed":false`}, Check: func(t *testing.T, r *apitest.Resp) { pending = r.Str("user.id") }},
			{Name: "unconfirmed cannot sign in", As: e.Anon, Method: "POST", Path: "/auth/sign_in", Body: map[string]string{"username": "new@c1.test", "password": "a-long-password"}, Status: 401},
			{Name: "cannot change own role", As: tr.c1Admin, Method: "PUT", Path: "/v2/users/" + tr.c1Admin.Do("GET", "/v2/user", nil).Str("user.id"),
				Body: map[string]string{"role": "user"}, Status: 422},
		})
		apitest.Run(t, []apitest.Scenario{
			{Name: "cannot delete self", As: tr.c1Admin, Method: "DELETE", Path: "/v2/users/" + tr.c1Admin.Do("GET", "/v2/user", nil).Str("user.id"), Status: 403},
			{Name: "promote", As: tr.c1Admin, Method: "PUT", Path: "/v2/users/" + tr.c1UserID, Body: map[string]string{"role": "read_only", "last_name": "Renamed"}, Status: 200,
				Want: []string{`"role":"read_only"`, `"last_name":"Renamed"`}},
			{Name: "read only cannot write", As: tr.c1User, Method: "PUT", Path: "/v2/users/" + pending, Body: map[string]string{"first_name": "Z"}, Status: 403},
			{Name: "partner admin cannot touch a superadmin", As: tr.pAdmin, Method: "GET", Path: "/v2/users/" + tr.rootID, Status: 404},
			{Name: "delete", As: tr.c1Admin, Method: "DELETE", Path: "/v2/users/" + pending, Status: 204},
			{Name: "deleted", As: tr.c1Admin, Method: "GET", Path: "/v2/users/" + pending, Status: 404},
			{Name: "last admin cannot be deleted", As: tr.pAdmin, Method: "DELETE", Path: "/v2/users/" + tr.c1Admin.Do("GET", "/v2/user", nil).Str("user.id"), Status: 409},
		})
	})
}
