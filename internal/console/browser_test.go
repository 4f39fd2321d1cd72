package console_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/perimeterhq/perimeter/internal/api"
	"github.com/perimeterhq/perimeter/internal/apitest"
)

const chromiumPath = "/usr/bin/chromium"

// browser starts headless Chromium for a test, or skips the test when it is
// not installed (unless PERIMETER_REQUIRE_BROWSER=1, as in .ci/run). The
// returned problems lists script exceptions and CSP violations seen so far.
func browser(t *testing.T, width, height int) (context.Context, func() []string) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("PERIMETER_REQUIRE_BROWSER") == "1" {
			t.Fatalf("PERIMETER_REQUIRE_BROWSER=1 but %s is missing: %v", chromiumPath, err)
		}
		t.Skipf("browser test skipped: %s is not installed (apt-get install chromium)", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.WindowSize(width, height))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			problems = append(problems, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
		case *cdplog.EventEntryAdded:
			// Network errors (the 401 of a signed-out start) are expected;
			// CSP violations and script errors are not.
			if ev.Entry.Source == cdplog.EntrySourceSecurity || ev.Entry.Source == cdplog.EntrySourceJavascript ||
				strings.Contains(ev.Entry.Text, "Content Security Policy") {
				problems = append(problems, fmt.Sprintf("%s: %s", ev.Entry.Source, ev.Entry.Text))
			}
		}
	}); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	for _, cmd := range []cdp.Command[cdp.Empty, cdp.Empty]{cdplog.Enable, runtime.Enable} {
		if _, err := chromedp.Call(ctx, cmd, cdp.Empty{}); err != nil {
			t.Fatalf("chromium %s: %v", cmd.Method, err)
		}
	}
	return ctx, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), problems...) }
}

// shots is where screenshots go: PERIMETER_CONSOLE_SHOTS, else the test's
// artifact directory (kept with go test -artifacts).
func shots(t *testing.T) string {
	dir := os.Getenv("PERIMETER_CONSOLE_SHOTS")
	if dir == "" {
		dir = t.ArtifactDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(t *testing.T, dir, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		png, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		p := filepath.Join(dir, name+".png")
		t.Logf("screenshot %s", p)
		return os.WriteFile(p, png, 0o644)
	})
}

// run runs actions with a deadline, failing the test with what was being done.
func run(t *testing.T, ctx context.Context, what string, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Do(c, actions...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		if png, perr := chromedp.Run(ctx, chromedp.FullScreenshot(100)); perr == nil {
			_ = os.WriteFile(filepath.Join(shots(t), "failed.png"), png, 0o644)
		}
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("%s: %v (at %s)\npage text:\n%s", what, err, loc, text)
	}
}

// get runs one action that returns a value.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// eval runs JavaScript for its side effect.
func eval(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](js)(ctx, tg)
		return err
	})
}

