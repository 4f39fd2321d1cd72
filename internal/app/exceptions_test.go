package app

import (
	"context"
	"net/netip"
	"testing"

	"github.com/perimeterhq/perimeter/internal/exception"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/user"
)

// TestNewFindingsArriveCovered: a finding a run reports for the first time,
// inside the scope of an active exception, is stored already covered, and
// the run's verdict counts it so.
func TestNewFindingsArriveCovered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := storetest.Open(t, engine)
		a := New(s, Config{}, nil)
		ref := benchRun(t, a)
		org, err := s.R().OrganizationByID(ctx, ref.OrganizationID)
		if err != nil {
			t.Fatal(err)
		}
		act := &Actor{User: user.User{ID: newID(), Role: user.RoleAdmin}, Org: org}
		// Active before any scan saw the check.
		e, err := a.CreateException(ctx, act, NewException{Activate: true, Exception: exception.Exception{
			Type: exception.AcceptedRisk, CheckID: "tls.protocol.tls10", Reason: "legacy terminals until Q3"}})
		if err != nil || e.Status != exception.Active {
			t.Fatalf("create: %+v %v", e, err)
		}
		run, err := s.R().RunByID(ctx, ref.ID)
		if err != nil {
			t.Fatal(err)
		}
		st := &runState{run: run, ref: ref}
		host := &result.Host{IP: netip.MustParseAddr("10.9.0.1"), Status: result.HostUp,
			Findings: []result.Finding{
				{CheckID: "tls.protocol.tls10", Title: "TLS 1.0", CVSSScore: 5.3, Severity: "medium", Port: 443, Protocol: "tcp", PCIFail: true, PCIAutoFail: true},
				{CheckID: "http.trace", Title: "TRACE", CVSSScore: 2.0, Severity: "low", Port: 80, Protocol: "tcp"},
			}}
		st.buffer = append(st.buffer, hostResult(ref, host, a.now()))
		if err := a.flush(ctx, st); err != nil {
			t.Fatal(err)
		}
		if err := a.finishRun(ctx, st, scan.StatusCompleted, ""); err != nil {
			t.Fatal(err)
		}
		covered := scan.FindingID(ref.OrganizationID, scan.HostID(ref.OrganizationID, "10.9.0.1"), 443, "tcp", "tls.protocol.tls10")
		f, err := s.R().FindFinding(ctx, ref.OrganizationID, covered)
		if err != nil || f.Status != scan.FindingAccepted {
			t.Fatalf("new finding status %q (%v), want accepted", f.Status, err)
		}
		run, _ = s.R().RunByID(ctx, ref.ID)
		if run.PCICompliant == nil || !*run.PCICompliant {
			t.Error("the run counts the covered finding against PCI")
		}
		if run.ReportID == "" {
			t.Error("a completed run has a report")
		}
		got, _ := a.GetException(ctx, act, e.ID)
		if got.Findings != 1 {
			t.Errorf("exception covers %d findings, want 1", got.Findings)
		}
	})
}
