package api_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestSchedulesFireOnceAcrossNodes: two nodes ticking the schedules at the
// same moment, many times over, start each due slot exactly once.
func TestSchedulesFireOnceAcrossNodes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.New(t, engine)
		node := e.NewNode()
		target := labTarget(t, e.Admin, "127.0.0.1", "T:9")
		sch := e.Admin.Do("POST", "/v2/schedules", map[string]any{"name": "hourly", "timezone": "UTC", "frequency": "hourly",
			"starts_at": time.Now().UTC().Add(-5*time.Hour - 30*time.Minute).Format(time.RFC3339)})
		if sch.Status != 201 {
			t.Fatalf("schedule: %s", sch)
		}
		const scans = 6
		var ids []string
		missed := time.Now().UTC().Add(-time.Minute)
		for i := range scans {
			sc := e.Admin.Do("POST", "/v2/scans", map[string]any{"name": fmt.Sprintf("hourly %d", i), "target_id": target,
				"schedule_id": sch.Str("schedule.id")})
			if sc.Status != 201 {
				t.Fatalf("scan: %s", sc)
			}
			id := sc.Str("scan.id")
			ids = append(ids, id)
			if err := e.Store.Tx(context.Background(), func(q *store.Q) error {
				_, err := q.AdvanceScanSchedule(context.Background(), e.Boot.OrganizationID, id, mustTime(t, sc.Str("scan.next_run_at")), &missed)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		var started atomic.Int64
		var wg sync.WaitGroup
		for i := range 8 {
			a := e.App
			if i%2 == 1 {
				a = node.App
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 {
					n, err := a.FireDueSchedules(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					started.Add(int64(n))
				}
			}()
		}
		wg.Wait()
		if n := started.Load(); n != scans {
			t.Fatalf("%d runs started for %d due slots", n, scans)
		}
		for _, id := range ids {
			hs := e.Admin.Do("GET", "/v2/scans/"+id+"/histories", nil)
			if hs.Get("pagination.total_count").(float64) != 1 || hs.Str("histories.0.trigger") != "schedule" {
				t.Fatalf("scan %s: want one scheduled run: %s", id, hs)
			}
		}
	})
}
