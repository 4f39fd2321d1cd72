package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// resultsFixture is a scan of an organization with runs whose results are
// written as a running scan writes them.
type resultsFixture struct {
	s      *store.Store
	org    tenant.Organization
	scanID string
	target string
}

func newResultsFixture(t *testing.T, s *store.Store, org tenant.Organization, n int) *resultsFixture {
	t.Helper()
	r := &resultsFixture{s: s, org: org, scanID: id(100 + n), target: id(200 + n)}
	scanner := id(300 + n)
	must(t, s.Tx(ctx, func(q *store.Q) error {
		if err := q.CreateTarget(ctx, scanconfig.Target{ID: r.target, OrganizationID: org.ID, Name: "T", Hosts: "10.0.0.0/8",
			Product: tenant.ProductVRMS, Tags: []string{}, CreatedAt: t0, UpdatedAt: t0}); err != nil {
			return err
		}
		if err := q.CreateScanner(ctx, scanconfig.Scanner{ID: scanner, OrganizationID: org.ID, Name: "S", AppType: scanconfig.AppBuiltin,
			Status: scanconfig.ScannerActive, CreatedAt: t0, UpdatedAt: t0}, ""); err != nil {
			return err
		}
		return q.CreateScan(ctx, scan.Scan{ID: r.scanID, OrganizationID: org.ID, Name: "Scan", TargetID: r.target, ScannerID: scanner,
			ScanProfileID: scanconfig.ProfileFullAndFast, Product: tenant.ProductVRMS, Status: scan.StatusNew, CreatedAt: t0, UpdatedAt: t0})
	}))
	return r
}

// hostFindings is what a run finds on one host: severities by port.
type hostFindings struct {
	ip       string
	findings map[int]string // port → severity; the check is "check-<port>"
}

var cvssOf = map[string]float64{"critical": 9.8, "high": 7.5, "medium": 5.3, "low": 3.1, "info": 0}

// run writes a completed run at `at` that found hosts, and returns its id.
func (r *resultsFixture) run(t *testing.T, runID string, at time.Time, hosts []hostFindings) string {
	t.Helper()
	ref := store.RunRef{ID: runID, OrganizationID: r.org.ID, ScanID: r.scanID, TargetID: r.target, Product: tenant.ProductVRMS}
	var results []store.HostResult
	for _, h := range hosts {
		hostID := scan.HostID(r.org.ID, h.ip)
		hr := store.HostResult{Host: scan.Host{ID: hostID, IP: h.ip, Status: "up"},
			RunHost: scan.RunHost{ID: scan.RunHostID(runID, h.ip), RunID: runID, HostID: hostID, IP: h.ip, Status: "up", ScannedAt: at}}
		for port, sev := range h.findings {
			check := fmt.Sprintf("check-%d", port)
			hr.Findings = append(hr.Findings, scan.Finding{ID: scan.FindingID(r.org.ID, hostID, port, "tcp", check), HostID: hostID,
				IP: h.ip, Port: port, Protocol: "tcp", CheckID: check, Title: "Finding " + check, Severity: sev, CVSSScore: cvssOf[sev],
				Evidence: "seen at " + at.Format(time.RFC3339), CVEs: []string{"CVE-2024-" + fmt.Sprint(port)}})
			hr.RunHost.Counts.Add(sev)
		}
		results = append(results, hr)
	}
	must(t, r.s.Tx(ctx, func(q *store.Q) error {
		run := scan.Run{ID: runID, OrganizationID: r.org.ID, ScanID: r.scanID, TargetID: r.target, Status: scan.StatusRunning,
			Trigger: scan.TriggerManual, Attempt: 1, Hosts: "10.0.0.0/8", Ports: "T:1-65535", EngineProfile: "quick", QueuedAt: at}
		if err := q.CreateRun(ctx, run); err != nil {
			return err
		}
		if err := q.StartRun(ctx, r.org.ID, runID, at); err != nil {
			return err
		}
		if err := q.SaveHostResults(ctx, ref, results, at); err != nil {
			return err
		}
		done := at.Add(time.Minute)
		run.Status, run.FinishedAt, run.Progress = scan.StatusCompleted, &done, 100
		return q.FinishRun(ctx, run)
	}))
	return runID
}

