package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/perimeterhq/perimeter/internal/app"
)

// addHookWorkers registers the outbox's workers: the dispatcher, webhook
// attempts, e-mails and the periodic sweep.
func addHookWorkers(workers *river.Workers, a *app.App) {
	river.AddWorker(workers, &dispatchWorker{app: a})
	river.AddWorker(workers, &deliverWorker{app: a})
	river.AddWorker(workers, &emailWorker{app: a})
	river.AddWorker(workers, &hooksSweepWorker{app: a})
}

type dispatchWorker struct {
	river.WorkerDefaults[app.DispatchEventsArgs]
	app *app.App
}

func (w *dispatchWorker) Work(ctx context.Context, _ *river.Job[app.DispatchEventsArgs]) error {
	_, err := w.app.DispatchEvents(ctx)
	return err
}

// deliverWorker makes one webhook attempt. Its timeout leaves room for the
// request's own (10 s by default) and the wait for a destination slot.
type deliverWorker struct {
	river.WorkerDefaults[app.DeliverWebhookArgs]
	app *app.App
}

func (w *deliverWorker) Timeout(*river.Job[app.DeliverWebhookArgs]) time.Duration {
	return 2 * time.Minute
}

// NextRetry retries soon: River retries only when recording failed (the
// database), or when shutdown interrupted the attempt.
func (w *deliverWorker) NextRetry(job *river.Job[app.DeliverWebhookArgs]) time.Time {
	return time.Now().Add(time.Duration(job.Attempt) * time.Second)
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[app.DeliverWebhookArgs]) error {
	return w.app.DeliverWebhook(ctx, job.Args.DeliveryID, job.Args.Attempt)
}

type emailWorker struct {
	river.WorkerDefaults[app.SendEmailArgs]
	app *app.App
}

func (w *emailWorker) Timeout(*river.Job[app.SendEmailArgs]) time.Duration { return 2 * time.Minute }

func (w *emailWorker) Work(ctx context.Context, job *river.Job[app.SendEmailArgs]) error {
	return w.app.SendEmail(ctx, job.Args.MessageID, job.Attempt, job.MaxAttempts)
}

// HooksSweepArgs is the periodic safety net of the outbox (events no
// dispatcher took, attempts whose worker died).
type HooksSweepArgs struct{}

// Kind implements river.JobArgs.
func (HooksSweepArgs) Kind() string { return "events.sweep" }

type hooksSweepWorker struct {
	river.WorkerDefaults[HooksSweepArgs]
	app *app.App
}

func (w *hooksSweepWorker) Work(ctx context.Context, _ *river.Job[HooksSweepArgs]) error {
	_, _, err := w.app.HooksSweep(ctx)
	return err
}
