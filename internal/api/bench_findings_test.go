package api_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// BenchmarkVulnerabilities seeds 1 000 000 findings over 10 000 hosts (10
// scans of 1 000 hosts, one completed run each, 100 findings per host, 10 %
// of them fixed) and measures, as an organization's admin over HTTP:
//
//   - baseline/user: GET /v2/user, the cost of authentication and HTTP alone;
//   - list: GET /v2/vulnerabilities?q[severity]=critical,high&q[host]=10.0.N.*
//     (N varies; about 4 000 findings match each): p50, p99, req/s;
//   - the widgets (total, top, pci_compliant) and hosts/most_vulnerable as a
//     dashboard polls them (cached per results version): p50, p99, req/s;
//   - cold/*: the aggregates behind them computed from scratch, at the store
//     (what the first request would pay; once an aggregate takes over 100 ms,
//     later changes are recomputed in the background): ms per computation;
//   - warm: WarmAggregates, what a run's end enqueues (it computes and stores
//     the dashboard's aggregates), then first-on-new-node/*: the first request
//     of each widget on a node that has computed nothing (a restart, another
//     API node), which answers from the stored aggregates.
//
// PERIMETER_BENCH_FINDINGS scales the seed (default 1000000; hosts = /100).
//
//	go test -run '^$' -bench Vulnerabilities -benchtime 3000x -timeout 60m ./internal/api
//	PERIMETER_TEST_POSTGRES_URL=postgres://… go test -run '^$' -bench Vulnerabilities -benchtime 3000x -timeout 60m ./internal/api
func BenchmarkVulnerabilities(b *testing.B) {
	total := 1_000_000
	if s := os.Getenv("PERIMETER_BENCH_FINDINGS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1000 {
			b.Fatalf("PERIMETER_BENCH_FINDINGS=%q: want a number ≥ 1000", s)
		}
		total = n
	}
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			e := apitest.New(b, engine)
			org := e.NewOrg(e.Admin, map[string]any{"name": "Big Co"})
			admin := e.NewUser(e.Admin, org, "admin")
			t0 := time.Now()
			seedBigResults(b, e, admin, org, total/100)
			b.Logf("%s: seeded %d findings over %d hosts in %s", engine, total, total/100, time.Since(t0).Round(time.Second))

			hostBlocks := max(1, total/100/256)
			listPath := func(i int) string {
				return fmt.Sprintf("/v2/vulnerabilities?q[severity]=critical,high&q[host]=10.0.%d.*", i%hostBlocks)
			}
			if r := admin.Do("GET", listPath(1), nil); r.Status != 200 || num(r, "pagination.total_count") < 1 {
				b.Fatalf("list: %s", r)
			} else {
				b.Logf("%s: list matches %d findings", engine, num(r, "pagination.total_count"))
			}
			b.Run("baseline/user", func(b *testing.B) { // authentication and HTTP alone, for comparison
				benchLatency(b, func(int) { check(b, admin.Do("GET", "/v2/user", nil)) })
			})
			b.Run("list", func(b *testing.B) {
				for i := range 50 { // warm caches and prepared statements
					admin.Do("GET", listPath(i), nil)
				}
				b.ResetTimer()
				benchLatency(b, func(i int) { check(b, admin.Do("GET", listPath(i), nil)) })
			})
			for _, path := range []string{"/v2/vulnerabilities/widgets/total", "/v2/vulnerabilities/widgets/top",
				"/v2/vulnerabilities/widgets/pci_compliant", "/v2/hosts/most_vulnerable"} {
				b.Run(path[4:], func(b *testing.B) {
					check(b, admin.Do("GET", path, nil)) // computes the cached aggregate once
					b.ResetTimer()
					benchLatency(b, func(int) { check(b, admin.Do("GET", path, nil)) })
				})
			}
			q := e.Store.R()
			ctx := context.Background()
			runs, err := q.LatestCompletedRuns(ctx, org)
			if err != nil {
				b.Fatal(err)
			}
			var runIDs []string
			for _, r := range runs {
				runIDs = append(runIDs, r.RunID)
			}
			cold := map[string]func() error{
				"totals": func() error { _, err := q.FindingTotals(ctx, org, time.Now().AddDate(0, 0, -30)); return err },
				"top":    func() error { _, err := q.TopFindings(ctx, org, 10); return err },
				"pci": func() error {
					if _, err := q.PCIFailures(ctx, org, runIDs); err != nil {
						return err
					}
					_, _, err := q.PCIFailingFindings(ctx, org, runIDs, 100)
					return err
				},
				"most_vulnerable": func() error { _, err := q.MostVulnerableHosts(ctx, org, 10); return err },
			}
			for _, name := range []string{"totals", "top", "pci", "most_vulnerable"} {
				b.Run("cold/"+name, func(b *testing.B) {
					// A few computations whatever -benchtime says: each scans
					// every finding of the organization.
					const runs = 3
					var worst time.Duration
					t0 := time.Now()
					for range runs {
						t1 := time.Now()
						if err := cold[name](); err != nil {
							b.Fatal(err)
						}
						worst = max(worst, time.Since(t1))
					}
					b.ReportMetric(float64(time.Since(t0).Nanoseconds())/runs, "ns/op")
					b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms")
				})
			}
			// What a run's end enqueues (WarmAggregatesArgs), then the first
			// request of each widget on a node that has computed nothing: it
			// answers from the stored aggregates.
			b.Run("warm", func(b *testing.B) {
				t0 := time.Now()
				if err := e.App.WarmAggregates(ctx, org); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(time.Since(t0).Milliseconds()), "ms")
			})
			for _, path := range []string{"/v2/vulnerabilities/widgets/total", "/v2/vulnerabilities/widgets/top",
				"/v2/vulnerabilities/widgets/pci_compliant", "/v2/hosts/most_vulnerable"} {
				b.Run("first-on-new-node"+path[3:], func(b *testing.B) {
					node := e.NewNode() // per call: the benchmark function runs more than once
					t0 := time.Now()
					check(b, admin.On(node).Do("GET", path, nil))
					b.ReportMetric(float64(time.Since(t0).Microseconds())/1000, "ms")
				})
			}
		})
	}
}

