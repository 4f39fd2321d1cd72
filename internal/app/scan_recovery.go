package app

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store"
)

// ReapStaleRuns recovers runs whose worker stopped heartbeating (its process
// was killed): a run asked to stop becomes stopped; others are queued again as
// a new attempt — the stored results stay and the new attempt rewrites the
// same rows — until MaxRunAttempts, after which the run fails with the reason.
// It is safe on several nodes at once: each run changes in a transaction that
// first re-reads it.
func (a *App) ReapStaleRuns(ctx context.Context) (int, error) {
	stale, err := a.store.R().StaleRuns(ctx, a.now().Add(-a.cfg.ScanStaleAfter))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range stale {
		err := a.store.Tx(ctx, func(q *store.Q) error {
			run, err := q.RunByID(ctx, r.ID)
			if err != nil {
				return err
			}
			if run.Attempt != r.Attempt || !scan.Active(run.Status) || run.Status == scan.StatusQueued {
				return nil // someone else got to it
			}
			now := a.now()
			st := &runState{run: run, ref: store.RunRef{ID: run.ID, OrganizationID: run.OrganizationID, ScanID: run.ScanID, TargetID: run.TargetID},
				progress: run.Progress, stats: run.Stats}
			switch {
			case run.Status == scan.StatusStopping:
				return a.finishInTx(ctx, q, st, scan.StatusStopped, "")
			case run.Attempt >= a.cfg.MaxRunAttempts:
				return a.finishInTx(ctx, q, st, scan.StatusFailed,
					fmt.Sprintf("the worker running this scan stopped responding %d times; giving up", run.Attempt))
			}
			next := run.Attempt + 1
			log := appendLog(run.Log, now, "warn", fmt.Sprintf("the worker stopped responding; retrying (attempt %d of %d)", next, a.cfg.MaxRunAttempts))
			if err := q.RequeueRun(ctx, run.OrganizationID, run.ID, next, log); err != nil {
				return err
			}
			if err := q.SetScanRunState(ctx, run.OrganizationID, run.ScanID, run.ID, scan.StatusQueued, run.Progress, now); err != nil {
				return err
			}
			return q.EnqueueJob(ctx, RunScanArgs{RunID: run.ID, Attempt: next}, &river.InsertOpts{Queue: QueueScans, MaxAttempts: 5})
		})
		if err != nil {
			return n, err
		}
		n++
	}
	if n > 0 {
		a.log.Warn("recovered scan runs whose worker died", "runs", n)
	}
	return n, nil
}

// FireDueSchedules starts the scans whose scheduled run is due and moves
// their next run forward from now — so a run missed while the server was down
// starts once at recovery, not once per missed slot. Several nodes may tick at
// once: the compare-and-set on next_run_at lets exactly one start each run.
func (a *App) FireDueSchedules(ctx context.Context) (int, error) {
	now := a.now()
	due, err := a.store.R().DueScans(ctx, now, 500)
	if err != nil {
		return 0, err
	}
	started := 0
	for _, s := range due {
		err := a.store.Tx(ctx, func(q *store.Q) error {
			cur, err := q.FindScan(ctx, s.OrganizationID, s.ID)
			if err != nil || cur.NextRunAt == nil || !cur.NextRunAt.Equal(*s.NextRunAt) {
				return err // gone, or another node took it
			}
			sch, err := q.FindSchedule(ctx, s.OrganizationID, s.ScheduleID)
			if err != nil {
				return err
			}
			won, err := q.AdvanceScanSchedule(ctx, s.OrganizationID, s.ID, *s.NextRunAt, sch.NextRun(now))
			if err != nil || !won {
				return err
			}
			if scan.Active(cur.Status) {
				return a.record(ctx, q, nil, s.OrganizationID, "scan.schedule_skipped", "scan", s.ID,
					map[string]any{"reason": "the previous run is still " + cur.Status})
			}
			run, err := a.queueRun(ctx, q, cur, scan.TriggerSchedule, "")
			if e, ok := errs.As(err); ok {
				// A scheduled start the plan or the scan's state refuses is recorded, not retried.
				return a.record(ctx, q, nil, s.OrganizationID, "scan.schedule_refused", "scan", s.ID, map[string]any{"reason": e.Message})
			} else if err != nil {
				return err
			}
			started++
			return a.record(ctx, q, nil, s.OrganizationID, "scan.start", "scan", s.ID, map[string]any{"run_id": run.ID, "trigger": "schedule"})
		})
		if err != nil {
			return started, err
		}
	}
	return started, nil
}
