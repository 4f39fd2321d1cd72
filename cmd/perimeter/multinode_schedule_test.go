package main

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestMultiNodeScheduleOnce runs two full nodes (API and jobs) on one
// database with a scan scheduled to start in a few seconds, kills one node
// with SIGKILL at the moment the run is due, and expects the other to start
// it: exactly one run, also after the killed node comes back and both have
// ticked again (a schedule slot is claimed by compare-and-swap on the scan's
// next_run_at, whichever node ticks).
func TestMultiNodeScheduleOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		t.Parallel()
		dbURL := storetest.URL(t, engine)
		addrA, addrB := freeAddr(t), freeAddr(t)
		a := startChild(t, dbURL, addrA)
		key := regexp.MustCompile(`API key:\s+(\S+)`).FindStringSubmatch(a.out.String())
		if key == nil {
			t.Fatalf("no API key in first-run output:\n%s", a.out)
		}
		k := key[1]
		startChild(t, dbURL, addrB)
		baseA, baseB := "http://"+addrA, "http://"+addrB
		authA := signIn(t, baseA, k, "crash@example.test", "crash-test-password")
		authB := signIn(t, baseB, k, "crash@example.test", "crash-test-password")

		port := apitest.BannerListener(t) // a fast host: answers with a banner and closes
		_, pl := call(t, "POST", baseA+"/v2/port_lists", k, authA, map[string]any{"name": "once", "ports": fmt.Sprintf("T:%d", port)})
		_, tg := call(t, "POST", baseA+"/v2/targets", k, authA, map[string]any{"name": "once", "hosts": "127.0.0.1", "product": "vrms",
			"port_list_id": pl["port_list"].(map[string]any)["id"]})
		due := time.Now().UTC().Add(8 * time.Second).Truncate(time.Second)
		st, sch := call(t, "POST", baseA+"/v2/schedules", k, authA, map[string]any{"name": "once", "timezone": "UTC",
			"frequency": "once", "starts_at": due.Format(time.RFC3339)})
		if st != 201 {
			t.Fatalf("schedule: %d %v", st, sch)
		}
		st, sc := call(t, "POST", baseA+"/v2/scans", k, authA, map[string]any{"name": "once",
			"target_id": tg["target"].(map[string]any)["id"], "schedule_id": sch["schedule"].(map[string]any)["id"]})
		if st != 201 {
			t.Fatalf("scan: %d %v", st, sc)
		}
		scanID := sc["scan"].(map[string]any)["id"].(string)

		time.Sleep(time.Until(due))
		if err := a.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = a.cmd.Wait()

		scanOf := func() map[string]any {
			_, s := call(t, "GET", baseB+"/v2/scans/"+scanID, k, authB, nil)
			m, _ := s["scan"].(map[string]any)
			return m
		}
		// The survivor ticks every 15 s; if the killed node led the job
		// engine, leadership moves first.
		deadline := time.Now().Add(90 * time.Second)
		for s := scanOf(); s["status"] != "completed"; s = scanOf() {
			if time.Now().After(deadline) {
				t.Fatalf("the scheduled run never completed on the surviving node: %v", s)
			}
			time.Sleep(200 * time.Millisecond)
		}
		startChild(t, dbURL, addrA)  // the killed node comes back
		time.Sleep(17 * time.Second) // both tick at least once more
		_, hs := call(t, "GET", baseB+"/v2/scans/"+scanID+"/histories", k, authB, nil)
		runs, _ := hs["histories"].([]any)
		if n := hs["pagination"].(map[string]any)["total_count"].(float64); n != 1 || len(runs) != 1 {
			t.Fatalf("the schedule slot must start exactly one run, got %v: %v", n, hs)
		}
		if tr := runs[0].(map[string]any)["trigger"]; tr != "schedule" {
			t.Fatalf("the run's trigger: %v", tr)
		}
	})
}