// seedBigResults stores hosts (100 findings each) as 10 scans of hosts/10
// addresses, one completed run each, written in batches the way runs write
// them; then marks a tenth of the findings fixed.
func seedBigResults(b testing.TB, e *apitest.Env, admin *apitest.Client, org string, hosts int) {
	ctx := context.Background()
	s := e.Store
	const scans, perHost, checks, batch = 10, 100, 2000, 100
	base := time.Now().UTC().AddDate(0, 0, -scans-1)
	var fixed []string
	for si := range scans {
		sc := newScan(b, admin, org, fmt.Sprintf("Scan %d", si), "10.0.0.0/18")
		at := base.AddDate(0, 0, si)
		runID := fmt.Sprintf("01900000-0000-7000-9000-%012d", si)
		ref := store.RunRef{ID: runID, OrganizationID: org, ScanID: sc.id, TargetID: sc.target, Product: sc.product}
		run := scan.Run{ID: runID, OrganizationID: org, ScanID: sc.id, TargetID: sc.target, Status: scan.StatusRunning,
			Trigger: scan.TriggerManual, Attempt: 1, Hosts: "10.0.0.0/18", Ports: "T:1-65535", EngineProfile: "quick", QueuedAt: at}
		if err := s.Tx(ctx, func(q *store.Q) error {
			if err := q.CreateRun(ctx, run); err != nil {
				return err
			}
			return q.StartRun(ctx, org, runID, at)
		}); err != nil {
			b.Fatal(err)
		}
		first, last := si*hosts/scans, (si+1)*hosts/scans
		for start := first; start < last; start += batch {
			var results []store.HostResult
			for h := start; h < min(start+batch, last); h++ {
				hs := hostSeed{ip: fmt.Sprintf("10.0.%d.%d", h/256, h%256), hostnames: []string{fmt.Sprintf("host%d.example.test", h)},
					os: "Linux 5.x"}
				for p := range 10 {
					hs.services = append(hs.services, scan.Service{Port: 1000 + p*7, Protocol: "tcp", Service: "http", Product: "nginx", Version: "1.24.0"})
				}
				for k := range perHost {
					c := (h*37 + k*53) % checks
					sev, cvss := benchSeverity(c)
					f := findingSeed{port: 1000 + (k%10)*7, check: fmt.Sprintf("check-%04d", c), severity: sev, cvss: cvss,
						autoFail: c%97 == 0, dosOnly: c%89 == 0, kev: c%50 == 0, epss: float64(c%100) / 100,
						cves: []string{fmt.Sprintf("CVE-2024-%05d", c)}, reference: "https://nvd.nist.gov/vuln/detail/CVE-2024-" + strconv.Itoa(c)}
					hs.findings = append(hs.findings, f)
					if (h+k)%10 == 0 {
						fixed = append(fixed, scan.FindingID(org, scan.HostID(org, hs.ip), f.port, "tcp", f.check))
					}
				}
				results = append(results, hostResult(ref, hs, at))
			}
			if err := s.Tx(ctx, func(q *store.Q) error { return q.SaveHostResults(ctx, ref, results, at) }); err != nil {
				b.Fatal(err)
			}
		}
		done := at.Add(time.Hour)
		if err := s.Tx(ctx, func(q *store.Q) error {
			counts, compliant, err := q.RunFindingStats(ctx, ref.OrganizationID, runID)
			if err != nil {
				return err
			}
			run.Stats, run.PCICompliant = counts, &compliant
			run.Status, run.FinishedAt, run.HeartbeatAt, run.Progress = scan.StatusCompleted, &done, &done, 100
			if err := q.FinishRun(ctx, run); err != nil {
				return err
			}
			return q.SetScanRunState(ctx, org, sc.id, runID, scan.StatusCompleted, 100, done)
		}); err != nil {
			b.Fatal(err)
		}
	}
	fixedAt := base.AddDate(0, 0, scans)
	for start := 0; start < len(fixed); start += 10_000 {
		chunk := fixed[start:min(start+10_000, len(fixed))]
		if err := s.Tx(ctx, func(q *store.Q) error { return q.MarkFixed(ctx, org, chunk, fixedAt) }); err != nil {
			b.Fatal(err)
		}
	}
	// What the engines do on their own after a bulk load (autovacuum, the
	// checkpointer, SQLite's WAL checkpoint), done now so that it does not run
	// during the measurements.
	var err error
	if s.Engine() == store.Postgres {
		if _, err = s.PGPool().Exec(ctx, "VACUUM ANALYZE"); err == nil {
			_, err = s.PGPool().Exec(ctx, "CHECKPOINT")
		}
	} else {
		_, err = s.SQLiteWriter().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	if err != nil {
		b.Fatal(err)
	}
}

// benchSeverity rates a check: 4 % critical, 12 % high, 30 % medium, 24 % low,
// 30 % info.
func benchSeverity(check int) (string, float64) {
	switch c := check % 100; {
	case c < 4:
		return "critical", 9.1 + float64(c)/5
	case c < 16:
		return "high", 7.0 + float64(c%10)/5
	case c < 46:
		return "medium", 4.0 + float64(c%10)/4
	case c < 70:
		return "low", 0.1 + float64(c%10)/3
	}
	return "info", 0
}
