package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/perimeterhq/perimeter/internal/app"
)

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