// TestConsoleInBrowser drives the console in Chromium against the real API,
// job engine and scanner on SQLite: sign in, create a scan of a loopback web
// server with the wizard, watch it complete in the list, look at the run,
// filter the findings, open one, create an exception, sign out.
func TestConsoleInBrowser(t *testing.T) {
	ctx, problems := browser(t, 1280, 800)
	e, _ := newEnv(t, "sqlite", api.Options{})
	e.StartJobs(t)
	port := webServer(t)
	dir := shots(t)
	base := e.URL
	short := 20 * time.Second

	run(t, ctx, "sign-in page", short,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		screenshot(t, dir, "01-sign-in"))
	// Keyboard: the skip link is the first thing Tab reaches, and Enter on it
	// moves focus to the content.
	if first := get(t, ctx, "first focusable", chromedp.Evaluate[string](
		`document.querySelector('a[href], button:not([hidden]), input, select, textarea, [tabindex]:not([tabindex="-1"])').className`)); first != "skip-link" {
		t.Errorf("the first focusable element should be the skip link, is %q", first)
	}
	run(t, ctx, "follow skip link", short, eval(`document.querySelector('.skip-link').focus()`), chromedp.KeyEvent("\r"))
	if f := get(t, ctx, "focus", chromedp.Evaluate[string](`document.activeElement.id`)); f != "main" {
		t.Errorf("the skip link should focus main, focused %q", f)
	}
	loc := get(t, ctx, "location", chromedp.Location())
	run(t, ctx, "sign in", short,
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "root@platform.test"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), apitest.AdminPassword),
		chromedp.Click(chromedp.CSS(`form.signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#w-totals[data-ready="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#w-pci[data-ready="1"]`)))
	if !strings.HasSuffix(loc, "/signin") {
		t.Errorf("signed out, / should show /signin, was %s", loc)
	}
	assertNoTokenInStorage(t, ctx)

	// A reload keeps the session (the cookie) without any token in the page.
	run(t, ctx, "reload", short,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#w-totals[data-ready="1"]`)),
		screenshot(t, dir, "02-dashboard-empty"))

	run(t, ctx, "wizard", short,
		chromedp.Click(chromedp.CSS(`nav a[href="/scans"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#scans`)),
		chromedp.Click(chromedp.CSS(`a[href="/scans/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.wizard`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=target_name]`), "Loopback lab"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=hosts]`), "127.0.0.1"),
		chromedp.SetValue(chromedp.CSS(`select[name=port_list]`), "custom"),
		eval(`document.querySelector('select[name=port_list]').dispatchEvent(new Event('change'))`),
		chromedp.WaitVisible(chromedp.CSS(`input[name=ports]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=ports]`), fmt.Sprintf("T:%d", port)),
		chromedp.Click(chromedp.CSS(`form.wizard button[type=button]`)), // count hosts
		chromedp.WaitVisible(chromedp.CSS(`#host-count`)),
		screenshot(t, dir, "03-wizard"),
		chromedp.Click(chromedp.CSS(`form.wizard button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#runs-h`)))

	run(t, ctx, "the scan completes in the list", 90*time.Second,
		chromedp.Click(chromedp.CSS(`nav a[href="/scans"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#scans tr[data-scan]`)),
		screenshot(t, dir, "04-scans-running"),
		chromedp.WaitVisible(chromedp.CSS(`#scans tr[data-status="completed"]`)),
		screenshot(t, dir, "05-scans-completed"))

	// Start and stop: a scan of a listener that never answers runs for seconds.
	silent := apitest.SilentListener(t, "127.0.0.1")
	pl := e.Admin.Do("POST", "/v2/port_lists", map[string]any{"name": "silent", "ports": fmt.Sprintf("T:%d", silent)})
	tg := e.Admin.Do("POST", "/v2/targets", map[string]any{"name": "Silent", "hosts": "127.0.0.1", "product": "vrms", "port_list_id": pl.Str("port_list.id")})
	sc := e.Admin.Do("POST", "/v2/scans", map[string]any{"name": "Slow scan", "target_id": tg.Str("target.id")})
	if sc.Status != 201 {
		t.Fatalf("slow scan: %s", sc)
	}
	row := fmt.Sprintf(`#scans tr[data-scan=%q]`, sc.Str("scan.id"))
	run(t, ctx, "start and stop", 60*time.Second,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(row+` button`)),
		chromedp.Click(chromedp.CSS(row+` button[aria-label="Start Slow scan"]`)),
		chromedp.WaitVisible(chromedp.CSS(row+` button[aria-label="Stop Slow scan"]`)),
		chromedp.Click(chromedp.CSS(row+` button[aria-label="Stop Slow scan"]`)),
		chromedp.WaitVisible(chromedp.CSS(row+`[data-status="stopped"]`)),
		screenshot(t, dir, "05b-scan-stopped"))

	run(t, ctx, "run detail", short,
		chromedp.Click(chromedp.CSS(`#scans tr[data-status="completed"] td a`)), // the loopback lab scan
		chromedp.WaitVisible(chromedp.CSS(`#run-hosts tbody tr`)),
		chromedp.WaitVisible(chromedp.CSS(`#run-findings tbody tr a`)),
		screenshot(t, dir, "06-run-detail"))
	hostsText := get(t, ctx, "run hosts", chromedp.Text(chromedp.CSS(`#run-hosts`)))
	if !strings.Contains(hostsText, "127.0.0.1") || !strings.Contains(hostsText, fmt.Sprint(port)) {
		t.Errorf("run detail should list the host and its port %d: %q", port, hostsText)
	}

	run(t, ctx, "filter findings", short,
		chromedp.Click(chromedp.CSS(`nav a[href="/findings"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#findings tbody tr[data-finding]`)),
		chromedp.Click(chromedp.CSS(`#sev-medium`)),
		chromedp.Click(chromedp.CSS(`#sev-low`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=host]`), "127.0.0.*"),
		chromedp.Click(chromedp.CSS(`form[role=search] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#findings-summary`)),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.WaitVisible(chromedp.CSS(`#findings tbody tr[data-finding]`)),
		screenshot(t, dir, "07-findings-filtered"))
	loc = get(t, ctx, "location", chromedp.Location())
	findings := get(t, ctx, "findings", chromedp.Nodes(chromedp.CSSAll(`#findings tbody tr[data-finding]`)))
	if !strings.Contains(loc, "severity=medium%2Clow") || !strings.Contains(loc, "host=127.0.0.") {
		t.Errorf("filters should be in the page URL: %s", loc)
	}
	sevs := get(t, ctx, "severities shown", chromedp.Evaluate[string](
		`[...document.querySelectorAll('#findings tbody tr .badge[class*="sev-"]')].map(b => b.textContent).join(',')`))
	for _, s := range strings.Split(sevs, ",") {
		if s != "medium" && s != "low" {
			t.Errorf("filtered on medium and low, the list shows %q (%s)", s, sevs)
		}
	}
	if len(findings) == 0 {
		t.Fatal("no findings after filtering")
	}

	run(t, ctx, "finding detail", short,
		chromedp.Click(chromedp.CSS(`#findings tbody tr[data-finding] td a`)),
		chromedp.WaitVisible(chromedp.CSS(`#cvss-vector`)),
		chromedp.WaitVisible(chromedp.CSS(`#exception-form`)),
		screenshot(t, dir, "08-finding"),
		chromedp.SendKeys(chromedp.CSS(`#exception-form textarea[name=reason]`), "Lab host, accepted for the test"),
		chromedp.Click(chromedp.CSS(`#exception-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert-ok`)))

	run(t, ctx, "dashboard with data", short,
		chromedp.Click(chromedp.CSS(`nav a[href="/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#w-trend[data-ready="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#w-top[data-ready="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#w-pci[data-ready="1"]`)),
		screenshot(t, dir, "09-dashboard"))
	assertNoTokenInStorage(t, ctx)

	run(t, ctx, "reports", 60*time.Second,
		chromedp.Click(chromedp.CSS(`nav a[href="/reports"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#reports tr[data-report] button.btn-primary`)),
		chromedp.Click(chromedp.CSS(`#reports tr[data-report] button.btn-primary`)), // executive PDF
		chromedp.WaitVisible(chromedp.CSS(`#reports tr[data-report] button.btn-quiet`)),
		screenshot(t, dir, "10-reports"))
	run(t, ctx, "targets", short,
		chromedp.Click(chromedp.CSS(`nav a[href="/targets"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#targets tbody tr`)),
		screenshot(t, dir, "11-targets"))
	run(t, ctx, "settings", short,
		chromedp.Click(chromedp.CSS(`nav a[href="/settings"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#profile-form`)),
		chromedp.WaitVisible(chromedp.CSS(`#webhook-form`)),
		screenshot(t, dir, "12-settings"))

	run(t, ctx, "sign out", short,
		chromedp.Click(chromedp.CSS(`#sign-out`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		screenshot(t, dir, "13-signed-out"))
	loc = get(t, ctx, "location", chromedp.Location())
	// The cookie is gone and the session revoked: the API says 401.
	status := get(t, ctx, "API after sign-out", chromedp.Evaluate[int](
		`fetch('/v2/user', {headers: {'X-API-KEY': 'x'}}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if status != 401 {
		t.Errorf("after sign-out /v2/user answered %d", status)
	}
	if !strings.HasSuffix(loc, "/signin") {
		t.Errorf("sign-out should land on /signin, was %s", loc)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n%s", strings.Join(p, "\n"))
	}
}

// assertNoTokenInStorage checks the page keeps no session token where
// scripts (or an XSS) could take it: not in web storage, not in a readable
// cookie, not in the URL.
func assertNoTokenInStorage(t *testing.T, ctx context.Context) {
	t.Helper()
	dump := get(t, ctx, "storage", chromedp.Evaluate[string](
		`JSON.stringify([localStorage.length, sessionStorage.length, document.cookie, location.href, Object.entries(localStorage), Object.entries(sessionStorage)])`))
	if strings.Contains(dump, "pms_") || !strings.HasPrefix(dump, `[0,0,""`) {
		t.Errorf("the page keeps something in storage or readable cookies: %s", dump)
	}
}