// seedFindings gives hosts six findings each, of every severity.
func seedFindings(ips ...string) []hostFindings {
	var out []hostFindings
	for i, ip := range ips {
		h := hostFindings{ip: ip, findings: map[int]string{}}
		for k := range 6 {
			h.findings[80+k] = scan.Severities[(i+k)%len(scan.Severities)]
		}
		out = append(out, h)
	}
	return out
}

func findingKeys(fs []scan.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s %s:%d", f.Severity, f.IP, f.Port)
	}
	return out
}

func TestFindingListOrderAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		mine := newResultsFixture(t, f.s, f.cus, 1)
		mine.run(t, id(500), t0, seedFindings("10.0.1.5", "10.0.10.5", "10.0.1.6", "10.0.2.5", "fe80::1"))
		theirs := newResultsFixture(t, f.s, f.other, 2)
		theirs.run(t, id(501), t0, seedFindings("10.0.1.5"))
		q := f.s.R()

		for _, query := range []string{"", "sort_order=asc", "q[severity]=critical,high&q[host]=10.0.1.*", "q[host]=10.0.*.5&sort_order=asc",
			"sort_by=port&sort_order=desc", "q[status]=open&q[port]=81,82"} {
			all, total, err := q.FindFindings(ctx, f.cus.ID, params(t, &scan.FindingList, query+"&per_page=500"))
			must(t, err)
			if total != len(all) || total == 0 {
				t.Fatalf("%q: total %d, rows %d", query, total, len(all))
			}
			for _, x := range all {
				if x.OrganizationID != f.cus.ID {
					t.Fatalf("%q: another organization's finding %s", query, x.ID)
				}
			}
			if !strings.Contains(query, "sort_by") {
				desc := !strings.Contains(query, "asc")
				sorted := slices.IsSortedFunc(all, func(a, b scan.Finding) int {
					ra, rb := scan.SeverityRank(a.Severity), scan.SeverityRank(b.Severity)
					if desc {
						ra, rb = rb, ra
					}
					if ra != rb {
						return ra - rb
					}
					if c := strings.Compare(a.IP, b.IP); c != 0 { // byte order: 10.0.1.5 < 10.0.1.6 < 10.0.10.5
						return c
					}
					return a.Port - b.Port
				})
				if !sorted {
					t.Fatalf("%q: not in severity, address, port order: %v", query, findingKeys(all))
				}
			}
			// Every page size walks the same sequence.
			for per := 1; per <= 7; per++ {
				var walked []scan.Finding
				for page := 1; ; page++ {
					got, n, err := q.FindFindings(ctx, f.cus.ID, params(t, &scan.FindingList, fmt.Sprintf("%s&per_page=%d&page=%d", query, per, page)))
					must(t, err)
					if n != total {
						t.Fatalf("%q per_page %d: total %d, want %d", query, per, n, total)
					}
					if len(got) == 0 {
						break
					}
					walked = append(walked, got...)
				}
				if fmt.Sprint(findingKeys(walked)) != fmt.Sprint(findingKeys(all)) {
					t.Fatalf("%q per_page %d pages %v\nwant %v", query, per, findingKeys(walked), findingKeys(all))
				}
			}
		}
	})
}

func TestAddressPrefixFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		mine := newResultsFixture(t, f.s, f.cus, 1)
		mine.run(t, id(500), t0, seedFindings("10.0.1.5", "10.0.10.5", "10.0.1.6", "10.0.2.5", "fe80::1", "110.0.1.5"))
		theirs := newResultsFixture(t, f.s, f.other, 2)
		theirs.run(t, id(501), t0, seedFindings("10.0.1.5"))
		for pattern, want := range map[string][]string{
			"10.0.1.*":  {"10.0.1.5", "10.0.1.6"},
			"10.0.1*":   {"10.0.1.5", "10.0.1.6", "10.0.10.5"},
			"10.0.*.5":  {"10.0.1.5", "10.0.10.5", "10.0.2.5"},
			"10.0.1.5*": {"10.0.1.5"},
			"FE80::*":   {"fe80::1"},
			"*.1.5":     {"10.0.1.5", "110.0.1.5"},
			"10.9.*":    nil,
		} {
			for _, sort := range []string{"", "&sort_by=port"} {
				got, _, err := f.s.R().FindFindings(ctx, f.cus.ID, params(t, &scan.FindingList, "per_page=500&q[host]="+pattern+sort))
				must(t, err)
				ips := map[string]bool{}
				for _, x := range got {
					ips[x.IP] = true
				}
				var gotIPs []string
				for ip := range ips {
					gotIPs = append(gotIPs, ip)
				}
				slices.Sort(gotIPs)
				slices.Sort(want)
				if fmt.Sprint(gotIPs) != fmt.Sprint(want) || len(got) != 6*len(want) {
					t.Errorf("q[host]=%s%s: %v (%d findings), want %v", pattern, sort, gotIPs, len(got), want)
				}
			}
		}
		// The same prefix answers the inventory's ip filter.
		hosts, total, err := f.s.R().FindHosts(ctx, f.cus.ID, params(t, &scan.HostList, "q[ip]=10.0.1.*"))
		must(t, err)
		if total != 2 || len(hosts) != 2 {
			t.Fatalf("hosts q[ip]=10.0.1.*: %d %v", total, hosts)
		}
	})
}

