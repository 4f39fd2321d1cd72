package console_test

import (
	"context"
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
		chromedp.SendKeys(chromedp.CSS(`input[name=otp_code]`), otp.Code(key, time.Now().Add(30*time.Second))),
		chromedp.Click(chromedp.CSS(`form.signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#findings`)))
	if loc := get(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/findings") {
		t.Errorf("after sign-in the console should return to the page asked for, is at %s", loc)
	}
	assertNoTokenInStorage(t, ctx)

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
		screenshot(t, dir, "2fa-02-expired"))
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
