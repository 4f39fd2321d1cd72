package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/perimeterhq/perimeter/internal/app"
)

// scanWorker executes scan runs. It has no timeout: a scan takes as long as
// its target needs, and a dead worker is noticed by its missing heartbeat
// (see reapWorker), not by a deadline.
type scanWorker struct {
	river.WorkerDefaults[app.RunScanArgs]
	app *app.App
}

func (w *scanWorker) Timeout(*river.Job[app.RunScanArgs]) time.Duration { return -1 }

func (w *scanWorker) Work(ctx context.Context, job *river.Job[app.RunScanArgs]) error {
	err := w.app.ExecuteRun(ctx, job.Args.RunID, job.Args.Attempt)
	var busy *app.ErrBusy
	if errors.As(err, &busy) {
		return river.JobSnooze(busy.Retry) // the organization's scan limit: wait, without using up an attempt
	}
	return err
}

// ReapArgs is the periodic recovery of runs whose worker died.
type ReapArgs struct{}

// Kind implements river.JobArgs.
func (ReapArgs) Kind() string { return "scan.reap_stale" }

type reapWorker struct {
	river.WorkerDefaults[ReapArgs]
	app *app.App
}

// Work recovers runs and report files whose worker died, and deletes the
// blobs of replaced or deleted report files.
func (w *reapWorker) Work(ctx context.Context, _ *river.Job[ReapArgs]) error {
	if _, err := w.app.ReapStaleRuns(ctx); err != nil {
		return err
	}
	if _, err := w.app.ReapStaleReportFiles(ctx); err != nil {
		return err
	}
	_, err := w.app.SweepBlobs(ctx)
	return err
}

// ScheduleTickArgs is the periodic start of due scheduled scans.
type ScheduleTickArgs struct{}

// Kind implements river.JobArgs.
func (ScheduleTickArgs) Kind() string { return "scan.schedule_tick" }

type scheduleWorker struct {
	river.WorkerDefaults[ScheduleTickArgs]
	app *app.App
}

func (w *scheduleWorker) Work(ctx context.Context, _ *river.Job[ScheduleTickArgs]) error {
	_, err := w.app.FireDueSchedules(ctx)
	return err
}
