package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// c1Order is every finding of C1 in the default order: most severe first,
// then by address and port.
var c1Order = []string{
	"cve:CVE-2021-41773 10.0.0.2",
	"http-dos 10.0.0.1", "tls-old 10.0.0.1", "http-dos 10.3.0.1", "weak-cipher 10.4.0.1",
	"ssh-weak-kex 10.0.0.1", "http-trace 10.0.0.1",
	"http-headers 10.0.0.1", "mysql-open 10.0.1.5", "http-headers 10.3.0.1", "smtp-open-relay 10.5.0.1",
	"icmp-timestamp 10.0.0.1",
}

// checksAt lists "check ip" of a vulnerability list.
func checksAt(r *apitest.Resp, list string) []string {
	checks, addrs := ids(r, list, "check_id"), ids(r, list, "ip")
	out := make([]string, len(checks))
	for i := range checks {
		out[i] = checks[i] + " " + addrs[i]
	}
	return out
}

func wantChecks(want ...string) func(t *testing.T, r *apitest.Resp) {
	return func(t *testing.T, r *apitest.Resp) {
		t.Helper()
		if got := checksAt(r, "vulnerabilities"); strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Errorf("vulnerabilities = %v\nwant %v", got, want)
		}
	}
}

func TestVulnerabilities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newResultsWorld(t, engine)
		c1, c2 := w.tr.c1, w.tr.c2
		me, other := w.tr.c1User, w.tr.c2Admin
		since := w.now.Add(-10 * 24 * time.Hour).Format("2006-01-02 15:04:05")
		ssh := w.fid(c1, "10.0.0.1", 22, "ssh-weak-kex")
		apitest.Run(t, []apitest.Scenario{
			{Name: "most severe first, then by address and port", As: me, Method: "GET", Path: "/v2/vulnerabilities", Status: 200,
				Want: []string{`"total_count":12`}, NotIn: []string{"their-secret"}, Check: wantChecks(c1Order...)},
			{Name: "a page across two severities", As: me, Method: "GET", Path: "/v2/vulnerabilities?per_page=3&page=2", Status: 200,
				Want: []string{`"total_count":12`, `"total_pages":4`, `"current_page":2`}, Check: wantChecks(c1Order[3:6]...)},
			{Name: "least severe first", As: me, Method: "GET", Path: "/v2/vulnerabilities?sort_by=severity&sort_order=asc&per_page=2", Status: 200,
				Check: wantChecks("icmp-timestamp 10.0.0.1", "http-headers 10.0.0.1")},
			{Name: "severity and address prefix", As: me, Method: "GET", Path: "/v2/vulnerabilities?q[severity]=high&q[host]=10.0.0.*", Status: 200,
				Check: wantChecks("http-dos 10.0.0.1", "tls-old 10.0.0.1")},
			{Name: "status fixed", As: me, Method: "GET", Path: "/v2/vulnerabilities?q[status]=fixed", Status: 200,
				Want: []string{`"fixed_at":"`}, Check: wantChecks("tls-old 10.0.0.1")},
			{Name: "status accepted", As: me, Method: "GET", Path: "/v2/vulnerabilities?q[status]=accepted", Status: 200, Check: wantChecks("weak-cipher 10.4.0.1")},
			{Name: "port", As: me, Method: "GET", Path: "/v2/vulnerabilities?q[port]=80", Status: 200, Want: []string{`"total_count":6`}},
			{Name: "CVE", As: me, Method: "GET", Path: "/v2/vulnerabilities?q[cve]=CVE-2014", Status: 200, Check: wantChecks("tls-old 10.0.0.1")},
			{Name: "target", As: me, Method: "GET", Path: "/v2/vulnerabilities?q[target]=" + w.pciAuto.target, Status: 200, Check: wantChecks("smtp-open-relay 10.5.0.1")},
			{Name: "scan", As: me, Method: "GET", Path: "/v2/vulnerabilities?q[scan]=" + w.pciOK.id, Status: 200,
				Check: wantChecks("http-dos 10.3.0.1", "http-headers 10.3.0.1")},
			{Name: "product", As: me, Method: "GET", Path: "/v2/vulnerabilities?q[product]=pci", Status: 200, Want: []string{`"total_count":0`}},
			{Name: "failing PCI", As: me, Method: "GET", Path: "/v2/vulnerabilities?q[pci_status]=fail", Status: 200, // fixed tls-old no longer counts
				Check: wantChecks("cve:CVE-2021-41773 10.0.0.2", "ssh-weak-kex 10.0.0.1", "http-trace 10.0.0.1",
					"mysql-open 10.0.1.5", "smtp-open-relay 10.5.0.1")},
			{Name: "first seen since", As: me, Method: "GET", Path: "/v2/vulnerabilities?date_range_start=" + strings.ReplaceAll(since, " ", "%20"), Status: 200,
				Check: wantChecks("http-dos 10.3.0.1", "weak-cipher 10.4.0.1", "http-trace 10.0.0.1", "http-headers 10.3.0.1", "smtp-open-relay 10.5.0.1")},
			{Name: "by CVSS", As: me, Method: "GET", Path: "/v2/vulnerabilities?sort_by=cvss_score%20desc&per_page=2", Status: 200,
				Check: wantChecks("cve:CVE-2021-41773 10.0.0.2", "weak-cipher 10.4.0.1")},
			{Name: "unknown sort column", As: me, Method: "GET", Path: "/v2/vulnerabilities?sort_by=owner", Status: 400, Want: []string{"sort_by"}},
			{Name: "unknown filter", As: me, Method: "GET", Path: "/v2/vulnerabilities?q[owner]=x", Status: 400, Want: []string{"q[owner]"}},
			{Name: "another organization's scan filters to nothing", As: me, Method: "GET", Path: "/v2/vulnerabilities?q[scan]=" + w.theirs.id, Status: 200,
				Want: []string{`"total_count":0`}},
			{Name: "another organization sees its own only", As: other, Method: "GET", Path: "/v2/vulnerabilities?q[host]=10.0.0.1&per_page=500", Status: 200,
				Want: []string{`"total_count":3`, "their-secret"}, NotIn: []string{"http-trace", "icmp-timestamp"}},

			{Name: "detail with the runs that saw it", As: me, Method: "GET", Path: "/v2/vulnerabilities/" + ssh, Status: 200,
				Want: []string{`"description":"Description of ssh-weak-kex"`, `"solution":"Solution of ssh-weak-kex"`, `"references":["https://example.test/ssh"]`,
					`"cvss_vector":"CVSS:3.1/AV:N"`, `"evidence":"Evidence of ssh-weak-kex"`, `"occurrences_count":2`, `"history_status":"completed"`},
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "vulnerability.occurrences", "history_id", w.run2, w.run1)
					wantField(t, r, "vulnerability.occurrences", "scan_id", w.web.id, w.web.id)
				}},
			{Name: "detail with KEV and EPSS", As: me, Method: "GET", Path: "/v2/vulnerabilities/" + w.fid(c1, "10.0.0.2", 80, "cve:CVE-2021-41773"), Status: 200,
				Want: []string{`"kev":true`, `"epss":0.97`, `"cves":["CVE-2021-41773"]`, `"severity":"critical"`, `"pci_status":"fail"`}},
			{Name: "a DoS-only finding passes PCI", As: me, Method: "GET", Path: "/v2/vulnerabilities/" + w.fid(c1, "10.0.0.1", 80, "http-dos"), Status: 200,
				Want: []string{`"pci_status":"pass"`, `"dos_only":true`}},
			{Name: "another organization's finding", As: me, Method: "GET", Path: "/v2/vulnerabilities/" + w.fid(c2, "10.0.0.1", 8443, "their-secret"), Status: 404},
			{Name: "the finding as another organization", As: other, Method: "GET", Path: "/v2/vulnerabilities/" + ssh, Status: 404},
			{Name: "an id that is no id", As: me, Method: "GET", Path: "/v2/vulnerabilities/ssh-weak-kex", Status: 404},
		})
		// Counts follow new results.
		const path = "/v2/vulnerabilities?q[host]=10.0.0.*"
		if n := num(me.Do("GET", path, nil), "pagination.total_count"); n != 7 {
			t.Fatalf("before the run: %d findings on 10.0.0.*", n)
		}
		storeRun(t, w.tr.e.Store, w.web, w.now.Add(-time.Hour), "completed", []hostSeed{
			with(web1, sshKex, httpHeader, httpDoS, icmp, httpTrace, findingSeed{port: 22, check: "ssh-new", severity: "high", cvss: 7.0})})
		if r := me.Do("GET", path, nil); num(r, "pagination.total_count") != 8 || !strings.Contains(string(r.Body), "ssh-new") {
			t.Fatalf("after the run: %s", r)
		}
	})
}

