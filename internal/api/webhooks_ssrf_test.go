package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// Only loopback is ever contacted here. Addresses such as 10.0.0.1 are refused
// when the webhook is created, before anything could dial them; the
// delivery-time refusals (names, redirects) are aimed at loopback sentinels
// that must never see a connection.
func TestWebhookSSRFRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		// No allow-list at all: loopback is refused like any internal address.
		e := apitest.NewWithConfig(t, engine, fastHooks())
		e.StartJobs(t)
		sentinel := apitest.NewSentinel(t, "127.0.0.1")
		body := func(url string) map[string]any {
			return map[string]any{"name": "ssrf", "url": url, "events": []string{"scan_completed"}}
		}
		var scenarios []apitest.Scenario
		for _, c := range []struct{ url, reason string }{
			{"http://127.0.0.1:" + sentinel.Port() + "/", "loopback"},
			{"http://10.0.0.1/hook", "private"},
			{"http://169.254.169.254/latest/meta-data/", "metadata"},
			{"http://[::1]:" + sentinel.Port() + "/", "loopback"},
			{"http://[::ffff:127.0.0.1]:" + sentinel.Port() + "/", "loopback"},
			{"https://100.64.1.1/", "carrier-grade NAT"},
			{"http://0.0.0.0:" + sentinel.Port() + "/", "unspecified"},
		} {
			scenarios = append(scenarios, apitest.Scenario{Name: "create " + c.url, As: e.Admin, Method: "POST", Path: "/v2/webhooks",
				Body: body(c.url), Status: 422, Want: []string{`"url"`, c.reason}})
		}
		// A name is judged when it is resolved, at delivery: localhost resolves
		// to loopback.
		var nameHook string
		scenarios = append(scenarios, apitest.Scenario{Name: "create localhost", As: e.Admin, Method: "POST", Path: "/v2/webhooks",
			Body: body("http://localhost:" + sentinel.Port() + "/"), Status: 201,
			Check: func(t *testing.T, r *apitest.Resp) { nameHook = r.Str("webhook.id") }})
		apitest.Run(t, scenarios)
		// An update to a refused address is refused too.
		if r := e.Admin.Do("PUT", "/v2/webhooks/"+nameHook, map[string]any{"url": "http://192.168.0.10/"}); r.Status != 422 {
			t.Fatalf("update to a private address: %s", r)
		}
		emitEvent(t, e, e.Boot.OrganizationID, "scan_completed", nil)
		dispatch(t, e)
		var d *apitest.Resp
		apitest.Eventually(t, 20*time.Second, "the delivery to localhost to fail", func() bool {
			d = e.Admin.Do("GET", "/v2/webhooks/"+nameHook+"/deliveries", nil)
			return d.Str("deliveries.0.status") == "failed"
		})
		if msg := d.Str("deliveries.0.error"); !strings.Contains(msg, "localhost resolves to") || !strings.Contains(msg, "loopback") ||
			d.Get("deliveries.0.attempts") != float64(1) {
			t.Fatalf("a refused name fails at once with the reason: %s", d)
		}

		// Allowed receiver, redirecting to another loopback address that is
		// not allowed: the redirect is not followed.
		e2 := apitest.NewWithConfig(t, engine, fastHooks("127.0.0.1/32"))
		e2.StartJobs(t)
		hidden := apitest.NewSentinel(t, "127.0.0.9")
		redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://"+hidden.Addr+"/", http.StatusFound)
		}))
		t.Cleanup(redir.Close)
		cr := e2.Admin.Do("POST", "/v2/webhooks", body(redir.URL+"/"))
		if cr.Status != 201 {
			t.Fatalf("create: %s", cr)
		}
		id := cr.Str("webhook.id")
		if r := e2.Admin.Do("POST", "/v2/webhooks", body("http://"+hidden.Addr+"/")); r.Status != 422 {
			t.Fatalf("a loopback address outside the allow-list: %s", r)
		}
		emitEvent(t, e2, e2.Boot.OrganizationID, "scan_completed", nil)
		dispatch(t, e2)
		apitest.Eventually(t, 40*time.Second, "the redirected delivery to fail", func() bool {
			d = e2.Admin.Do("GET", "/v2/webhooks/"+id+"/deliveries", nil)
			return d.Str("deliveries.0.status") == "failed"
		})
		if msg := d.Str("deliveries.0.error"); !strings.Contains(msg, "redirect not followed") || d.Get("deliveries.0.response_status") != float64(302) {
			t.Fatalf("redirect: %s", d)
		}
		if n := sentinel.Connections() + hidden.Connections(); n != 0 {
			t.Fatalf("%d connections reached a refused address", n)
		}
	})
}
