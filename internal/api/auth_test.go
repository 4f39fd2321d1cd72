package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

func TestAPIKeyIsRequiredEverywhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.New(t, engine)
		revoked, err := e.App.IssueAPIKey(context.Background(), e.Boot.OrganizationID, "to revoke")
		if err != nil {
			t.Fatal(err)
		}
		rk := e.Anon.WithKey(revoked)
		if r := rk.Do("POST", "/auth/sign_in", map[string]string{"username": "root@platform.test", "password": apitest.AdminPassword}); r.Status != 200 {
			t.Fatalf("a fresh key must work: %s", r)
		}
		// Revoke it directly in the store (there is no endpoint for keys).
		k, _ := e.App.AuthenticateAPIKey(context.Background(), revoked)
		if err := e.Store.Tx(context.Background(), func(q *store.Q) error {
			return q.RevokeAPIKey(context.Background(), e.Boot.OrganizationID, k.ID, time.Now())
		}); err != nil {
			t.Fatal(err)
		}
		signIn := map[string]string{"username": "root@platform.test", "password": apitest.AdminPassword}
		apitest.Run(t, []apitest.Scenario{
			{Name: "no key on sign in", As: e.NoKey, Method: "POST", Path: "/auth/sign_in", Body: signIn, Status: 401, Want: []string{"X-API-KEY"}},
			{Name: "no key with a valid session", As: e.Admin.WithKey(""), Method: "GET", Path: "/v2/user", Status: 401},
			{Name: "unknown key", As: e.Admin.WithKey("pmk_" + strings.Repeat("A", 43)), Method: "GET", Path: "/v2/user", Status: 401},
			{Name: "garbage key", As: e.Admin.WithKey("nonsense"), Method: "GET", Path: "/v2/user", Status: 401},
			{Name: "revoked key", As: rk, Method: "POST", Path: "/auth/sign_in", Body: signIn, Status: 401},
			{Name: "revoked key with session", As: e.Admin.WithKey(revoked), Method: "GET", Path: "/v2/user", Status: 401},
			{Name: "key without user", As: e.Anon, Method: "GET", Path: "/v2/user", Status: 401, Want: []string{"Authorization"}},
			{Name: "operational needs no key", As: e.NoKey, Method: "GET", Path: "/healthz", Status: 200, Want: []string{`"ok"`}},
			{Name: "readiness", As: e.NoKey, Method: "GET", Path: "/readyz", Status: 200},
			{Name: "unknown route is a JSON 404", As: e.NoKey, Method: "GET", Path: "/v2/nothing-here", Status: 404},
		})
	})
}

func TestSessionsAndAccessTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.New(t, engine)
		sess := e.SignIn(e.Key, "root@platform.test", apitest.AdminPassword)
		var token1, token2 string
		apitest.Run(t, []apitest.Scenario{
			{Name: "bearer works", As: sess, Method: "GET", Path: "/v2/user", Status: 200, Want: []string{`"email":"root@platform.test"`, `"role":"superadmin"`}, NotIn: []string{"password"}},
			{Name: "validate session", As: sess, Method: "GET", Path: "/v2/user/validate_token", Status: 200, Want: []string{`"valid":true`, `"type":"session"`}},
			{Name: "permissions", As: sess, Method: "GET", Path: "/v2/user/permissions", Status: 200, Want: []string{`"users:manage"`, `"targets:write"`}},
			{Name: "wrong scheme", As: sess.WithAuth("Token abc"), Method: "GET", Path: "/v2/user", Status: 401},
			{Name: "bad bearer", As: sess.WithAuth("Bearer pms_nope"), Method: "GET", Path: "/v2/user", Status: 401},
			{Name: "generate access token", As: sess, Method: "PUT", Path: "/v2/user/generate_access_token", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { token1 = r.Str("access_token") }},
			{Name: "regenerate", As: sess, Method: "PUT", Path: "/v2/user/generate_access_token", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { token2 = r.Str("access_token") }},
		})
		if token1 == "" || token1 == token2 || !strings.HasPrefix(token1, "pmt_") {
			t.Fatalf("access tokens %q %q", token1, token2)
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "old access token stops", As: sess.WithAuth("Basic " + token1), Method: "GET", Path: "/v2/user", Status: 401},
			{Name: "new access token works as Basic", As: sess.WithAuth("Basic " + token2), Method: "GET", Path: "/v2/user", Status: 200},
			{Name: "access token does not expire", As: sess.WithAuth("Basic " + token2), Method: "GET", Path: "/v2/user/validate_token", Status: 200,
				Want: []string{`"type":"access_token"`, `"expires_at":null`}},
			{Name: "sign out needs a session", As: sess.WithAuth("Basic " + token2), Method: "DELETE", Path: "/auth/sign_out", Status: 400},
			{Name: "revoke access token", As: sess, Method: "DELETE", Path: "/v2/user/access_token", Status: 204},
			{Name: "revoked access token", As: sess.WithAuth("Basic " + token2), Method: "GET", Path: "/v2/user", Status: 401},
			{Name: "revoke again", As: sess, Method: "DELETE", Path: "/v2/user/access_token", Status: 404},
			{Name: "sign out", As: sess, Method: "DELETE", Path: "/auth/sign_out", Status: 204},
			{Name: "signed out session stops", As: sess, Method: "GET", Path: "/v2/user", Status: 401},
			{Name: "other sessions live on", As: e.Admin, Method: "GET", Path: "/v2/user", Status: 200},
		})
	})
}

