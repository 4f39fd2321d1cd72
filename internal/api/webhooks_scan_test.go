package api_test

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/notify"
	"github.com/perimeterhq/perimeter/internal/notify/smtptest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// Real scans emit their events in the run's transactions, and emitting wakes
// the dispatcher: no test code dispatches here.
func TestScanEventsReachWebhooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		cfg := fastScans
		cfg.Hooks = fastHooks("127.0.0.1/32").Hooks
		e := apitest.NewWithConfig(t, engine, cfg)
		rcv := apitest.NewReceiver(t)
		newHook(t, e.Admin, rcv)
		_, httpPort := apitest.WeakHTTP(t, 0)
		u := e.Admin
		pl := u.Do("POST", "/v2/port_lists", map[string]any{"name": "lab", "ports": fmt.Sprintf("T:%d", httpPort)})
		tg := u.Do("POST", "/v2/targets", map[string]any{"name": "loopback", "hosts": "127.0.0.1", "product": "vrms", "port_list_id": pl.Str("port_list.id")})
		sc := u.Do("POST", "/v2/scans", map[string]any{"name": "lab scan", "target_id": tg.Str("target.id")})
		scanID := sc.Str("scan.id")
		// Stopped while queued (no worker yet): scan_stopped.
		if r := u.Do("POST", "/v2/scans/"+scanID+"/start", nil); r.Status != 202 {
			t.Fatalf("start: %s", r)
		}
		if r := u.Do("POST", "/v2/scans/"+scanID+"/stop", nil); r.Status != 200 {
			t.Fatalf("stop: %s", r)
		}
		e.StartJobs(t)
		if r := u.Do("POST", "/v2/scans/"+scanID+"/start", nil); r.Status != 202 {
			t.Fatalf("start: %s", r)
		}
		run := waitRun(t, u, scanID).Str("scan.last_history.id")
		byType := func() map[string][]apitest.Hook {
			out := map[string][]apitest.Hook{}
			for _, h := range rcv.Accepted() {
				out[h.Event] = append(out[h.Event], h)
			}
			return out
		}
		apitest.Eventually(t, 30*time.Second, "scan events delivered", func() bool {
			got := byType()
			return len(got["scan_stopped"]) == 1 && len(got["scan_started"]) == 1 && len(got["scan_completed"]) == 1 && len(got["vulnerability_found"]) == 1
		})
		got := byType()
		for _, hs := range got {
			if !hs[0].Valid {
				t.Fatalf("unsigned %s", hs[0].Event)
			}
		}
		done := got["scan_completed"][0].Payload["data"].(map[string]any)
		if done["history_id"] != run || done["scan_name"] != "lab scan" || done["status"] != "completed" || done["findings"].(float64) < 1 {
			t.Fatalf("scan_completed data %v", done)
		}
		found := got["vulnerability_found"][0].Payload["data"].(map[string]any)
		list := found["findings"].([]any)
		if found["history_id"] != run || found["count"] != done["findings"] || len(list) == 0 || list[0].(map[string]any)["port"] != float64(httpPort) {
			t.Fatalf("vulnerability_found data %v (completed: %v)", found, done)
		}
		// The same findings again: no vulnerability_found for the second run.
		if r := u.Do("POST", "/v2/scans/"+scanID+"/start", nil); r.Status != 202 {
			t.Fatalf("start: %s", r)
		}
		waitRun(t, u, scanID)
		apitest.Eventually(t, 30*time.Second, "the second run's events", func() bool { return len(byType()["scan_completed"]) == 2 })
		time.Sleep(300 * time.Millisecond)
		if n := len(byType()["vulnerability_found"]); n != 1 {
			t.Fatalf("%d vulnerability_found events; the second run found nothing new", n)
		}
	})
}

func TestNotificationEmails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		srv := smtptest.Start(t, smtptest.Options{User: "relay", Password: "relay-pass"})
		mailer, err := notify.ParseSMTPURL("smtp://relay:relay-pass@" + srv.Addr + "?starttls=none&from=alerts@perimeter.test")
		if err != nil {
			t.Fatal(err)
		}
		cfg := fastHooks()
		cfg.Hooks.Mailer = mailer
		var c1 string
		cfg.Hooks.Branding = appBranding(func(orgID string) notify.Brand {
			if orgID == c1 {
				return notify.Brand{Name: "Acme Security", From: "noc@acme.test", SupportEmail: "help@acme.test"}
			}
			return notify.DefaultBrand()
		})
		tr := hookTree(t, engine, cfg)
		c1 = tr.c1
		e := tr.e
		e.StartJobs(t)
		if r := tr.c1User.Do("POST", "/v2/user/preferences/notifications/scan_completed/enable", map[string]string{"channel": "email"}); r.Status != 200 {
			t.Fatal(r)
		}
		userEmail := tr.c1User.Email
		emitEvent(t, e, tr.c1, "scan_completed", map[string]any{"scan_name": "nightly", "findings": 4, "hosts_up": 2})
		emitEvent(t, e, tr.c2, "scan_failed", map[string]any{"scan_name": "weekly", "error": "target unreachable"})
		dispatch(t, e)
		apitest.Eventually(t, 20*time.Second, "two e-mails", func() bool { return len(srv.Messages()) == 2 })
		byTo := map[string]smtptest.Message{}
		for _, m := range srv.Messages() {
			byTo[m.To[0]] = m
		}
		m, ok := byTo[userEmail]
		if !ok || m.From != "alerts@perimeter.test" || m.Auth != "relay" {
			t.Fatalf("messages: %+v", srv.Messages())
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		from, _ := mail.ParseAddress(msg.Header.Get("From"))
		if subj != `Scan "nightly" completed` || from.Name != "Acme Security" || from.Address != "noc@acme.test" {
			t.Fatalf("subject %q, from %v", subj, from)
		}
		body := string(m.Data)
		for _, want := range []string{"multipart/alternative", "text/plain", "text/html", "4 findings", "help@acme.test"} {
			if !strings.Contains(body, want) {
				t.Errorf("message lacks %q:\n%s", want, body)
			}
		}
		// C2's admin gets scan_failed by default, under the platform's name.
		var other smtptest.Message
		for to, mm := range byTo {
			if to != userEmail {
				other = mm
			}
		}
		om, _ := mail.ReadMessage(bytes.NewReader(other.Data))
		if f, _ := mail.ParseAddress(om.Header.Get("From")); f == nil || f.Name != "Perimeter" {
			t.Fatalf("default brand: %v", om.Header.Get("From"))
		}
		apitest.Eventually(t, 10*time.Second, "the e-mail recorded as sent", func() bool {
			msgs, _ := e.Store.R().FindEmailMessages(context.Background(), tr.c1)
			return len(msgs) == 1 && msgs[0].Status == "sent" && msgs[0].Attempts == 1
		})
	})
}

type appBranding func(orgID string) notify.Brand

func (f appBranding) Brand(_ context.Context, orgID string) (notify.Brand, error) {
	return f(orgID), nil
}
