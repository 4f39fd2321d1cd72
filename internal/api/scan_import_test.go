package api_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// nessusReport is a .nessus v2 file with one host; plugins are (id, port,
// severity, CVSS 3 score) rows.
func nessusReport(ip string, plugins ...[4]any) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<?xml version=\"1.0\" ?>\n<NessusClientData_v2>\n<Report name=\"t\">\n<ReportHost name=%q><HostProperties><tag name=\"host-ip\">%s</tag></HostProperties>\n", ip, ip)
	for _, p := range plugins {
		fmt.Fprintf(&b, "<ReportItem port=\"%d\" svc_name=\"www\" protocol=\"tcp\" severity=\"%d\" pluginID=\"%d\" pluginName=\"Plugin %d\">"+
			"<cvss3_base_score>%v</cvss3_base_score><cvss3_vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N</cvss3_vector>"+
			"<solution>Fix %d.</solution></ReportItem>\n", p[1], p[2], p[0], p[0], p[3], p[0])
	}
	b.WriteString("</ReportHost>\n</Report>\n</NessusClientData_v2>\n")
	return b.String()
}

const importNmap = `<?xml version="1.0"?>
<nmaprun scanner="nmap" version="7.93" start="1733500000">
<host><status state="up" reason="syn-ack"/><address addr="192.0.2.7" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="22"><state state="open"/><service name="ssh" product="OpenSSH" version="9.2p1"><cpe>cpe:/a:openbsd:openssh:9.2p1</cpe></service>
<script id="vulners" output="..."><table key="cpe:/a:openbsd:openssh:9.2p1"><table><elem key="cvss">8.1</elem><elem key="id">CVE-2024-6387</elem><elem key="type">cve</elem></table></table></script>
</port></ports></host>
<runstats><finished time="1733500100"/></runstats></nmaprun>
`

func TestScanImport(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			e := apitest.New(t, engine)
			org := e.NewOrg(e.Admin, map[string]any{"name": "Import Co"})
			admin := e.NewUser(e.Admin, org, "admin")
			sc := newScan(t, admin, org, "Imported", "192.0.2.0/28")
			path := "/v2/scans/" + sc.id + "/import"
			post := func(c *apitest.Client, query, ctype, body string) *apitest.Resp {
				return rawRequest(t, e, c, "POST", path+query, ctype, strings.NewReader(body))
			}
			histories := func() int {
				r := admin.Do("GET", "/v2/scans/"+sc.id+"/histories", nil)
				n, _ := r.Get("pagination.total_count").(float64)
				return int(n)
			}

			// A first Nessus report: two findings, one failing PCI.
			first := post(admin, "", "application/xml", nessusReport("192.0.2.5", [4]any{1001, 443, 2, 5.3}, [4]any{1002, 80, 1, 3.1}))
			if first.Status != 201 || first.Str("history.status") != "completed" || first.Str("history.trigger") != "import" ||
				first.Str("import.format") != "nessus" || first.Get("import.findings") != 2.0 {
				t.Fatalf("first import: %s", first)
			}
			vulns := admin.Do("GET", "/v2/vulnerabilities?q[host]=192.0.2.5&sort_by=severity&sort_order=desc", nil)
			if vulns.Get("pagination.total_count") != 2.0 || vulns.Str("vulnerabilities.0.check_id") != "nessus:1001" ||
				vulns.Str("vulnerabilities.0.pci_status") != "fail" || vulns.Str("vulnerabilities.1.pci_status") != "pass" {
				t.Errorf("findings after the first import: %s", vulns)
			}
			if d := admin.Do("GET", "/v2/vulnerabilities/"+vulns.Str("vulnerabilities.0.id"), nil); !strings.Contains(string(d.Body), "Fix 1001.") {
				t.Errorf("the solution was not kept: %s", d)
			}
			stats := admin.Do("GET", "/v2/scans/"+sc.id+"/statistics", nil)
			if stats.Status != 200 || !strings.Contains(string(stats.Body), `"pci":{"compliant":false,"failing":1}`) {
				t.Errorf("statistics after the first import: %s", stats)
			}

			// The second report no longer lists plugin 1001: it is fixed.
			second := post(admin, "?format=nessus", "application/xml", nessusReport("192.0.2.5", [4]any{1002, 80, 1, 3.1}))
			if second.Status != 201 {
				t.Fatalf("second import: %s", second)
			}
			fixed := admin.Do("GET", "/v2/vulnerabilities?q[host]=192.0.2.5&q[status]=fixed", nil)
			if fixed.Get("pagination.total_count") != 1.0 || !strings.Contains(string(fixed.Body), "nessus:1001") {
				t.Errorf("fixed after the second import: %s", fixed)
			}

			// nmap, gzip-compressed, as a multipart upload: the vulners CVE is
			// Perimeter's own cve: finding; an nmap import fixes nothing.
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write([]byte(importNmap))
			zw.Close()
			nm := upload(t, e, admin, path, gz.String())
			if nm.Status != 201 || nm.Str("import.format") != "nmap" || nm.Str("import.scanner") != "nmap 7.93" {
				t.Fatalf("nmap import: %s", nm)
			}
			cve := admin.Do("GET", "/v2/vulnerabilities?q[host]=192.0.2.7", nil)
			if cve.Get("pagination.total_count") != 1.0 || !strings.Contains(string(cve.Body), "CVE-2024-6387") {
				t.Errorf("nmap findings: %s", cve)
			}
			if still := admin.Do("GET", "/v2/vulnerabilities?q[host]=192.0.2.5&q[status]=open", nil); still.Get("pagination.total_count") != 1.0 {
				t.Errorf("an nmap import changed Nessus findings: %s", still)
			}

			// Refusals store nothing.
			before := histories()
			for _, tc := range []struct {
				name, query, ctype, body string
				status                   int
				want                     string
			}{
				{"malformed", "", "application/xml", "<NessusClientData_v2><Report>\n<ReportHost name=\"192.0.2.5\"><ReportItem port=\"80\" pluginID=\"x\"/>", 422, "line 2"},
				{"outside the target", "", "text/xml", nessusReport("198.51.100.1", [4]any{1, 80, 2, 5.0}), 422, "198.51.100.1 is not in the scan's target"},
				{"format mismatch", "?format=gvm", "application/xml", importNmap, 422, `"format"`},
				{"unknown format", "?format=qualys", "application/xml", importNmap, 422, `"format"`},
				{"not a report", "", "application/xml", "<html><body>hi</body></html>", 422, `"file"`},
				{"json", "", "application/json", `{"file": "x"}`, 422, `"file"`},
			} {
				r := post(admin, tc.query, tc.ctype, tc.body)
				if r.Status != tc.status || !strings.Contains(string(r.Body), tc.want) {
					t.Errorf("%s: %s, want %d with %q", tc.name, r, tc.status, tc.want)
				}
			}
			if n := histories(); n != before {
				t.Errorf("refused imports left runs: %d before, %d after", before, n)
			}

			// Roles and tenancy.
			ro := e.NewUser(admin, org, "read_only")
			if r := post(ro, "", "application/xml", importNmap); r.Status != 403 {
				t.Errorf("read_only import: %s", r)
			}
			other := e.NewOrg(e.Admin, map[string]any{"name": "Other Co"})
			outsider := e.NewUser(e.Admin, other, "admin")
			if r := post(outsider, "", "application/xml", importNmap); r.Status != 404 {
				t.Errorf("another organization's scan: %s", r)
			}
		})
	}
}