func TestSessionExpires(t *testing.T) {
	e := apitest.NewWithConfig(t, store.SQLite, app.Config{SessionTTL: time.Hour})
	sess := e.SignIn(e.Key, "root@platform.test", apitest.AdminPassword)
	e.App.SetClock(func() time.Time { return time.Now().Add(61 * time.Minute) })
	if r := sess.Do("GET", "/v2/user", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("expired session: %s", r)
	}
}

// TestSignInThrottle: failures count per username and client address; after
// five, tries from that address wait (30 s, doubling, at most 15 min) while
// other addresses sign in normally, and unknown usernames are answered the
// same way (issue 15: the per-username lock let anyone lock any account).
func TestSignInThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.New(t, engine)
		var clock atomic.Int64
		clock.Store(time.Now().UnixNano())
		e.App.SetClock(func() time.Time { return time.Unix(0, clock.Load()) })
		advance := func(d time.Duration) { clock.Add(int64(d)) }
		attacker, victim := e.Anon, e.Anon.From("127.0.0.2")
		signIn := func(c *apitest.Client, user, password string) string {
			t.Helper()
			r := c.Do("POST", "/auth/sign_in", map[string]string{"username": user, "password": password})
			switch r.Status {
			case 200:
				return "200"
			case 401:
				if r.Str("message") != "Invalid username or password" {
					t.Fatalf("401 message %q", r.Str("message"))
				}
				return "401"
			case 429:
				return "429 retry " + r.Header.Get("Retry-After")
			}
			t.Fatalf("sign in %s: %s", user, r)
			return ""
		}
		audited := 0 // failed password checks
		fail := func(user, want string) {
			t.Helper()
			if got := signIn(attacker, user, "wrong-password"); got != want {
				t.Fatalf("%s: %q, want %q", user, got, want)
			}
			audited++
		}
		for _, user := range []string{"root@platform.test", "nobody@platform.test"} {
			for range 4 {
				fail(user, "401")
			}
			fail(user, "429 retry 30")
			// While it waits, that address is refused without a password check,
			// right password or not, known user or not.
			if got := signIn(attacker, user, apitest.AdminPassword); got != "429 retry 30" {
				t.Fatalf("%s during the wait: %q", user, got)
			}
		}
		// Another address is not affected: the attacker cannot lock the account out.
		if got := signIn(victim, "Root@Platform.test", apitest.AdminPassword); got != "200" {
			t.Fatalf("the right password from another address: %q", got)
		}
		if got := signIn(victim, "root@platform.test", "typo"); got != "401" {
			t.Fatalf("another address has its own count: %q", got)
		}
		audited++
		// Each further failure from the attacker's address doubles the wait, up to 15 minutes.
		wait := 30 * time.Second
		for _, want := range []string{"60", "120", "240", "480", "900", "900"} {
			advance(wait + time.Second)
			fail("root@platform.test", "429 retry "+want)
			w, _ := strconv.Atoi(want)
			wait = time.Duration(w) * time.Second
		}
		if got := signIn(attacker, "root@platform.test", apitest.AdminPassword); got != "429 retry 900" {
			t.Fatalf("still waiting: %q", got)
		}
		// After the wait the right password works, and the count starts over.
		advance(wait + time.Second)
		if got := signIn(attacker, "root@platform.test", apitest.AdminPassword); got != "200" {
			t.Fatalf("after the wait: %q", got)
		}
		fail("root@platform.test", "401")
		// Failures are forgotten 15 minutes after the last one (here: after the end of the wait).
		if got := signIn(attacker, "nobody@platform.test", "wrong-password"); got != "401" {
			t.Fatalf("the unknown user's count should be forgotten: %q", got)
		}
		audited++
		r := e.Admin.Do("GET", "/v2/audit/events?q[action]=auth.sign_in_failed&per_page=1", nil)
		if r.Status != 200 || r.Get("pagination.total_count").(float64) != float64(audited) {
			t.Fatalf("failed sign-ins audited (%d): %s", audited, r)
		}
		r = e.Admin.Do("GET", "/v2/audit/events?q[action]=auth.sign_in_failed&q[resource_id]="+e.Boot.UserID+"&per_page=500", nil)
		if !strings.Contains(string(r.Body), `"throttled":true`) || !strings.Contains(string(r.Body), `"failures":11`) {
			t.Fatalf("audit events should say when a failure made the address wait: %s", r)
		}
	})
}