func TestVulnerabilityWidgets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newResultsWorld(t, engine)
		me, other := w.tr.c1User, w.tr.c2Admin
		apitest.Run(t, []apitest.Scenario{
			{Name: "totals: open now against 30 days ago", As: me, Method: "GET", Path: "/v2/vulnerabilities/widgets/total", Status: 200,
				Want: []string{`"period":"30d"`, `"by_status":{"accepted":1,"false_positive":0,"fixed":1,"open":10,"reopened":0}`},
				Check: func(t *testing.T, r *apitest.Resp) {
					wantNums(t, r, map[string]int{"totals.open.total": 10, "totals.open.critical": 1, "totals.open.high": 2, "totals.open.medium": 2,
						"totals.open.low": 4, "totals.open.info": 1, "totals.open_at_period_start.total": 7, "totals.open_at_period_start.high": 2,
						"totals.change": 3})
					if pct, _ := r.Get("totals.change_percentage").(float64); pct < 42.8 || pct > 42.9 {
						t.Errorf("change_percentage %v", r.Get("totals.change_percentage"))
					}
				}},
			{Name: "totals over a year", As: me, Method: "GET", Path: "/v2/vulnerabilities/widgets/total?period=1y", Status: 200,
				Want: []string{`"change":10`, `"change_percentage":null`}},
			{Name: "totals over a week", As: me, Method: "GET", Path: "/v2/vulnerabilities/widgets/total?period=7d", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					// 7 days ago: the first run's seven findings, tls-old not yet fixed.
					wantNums(t, r, map[string]int{"totals.open_at_period_start.total": 7, "totals.change": 3})
				}},
			{Name: "totals: malformed period", As: me, Method: "GET", Path: "/v2/vulnerabilities/widgets/total?period=soon", Status: 400, Want: []string{`"period"`}},
			{Name: "totals: a calendar quarter is no period", As: me, Method: "GET", Path: "/v2/vulnerabilities/widgets/total?period=1q2020", Status: 400},
			{Name: "totals of another organization", As: other, Method: "GET", Path: "/v2/vulnerabilities/widgets/total", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					wantNums(t, r, map[string]int{"totals.open.total": 3, "totals.by_status.fixed": 0, "totals.by_status.accepted": 0})
				}},

			{Name: "top by affected hosts × severity weight", As: me, Method: "GET", Path: "/v2/vulnerabilities/widgets/top?limit=3", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "vulnerabilities", "check_id", "cve:CVE-2021-41773", "http-dos", "ssh-weak-kex")
					wantField(t, r, "vulnerabilities", "score", "10", "10", "2")
					wantField(t, r, "vulnerabilities", "affected_hosts", "1", "2", "1")
				}},
			{Name: "top leaves fixed and accepted out", As: me, Method: "GET", Path: "/v2/vulnerabilities/widgets/top?limit=100", Status: 200,
				NotIn: []string{"tls-old", "weak-cipher", "their-secret"}},
			{Name: "top: limit out of range", As: me, Method: "GET", Path: "/v2/vulnerabilities/widgets/top?limit=0", Status: 400, Want: []string{`"limit"`}},
			{Name: "top: limit not a number", As: me, Method: "GET", Path: "/v2/vulnerabilities/widgets/top?limit=ten", Status: 400},
			{Name: "top of another organization", As: other, Method: "GET", Path: "/v2/vulnerabilities/widgets/top", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "vulnerabilities", "check_id", "their-secret", "tls-old", "ssh-weak-kex")
					wantField(t, r, "vulnerabilities", "affected_hosts", "1", "1", "1")
				}},

			{Name: "PCI per scan and target", As: me, Method: "GET", Path: "/v2/vulnerabilities/widgets/pci_compliant", Status: 200,
				Want: []string{`"compliant":false`, `"failing_count":5`}, NotIn: []string{w.empty.id, w.theirs.id},
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "pci_compliant.scans", "scan_name", "PCI accepted", "PCI autofail", "PCI ok", "Web")
					wantField(t, r, "pci_compliant.scans", "compliant", "true", "false", "true", "false")
					wantField(t, r, "pci_compliant.scans", "failing", "0", "1", "0", "4")
					wantField(t, r, "pci_compliant.scans", "history_id", w.acceptedRun, w.autoRun, w.okRun, w.run2)
					wantField(t, r, "pci_compliant.targets", "target_name", "PCI accepted hosts", "PCI autofail hosts", "PCI ok hosts", "Web hosts")
					wantField(t, r, "pci_compliant.targets", "compliant", "true", "false", "true", "false")
					wantField(t, r, "pci_compliant.failing_vulnerabilities", "check_id", "cve:CVE-2021-41773", "ssh-weak-kex", "http-trace",
						"mysql-open", "smtp-open-relay")
				}},
			{Name: "PCI: failing findings limited", As: me, Method: "GET", Path: "/v2/vulnerabilities/widgets/pci_compliant?limit=2", Status: 200,
				Want: []string{`"failing_count":5`},
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "pci_compliant.failing_vulnerabilities", "check_id", "cve:CVE-2021-41773", "ssh-weak-kex")
				}},
			{Name: "PCI of one product", As: me, Method: "GET", Path: "/v2/vulnerabilities/widgets/pci_compliant?product=pci", Status: 200,
				Want: []string{`"compliant":true`, `"scans":[]`, `"failing_count":0`}},
			{Name: "PCI: unknown product", As: me, Method: "GET", Path: "/v2/vulnerabilities/widgets/pci_compliant?product=gold", Status: 400},
			{Name: "PCI of another organization", As: other, Method: "GET", Path: "/v2/vulnerabilities/widgets/pci_compliant", Status: 200,
				Want: []string{`"failing_count":3`, "their-secret"}, NotIn: []string{w.web.id, "mysql-open"},
				Check: func(t *testing.T, r *apitest.Resp) { wantField(t, r, "pci_compliant.scans", "scan_name", "Theirs") }},
		})
		// Accepting a finding (an exception) turns a scan compliant: the
		// widget follows current statuses once the results move on.
		setFindingStatus(t, w.tr.e.Store, w.fid(w.tr.c1, "10.5.0.1", 25, "smtp-open-relay"), "accepted")
		storeRun(t, w.tr.e.Store, w.pciOK, w.now.Add(-time.Hour), "completed", []hostSeed{with(hostSeed{ip: "10.3.0.1"})})
		r := me.Do("GET", "/v2/vulnerabilities/widgets/pci_compliant", nil)
		wantField(t, r, "pci_compliant.scans", "compliant", "true", "true", "true", "false")
	})
}
