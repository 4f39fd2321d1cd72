package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

func userID(c *apitest.Client) string { return c.Do("GET", "/v2/user", nil).Str("user.id") }

func reasonCodes(r *apitest.Resp) []string {
	items, _ := r.Get("reasons").([]any)
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprint(it.(map[string]any)["code"]))
	}
	return out
}

func newTarget(t *testing.T, c *apitest.Client, name string) string {
	t.Helper()
	r := c.Do("POST", "/v2/targets", map[string]any{"name": name, "hosts": "192.0.2.10"})
	if r.Status != http.StatusCreated {
		t.Fatalf("create target: %s", r)
	}
	return r.Str("target.id")
}

func TestCustomerWizard(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		t.Parallel()
		tr := newTree(t, engine)
		e := tr.e
		good := func(name, email string) map[string]any {
			return map[string]any{
				"organization": map[string]any{"name": name, "email": "ops@" + email},
				"users": []any{
					map[string]any{"email": "admin@" + email, "first_name": "Ada", "last_name": "Min", "password": "a-long-password", "confirmed": true},
					map[string]any{"email": "worker@" + email, "first_name": "Wor", "last_name": "Ker", "role": "user"},
				},
			}
		}
		bad := good("Rollback Inc", "rollback.test")
		bad["users"].([]any)[1].(map[string]any)["email"] = "not-an-address"
		apitest.Run(t, []apitest.Scenario{
			{Name: "partner admin creates a customer", As: tr.pAdmin, Method: "POST", Path: "/v2/users/customers", Body: good("Acme", "acme.test"), Status: 201,
				Want:  []string{`"type":"customer"`, `"parent_id":"` + tr.p + `"`, `"admin@acme.test"`, `"worker@acme.test"`, `"subscriptions":[{`},
				NotIn: []string{"password"},
				Check: func(t *testing.T, r *apitest.Resp) {
					org := r.Str("organization.id")
					if r.Str("users.0.organization_id") != org || r.Str("users.1.organization_id") != org || r.Str("users.0.role") != "admin" || r.Str("users.1.role") != "user" {
						t.Fatalf("users: %s", r.Body)
					}
					admin := e.SignIn(e.Key, "admin@acme.test", "a-long-password")
					if got := admin.Do("GET", "/v2/user", nil); got.Str("user.organization_id") != org {
						t.Errorf("new admin's organization: %s", got)
					}
				}},
			{Name: "with chosen plans only", As: tr.pAdmin, Method: "POST", Path: "/v2/users/customers", Status: 201,
				Body: map[string]any{"organization": map[string]any{"name": "Planned"}, "skip_default_subscription": true,
					"plans": []any{map[string]any{"plan": "PCI Standard", "interval": "monthly"}},
					"users": []any{map[string]any{"email": "admin@planned.test", "first_name": "P", "last_name": "L"}}},
				Check: func(t *testing.T, r *apitest.Resp) {
					subs, _ := r.Get("organization.subscriptions").([]any)
					if len(subs) != 1 || r.Str("organization.subscriptions.0.product") != "pci" || r.Str("organization.subscriptions.0.interval") != "monthly" {
						t.Errorf("subscriptions: %s", r.Body)
					}
				}},
			{Name: "a bad user rolls everything back", As: tr.pAdmin, Method: "POST", Path: "/v2/users/customers", Body: bad, Status: 422,
				Want: []string{`"users[1].email"`}, NotIn: []string{`"users[0].`}},
			{Name: "nothing of the rolled-back customer exists", As: tr.pAdmin, Method: "GET", Path: "/v2/organizations?q[name]=Rollback", Status: 200,
				Want: []string{`"total_count":0`}},
			{Name: "nor its valid first user", As: tr.pAdmin, Method: "GET", Path: "/v2/users?q[email]=admin@rollback.test", Status: 200,
				Want: []string{`"total_count":0`}},
			{Name: "every bad part is named by its path", As: tr.pAdmin, Method: "POST", Path: "/v2/users/customers", Status: 422,
				Body: map[string]any{"organization": map[string]any{"name": ""}, "skip_default_subscription": true, "plans": []any{map[string]any{"plan": "no-such-plan"}},
					"users": []any{map[string]any{"email": "admin@acme.test", "first_name": "A", "last_name": "B"},
						map[string]any{"email": "x@y.test", "first_name": "X", "last_name": "Y", "role": "superadmin"}}},
				Want: []string{`"organization.name"`, `"plans[0].plan"`, `"users[0].email":["has already been taken"]`, `"users[1].role"`}},
			{Name: "at least one admin", As: tr.pAdmin, Method: "POST", Path: "/v2/users/customers", Status: 422,
				Body: map[string]any{"organization": map[string]any{"name": "No admin"}, "users": []any{map[string]any{"email": "u@noadmin.test", "first_name": "U", "last_name": "V", "role": "user"}}},
				Want: []string{`"users":["must include at least one admin"]`}},
			{Name: "no users", As: tr.pAdmin, Method: "POST", Path: "/v2/users/customers", Status: 422,
				Body: map[string]any{"organization": map[string]any{"name": "Empty"}}, Want: []string{`"users"`}},
			{Name: "a parent outside what the caller manages", As: tr.c2Admin, Method: "POST", Path: "/v2/users/customers", Status: 422,
				Body: map[string]any{"organization": map[string]any{"name": "Sneaky", "parent_id": tr.p}, "users": []any{map[string]any{"email": "s@sneaky.test", "first_name": "S", "last_name": "N"}}},
				Want: []string{`"organization.parent_id"`}},
			{Name: "a plain user may not", As: tr.c1User, Method: "POST", Path: "/v2/users/customers", Body: good("Nope", "nope.test"), Status: 403},
		})
	})
}

