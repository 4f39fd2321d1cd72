package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/perimeterhq/perimeter/internal/blob"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/report"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// EventReportGenerated is the outbox event of a report file completing.
const EventReportGenerated = "report_generated"

// GenerateReportArgs is the job that renders one report file. Token names the
// request it serves: a file requested again, or taken over after its worker
// died, has a new token, and jobs of older tokens do nothing.
type GenerateReportArgs struct {
	FileID string `json:"file_id"`
	Token  string `json:"token"`
}

// Kind implements river.JobArgs.
func (GenerateReportArgs) Kind() string { return "report.generate" }

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// createRunReport creates the report of a finished run in the run's
// transaction (one per run: a recovered run keeps its report).
func (a *App) createRunReport(ctx context.Context, q *store.Q, run scan.Run, product string, at time.Time) error {
	sc, err := q.FindScan(ctx, run.OrganizationID, run.ScanID)
	if err != nil {
		return err
	}
	return q.CreateReport(ctx, report.Report{ID: newID(), OrganizationID: run.OrganizationID, RunID: run.ID, ScanID: run.ScanID,
		TargetID: run.TargetID, Product: product, Name: sc.Name + " — " + at.UTC().Format("2006-01-02 15:04 UTC"), CreatedAt: at})
}

// ListReports lists the caller's organization's reports.
func (a *App) ListReports(ctx context.Context, act *Actor, p listing.Params) ([]report.Report, int, error) {
	if err := act.can("reports", "read"); err != nil {
		return nil, 0, err
	}
	return a.store.R().FindReports(ctx, act.Org.ID, p)
}

// GetReport returns a report of the caller's organization with its files.
func (a *App) GetReport(ctx context.Context, act *Actor, id string) (report.Report, error) {
	if err := act.can("reports", "read"); err != nil {
		return report.Report{}, err
	}
	return a.store.R().FindReport(ctx, act.Org.ID, id)
}