func TestFindingDetailOccurrencesAndDelta(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		r := newResultsFixture(t, f.s, f.cus, 1)
		q := f.s.R()
		v0, err := q.ResultsVersion(ctx, f.cus.ID)
		must(t, err)
		first := r.run(t, id(500), t0, []hostFindings{{ip: "10.0.0.1", findings: map[int]string{22: "high", 443: "medium"}}})
		v1, err := q.ResultsVersion(ctx, f.cus.ID)
		must(t, err)
		second := r.run(t, id(501), t0.Add(time.Hour), []hostFindings{{ip: "10.0.0.1", findings: map[int]string{22: "high", 8080: "low"}}})
		v2, err := q.ResultsVersion(ctx, f.cus.ID)
		must(t, err)
		if v0 == v1 || v1 == v2 {
			t.Fatalf("results version did not move: %s %s %s", v0, v1, v2)
		}
		if other, err := q.ResultsVersion(ctx, f.other.ID); err != nil || other == v2 {
			t.Fatalf("another organization's version %q moved with ours (%v)", other, err)
		}

		ssh := scan.FindingID(f.cus.ID, scan.HostID(f.cus.ID, "10.0.0.1"), 22, "tcp", "check-22")
		d, err := q.FindFinding(ctx, f.cus.ID, ssh)
		must(t, err)
		if d.Severity != "high" || d.Evidence != "seen at "+t0.Add(time.Hour).Format(time.RFC3339) || !slices.Equal(d.CVEs, []string{"CVE-2024-22"}) {
			t.Fatalf("detail: %+v", d)
		}
		if _, err := q.FindFinding(ctx, f.other.ID, ssh); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another organization reads the finding: %v", err)
		}
		occ, n, err := q.FindingOccurrences(ctx, f.cus.ID, ssh, 10)
		must(t, err)
		if n != 2 || len(occ) != 2 || occ[0].RunID != second || occ[1].RunID != first || occ[0].ScanID != r.scanID {
			t.Fatalf("occurrences: %d %+v", n, occ)
		}
		if occ, n, err := q.FindingOccurrences(ctx, f.other.ID, ssh, 10); err != nil || n != 0 || len(occ) != 0 {
			t.Fatalf("another organization sees occurrences: %d %v %v", n, occ, err)
		}

		added, gone, kept, err := q.RunDelta(ctx, f.cus.ID, second, first)
		must(t, err)
		if added != 1 || gone != 1 || kept != 1 {
			t.Fatalf("delta: new %d, fixed %d, unchanged %d", added, gone, kept)
		}
		counts, err := q.RunSeverityCounts(ctx, f.cus.ID, second)
		must(t, err)
		if counts.Findings != 2 || counts.High != 1 || counts.Low != 1 {
			t.Fatalf("run counts: %+v", counts)
		}
		if _, err := q.FindRunFinding(ctx, f.cus.ID, second, scan.FindingID(f.cus.ID, scan.HostID(f.cus.ID, "10.0.0.1"), 443, "tcp", "check-443")); !errs.Is(err, errs.NotFound) {
			t.Fatalf("a finding the run did not see: %v", err)
		}
		rf, err := q.FindRunFinding(ctx, f.cus.ID, first, ssh)
		must(t, err)
		if !rf.SeenAt.Equal(t0) || rf.Title != "Finding check-22" {
			t.Fatalf("the first run's sighting: %v %q", rf.SeenAt, rf.Title)
		}
		if _, err := q.FindRunFinding(ctx, f.other.ID, first, ssh); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another organization reads the run's finding: %v", err)
		}
	})
}
