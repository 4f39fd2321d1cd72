package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/jobs"
	"github.com/perimeterhq/perimeter/internal/report"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store"
)

// tmScope is whose a fixture is, which decides who may reach it by id.
type tmScope int

const (
	tmOwn      tmScope = iota // no fixture: the operation acts on the caller's own organization or account
	tmTenant                  // tenant data of A: reachable by whoever acts in A (Actor.Scope)
	tmManaged                 // A itself and its administration (users, subscriptions, audit): Actor.ManagedScope
	tmPersonal                // one user's own (a notification of A's read_only user)
	tmGlobal                  // the platform's catalogue (plans, built-in scan profiles): no tenant
)

// tmFixtures says whose each fixture is.
var tmFixtures = map[string]tmScope{
	"target": tmTenant, "scan": tmTenant, "history": tmTenant, "scan_host": tmTenant, "vulnerability": tmTenant,
	"host": tmTenant, "report": tmTenant, "advanced_report": tmTenant, "exception": tmTenant, "schedule": tmTenant,
	"webhook": tmTenant, "delivery": tmTenant, "scanner": tmTenant, "port_list": tmTenant, "port_range": tmTenant,
	"notification": tmPersonal,
	"organization": tmManaged, "user": tmManaged, "subscription": tmManaged, "audit_event": tmManaged,
	"plan": tmGlobal, "scan_profile": tmGlobal,
	"event": tmOwn, "asset": tmOwn,
}

// tmParams maps a path parameter, named with the path segment before it, to
// the fixture that fills it. A route whose parameter is missing here fails
// TestTenantMatrix with the line to add.
var tmParams = map[string]string{
	"jobs/{id}":    "history", // scanner agent jobs are runs
	"targets/{id}": "target", "scans/{id}": "scan", "histories/{history_id}": "history", "hosts/{host_id}": "scan_host",
	"vulnerabilities/{vulnerability_id}": "vulnerability", "vulnerabilities/{id}": "vulnerability", "hosts/{id}": "host",
	"reports/{id}": "report", "advanced_reports/{id}": "advanced_report", "exceptions/{id}": "exception",
	"schedules/{id}": "schedule", "webhooks/{id}": "webhook", "deliveries/{delivery_id}": "delivery",
	"scanners/{id}": "scanner", "port_lists/{id}": "port_list", "port_ranges/{range_id}": "port_range",
	"notifications/{id}": "notification", "organizations/{id}": "organization", "users/{id}": "user",
	"impersonate/{user_id}": "user", "subscriptions/{subscription_id}": "subscription", "events/{id}": "audit_event",
	"plans/{id}": "plan", "scan_profiles/{id}": "scan_profile", "notifications/{event}": "event", "assets/{file}": "asset",
}

// tmBulk names the fixture whose id goes into the {"ids": [...]} body of the
// operations on many ids at once: bulk deletes and activations must not touch
// another tenant's ids.
var tmBulk = map[string]string{
	"DELETE /v2/targets": "target", "DELETE /v2/scans": "scan", "DELETE /v2/schedules": "schedule",
	"DELETE /v2/reports": "report", "DELETE /v2/advanced_reports": "advanced_report", "DELETE /v2/exceptions": "exception",
	"POST /v2/exceptions/activate": "exception", "POST /v2/exceptions/reset": "exception",
}

