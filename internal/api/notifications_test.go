package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

func TestNotificationsAndPreferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := hookTree(t, engine, fastHooks())
		e := tr.e
		user, admin := tr.c1User, tr.c1Admin
		prefs := user.Do("GET", "/v2/user/preferences/notifications", nil)
		if prefs.Status != 200 || len(prefs.Get("preferences").([]any)) != 8 {
			t.Fatalf("preferences: %s", prefs)
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "defaults", As: user, Method: "GET", Path: "/v2/user/preferences/notifications", Status: 200,
				Want: []string{`{"event":"scan_started","in_app":true,"email":false}`, `{"event":"scan_failed","in_app":true,"email":true}`}},
			{Name: "in-app off for scan_started", As: user, Method: "POST", Path: "/v2/user/preferences/notifications/scan_started/disable",
				Body: map[string]string{"channel": "in_app"}, Status: 200, Want: []string{`"preference":{"event":"scan_started","in_app":false,"email":false}`}},
			{Name: "e-mail on for scan_completed", As: user, Method: "POST", Path: "/v2/user/preferences/notifications/scan_completed/enable",
				Body: map[string]string{"channel": "email"}, Status: 200, Want: []string{`"email":true`}},
			{Name: "unknown event", As: user, Method: "POST", Path: "/v2/user/preferences/notifications/scan_exploded/enable",
				Body: map[string]string{"channel": "email"}, Status: 404},
			{Name: "unknown channel", As: user, Method: "POST", Path: "/v2/user/preferences/notifications/scan_started/enable",
				Body: map[string]string{"channel": "pigeon"}, Status: 422, Want: []string{`"channel"`}},
			{Name: "the choice is kept", As: user, Method: "GET", Path: "/v2/user/preferences/notifications", Status: 200,
				Want: []string{`{"event":"scan_started","in_app":false,"email":false}`, `{"event":"scan_completed","in_app":true,"email":true}`}},
		})
		emitEvent(t, e, tr.c1, "scan_started", map[string]any{"scan_name": "nightly"})
		emitEvent(t, e, tr.c1, "scan_completed", map[string]any{"scan_name": "nightly", "findings": 2, "hosts_up": 1,
			"by_severity": map[string]any{"high": 2}})
		emitEvent(t, e, tr.c2, "scan_completed", map[string]any{"scan_name": "other"})
		if n := dispatch(t, e); n != 3 {
			t.Fatalf("dispatched %d", n)
		}
		list := user.Do("GET", "/v2/notifications", nil)
		if list.Status != 200 || list.Get("pagination.total_count") != float64(1) || list.Get("unread_count") != float64(1) {
			t.Fatalf("the user turned scan_started off: %s", list)
		}
		n := list.Get("notifications.0").(map[string]any)
		if n["type"] != "scan_completed" || n["title"] != `Scan "nightly" completed` || n["read"] != false ||
			n["body"] != `The scan "nightly" completed: 1 hosts up, 2 findings (2 high).` {
			t.Fatalf("notification %v", n)
		}
		nid := n["id"].(string)
		adminList := admin.Do("GET", "/v2/notifications?sort_by=created_at&sort_order=asc", nil)
		if adminList.Get("unread_count") != float64(2) || adminList.Str("notifications.0.type") != "scan_started" {
			t.Fatalf("the admin keeps the defaults: %s", adminList)
		}
		adminFirst := adminList.Str("notifications.0.id")
		apitest.Run(t, []apitest.Scenario{
			{Name: "show", As: user, Method: "GET", Path: "/v2/notifications/" + nid, Status: 200, Want: []string{`"resource_type":"scan"`}},
			{Name: "another user's is a 404", As: admin, Method: "GET", Path: "/v2/notifications/" + nid, Status: 404},
			{Name: "another org's admin: 404", As: tr.c2Admin, Method: "GET", Path: "/v2/notifications/" + nid, Status: 404},
			{Name: "mark another's read: 404", As: admin, Method: "PUT", Path: "/v2/notifications/" + nid + "/read", Status: 404},
			{Name: "delete another's: 404", As: tr.pAdmin, Method: "DELETE", Path: "/v2/notifications/" + nid, Status: 404},
			{Name: "seen", As: user, Method: "PUT", Path: "/v2/notifications/" + nid + "/seen", Status: 200,
				Want: []string{`"seen":true`, `"read":false`}},
			{Name: "unread filter", As: user, Method: "GET", Path: "/v2/notifications?q[read]=false&q[seen]=true", Status: 200,
				Want: []string{`"total_count":1`, `"unread_count":1`}},
			{Name: "read (and seen)", As: user, Method: "PUT", Path: "/v2/notifications/" + nid + "/read", Status: 200,
				Want: []string{`"read":true`, `"seen":true`}},
			{Name: "unread count drops", As: user, Method: "GET", Path: "/v2/notifications", Status: 200, Want: []string{`"unread_count":0`}},
			{Name: "admin reads one", As: admin, Method: "PUT", Path: "/v2/notifications/" + adminFirst + "/read", Status: 200},
			{Name: "admin reads all", As: admin, Method: "PUT", Path: "/v2/notifications/read_all", Status: 200,
				Want: []string{`"updated":1`, `"unread_count":0`}},
			{Name: "seen all (none left)", As: admin, Method: "PUT", Path: "/v2/notifications/seen_all", Status: 200, Want: []string{`"updated":0`}},
			{Name: "delete", As: user, Method: "DELETE", Path: "/v2/notifications/" + nid, Status: 204},
			{Name: "gone", As: user, Method: "GET", Path: "/v2/notifications/" + nid, Status: 404},
			{Name: "C2 sees its own only", As: tr.c2Admin, Method: "GET", Path: "/v2/notifications", Status: 200,
				Want: []string{`"total_count":1`, `"other`}, NotIn: []string{"nightly"}},
		})
		// Read-only users manage their own notifications too.
		ro := e.NewUser(admin, tr.c1, "read_only")
		emitEvent(t, e, tr.c1, "scan_failed", map[string]any{"scan_name": "nightly", "error": "boom"})
		dispatch(t, e)
		r := ro.Do("GET", "/v2/notifications", nil)
		if r.Str("notifications.0.type") != "scan_failed" {
			t.Fatalf("read-only: %s", r)
		}
		if r := ro.Do("PUT", "/v2/notifications/"+r.Str("notifications.0.id")+"/read", nil); r.Status != http.StatusOK {
			t.Fatalf("read-only mark read: %s", r)
		}
	})
}

