package app

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// TestStoredAggregates: a slow aggregate computed by one node is what another
// node (or the same one after a restart) answers with at once, as of when it
// was computed, while it recomputes; another organization never sees it; fast
// aggregates are not stored; WarmAggregates stores the dashboard's.
func TestStoredAggregates(t *testing.T) {
	defer func(d time.Duration) { slowAggregate = d }(slowAggregate)
	slowAggregate = 0 // every aggregate counts as slow
	storetest.Each(t, func(t *testing.T, engine string) {
		s := storetest.Open(t, engine)
		ctx := context.Background()
		first := New(s, Config{}, nil)
		boot, err := first.Bootstrap(ctx, "stored@example.test", "a-long-password")
		if err != nil {
			t.Fatal(err)
		}
		org := boot.OrganizationID
		t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		first.SetClock(func() time.Time { return t0 })
		value := func(v string) func(context.Context) (string, error) {
			return func(context.Context) (string, error) { return v, nil }
		}
		if v, _, err := cached(ctx, first, org, "widget", "1", true, value("stored")); err != nil || v != "stored" {
			t.Fatalf("first node: %q, %v", v, err)
		}

		second := New(s, Config{}, nil) // another node, or this one restarted
		second.SetClock(func() time.Time { return t0.Add(time.Hour) })
		release := make(chan struct{})
		var computed atomic.Int32
		slow := func(context.Context) (string, error) { computed.Add(1); <-release; return "fresh", nil }
		v, asOf, err := cached(ctx, second, org, "widget", "1", true, slow)
		if err != nil || v != "stored" || !asOf.Equal(t0) {
			t.Fatalf("second node: %q as of %s (%v), want the stored value as of %s", v, asOf, err, t0)
		}
		close(release)
		deadline := time.Now().Add(10 * time.Second)
		for {
			v, asOf, err = cached(ctx, second, org, "widget", "1", true, value("unexpected"))
			if err != nil {
				t.Fatal(err)
			}
			if v == "fresh" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the second node never recomputed the stored value")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if n := computed.Load(); n != 1 || !asOf.Equal(t0.Add(time.Hour)) {
			t.Fatalf("%d recomputations, as of %s", n, asOf)
		}
		stored, ok, err := s.R().LoadAggregate(ctx, org, "widget")
		if err != nil || !ok || string(stored.Value) != `"fresh"` || !stored.ComputedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("stored after the recomputation: %+v %v %v", stored, ok, err)
		}

		// Another organization's request for the same key computes its own.
		other := newID()
		if err := s.Tx(ctx, func(q *store.Q) error {
			return q.CreateOrganization(ctx, tenant.Organization{ID: other, ParentID: org, Path: other, Kind: "customer",
				Name: "Other Co", Status: "active", CreatedAt: t0, UpdatedAt: t0})
		}); err != nil {
			t.Fatal(err)
		}
		third := New(s, Config{}, nil)
		if v, _, err := cached(ctx, third, other, "widget", "1", true, value("theirs")); err != nil || v != "theirs" {
			t.Fatalf("another organization: %q, %v", v, err)
		}

		// Fast aggregates are not stored.
		slowAggregate = time.Hour
		if _, _, err := cached(ctx, first, org, "quick", "", true, value("q")); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.R().LoadAggregate(ctx, org, "quick"); err != nil || ok {
			t.Fatalf("a fast aggregate was stored (%v, %v)", ok, err)
		}
		slowAggregate = 0

		if err := first.WarmAggregates(ctx, org); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"totals:30d", "totals:90d", "top:10", "top:8", "pci:100:", "pci:1:", "hosts:10"} {
			if _, ok, err := s.R().LoadAggregate(ctx, org, key); err != nil || !ok {
				t.Errorf("WarmAggregates did not store %s (%v)", key, err)
			}
		}
	})
}
