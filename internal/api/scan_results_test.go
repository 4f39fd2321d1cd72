package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// seededScan is a scan created through the API.
type seededScan struct {
	org, id, target, product string
}

// newScan creates a target on hosts and a scan of it as c, in organization org.
func newScan(t testing.TB, c *apitest.Client, org, name, hosts string) seededScan {
	t.Helper()
	tg := c.Do("POST", "/v2/targets", map[string]any{"name": name + " hosts", "hosts": hosts, "product": "vrms"})
	if tg.Status != 201 {
		t.Fatalf("target: %s", tg)
	}
	sc := c.Do("POST", "/v2/scans", map[string]any{"name": name, "target_id": tg.Str("target.id")})
	if sc.Status != 201 {
		t.Fatalf("scan: %s", sc)
	}
	return seededScan{org: org, id: sc.Str("scan.id"), target: tg.Str("target.id"), product: sc.Str("scan.product")}
}

// hostSeed is what a run finds on one host.
type hostSeed struct {
	ip        string
	hostnames []string
	os        string
	services  []scan.Service // Port, Protocol, Service, Product, Version, TLS
	findings  []findingSeed
}

// findingSeed is one finding of a host.
type findingSeed struct {
	port      int // 0: about the host
	check     string
	severity  string
	cvss      float64
	autoFail  bool
	dosOnly   bool
	cves      []string
	kev       bool
	epss      float64
	reference string
}

// storeRun writes a run of sc that found hosts, the way a running scan writes
// it (one batch, then the end of the run: fixed findings, counts, verdict), and
// returns the run's id.
func storeRun(t testing.TB, s *store.Store, sc seededScan, at time.Time, status string, hosts []hostSeed) string {
	t.Helper()
	ctx := context.Background()
	runID := uuid.Must(uuid.NewV7()).String()
	ref := store.RunRef{ID: runID, OrganizationID: sc.org, ScanID: sc.id, TargetID: sc.target, Product: sc.product}
	run := scan.Run{ID: runID, OrganizationID: sc.org, ScanID: sc.id, TargetID: sc.target, Status: scan.StatusRunning,
		Trigger: scan.TriggerManual, Attempt: 1, Hosts: "seeded", Ports: "T:1-65535", EngineProfile: "quick", QueuedAt: at,
		Settings: scan.Settings{ServiceDetection: true, Checks: true}}
	results := make([]store.HostResult, 0, len(hosts))
	for _, h := range hosts {
		results = append(results, hostResult(ref, h, at))
	}
	err := s.Tx(ctx, func(q *store.Q) error {
		if err := q.CreateRun(ctx, run); err != nil {
			return err
		}
		if err := q.StartRun(ctx, sc.org, runID, at); err != nil {
			return err
		}
		return q.SaveHostResults(ctx, ref, results, at)
	})
	if err != nil {
		t.Fatal(err)
	}
	done := at.Add(time.Minute)
	err = s.Tx(ctx, func(q *store.Q) error {
		if status == scan.StatusCompleted || status == scan.StatusStopped {
			cands, err := q.FixCandidates(ctx, sc.org, runID)
			if err != nil {
				return err
			}
			var ids []string
			for _, c := range cands {
				ids = append(ids, c.ID)
			}
			if err := q.MarkFixed(ctx, sc.org, ids, done); err != nil {
				return err
			}
		}
		counts, compliant, err := q.RunFindingStats(ctx, sc.org, runID)
		if err != nil {
			return err
		}
		run.Stats = counts
		run.Stats.HostsTotal, run.Stats.HostsUp = len(hosts), len(hosts)
		run.Status, run.FinishedAt, run.HeartbeatAt, run.Progress = status, &done, &done, 100
		if status == scan.StatusCompleted {
			run.PCICompliant = &compliant
		}
		if err := q.FinishRun(ctx, run); err != nil {
			return err
		}
		return q.SetScanRunState(ctx, sc.org, sc.id, runID, status, 100, done)
	})
	if err != nil {
		t.Fatal(err)
	}
	return runID
}

