package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

func TestWebhookDeliveriesAreSignedForEveryEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := hookTree(t, engine, fastHooks("127.0.0.1/32"))
		e := tr.e
		e.StartJobs(t)
		rcv := apitest.NewReceiver(t)
		hookID := newHook(t, tr.c1Admin, rcv)
		events := map[string]string{} // event id → type
		for _, typ := range webhook.Events {
			events[emitEvent(t, e, tr.c1, typ, map[string]any{"scan_name": "nightly", "findings": 3})] = typ
		}
		if n := dispatch(t, e); n != len(webhook.Events) {
			t.Fatalf("dispatched %d events", n)
		}
		apitest.Eventually(t, 20*time.Second, "every event delivered", func() bool { return len(rcv.Accepted()) == len(webhook.Events) })
		for id, h := range rcv.Accepted() {
			if !h.Valid {
				t.Errorf("delivery %s (%s): signature %q does not verify", id, h.Event, h.Signature)
			}
			if h.UserAgent != "CloneGuard-Hook/test" {
				t.Errorf("User-Agent %q", h.UserAgent)
			}
			if events[h.EventID] != h.Event || h.Payload["event"] != h.Event || h.Payload["id"] != h.Delivery {
				t.Errorf("headers and body disagree: %s %s %v", h.Event, h.Delivery, h.Payload)
			}
			if h.Payload["organization_id"] != tr.c1 || h.Payload["data"].(map[string]any)["scan_name"] != "nightly" {
				t.Errorf("payload %v", h.Payload)
			}
		}

		// The deliveries endpoints log each attempt exactly as it was sent
		// (recorded just after the receiver answered: wait for it).
		var list *apitest.Resp
		apitest.Eventually(t, 10*time.Second, "every delivery recorded as succeeded", func() bool {
			list = tr.c1Admin.Do("GET", "/v2/webhooks/"+hookID+"/deliveries?per_page=100&q[status]=succeeded", nil)
			return list.Get("pagination.total_count") == float64(len(webhook.Events))
		})
		if list.Status != 200 {
			t.Fatalf("deliveries: %s", list)
		}
		d := list.Get("deliveries.0").(map[string]any)
		if d["status"] != "succeeded" || d["attempts"] != float64(1) || d["response_status"] != float64(200) {
			t.Fatalf("delivery %v", d)
		}
		det := tr.c1Admin.Do("GET", "/v2/webhooks/"+hookID+"/deliveries/"+d["id"].(string), nil)
		sent := rcv.Accepted()[d["id"].(string)]
		if det.Status != 200 || det.Str("delivery.request_body") != string(sent.Body) {
			t.Fatalf("detail %s; receiver got %s", det, sent.Body)
		}
		at := det.Get("delivery.attempt_log.0").(map[string]any)
		hdr := at["request_headers"].(map[string]any)
		if hdr["X-Cg-Hook-Signature"].([]any)[0] != sent.Signature || hdr["X-Cg-Hook-Delivery"].([]any)[0] != sent.Delivery {
			t.Fatalf("logged request headers %v", hdr)
		}
		if at["response_status"] != float64(200) || at["response_body"] != `{"ok":true}` {
			t.Fatalf("logged response %v", at)
		}

		// The secret was shown once: never again, and stored encrypted.
		got := tr.c1Admin.Do("GET", "/v2/webhooks/"+hookID, nil)
		if got.Status != 200 || strings.Contains(string(got.Body), "secret\"") {
			t.Fatalf("webhook shows its secret: %s", got)
		}
		w, err := e.Store.R().FindWebhook(context.Background(), tr.c1, hookID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(w.SecretSealed, "v1:") || strings.Contains(w.SecretSealed, "pmw_") {
			t.Fatalf("secret stored in clear: %q", w.SecretSealed)
		}
	})
}

