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