// tmBodies are request bodies valid enough to get past validation, so that a
// call on another tenant's id reaches the lookup (and a granted one does its
// work). Other writes send {} (or {"ids": [...]}, see tmBulk).
var tmBodies = map[string]func(ids map[string]string) any{
	"POST /v2/reports/{id}/generate": func(map[string]string) any { return map[string]any{"type": "detailed", "format": "json"} },
	"POST /v2/reports/{id}/verify": func(map[string]string) any {
		return map[string]any{"type": "executive", "format": "json", "sha256": strings.Repeat("ab", 32)}
	},
	"POST /v2/advanced_reports/{id}/generate": func(map[string]string) any { return map[string]any{"format": "csv"} },
	"PUT /v2/scanners/{id}/app_type":          func(map[string]string) any { return map[string]any{"app_type": "agent"} },
	"POST /v2/scanners/{id}/assign":           func(ids map[string]string) any { return map[string]any{"organization_id": ids["organization"]} },
	"POST /v2/port_lists/{id}/port_ranges":    func(map[string]string) any { return map[string]any{"ports": "T:20-21"} },
	"PUT /v2/port_lists/{id}/app_type":        func(map[string]string) any { return map[string]any{"app_type": "agent"} },
	"POST /v2/users/{id}/inherit":             func(ids map[string]string) any { return map[string]any{"from_user_id": ids["user"]} },
	"POST /v2/vulnerabilities/{id}/ai/prompt": func(map[string]string) any { return map[string]any{"prompt": "How do I fix this?"} },
	"POST /v2/targets": func(ids map[string]string) any {
		return map[string]any{"name": "TMA ref target", "hosts": "10.80.0.1", "product": "vrms", "port_list_id": ids["port_list"]}
	},
	"POST /v2/scans": func(ids map[string]string) any {
		return map[string]any{"name": "TMA ref scan", "target_id": ids["target"], "schedule_id": ids["schedule"]}
	},
	"POST /v2/exceptions": func(ids map[string]string) any {
		return map[string]any{"type": "false_positive", "vulnerability_id": ids["vulnerability"], "reason": "TMA ref"}
	},
	"POST /v2/advanced_reports": func(ids map[string]string) any {
		return map[string]any{"name": "TMA ref advanced", "format": "json", "sections": []string{"summary"},
			"filters": map[string]any{"target_ids": []string{ids["target"]}}}
	},
	"POST /v2/users": func(ids map[string]string) any {
		return map[string]any{"email": "tma-ref-" + uuid.NewString()[:8] + "@a.test", "first_name": "TMA", "last_name": "Ref",
			"organization_id": ids["organization"], "role": "user"}
	},
	"POST /v2/user/transfer_resources": func(ids map[string]string) any {
		return map[string]any{"from_user_id": ids["user"], "to_user_id": ids["user"]}
	},
	"PUT /v2/organizations/change": func(ids map[string]string) any { return map[string]any{"organization_id": ids["organization"]} },
}

// tmQueries are the query strings reads need.
var tmQueries = map[string]string{
	"GET /v2/reports/{id}/download": "?type=executive&format=json",
	"GET /v2/reports/{id}/exists":   "?type=executive&format=json",
}

// tmRefs are the operations whose body (tmBodies) names a fixture of A, and
// whose that fixture is: creating a scan of A's target, an exception on A's
// finding, a user in A, switching into A.
var tmRefs = map[string]tmScope{
	"POST /v2/targets": tmTenant, "POST /v2/scans": tmTenant, "POST /v2/exceptions": tmTenant,
	"POST /v2/advanced_reports": tmTenant, "POST /v2/users": tmManaged, "POST /v2/user/transfer_resources": tmManaged,
	"PUT /v2/organizations/change": tmManaged,
}

// tmGet is how A's administrator checks at the end that a fixture still exists.
var tmGet = map[string]string{
	"target": "/v2/targets/%s", "scan": "/v2/scans/%s", "schedule": "/v2/schedules/%s", "report": "/v2/reports/%s",
	"advanced_report": "/v2/advanced_reports/%s", "exception": "/v2/exceptions/%s", "webhook": "/v2/webhooks/%s",
	"scanner": "/v2/scanners/%s", "port_list": "/v2/port_lists/%s", "user": "/v2/users/%s", "host": "/v2/hosts/%s",
	"vulnerability": "/v2/vulnerabilities/%s",
}

// tmWorld is the tenancy tree and A's fixtures.
type tmWorld struct {
	t          *testing.T
	e          *apitest.Env
	a, b, p, f string
	aAdmin     *apitest.Client
	pAdmin     *apitest.Client
	aRO        *apitest.Client
	rcv        *apitest.Receiver
	sc         seededScan
	ids        map[string]string // fixture → id
	markers    []string          // what no caller outside A may ever read
	n          int
}

func (w *tmWorld) mustStatus(r *apitest.Resp, status int, what string) *apitest.Resp {
	w.t.Helper()
	if r.Status != status {
		w.t.Fatalf("fixture %s: %s", what, r)
	}
	return r
}

// seq returns a new number for unique names and addresses.
func (w *tmWorld) seq() int { w.n++; return w.n }

