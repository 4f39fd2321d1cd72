package api_test

import (
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestAgentProtocol drives a run through the scanner agent endpoints: claim,
// results (resent: idempotent; outside the target: 422, nothing stored),
// progress, finish; wrong tokens and superseded attempts are refused.
func TestAgentProtocol(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.NewWithConfig(t, engine, fastScans)
		e.StartJobs(t)
		u := e.Admin
		sc := u.Do("POST", "/v2/scanners", map[string]any{"name": "Branch", "app_type": "agent"})
		if sc.Status != 201 {
			t.Fatalf("scanner: %s", sc)
		}
		agent := e.NoKey.WithAuth("Scanner " + sc.Str("scanner.token"))
		tg := u.Do("POST", "/v2/targets", map[string]any{"name": "lan", "hosts": "127.0.0.1-127.0.0.3", "product": "vrms"})
		s := u.Do("POST", "/v2/scans", map[string]any{"name": "via agent", "target_id": tg.Str("target.id"), "scanner_id": sc.Str("scanner.id")})
		if s.Status != 201 {
			t.Fatalf("scan: %s", s)
		}
		scanID := s.Str("scan.id")
		if r := u.Do("POST", "/v2/scans/"+scanID+"/start", nil); r.Status != 202 {
			t.Fatalf("start: %s", r)
		}
		if r := e.NoKey.WithAuth("Scanner pma_wrong").Do("POST", "/v2/agent/jobs/claim", map[string]any{"wait": 0}); r.Status != 401 {
			t.Fatalf("wrong token: %s", r)
		}
		var c *apitest.Resp
		apitest.Eventually(t, 20e9, "a job", func() bool {
			c = agent.Do("POST", "/v2/agent/jobs/claim", map[string]any{"version": "test-1", "networks": []string{"127.0.0.0/8"}, "wait": 1})
			return c.Status == 200
		})
		id := c.Str("job.id")
		host := map[string]any{"ip": "127.0.0.2", "status": "up", "hostnames": []string{}, "ports": []any{
			map[string]any{"port": 8080, "protocol": "tcp", "state": "open", "service": "http", "product": "", "version": "", "cpe": []string{}}},
			"findings": []any{}}
		batch := map[string]any{"attempt": 1, "seq": 0, "hosts": []any{host}, "down": []string{"127.0.0.3"}}
		outside := map[string]any{"attempt": 1, "seq": 1, "hosts": []any{host, map[string]any{"ip": "10.9.9.9", "status": "up", "hostnames": []string{},
			"ports": []any{}, "findings": []any{}}}}
		apitest.Run(t, []apitest.Scenario{
			{Name: "results", As: agent, Method: "POST", Path: "/v2/agent/jobs/" + id + "/results", Body: batch, Status: 200},
			{Name: "results resent", As: agent, Method: "POST", Path: "/v2/agent/jobs/" + id + "/results", Body: batch, Status: 200},
			{Name: "outside the target", As: agent, Method: "POST", Path: "/v2/agent/jobs/" + id + "/results", Body: outside, Status: 422,
				Want: []string{"10.9.9.9"}},
			{Name: "superseded", As: agent, Method: "POST", Path: "/v2/agent/jobs/" + id + "/progress", Body: map[string]any{"attempt": 2, "progress": 5}, Status: 409},
			{Name: "progress", As: agent, Method: "POST", Path: "/v2/agent/jobs/" + id + "/progress", Body: map[string]any{"attempt": 1, "progress": 50}, Status: 200,
				Want: []string{`"stop":false`}},
			{Name: "finish", As: agent, Method: "POST", Path: "/v2/agent/jobs/" + id + "/finish", Body: map[string]any{"attempt": 1, "status": "completed",
				"stats": map[string]any{"hosts_total": 3, "ports_probed": 3}}, Status: 200},
			{Name: "finish again", As: agent, Method: "POST", Path: "/v2/agent/jobs/" + id + "/finish", Body: map[string]any{"attempt": 1, "status": "completed"}, Status: 200},
			{Name: "nothing left", As: agent, Method: "POST", Path: "/v2/agent/jobs/claim", Body: map[string]any{"wait": 0}, Status: 204},
		})
		done := waitRun(t, u, scanID)
		if done.Str("scan.status") != "completed" || done.Get("scan.last_history.hosts_up").(float64) != 1 {
			t.Fatalf("run: %s", done)
		}
		if r := u.Do("GET", "/v2/scans/"+scanID+"/hosts", nil); r.Get("pagination.total_count").(float64) != 1 {
			t.Fatalf("hosts (resent batch not duplicated, 10.9.9.9 not stored): %s", r)
		}
		org := e.NewOrg(e.Admin, map[string]any{"name": "Other"})
		other := e.NewUser(e.Admin, org, "admin")
		osc := other.Do("POST", "/v2/scanners", map[string]any{"name": "Theirs", "app_type": "agent"})
		theirs := e.NoKey.WithAuth("Scanner " + osc.Str("scanner.token"))
		if r := theirs.Do("POST", "/v2/agent/jobs/"+id+"/progress", map[string]any{"attempt": 1, "progress": 1}); r.Status != 404 {
			t.Fatalf("another org's run: %s", r)
		}
	})
}

