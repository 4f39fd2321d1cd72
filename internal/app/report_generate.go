package app

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/riverqueue/river"

	"github.com/perimeterhq/perimeter/internal/report"
	"github.com/perimeterhq/perimeter/internal/store"
)

func sha256Hex(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// errTakenOver stops a generation whose file a newer request or the reaper
// took over.
var errTakenOver = errors.New("report file taken over by another generation")

// GenerateReportFile renders the file of a generation job. The file is
// written to a new blob and becomes the downloadable one only in the
// transaction that records it done, so a crash at any moment leaves either
// the previous complete file or the new one, never a partial one. While it
// renders, it heartbeats; a file whose heartbeat stops is handed to a new job
// by ReapStaleReportFiles. A rendering error marks the file failed with the
// reason (no retry: it would fail the same way); storage errors are returned
// for the job to retry.
func (a *App) GenerateReportFile(ctx context.Context, fileID, token string) error {
	var claimed bool
	if err := a.store.Tx(ctx, func(q *store.Q) (err error) {
		claimed, err = q.ClaimFile(ctx, fileID, token, a.now())
		return err
	}); err != nil || !claimed {
		return err
	}
	f, err := a.store.R().FileByID(ctx, fileID)
	if err != nil {
		return err
	}
	if a.cfg.Blobs == nil {
		return a.failFile(ctx, f, token, errors.New("no file store is configured"))
	}
	doc, err := a.document(ctx, f)
	if err != nil {
		return err
	}
	gctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go a.heartbeatFile(gctx, cancel, f.OrganizationID, fileID, token)

	key := fmt.Sprintf("reports/%s/%s/%s.%s", f.OrganizationID, f.ID, token, report.Extension(f.Format))
	pr, pw := io.Pipe()
	renderErr := make(chan error, 1)
	go func() {
		bw := bufio.NewWriterSize(pw, 256<<10)
		err := report.Render(bw, doc, f.Format)
		if err == nil {
			err = bw.Flush()
		}
		renderErr <- err
		pw.CloseWithError(err)
	}()
	info, putErr := a.cfg.Blobs.Put(gctx, key, pr)
	pr.CloseWithError(errTakenOver) // unblock the renderer if Put stopped early
	rerr := <-renderErr
	switch {
	case context.Cause(gctx) == errTakenOver:
		_ = a.cfg.Blobs.Delete(ctx, key)
		return nil
	case ctx.Err() != nil:
		return ctx.Err() // shutting down: the job is retried under the same token
	case rerr != nil && !errors.Is(rerr, errTakenOver):
		return a.failFile(ctx, f, token, rerr)
	case putErr != nil:
		return putErr
	}
	f.BlobKey, f.Size, f.SHA256 = key, info.Size, info.SHA256
	var done bool
	err = a.store.Tx(ctx, func(q *store.Q) error {
		now := a.now()
		var err error
		if done, err = q.CompleteFile(ctx, f, token, now); err != nil || !done {
			return err
		}
		payload := map[string]any{"file_id": f.ID, "type": f.Type, "format": f.Format, "size": f.Size, "sha256": f.SHA256}
		resType, resID := "report", f.ReportID
		if f.AdvancedReportID != "" {
			resType, resID = "advanced_report", f.AdvancedReportID
		}
		payload[resType+"_id"] = resID
		if err := a.emit(ctx, q, f.OrganizationID, EventReportGenerated, resType, resID, payload); err != nil {
			return err
		}
		return a.record(ctx, q, nil, f.OrganizationID, resType+".generated", resType, resID, payload)
	})
	if err != nil || !done {
		_ = a.cfg.Blobs.Delete(ctx, key)
	}
	return err
}

// failFile records a generation's failure.
func (a *App) failFile(ctx context.Context, f report.File, token string, cause error) error {
	a.log.Warn("report generation failed", "file_id", f.ID, "type", f.Type, "format", f.Format, "err", cause)
	return a.store.Tx(ctx, func(q *store.Q) error {
		_, err := q.FailFile(ctx, f.OrganizationID, f.ID, token, cause.Error())
		return err
	})
}

// heartbeatFile keeps a generation's claim alive and cancels it (errTakenOver)
// when the file no longer belongs to it.
func (a *App) heartbeatFile(ctx context.Context, cancel context.CancelCauseFunc, orgID, id, token string) {
	t := time.NewTicker(a.cfg.ScanHeartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			var alive bool
			err := a.store.Tx(ctx, func(q *store.Q) (err error) {
				alive, err = q.HeartbeatFile(ctx, orgID, id, token, a.now())
				return err
			})
			if err == nil && !alive {
				cancel(errTakenOver)
				return
			}
		}
	}
}

// ReapStaleReportFiles hands files whose generator stopped heartbeating (its
// process died) to a new job under a new token. It returns how many.
func (a *App) ReapStaleReportFiles(ctx context.Context) (int, error) {
	stale, err := a.store.R().StaleFiles(ctx, a.now().Add(-a.cfg.ScanStaleAfter))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range stale {
		err := a.store.Tx(ctx, func(q *store.Q) error {
			token := newToken()
			ok, err := q.RequeueFile(ctx, f.OrganizationID, f.ID, f.Token, token)
			if err != nil || !ok {
				return err
			}
			n++
			a.log.Info("report generation lost its worker; generating again", "file_id", f.ID, "attempt", f.Attempt)
			return q.EnqueueJob(ctx, GenerateReportArgs{FileID: f.ID, Token: token}, &river.InsertOpts{MaxAttempts: 3})
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// SweepBlobs deletes blobs no file refers to any more (replaced by a newer
// generation, or deleted with their report). It returns how many.
func (a *App) SweepBlobs(ctx context.Context) (int, error) {
	if a.cfg.Blobs == nil {
		return 0, nil
	}
	keys, err := a.store.R().Garbage(ctx, 500)
	if err != nil {
		return 0, err
	}
	for i, k := range keys {
		if err := a.cfg.Blobs.Delete(ctx, k); err != nil {
			return i, err
		}
		if err := a.store.Tx(ctx, func(q *store.Q) error { return q.ForgetGarbage(ctx, k) }); err != nil {
			return i, err
		}
	}
	return len(keys), nil
}
