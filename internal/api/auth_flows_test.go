package api_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

const newPassword = "a-brand-new-password"

func TestConfirmationFlow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newIDWorld(t, engine, nil)
		email := "fresh@c1.test"
		r := w.c1Admin.Do("POST", "/v2/users", map[string]any{"email": email, "first_name": "Fresh", "last_name": "User", "role": "user"})
		if r.Status != 201 {
			t.Fatal(r)
		}
		id := r.Str("user.id")
		subject, tok := w.mailToken(t, email, 1)
		if subject != "Confirm your account" {
			t.Errorf("subject %q", subject)
		}
		anon := w.e.Anon
		q := "/auth/confirmation?confirmation_token="
		apitest.Run(t, []apitest.Scenario{
			{Name: "unconfirmed cannot sign in", As: anon, Method: "POST", Path: "/auth/sign_in", Body: map[string]string{"username": email, "password": newPassword}, Status: 401},
			{Name: "show form", As: anon, Method: "GET", Path: q + url.QueryEscape(tok), Status: 200,
				Want: []string{`"email":"fresh@c1.test"`, `"first_name":"Fresh"`, `"needs_password":true`}},
			{Name: "wrong token", As: anon, Method: "GET", Path: q + "pmo_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Status: 404},
			{Name: "missing token", As: anon, Method: "GET", Path: "/auth/confirmation", Status: 422, Want: []string{"confirmation_token"}},
			{Name: "needs a key", As: w.e.NoKey, Method: "GET", Path: q + tok, Status: 401},
			{Name: "password required", As: anon, Method: "POST", Path: "/auth/confirmation", Body: map[string]any{"confirmation_token": tok}, Status: 422, Want: []string{`"password"`}},
			{Name: "confirmation mismatch keeps the token", As: anon, Method: "POST", Path: "/auth/confirmation",
				Body: map[string]any{"confirmation_token": tok, "password": newPassword, "password_confirmation": "nope"}, Status: 422, Want: []string{"password_confirmation"}},
			{Name: "confirm", As: anon, Method: "POST", Path: "/auth/confirmation",
				Body: map[string]any{"confirmation_token": tok, "password": newPassword, "password_confirmation": newPassword}, Status: 200,
				Want: []string{`"confirmed":true`, `"confirmed_at":"`}, NotIn: []string{"pmo_"}},
			{Name: "reused token", As: anon, Method: "POST", Path: "/auth/confirmation",
				Body: map[string]any{"confirmation_token": tok, "password": newPassword}, Status: 422, Want: []string{"confirmation_token"}},
			{Name: "reused token form", As: anon, Method: "GET", Path: q + tok, Status: 404},
			{Name: "now signs in", As: anon, Method: "POST", Path: "/auth/sign_in", Body: map[string]string{"username": email, "password": newPassword}, Status: 200},
			{Name: "resend once confirmed", As: w.c1Admin, Method: "POST", Path: "/v2/users/" + id + "/resend_confirmation", Status: 409},
		})

		// Resend: a new token voids the old; other tenants cannot resend.
		r = w.c1Admin.Do("POST", "/v2/users", map[string]any{"email": "second@c1.test", "first_name": "Second", "last_name": "User", "password": newPassword})
		id2 := r.Str("user.id")
		_, tok1 := w.mailToken(t, "second@c1.test", 1)
		apitest.Run(t, []apitest.Scenario{
			{Name: "other tenant's admin", As: w.c2Admin, Method: "POST", Path: "/v2/users/" + id2 + "/resend_confirmation", Status: 404},
			{Name: "plain user", As: w.c1User, Method: "POST", Path: "/v2/users/" + id2 + "/resend_confirmation", Status: 403},
			{Name: "unknown id", As: w.c1Admin, Method: "POST", Path: "/v2/users/01900000-0000-7000-8000-00000000dead/resend_confirmation", Status: 404},
			{Name: "partner admin resends", As: w.pAdmin, Method: "POST", Path: "/v2/users/" + id2 + "/resend_confirmation", Status: 200},
		})
		_, tok2 := w.mailToken(t, "second@c1.test", 2)
		apitest.Run(t, []apitest.Scenario{
			{Name: "old token void", As: anon, Method: "GET", Path: q + tok1, Status: 404},
			{Name: "has a password already", As: anon, Method: "GET", Path: q + tok2, Status: 200, Want: []string{`"needs_password":false`}},
		})
		// Expiry: 7 days.
		w.advance(7*24*time.Hour + time.Minute)
		apitest.Run(t, []apitest.Scenario{
			{Name: "expired token", As: anon, Method: "GET", Path: q + tok2, Status: 404},
			{Name: "expired token post", As: anon, Method: "POST", Path: "/auth/confirmation", Body: map[string]any{"confirmation_token": tok2}, Status: 422},
		})
	})
}