// TestAgentRelease: an agent shutting down hands its run back; it is queued
// at once as the next attempt (the released attempt gets 409 from then on),
// the next claim gets it, another organization's scanner cannot touch it,
// and a run asked to stop ends stopped when released.
func TestAgentRelease(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.NewWithConfig(t, engine, fastScans)
		e.StartJobs(t)
		u := e.Admin
		sc := u.Do("POST", "/v2/scanners", map[string]any{"name": "Branch", "app_type": "agent"})
		agent := e.NoKey.WithAuth("Scanner " + sc.Str("scanner.token"))
		tg := u.Do("POST", "/v2/targets", map[string]any{"name": "lan", "hosts": "127.0.0.1", "product": "vrms"})
		s := u.Do("POST", "/v2/scans", map[string]any{"name": "via agent", "target_id": tg.Str("target.id"), "scanner_id": sc.Str("scanner.id")})
		scanID := s.Str("scan.id")
		claim := func(attempt float64) string {
			t.Helper()
			var c *apitest.Resp
			apitest.Eventually(t, 20e9, "a job", func() bool {
				c = agent.Do("POST", "/v2/agent/jobs/claim", map[string]any{"wait": 1})
				return c.Status == 200
			})
			if c.Get("job.attempt") != attempt {
				t.Fatalf("claim: %s, want attempt %v", c, attempt)
			}
			return c.Str("job.id")
		}
		if r := u.Do("POST", "/v2/scans/"+scanID+"/start", nil); r.Status != 202 {
			t.Fatalf("start: %s", r)
		}
		id := claim(1)
		other := e.NewUser(e.Admin, e.NewOrg(e.Admin, map[string]any{"name": "Other"}), "admin")
		theirs := e.NoKey.WithAuth("Scanner " + other.Do("POST", "/v2/scanners", map[string]any{"name": "Theirs", "app_type": "agent"}).Str("scanner.token"))
		release := "/v2/agent/jobs/" + id + "/release"
		apitest.Run(t, []apitest.Scenario{
			{Name: "another organization's scanner", As: theirs, Method: "POST", Path: release, Body: map[string]any{"attempt": 1}, Status: 404},
			{Name: "release", As: agent, Method: "POST", Path: release, Body: map[string]any{"attempt": 1}, Status: 200},
			{Name: "release again", As: agent, Method: "POST", Path: release, Body: map[string]any{"attempt": 1}, Status: 200},
			{Name: "the released attempt is over", As: agent, Method: "POST", Path: "/v2/agent/jobs/" + id + "/progress",
				Body: map[string]any{"attempt": 1, "progress": 10}, Status: 409},
			{Name: "queued again", As: u, Method: "GET", Path: "/v2/scans/" + scanID, Status: 200, Want: []string{`"status":"queued"`}},
		})
		if again := claim(2); again != id {
			t.Fatalf("the next claim must get the released run: %s", again)
		}
		if r := u.Do("POST", "/v2/scans/"+scanID+"/stop", nil); r.Status != 202 && r.Status != 200 {
			t.Fatalf("stop: %s", r)
		}
		if r := agent.Do("POST", release, map[string]any{"attempt": 2}); r.Status != 200 {
			t.Fatalf("release while stopping: %s", r)
		}
		if st := u.Do("GET", "/v2/scans/"+scanID, nil).Str("scan.status"); st != "stopped" {
			t.Fatalf("a run asked to stop ends stopped when released: %s", st)
		}
	})
}