// TestSignInThrottleHoldsUnderConcurrency: concurrent tries from one address
// cannot overtake the count — at most five password checks before the wait.
func TestSignInThrottleHoldsUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.New(t, engine)
		c := e.Anon.From("127.0.0.3")
		statuses := make(chan int, 20)
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				statuses <- c.Do("POST", "/auth/sign_in", map[string]string{"username": "root@platform.test", "password": "guess"}).Status
			})
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for st := range statuses {
			count[st]++
		}
		if count[401] != 4 || count[429] != 16 {
			t.Fatalf("statuses %v, want 4×401 and 16×429", count)
		}
		if got := e.Anon.Do("POST", "/auth/sign_in", map[string]string{"username": "root@platform.test", "password": apitest.AdminPassword}); got.Status != 200 {
			t.Fatalf("another address: %s", got)
		}
	})
}

func TestRequestValidation(t *testing.T) {
	e := apitest.New(t, store.SQLite)
	big := `{"email":"` + strings.Repeat("a", 1<<20) + `"}`
	apitest.Run(t, []apitest.Scenario{
		{Name: "sign in blank", As: e.Anon, Method: "POST", Path: "/auth/sign_in", Body: `{}`, Status: 422,
			Want: []string{`"username":["can't be blank"]`, `"password":["can't be blank"]`}},
		{Name: "malformed JSON", As: e.Admin, Method: "POST", Path: "/v2/users", Body: `{"email": `, Status: 400, Want: []string{"Malformed JSON"}},
		{Name: "trailing data", As: e.Admin, Method: "POST", Path: "/v2/users", Body: `{"email":"a@b.test"} {"x":1}`, Status: 400, Want: []string{"after the JSON value"}},
		{Name: "not an object", As: e.Admin, Method: "POST", Path: "/v2/users", Body: `[1,2]`, Status: 400},
		{Name: "wrong type names the field", As: e.Admin, Method: "POST", Path: "/v2/users", Body: `{"email":"a@b.test","first_name":5}`, Status: 422,
			Want: []string{`"first_name":["must be a string, not number"]`}},
		{Name: "too large", As: e.Admin, Method: "POST", Path: "/v2/users", Body: big, Status: 413},
		{Name: "every invalid field", As: e.Admin, Method: "POST", Path: "/v2/users",
			Body: map[string]any{"email": "not-an-email", "role": "god", "timezone": "Mars/Base", "password": "short"}, Status: 422,
			Want: []string{`"email":["'not-an-email' is not a valid e-mail address"]`, `'god' is not one of`, `"first_name":["can't be blank"]`,
				`'Mars/Base' is not an IANA time zone`, `"password":["is too short`}},
		{Name: "unknown fields are refused", As: e.Admin, Method: "POST", Path: "/v2/users",
			Body: map[string]any{"email": "x@y.test", "first_name": "X", "last_name": "Y", "favourite_colour": "blue", "organization_id": e.Boot.OrganizationID}, Status: 422,
			Want: []string{`"favourite_colour":["is not a known field"]`}},
		{Name: "create", As: e.Admin, Method: "POST", Path: "/v2/users",
			Body: map[string]any{"email": "x@y.test", "first_name": "X", "last_name": "Y", "organization_id": e.Boot.OrganizationID}, Status: 201},
		{Name: "duplicate e-mail", As: e.Admin, Method: "POST", Path: "/v2/users",
			Body: map[string]any{"email": "X@y.test", "first_name": "X", "last_name": "Y"}, Status: 422, Want: []string{`"email":["has already been taken"]`}},
		{Name: "unknown filter lists allowed columns", As: e.Admin, Method: "GET", Path: "/v2/users?q[password_hash]=x", Status: 400,
			Want: []string{"allowed: confirmed, email, first_name, last_name, name, organization_id, partner, role"}},
		{Name: "unknown sort", As: e.Admin, Method: "GET", Path: "/v2/users?sort_by=password_hash", Status: 400, Want: []string{`"sort_by"`}},
		{Name: "bad relative date", As: e.Admin, Method: "GET", Path: "/v2/users?relative_date_range=10w", Status: 400, Want: []string{"relative_date_range"}},
		{Name: "per_page too big", As: e.Admin, Method: "GET", Path: "/v2/users?per_page=501", Status: 400, Want: []string{"per_page"}},
		{Name: "id that cannot exist", As: e.Admin, Method: "GET", Path: "/v2/users/0", Status: 404},
		{Name: "well-formed id that does not exist", As: e.Admin, Method: "GET", Path: "/v2/users/01900000-0000-7000-8000-000000000999", Status: 404},
	})
}

