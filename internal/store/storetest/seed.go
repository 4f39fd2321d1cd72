package storetest

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/perimeterhq/perimeter/internal/report"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store"
)

// Seed describes a large completed run to store directly, for benchmarks and
// crash tests that need many findings without scanning for them.
type Seed struct {
	OrganizationID, ScanID, TargetID, Product string
	Hosts, FindingsPerHost                    int
	At                                        time.Time
}

var severities = []struct {
	name string
	cvss float64
}{{"critical", 9.8}, {"high", 7.5}, {"medium", 5.3}, {"low", 3.1}, {"info", 0}}

// SeedRun stores a completed run of seed.Hosts hosts (10.x addresses) with
// seed.FindingsPerHost findings each, realistic text lengths and mixed
// severities, and the run's report. It returns the run and report ids.
func SeedRun(tb testing.TB, s *store.Store, seed Seed) (runID, reportID string) {
	tb.Helper()
	ctx := context.Background()
	runID, reportID = uuid.Must(uuid.NewV7()).String(), uuid.Must(uuid.NewV7()).String()
	ref := store.RunRef{ID: runID, OrganizationID: seed.OrganizationID, ScanID: seed.ScanID, TargetID: seed.TargetID, Product: seed.Product}
	run := scan.Run{ID: runID, OrganizationID: seed.OrganizationID, ScanID: seed.ScanID, TargetID: seed.TargetID, Status: scan.StatusRunning,
		Trigger: scan.TriggerManual, Attempt: 1, Hosts: "10.0.0.0/8", Ports: "T:1-65535", EngineProfile: "seeded", QueuedAt: seed.At}
	var stats scan.Stats
	err := s.Tx(ctx, func(q *store.Q) error {
		if err := q.CreateRun(ctx, run); err != nil {
			return err
		}
		if err := q.StartRun(ctx, seed.OrganizationID, runID, seed.At); err != nil {
			return err
		}
		var batch []store.HostResult
		for h := range seed.Hosts {
			batch = append(batch, seedHost(ref, h, seed.FindingsPerHost, seed.At, &stats))
			if len(batch) == 50 || h == seed.Hosts-1 {
				if err := q.SaveHostResults(ctx, ref, batch, seed.At); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	done := seed.At.Add(time.Minute)
	err = s.Tx(ctx, func(q *store.Q) error {
		counts, compliant, err := q.RunFindingStats(ctx, seed.OrganizationID, runID)
		if err != nil {
			return err
		}
		run.Stats = counts
		run.Stats.HostsTotal, run.Stats.HostsUp = seed.Hosts, seed.Hosts
		run.Status, run.FinishedAt, run.HeartbeatAt, run.Progress, run.PCICompliant = scan.StatusCompleted, &done, &done, 100, &compliant
		if err := q.FinishRun(ctx, run); err != nil {
			return err
		}
		if err := q.SetScanRunState(ctx, seed.OrganizationID, seed.ScanID, runID, scan.StatusCompleted, 100, done); err != nil {
			return err
		}
		return q.CreateReport(ctx, report.Report{ID: reportID, OrganizationID: seed.OrganizationID, RunID: runID, ScanID: seed.ScanID,
			TargetID: seed.TargetID, Product: seed.Product, Name: "Seeded run", CreatedAt: done})
	})
	if err != nil {
		tb.Fatal(err)
	}
	return runID, reportID
}

func seedHost(ref store.RunRef, n, findings int, at time.Time, stats *scan.Stats) store.HostResult {
	ip := netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)}).String()
	hostID := scan.HostID(ref.OrganizationID, ip)
	hostname := fmt.Sprintf("host-%d.shop.example", n)
	hr := store.HostResult{
		Host: scan.Host{ID: hostID, IP: ip, Hostnames: []string{hostname}, OS: "Linux 5.x", Status: "up", OpenPorts: 3, Services: "ssh https http"},
		RunHost: scan.RunHost{ID: scan.RunHostID(ref.ID, ip), RunID: ref.ID, HostID: hostID, IP: ip, Hostnames: []string{hostname},
			Status: "up", Reason: "syn-ack", OS: "Linux 5.x", OpenPorts: 3, ScannedAt: at},
	}
	for i, svc := range []struct {
		port int
		name string
	}{{22, "ssh"}, {443, "https"}, {80, "http"}} {
		hr.Services = append(hr.Services, scan.Service{ID: scan.ServiceID(ref.ID, hostID, svc.port, "tcp"), RunID: ref.ID, HostID: hostID,
			Port: svc.port, Protocol: "tcp", State: "open", Service: svc.name, Product: "product", Version: fmt.Sprint(i)})
	}
	for i := range findings {
		sev := severities[i%len(severities)]
		port := []int{22, 443, 80}[i%3]
		check := fmt.Sprintf("cve:CVE-2024-%05d", i)
		hr.Findings = append(hr.Findings, scan.Finding{ID: scan.FindingID(ref.OrganizationID, hostID, port, "tcp", check), HostID: hostID,
			IP: ip, Hostname: hostname, Port: port, Protocol: "tcp", Service: "https", CheckID: check,
			Title:       fmt.Sprintf("Example product 2.4.%d: request smuggling in the proxy module (CVE-2024-%05d)", i%50, i),
			Description: strings.Repeat("A flaw in the request parser lets a remote, unauthenticated attacker read memory or smuggle requests. ", 4),
			Solution:    "Upgrade the product to 2.4.62 or later, or disable the proxy module until the upgrade is possible.",
			References:  []string{fmt.Sprintf("https://nvd.nist.gov/vuln/detail/CVE-2024-%05d", i)}, CVEs: []string{fmt.Sprintf("CVE-2024-%05d", i)},
			CVSSScore: sev.cvss, CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Severity: sev.name, Confidence: 80,
			Evidence: "Server: Example/2.4.49 (Unix)\nmatched cpe:2.3:a:example:product:2.4.49"})
		hr.RunHost.Counts.Add(sev.name)
		stats.Add(sev.name)
	}
	return hr
}
