package app

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"

	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// BenchmarkIngest measures the finding ingest rate from engine results into
// the store: hosts of 50 findings each are converted and saved in batches of
// ingestBatchHosts, as a running scan does. It reports findings/s for a
// first scan (every finding new) and seen-again-findings/s for a second run
// of the same scan over the same hosts (every finding seen again: the
// upsert refreshes each row and records the run's occurrence), which is what
// most runs of a recurring scan write.
//
//	go test -run '^$' -bench Ingest -benchtime 200000x ./internal/app
func BenchmarkIngest(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			s := storetest.Open(b, engine)
			a := New(s, Config{}, nil)
			ref := benchRun(b, a)
			const perHost = 50
			hosts := make([]*result.Host, 0, b.N/perHost+1)
			for i := 0; i < b.N; i += perHost {
				h := &result.Host{IP: netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), Status: result.HostUp,
					Ports: []result.Service{{Port: 443, Protocol: "tcp", State: result.PortOpen, Service: "https", Product: "nginx", Version: "1.24.0"}}}
				for j := range perHost {
					h.Findings = append(h.Findings, result.Finding{CheckID: fmt.Sprintf("cve:CVE-2024-%05d", j), Title: "A vulnerability",
						CVSSScore: 7.5, CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
						Description: "A flaw in the request parser lets a remote attacker read memory.", Solution: "Upgrade to a fixed version.", Severity: "high", CVEs: []string{fmt.Sprintf("CVE-2024-%05d", j)}, Port: 443, Protocol: "tcp", Confidence: 60,
						Evidence: "nginx 1.24.0 matches cpe:2.3:a:f5:nginx:*", PCIFail: true})
				}
				hosts = append(hosts, h)
			}
			ingest := func(ref store.RunRef) float64 {
				start := time.Now()
				st := &runState{ref: ref, run: scan.Run{ID: ref.ID, OrganizationID: ref.OrganizationID}}
				for _, h := range hosts {
					st.add(hostResult(ref, h, a.now()))
					if st.full() {
						if err := a.flush(ctx, st); err != nil {
							b.Fatal(err)
						}
					}
				}
				if err := a.flush(ctx, st); err != nil {
					b.Fatal(err)
				}
				return float64(len(hosts)*perHost) / time.Since(start).Seconds()
			}
			b.ResetTimer()
			b.ReportMetric(ingest(ref), "findings/s")
			b.StopTimer()
			again := benchNextRun(b, a, ref)
			b.StartTimer()
			b.ReportMetric(ingest(again), "seen-again-findings/s")
		})
	}
}

// benchNextRun creates another running run of ref's scan (the first one
// completed).
func benchNextRun(b testing.TB, a *App, ref store.RunRef) store.RunRef {
	ctx := context.Background()
	now := a.now()
	next := ref
	next.ID = newID()
	err := a.store.Tx(ctx, func(q *store.Q) error {
		if _, err := q.SetRunStatus(ctx, ref.OrganizationID, ref.ID, scan.StatusRunning, scan.StatusCompleted); err != nil {
			return err
		}
		return q.CreateRun(ctx, benchRunRow(ref, next.ID, now))
	})
	if err != nil {
		b.Fatal(err)
	}
	return next
}

// benchRun creates an organization with a target, a scan and a running run.
func benchRun(b testing.TB, a *App) store.RunRef {
	ctx := context.Background()
	boot, err := a.Bootstrap(ctx, "bench@example.test", "bench-password-1")
	if err != nil {
		b.Fatal(err)
	}
	now := a.now()
	ref := store.RunRef{ID: newID(), OrganizationID: boot.OrganizationID, ScanID: newID(), TargetID: newID(), Product: "vrms"}
	err = a.store.Tx(ctx, func(q *store.Q) error {
		ss, _, err := q.FindScanners(ctx, boot.OrganizationID, listing.Params{Page: 1, PerPage: 10})
		if err != nil {
			return err
		}
		if err := q.CreateTarget(ctx, scanconfig.Target{ID: ref.TargetID, OrganizationID: ref.OrganizationID, Name: "t", Hosts: "10.0.0.0/8",
			HostCount: 1 << 24, Product: "vrms", CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		if err := q.CreateScan(ctx, scan.Scan{ID: ref.ScanID, OrganizationID: ref.OrganizationID, Name: "s", TargetID: ref.TargetID,
			ScannerID: ss[0].ID, ScanProfileID: scanconfig.ProfileFullAndFast, Product: "vrms", Status: scan.StatusRunning,
			CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		return q.CreateRun(ctx, benchRunRow(ref, ref.ID, now))
	})
	if err != nil {
		b.Fatal(err)
	}
	return ref
}

// benchRunRow is a running run of ref's scan.
func benchRunRow(ref store.RunRef, id string, now time.Time) scan.Run {
	return scan.Run{ID: id, OrganizationID: ref.OrganizationID, ScanID: ref.ScanID, TargetID: ref.TargetID,
		Status: scan.StatusRunning, Trigger: scan.TriggerManual, Attempt: 1, Hosts: "10.0.0.0/8", Ports: "T:443",
		EngineProfile: "Full and fast", QueuedAt: now}
}