func TestPasswordChangeRevokesOtherSessions(t *testing.T) {
	e := apitest.New(t, store.SQLite)
	other := e.SignIn(e.Key, "root@platform.test", apitest.AdminPassword)
	apitest.Run(t, []apitest.Scenario{
		{Name: "wrong current", As: e.Admin, Method: "PUT", Path: "/v2/user/password",
			Body: map[string]string{"current_password": "nope", "password": "new-password-123", "password_confirmation": "new-password-123"}, Status: 422,
			Want: []string{`"current_password":["is incorrect"]`}},
		{Name: "confirmation mismatch", As: e.Admin, Method: "PUT", Path: "/v2/user/password",
			Body: map[string]string{"current_password": apitest.AdminPassword, "password": "new-password-123", "password_confirmation": "other"}, Status: 422,
			Want: []string{`"password_confirmation":["doesn't match password"]`}},
		{Name: "change", As: e.Admin, Method: "PUT", Path: "/v2/user/password",
			Body: map[string]string{"current_password": apitest.AdminPassword, "password": "new-password-123", "password_confirmation": "new-password-123"}, Status: 200},
		{Name: "this session lives", As: e.Admin, Method: "GET", Path: "/v2/user", Status: 200},
		{Name: "other session revoked", As: other, Method: "GET", Path: "/v2/user", Status: 401},
		{Name: "old password refused", As: e.Anon, Method: "POST", Path: "/auth/sign_in", Body: map[string]string{"username": "root@platform.test", "password": apitest.AdminPassword}, Status: 401},
		{Name: "new password works", As: e.Anon, Method: "POST", Path: "/auth/sign_in", Body: map[string]string{"username": "root@platform.test", "password": "new-password-123"}, Status: 200},
		{Name: "update profile", As: e.Admin, Method: "PUT", Path: "/v2/user", Body: map[string]string{"first_name": "Ada", "timezone": "Europe/Berlin"}, Status: 200,
			Want: []string{`"first_name":"Ada"`, `"timezone":"Europe/Berlin"`}},
		{Name: "profile validation", As: e.Admin, Method: "PUT", Path: "/v2/user", Body: map[string]string{"first_name": " "}, Status: 422, Want: []string{`"first_name"`}},
	})
}