// A webhook failing for DeactivateAfter in a row is turned off, and its
// organization's admins (only) are told.
func TestWebhookDeactivatedAfterFailingStreak(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		cfg := fastHooks("127.0.0.1/32")
		cfg.Hooks.RetryDelays = []time.Duration{} // no retries: one attempt per delivery
		cfg.Hooks.DeactivateAfter = 48 * time.Hour
		cfg.SessionTTL = 1000 * time.Hour // the clock moves days ahead
		tr := hookTree(t, engine, cfg)
		e := tr.e
		clock := time.Now().UTC()
		e.App.SetClock(func() time.Time { return clock })
		e.StartJobs(t)
		rcv := apitest.NewReceiver(t)
		rcv.Answer = func(apitest.Hook, int) int { return http.StatusInternalServerError }
		id := newHook(t, tr.c1Admin, rcv, "scan_completed")
		failed := func(n int) {
			apitest.Eventually(t, 20*time.Second, "failed deliveries", func() bool {
				return tr.c1Admin.Do("GET", "/v2/webhooks/"+id+"/deliveries?q[status]=failed", nil).Get("pagination.total_count") == float64(n)
			})
		}
		emitEvent(t, e, tr.c1, "scan_completed", nil)
		dispatch(t, e)
		failed(1)
		clock = clock.Add(24 * time.Hour)
		emitEvent(t, e, tr.c1, "scan_completed", nil)
		dispatch(t, e)
		failed(2)
		if w := tr.c1Admin.Do("GET", "/v2/webhooks/"+id, nil); w.Get("webhook.active") != true {
			t.Fatalf("a day of failures is not enough: %s", w)
		}
		clock = clock.Add(25 * time.Hour)
		emitEvent(t, e, tr.c1, "scan_completed", nil)
		dispatch(t, e)
		failed(3)
		w := tr.c1Admin.Do("GET", "/v2/webhooks/"+id, nil)
		if w.Get("webhook.active") != false || w.Str("webhook.deactivated_reason") == "" {
			t.Fatalf("49 hours of failures deactivate it: %s", w)
		}
		dispatch(t, e) // the webhook_deactivated event
		r := tr.c1Admin.Do("GET", "/v2/notifications?q[type]=webhook_deactivated", nil)
		if r.Get("pagination.total_count") != float64(1) || r.Str("notifications.0.resource_id") != id {
			t.Fatalf("the admin is told: %s", r)
		}
		if r := tr.c1User.Do("GET", "/v2/notifications?q[type]=webhook_deactivated", nil); r.Get("pagination.total_count") != float64(0) {
			t.Fatalf("only admins are told: %s", r)
		}
		// Inactive: no more deliveries; activating ends the streak.
		emitEvent(t, e, tr.c1, "scan_completed", nil)
		dispatch(t, e)
		if r := tr.c1Admin.Do("GET", "/v2/webhooks/"+id+"/deliveries", nil); r.Get("pagination.total_count") != float64(3) {
			t.Fatalf("an inactive webhook gets nothing: %s", r)
		}
		a := tr.c1Admin.Do("POST", "/v2/webhooks/"+id+"/activate", nil)
		if a.Get("webhook.active") != true || a.Get("webhook.failing_since") != nil || a.Str("webhook.deactivated_reason") != "" {
			t.Fatalf("activate: %s", a)
		}
	})
}