// DeleteReports deletes reports and their files, all or nothing.
func (a *App) DeleteReports(ctx context.Context, act *Actor, ids []string) (int, error) {
	if err := act.can("reports", "write"); err != nil {
		return 0, err
	}
	var n int
	err := a.store.Tx(ctx, func(q *store.Q) error {
		var err error
		if n, err = q.DeleteReports(ctx, act.Org.ID, ids, a.now()); err != nil {
			return err
		}
		for _, id := range ids {
			if err := a.record(ctx, q, act, "", "report.delete", "report", id, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// GenerateReport requests a report's file in a type and format: a job renders
// it. A request for a file already pending or processing returns it as is; a
// done or failed one is generated again (its last complete file stays
// downloadable until the new one is complete).
func (a *App) GenerateReport(ctx context.Context, act *Actor, id, typ, format string) (report.File, error) {
	if err := act.can("reports", "write"); err != nil {
		return report.File{}, err
	}
	var f report.File
	err := a.store.Tx(ctx, func(q *store.Q) error {
		r, err := q.FindReport(ctx, act.Org.ID, id)
		if err != nil {
			return err
		}
		t, fm, err := report.ParseKind(typ, format, r.Product, false)
		if err != nil {
			return err
		}
		f, err = a.requestFile(ctx, q, act, report.File{ReportID: r.ID}, t, fm)
		return err
	})
	return f, err
}

// requestFile saves the request of a file and enqueues its job, in q's transaction.
func (a *App) requestFile(ctx context.Context, q *store.Q, act *Actor, owner report.File, t report.Type, fm report.Format) (report.File, error) {
	ownerID, advanced := owner.ReportID, owner.AdvancedReportID != ""
	if advanced {
		ownerID = owner.AdvancedReportID
	}
	f, err := q.FindFileOf(ctx, act.Org.ID, ownerID, advanced, t, fm)
	switch {
	case err == nil && (f.Status == report.FilePending || f.Status == report.FileProcessing):
		return f, nil
	case err == nil:
	case errs.Is(err, errs.NotFound):
		f = owner
		f.ID, f.OrganizationID, f.Type, f.Format = newID(), act.Org.ID, t, fm
	default:
		return f, err
	}
	f.Status, f.Token, f.RequestedBy, f.RequestedAt, f.Error = report.FilePending, newToken(), act.User.ID, a.now(), ""
	if err := q.SaveFileRequest(ctx, f); err != nil {
		return f, err
	}
	if err := q.EnqueueJob(ctx, GenerateReportArgs{FileID: f.ID, Token: f.Token}, &river.InsertOpts{MaxAttempts: 3}); err != nil {
		return f, err
	}
	resType := "report"
	if advanced {
		resType = "advanced_report"
	}
	return f, a.record(ctx, q, act, "", resType+".generate", resType, ownerID, map[string]any{"type": t, "format": fm})
}

// ReportFile returns the file of a report (or of an advanced report) in a type
// and format, after checking the request.
func (a *App) ReportFile(ctx context.Context, act *Actor, ownerID string, advanced bool, typ, format string) (report.File, error) {
	resource := "reports"
	if advanced {
		resource = "advanced_reports"
	}
	if err := act.can(resource, "read"); err != nil {
		return report.File{}, err
	}
	q := a.store.R()
	product := ""
	if advanced {
		if _, err := q.FindDefinition(ctx, act.Org.ID, ownerID); err != nil {
			return report.File{}, err
		}
	} else {
		r, err := q.FindReport(ctx, act.Org.ID, ownerID)
		if err != nil {
			return report.File{}, err
		}
		product = r.Product
	}
	t, fm, err := report.ParseKind(typ, format, product, advanced)
	if err != nil && !advanced && typ == string(report.AoSC) && product != tenant.ProductPCI {
		// An attestation of a non-PCI scan cannot exist; asking whether it
		// does is not an error of the request's shape.
		return report.File{}, errs.NotFoundf("Report file")
	} else if err != nil {
		return report.File{}, err
	}
	return q.FindFileOf(ctx, act.Org.ID, ownerID, advanced, t, fm)
}

// Download is an open report file.
type Download struct {
	File report.File
	Name string
	Body io.ReadSeekCloser
}

// DownloadReport opens the last complete file of a report (or advanced
// report) in a type and format; not found when none was completed.
func (a *App) DownloadReport(ctx context.Context, act *Actor, ownerID string, advanced bool, typ, format string) (Download, error) {
	f, err := a.ReportFile(ctx, act, ownerID, advanced, typ, format)
	if err != nil {
		return Download{}, err
	}
	if !f.Available() {
		return Download{}, errs.New(errs.NotFound, "The %s %s file has not been generated yet (status %s)", f.Type, f.Format, f.Status)
	}
	if a.cfg.Blobs == nil {
		return Download{}, errs.New(errs.Unavailable, "No file store is configured")
	}
	body, _, err := a.cfg.Blobs.Open(ctx, f.BlobKey)
	if err == blob.ErrNotFound {
		return Download{}, fmt.Errorf("report file %s: blob %s is missing", f.ID, f.BlobKey)
	} else if err != nil {
		return Download{}, err
	}
	name := "report"
	at := f.RequestedAt
	if f.GeneratedAt != nil {
		at = *f.GeneratedAt
	}
	if advanced {
		if d, err := a.store.R().FindDefinition(ctx, act.Org.ID, ownerID); err == nil {
			name = d.Name
		}
	} else if r, err := a.store.R().FindReport(ctx, act.Org.ID, ownerID); err == nil {
		name = r.ScanName
	}
	return Download{File: f, Name: report.FileName(name, f.Type, f.Format, at), Body: body}, nil
}

// FileVerification is the answer of a report file verification.
type FileVerification struct {
	Valid    bool   // the given hash is the recorded one and the stored file still has it
	Recorded string // the recorded SHA-256
	Intact   bool   // the stored file's content hashes to the recorded value
}

// VerifyReport compares a SHA-256 with the recorded hash of a report file and
// re-hashes the stored file, so a tampered file is caught too.
func (a *App) VerifyReport(ctx context.Context, act *Actor, ownerID string, advanced bool, typ, format, sum string) (FileVerification, error) {
	sum = strings.ToLower(strings.TrimSpace(sum))
	if len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
		return FileVerification{}, errs.Field("sha256", "must be 64 hexadecimal characters")
	}
	d, err := a.DownloadReport(ctx, act, ownerID, advanced, typ, format)
	if err != nil {
		return FileVerification{}, err
	}
	defer d.Body.Close()
	actual, err := sha256Hex(d.Body)
	if err != nil {
		return FileVerification{}, err
	}
	v := FileVerification{Recorded: d.File.SHA256, Intact: actual == d.File.SHA256}
	v.Valid = v.Intact && subtle.ConstantTimeCompare([]byte(sum), []byte(d.File.SHA256)) == 1
	return v, nil
}
