package api_test

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// labTarget creates a port list and a target on loopback addresses.
func labTarget(t *testing.T, c *apitest.Client, hosts, ports string) string {
	t.Helper()
	pl := c.Do("POST", "/v2/port_lists", map[string]any{"name": "lab " + ports, "ports": ports})
	if pl.Status != 201 {
		t.Fatalf("port list: %s", pl)
	}
	tg := c.Do("POST", "/v2/targets", map[string]any{"name": "lab " + hosts, "hosts": hosts, "product": "vrms", "port_list_id": pl.Str("port_list.id")})
	if tg.Status != 201 {
		t.Fatalf("target: %s", tg)
	}
	return tg.Str("target.id")
}

func TestStopKeepsPartialResults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.NewWithConfig(t, engine, fastScans)
		e.StartJobs(t)
		_, fast := apitest.WeakHTTP(t, 0)
		slow := apitest.SilentListener(t, "127.0.0.2")
		target := labTarget(t, e.Admin, "127.0.0.1, 127.0.0.2", fmt.Sprintf("T:%d,%d", fast, slow))
		id := e.Admin.Do("POST", "/v2/scans", map[string]any{"name": "slow", "target_id": target}).Str("scan.id")
		if r := e.Admin.Do("POST", "/v2/scans/"+id+"/start", nil); r.Status != 202 {
			t.Fatalf("start: %s", r)
		}
		// Wait until the fast host is stored while the slow one is still being probed.
		apitest.Eventually(t, 30*time.Second, "the fast host's results", func() bool {
			return len(findingStatuses(t, e.Admin)) > 0
		})
		running := e.Admin.Do("GET", "/v2/scans/running", nil)
		if running.Get("pagination.total_count").(float64) != 1 {
			t.Fatalf("running list: %s", running)
		}
		stop := e.Admin.Do("POST", "/v2/scans/"+id+"/stop", nil)
		if stop.Status != 200 {
			t.Fatalf("stop: %s", stop)
		}
		done := waitRun(t, e.Admin, id)
		if done.Str("scan.status") != "stopped" || done.Get("scan.last_history.finished_at") == nil {
			t.Fatalf("after stop: %s", done)
		}
		if n := done.Get("scan.last_history.vulnerabilities.total").(float64); n == 0 {
			t.Fatalf("partial results must be kept: %s", done)
		}
		if r := e.Admin.Do("POST", "/v2/scans/"+id+"/stop", nil); r.Status != 409 {
			t.Fatalf("stopping a stopped scan: %s", r)
		}
	})
}

