package api_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
)

// BenchmarkListUsers measures an authenticated GET /v2/users?per_page=25&q[email]=…
// with 100 000 users (in 1 000 customer organizations) as the platform's
// superadmin, whose scope is every organization. It reports requests/s and
// latency percentiles over concurrent clients.
//
//	go test -run '^$' -bench ListUsers -benchtime 3000x ./internal/api
//	PERIMETER_TEST_POSTGRES_URL=postgres://… go test -run '^$' -bench ListUsers -benchtime 3000x ./internal/api
func BenchmarkListUsers(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			e := apitest.New(b, engine)
			seedUsers(b, e.Store, e.Boot.OrganizationID, 100_000, 1_000)
			client := e.Admin
			path := func(i int) string { return fmt.Sprintf("/v2/users?per_page=25&q[email]=user%d@", (i*7919)%100_000) }
			for i := range 20 { // warm caches and prepared statements
				client.Do("GET", path(i), nil)
			}
			b.ResetTimer()
			benchLatency(b, func(i int) { check(b, client.Do("GET", path(i), nil)) })
		})
	}
}

func check(b *testing.B, r *apitest.Resp) {
	if r.Status != http.StatusOK {
		b.Fatalf("status %d: %s", r.Status, r.Body)
	}
}

// benchLatency runs b.N requests one at a time to measure latency (p50, p99),
// then b.N more from 4 concurrent clients to measure throughput (req/s).
func benchLatency(b *testing.B, do func(i int)) {
	lat := make([]time.Duration, b.N)
	for i := range b.N {
		t0 := time.Now()
		do(i)
		lat[i] = time.Since(t0)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	const workers = 4
	next := make(chan int, b.N)
	for i := range b.N {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				do(i)
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// seedUsers inserts n users spread over orgs customer organizations.
func seedUsers(b testing.TB, s *store.Store, platformID string, n, orgs int) {
	ctx := context.Background()
	platform, err := s.R().OrganizationByID(ctx, platformID)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	orgIDs := make([]string, orgs)
	err = s.Tx(ctx, func(q *store.Q) error {
		for i := range orgIDs {
			id := uuid.Must(uuid.NewV7()).String()
			orgIDs[i] = id
			o := tenant.Organization{ID: id, ParentID: platform.ID, Path: platform.ChildPath(id), Kind: tenant.KindCustomer,
				Name: fmt.Sprintf("Customer %d", i), Status: tenant.StatusActive, CreatedAt: now, UpdatedAt: now}
			if err := q.CreateOrganization(ctx, o); err != nil {
				return err
			}
		}
		for i := range n {
			u := user.User{ID: uuid.Must(uuid.NewV7()).String(), OrganizationID: orgIDs[i%orgs],
				Email: fmt.Sprintf("user%d@customer%d.example", i, i%orgs), FirstName: "First", LastName: fmt.Sprint(i),
				Role: user.RoleUser, CreatedAt: now.Add(time.Duration(i) * time.Millisecond), UpdatedAt: now}
			if err := q.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if os.Getenv("PERIMETER_BENCH_VERBOSE") != "" {
		b.Logf("seeded %d users in %d organizations", n, orgs)
	}
}