// fixtures creates one of everything in A (as A's administrator), and the
// global fixtures.
func (w *tmWorld) fixtures() {
	t, e, ad := w.t, w.e, w.aAdmin
	w.ids = map[string]string{"organization": w.a, "event": "scan_completed", "asset": "swagger-init.js"}
	for _, name := range []string{"target", "schedule", "advanced_report", "webhook", "scanner", "port_list", "user"} {
		for k, v := range w.fresh(name) {
			w.ids[k] = v
		}
	}
	w.sc = newScan(t, ad, w.a, "TMA scan", "10.77.0.0/29")
	w.ids["scan"] = w.sc.id
	ip := "10.77.0.1"
	w.ids["history"] = w.run(ip)
	w.ids["scan_host"], w.ids["host"] = scan.HostID(w.a, ip), scan.HostID(w.a, ip)
	w.ids["vulnerability"] = scan.FindingID(w.a, scan.HostID(w.a, ip), 443, "tcp", "tma-check")
	w.ids["report"] = w.report(w.ids["history"])
	w.ids["exception"] = w.exception(w.ids["vulnerability"])
	w.ids["notification"] = w.fresh("notification")["notification"]
	w.ids["delivery"] = w.delivery()
	w.ids["subscription"] = w.mustStatus(e.Admin.Do("GET", "/v2/organizations/"+w.a+"/subscriptions", nil), 200, "subscriptions").Str("subscriptions.0.id")
	w.ids["audit_event"] = e.Admin.Do("GET", "/v2/audit/events?q[organization_id]="+w.a+"&per_page=1", nil).Str("events.0.id")
	w.ids["plan"] = e.Admin.Do("GET", "/v2/plans", nil).Str("plans.0.id")
	w.ids["scan_profile"] = ad.Do("GET", "/v2/scan_profiles", nil).Str("scan_profiles.0.id")
	w.generateFiles()
	for name, scope := range tmFixtures {
		if w.ids[name] == "" {
			t.Fatalf("fixture %s has no id", name)
		}
		if scope == tmTenant || scope == tmManaged || scope == tmPersonal {
			w.markers = append(w.markers, w.ids[name])
		}
	}
	w.markers = append(w.markers, "TMA ", w.aAdmin.Email, w.aRO.Email, userID(w.aRO), userID(w.aAdmin))
}