// hostResult turns a hostSeed into the rows a run stores for it.
func hostResult(ref store.RunRef, h hostSeed, at time.Time) store.HostResult {
	hostID := scan.HostID(ref.OrganizationID, h.ip)
	hr := store.HostResult{
		Host: scan.Host{ID: hostID, IP: h.ip, Hostnames: h.hostnames, OS: h.os, Status: "up", OpenPorts: len(h.services)},
		RunHost: scan.RunHost{ID: scan.RunHostID(ref.ID, h.ip), RunID: ref.ID, HostID: hostID, IP: h.ip, Hostnames: h.hostnames,
			Status: "up", Reason: "syn-ack", OS: h.os, RTT: 300 * time.Microsecond, OpenPorts: len(h.services), ScannedAt: at},
	}
	for _, s := range h.services {
		s.ID, s.RunID, s.HostID, s.State = scan.ServiceID(ref.ID, hostID, s.Port, s.Protocol), ref.ID, hostID, "open"
		hr.Services = append(hr.Services, s)
		hr.Host.Services += s.Service + " "
	}
	hostname := ""
	if len(h.hostnames) > 0 {
		hostname = h.hostnames[0]
	}
	for _, f := range h.findings {
		proto := "tcp"
		if f.port == 0 {
			proto = ""
		}
		refs := []string{}
		if f.reference != "" {
			refs = append(refs, f.reference)
		}
		hr.Findings = append(hr.Findings, scan.Finding{ID: scan.FindingID(ref.OrganizationID, hostID, f.port, proto, f.check),
			HostID: hostID, IP: h.ip, Hostname: hostname, Port: f.port, Protocol: proto, CheckID: f.check, Title: "Title of " + f.check,
			Description: "Description of " + f.check, Solution: "Solution of " + f.check, References: refs, CVEs: f.cves,
			CVSSScore: f.cvss, CVSSVector: "CVSS:3.1/AV:N", Severity: f.severity, Confidence: 90, Evidence: "Evidence of " + f.check,
			PCIAutoFail: f.autoFail, DoSOnly: f.dosOnly, KEV: f.kev, EPSS: f.epss})
		hr.RunHost.Counts.Add(f.severity)
	}
	return hr
}

