package console_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/perimeterhq/perimeter/internal/api"
)

// TestConsoleSMSTwoFactor sets up two-factor authentication by text message
// from the settings page: the number checked, a code sent (read from the
// development SMS outbox), the method turned on with recovery codes shown
// once; then new recovery codes and the default method.
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

	run(t, ctx, "new recovery codes, default method", short,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#default-2fa-form`)),
		chromedp.Click(chromedp.CSS(`#twofa-new-codes`)),
		chromedp.WaitVisible(chromedp.CSS(`#twofa ul.codes li`)),
		chromedp.SetValue(chromedp.CSS(`#default-2fa-form select`), "sms"),
		chromedp.Click(chromedp.CSS(`#default-2fa-form button[type=submit]`)),
		poll(`document.querySelector('#twofa').textContent.includes('default: sms')`),
		screenshot(t, dir, "2fa-sms-03-settings"))
	if r := u.Do("GET", "/v2/user/2fa/recovery_codes", nil); r.Get("remaining") != 10.0 {
		t.Errorf("after new codes: %s", r)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n%s", strings.Join(p, "\n"))
	}
}
