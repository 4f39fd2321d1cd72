package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// excWorld is one scan whose run fails PCI on one medium finding (weak TLS on
// 10.6.0.1:443) and passes otherwise.
type excWorld struct {
	*resultsWorld
	sc       seededScan
	run      string
	tlsID    string // the failing finding
	otherTLS string // the same check on another host
}

func newExcWorld(t *testing.T, engine string) *excWorld {
	w := &excWorld{resultsWorld: newResultsWorld(t, engine)}
	c1 := w.tr.c1
	w.sc = newScan(t, w.tr.c1User, c1, "Shop", "10.6.0.1-2")
	w.run = storeRun(t, w.tr.e.Store, w.sc, w.now.Add(-time.Hour), scan.StatusCompleted, []hostSeed{
		with(hostSeed{ip: "10.6.0.1"}, findingSeed{port: 443, check: "tls-weak", severity: "medium", cvss: 5.3},
			findingSeed{port: 80, check: "http-headers", severity: "low", cvss: 2.1}),
		with(hostSeed{ip: "10.6.0.2"}, findingSeed{port: 443, check: "tls-weak", severity: "medium", cvss: 5.3}),
	})
	w.tlsID = w.fid(c1, "10.6.0.1", 443, "tls-weak")
	w.otherTLS = w.fid(c1, "10.6.0.2", 443, "tls-weak")
	return w
}

// runCompliant reads the PCI verdict of the world's run.
func (w *excWorld) runCompliant(t *testing.T) any {
	t.Helper()
	r := w.tr.c1User.Do("GET", "/v2/scans/"+w.sc.id+"/histories/"+w.run, nil)
	if r.Status != 200 {
		t.Fatalf("history: %s", r)
	}
	return r.Get("history.pci_compliant")
}

// targetCompliant reads the target's verdict from the PCI widget.
func (w *excWorld) targetCompliant(t *testing.T) any {
	t.Helper()
	r := w.tr.c1User.Do("GET", "/v2/vulnerabilities/widgets/pci_compliant", nil)
	targets, _ := r.Get("pci_compliant.targets").([]any)
	for _, it := range targets {
		m := it.(map[string]any)
		if m["target_id"] == w.sc.target {
			return m["compliant"]
		}
	}
	t.Fatalf("target %s not in the widget: %s", w.sc.target, r)
	return nil
}

func (w *excWorld) status(t *testing.T, findingID string) string {
	t.Helper()
	return w.tr.c1User.Do("GET", "/v2/vulnerabilities/"+findingID, nil).Str("vulnerability.status")
}

func TestExceptionLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newExcWorld(t, engine)
		user, admin, other := w.tr.c1User, w.tr.c1Admin, w.tr.c2Admin
		if got := w.runCompliant(t); got != false {
			t.Fatalf("run compliant before = %v", got)
		}

		// A user proposes: pending, nothing changes.
		r := user.Do("POST", "/v2/exceptions", map[string]any{"type": "false_positive", "vulnerability_id": w.tlsID,
			"reason": "TLS 1.0 is disabled on the load balancer; the scanner reached the backend"})
		if r.Status != 201 || r.Str("exception.status") != "pending" || r.Str("exception.check_id") != "tls-weak" ||
			r.Str("exception.host") != "10.6.0.1" || num(r, "exception.port") != 443 {
			t.Fatalf("propose: %s", r)
		}
		id := r.Str("exception.id")
		if w.status(t, w.tlsID) != "open" || w.runCompliant(t) != false {
			t.Fatal("a pending exception changed results")
		}
		if r := user.Do("POST", "/v2/exceptions/activate", map[string]any{"ids": []string{id}}); r.Status != 403 {
			t.Fatalf("user activates: %s", r)
		}
		for _, path := range []string{"/v2/exceptions/" + id, "/v2/exceptions/" + id + "/details"} {
			if r := other.Do("GET", path, nil); r.Status != 404 {
				t.Errorf("another organization GET %s: %s", path, r)
			}
		}
		if r := other.Do("POST", "/v2/exceptions/activate", map[string]any{"ids": []string{id}}); r.Status != 404 {
			t.Errorf("another organization activates: %s", r)
		}
		if r := other.Do("DELETE", "/v2/exceptions/"+id, nil); r.Status != 404 {
			t.Errorf("another organization deletes: %s", r)
		}
		if r := other.Do("PUT", "/v2/exceptions/"+id, map[string]any{"reason": "x"}); r.Status != 404 {
			t.Errorf("another organization updates: %s", r)
		}

		// The admin activates: the finding and every verdict flip.
		r = admin.Do("POST", "/v2/exceptions/activate", map[string]any{"ids": []string{id}})
		if r.Status != 200 || r.Str("exceptions.0.status") != "active" || num(r, "exceptions.0.findings_covered") != 1 {
			t.Fatalf("activate: %s", r)
		}
		if got := w.status(t, w.tlsID); got != "false_positive" {
			t.Errorf("finding status = %s", got)
		}
		if w.status(t, w.otherTLS) != "open" {
			t.Error("the exception covered another host")
		}
		if got := w.runCompliant(t); got != false {
			t.Errorf("run still fails on 10.6.0.2, got compliant %v", got)
		}
		// Widen the scope to every host: the run passes.
		r = admin.Do("PUT", "/v2/exceptions/"+id, map[string]any{"host": ""})
		if r.Status != 200 || num(r, "exception.findings_covered") != 2 {
			t.Fatalf("widen: %s", r)
		}
		if got := w.runCompliant(t); got != true {
			t.Errorf("run compliant after exception = %v", got)
		}
		if got := w.targetCompliant(t); got != true {
			t.Errorf("target compliant after exception = %v", got)
		}
		r = user.Do("GET", "/v2/exceptions/"+id+"/details", nil)
		if r.Status != 200 || len(ids(r, "vulnerabilities", "id")) != 2 {
			t.Errorf("details: %s", r)
		}
		r = user.Do("GET", "/v2/exceptions/statistics", nil)
		wantNums(t, r, map[string]int{"total": 1, "by_status.active": 1, "by_type.false_positive": 1, "findings_covered": 2})
		if r := user.Do("PUT", "/v2/exceptions/"+id, map[string]any{"reason": "mine now"}); r.Status != 403 {
			t.Errorf("user changes an active exception: %s", r)
		}
		if r := user.Do("DELETE", "/v2/exceptions/"+id, nil); r.Status != 403 {
			t.Errorf("user deletes an active exception: %s", r)
		}
		apitest.Run(t, []apitest.Scenario{
			{Name: "list by status", As: user, Method: "GET", Path: "/v2/exceptions?q[status]=active", Status: 200, Want: []string{`"total_count":1`, id}},
			{Name: "list by check", As: user, Method: "GET", Path: "/v2/exceptions?q[check]=tls", Status: 200, Want: []string{`"total_count":1`}},
			{Name: "another organization lists none", As: other, Method: "GET", Path: "/v2/exceptions", Status: 200, Want: []string{`"total_count":0`}},
		})

		// Reset: back to pending, findings and verdicts revert.
		r = admin.Do("POST", "/v2/exceptions/reset", map[string]any{"ids": []string{id}})
		if r.Status != 200 || r.Str("exceptions.0.status") != "pending" {
			t.Fatalf("reset: %s", r)
		}
		if w.status(t, w.tlsID) != "open" || w.runCompliant(t) != false || w.targetCompliant(t) != false {
			t.Error("reset did not revert")
		}

		// Activate again, then delete: reverts.
		if r := admin.Do("POST", "/v2/exceptions/activate", map[string]any{"ids": []string{id}}); r.Status != 200 {
			t.Fatalf("activate again: %s", r)
		}
		if w.runCompliant(t) != true {
			t.Fatal("not compliant after activating again")
		}
		if r := admin.Do("DELETE", "/v2/exceptions/"+id, nil); r.Status != 204 {
			t.Fatalf("delete: %s", r)
		}
		if w.status(t, w.tlsID) != "open" || w.status(t, w.otherTLS) != "open" || w.runCompliant(t) != false {
			t.Error("delete did not revert")
		}
		if r := user.Do("GET", "/v2/exceptions/"+id, nil); r.Status != 404 {
			t.Errorf("deleted exception: %s", r)
		}
	})
}

func TestExceptionOverlapAndExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newExcWorld(t, engine)
		admin := w.tr.c1Admin
		ctx := context.Background()
		soon := w.now.Add(time.Hour).Format(time.RFC3339)
		// Two active exceptions cover the same finding; the first to expire
		// hands it to the other.
		a := admin.Do("POST", "/v2/exceptions", map[string]any{"type": "accepted_risk", "check_id": "tls-weak",
			"reason": "legacy POS terminals until Q3", "expires_at": soon, "activate": true})
		b := admin.Do("POST", "/v2/exceptions", map[string]any{"type": "compensating_control", "check_id": "tls-weak",
			"host": "10.6.0.1", "reason": "WAF terminates TLS 1.2+", "activate": true})
		if a.Status != 201 || a.Str("exception.status") != "active" || num(a, "exception.findings_covered") != 2 || b.Status != 201 {
			t.Fatalf("create active: %s / %s", a, b)
		}
		if num(b, "exception.findings_covered") != 0 {
			t.Errorf("the second exception took findings the first covers: %s", b)
		}
		if w.runCompliant(t) != true || w.status(t, w.tlsID) != "accepted" {
			t.Fatal("active exceptions did not apply")
		}
		// Nothing is due yet.
		if n, err := w.tr.e.App.ExpireExceptions(ctx); err != nil || n != 0 {
			t.Fatalf("expire before time: %d %v", n, err)
		}
		w.tr.e.App.SetClock(func() time.Time { return w.now.Add(2 * time.Hour) })
		if n, err := w.tr.e.App.ExpireExceptions(ctx); err != nil || n != 1 {
			t.Fatalf("expire: %d %v", n, err)
		}
		r := admin.Do("GET", "/v2/exceptions/"+a.Str("exception.id"), nil)
		if r.Str("exception.status") != "expired" || r.Get("exception.expired_at") == nil {
			t.Errorf("after expiry: %s", r)
		}
		if got := w.status(t, w.tlsID); got != "accepted" {
			t.Errorf("10.6.0.1 stays covered by the other exception, got %s", got)
		}
		if got := w.status(t, w.otherTLS); got != "open" {
			t.Errorf("10.6.0.2 reverts, got %s", got)
		}
		if w.runCompliant(t) != false {
			t.Error("verdict did not revert on expiry")
		}
		evs, err := w.tr.e.Store.R().FindEvents(ctx, w.tr.c1, "exception_expired", 10)
		if err != nil || len(evs) != 1 || evs[0].ResourceID != a.Str("exception.id") {
			t.Fatalf("outbox: %v %v", evs, err)
		}
		if evs[0].Payload["findings_restored"] != float64(2) {
			t.Errorf("event payload: %v", evs[0].Payload)
		}
		// Activating an expired exception needs a later expiry first.
		r = admin.Do("POST", "/v2/exceptions/activate", map[string]any{"ids": []string{a.Str("exception.id")}})
		if r.Status != 422 || !strings.Contains(string(r.Body), "expires_at") {
			t.Errorf("activate expired: %s", r)
		}
	})
}

func TestExceptionValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newExcWorld(t, engine)
		user := w.tr.c1User
		past := w.now.Add(-time.Hour).Format("2006-01-02 15:04:05")
		apitest.Run(t, []apitest.Scenario{
			{Name: "check that does not exist", As: user, Method: "POST", Path: "/v2/exceptions",
				Body: map[string]any{"type": "false_positive", "check_id": "no-such-check", "reason": "x"}, Status: 422, Want: []string{`"check_id"`, "does not exist"}},
			{Name: "unknown type", As: user, Method: "POST", Path: "/v2/exceptions",
				Body: map[string]any{"type": "wontfix", "check_id": "tls-weak", "reason": "x"}, Status: 422, Want: []string{`"type"`}},
			{Name: "reason required", As: user, Method: "POST", Path: "/v2/exceptions",
				Body: map[string]any{"type": "false_positive", "check_id": "tls-weak"}, Status: 422, Want: []string{`"reason"`}},
			{Name: "expiry in the past", As: user, Method: "POST", Path: "/v2/exceptions",
				Body: map[string]any{"type": "false_positive", "check_id": "tls-weak", "reason": "x", "expires_at": past}, Status: 422, Want: []string{`"expires_at"`}},
			{Name: "port out of range", As: user, Method: "POST", Path: "/v2/exceptions",
				Body: map[string]any{"type": "false_positive", "check_id": "tls-weak", "reason": "x", "port": 70000}, Status: 422, Want: []string{`"port"`}},
			{Name: "port of the wrong type", As: user, Method: "POST", Path: "/v2/exceptions",
				Body: map[string]any{"type": "false_positive", "check_id": "tls-weak", "reason": "x", "port": "https"}, Status: 422, Want: []string{`"port"`}},
			{Name: "another organization's finding", As: w.tr.c2Admin, Method: "POST", Path: "/v2/exceptions",
				Body: map[string]any{"type": "false_positive", "vulnerability_id": w.tlsID, "reason": "x"}, Status: 422, Want: []string{`"vulnerability_id"`}},
			{Name: "a CVE check exists before any scan saw it", As: user, Method: "POST", Path: "/v2/exceptions",
				Body: map[string]any{"type": "accepted_risk", "check_id": "cve:CVE-2021-44228", "reason": "not reachable"}, Status: 201},
			{Name: "read_only cannot propose", As: w.tr.e.NewUser(w.tr.c1Admin, w.tr.c1, "read_only"), Method: "POST", Path: "/v2/exceptions",
				Body: map[string]any{"type": "false_positive", "check_id": "tls-weak", "reason": "x"}, Status: 403},
			{Name: "activate nothing", As: w.tr.c1Admin, Method: "POST", Path: "/v2/exceptions/activate", Body: map[string]any{"ids": []string{}}, Status: 422, Want: []string{`"ids"`}},
		})
		if r := user.Do("GET", "/v2/exceptions", nil); num(r, "pagination.total_count") != 1 {
			t.Errorf("rejected proposals were stored: %s", r)
		}
	})
}