func TestScanLifecycleAndWizard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		u := tr.c1User
		target := u.Do("POST", "/v2/targets", map[string]any{"name": "t", "hosts": "10.0.0.0/30", "product": "vrms"}).Str("target.id")
		pciTarget := u.Do("POST", "/v2/targets", map[string]any{"name": "p", "hosts": "10.0.1.1", "product": "pci"}).Str("target.id")
		otherTarget := tr.c2Admin.Do("POST", "/v2/targets", map[string]any{"name": "o", "hosts": "10.9.0.1"}).Str("target.id")
		var scanID string
		apitest.Run(t, []apitest.Scenario{
			{Name: "defaults", As: u, Method: "POST", Path: "/v2/scans", Body: map[string]any{"name": "weekly", "target_id": target}, Status: 201,
				Want:  []string{`"product":"vrms"`, `"scan_profile_id":"01900000-0000-7000-8001-000000000003"`, `"status":"new"`, `"last_history":null`},
				Check: func(t *testing.T, r *apitest.Resp) { scanID = r.Str("scan.id") }},
			{Name: "pci uses the fixed profile", As: u, Method: "POST", Path: "/v2/scans",
				Body: map[string]any{"name": "pci", "target_id": pciTarget, "scan_profile_id": "01900000-0000-7000-8001-000000000005"}, Status: 422,
				Want: []string{`"scan_profile_id":["PCI scans use the fixed PCI ASV profile"]`}},
			{Name: "pci default", As: u, Method: "POST", Path: "/v2/scans", Body: map[string]any{"name": "pci", "target_id": pciTarget}, Status: 201,
				Want: []string{`"scan_profile_id":"01900000-0000-7000-8001-000000000001"`, `"product":"pci"`}},
			{Name: "another org's target", As: u, Method: "POST", Path: "/v2/scans", Body: map[string]any{"name": "x", "target_id": otherTarget}, Status: 422,
				Want: []string{`"target_id":["target '`}},
			{Name: "missing everything", As: u, Method: "POST", Path: "/v2/scans", Body: map[string]any{}, Status: 422,
				Want: []string{`"name":["can't be blank"]`, `"target_id":["can't be blank"]`}},
			{Name: "read-only cannot start", As: tr.e.NewUser(tr.c1Admin, tr.c1, "read_only"), Method: "POST", Path: "/v2/scans", Body: map[string]any{"name": "x", "target_id": target}, Status: 403},
		})
		apitest.Run(t, []apitest.Scenario{
			{Name: "update", As: u, Method: "PUT", Path: "/v2/scans/" + scanID, Body: map[string]any{"name": "renamed", "description": "d"}, Status: 200, Want: []string{`"name":"renamed"`}},
			{Name: "filter", As: u, Method: "GET", Path: "/v2/scans?q[name]=renam&q[status]=new", Status: 200, Want: []string{`"total_count":1`}},
			{Name: "other org cannot see", As: tr.c2Admin, Method: "GET", Path: "/v2/scans/" + scanID, Status: 404},
			{Name: "other org cannot update", As: tr.c2Admin, Method: "PUT", Path: "/v2/scans/" + scanID, Body: map[string]any{"name": "x"}, Status: 404},
			{Name: "other org cannot delete in bulk", As: tr.c2Admin, Method: "DELETE", Path: "/v2/scans", Body: map[string]any{"ids": []string{scanID}}, Status: 404},
			{Name: "stop a new scan", As: u, Method: "POST", Path: "/v2/scans/" + scanID + "/stop", Status: 409},
			{Name: "start (no workers here: stays queued)", As: u, Method: "POST", Path: "/v2/scans/" + scanID + "/start", Status: 202, Want: []string{`"status":"queued"`, `"trigger":"manual"`}},
			{Name: "update while queued", As: u, Method: "PUT", Path: "/v2/scans/" + scanID, Body: map[string]any{"name": "x"}, Status: 409},
			{Name: "delete while queued", As: u, Method: "DELETE", Path: "/v2/scans/" + scanID, Status: 409},
			{Name: "target in use", As: u, Method: "DELETE", Path: "/v2/targets/" + target, Status: 409},
			{Name: "stop while queued", As: u, Method: "POST", Path: "/v2/scans/" + scanID + "/stop", Status: 200, Want: []string{`"status":"stopped"`}},
			{Name: "recent", As: u, Method: "GET", Path: "/v2/scans/recent", Status: 200, Want: []string{`"total_count":1`, `"status":"stopped"`}},
			{Name: "delete", As: u, Method: "DELETE", Path: "/v2/scans/" + scanID, Status: 204},
		})
		// The wizard is all or nothing.
		before := u.Do("GET", "/v2/targets", nil).Get("pagination.total_count")
		apitest.Run(t, []apitest.Scenario{
			{Name: "wizard: bad schedule creates nothing", As: u, Method: "POST", Path: "/v2/scans/wizard",
				Body: map[string]any{"target": map[string]any{"name": "w", "hosts": "10.1.0.1", "product": "vrms"}, "scan": map[string]any{"name": "w"},
					"schedule": map[string]any{"name": "s", "timezone": "Mars/Olympus", "frequency": "daily"}}, Status: 422, Want: []string{`"schedule.timezone"`}},
			{Name: "wizard: bad target", As: u, Method: "POST", Path: "/v2/scans/wizard",
				Body: map[string]any{"target": map[string]any{"name": "w", "hosts": "10.1.0.0/33"}, "scan": map[string]any{}}, Status: 422, Want: []string{`"target.hosts"`}},
			{Name: "wizard: both target forms", As: u, Method: "POST", Path: "/v2/scans/wizard",
				Body: map[string]any{"target": map[string]any{"name": "w"}, "target_id": target, "scan": map[string]any{}}, Status: 422},
			{Name: "wizard", As: u, Method: "POST", Path: "/v2/scans/wizard",
				Body: map[string]any{"target": map[string]any{"name": "w", "hosts": "10.1.0.1", "product": "vrms"}, "scan": map[string]any{},
					"schedule":  map[string]any{"name": "nightly", "timezone": "Europe/Berlin", "frequency": "daily", "starts_at": "2030-01-01 02:00:00"},
					"start_now": true}, Status: 201,
				Want: []string{`"name":"w"`, `"next_run_at":"2030-01-01T01:00:00Z"`, `"history":{`, `"status":"queued"`}},
			{Name: "upcoming", As: u, Method: "GET", Path: "/v2/scans/upcoming", Status: 200, Want: []string{`"total_count":1`, `"next_run_at":"2030-01-01T01:00:00Z"`}},
		})
		after := u.Do("GET", "/v2/targets", nil).Get("pagination.total_count")
		if after.(float64) != before.(float64)+1 {
			t.Fatalf("failed wizards must create nothing: %v → %v targets", before, after)
		}
		up := u.Do("GET", "/v2/scans/upcoming", nil)
		wizScan, sched := up.Str("scans.0.id"), up.Str("scans.0.schedule_id")
		apitest.Run(t, []apitest.Scenario{
			{Name: "schedule in use", As: u, Method: "DELETE", Path: "/v2/schedules/" + sched, Status: 409, Want: []string{"force=true"}},
			{Name: "schedule change moves the scan", As: u, Method: "PUT", Path: "/v2/schedules/" + sched, Body: map[string]any{"starts_at": "2031-06-01 02:00:00"}, Status: 200},
			{Name: "scan follows", As: u, Method: "GET", Path: "/v2/scans/" + wizScan, Status: 200, Want: []string{`"next_run_at":"2031-06-01T00:00:00Z"`}},
			{Name: "force detaches", As: u, Method: "DELETE", Path: "/v2/schedules/" + sched + "?force=true", Status: 204},
			{Name: "scan detached", As: u, Method: "GET", Path: "/v2/scans/" + wizScan, Status: 200, Want: []string{`"schedule_id":null`, `"next_run_at":null`}},
		})
	})
}

