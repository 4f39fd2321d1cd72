package api_test

import (
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

func TestImpersonation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		e := tr.e
		pAdminID := tr.pAdmin.Do("GET", "/v2/user", nil).Str("user.id")
		c1AdminID := tr.c1Admin.Do("GET", "/v2/user", nil).Str("user.id")
		var impTok string
		apitest.Run(t, []apitest.Scenario{
			{Name: "other tenant's admin", As: tr.c2Admin, Method: "POST", Path: "/auth/impersonate/" + tr.c1UserID, Status: 404},
			{Name: "plain user", As: tr.c1User, Method: "POST", Path: "/auth/impersonate/" + c1AdminID, Status: 404},
			{Name: "customer admin cannot reach its partner's admin", As: tr.c1Admin, Method: "POST", Path: "/auth/impersonate/" + pAdminID, Status: 404},
			{Name: "nor the platform", As: tr.pAdmin, Method: "POST", Path: "/auth/impersonate/" + tr.rootID, Status: 404},
			{Name: "not a uuid", As: tr.pAdmin, Method: "POST", Path: "/auth/impersonate/nope", Status: 404},
			{Name: "not yourself", As: tr.pAdmin, Method: "POST", Path: "/auth/impersonate/" + pAdminID, Status: 409},
			{Name: "nothing to end", As: tr.pAdmin, Method: "DELETE", Path: "/auth/impersonate", Status: 409},
			{Name: "partner admin impersonates a customer's user", As: tr.pAdmin, Method: "POST", Path: "/auth/impersonate/" + tr.c1UserID, Status: 200,
				Want:  []string{`"token":"pms_`, `"impersonator_id":"` + pAdminID + `"`, tr.c1UserID},
				Check: func(t *testing.T, r *apitest.Resp) { impTok = r.Str("token") }},
		})
		imp := e.Anon.WithAuth("Bearer " + impTok)
		var backTok string
		apitest.Run(t, []apitest.Scenario{
			{Name: "acts as the user", As: imp, Method: "GET", Path: "/v2/user", Status: 200, Want: []string{`"id":"` + tr.c1UserID + `"`}},
			{Name: "no chains", As: imp, Method: "POST", Path: "/auth/impersonate/" + tr.c1UserID, Status: 403, Want: []string{"already impersonating"}},
			{Name: "cannot touch the user's 2FA", As: imp, Method: "POST", Path: "/v2/user/2fa/enable", Body: map[string]string{"method": "totp"}, Status: 403},
			{Name: "work is audited with both", As: imp, Method: "PUT", Path: "/v2/user", Body: map[string]string{"first_name": "Changed"}, Status: 200},
			{Name: "audit of the start", As: tr.pAdmin, Method: "GET", Path: "/v2/audit/events?q[action]=auth.impersonate&q[resource_id]=" + tr.c1UserID, Status: 200,
				Want: []string{`"actor_id":"` + pAdminID + `"`, `"impersonator_id":"` + pAdminID + `"`, `"user_id":"` + tr.c1UserID + `"`}},
			{Name: "audit of the work", As: tr.pAdmin, Method: "GET", Path: "/v2/audit/events?q[action]=user.update&q[actor_id]=" + tr.c1UserID, Status: 200,
				Want: []string{`"impersonator_id":"` + pAdminID + `"`}},
			{Name: "end", As: imp, Method: "DELETE", Path: "/auth/impersonate", Status: 200, Want: []string{`"token":"pms_`, `"id":"` + pAdminID + `"`},
				NotIn: []string{"impersonator_id"}, Check: func(t *testing.T, r *apitest.Resp) { backTok = r.Str("token") }},
			{Name: "impersonation session is over", As: imp, Method: "GET", Path: "/v2/user", Status: 401},
		})
		apitest.Run(t, []apitest.Scenario{
			{Name: "back as the impersonator", As: e.Anon.WithAuth("Bearer " + backTok), Method: "GET", Path: "/v2/user", Status: 200, Want: []string{`"id":"` + pAdminID + `"`}},
			{Name: "customer admin impersonates own user", As: tr.c1Admin, Method: "POST", Path: "/auth/impersonate/" + tr.c1UserID, Status: 200},
			{Name: "superadmin impersonates anyone below", As: e.Admin, Method: "POST", Path: "/auth/impersonate/" + tr.c2AdminID, Status: 200},
			{Name: "access tokens cannot start it", As: tr.pAdmin.WithAuth("Basic " + tr.pAdmin.Do("PUT", "/v2/user/generate_access_token", nil).Str("access_token")),
				Method: "POST", Path: "/auth/impersonate/" + tr.c1UserID, Status: 400},
		})
	})
}
