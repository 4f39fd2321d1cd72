// Package jobs runs Perimeter's durable background work on River, on either
// storage engine: job kinds, their workers (thin adapters over app use cases),
// periodic schedules, and graceful shutdown.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/store"
)

// Options configures the job runner.
type Options struct {
	Workers          int           // concurrent jobs in this process (> 0)
	ScanWorkers      int           // scans executing at once in this process (default 2)
	PurgeInterval    time.Duration // how often expired credentials are purged (default 15 min)
	ReapInterval     time.Duration // how often runs whose worker died are recovered (default 15 s)
	ScheduleInterval time.Duration // how often due scheduled scans are started (default 15 s)
	ExpiryInterval   time.Duration // how often exceptions past their expiry are expired (default 1 min)
	WebhookWorkers   int           // webhook attempts in flight in this process (default 32)
	SweepInterval    time.Duration // how often the outbox is swept for stragglers and dead attempts (default 5 s)
	Log              *slog.Logger
}

// Runner is a started job engine.
type Runner struct {
	stop       func(context.Context) error
	stopCancel func(context.Context) error
	log        *slog.Logger
}

// Start registers every worker and periodic job and starts working the queue.
func Start(ctx context.Context, s *store.Store, a *app.App, opt Options) (*Runner, error) {
	if opt.Workers <= 0 {
		return nil, fmt.Errorf("jobs: Workers must be positive")
	}
	if opt.PurgeInterval <= 0 {
		opt.PurgeInterval = 15 * time.Minute
	}
	if opt.ScanWorkers <= 0 {
		opt.ScanWorkers = 2
	}
	if opt.ReapInterval <= 0 {
		opt.ReapInterval = 15 * time.Second
	}
	if opt.ScheduleInterval <= 0 {
		opt.ScheduleInterval = 15 * time.Second
	}
	if opt.ExpiryInterval <= 0 {
		opt.ExpiryInterval = time.Minute
	}
	if opt.WebhookWorkers <= 0 {
		opt.WebhookWorkers = 32
	}
	if opt.SweepInterval <= 0 {
		opt.SweepInterval = 5 * time.Second
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &purgeWorker{app: a})
	river.AddWorker(workers, &scanWorker{app: a})
	river.AddWorker(workers, &reapWorker{app: a})
	river.AddWorker(workers, &scheduleWorker{app: a})
	river.AddWorker(workers, &expireExceptionsWorker{app: a})
	river.AddWorker(workers, &reportWorker{app: a})
	river.AddWorker(workers, &warmWorker{app: a})
	addHookWorkers(workers, a)
	periodic := func(every time.Duration, id string, args river.JobArgs) *river.PeriodicJob {
		return river.NewPeriodicJob(river.PeriodicInterval(every),
			func() (river.JobArgs, *river.InsertOpts) { return args, nil },
			&river.PeriodicJobOpts{RunOnStart: true, ID: id})
	}
	cfg := &river.Config{
		Logger: riverLogger(opt.Log),
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: opt.Workers},
			app.QueueScans:     {MaxWorkers: opt.ScanWorkers},
			// Deliveries are short and many: fetch often so a backlog drains fast.
			app.QueueWebhooks: {MaxWorkers: opt.WebhookWorkers, FetchCooldown: 10 * time.Millisecond},
		},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			periodic(opt.PurgeInterval, "purge_expired", PurgeArgs{}),
			periodic(opt.ReapInterval, "scan_reaper", ReapArgs{}),
			periodic(opt.ScheduleInterval, "scan_schedules", ScheduleTickArgs{}),
			periodic(opt.ExpiryInterval, "exception_expiry", ExpireExceptionsArgs{}),
			periodic(opt.SweepInterval, "events_sweep", HooksSweepArgs{}),
		},
	}
	r := &Runner{log: opt.Log}
	switch s.Engine() {
	case store.SQLite:
		// No LISTEN/NOTIFY on SQLite: poll, but not so often that polling
		// competes with requests for the single writer connection.
		cfg.FetchPollInterval = 250 * time.Millisecond
		c, err := river.NewClient[*sql.Tx](riversqlite.New(s.SQLiteWriter()), cfg)
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		if err := c.Start(ctx); err != nil {
			return nil, fmt.Errorf("jobs: start: %w", err)
		}
		r.stop, r.stopCancel = c.Stop, c.StopAndCancel
	case store.Postgres:
		c, err := river.NewClient[pgx.Tx](riverpgxv5.New(s.PGPool()), cfg)
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		if err := c.Start(ctx); err != nil {
			return nil, fmt.Errorf("jobs: start: %w", err)
		}
		r.stop, r.stopCancel = c.Stop, c.StopAndCancel
	}
	return r, nil
}

// Stop lets running jobs finish until ctx is done, then cancels the rest; River
// hands cancelled jobs back for retry, so nothing is lost.
func (r *Runner) Stop(ctx context.Context) error {
	err := r.stop(ctx)
	if ctx.Err() != nil {
		r.log.Warn("jobs did not finish in time; cancelling them for retry")
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return r.stopCancel(cctx)
	}
	return err
}

// PurgeArgs is the periodic purge of expired sessions and used one-time tokens.
type PurgeArgs struct{}

// Kind implements river.JobArgs.
func (PurgeArgs) Kind() string { return "auth.purge_expired" }

type purgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	app *app.App
}

func (w *purgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	_, err := w.app.PurgeExpired(ctx)
	return err
}

// ExpireExceptionsArgs is the periodic expiry of exceptions past expires_at.
type ExpireExceptionsArgs struct{}

// Kind implements river.JobArgs.
func (ExpireExceptionsArgs) Kind() string { return "exception.expire" }

type expireExceptionsWorker struct {
	river.WorkerDefaults[ExpireExceptionsArgs]
	app *app.App
}

func (w *expireExceptionsWorker) Work(ctx context.Context, _ *river.Job[ExpireExceptionsArgs]) error {
	_, err := w.app.ExpireExceptions(ctx)
	return err
}
