package apitest

import (
	"context"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/jobs"
)

// StartJobs runs the real job engine for the Env (scan runs, recovery,
// schedules) with short intervals, stopped at cleanup.
func (e *Env) StartJobs(t testing.TB) {
	t.Helper()
	r, err := jobs.Start(context.Background(), e.Store, e.App, jobs.Options{Workers: 4, ScanWorkers: 2,
		ReapInterval: 200 * time.Millisecond, ScheduleInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
}

// Eventually polls cond every 50 ms until it holds or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
