package agent

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
	"github.com/perimeterhq/perimeter/internal/textclip"
)

// Why a scan ended before the engine finished (the engine context's cause).
var (
	errStopRequested = errors.New("the run was asked to stop")
	errShutdown      = errors.New("the agent is shutting down")
)

// Run statuses a finish reports.
const (
	statusCompleted = "completed"
	statusFailed    = "failed"
	statusStopped   = "stopped"
)

// runJob scans one claimed job to its end. It returns ErrUnauthorized when
// the token stopped working, else nil: every other outcome is the server's
// business (finished, dropped, or left to be queued again on shutdown).
func (a *Agent) runJob(ctx context.Context, job *Job) error {
	log := a.log.With("run_id", job.ID, "attempt", job.Attempt)
	log.Info("claimed a run", "hosts", textclip.Bytes(job.Hosts, 200), "ports", textclip.Bytes(job.Ports, 200),
		"profile", job.Profile)
	// Calls about the job outlive a shutdown, so the results collected so far
	// still reach the server; DrainTimeout bounds them.
	jctx, endJob := context.WithCancelCause(context.WithoutCancel(ctx))
	defer endJob(nil)
	ectx, stopEngine := context.WithCancelCause(jctx)
	defer stopEngine(nil)
	unwatch := context.AfterFunc(ctx, func() {
		stopEngine(errShutdown)
		time.AfterFunc(a.cfg.DrainTimeout, func() { endJob(errShutdown) })
	})
	defer unwatch()
	opts, reason := a.options(job)
	if reason != "" {
		log.Warn("refusing the run", "reason", reason)
		return a.finishJob(jctx, log, job, finishRequest{Attempt: job.Attempt, Status: statusFailed, Error: reason})
	}

	// abort ends the scan early; when the job is not this agent's any more
	// (or the token died) nothing more about it may reach the server either.
	abort := func(err error) {
		stopEngine(err)
		if errors.Is(err, errLost) || errors.Is(err, ErrUnauthorized) {
			endJob(err)
		}
	}

	var progress atomic.Uint64 // float64 bits
	var wg sync.WaitGroup
	hbCtx, stopHeartbeat := context.WithCancel(jctx)
	defer stopHeartbeat()
	wg.Go(func() { a.heartbeat(hbCtx, log, job, &progress, abort) })

	batches := make(chan *batch, 4)
	var uploadErr error
	uploaded := make(chan struct{})
	go func() {
		uploadErr = a.upload(jctx, job.ID, batches, abort)
		close(uploaded)
	}()

	events := make(chan result.Event, 256)
	var stats result.Stats
	var engineErr error
	go func() {
		stats, engineErr = scanner.Run(ectx, opts, events)
		close(events)
	}()
	a.collect(jctx, log, job, events, batches, &progress)
	close(batches)
	<-uploaded
	stopHeartbeat()
	wg.Wait()

	var cause error
	if ectx.Err() != nil {
		cause = context.Cause(ectx)
	}
	var refused *refusedError
	fin := finishRequest{Attempt: job.Attempt, Status: statusCompleted,
		Stats: finishStats{HostsTotal: stats.HostsTotal, PortsProbed: stats.PortsProbed}}
	switch {
	case errors.Is(cause, ErrUnauthorized) || errors.Is(uploadErr, ErrUnauthorized):
		return ErrUnauthorized
	case errors.Is(cause, errLost) || errors.Is(uploadErr, errLost):
		log.Warn("dropped the run: the server gave it to another attempt (heartbeats were missed) or ended it")
		return nil
	case errors.Is(uploadErr, errShutdown):
		log.Warn("shutting down: some results could not be sent within the drain timeout; the server queues " +
			"the run again once its heartbeats stop, and the next attempt scans it again")
		return nil
	case errors.Is(cause, errShutdown):
		err := a.retry(jctx, "release", func(ctx context.Context) error {
			cctx, cancel := context.WithTimeout(ctx, resultsCallTimeout)
			defer cancel()
			return a.c.release(cctx, job.ID, job.Attempt)
		})
		if err != nil {
			log.Warn("shutting down: the results collected so far were sent, but the run could not be handed back; "+
				"the server queues it again once its heartbeats stop", "err", err)
			return nil
		}
		log.Info("shutting down: the results collected so far were sent and the run handed back; " +
			"the server queued it again for the next agent")
		return nil
	case errors.As(uploadErr, &refused):
		fin.Status, fin.Error = statusFailed, "the server refused the agent's results: "+refused.msg
	case uploadErr != nil:
		fin.Status, fin.Error = statusFailed, "sending results failed: "+uploadErr.Error()
	case errors.Is(cause, errStopRequested):
		fin.Status = statusStopped
	case engineErr != nil:
		fin.Status, fin.Error = statusFailed, engineErr.Error()
	}
	return a.finishJob(jctx, log, job, fin)
}