func TestInvitationFlow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newIDWorld(t, engine, nil)
		email := "invitee@c1.test"
		anon := w.e.Anon
		apitest.Run(t, []apitest.Scenario{
			{Name: "other tenant's organization", As: w.c2Admin, Method: "POST", Path: "/v2/users/invite",
				Body: map[string]any{"email": email, "organization_id": w.c1, "role": "user"}, Status: 404, Want: []string{"not found"}},
			{Name: "customer admin cannot invite into its partner", As: w.c1Admin, Method: "POST", Path: "/v2/users/invite",
				Body: map[string]any{"email": email, "organization_id": w.p, "role": "user"}, Status: 404},
			{Name: "plain user", As: w.c1User, Method: "POST", Path: "/v2/users/invite", Body: map[string]any{"email": email}, Status: 403},
			{Name: "bad e-mail and role", As: w.c1Admin, Method: "POST", Path: "/v2/users/invite",
				Body: map[string]any{"email": "nope", "role": "god"}, Status: 422, Want: []string{`"email"`, `"role"`}},
			{Name: "role above own", As: w.c1Admin, Method: "POST", Path: "/v2/users/invite",
				Body: map[string]any{"email": email, "role": "superadmin"}, Status: 422, Want: []string{`"role"`}},
			{Name: "taken by a confirmed user", As: w.pAdmin, Method: "POST", Path: "/v2/users/invite",
				Body: map[string]any{"email": w.c2Admin.Email, "organization_id": w.c1}, Status: 422, Want: []string{"has already been taken"}},
			{Name: "partner admin invites into its customer", As: w.pAdmin, Method: "POST", Path: "/v2/users/invite",
				Body: map[string]any{"email": email, "organization_id": w.c1, "role": "read_only"}, Status: 201,
				Want: []string{`"email":"invitee@c1.test"`, `"role":"read_only"`, `"confirmed_at":null`}},
		})
		subject, tok1 := w.mailToken(t, email, 1)
		if subject == "" {
			t.Fatal("no subject")
		}
		// Inviting again reuses the unconfirmed user and voids the first token.
		r := w.c1Admin.Do("POST", "/v2/users/invite", map[string]any{"email": email, "role": "user", "first_name": "Ivy"})
		if r.Status != 201 || r.Str("user.role") != "user" {
			t.Fatal(r)
		}
		_, tok := w.mailToken(t, email, 2)
		q := "/auth/invitation?invitation_token="
		var session string
		apitest.Run(t, []apitest.Scenario{
			{Name: "first token void", As: anon, Method: "GET", Path: q + tok1, Status: 200, Want: []string{`"valid":false`}, NotIn: []string{"email"}},
			{Name: "pre-accept check", As: anon, Method: "GET", Path: q + tok, Status: 200,
				Want: []string{`"valid":true`, `"email":"invitee@c1.test"`, `"name":"Customer C1"`, w.c1}},
			{Name: "missing token", As: anon, Method: "GET", Path: "/auth/invitation", Status: 422},
			{Name: "short password", As: anon, Method: "POST", Path: "/auth/invitation/accept",
				Body: map[string]any{"invitation_token": tok, "password": "short", "password_confirmation": "short", "last_name": "Invited"}, Status: 422, Want: []string{`"password"`}},
			{Name: "last name needed", As: anon, Method: "POST", Path: "/auth/invitation/accept",
				Body: map[string]any{"invitation_token": tok, "password": newPassword, "password_confirmation": newPassword}, Status: 422, Want: []string{`"last_name"`}},
			{Name: "accept", As: anon, Method: "POST", Path: "/auth/invitation/accept",
				Body: map[string]any{"invitation_token": tok, "password": newPassword, "password_confirmation": newPassword, "last_name": "Invited"}, Status: 200,
				Want:  []string{`"token":"pms_`, `"first_name":"Ivy"`, `"last_name":"Invited"`},
				Check: func(t *testing.T, r *apitest.Resp) { session = r.Str("token") }},
			{Name: "reused", As: anon, Method: "POST", Path: "/auth/invitation/accept",
				Body: map[string]any{"invitation_token": tok, "password": newPassword, "password_confirmation": newPassword}, Status: 422, Want: []string{"invitation_token"}},
			{Name: "reused check", As: anon, Method: "GET", Path: q + tok, Status: 200, Want: []string{`"valid":false`}},
		})
		apitest.Run(t, []apitest.Scenario{
			{Name: "session works", As: anon.WithAuth("Bearer " + session), Method: "GET", Path: "/v2/user", Status: 200, Want: []string{`"email":"invitee@c1.test"`}},
			{Name: "password works", As: anon, Method: "POST", Path: "/auth/sign_in", Body: map[string]string{"username": email, "password": newPassword}, Status: 200},
			{Name: "invite again once confirmed", As: w.c1Admin, Method: "POST", Path: "/v2/users/invite", Body: map[string]any{"email": email}, Status: 422},
			{Name: "another invitation", As: w.c1Admin, Method: "POST", Path: "/v2/users/invite", Body: map[string]any{"email": "late@c1.test"}, Status: 201},
		})
		_, late := w.mailToken(t, "late@c1.test", 1)
		w.advance(7*24*time.Hour + time.Minute)
		apitest.Run(t, []apitest.Scenario{
			{Name: "expired check", As: anon, Method: "GET", Path: q + late, Status: 200, Want: []string{`"valid":false`}},
			{Name: "expired accept", As: anon, Method: "POST", Path: "/auth/invitation/accept",
				Body: map[string]any{"invitation_token": late, "password": newPassword, "first_name": "L", "last_name": "L"}, Status: 422},
		})
	})
}

