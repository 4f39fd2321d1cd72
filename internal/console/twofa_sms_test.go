package console_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/perimeterhq/perimeter/internal/api"
	"github.com/perimeterhq/perimeter/internal/otp"
)

// TestConsoleSMSTwoFactor sets up two-factor authentication by text message
// from the settings page: the number checked, a code sent (read from the
// development SMS outbox), the method turned on with recovery codes shown
// once; then new recovery codes, the authenticator app added with a
// current code texted on request, and the default method.
func TestConsoleSMSTwoFactor(t *testing.T) {
	ctx, problems := browser(t, 1280, 900)
	e, _ := newEnv(t, "sqlite", api.Options{})
	dir := shots(t)
	org := e.NewOrg(e.Admin, map[string]any{"name": "Acme"})
	u := e.NewUser(e.Admin, org, "user")
	const phone = "+358401234567"
	short := 20 * time.Second
	run(t, ctx, "sign in, settings", short,
		chromedp.Navigate(e.URL+"/settings"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), u.Email),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), userPassword),
		chromedp.Click(chromedp.CSS(`form.signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#twofa`)))
	run(t, ctx, "SMS: number checked, code sent", short,
		chromedp.Click(chromedp.CSS(`#twofa-sms`)),
		chromedp.WaitVisible(chromedp.CSS(`#sms-form input[name=phone]`)),
		chromedp.SendKeys(chromedp.CSS(`#sms-form input[name=phone]`), phone+"\t"),
		poll(`document.querySelector('#sms-form .hint').textContent.includes('+358401234567')`),
		screenshot(t, dir, "2fa-sms-01-number"),
		chromedp.Click(chromedp.CSS(`#sms-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#verify-form input[name=code]`)))
	if text := get(t, ctx, "sent", chromedp.Text(chromedp.CSS(`#twofa`))); !strings.Contains(text, "A code went to") || strings.Contains(text, phone) {
		t.Errorf("the page should say a code went to the masked number: %q", text)
	}
	msgs, err := e.Store.R().FindSMSMessages(context.Background(), phone)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("one SMS to %s, got %d (%v)", phone, len(msgs), err)
	}
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[0].Body)
	run(t, ctx, "SMS: turned on", short,
		chromedp.SendKeys(chromedp.CSS(`#verify-form input[name=code]`), code),
		chromedp.Click(chromedp.CSS(`#verify-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#twofa ul.codes li`)),
		screenshot(t, dir, "2fa-sms-02-on"))
	if n := get(t, ctx, "codes", chromedp.Evaluate[int](`document.querySelectorAll('#twofa ul.codes li').length`)); n != 10 {
		t.Errorf("%d recovery codes shown, want 10", n)
	}

	run(t, ctx, "on: its method named, new recovery codes", short,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#twofa-new-codes`)),
		poll(`document.querySelector('#twofa').textContent.includes('Active: Text message (SMS)')`),
		chromedp.Click(chromedp.CSS(`#twofa-new-codes`)),
		chromedp.WaitVisible(chromedp.CSS(`#twofa ul.codes li`)))
	if r := u.Do("GET", "/v2/user/2fa/recovery_codes", nil); r.Get("remaining") != 10.0 {
		t.Errorf("after new codes: %s", r)
	}

	// A second method, the authenticator app. The current code it needs comes
	// by text message (sends are limited to one per 30 s: the server's clock
	// moves on), then both methods are offered as the default.
	skew := 40 * time.Second
	e.App.SetClock(func() time.Time { return time.Now().Add(skew) })
	run(t, ctx, "add the authenticator app: a current code texted", short,
		chromedp.Click(chromedp.CSS(`#twofa details summary`)),
		chromedp.Click(chromedp.CSS(`#twofa-totp`)),
		chromedp.Click(chromedp.CSS(`#totp-form details summary`)),
		chromedp.SendKeys(chromedp.CSS(`#totp-form input[name=sms_password]`), userPassword),
		chromedp.Click(chromedp.CSS(`#twofa-send-sms`)),
		poll(`document.querySelector('#totp-form').textContent.includes('A code went to')`))
	if msgs, err = e.Store.R().FindSMSMessages(context.Background(), phone); err != nil || len(msgs) != 2 {
		t.Fatalf("a second SMS to %s, got %d (%v)", phone, len(msgs), err)
	}
	run(t, ctx, "add the authenticator app: its key", short,
		chromedp.SendKeys(chromedp.CSS(`#totp-form input[name=current_code]`), regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[1].Body)),
		chromedp.Click(chromedp.CSS(`#totp-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#twofa img.qr`)))
	secret := get(t, ctx, "the key", chromedp.Text(chromedp.CSS(`#twofa code.secret`)))
	key, err := otp.DecodeSecret(strings.TrimSpace(secret))
	if err != nil {
		t.Fatalf("the key shown: %q: %v", secret, err)
	}
	run(t, ctx, "authenticator app on, default method", short,
		chromedp.SendKeys(chromedp.CSS(`#verify-form input[name=code]`), otp.Code(key, time.Now().Add(skew))),
		chromedp.Click(chromedp.CSS(`#verify-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#twofa ul.codes li`)),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#default-2fa-form select`)),
		chromedp.SetValue(chromedp.CSS(`#default-2fa-form select`), "totp"),
		chromedp.Click(chromedp.CSS(`#default-2fa-form button[type=submit]`)),
		poll(`document.querySelector('#twofa').textContent.includes('asked for first: Authenticator app')`),
		screenshot(t, dir, "2fa-sms-03-settings"))
	if r := u.Do("GET", "/v2/user/2fa/recovery_codes", nil); r.Str("default_method") != "totp" || len(r.Get("methods").([]any)) != 2 {
		t.Errorf("after adding the app: %s", r)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n%s", strings.Join(p, "\n"))
	}
}