// A scheduled scan starts when due; a run missed during downtime starts once.
func TestSchedulesFire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.NewWithConfig(t, engine, fastScans)
		_, port := apitest.WeakHTTP(t, 0)
		target := labTarget(t, e.Admin, "127.0.0.1", fmt.Sprintf("T:%d", port))
		sch := e.Admin.Do("POST", "/v2/schedules", map[string]any{"name": "hourly", "timezone": "UTC", "frequency": "hourly",
			"starts_at": time.Now().UTC().Add(-5*time.Hour - 30*time.Minute).Format(time.RFC3339)})
		if sch.Status != 201 {
			t.Fatalf("schedule: %s", sch)
		}
		sc := e.Admin.Do("POST", "/v2/scans", map[string]any{"name": "hourly", "target_id": target, "schedule_id": sch.Str("schedule.id")})
		id := sc.Str("scan.id")
		next := sc.Str("scan.next_run_at")
		if next == "" {
			t.Fatalf("a scheduled scan has next_run_at: %s", sc)
		}
		// Simulate five missed slots: the server was down.
		missed := time.Now().UTC().Add(-5 * time.Hour)
		if err := e.Store.Tx(context.Background(), func(q *store.Q) error {
			_, err := q.AdvanceScanSchedule(context.Background(), e.Boot.OrganizationID, id, mustTime(t, next), &missed)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		e.StartJobs(t)
		apitest.Eventually(t, 60*time.Second, "the scheduled run to finish", func() bool {
			return e.Admin.Do("GET", "/v2/scans/"+id, nil).Str("scan.status") == "completed"
		})
		time.Sleep(500 * time.Millisecond) // a few more ticks: nothing more may start
		hs := e.Admin.Do("GET", "/v2/scans/"+id+"/histories", nil)
		if hs.Get("pagination.total_count").(float64) != 1 || hs.Str("histories.0.trigger") != "schedule" {
			t.Fatalf("exactly one scheduled run after downtime: %s", hs)
		}
		s := e.Admin.Do("GET", "/v2/scans/"+id, nil)
		if n := mustTime(t, s.Str("scan.next_run_at")); !n.After(time.Now()) || n.After(time.Now().Add(time.Hour)) {
			t.Fatalf("next_run_at must be the next future slot: %s", s.Str("scan.next_run_at"))
		}
	})
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// An organization's runs beyond its limit wait queued, and start when a slot frees.
func TestOrganizationScanLimit(t *testing.T) {
	cfg := fastScans
	cfg.OrgScanConcurrency = 1
	e := apitest.NewWithConfig(t, "sqlite", cfg)
	e.StartJobs(t)
	slow := apitest.SilentListener(t, "127.0.0.3")
	target := labTarget(t, e.Admin, "127.0.0.3", fmt.Sprintf("T:%d", slow))
	a := e.Admin.Do("POST", "/v2/scans", map[string]any{"name": "a", "target_id": target}).Str("scan.id")
	b := e.Admin.Do("POST", "/v2/scans", map[string]any{"name": "b", "target_id": target}).Str("scan.id")
	e.Admin.Do("POST", "/v2/scans/"+a+"/start", nil)
	apitest.Eventually(t, 30*time.Second, "the first scan to run", func() bool {
		return e.Admin.Do("GET", "/v2/scans/"+a, nil).Str("scan.status") == "running"
	})
	e.Admin.Do("POST", "/v2/scans/"+b+"/start", nil)
	time.Sleep(time.Second) // the second run's job is claimed and snoozed meanwhile
	if st := e.Admin.Do("GET", "/v2/scans/"+b, nil).Str("scan.status"); st != "queued" {
		t.Fatalf("over the organization's limit a run waits queued, got %s", st)
	}
	e.Admin.Do("POST", "/v2/scans/"+a+"/stop", nil)
	apitest.Eventually(t, 60*time.Second, "the second scan to run once the first stopped", func() bool {
		st := e.Admin.Do("GET", "/v2/scans/"+b, nil).Str("scan.status")
		return st == "running" || st == "completed"
	})
}