// TestScanImportEnrichesFromFeed: CVEs named by an imported report are
// marked from the server's feed — in CISA KEV (also a CVE the feed's NVD part
// lacks) and the EPSS score — and the run's log says how many.
func TestScanImportEnrichesFromFeed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		t.Parallel()
		e := apitest.NewWithConfig(t, engine, app.Config{FeedDir: "../scanner/cve/testdata/feed"})
		org := e.NewOrg(e.Admin, map[string]any{"name": "Feed Co"})
		admin := e.NewUser(e.Admin, org, "admin")
		sc := newScan(t, admin, org, "Imported", "192.0.2.0/28")
		vuln := func(id string, cvss float64) string {
			return fmt.Sprintf(`<table><elem key="cvss">%v</elem><elem key="id">%s</elem><elem key="type">cve</elem></table>`, cvss, id)
		}
		report := `<?xml version="1.0"?><nmaprun scanner="nmap" version="7.93" start="1733500000">
<host><status state="up" reason="syn-ack"/><address addr="192.0.2.9" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="8080"><state state="open"/><service name="http" product="Example" version="1.0"/>
<script id="vulners" output="..."><table key="cpe:/a:example:app:1.0">` + vuln("CVE-2099-1001", 9.8) + vuln("CVE-2099-9999", 7.5) +
			vuln("CVE-2099-1002", 5.0) + vuln("CVE-2099-4242", 6.1) + `</table></script>
</port></ports></host><runstats><finished time="1733500100"/></runstats></nmaprun>`
		r := rawRequest(t, e, admin, "POST", "/v2/scans/"+sc.id+"/import", "application/xml", strings.NewReader(report))
		if r.Status != 201 {
			t.Fatalf("import: %s", r)
		}
		if r.Get("import.kev") != 2.0 || r.Get("import.epss") != 2.0 {
			t.Errorf("the answer must say what the feed added: %s", r)
		}
		vulns := admin.Do("GET", "/v2/vulnerabilities?q[host]=192.0.2.9&per_page=10", nil)
		got := map[string]string{}
		for _, v := range vulns.Get("vulnerabilities").([]any) {
			m := v.(map[string]any)
			cves := fmt.Sprint(m["cves"])
			got[cves] = fmt.Sprintf("kev=%v epss=%v", m["kev"], m["epss"])
		}
		want := map[string]string{"[CVE-2099-1001]": "kev=true epss=0.975", "[CVE-2099-9999]": "kev=true epss=0",
			"[CVE-2099-1002]": "kev=false epss=0.00043", "[CVE-2099-4242]": "kev=false epss=0"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("enrichment:\n got %v\nwant %v\n%s", got, want, vulns)
		}
	})
}
