package api_test

import (
	"context"
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestPlanLimitsEnforced: every plan feature refuses with a 403 naming the
// limit and the count, allows below it, and a subscription override lifts it.
func TestPlanLimitsEnforced(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.New(t, engine)
		if r := e.Admin.Do("POST", "/v2/plans", map[string]any{"product": "pci", "name": "Small",
			"features": map[string]any{"max_ips": 10, "rescans": 1, "scans_per_month": 3, "max_users": 2}}); r.Status != 201 {
			t.Fatalf("plan: %s", r)
		}
		org := e.NewOrg(e.Admin, map[string]any{"name": "Small Co", "skip_default_subscription": true, "plans": []any{map[string]any{"plan": "Small"}}})
		admin := e.NewUser(e.Admin, org, "admin")
		sub := e.Admin.Do("GET", "/v2/organizations/"+org+"/subscriptions/active", nil).Str("subscriptions.0.id")
		newUser := func(email string) map[string]any {
			return map[string]any{"email": email, "first_name": "A", "last_name": "B", "organization_id": org, "role": "user",
				"password": "a-long-password", "confirmed": true}
		}
		var ta, tb string
		apitest.Run(t, []apitest.Scenario{
			{Name: "max_users: below", As: admin, Method: "POST", Path: "/v2/users", Body: newUser("second@small.test"), Status: 201},
			{Name: "max_users: at the limit", As: admin, Method: "POST", Path: "/v2/users", Body: newUser("third@small.test"), Status: 403,
				Want: []string{"max_users: 2 allowed, 2 in use"}},
			{Name: "max_ips: below", As: admin, Method: "POST", Path: "/v2/targets", Body: map[string]any{"name": "a", "hosts": "10.0.0.0/29"}, Status: 201,
				Check: func(t *testing.T, r *apitest.Resp) { ta = r.Str("target.id") }},
			{Name: "max_ips: over on create", As: admin, Method: "POST", Path: "/v2/targets", Body: map[string]any{"name": "b", "hosts": "10.0.1.0/30"}, Status: 403,
				Want: []string{"max_ips: 10 allowed, 12 in use"}},
			{Name: "max_ips: exactly at it", As: admin, Method: "POST", Path: "/v2/targets", Body: map[string]any{"name": "b", "hosts": "10.0.1.0/31"}, Status: 201,
				Check: func(t *testing.T, r *apitest.Resp) { tb = r.Str("target.id") }},
		})
		apitest.Run(t, []apitest.Scenario{
			{Name: "max_ips: over on update", As: admin, Method: "PUT", Path: "/v2/targets/" + ta, Body: map[string]any{"hosts": "10.0.0.0/28"}, Status: 403,
				Want: []string{"max_ips: 10 allowed, 18 in use"}},
		})
		scan := func(name, target string) string {
			r := admin.Do("POST", "/v2/scans", map[string]any{"name": name, "target_id": target})
			if r.Status != 201 {
				t.Fatalf("scan: %s", r)
			}
			return r.Str("scan.id")
		}
		sa, sb, sc := scan("A", ta), scan("B", tb), scan("C", ta)
		start := func(id string) string { return "/v2/scans/" + id + "/start" }
		stop := func(id string) string { return "/v2/scans/" + id + "/stop" }
		apitest.Run(t, []apitest.Scenario{
			{Name: "first run", As: admin, Method: "POST", Path: start(sa), Status: 202},
			{Name: "stop 1", As: admin, Method: "POST", Path: stop(sa), Status: 200},
			{Name: "rescans: below", As: admin, Method: "POST", Path: start(sa), Status: 202},
			{Name: "stop 2", As: admin, Method: "POST", Path: stop(sa), Status: 200},
			{Name: "rescans: at the limit", As: admin, Method: "POST", Path: start(sa), Status: 403, Want: []string{"rescans: 1 allowed, 1 in use"}},
			{Name: "third run this month", As: admin, Method: "POST", Path: start(sb), Status: 202},
			{Name: "stop 3", As: admin, Method: "POST", Path: stop(sb), Status: 200},
			{Name: "scans_per_month: at the limit", As: admin, Method: "POST", Path: start(sc), Status: 403, Want: []string{"scans_per_month: 3 allowed, 3 in use"}},
			{Name: "nothing was queued", As: admin, Method: "GET", Path: "/v2/scans/" + sc, Status: 200, Want: []string{`"status":"new"`}},
			// The superadmin (an ancestor) lifts the limits on the subscription.
			{Name: "override", As: e.Admin, Method: "POST", Path: "/v2/organizations/" + org + "/subscriptions/" + sub + "/features",
				Body: map[string]any{"features": map[string]any{"scans_per_month": "unlimited", "max_users": 3, "max_ips": 20, "rescans": "unlimited"}}, Status: 200},
			{Name: "scans_per_month lifted", As: admin, Method: "POST", Path: start(sc), Status: 202},
			{Name: "rescans lifted", As: admin, Method: "POST", Path: start(sa), Status: 202},
			{Name: "max_users lifted", As: admin, Method: "POST", Path: "/v2/users", Body: newUser("third@small.test"), Status: 201},
			{Name: "max_ips lifted", As: admin, Method: "PUT", Path: "/v2/targets/" + ta, Body: map[string]any{"hosts": "10.0.0.0/28"}, Status: 200},
			// rescans "none": no run after the first.
			{Name: "rescans none", As: e.Admin, Method: "POST", Path: "/v2/organizations/" + org + "/subscriptions/" + sub + "/features",
				Body: map[string]any{"features": map[string]any{"rescans": "none"}}, Status: 200},
			{Name: "stop", As: admin, Method: "POST", Path: stop(sa), Status: 200},
			{Name: "rescans: none allowed", As: admin, Method: "POST", Path: start(sa), Status: 403, Want: []string{"rescans: 0 allowed, 2 in use"}},
			// The platform organization is never limited.
			{Name: "platform unlimited", As: e.Admin, Method: "POST", Path: "/v2/targets", Body: map[string]any{"name": "big", "hosts": "10.0.0.0/8"}, Status: 201},
		})
	})
}

