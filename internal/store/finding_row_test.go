package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/testfill"
)

// TestFindingRowRoundTrip writes a finding with every field set and reads it
// back through each kind of read: a field of scan.Finding that findingColumns,
// findingDest or findingArgs misses fails it.
func TestFindingRowRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		r := newResultsFixture(t, f.s, f.cus, 1)
		runID, ip := id(500), "10.0.0.7"
		hostID := scan.HostID(f.cus.ID, ip)
		// What SaveHostResults sets from the run, the host and the rule that a
		// finding is first stored open; testfill.Fields sets the rest.
		want := scan.Finding{ID: scan.FindingID(f.cus.ID, hostID, 443, "tcp", "check-x"), OrganizationID: f.cus.ID, HostID: hostID,
			IP: ip, Port: 443, Protocol: "tcp", CheckID: "check-x", Severity: "high", Status: scan.FindingOpen, FirstSeen: t0, LastSeen: t0,
			LastRunID: runID, ScanID: r.scanID, TargetID: r.target, Product: tenant.ProductVRMS}
		testfill.Fields(t, &want, t0)
		want.FixedAt = nil
		ref := store.RunRef{ID: runID, OrganizationID: f.cus.ID, ScanID: r.scanID, TargetID: r.target, Product: tenant.ProductVRMS}
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			if err := q.CreateRun(ctx, scan.Run{ID: runID, OrganizationID: f.cus.ID, ScanID: r.scanID, TargetID: r.target,
				Status: scan.StatusRunning, Trigger: scan.TriggerManual, Attempt: 1, Hosts: ip, Ports: "T:443", EngineProfile: "quick",
				QueuedAt: t0}); err != nil {
				return err
			}
			hr := store.HostResult{Host: scan.Host{ID: hostID, IP: ip, Status: "up"},
				RunHost:  scan.RunHost{ID: scan.RunHostID(runID, ip), RunID: runID, HostID: hostID, IP: ip, Status: "up", ScannedAt: t0},
				Findings: []scan.Finding{want}}
			return q.SaveHostResults(ctx, ref, []store.HostResult{hr}, t0)
		}))
		q := f.s.R()

		got, err := q.FindFinding(ctx, f.cus.ID, want.ID)
		must(t, err)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("detail read:\n got %+v\nwant %+v", got, want)
		}
		rf, err := q.FindRunFinding(ctx, f.cus.ID, runID, want.ID)
		must(t, err)
		if !reflect.DeepEqual(rf.Finding, want) || !rf.SeenAt.Equal(t0) {
			t.Errorf("run detail read:\n got %+v\nwant %+v", rf, want)
		}

		// Lists leave the long texts out.
		short := want
		short.Description, short.Solution, short.References, short.Evidence = "", "", nil, ""
		list, _, err := q.FindFindings(ctx, f.cus.ID, params(t, &scan.FindingList, ""))
		must(t, err)
		if len(list) != 1 || !reflect.DeepEqual(list[0], short) {
			t.Errorf("list read:\n got %+v\nwant %+v", list, short)
		}

		// Fixed, then seen again: reopened with fixed_at cleared, first_seen kept,
		// the rest refreshed.
		must(t, f.s.Tx(ctx, func(q *store.Q) error { return q.MarkFixed(ctx, f.cus.ID, []string{want.ID}, t0.Add(time.Hour)) }))
		got, err = q.FindFinding(ctx, f.cus.ID, want.ID)
		must(t, err)
		if got.Status != scan.FindingFixed || got.FixedAt == nil || !got.FixedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("after MarkFixed: status %q, fixed_at %v", got.Status, got.FixedAt)
		}
		again := want
		again.Title, again.Evidence, again.CVSSScore = "retitled", "seen again", 9.1
		later := t0.Add(2 * time.Hour)
		must(t, f.s.Tx(ctx, func(q *store.Q) error {
			hr := store.HostResult{Host: scan.Host{ID: hostID, IP: ip, Status: "up"},
				RunHost:  scan.RunHost{ID: scan.RunHostID(runID, ip), RunID: runID, HostID: hostID, IP: ip, Status: "up", ScannedAt: later},
				Findings: []scan.Finding{again}}
			return q.SaveHostResults(ctx, ref, []store.HostResult{hr}, later)
		}))
		got, err = q.FindFinding(ctx, f.cus.ID, want.ID)
		must(t, err)
		again.Status, again.LastSeen = scan.FindingReopened, later
		if !reflect.DeepEqual(got, again) {
			t.Errorf("seen again:\n got %+v\nwant %+v", got, again)
		}
	})
}
