package app

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

func TestResultCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		a := New(storetest.Open(t, engine), Config{}, nil)
		ctx := context.Background()
		boot, err := a.Bootstrap(ctx, "cache@example.test", "a-long-password")
		if err != nil {
			t.Fatal(err)
		}
		org := boot.OrganizationID
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		a.SetClock(func() time.Time { return now })
		var calls atomic.Int32
		value := func(v string) func(context.Context) (string, error) {
			return func(context.Context) (string, error) { calls.Add(1); return v, nil }
		}
		get := func(key, stamp string, staleOK bool, compute func(context.Context) (string, error)) string {
			t.Helper()
			v, _, err := cached(ctx, a, org, key, stamp, staleOK, compute)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}

		if v := get("k", "1", false, value("a")); v != "a" || calls.Load() != 1 {
			t.Fatalf("first call: %q after %d computations", v, calls.Load())
		}
		if v := get("k", "1", false, value("b")); v != "a" || calls.Load() != 1 {
			t.Fatalf("same inputs: %q after %d computations, want the cached a", v, calls.Load())
		}
		if v := get("k", "2", false, value("c")); v != "c" || calls.Load() != 2 {
			t.Fatalf("new inputs: %q, want c computed now", v)
		}
		if v := get("other", "2", false, value("d")); v != "d" {
			t.Fatalf("another key: %q", v)
		}
		now = now.Add(resultCacheTTL)
		if v := get("k", "2", false, value("e")); v != "e" {
			t.Fatalf("after the TTL: %q, want a recomputation", v)
		}

		// Errors are not kept.
		boom := errors.New("boom")
		if _, _, err := cached(ctx, a, org, "fails", "", false, func(context.Context) (string, error) { return "", boom }); !errors.Is(err, boom) {
			t.Fatalf("error: %v", err)
		}
		if v := get("fails", "", false, value("ok")); v != "ok" {
			t.Fatalf("after an error: %q", v)
		}

		// Fast aggregates are never served stale, even when stale is allowed.
		get("fast", "1", true, value("old"))
		if v := get("fast", "2", true, value("new")); v != "new" {
			t.Fatalf("a fast aggregate served stale: %q", v)
		}

		// Slow aggregates: the old value while one recomputation runs.
		defer func(d time.Duration) { slowAggregate = d }(slowAggregate)
		slowAggregate = 0
		get("slow", "1", true, value("old"))
		release := make(chan struct{})
		var started atomic.Int32
		blocked := func(context.Context) (string, error) { started.Add(1); <-release; return "new", nil }
		if v := get("slow", "2", true, blocked); v != "old" {
			t.Fatalf("slow and stale: %q, want old at once", v)
		}
		if v := get("slow", "2", true, blocked); v != "old" {
			t.Fatalf("while recomputing: %q", v)
		}
		close(release)
		deadline := time.Now().Add(10 * time.Second)
		for get("slow", "2", true, value("unexpected")) != "new" {
			if time.Now().After(deadline) {
				t.Fatal("the background recomputation never landed")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if n := started.Load(); n != 1 {
			t.Fatalf("%d background recomputations, want 1", n)
		}
		if v := get("slow", "3", false, value("exact")); v != "exact" {
			t.Fatalf("without staleOK: %q, want an exact value", v)
		}
	})
}
