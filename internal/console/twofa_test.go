package console_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/perimeterhq/perimeter/internal/api"
	"github.com/perimeterhq/perimeter/internal/otp"
	"github.com/perimeterhq/perimeter/internal/store"
)

// TestConsoleTwoFactorAndExpiry signs a user with TOTP in through the second
// factor prompt, then revokes the session on the server: the next request of
// the page gets a 401 and the console asks to sign in again, saying why.
func TestConsoleTwoFactorAndExpiry(t *testing.T) {
	ctx, problems := browser(t, 1280, 800)
	e, _ := newEnv(t, "sqlite", api.Options{})
	dir := shots(t)
	org := e.NewOrg(e.Admin, map[string]any{"name": "Acme"})
	u := e.NewUser(e.Admin, org, "user")
	en := u.Do("POST", "/v2/user/2fa/enable", map[string]string{"method": "totp"})
	key, err := otp.DecodeSecret(en.Str("secret"))
	if err != nil {
		t.Fatalf("enable 2FA: %s", en)
	}
	if r := u.Do("POST", "/v2/user/2fa/verify", map[string]string{"code": otp.Code(key, time.Now())}); r.Status != 200 {
		t.Fatalf("verify 2FA: %s", r)
	}
	// White-label branding of the platform, which Acme inherits: applied once signed in.
	logo := "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(
		`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="5" fill="#7c3aed"/></svg>`))
	if r := e.Admin.Do("PUT", "/v2/whitelabel_settings", map[string]any{"company_name": "Acme Security",
		"primary_color": "#7c3aed", "secondary_color": "#db2777", "logo": logo}); r.Status != 200 {
		t.Fatalf("branding: %s", r)
	}
	short := 20 * time.Second
	run(t, ctx, "password first", short,
		chromedp.Navigate(e.URL+"/findings"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), u.Email),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), userPassword),
		chromedp.Click(chromedp.CSS(`form.signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=otp_code]`)),
		screenshot(t, dir, "2fa-01-prompt"),
		// The next step's code: the one used to verify cannot be used again.
		// Typed and submitted from the keyboard (Enter).
		chromedp.SendKeys(chromedp.CSS(`input[name=otp_code]`), otp.Code(key, time.Now().Add(30*time.Second))+"\r"),
		chromedp.WaitVisible(chromedp.CSS(`#findings`)))
	if loc := get(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/findings") {
		t.Errorf("after sign-in the console should return to the page asked for, is at %s", loc)
	}
	assertNoTokenInStorage(t, ctx)
	run(t, ctx, "branding applied", short,
		chromedp.WaitVisible(chromedp.CSS(`#brand-logo[src^="data:image/svg+xml"]`)),
		screenshot(t, dir, "2fa-02-branded-findings"))
	brand := get(t, ctx, "branding", chromedp.Evaluate[string](
		`[document.getElementById('brand-name').textContent, getComputedStyle(document.documentElement).getPropertyValue('--primary').trim().toLowerCase(), document.title].join('|')`))
	if brand != "Acme Security|#7c3aed|Findings · Acme Security" {
		t.Errorf("white-label name, colour and title: %q", brand)
	}

	// The server ends the session (expiry, sign-out elsewhere, password change).
	uid := u.Do("GET", "/v2/user", nil).Str("user.id")
	if err := e.Store.Tx(context.Background(), func(q *store.Q) error {
		return q.RevokeUserSessions(context.Background(), uid, "", time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "expired session", short,
		chromedp.Click(chromedp.CSS(`nav a[href="/scans"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		screenshot(t, dir, "2fa-03-expired"))
	text := get(t, ctx, "notice", chromedp.Text(chromedp.CSS(`.signin-card`)))
	if !strings.Contains(text, "session has expired") {
		t.Errorf("the sign-in page should say the session expired: %q", text)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n%s", strings.Join(p, "\n"))
	}
}

// userPassword is the password apitest's NewUser gives.
const userPassword = "a-long-password"