// TestAPIAccessFeature: API keys of an organization without api_access are
// refused with 403; another plan granting it, or an override, lets them in.
func TestAPIAccessFeature(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.New(t, engine)
		ctx := context.Background()
		if r := e.Admin.Do("POST", "/v2/plans", map[string]any{"product": "pci", "name": "No API",
			"features": map[string]any{"max_ips": 10, "api_access": false}}); r.Status != 201 {
			t.Fatalf("plan: %s", r)
		}
		closed := e.NewOrg(e.Admin, map[string]any{"name": "Closed", "skip_default_subscription": true, "plans": []any{map[string]any{"plan": "No API"}}})
		mixed := e.NewOrg(e.Admin, map[string]any{"name": "Mixed", "skip_default_subscription": true,
			"plans": []any{map[string]any{"plan": "No API"}, map[string]any{"plan": "VRMS Standard"}}})
		u := e.NewUser(e.Admin, closed, "admin") // signed in with the platform key
		closedKey, err := e.App.IssueAPIKey(ctx, closed, "closed")
		if err != nil {
			t.Fatal(err)
		}
		mixedKey, err := e.App.IssueAPIKey(ctx, mixed, "mixed")
		if err != nil {
			t.Fatal(err)
		}
		signIn := map[string]string{"username": u.Email, "password": "a-long-password"}
		sub := e.Admin.Do("GET", "/v2/organizations/"+closed+"/subscriptions/active", nil).Str("subscriptions.0.id")
		apitest.Run(t, []apitest.Scenario{
			{Name: "sign in refused", As: e.Anon.WithKey(closedKey), Method: "POST", Path: "/auth/sign_in", Body: signIn, Status: 403,
				Want: []string{"api_access"}},
			{Name: "session with the key refused", As: u.WithKey(closedKey), Method: "GET", Path: "/v2/user", Status: 403, Want: []string{"api_access"}},
			{Name: "the platform's key still works", As: u, Method: "GET", Path: "/v2/user", Status: 200},
			{Name: "one plan granting it is enough (the key passes; the tree rule then refuses root: 401)", As: e.Anon.WithKey(mixedKey), Method: "POST", Path: "/auth/sign_in",
				Body: map[string]string{"username": "root@platform.test", "password": apitest.AdminPassword}, Status: 401},
			{Name: "override grants it", As: e.Admin, Method: "POST", Path: "/v2/organizations/" + closed + "/subscriptions/" + sub + "/features",
				Body: map[string]any{"features": map[string]any{"api_access": true}}, Status: 200},
			{Name: "sign in now", As: e.Anon.WithKey(closedKey), Method: "POST", Path: "/auth/sign_in", Body: signIn, Status: 200},
		})
	})
}

// BenchmarkAuthenticatedRequest measures GET /v2/user as a customer user on
// SQLite: the API key lookup with its api_access check, the session, the
// handler, over loopback.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	e := apitest.New(b, "sqlite")
	org := e.NewOrg(e.Admin, map[string]any{"name": "Bench"})
	key, err := e.App.IssueAPIKey(context.Background(), org, "bench")
	if err != nil {
		b.Fatal(err)
	}
	u := e.NewUser(e.Admin, org, "user").WithKey(key)
	b.ResetTimer()
	for b.Loop() {
		if r := u.Do("GET", "/v2/user", nil); r.Status != 200 {
			b.Fatal(r)
		}
	}
}