// setFindingStatus changes a finding's status directly, as an exception will.
func setFindingStatus(t testing.TB, s *store.Store, id, status string) {
	t.Helper()
	ctx := context.Background()
	var err error
	if s.Engine() == store.Postgres {
		_, err = s.PGPool().Exec(ctx, `UPDATE findings SET status = $1 WHERE id = $2`, status, id)
	} else {
		_, err = s.SQLiteWriter().ExecContext(ctx, `UPDATE findings SET status = ? WHERE id = ?`, status, id)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// resultsWorld is the tree of organizations with scans and runs that the
// result tests read. Customer C1 has:
//
//   - "Web" on 10.0.0.1, 10.0.0.2, 10.0.1.5: run1 40 days ago, run2 5 days ago.
//     run2 no longer sees tls-old on 10.0.0.1 (fixed) and sees http-trace
//     (new); the other six findings are unchanged.
//   - "Empty": never run.
//   - "PCI ok" on 10.3.0.1: a DoS-only high and a low finding — compliant.
//   - "PCI accepted" on 10.4.0.1: a high finding, then accepted — compliant now.
//   - "PCI autofail" on 10.5.0.1: a low automatic failure — not compliant.
//
// Customer C2 has "Theirs" on 10.0.0.1 with the same checks and more.
type resultsWorld struct {
	tr                                      *tree
	web, empty, pciOK, pciAccepted, pciAuto seededScan
	theirs                                  seededScan
	run1, run2, okRun, acceptedRun, autoRun string
	theirRun                                string
	now                                     time.Time
}

var (
	web1 = hostSeed{ip: "10.0.0.1", hostnames: []string{"web1.example.test"}, os: "Linux 5.x", services: []scan.Service{
		{Port: 22, Protocol: "tcp", Service: "ssh", Product: "OpenSSH", Version: "8.9p1"},
		{Port: 80, Protocol: "tcp", Service: "http", Product: "nginx", Version: "1.24.0"},
		{Port: 443, Protocol: "tcp", Service: "https", Product: "nginx", Version: "1.24.0", TLS: true}}}
	web2 = hostSeed{ip: "10.0.0.2", os: "FreeBSD", services: []scan.Service{
		{Port: 80, Protocol: "tcp", Service: "http", Product: "Apache httpd", Version: "2.4.49"}}}
	db1 = hostSeed{ip: "10.0.1.5", hostnames: []string{"db.example.test"}, services: []scan.Service{
		{Port: 3306, Protocol: "tcp", Service: "mysql", Product: "MySQL", Version: "8.0.36"}}}

	sshKex     = findingSeed{port: 22, check: "ssh-weak-kex", severity: "medium", cvss: 5.3, reference: "https://example.test/ssh"}
	tlsOld     = findingSeed{port: 443, check: "tls-old", severity: "high", cvss: 7.4, cves: []string{"CVE-2014-3566"}}
	httpHeader = findingSeed{port: 80, check: "http-headers", severity: "low", cvss: 2.6}
	httpDoS    = findingSeed{port: 80, check: "http-dos", severity: "high", cvss: 7.5, dosOnly: true}
	icmp       = findingSeed{port: 0, check: "icmp-timestamp", severity: "info", cvss: 0}
	httpTrace  = findingSeed{port: 80, check: "http-trace", severity: "medium", cvss: 4.3}
	apacheCVE  = findingSeed{port: 80, check: "cve:CVE-2021-41773", severity: "critical", cvss: 9.8, cves: []string{"CVE-2021-41773"}, kev: true, epss: 0.97}
	mysqlOpen  = findingSeed{port: 3306, check: "mysql-open", severity: "low", cvss: 3.0, autoFail: true}
)

func with(h hostSeed, fs ...findingSeed) hostSeed {
	h.findings = fs
	return h
}

func newResultsWorld(t *testing.T, engine string) *resultsWorld {
	t.Helper()
	tr := newTree(t, engine)
	s := tr.e.Store
	w := &resultsWorld{tr: tr, now: time.Now().UTC().Truncate(time.Second)}
	w.web = newScan(t, tr.c1User, tr.c1, "Web", "10.0.0.0/23")
	w.empty = newScan(t, tr.c1User, tr.c1, "Empty", "10.2.0.0/24")
	w.pciOK = newScan(t, tr.c1User, tr.c1, "PCI ok", "10.3.0.1")
	w.pciAccepted = newScan(t, tr.c1User, tr.c1, "PCI accepted", "10.4.0.1")
	w.pciAuto = newScan(t, tr.c1User, tr.c1, "PCI autofail", "10.5.0.1")
	w.theirs = newScan(t, tr.c2Admin, tr.c2, "Theirs", "10.0.0.0/24")

	w.run1 = storeRun(t, s, w.web, w.now.Add(-40*24*time.Hour), scan.StatusCompleted, []hostSeed{
		with(web1, sshKex, tlsOld, httpHeader, httpDoS, icmp), with(web2, apacheCVE), with(db1, mysqlOpen)})
	w.run2 = storeRun(t, s, w.web, w.now.Add(-5*24*time.Hour), scan.StatusCompleted, []hostSeed{
		with(web1, sshKex, httpHeader, httpDoS, icmp, httpTrace), with(web2, apacheCVE), with(db1, mysqlOpen)})
	w.okRun = storeRun(t, s, w.pciOK, w.now.Add(-2*24*time.Hour), scan.StatusCompleted, []hostSeed{
		with(hostSeed{ip: "10.3.0.1"}, findingSeed{port: 80, check: "http-dos", severity: "high", cvss: 7.5, dosOnly: true},
			findingSeed{port: 80, check: "http-headers", severity: "low", cvss: 3.1})})
	w.acceptedRun = storeRun(t, s, w.pciAccepted, w.now.Add(-2*24*time.Hour+time.Hour), scan.StatusCompleted, []hostSeed{
		with(hostSeed{ip: "10.4.0.1"}, findingSeed{port: 443, check: "weak-cipher", severity: "high", cvss: 8.0})})
	setFindingStatus(t, s, w.fid(w.tr.c1, "10.4.0.1", 443, "weak-cipher"), scan.FindingAccepted)
	w.autoRun = storeRun(t, s, w.pciAuto, w.now.Add(-2*24*time.Hour+2*time.Hour), scan.StatusCompleted, []hostSeed{
		with(hostSeed{ip: "10.5.0.1"}, findingSeed{port: 25, check: "smtp-open-relay", severity: "low", cvss: 2.0, autoFail: true})})
	w.theirRun = storeRun(t, s, w.theirs, w.now.Add(-3*24*time.Hour), scan.StatusCompleted, []hostSeed{
		with(web1, sshKex, tlsOld, findingSeed{port: 8443, check: "their-secret", severity: "critical", cvss: 10})})
	return w
}

// fid is the id of an organization's finding on an address, port and check.
func (w *resultsWorld) fid(org, ip string, port int, check string) string {
	proto := "tcp"
	if port == 0 {
		proto = ""
	}
	return scan.FindingID(org, scan.HostID(org, ip), port, proto, check)
}

// hid is the inventory id of an organization's address.
func (w *resultsWorld) hid(org, ip string) string { return scan.HostID(org, ip) }

// num reads a number from a JSON body (-1 when absent).
func num(r *apitest.Resp, path string) int {
	f, ok := r.Get(path).(float64)
	if !ok {
		return -1
	}
	return int(f)
}

// wantNums checks numbers at JSON paths.
func wantNums(t *testing.T, r *apitest.Resp, want map[string]int) {
	t.Helper()
	for path, n := range want {
		if got := num(r, path); got != n {
			t.Errorf("%s = %d, want %d", path, got, n)
		}
	}
}

// wantField checks a field of every item of a list, in order.
func wantField(t *testing.T, r *apitest.Resp, list, field string, want ...string) {
	t.Helper()
	if got := ids(r, list, field); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s[].%s = %v, want %v", list, field, got, want)
	}
}

func TestScanResults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		w := newResultsWorld(t, engine)
		c1, c2 := w.tr.c1, w.tr.c2
		me, other := w.tr.c1User, w.tr.c2Admin
		base := "/v2/scans/" + w.web.id
		apitest.Run(t, []apitest.Scenario{
			{Name: "hosts of the latest run", As: me, Method: "GET", Path: base + "/hosts", Status: 200,
				Want: []string{`"history_id":"` + w.run2 + `"`, `"hostname":"web1.example.test"`, `"product":"OpenSSH"`},
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "hosts", "ip", "10.0.0.1", "10.0.0.2", "10.0.1.5")
					wantField(t, r, "hosts", "id", w.hid(c1, "10.0.0.1"), w.hid(c1, "10.0.0.2"), w.hid(c1, "10.0.1.5"))
					wantNums(t, r, map[string]int{"pagination.total_count": 3, "hosts.0.open_ports": 3, "hosts.0.vulnerabilities.total": 5,
						"hosts.0.vulnerabilities.medium": 2, "hosts.1.vulnerabilities.critical": 1})
					if svcs, _ := r.Get("hosts.0.services").([]any); len(svcs) != 3 {
						t.Errorf("services of 10.0.0.1: %v", svcs)
					}
				}},
			{Name: "hosts of an earlier run", As: me, Method: "GET", Path: base + "/hosts?history_id=" + w.run1, Status: 200,
				Want: []string{`"history_id":"` + w.run1 + `"`},
				Check: func(t *testing.T, r *apitest.Resp) {
					wantNums(t, r, map[string]int{"hosts.0.vulnerabilities.high": 2, "hosts.0.vulnerabilities.medium": 1})
				}},
			{Name: "hosts with an open port", As: me, Method: "GET", Path: base + "/hosts?q[port]=3306", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { wantField(t, r, "hosts", "ip", "10.0.1.5") }},
			{Name: "hosts by address prefix", As: me, Method: "GET", Path: base + "/hosts?q[ip]=10.0.0.*", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { wantField(t, r, "hosts", "ip", "10.0.0.1", "10.0.0.2") }},
			{Name: "hosts with a critical finding", As: me, Method: "GET", Path: base + "/hosts?q[severity]=critical", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { wantField(t, r, "hosts", "ip", "10.0.0.2") }},
			{Name: "hosts, least risky first", As: me, Method: "GET", Path: base + "/hosts?sort_by=risk", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					if ip := r.Str("hosts.0.ip"); ip != "10.0.1.5" {
						t.Errorf("least risky host %s, want 10.0.1.5", ip)
					}
				}},
			{Name: "unknown filter", As: me, Method: "GET", Path: base + "/hosts?q[cvss]=1", Status: 400, Want: []string{"q[cvss]"}},
			{Name: "history of another scan", As: me, Method: "GET", Path: base + "/hosts?history_id=" + w.okRun, Status: 404},
			{Name: "history of another organization", As: me, Method: "GET", Path: base + "/hosts?history_id=" + w.theirRun, Status: 404},
			{Name: "history that is no id", As: me, Method: "GET", Path: base + "/hosts?history_id=latest", Status: 404},
			{Name: "a scan that never ran has no hosts", As: me, Method: "GET", Path: "/v2/scans/" + w.empty.id + "/hosts", Status: 200,
				Want: []string{`"history_id":null`, `"hosts":[]`, `"total_count":0`}},
			{Name: "another organization's scan", As: other, Method: "GET", Path: base + "/hosts", Status: 404},

			{Name: "a host in the latest run", As: me, Method: "GET", Path: base + "/hosts/" + w.hid(c1, "10.0.0.1"), Status: 200,
				Want: []string{`"ip":"10.0.0.1"`, `"tls":true`, `"check_id":"http-trace"`}, NotIn: []string{`"check_id":"tls-old"`},
				Check: func(t *testing.T, r *apitest.Resp) {
					wantNums(t, r, map[string]int{"host.findings_count": 5})
					wantField(t, r, "host.findings", "severity", "high", "medium", "medium", "low", "info")
					wantField(t, r, "host.services", "port", "22", "80", "443")
				}},
			{Name: "a host in an earlier run", As: me, Method: "GET", Path: base + "/hosts/" + w.hid(c1, "10.0.0.1") + "?history_id=" + w.run1, Status: 200,
				Want: []string{`"check_id":"tls-old"`}, NotIn: []string{`"check_id":"http-trace"`}},
			{Name: "a host the run did not see", As: me, Method: "GET", Path: base + "/hosts/" + w.hid(c1, "10.3.0.1"), Status: 404},
			{Name: "another organization's host id", As: me, Method: "GET", Path: base + "/hosts/" + w.hid(c2, "10.0.0.1"), Status: 404},
			{Name: "a host of a scan that never ran", As: me, Method: "GET", Path: "/v2/scans/" + w.empty.id + "/hosts/" + w.hid(c1, "10.0.0.1"), Status: 404},
			{Name: "the host as another organization", As: other, Method: "GET", Path: base + "/hosts/" + w.hid(c1, "10.0.0.1"), Status: 404},

			{Name: "findings of the latest run", As: me, Method: "GET", Path: base + "/vulnerabilities", Status: 200,
				Want: []string{`"history_id":"` + w.run2 + `"`}, NotIn: []string{"tls-old", "their-secret"},
				Check: func(t *testing.T, r *apitest.Resp) {
					wantNums(t, r, map[string]int{"pagination.total_count": 7})
					wantField(t, r, "vulnerabilities", "check_id", "cve:CVE-2021-41773", "http-dos", "ssh-weak-kex", "http-trace",
						"http-headers", "mysql-open", "icmp-timestamp")
				}},
			{Name: "findings by severity", As: me, Method: "GET", Path: base + "/vulnerabilities?q[severity]=critical,high", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "vulnerabilities", "check_id", "cve:CVE-2021-41773", "http-dos")
				}},
			{Name: "findings by host prefix", As: me, Method: "GET", Path: base + "/vulnerabilities?q[host]=10.0.1.*", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) { wantField(t, r, "vulnerabilities", "check_id", "mysql-open") }},
			{Name: "findings by port", As: me, Method: "GET", Path: base + "/vulnerabilities?q[port]=80&sort_by=cvss_score", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "vulnerabilities", "check_id", "http-headers", "http-trace", "http-dos", "cve:CVE-2021-41773")
				}},
			{Name: "findings by CVE", As: me, Method: "GET", Path: base + "/vulnerabilities?q[cve]=cve-2021-*", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "vulnerabilities", "check_id", "cve:CVE-2021-41773")
				}},
			{Name: "findings failing PCI", As: me, Method: "GET", Path: base + "/vulnerabilities?q[pci_status]=fail", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "vulnerabilities", "check_id", "cve:CVE-2021-41773", "ssh-weak-kex", "http-trace", "mysql-open")
				}},
			{Name: "findings passing PCI", As: me, Method: "GET", Path: base + "/vulnerabilities?q[pci_status]=pass", Status: 200,
				Check: func(t *testing.T, r *apitest.Resp) {
					wantField(t, r, "vulnerabilities", "check_id", "http-dos", "http-headers", "icmp-timestamp")
				}},
			{Name: "findings of an earlier run", As: me, Method: "GET", Path: base + "/vulnerabilities?history_id=" + w.run1, Status: 200,
				Want: []string{`"check_id":"tls-old"`, `"status":"fixed"`}, NotIn: []string{"http-trace"}},
			{Name: "findings of a scan that never ran", As: me, Method: "GET", Path: "/v2/scans/" + w.empty.id + "/vulnerabilities", Status: 200,
				Want: []string{`"vulnerabilities":[]`, `"history_id":null`}},
			{Name: "findings of another organization's scan", As: me, Method: "GET", Path: "/v2/scans/" + w.theirs.id + "/vulnerabilities", Status: 404},

			{Name: "a finding of the latest run", As: me, Method: "GET", Path: base + "/vulnerabilities/" + w.fid(c1, "10.0.0.1", 22, "ssh-weak-kex"), Status: 200,
				Want: []string{`"description":"Description of ssh-weak-kex"`, `"solution":"Solution of ssh-weak-kex"`, `"references":["https://example.test/ssh"]`,
					`"cvss_score":5.3`, `"evidence":"Evidence of ssh-weak-kex"`, `"history_id":"` + w.run2 + `"`, `"seen_at"`, `"pci_status":"fail"`}},
			{Name: "a finding the latest run did not see", As: me, Method: "GET", Path: base + "/vulnerabilities/" + w.fid(c1, "10.0.0.1", 443, "tls-old"), Status: 404},
			{Name: "that finding in the run that saw it", As: me, Method: "GET", Path: base + "/vulnerabilities/" + w.fid(c1, "10.0.0.1", 443, "tls-old") + "?history_id=" + w.run1,
				Status: 200, Want: []string{`"cves":["CVE-2014-3566"]`, `"status":"fixed"`}},
			{Name: "another organization's finding", As: me, Method: "GET", Path: base + "/vulnerabilities/" + w.fid(c2, "10.0.0.1", 8443, "their-secret"), Status: 404},
			{Name: "the finding as another organization", As: other, Method: "GET", Path: base + "/vulnerabilities/" + w.fid(c1, "10.0.0.1", 22, "ssh-weak-kex"), Status: 404},

			{Name: "statistics of the latest run", As: me, Method: "GET", Path: base + "/statistics", Status: 200,
				Want: []string{`"history_id":"` + w.run2 + `"`, `"previous_history_id":"` + w.run1 + `"`, `"compliant":false`},
				Check: func(t *testing.T, r *apitest.Resp) {
					wantNums(t, r, map[string]int{"statistics.vulnerabilities.total": 7, "statistics.vulnerabilities.critical": 1,
						"statistics.vulnerabilities.high": 1, "statistics.vulnerabilities.medium": 2, "statistics.vulnerabilities.low": 2,
						"statistics.vulnerabilities.info": 1, "statistics.delta.new": 1, "statistics.delta.fixed": 1,
						"statistics.delta.unchanged": 6, "statistics.pci.failing": 4, "statistics.hosts_up": 3,
						"statistics.ports.0.port": 80, "statistics.ports.0.findings": 4, "statistics.ports.0.hosts": 2,
						"statistics.services.0.findings": 4, "statistics.services.0.ports": 2})
					if s := r.Str("statistics.services.0.service"); s != "http" {
						t.Errorf("top service %q", s)
					}
					if hosts := ids(r, "statistics.top_hosts", "ip"); len(hosts) != 3 || hosts[2] != "10.0.1.5" {
						t.Errorf("top hosts %v", hosts)
					}
				}},
			{Name: "statistics of the first run", As: me, Method: "GET", Path: base + "/statistics?history_id=" + w.run1, Status: 200,
				Want: []string{`"previous_history_id":null`},
				Check: func(t *testing.T, r *apitest.Resp) {
					wantNums(t, r, map[string]int{"statistics.delta.new": 7, "statistics.delta.fixed": 0, "statistics.delta.unchanged": 0,
						"statistics.vulnerabilities.high": 2})
				}},
			{Name: "a DoS-only high finding does not fail PCI", As: me, Method: "GET", Path: "/v2/scans/" + w.pciOK.id + "/statistics", Status: 200,
				Want: []string{`"pci":{"compliant":true,"failing":0}`}},
			{Name: "an accepted finding does not count", As: me, Method: "GET", Path: "/v2/scans/" + w.pciAccepted.id + "/statistics", Status: 200,
				Want: []string{`"pci":{"compliant":true,"failing":0}`}},
			{Name: "a low automatic failure fails PCI", As: me, Method: "GET", Path: "/v2/scans/" + w.pciAuto.id + "/statistics", Status: 200,
				Want: []string{`"pci":{"compliant":false,"failing":1}`}},
			{Name: "statistics of a scan that never ran", As: me, Method: "GET", Path: "/v2/scans/" + w.empty.id + "/statistics", Status: 200,
				Want: []string{`"history_id":null`, `"pci":{"compliant":null,"failing":0}`, `"total":0`, `"top_hosts":[]`, `"ports":[]`}},
			{Name: "statistics of another organization's scan", As: other, Method: "GET", Path: base + "/statistics", Status: 404},
			{Name: "statistics of another organization's run", As: me, Method: "GET", Path: base + "/statistics?history_id=" + w.theirRun, Status: 404},
		})
	})
}