func TestPasswordResetFlow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newIDWorld(t, engine, nil)
		email := w.c1User.Email
		anon := w.e.Anon
		apitest.Run(t, []apitest.Scenario{
			{Name: "unknown address is 202 too", As: anon, Method: "POST", Path: "/auth/password/forgot", Body: map[string]string{"email": "nobody@nowhere.test"}, Status: 202},
			{Name: "blank", As: anon, Method: "POST", Path: "/auth/password/forgot", Body: map[string]string{"email": ""}, Status: 422},
			{Name: "known address", As: anon, Method: "POST", Path: "/auth/password/forgot", Body: map[string]string{"email": email}, Status: 202},
		})
		subject, tok := w.mailToken(t, email, 1)
		if subject != "Reset your password" {
			t.Errorf("subject %q", subject)
		}
		if n := w.mailsTo("nobody@nowhere.test"); n != 0 {
			t.Fatalf("%d e-mails to an unknown address", n)
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "mismatch", As: anon, Method: "PUT", Path: "/auth/password/reset",
				Body: map[string]any{"reset_password_token": tok, "password": newPassword, "password_confirmation": "other-password"}, Status: 422, Want: []string{"password_confirmation"}},
			{Name: "wrong token", As: anon, Method: "PUT", Path: "/auth/password/reset",
				Body: map[string]any{"reset_password_token": "pmo_nope", "password": newPassword, "password_confirmation": newPassword}, Status: 422, Want: []string{"reset_password_token"}},
			{Name: "confirmation token is not a reset token", As: anon, Method: "GET", Path: "/auth/confirmation?confirmation_token=" + tok, Status: 404},
			{Name: "reset", As: anon, Method: "PUT", Path: "/auth/password/reset",
				Body: map[string]any{"reset_password_token": tok, "password": newPassword, "password_confirmation": newPassword}, Status: 200},
			{Name: "sessions revoked", As: w.c1User, Method: "GET", Path: "/v2/user", Status: 401},
			{Name: "reused", As: anon, Method: "PUT", Path: "/auth/password/reset",
				Body: map[string]any{"reset_password_token": tok, "password": newPassword + "2", "password_confirmation": newPassword + "2"}, Status: 422},
			{Name: "old password gone", As: anon, Method: "POST", Path: "/auth/sign_in", Body: map[string]string{"username": email, "password": "a-long-password"}, Status: 401},
			{Name: "new password", As: anon, Method: "POST", Path: "/auth/sign_in", Body: map[string]string{"username": email, "password": newPassword}, Status: 200},
			{Name: "ask again", As: anon, Method: "POST", Path: "/auth/password/forgot", Body: map[string]string{"email": email}, Status: 202},
		})
		_, tok2 := w.mailToken(t, email, 2)
		w.advance(61 * time.Minute)
		apitest.Run(t, []apitest.Scenario{
			{Name: "expired after an hour", As: anon, Method: "PUT", Path: "/auth/password/reset",
				Body: map[string]any{"reset_password_token": tok2, "password": newPassword + "3", "password_confirmation": newPassword + "3"}, Status: 422},
		})
	})
}

