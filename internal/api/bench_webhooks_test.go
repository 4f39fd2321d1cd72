package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// BenchmarkWebhookDelivery pushes 10 000 events through the outbox to one
// local receiver: dispatch (delivery rows and jobs, notifications), signed
// POSTs through the SSRF guard, attempt logs. It reports deliveries per
// second end to end and the most requests the receiver saw at once (bounded
// by the per-destination limit), and fails if an event is lost or a
// delivery does not succeed.
//
//	go test -run '^$' -bench WebhookDelivery -benchtime 1x ./internal/api
func BenchmarkWebhookDelivery(b *testing.B) {
	const events = 10000
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			for range b.N {
				benchDeliveries(b, engine, events)
			}
		})
	}
}

func benchDeliveries(b *testing.B, engine string, events int) {
	b.StopTimer()
	e := apitest.NewWithConfig(b, engine, fastHooks("127.0.0.1/32"))
	var inFlight, maxInFlight atomic.Int32
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := maxInFlight.Load(); n > m && !maxInFlight.CompareAndSwap(m, n); m = maxInFlight.Load() {
		}
		mu.Lock()
		seen[r.Header.Get("X-CG-Hook-Delivery")] = true
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	r := e.Admin.Do("POST", "/v2/webhooks", map[string]any{"name": "bench", "url": srv.URL, "events": []string{"scan_completed"}})
	if r.Status != 201 {
		b.Fatalf("webhook: %s", r)
	}
	if os.Getenv("BENCH_DISPATCH_ONLY") == "" {
		e.StartJobs(b)
	}
	ctx := context.Background()
	org := e.Boot.OrganizationID
	b.StartTimer()
	start := time.Now()
	for i := 0; i < events; i += 500 {
		err := e.Store.Tx(ctx, func(q *store.Q) error {
			for j := i; j < min(i+500, events); j++ {
				if err := q.InsertEvent(ctx, store.Event{ID: uuid.Must(uuid.NewV7()).String(), OrganizationID: org, Type: "scan_completed",
					ResourceType: "scan", ResourceID: "bench", Payload: map[string]any{"n": j}, CreatedAt: time.Now().UTC()}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := e.App.DispatchEvents(ctx); err != nil {
		b.Fatal(err)
	}
	dispatched := time.Since(start)
	if os.Getenv("BENCH_DISPATCH_ONLY") != "" {
		b.Logf("dispatch alone: %.0f/s", float64(events)/dispatched.Seconds())
		e.StartJobs(b)
	}
	// Poll the receiver (memory), not the database: polling must not take the
	// writer's time. The database is checked once at the end.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		mu.Lock()
		got := len(seen)
		mu.Unlock()
		if got == events {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("receiver saw %d of %d deliveries", got, events)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for {
		c, err := e.Store.R().DeliveryStatusCounts(ctx, org)
		if err != nil {
			b.Fatal(err)
		}
		if c["succeeded"] == events {
			break
		}
		if c["failed"] > 0 || time.Now().After(deadline) {
			b.Fatalf("deliveries: %v", c)
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if n, _ := e.Store.R().CountUndispatchedEvents(ctx); n != 0 || len(seen) != events {
		b.Fatalf("outbox left %d, receiver saw %d distinct deliveries of %d", n, len(seen), events)
	}
	b.ReportMetric(float64(events)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(events)/dispatched.Seconds(), "dispatched/s")
	b.ReportMetric(float64(maxInFlight.Load()), "max-in-flight")
}
