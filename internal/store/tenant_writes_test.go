package store_test

import (
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/report"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/user"
)

// Writes by id also filter by organization: with another organization's id,
// the run, scan, report file and user writes change nothing.
func TestWritesByIDNeedTheOrganization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		r := newResultsFixture(t, f.s, f.cus, 1)
		wrong := f.other.ID
		runID, reportID, fileID := id(400), id(401), id(402)
		run := scan.Run{ID: runID, OrganizationID: f.cus.ID, ScanID: r.scanID, TargetID: r.target, Status: scan.StatusQueued,
			Trigger: scan.TriggerManual, Attempt: 1, Hosts: "10.0.0.0/8", Ports: "T:80", EngineProfile: "quick", QueuedAt: t0}
		u := newUser(9, f.cus, "nine@customer.test", user.RoleUser)
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.CreateRun(ctx, run); err != nil {
				return err
			}
			return q.CreateUser(ctx, u)
		}))

		// The run and its scan.
		later := t0.Add(time.Minute)
		foreign := run
		foreign.OrganizationID, foreign.Status, foreign.Error = wrong, scan.StatusFailed, "overwritten"
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.StartRun(ctx, wrong, runID, later); err != nil {
				return err
			}
			if changed, err := q.SetRunStatus(ctx, wrong, runID, "", scan.StatusStopping); err != nil || changed {
				t.Errorf("SetRunStatus with another organization: changed=%v err=%v", changed, err)
			}
			if err := q.RequeueRun(ctx, wrong, runID, 7, nil); err != nil {
				return err
			}
			if _, err := q.HeartbeatRun(ctx, wrong, runID, 1, 50, later); err == nil {
				t.Errorf("HeartbeatRun with another organization found the run")
			}
			if err := q.FinishRun(ctx, foreign); err != nil {
				return err
			}
			return q.SetScanRunState(ctx, wrong, r.scanID, runID, scan.StatusRunning, 50, later)
		}))
		got, err := f.s.R().RunByID(ctx, runID)
		must(t, err)
		if got.Status != scan.StatusQueued || got.Attempt != 1 || got.StartedAt != nil || got.HeartbeatAt != nil ||
			got.Progress != 0 || got.Error != "" || got.FinishedAt != nil {
			t.Fatalf("another organization's writes changed the run: %+v", got)
		}
		sc, err := f.s.R().FindScan(ctx, f.cus.ID, r.scanID)
		must(t, err)
		if sc.Status != scan.StatusNew || sc.LastRunID != "" {
			t.Fatalf("another organization's write changed the scan: status %s, last run %q", sc.Status, sc.LastRunID)
		}
		// The owner's writes still work.
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.StartRun(ctx, f.cus.ID, runID, later); err != nil {
				return err
			}
			return q.SetScanRunState(ctx, f.cus.ID, r.scanID, runID, scan.StatusRunning, 0, later)
		}))
		if got, _ := f.s.R().RunByID(ctx, runID); got.Status != scan.StatusRunning {
			t.Fatalf("StartRun by the owner: status %s", got.Status)
		}

		// A report file being generated.
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.CreateReport(ctx, report.Report{ID: reportID, OrganizationID: f.cus.ID, RunID: runID, ScanID: r.scanID,
				TargetID: r.target, Product: "vrms", Name: "R", CreatedAt: later}); err != nil {
				return err
			}
			if err := q.SaveFileRequest(ctx, report.File{ID: fileID, OrganizationID: f.cus.ID, ReportID: reportID,
				Type: report.Executive, Format: report.PDF, Status: report.FilePending, Token: "tok", RequestedAt: later}); err != nil {
				return err
			}
			_, err := q.ClaimFile(ctx, fileID, "tok", later)
			return err
		}))
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if ok, err := q.HeartbeatFile(ctx, wrong, fileID, "tok", later); err != nil || ok {
				t.Errorf("HeartbeatFile with another organization: ok=%v err=%v", ok, err)
			}
			if ok, err := q.FailFile(ctx, wrong, fileID, "tok", "overwritten"); err != nil || ok {
				t.Errorf("FailFile with another organization: ok=%v err=%v", ok, err)
			}
			if ok, err := q.RequeueFile(ctx, wrong, fileID, "tok", "stolen"); err != nil || ok {
				t.Errorf("RequeueFile with another organization: ok=%v err=%v", ok, err)
			}
			done := report.File{ID: fileID, OrganizationID: wrong, BlobKey: "blob", Size: 1, SHA256: "x"}
			if ok, err := q.CompleteFile(ctx, done, "tok", later); !errs.Is(err, errs.NotFound) || ok {
				t.Errorf("CompleteFile with another organization: ok=%v err=%v, want not found", ok, err)
			}
			return nil
		}))
		file, err := f.s.R().FileByID(ctx, fileID)
		must(t, err)
		if file.Status != report.FileProcessing || file.Token != "tok" || file.Error != "" || file.BlobKey != "" {
			t.Fatalf("another organization's writes changed the file: %+v", file)
		}
		if rep, err := f.s.R().FindReport(ctx, f.cus.ID, reportID); err != nil || rep.ID != reportID {
			t.Fatalf("report: %+v %v", rep, err)
		}
		if got, _ := f.s.R().RunByID(ctx, runID); got.ReportID != reportID {
			t.Fatalf("CreateReport records the report on its run: %v", got.ReportID)
		}

		// A user.
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.SetUserPassword(ctx, wrong, u.ID, "other-hash", &later, later); err != nil {
				return err
			}
			if err := q.RecordSignIn(ctx, wrong, u.ID, later); err != nil {
				return err
			}
			moved := u
			moved.Email, moved.OrganizationID = "stolen@other.test", wrong
			return q.UpdateUser(ctx, wrong, moved)
		}))
		if err := f.s.Tx(ctx, func(q *store.Q) error { return q.DeleteUser(ctx, wrong, u.ID) }); !errs.Is(err, errs.NotFound) {
			t.Fatalf("DeleteUser with another organization: %v, want not found", err)
		}
		gotU, err := f.s.R().UserByID(ctx, u.ID)
		must(t, err)
		if gotU.OrganizationID != f.cus.ID || gotU.Email != u.Email || gotU.PasswordHash != u.PasswordHash ||
			gotU.LastSignInAt != nil || gotU.ConfirmedAt != nil {
			t.Fatalf("another organization's writes changed the user: %+v", gotU)
		}
	})
}