// generateFiles renders the report's and the advanced report's files with
// the job engine, which is stopped again: the walk must not run scans.
func (w *tmWorld) generateFiles() {
	t, ad := w.t, w.aAdmin
	runner, err := jobs.Start(context.Background(), w.e.Store, w.e.App, jobs.Options{Workers: 2, ScanWorkers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = runner.Stop(ctx)
	}()
	rep, adv := "/v2/reports/"+w.ids["report"], "/v2/advanced_reports/"+w.ids["advanced_report"]
	w.mustStatus(ad.Do("POST", rep+"/generate", map[string]any{"type": "executive", "format": "json"}), 202, "report file")
	w.mustStatus(ad.Do("POST", adv+"/generate", map[string]any{"format": "json"}), 202, "advanced report file")
	apitest.Eventually(t, 30*time.Second, "the report files", func() bool {
		return ad.Do("GET", rep+"/download?type=executive&format=json", nil).Status == 200 &&
			ad.Do("GET", adv+"/download", nil).Status == 200
	})
}

// run stores a finished run of A's scan that found one finding on ip.
func (w *tmWorld) run(ip string) string {
	return storeRun(w.t, w.e.Store, w.sc, time.Now().UTC().Add(-time.Hour), scan.StatusCompleted, []hostSeed{
		with(hostSeed{ip: ip, services: []scan.Service{{Port: 443, Protocol: "tcp", Service: "https"}}},
			findingSeed{port: 443, check: "tma-check", severity: "high", cvss: 7.5})})
}

// report creates the report of a run, as a finished run does.
func (w *tmWorld) report(runID string) string {
	id := fmt.Sprintf("0190aaaa-0000-7000-8000-%012d", w.seq())
	err := w.e.Store.Tx(context.Background(), func(q *store.Q) error {
		return q.CreateReport(context.Background(), report.Report{ID: id, OrganizationID: w.a, RunID: runID, ScanID: w.sc.id,
			TargetID: w.sc.target, Product: w.sc.product, Name: "TMA report", CreatedAt: time.Now().UTC()})
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *tmWorld) exception(findingID string) string {
	return w.mustStatus(w.aAdmin.Do("POST", "/v2/exceptions", map[string]any{"type": "compensating_control",
		"vulnerability_id": findingID, "reason": "TMA exception"}), 201, "exception").Str("exception.id")
}

// delivery emits an event of A and waits for its delivery to A's webhook.
func (w *tmWorld) delivery() string {
	emitEvent(w.t, w.e, w.a, "scan_completed", map[string]any{"scan_name": "TMA scan"})
	dispatch(w.t, w.e)
	var id string
	apitest.Eventually(w.t, 20*time.Second, "a delivery to A's webhook", func() bool {
		id = w.aAdmin.Do("GET", "/v2/webhooks/"+w.ids["webhook"]+"/deliveries", nil).Str("deliveries.0.id")
		return id != ""
	})
	return id
}

// fresh creates a new fixture of a kind (and the fixtures it needs), for the
// calls that delete one, and returns the ids to use.
func (w *tmWorld) fresh(name string) map[string]string {
	t, ad, n := w.t, w.aAdmin, w.seq()
	switch name {
	case "target":
		return map[string]string{name: w.mustStatus(ad.Do("POST", "/v2/targets", map[string]any{"name": fmt.Sprintf("TMA target %d", n),
			"hosts": fmt.Sprintf("10.78.%d.1", n), "product": "vrms"}), 201, name).Str("target.id")}
	case "scan":
		return map[string]string{name: newScan(t, ad, w.a, fmt.Sprintf("TMA scan %d", n), fmt.Sprintf("10.79.%d.1", n)).id}
	case "schedule":
		return map[string]string{name: w.mustStatus(ad.Do("POST", "/v2/schedules", map[string]any{"name": fmt.Sprintf("TMA schedule %d", n),
			"timezone": "UTC", "frequency": "daily", "starts_at": "2031-01-01T00:00:00Z"}), 201, name).Str("schedule.id")}
	case "advanced_report":
		return map[string]string{name: w.mustStatus(ad.Do("POST", "/v2/advanced_reports", map[string]any{"name": fmt.Sprintf("TMA advanced %d", n),
			"format": "json", "sections": []string{"summary"}}), 201, name).Str("advanced_report.id")}
	case "webhook":
		if w.rcv == nil {
			w.rcv = apitest.NewReceiver(t)
		}
		return map[string]string{name: newHook(t, ad, w.rcv, "scan_completed")}
	case "scanner":
		return map[string]string{name: w.mustStatus(ad.Do("POST", "/v2/scanners", map[string]any{"name": fmt.Sprintf("TMA scanner %d", n),
			"app_type": "agent"}), 201, name).Str("scanner.id")}
	case "port_list", "port_range":
		r := w.mustStatus(ad.Do("POST", "/v2/port_lists", map[string]any{"name": fmt.Sprintf("TMA ports %d", n), "ports": "T:1-10,U:53"}), 201, name)
		return map[string]string{"port_list": r.Str("port_list.id"), "port_range": r.Str("port_list.port_ranges.0.id")}
	case "user":
		return map[string]string{name: w.mustStatus(ad.Do("POST", "/v2/users", map[string]any{"email": fmt.Sprintf("tma%d@a.test", n),
			"first_name": "TMA", "last_name": "User", "role": "user", "password": "a-long-password", "confirmed": true}), 201, name).Str("user.id")}
	case "report":
		return map[string]string{name: w.report(w.run(fmt.Sprintf("10.77.1.%d", n)))}
	case "exception":
		ip := fmt.Sprintf("10.77.2.%d", n)
		w.run(ip)
		return map[string]string{name: w.exception(scan.FindingID(w.a, scan.HostID(w.a, ip), 443, "tcp", "tma-check"))}
	case "notification":
		emitEvent(t, w.e, w.a, "scan_completed", map[string]any{"scan_name": fmt.Sprintf("TMA scan %d", n)})
		dispatch(t, w.e)
		return map[string]string{name: w.mustStatus(w.aRO.Do("GET", "/v2/notifications?sort_by=created_at&sort_order=desc", nil), 200, name).
			Str("notifications.0.id")}
	}
	t.Fatalf("no way to create a fresh %q fixture: add one to tmWorld.fresh", name)
	return nil
}