// Retries wait for River's scheduler, which moves due jobs every 5 s: both
// cases run side by side to keep the test short.
func TestWebhookRetriesWithTheSameDeliveryID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := hookTree(t, engine, fastHooks("127.0.0.1/32"))
		e := tr.e
		e.StartJobs(t)
		rcv, down := apitest.NewReceiver(t), apitest.NewReceiver(t)
		rcv.Answer = func(h apitest.Hook, n int) int {
			if n <= 2 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		}
		down.Answer = func(apitest.Hook, int) int { return http.StatusServiceUnavailable } // never accepts
		hookID := newHook(t, tr.c1Admin, rcv, "scan_completed")
		downID := newHook(t, tr.c2Admin, down, "scan_completed")
		emitEvent(t, e, tr.c1, "scan_completed", map[string]any{"scan_name": "x"})
		emitEvent(t, e, tr.c1, "scan_started", nil) // not subscribed: no delivery
		emitEvent(t, e, tr.c2, "scan_completed", nil)
		dispatch(t, e)
		apitest.Eventually(t, 40*time.Second, "the third attempt to succeed", func() bool { return len(rcv.Accepted()) == 1 })
		hooks := rcv.Hooks()
		if len(hooks) != 3 {
			t.Fatalf("%d requests, want 3 (500, 500, 200)", len(hooks))
		}
		for _, h := range hooks {
			if h.Delivery != hooks[0].Delivery || string(h.Body) != string(hooks[0].Body) || !h.Valid {
				t.Fatalf("retries must repeat the delivery id and body: %+v vs %+v", h, hooks[0])
			}
		}
		var det *apitest.Resp
		apitest.Eventually(t, 10*time.Second, "the delivery to be recorded", func() bool {
			det = tr.c1Admin.Do("GET", "/v2/webhooks/"+hookID+"/deliveries/"+hooks[0].Delivery, nil)
			return det.Str("delivery.status") == "succeeded"
		})
		log := det.Get("delivery.attempt_log").([]any)
		if det.Get("delivery.attempts") != float64(3) || len(log) != 3 {
			t.Fatalf("detail: %s", det)
		}
		for i, want := range []float64{500, 500, 200} {
			a := log[i].(map[string]any)
			if a["response_status"] != want || a["attempt"] != float64(i+1) {
				t.Fatalf("attempt %d: %v", i+1, a)
			}
		}
		if !strings.Contains(log[0].(map[string]any)["error"].(string), "500") {
			t.Fatalf("a failed attempt says why: %v", log[0])
		}

		// A receiver that never accepts: 1 + 3 attempts, then failed.
		apitest.Eventually(t, 40*time.Second, "the delivery to fail", func() bool {
			r := tr.c2Admin.Do("GET", "/v2/webhooks/"+downID+"/deliveries?q[status]=failed", nil)
			return r.Get("pagination.total_count") == float64(1) && r.Get("deliveries.0.attempts") == float64(4)
		})
		if n := len(down.Hooks()); n != 4 {
			t.Fatalf("%d requests, want 4", n)
		}
		if w := tr.c2Admin.Do("GET", "/v2/webhooks/"+downID, nil); w.Get("webhook.failing_since") == nil || w.Get("webhook.active") != true {
			t.Fatalf("a failed delivery starts the failing streak (the webhook stays active): %s", w)
		}
	})
}