// collect reads the engine's events until it ends, cutting finished hosts
// into batches of at most BatchHosts, or whatever finished within
// BatchInterval, with increasing sequence numbers.
func (a *Agent) collect(ctx context.Context, log *slog.Logger, job *Job, events <-chan result.Event, batches chan<- *batch,
	progress *atomic.Uint64) {
	seq := 0
	cur := &batch{Attempt: job.Attempt, Hosts: []result.Host{}, Down: []string{}}
	cut := func() {
		if cur.size() == 0 {
			return
		}
		cur.Seq, seq = seq, seq+1
		select {
		case batches <- cur:
		case <-ctx.Done(): // the job ended (drain timeout): nothing more goes out
		}
		cur = &batch{Attempt: job.Attempt, Hosts: []result.Host{}, Down: []string{}}
	}
	tick := time.NewTicker(a.cfg.BatchInterval)
	defer tick.Stop()
	for {
		select {
		case ev, more := <-events:
			if !more {
				cut()
				return
			}
			switch ev.Kind {
			case result.EventProgress:
				progress.Store(math.Float64bits(ev.Progress))
			case result.EventError:
				log.Warn("scan warning", "err", ev.Err)
			case result.EventHostDone:
				if ev.Host != nil {
					cur.add(ev.Host)
				}
				if cur.size() >= a.cfg.BatchHosts {
					cut()
				}
			}
		case <-tick.C:
			cut()
		}
	}
}

// heartbeat reports progress every Heartbeat until ctx ends, and stops the
// engine when the server says to stop (stop requested), that the attempt is
// not this agent's any more (409), or that the token is no longer valid.
// A failed heartbeat is only logged: the next tick tries again, and the
// server allows several missed ones before it queues the run again.
func (a *Agent) heartbeat(ctx context.Context, log *slog.Logger, job *Job, progress *atomic.Uint64, abort func(error)) {
	t := time.NewTicker(a.cfg.Heartbeat)
	defer t.Stop()
	stopping := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, a.cfg.Heartbeat+10*time.Second)
		stop, err := a.c.progress(cctx, job.ID, progressRequest{Attempt: job.Attempt, Progress: math.Float64frombits(progress.Load())})
		cancel()
		switch {
		case err == nil && stop && !stopping:
			stopping = true
			log.Info("the run was asked to stop; ending the scan")
			abort(errStopRequested)
		case errors.Is(err, errLost), errors.Is(err, ErrUnauthorized):
			abort(err)
			return
		case err != nil && ctx.Err() == nil:
			log.Warn("heartbeat failed", "err", err)
		}
	}
}

// finishJob ends the run on the server, retrying transient failures (a
// finish sent twice is a no-op there).
func (a *Agent) finishJob(ctx context.Context, log *slog.Logger, job *Job, fin finishRequest) error {
	err := a.retry(ctx, "finish", func(ctx context.Context) error {
		cctx, cancel := context.WithTimeout(ctx, resultsCallTimeout)
		defer cancel()
		return a.c.finish(cctx, job.ID, fin)
	})
	switch {
	case err == nil:
		log.Info("finished the run", "status", fin.Status, "error", fin.Error, "hosts", fin.Stats.HostsTotal,
			"ports_probed", fin.Stats.PortsProbed)
	case errors.Is(err, ErrUnauthorized):
		return err
	case errors.Is(err, errLost):
		log.Warn("dropped the run at its finish: the server gave it to another attempt", "err", err)
	default:
		log.Error("could not finish the run; the server will queue it again", "err", err)
	}
	return nil
}