// The platform's exclusions apply to every scan, whatever its target says.
func TestPlatformScanExclusions(t *testing.T) {
	cfg := fastScans
	cfg.ScanExclude = "127.0.0.4"
	e := apitest.NewWithConfig(t, "sqlite", cfg)
	e.StartJobs(t)
	ln, err := net.Listen("tcp", "127.0.0.4:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.4: %v", err)
	}
	defer ln.Close()
	var touched atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			touched.Add(1)
			c.Close()
		}
	}()
	_, open := apitest.WeakHTTP(t, 0)
	port := ln.Addr().(*net.TCPAddr).Port
	target := labTarget(t, e.Admin, "127.0.0.1, 127.0.0.4", fmt.Sprintf("T:%d,%d", port, open))
	id := e.Admin.Do("POST", "/v2/scans", map[string]any{"name": "excluded", "target_id": target}).Str("scan.id")
	e.Admin.Do("POST", "/v2/scans/"+id+"/start", nil)
	done := waitRun(t, e.Admin, id)
	if done.Str("scan.status") != "completed" || done.Get("scan.last_history.hosts_up").(float64) != 1 {
		t.Fatalf("only the allowed host is scanned: %s", done)
	}
	if n := touched.Load(); n != 0 {
		t.Fatalf("the excluded address received %d connections", n)
	}
}