func TestCanDeleteAndTransfer(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		t.Parallel()
		tr := newTree(t, engine)
		e := tr.e
		c1AdminID := userID(tr.c1Admin)
		pUser := e.NewUser(tr.pAdmin, tr.p, "user")
		pUserID := userID(pUser)
		c1Other := e.NewUser(tr.c1Admin, tr.c1, "user")
		c1OtherID := userID(c1Other)
		newTarget(t, tr.c1User, "owned by c1 user")
		newTarget(t, tr.c1User, "also owned by c1 user")
		cd := "/v2/users/" + tr.c1UserID + "/can_delete"
		apitest.Run(t, []apitest.Scenario{
			{Name: "owner of resources cannot be deleted", As: tr.c1Admin, Method: "GET", Path: cd, Status: 200,
				Want: []string{`"can_delete":false`, `"code":"owns_resources"`, `"targets":2`}},
			{Name: "delete honours can_delete", As: tr.c1Admin, Method: "DELETE", Path: "/v2/users/" + tr.c1UserID, Status: 409,
				Want: []string{`"reasons"`, `owns_resources`, `2 targets`}},
			{Name: "last admin", As: tr.pAdmin, Method: "GET", Path: "/v2/users/" + c1AdminID + "/can_delete", Status: 200,
				Want: []string{`"can_delete":false`, `"code":"last_admin"`}},
			{Name: "my own can_delete", As: tr.c1Admin, Method: "GET", Path: "/v2/user/can_delete", Status: 200,
				Want: []string{`"can_delete":false`, `last_admin`}, NotIn: []string{`"self"`}},
			{Name: "oneself through users/{id}", As: tr.c1Admin, Method: "GET", Path: "/v2/users/" + c1AdminID + "/can_delete", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					if got := fmt.Sprint(reasonCodes(r)); got != "[self last_admin]" {
						t.Errorf("reasons %s", got)
					}
				}},
			{Name: "a deletable user", As: tr.c1Admin, Method: "GET", Path: "/v2/users/" + c1OtherID + "/can_delete", Status: 200,
				Want: []string{`"can_delete":true`, `"reasons":[]`}},
			{Name: "another tenant's user", As: tr.c1Admin, Method: "GET", Path: "/v2/users/" + tr.c2AdminID + "/can_delete", Status: 404},

			// Transfers: tenancy first.
			{Name: "transfer to another tenant's user", As: tr.c1Admin, Method: "POST", Path: "/v2/user/transfer_resources",
				Body: map[string]string{"from_user_id": tr.c1UserID, "to_user_id": tr.c2AdminID}, Status: 404, Want: []string{"to_user_id"}},
			{Name: "transfer from another tenant's user", As: tr.c1Admin, Method: "POST", Path: "/v2/user/transfer_resources",
				Body: map[string]string{"from_user_id": tr.c2AdminID, "to_user_id": c1OtherID}, Status: 404, Want: []string{"from_user_id"}},
			{Name: "inherit from another tenant's user", As: tr.c1Admin, Method: "POST", Path: "/v2/users/" + c1OtherID + "/inherit",
				Body: map[string]string{"from_user_id": tr.c2AdminID}, Status: 404},
			{Name: "inherit into another tenant's user", As: tr.c1Admin, Method: "POST", Path: "/v2/users/" + tr.c2AdminID + "/inherit",
				Body: map[string]string{"from_user_id": tr.c1UserID}, Status: 404},
			{Name: "from and to the same user", As: tr.c1Admin, Method: "POST", Path: "/v2/user/transfer_resources",
				Body: map[string]string{"from_user_id": tr.c1UserID, "to_user_id": tr.c1UserID}, Status: 422, Want: []string{`"to_user_id"`}},
			{Name: "blank ids", As: tr.c1Admin, Method: "POST", Path: "/v2/user/transfer_resources", Body: map[string]string{}, Status: 422,
				Want: []string{`"from_user_id"`, `"to_user_id"`}},
			{Name: "a plain user may not transfer", As: tr.c1User, Method: "POST", Path: "/v2/user/transfer_resources",
				Body: map[string]string{"from_user_id": tr.c1UserID, "to_user_id": c1OtherID}, Status: 403},
			{Name: "a receiver who could not see them", As: tr.pAdmin, Method: "POST", Path: "/v2/user/transfer_resources",
				Body: map[string]string{"from_user_id": tr.c1UserID, "to_user_id": pUserID}, Status: 422, Want: []string{`"to_user_id"`, "cannot see 2"}},
			{Name: "nothing moved after the refusal", As: tr.c1Admin, Method: "GET", Path: cd, Status: 200, Want: []string{`"targets":2`}},

			// The real move.
			{Name: "inherit moves every resource", As: tr.c1Admin, Method: "POST", Path: "/v2/users/" + c1OtherID + "/inherit",
				Body: map[string]string{"from_user_id": tr.c1UserID}, Status: 200, Want: []string{`"targets":2`, `"scans":0`}},
			{Name: "the giver owns nothing now", As: tr.c1Admin, Method: "GET", Path: cd, Status: 200, Want: []string{`"can_delete":true`}},
			{Name: "the receiver owns them", As: tr.c1Admin, Method: "GET", Path: "/v2/users/" + c1OtherID + "/can_delete", Status: 200,
				Want: []string{`"targets":2`}},
			{Name: "the targets are still there", As: tr.c1Admin, Method: "GET", Path: "/v2/targets", Status: 200, Want: []string{`"total_count":2`}},
			{Name: "an admin above may receive them", As: tr.pAdmin, Method: "POST", Path: "/v2/user/transfer_resources",
				Body: map[string]string{"from_user_id": c1OtherID, "to_user_id": userID(tr.pAdmin)}, Status: 200, Want: []string{`"targets":2`}},
			{Name: "now the giver may go", As: tr.c1Admin, Method: "DELETE", Path: "/v2/users/" + tr.c1UserID, Status: 204},
			{Name: "and is gone", As: tr.c1Admin, Method: "GET", Path: "/v2/users/" + tr.c1UserID, Status: 404},
			{Name: "audited", As: tr.c1Admin, Method: "GET", Path: "/v2/audit/events?q[action]=user.transfer_resources", Status: 200,
				Want: []string{`"total_count":1`}},
		})
	})
}