func TestWebhookPartnerFanOutAndTenancy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := hookTree(t, engine, fastHooks("127.0.0.1/32"))
		e := tr.e
		e.StartJobs(t)
		rP, rC1, rC2 := apitest.NewReceiver(t), apitest.NewReceiver(t), apitest.NewReceiver(t)
		hP := newHook(t, tr.pAdmin, rP)
		hC1 := newHook(t, tr.c1Admin, rC1)
		hC2 := newHook(t, tr.c2Admin, rC2)
		emitEvent(t, e, tr.c1, "scan_completed", nil)
		emitEvent(t, e, tr.p, "scan_failed", nil)
		dispatch(t, e)
		apitest.Eventually(t, 20*time.Second, "partner and customer deliveries", func() bool {
			return len(rP.Accepted()) == 2 && len(rC1.Accepted()) == 1
		})
		time.Sleep(200 * time.Millisecond)
		if len(rC2.Hooks()) != 0 || len(rC1.Hooks()) != 1 {
			t.Fatalf("C2 got %d, C1 got %d deliveries; want 0 and 1", len(rC2.Hooks()), len(rC1.Hooks()))
		}
		for _, h := range rP.Accepted() {
			if !h.Valid {
				t.Fatalf("partner delivery not signed with the partner's secret")
			}
			if h.Event == "scan_completed" && h.Payload["organization_id"] != tr.c1 {
				t.Fatalf("the partner's copy names the customer: %v", h.Payload)
			}
		}
		pDelivery := ""
		for id := range rP.Accepted() {
			pDelivery = id
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "C1 lists only its own", As: tr.c1Admin, Method: "GET", Path: "/v2/webhooks", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { expectIDs(t, r, "webhooks", hC1) }},
			{Name: "C1 cannot see the partner's", As: tr.c1Admin, Method: "GET", Path: "/v2/webhooks/" + hP, Status: 404},
			{Name: "C2 cannot see C1's", As: tr.c2Admin, Method: "GET", Path: "/v2/webhooks/" + hC1, Status: 404},
			{Name: "C2 cannot update C1's", As: tr.c2Admin, Method: "PUT", Path: "/v2/webhooks/" + hC1, Body: map[string]any{"name": "x"}, Status: 404},
			{Name: "C2 cannot deactivate C1's", As: tr.c2Admin, Method: "POST", Path: "/v2/webhooks/" + hC1 + "/deactivate", Status: 404},
			{Name: "C2 cannot delete C1's", As: tr.c2Admin, Method: "DELETE", Path: "/v2/webhooks/" + hC1, Status: 404},
			{Name: "C2 cannot list C1's deliveries", As: tr.c2Admin, Method: "GET", Path: "/v2/webhooks/" + hC1 + "/deliveries", Status: 404},
			{Name: "a partner delivery through a C1 webhook", As: tr.c1Admin, Method: "GET", Path: "/v2/webhooks/" + hC1 + "/deliveries/" + pDelivery, Status: 404},
			{Name: "a partner delivery through C2's own webhook", As: tr.c2Admin, Method: "GET", Path: "/v2/webhooks/" + hC2 + "/deliveries/" + pDelivery, Status: 404},
			{Name: "the partner sees its delivery", As: tr.pAdmin, Method: "GET", Path: "/v2/webhooks/" + hP + "/deliveries/" + pDelivery, Status: 200},
			{Name: "read-only users may not create", As: e.NewUser(tr.c1Admin, tr.c1, "read_only"), Method: "POST", Path: "/v2/webhooks",
				Body: map[string]any{"name": "x", "url": rC1.URL, "events": []string{"scan_started"}}, Status: 403},
		})
	})
}

func TestWebhookValidation(t *testing.T) {
	e := apitest.NewWithConfig(t, "sqlite", fastHooks())
	apitest.Run(t, []apitest.Scenario{
		{Name: "unknown event", As: e.Admin, Method: "POST", Path: "/v2/webhooks",
			Body: map[string]any{"name": "x", "url": "https://hooks.example.com/", "events": []string{"scan_exploded"}}, Status: 422, Want: []string{`"events"`}},
		{Name: "no events", As: e.Admin, Method: "POST", Path: "/v2/webhooks",
			Body: map[string]any{"name": "x", "url": "https://hooks.example.com/"}, Status: 422, Want: []string{`"events"`}},
		{Name: "not http", As: e.Admin, Method: "POST", Path: "/v2/webhooks",
			Body: map[string]any{"name": "x", "url": "ftp://hooks.example.com/", "events": []string{"scan_started"}}, Status: 422, Want: []string{`"url"`}},
		{Name: "short secret", As: e.Admin, Method: "POST", Path: "/v2/webhooks",
			Body: map[string]any{"name": "x", "url": "https://hooks.example.com/", "events": []string{"scan_started"}, "secret": "short"}, Status: 422, Want: []string{`"secret"`}},
		{Name: "chosen secret is shown once", As: e.Admin, Method: "POST", Path: "/v2/webhooks",
			Body:   map[string]any{"name": "x", "url": "https://hooks.example.com/", "events": []string{"scan_started", "scan_started"}, "secret": "my-own-secret-123456"},
			Status: 201, Want: []string{`"secret":"my-own-secret-123456"`, `"events":["scan_started"]`, `"active":true`}},
		{Name: "not found", As: e.Admin, Method: "GET", Path: "/v2/webhooks/0190b7a4-0000-7000-8000-000000000000", Status: 404},
		{Name: "bad id", As: e.Admin, Method: "GET", Path: "/v2/webhooks/42", Status: 404},
	})
}