func TestSSOLinks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newIDWorld(t, engine, nil)
		anon := w.e.Anon
		path := "/v2/users/" + w.c1UserID + "/sso_link"
		var tok, tok2 string
		apitest.Run(t, []apitest.Scenario{
			{Name: "other tenant's admin", As: w.c2Admin, Method: "POST", Path: path, Status: 404},
			{Name: "plain user", As: w.c1User, Method: "POST", Path: path, Status: 403},
			{Name: "customer admin cannot reach its partner", As: w.c1Admin, Method: "POST", Path: "/v2/users/" + w.rootID + "/sso_link", Status: 404},
			{Name: "issue", As: w.c1Admin, Method: "POST", Path: path, Status: 200, Want: []string{`"sso_token":"pmo_`, `"url":"https://console.perimeter.test/sso_link?sso_token=pmo_`},
				Check: func(t *testing.T, r *apitest.Resp) { tok = r.Str("sso_token") }},
		})
		apitest.Run(t, []apitest.Scenario{
			{Name: "blank", As: anon, Method: "POST", Path: "/auth/sso_link", Body: map[string]string{}, Status: 422, Want: []string{"sso_token"}},
			{Name: "sign in", As: anon, Method: "POST", Path: "/auth/sso_link", Body: map[string]string{"sso_token": tok}, Status: 200,
				Want: []string{`"token":"pms_`, w.c1UserID}},
			{Name: "reused", As: anon, Method: "POST", Path: "/auth/sso_link", Body: map[string]string{"sso_token": tok}, Status: 422},
			{Name: "issue another", As: w.pAdmin, Method: "POST", Path: path, Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { tok2 = r.Str("sso_token") }},
		})
		w.advance(5*time.Minute + time.Second)
		apitest.Run(t, []apitest.Scenario{
			{Name: "expired after 5 minutes", As: anon, Method: "POST", Path: "/auth/sso_link", Body: map[string]string{"sso_token": tok2}, Status: 422},
		})
	})
}

// One-time tokens work only through an API key of their user's organization
// or an ancestor: a customer's key cannot use another customer's tokens.
func TestIdentityTokensRespectAPIKeyTree(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newIDWorld(t, engine, nil)
		c2Key, err := w.e.App.IssueAPIKey(context.Background(), w.c2, "c2 portal")
		if err != nil {
			t.Fatal(err)
		}
		c2 := w.e.Anon.WithKey(c2Key)
		r := w.c1Admin.Do("POST", "/v2/users", map[string]any{"email": "unconfirmed@c1.test", "first_name": "U", "last_name": "C"})
		if r.Status != 201 {
			t.Fatal(r)
		}
		_, confirm := w.mailToken(t, "unconfirmed@c1.test", 1)
		if r := w.c1Admin.Do("POST", "/v2/users/invite", map[string]any{"email": "guest@c1.test"}); r.Status != 201 {
			t.Fatal(r)
		}
		_, invite := w.mailToken(t, "guest@c1.test", 1)
		sso := w.c1Admin.Do("POST", "/v2/users/"+w.c1UserID+"/sso_link", nil).Str("sso_token")
		apitest.Run(t, []apitest.Scenario{
			{Name: "confirmation form", As: c2, Method: "GET", Path: "/auth/confirmation?confirmation_token=" + confirm, Status: 404},
			{Name: "confirm", As: c2, Method: "POST", Path: "/auth/confirmation", Body: map[string]any{"confirmation_token": confirm, "password": newPassword}, Status: 422},
			{Name: "invitation check", As: c2, Method: "GET", Path: "/auth/invitation?invitation_token=" + invite, Status: 200, Want: []string{`"valid":false`}},
			{Name: "accept", As: c2, Method: "POST", Path: "/auth/invitation/accept",
				Body: map[string]any{"invitation_token": invite, "password": newPassword, "first_name": "G", "last_name": "G"}, Status: 422},
			{Name: "sso", As: c2, Method: "POST", Path: "/auth/sso_link", Body: map[string]string{"sso_token": sso}, Status: 422},
			{Name: "forgot is 202", As: c2, Method: "POST", Path: "/auth/password/forgot", Body: map[string]string{"email": w.c1User.Email}, Status: 202},
			{Name: "a C1 user cannot sign in through C2's key", As: c2, Method: "POST", Path: "/auth/check_2fa",
				Body: map[string]string{"username": w.c1User.Email, "password": "a-long-password"}, Status: 401},
			// The tokens still work through the right key: nothing was used up.
			{Name: "sso through the platform key", As: w.e.Anon, Method: "POST", Path: "/auth/sso_link", Body: map[string]string{"sso_token": sso}, Status: 200},
			{Name: "confirmation through the platform key", As: w.e.Anon, Method: "GET", Path: "/auth/confirmation?confirmation_token=" + confirm, Status: 200},
		})
		time.Sleep(300 * time.Millisecond) // give a wrongly queued reset e-mail time to arrive
		if n := w.mailsTo(w.c1User.Email); n != 0 {
			t.Fatalf("a reset e-mail went out through another tenant's key (%d)", n)
		}
	})
}