func TestPartnerFlag(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		t.Parallel()
		tr := newTree(t, engine)
		e := tr.e
		pAdminID := userID(tr.pAdmin)
		pOther := e.NewUser(e.Admin, tr.p, "admin")
		pOtherID := userID(pOther)
		apitest.Run(t, []apitest.Scenario{
			{Name: "superadmin sets it", As: e.Admin, Method: "PUT", Path: "/v2/users/" + pAdminID + "/partner", Status: 200, Want: []string{`"partner":true`}},
			{Name: "setting again is harmless", As: e.Admin, Method: "PUT", Path: "/v2/users/" + pAdminID + "/partner", Status: 200, Want: []string{`"partner":true`}},
			{Name: "not in one's own organization", As: tr.pAdmin, Method: "PUT", Path: "/v2/users/" + pOtherID + "/partner", Status: 403},
			{Name: "customer users cannot be partners", As: e.Admin, Method: "PUT", Path: "/v2/users/" + tr.c1UserID + "/partner", Status: 409,
				Want: []string{"partner organizations"}},
			{Name: "a customer admin cannot", As: tr.c1Admin, Method: "PUT", Path: "/v2/users/" + tr.c1UserID + "/partner", Status: 403},
			{Name: "another tenant's user", As: tr.c1Admin, Method: "DELETE", Path: "/v2/users/" + tr.c2AdminID + "/partner", Status: 404},
			{Name: "a plain user may not", As: tr.c1User, Method: "PUT", Path: "/v2/users/" + tr.c1UserID + "/partner", Status: 403},
			{Name: "the last partner user of an organization with customers keeps it", As: e.Admin, Method: "DELETE", Path: "/v2/users/" + pAdminID + "/partner",
				Status: 409, Want: []string{"last partner user", "1 customer organization"}},
			{Name: "and cannot be deleted", As: e.Admin, Method: "GET", Path: "/v2/users/" + pAdminID + "/can_delete", Status: 200,
				Want: []string{`"code":"last_partner"`}},
			{Name: "a second partner user", As: e.Admin, Method: "PUT", Path: "/v2/users/" + pOtherID + "/partner", Status: 200, Want: []string{`"partner":true`}},
			{Name: "now the first may be unset", As: e.Admin, Method: "DELETE", Path: "/v2/users/" + pAdminID + "/partner", Status: 200, Want: []string{`"partner":false`}},
			{Name: "the list filter sees it", As: e.Admin, Method: "GET", Path: "/v2/users?q[partner]=true", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { expectIDs(t, r, "users", pOtherID) }},
		})
	})
}

