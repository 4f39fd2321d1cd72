package console_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/perimeterhq/perimeter/internal/api"
	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
)

// TestConsoleManagePages drives the set-up and inventory pages in Chromium
// against the real API on SQLite: port lists, schedules and scanners created,
// edited and deleted (an API error shown with its field; an agent token shown
// once), the hosts inventory and a host, exceptions, the audit log,
// notifications and a webhook's deliveries; then every main page at 800 px
// without page-level horizontal scroll, with a label on every control, and
// the navigation folded into a menu reachable from the keyboard.
func TestConsoleManagePages(t *testing.T) {
	ctx, problems := browser(t, 1280, 800)
	cfg := app.Config{Hooks: app.HooksConfig{WebhookAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		RetryDelays: []time.Duration{50 * time.Millisecond}}}
	e, _ := newEnvConfig(t, "sqlite", cfg, api.Options{})
	e.StartJobs(t)
	dir := shots(t)
	short := 20 * time.Second

	// Data for the inventory pages: a finished scan of a loopback web server,
	// a webhook that saw it, and a pending exception.
	rcv := apitest.NewReceiver(t)
	hook := e.Admin.Do("POST", "/v2/webhooks", map[string]any{"name": "Lab hook", "url": rcv.URL + "/hook", "events": []string{"scan_completed"}})
	if hook.Status != 201 {
		t.Fatalf("webhook: %s", hook)
	}
	pl := e.Admin.Do("POST", "/v2/port_lists", map[string]any{"name": "lab web", "ports": fmt.Sprintf("T:%d", webServer(t))})
	tg := e.Admin.Do("POST", "/v2/targets", map[string]any{"name": "Lab", "hosts": "127.0.0.1", "product": "vrms", "port_list_id": pl.Str("port_list.id")})
	sc := e.Admin.Do("POST", "/v2/scans", map[string]any{"name": "Lab scan", "target_id": tg.Str("target.id")})
	if r := e.Admin.Do("POST", "/v2/scans/"+sc.Str("scan.id")+"/start", nil); r.Status != 202 {
		t.Fatalf("start: %s", r)
	}
	apitest.Eventually(t, 90*time.Second, "the scan to finish", func() bool {
		return e.Admin.Do("GET", "/v2/scans/"+sc.Str("scan.id"), nil).Str("scan.status") == "completed"
	})
	vulns := e.Admin.Do("GET", "/v2/vulnerabilities?per_page=1", nil)
	exc := e.Admin.Do("POST", "/v2/exceptions", map[string]any{"vulnerability_id": vulns.Str("vulnerabilities.0.id"),
		"type": "accepted_risk", "reason": "Lab host, behind the VPN"})
	if exc.Status != 201 {
		t.Fatalf("exception: %s", exc)
	}
	hostID := e.Admin.Do("GET", "/v2/hosts", nil).Str("hosts.0.id")

	base := e.URL
	run(t, ctx, "sign in", short,
		chromedp.Navigate(base+"/"),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "root@platform.test"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), apitest.AdminPassword),
		chromedp.Click(chromedp.CSS(`form.signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#w-totals[data-ready="1"]`)),
		eval(`window.confirm = () => true`)) // delete buttons ask first

	// Port lists: an invalid list shows the API's error naming the field.
	run(t, ctx, "port list: invalid", short,
		chromedp.Click(chromedp.CSS(`nav a[href="/port-lists"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#port-lists tr[data-port-list]`)),
		chromedp.Click(chromedp.CSS(`#new-port-list`)),
		chromedp.SendKeys(chromedp.CSS(`#port-list-form input[name=name]`), "Web ports"),
		chromedp.SendKeys(chromedp.CSS(`#port-list-form textarea[name=ports]`), "T:70000"),
		chromedp.Click(chromedp.CSS(`#port-list-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#port-list-form-error .alert-error`)),
		screenshot(t, dir, "m01-port-list-error"))
	if msg := get(t, ctx, "port list error", chromedp.Text(chromedp.CSS(`#port-list-form-error`))); !strings.Contains(msg, "ports") {
		t.Errorf("the error should name the ports field: %q", msg)
	}
	run(t, ctx, "port list: create, edit, delete", short,
		chromedp.SetValue(chromedp.CSS(`#port-list-form textarea[name=ports]`), "T:80,443,8080"),
		chromedp.Click(chromedp.CSS(`#port-list-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[aria-label="Edit Web ports"]`)),
		chromedp.Click(chromedp.CSS(`button[aria-label="Edit Web ports"]`)),
		chromedp.SetValue(chromedp.CSS(`#port-list-form input[name=name]`), "Web and mail"),
		chromedp.SetValue(chromedp.CSS(`#port-list-form textarea[name=ports]`), "T:25,80,443,8080"),
		chromedp.Click(chromedp.CSS(`#port-list-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[aria-label="Edit Web and mail"]`)),
		screenshot(t, dir, "m02-port-lists"))
	if row := get(t, ctx, "edited row", chromedp.Text(chromedp.CSS(`#port-lists`))); !strings.Contains(row, "T:25,80,443,8080") {
		t.Errorf("the edited list should show its ports: %q", row)
	}
	run(t, ctx, "port list: delete", short,
		chromedp.Click(chromedp.CSS(`button[aria-label="Delete Web and mail"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`button[aria-label="Edit Web and mail"]`)))

	// Schedules: create weekly, preview, edit, delete.
	run(t, ctx, "schedule: create", short,
		chromedp.Click(chromedp.CSS(`nav a[href="/schedules"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#schedules td`)),
		chromedp.Click(chromedp.CSS(`#new-schedule`)),
		chromedp.SendKeys(chromedp.CSS(`#schedule-form input[name=name]`), "Weekly Monday"),
		chromedp.SetValue(chromedp.CSS(`#schedule-form select[name=frequency]`), "weekly"),
		chromedp.Click(chromedp.CSS(`#day-MO`)),
		chromedp.SetValue(chromedp.CSS(`#schedule-form input[name=timezone]`), "Europe/Berlin"),
		// The keyboard works the preview (Enter on the button, no pointer).
		chromedp.Focus(chromedp.CSS(`#schedule-form .field-end button`)),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`#schedule-preview li`)),
		screenshot(t, dir, "m03-schedule-form"),
		chromedp.Click(chromedp.CSS(`#schedule-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[aria-label="Edit Weekly Monday"]`)))
	run(t, ctx, "schedule: edit", short,
		chromedp.Click(chromedp.CSS(`button[aria-label="Edit Weekly Monday"]`)),
		chromedp.SetValue(chromedp.CSS(`#schedule-form input[name=name]`), "Every other week"),
		chromedp.SetValue(chromedp.CSS(`#schedule-form input[name=interval]`), "2"),
		chromedp.Click(chromedp.CSS(`#schedule-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[aria-label="Edit Every other week"]`)),
		screenshot(t, dir, "m04-schedules"))
	if row := get(t, ctx, "schedule row", chromedp.Text(chromedp.CSS(`#schedules`))); !strings.Contains(row, "every 2") ||
		!strings.Contains(row, "Europe/Berlin") || !strings.Contains(row, "MO") {
		t.Errorf("the schedule should repeat every 2 weeks on MO in Europe/Berlin: %q", row)
	}
	run(t, ctx, "schedule: delete", short,
		chromedp.Click(chromedp.CSS(`button[aria-label="Delete Every other week"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`button[aria-label="Edit Every other week"]`)))

	// Scanners: an agent's token is shown once, with a copy button.
	run(t, ctx, "scanner: create agent", short,
		chromedp.Click(chromedp.CSS(`nav a[href="/scanners"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#scanners td`)),
		chromedp.Click(chromedp.CSS(`#new-scanner`)),
		chromedp.SendKeys(chromedp.CSS(`#scanner-form input[name=name]`), "Branch office agent"),
		chromedp.SetValue(chromedp.CSS(`#scanner-form select[name=app_type]`), "agent"),
		chromedp.Click(chromedp.CSS(`#scanner-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#scanner-token #secret-value`)),
		chromedp.Click(chromedp.CSS(`#copy-secret`)),
		screenshot(t, dir, "m05-scanner-token"))
	token := get(t, ctx, "token", chromedp.Text(chromedp.CSS(`#secret-value`)))
	note := get(t, ctx, "token note", chromedp.Text(chromedp.CSS(`#scanner-token`)))
	if len(token) < 16 || !strings.Contains(note, "shown only once") {
		t.Errorf("the agent token and the shown-once note: %q / %q", token, note)
	}
	run(t, ctx, "scanner: edit", short,
		chromedp.Click(chromedp.CSS(`#token-done`)),
		chromedp.WaitVisible(chromedp.CSS(`button[aria-label="Edit Branch office agent"]`)),
		chromedp.Click(chromedp.CSS(`button[aria-label="Edit Branch office agent"]`)),
		chromedp.SetValue(chromedp.CSS(`#scanner-form input[name=name]`), "Branch agent"),
		chromedp.SetValue(chromedp.CSS(`#scanner-form input[name=description]`), "Second floor rack"),
		chromedp.Click(chromedp.CSS(`#scanner-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[aria-label="Edit Branch agent"]`)),
		screenshot(t, dir, "m06-scanners"))
	if page := get(t, ctx, "scanners page", chromedp.Evaluate[string](`document.body.innerText`)); strings.Contains(page, token) {
		t.Error("the agent token is still on the page after it was acknowledged")
	}
	assertNoTokenInStorage(t, ctx)
	run(t, ctx, "scanner: delete", short,
		chromedp.Click(chromedp.CSS(`button[aria-label="Delete Branch agent"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`button[aria-label="Edit Branch agent"]`)))

	// Hosts and a host.
	run(t, ctx, "hosts", short,
		chromedp.Click(chromedp.CSS(`nav a[href="/hosts"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#hosts tr[data-host] a`)),
		screenshot(t, dir, "m07-hosts"),
		chromedp.Click(chromedp.CSS(`#hosts tr[data-host] a`)),
		chromedp.WaitVisible(chromedp.CSS(`#host-services tbody tr`)),
		chromedp.WaitVisible(chromedp.CSS(`#host-findings tbody tr a`)),
		screenshot(t, dir, "m08-host"))
	if s := get(t, ctx, "services", chromedp.Text(chromedp.CSS(`#host-services`))); !strings.Contains(s, "/tcp") {
		t.Errorf("the host should list its open port: %q", s)
	}
	run(t, ctx, "hosts filtered to none", short,
		chromedp.Navigate(base+"/hosts?ip=10.99.*"),
		chromedp.WaitVisible(chromedp.CSS(`#hosts td.empty`)))
	if s := get(t, ctx, "empty hosts", chromedp.Text(chromedp.CSS(`#hosts td.empty`))); !strings.Contains(s, "No host matches") {
		t.Errorf("a filter matching nothing should say so: %q", s)
	}

	// Exceptions: the pending one, its detail, activate.
	run(t, ctx, "exceptions", short,
		chromedp.Click(chromedp.CSS(`nav a[href="/exceptions"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#exceptions tr[data-exception] a`)),
		chromedp.WaitVisible(chromedp.CSS(`#exception-stats .stat`)),
		screenshot(t, dir, "m09-exceptions"),
		chromedp.Click(chromedp.CSS(`#exceptions tr[data-exception] a`)),
		chromedp.WaitVisible(chromedp.CSS(`#exception-findings`)),
		chromedp.Click(chromedp.CSS(`button[aria-label="Activate this exception"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[aria-label="Put this exception back to pending"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#exception-findings tbody tr a`)),
		chromedp.Click(chromedp.CSS(`button[aria-label="Edit this exception"]`)),
		chromedp.SetValue(chromedp.CSS(`#exception-edit textarea[name=reason]`), "Lab host, isolated VLAN"),
		chromedp.SetValue(chromedp.CSS(`#exception-edit input[name=port]`), "eighty"),
		chromedp.Click(chromedp.CSS(`#exception-edit button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#exception-edit input[name=port][aria-invalid="true"]`)),
		eval(`document.querySelector('#exception-edit input[name=port]').value = ''`),
		chromedp.Click(chromedp.CSS(`#exception-edit button[type=submit]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#exception-edit`)),
		screenshot(t, dir, "m10-exception"))
	if facts := get(t, ctx, "exception facts", chromedp.Text(chromedp.CSS(`main`))); !strings.Contains(facts, "isolated VLAN") ||
		strings.Contains(facts, "127.0.0.1 port") {
		// An empty port widens the exception to every port of the host.
		t.Errorf("the edited reason should show: %q", facts)
	}

	run(t, ctx, "audit log", short,
		chromedp.Click(chromedp.CSS(`nav a[href="/audit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#audit tr[data-event]`)),
		screenshot(t, dir, "m11-audit"))
	run(t, ctx, "notifications", short,
		chromedp.Click(chromedp.CSS(`nav a[href="/notifications"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#notifications td`)),
		chromedp.WaitVisible(chromedp.CSS(`#prefs input[type=checkbox]`)),
		screenshot(t, dir, "m12-notifications"))
	apitest.Eventually(t, 20*time.Second, "the webhook delivery", func() bool { return len(rcv.Hooks()) > 0 })
	run(t, ctx, "webhook deliveries", short,
		chromedp.Click(chromedp.CSS(`nav a[href="/settings"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[aria-label="Deliveries of Lab hook"]`)),
		chromedp.Click(chromedp.CSS(`a[aria-label="Deliveries of Lab hook"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#deliveries tr[data-delivery] button`)),
		chromedp.Click(chromedp.CSS(`#deliveries tr[data-delivery] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#delivery-detail .attempt`)),
		screenshot(t, dir, "m13-deliveries"))

	// A 1280×800 laptop and an 800-px window (where the navigation folds
	// into a menu): no page scrolls sideways (wide tables scroll inside their
	// box), and every control has a label.
	pages := []string{"/", "/scans", "/scans/new", "/findings", "/hosts", "/hosts/" + hostID, "/exceptions",
		"/exceptions/" + exc.Str("exception.id"), "/targets", "/port-lists", "/schedules", "/scanners", "/reports",
		"/notifications", "/audit", "/settings", "/settings/webhooks/" + hook.Str("webhook.id")}
	for _, w := range []int64{1280, 800} {
		h := int64(800)
		if w == 800 {
			h = 900
		}
		run(t, ctx, fmt.Sprintf("%d px", w), short, chromedp.EmulateViewport(w, h))
		for i, p := range pages {
			name := fmt.Sprintf("w%d-%02d-%s", w, i, strings.Split(strings.Trim(p, "/")+"/", "/")[0])
			actions := []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + p), chromedp.WaitVisible(chromedp.CSS(`main h1`)),
				poll(`![...document.querySelectorAll('main td.empty, main .loading, main .widget-loading')].some(e => /Loading/.test(e.textContent))`)}
			if w == 800 {
				actions = append(actions, screenshot(t, dir, name))
			}
			run(t, ctx, "layout "+name, short, actions...)
			if over := get(t, ctx, "scroll width", chromedp.Evaluate[string](
				`document.scrollingElement.scrollWidth > innerWidth ? document.scrollingElement.scrollWidth + ' > ' + innerWidth : ''`)); over != "" {
				t.Errorf("%s at %d px scrolls sideways: %s", p, w, over)
			}
			if bare := get(t, ctx, "labels", chromedp.Evaluate[string](`[...document.querySelectorAll('input, select, textarea')]
				.filter(el => el.type !== 'hidden' && !el.labels?.length && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
				.map(el => el.name || el.id || el.outerHTML.slice(0, 60)).join(', ')`)); bare != "" {
				t.Errorf("%s: controls without a label: %s", p, bare)
			}
		}
	}
	// The menu: hidden behind its button, opened from the keyboard, closed by Escape.
	run(t, ctx, "menu", short,
		chromedp.Navigate(base+"/hosts"),
		chromedp.WaitVisible(chromedp.CSS(`#hosts`)),
		chromedp.WaitNotVisible(chromedp.CSS(`nav a[href="/audit"]`)),
		chromedp.Focus(chromedp.CSS(`#nav-toggle`)),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/audit"]`)),
		screenshot(t, dir, "w800-99-menu-open"),
		chromedp.KeyEvent("\t"))
	// Tab reaches the first link of the open menu, and its focus is visible.
	if f := get(t, ctx, "focused link", chromedp.Evaluate[string](
		`(el => el.getAttribute('href') + ' ' + getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth)(document.activeElement)`)); f != "/ solid 3px" {
		t.Errorf("Tab after the menu button should focus the Dashboard link with a visible outline: %q", f)
	}
	run(t, ctx, "menu closes", short,
		chromedp.KeyEvent("\u001b"),
		chromedp.WaitNotVisible(chromedp.CSS(`nav a[href="/audit"]`)))
	if f := get(t, ctx, "focus after Escape", chromedp.Evaluate[string](`document.activeElement.id`)); f != "nav-toggle" {
		t.Errorf("Escape should return focus to the menu button, focused %q", f)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n%s", strings.Join(p, "\n"))
	}
}

// TestConsoleBrandContrast applies white-label colours from dark to light
// (and the mid-tones where neither white nor dark grey text reaches 4.5:1)
// and checks the console keeps its text readable: the text on primary
// buttons, and links on panels.
func TestConsoleBrandContrast(t *testing.T) {
	ctx, problems := browser(t, 1024, 700)
	e, _ := newEnv(t, "sqlite", api.Options{})
	run(t, ctx, "sign in", 20*time.Second,
		chromedp.Navigate(e.URL+"/"),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "root@platform.test"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), apitest.AdminPassword),
		chromedp.Click(chromedp.CSS(`form.signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#w-totals[data-ready="1"]`)))
	// The page computes the ratios of what it actually paints.
	const js = `(() => {
	  const lum = (rgb) => { const c = rgb.match(/\d+/g).slice(0, 3).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)); return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
	  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
	  const btn = document.createElement('button'); btn.className = 'btn btn-primary'; btn.textContent = 'x'; btn.style.transition = 'none';
	  const link = document.createElement('a'); link.href = '/'; link.textContent = 'x';
	  const panel = document.createElement('div'); panel.className = 'panel'; panel.append(btn, link);
	  document.getElementById('main').append(panel);
	  const out = [];
	  for (const c of %s) {
	    window.dispatchEvent(new CustomEvent('branding', { detail: { primary_color: c } }));
	    const b = getComputedStyle(btn), l = getComputedStyle(link), p = getComputedStyle(panel);
	    out.push([c, ratio(b.color, b.backgroundColor).toFixed(2), ratio(l.color, p.backgroundColor).toFixed(2)].join(' '));
	  }
	  panel.remove();
	  return out.join('\n');
	})()`
	colours := `["#000000", "#1f4fd1", "#7c3aed", "#e11d48", "#f59e0b", "#22c55e", "#808080", "#8a8a8a", "#767676", "#00a3a3", "#ffff00", "#ffffff"]`
	got := get(t, ctx, "brand contrast", chromedp.Evaluate[string](fmt.Sprintf(js, colours)))
	for _, line := range strings.Split(got, "\n") {
		var c string
		var onPrimary, linkRatio float64
		if _, err := fmt.Sscanf(line, "%s %f %f", &c, &onPrimary, &linkRatio); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if onPrimary < 4.5 || linkRatio < 4.5 {
			t.Errorf("brand colour %s: button text %.2f:1, links %.2f:1 (want ≥ 4.5)", c, onPrimary, linkRatio)
		}
	}
	t.Logf("colour, button text, link:\n%s", got)
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n%s", strings.Join(p, "\n"))
	}
}

// poll waits until the JavaScript expression is truthy.
func poll(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[bool](js)(ctx, tg)
		return err
	})
}
