package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// BenchmarkFindingRowFloor measures what writing a finding row costs: the
// rows SaveHostResults writes (same columns, values, statement and batch
// size) with a plain INSERT (no upsert, no occurrence, host or service rows)
// into a copy of the findings table with
//
//   - row: no key and no index;
//
//   - key: its id key;
//
//   - indexes: its id key and its read indexes.
//
//     go test -run '^$' -bench FindingRowFloor -benchtime 200000x ./internal/store
func BenchmarkFindingRowFloor(b *testing.B) {
	for _, engine := range storetest.Engines() {
		for _, shape := range []string{"row", "key", "indexes"} {
			b.Run(engine+"/"+shape, func(b *testing.B) { floorRun(b, engine, shape) })
		}
	}
}

func floorRun(b *testing.B, engine, shape string) {
	s := storetest.Open(b, engine)
	setup := []string{"CREATE TABLE findings_floor AS SELECT * FROM findings WHERE 1 = 0"}
	if shape != "row" {
		setup = append(setup, "CREATE UNIQUE INDEX floor_id ON findings_floor (id)")
	}
	if shape == "indexes" {
		for i, cols := range []string{"organization_id, severity_rank, ip, port, id", "organization_id, ip",
			"organization_id, status, severity_rank", "organization_id, first_seen", "scan_id", "target_id", "organization_id, check_id"} {
			setup = append(setup, fmt.Sprintf("CREATE INDEX floor_%d ON findings_floor (%s)", i, cols))
		}
	}
	if err := s.ExecForTest(ctx, setup...); err != nil {
		b.Fatal(err)
	}
	at := time.Now().UTC()
	const batch = 25_000 // the ingest batch (app.ingestBatchFindings)
	fs := make([]scan.Finding, 0, batch)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		host := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		check := fmt.Sprintf("cve:CVE-2024-%05d", i%50)
		fs = append(fs, scan.Finding{ID: scan.FindingID("org", host, 443, "tcp", check), OrganizationID: "org",
			HostID: scan.HostID("org", host), IP: host, Port: 443, Protocol: "tcp", Service: "https", CheckID: check,
			Title: "A vulnerability", CVEs: []string{"CVE-2024-00001"}, CVSSScore: 7.5,
			CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Severity: "high", Confidence: 60,
			Description: "A flaw in the request parser lets a remote attacker read memory.", Solution: "Upgrade to a fixed version.",
			Evidence: "nginx 1.24.0 matches cpe:2.3:a:f5:nginx:*", Status: scan.FindingOpen, FirstSeen: at, LastSeen: at,
			LastRunID: "run", ScanID: "scan", TargetID: "target", Product: "vrms"})
		if len(fs) == batch || i == b.N-1 {
			if err := s.InsertFindingRowsForTest(ctx, "findings_floor", fs); err != nil {
				b.Fatal(err)
			}
			fs = fs[:0]
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "rows/s")
}
