package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/perimeterhq/perimeter/internal/app"
)

// reportWorker renders report files.
type reportWorker struct {
	river.WorkerDefaults[app.GenerateReportArgs]
	app *app.App
}

// Timeout bounds one rendering; the largest reports take seconds.
func (w *reportWorker) Timeout(*river.Job[app.GenerateReportArgs]) time.Duration {
	return 10 * time.Minute
}

func (w *reportWorker) Work(ctx context.Context, job *river.Job[app.GenerateReportArgs]) error {
	return w.app.GenerateReportFile(ctx, job.Args.FileID, job.Args.Token)
}

// warmWorker recomputes an organization's dashboard aggregates.
type warmWorker struct {
	river.WorkerDefaults[app.WarmAggregatesArgs]
	app *app.App
}

// Timeout bounds one warm-up: at a million findings it takes seconds.
func (w *warmWorker) Timeout(*river.Job[app.WarmAggregatesArgs]) time.Duration {
	return 10 * time.Minute
}

func (w *warmWorker) Work(ctx context.Context, job *river.Job[app.WarmAggregatesArgs]) error {
	return w.app.WarmAggregates(ctx, job.Args.OrganizationID)
}
