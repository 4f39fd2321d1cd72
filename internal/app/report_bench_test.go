package app

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/blob"
	"github.com/perimeterhq/perimeter/internal/report"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/user"
)

// benchReportFile seeds a completed run of hosts × perHost findings and
// measures generating one of its files end to end: reading the run from the
// database, rendering, hashing and storing the file.
func benchReportFile(b *testing.B, hosts, perHost int, t report.Type, f report.Format) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			s := storetest.Open(b, engine)
			blobs, err := blob.NewDir(filepath.Join(b.TempDir(), "blobs"))
			if err != nil {
				b.Fatal(err)
			}
			a := New(s, Config{Blobs: blobs}, nil)
			ref := benchRun(b, a)
			_, reportID := storetest.SeedRun(b, s, storetest.Seed{OrganizationID: ref.OrganizationID, ScanID: ref.ScanID,
				TargetID: ref.TargetID, Product: "pci", Hosts: hosts, FindingsPerHost: perHost, At: time.Now().UTC().Add(-time.Hour)})
			org, err := s.R().OrganizationByID(ctx, ref.OrganizationID)
			if err != nil {
				b.Fatal(err)
			}
			act := &Actor{User: user.User{ID: newID(), Role: user.RoleAdmin}, Org: org}
			var size int64
			b.ResetTimer()
			for b.Loop() {
				file, err := a.GenerateReport(ctx, act, reportID, string(t), string(f))
				if err != nil {
					b.Fatal(err)
				}
				if err := a.GenerateReportFile(ctx, file.ID, file.Token); err != nil {
					b.Fatal(err)
				}
				got, err := s.R().FileByID(ctx, file.ID)
				if err != nil || got.Status != report.FileDone {
					b.Fatalf("file: %+v %v", got, err)
				}
				size = got.Size
				b.StopTimer()
				if _, err := a.SweepBlobs(ctx); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(hosts*perHost)*float64(b.N)/b.Elapsed().Seconds(), "findings/s")
			b.ReportMetric(float64(size)/(1<<20), "MiB")
		})
	}
}

// BenchmarkDetailedPDF10k is the detailed PDF of a run with 10 000 findings
// over 500 hosts (target < 3 s, < 200 MB RSS: run with /usr/bin/time -v).
//
//	go test -run '^$' -bench DetailedPDF10k -benchtime 3x ./internal/app
func BenchmarkDetailedPDF10k(b *testing.B) { benchReportFile(b, 500, 20, report.Detailed, report.PDF) }

// BenchmarkCSV100k streams the CSV of a run with 100 000 findings (target
// ≥ 100 000 rows/s with flat memory).
//
//	go test -run '^$' -bench CSV100k -benchtime 3x ./internal/app
func BenchmarkCSV100k(b *testing.B) { benchReportFile(b, 1000, 100, report.Detailed, report.CSV) }