func TestDeleteMyAccount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		t.Parallel()
		tr := newTree(t, engine)
		e := tr.e
		leaver := e.NewUser(tr.c1Admin, tr.c1, "user")
		leaverID := userID(leaver)
		owner := e.NewUser(tr.c1Admin, tr.c1, "user")
		newTarget(t, owner, "keeps owner here")
		apitest.Run(t, []apitest.Scenario{
			{Name: "wrong password", As: leaver, Method: "DELETE", Path: "/v2/user", Body: map[string]string{"password": "not-my-password"}, Status: 422,
				Want: []string{`"password":["is incorrect"]`}},
			{Name: "no password", As: leaver, Method: "DELETE", Path: "/v2/user", Body: map[string]string{}, Status: 422, Want: []string{`"password"`}},
			{Name: "still here", As: tr.c1Admin, Method: "GET", Path: "/v2/users/" + leaverID, Status: 200},
			{Name: "the last admin may not leave", As: tr.c1Admin, Method: "DELETE", Path: "/v2/user", Body: map[string]string{"password": "a-long-password"}, Status: 409,
				Want: []string{`"can_delete":false`, `last_admin`}},
			{Name: "an owner may not leave", As: owner, Method: "DELETE", Path: "/v2/user", Body: map[string]string{"password": "a-long-password"}, Status: 409,
				Want: []string{`owns_resources`}},
			{Name: "my can_delete", As: leaver, Method: "GET", Path: "/v2/user/can_delete", Status: 200, Want: []string{`"can_delete":true`}},
			{Name: "right password", As: leaver, Method: "DELETE", Path: "/v2/user", Body: map[string]string{"password": "a-long-password"}, Status: 204},
			{Name: "the session is gone with the account", As: leaver, Method: "GET", Path: "/v2/user", Status: 401},
			{Name: "the account is gone", As: tr.c1Admin, Method: "GET", Path: "/v2/users/" + leaverID, Status: 404},
			{Name: "audited", As: tr.c1Admin, Method: "GET", Path: "/v2/audit/events?q[action]=user.delete_self", Status: 200, Want: []string{`"total_count":1`}},
		})
	})
}

func TestOrganizationMembers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		t.Parallel()
		tr := newTree(t, engine)
		ro := tr.e.NewUser(tr.c1Admin, tr.c1, "read_only")
		apitest.Run(t, []apitest.Scenario{
			{Name: "members of my organization only", As: tr.c1User, Method: "GET", Path: "/v2/user/organization/members?sort_by=email", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					expectIDs(t, r, "members", tr.c1Admin.Email, tr.c1User.Email, ro.Email)
				}},
			{Name: "read-only users see them too", As: ro, Method: "GET", Path: "/v2/user/organization/members", Status: 200, Want: []string{`"total_count":3`}},
			{Name: "filters", As: tr.c1User, Method: "GET", Path: "/v2/user/organization/members?q[role]=admin", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { expectIDs(t, r, "members", tr.c1Admin.Email) }},
			{Name: "an admin above sees only their own organization's members", As: tr.pAdmin, Method: "GET", Path: "/v2/user/organization/members", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { expectIDs(t, r, "members", tr.pAdmin.Email) }},
			{Name: "no secrets", As: tr.c1User, Method: "GET", Path: "/v2/user/organization/members", Status: 200, NotIn: []string{"password", "hash"}},
			{Name: "unknown filter", As: tr.c1User, Method: "GET", Path: "/v2/user/organization/members?q[password_hash]=x", Status: 400},
		})
	})
}
