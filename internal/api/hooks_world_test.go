package api_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/store"
)

// fastHooks retries quickly and lets webhooks reach 127.0.0.1 (only: the
// sentinels of the SSRF tests listen on other loopback addresses).
func fastHooks(allow ...string) app.Config {
	cfg := app.Config{Hooks: app.HooksConfig{RetryDelays: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond}}}
	for _, a := range allow {
		cfg.Hooks.WebhookAllow = append(cfg.Hooks.WebhookAllow, netip.MustParsePrefix(a))
	}
	return cfg
}

// hookTree is the tenancy tree of newTree (platform → partner P → customer
// C1; platform → customer C2) on an Env with cfg.
func hookTree(t *testing.T, engine string, cfg app.Config) *tree {
	e := apitest.NewWithConfig(t, engine, cfg)
	tr := &tree{e: e}
	tr.p = e.NewOrg(e.Admin, map[string]any{"name": "Partner P", "type": "partner"})
	tr.c2 = e.NewOrg(e.Admin, map[string]any{"name": "Customer C2"})
	tr.pAdmin = e.NewUser(e.Admin, tr.p, "admin")
	tr.c1 = e.NewOrg(tr.pAdmin, map[string]any{"name": "Customer C1"})
	tr.c1Admin = e.NewUser(tr.pAdmin, tr.c1, "admin")
	tr.c1User = e.NewUser(tr.c1Admin, tr.c1, "user")
	tr.c2Admin = e.NewUser(e.Admin, tr.c2, "admin")
	tr.c1UserID = tr.c1User.Do("GET", "/v2/user", nil).Str("user.id")
	tr.c2AdminID = tr.c2Admin.Do("GET", "/v2/user", nil).Str("user.id")
	tr.rootID = e.Boot.UserID
	return tr
}

// newHook creates a webhook for every event as c, pointing at rcv (whose
// secret it sets), and returns its id.
func newHook(t *testing.T, c *apitest.Client, rcv *apitest.Receiver, events ...string) string {
	t.Helper()
	body := map[string]any{"name": "hook", "url": rcv.URL + "/hook"}
	if len(events) > 0 {
		body["events"] = events
	} else {
		body["events"] = []string{"scan_started", "scan_completed", "scan_stopped", "scan_failed", "report_generated",
			"vulnerability_found", "exception_expired"}
	}
	r := c.Do("POST", "/v2/webhooks", body)
	if r.Status != 201 || r.Str("webhook.secret") == "" {
		t.Fatalf("create webhook: %s", r)
	}
	rcv.SetSecret(r.Str("webhook.secret"))
	return r.Str("webhook.id")
}

// emitEvent writes an event into the outbox as a change of orgID would, and
// returns its id. The test dispatches it with dispatch.
func emitEvent(t *testing.T, e *apitest.Env, orgID, typ string, data map[string]any) string {
	t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	err := e.Store.Tx(context.Background(), func(q *store.Q) error {
		return q.InsertEvent(context.Background(), store.Event{ID: id, OrganizationID: orgID, Type: typ, ResourceType: "scan",
			ResourceID: uuid.Must(uuid.NewV7()).String(), Payload: data, CreatedAt: time.Now().UTC()})
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func dispatch(t *testing.T, e *apitest.Env) int {
	t.Helper()
	n, err := e.App.DispatchEvents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
