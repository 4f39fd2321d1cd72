package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/report"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// pdfText extracts a PDF's text with pdftotext (poppler-utils, installed by
// .ci/run); the test is skipped where it is missing.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	return string(out)
}

// waitFile waits for a report file to be done (or failed) and returns exists.
func waitFile(t *testing.T, c *apitest.Client, base, typ, format string) *apitest.Resp {
	t.Helper()
	var r *apitest.Resp
	apitest.Eventually(t, 60*time.Second, typ+"/"+format+" to be generated", func() bool {
		r = c.Do("GET", base+"/exists?type="+typ+"&format="+format, nil)
		st := r.Str("status")
		return st == "done" || st == "failed"
	})
	if r.Str("status") != "done" || r.Get("exists") != true {
		t.Fatalf("%s/%s: %s", typ, format, r)
	}
	return r
}

// TestPCIWorkflowEndToEnd is the user story of exceptions and reports: scan a
// PCI target on loopback, dispute its failing findings, see the verdict flip,
// and produce every report an auditor reads.
func TestPCIWorkflowEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		e := apitest.NewWithConfig(t, engine, fastScans)
		e.StartJobs(t)
		tlsPort := oldTLS(t)
		_, httpPort := apitest.WeakHTTP(t, 0)
		u := e.Admin

		pl := u.Do("POST", "/v2/port_lists", map[string]any{"name": "shop", "ports": fmt.Sprintf("T:%d,%d", tlsPort, httpPort)})
		tg := u.Do("POST", "/v2/targets", map[string]any{"name": "Shop front", "hosts": "127.0.0.1", "product": "pci",
			"port_list_id": pl.Str("port_list.id")})
		if tg.Status != 201 {
			t.Fatalf("target: %s", tg)
		}
		sc := u.Do("POST", "/v2/scans", map[string]any{"name": "Quarterly ASV scan", "target_id": tg.Str("target.id")})
		scanID := sc.Str("scan.id")
		if r := u.Do("POST", "/v2/scans/"+scanID+"/start", nil); r.Status != 202 {
			t.Fatalf("start: %s", r)
		}
		done := waitRun(t, u, scanID)
		runID := done.Str("scan.last_history.id")
		if done.Get("scan.last_history.pci_compliant") != false {
			t.Fatalf("TLS 1.0 fails PCI: %s", done)
		}
		reportID := done.Str("scan.last_history.report_id")
		if reportID == "" {
			t.Fatalf("a finished run has a report: %s", done)
		}

		// Dispute every failing finding; the admin activates them all.
		failing := u.Do("GET", "/v2/vulnerabilities?q[pci_status]=fail&per_page=100", nil)
		var ids []string
		var tlsTitle string
		for _, v := range failing.Get("vulnerabilities").([]any) {
			m := v.(map[string]any)
			if m["check_id"] == "tls.protocol.tls10" {
				tlsTitle = m["title"].(string)
			}
			r := u.Do("POST", "/v2/exceptions", map[string]any{"type": "compensating_control", "vulnerability_id": m["id"],
				"reason": "TLS terminates at the PCI-validated load balancer"})
			if r.Status != 201 {
				t.Fatalf("exception: %s", r)
			}
			ids = append(ids, r.Str("exception.id"))
		}
		if len(ids) == 0 || tlsTitle == "" {
			t.Fatalf("no failing TLS finding: %s", failing)
		}
		if r := u.Do("POST", "/v2/exceptions/activate", map[string]any{"ids": ids}); r.Status != 200 {
			t.Fatalf("activate: %s", r)
		}
		h := u.Do("GET", "/v2/scans/"+scanID+"/histories/"+runID, nil)
		if h.Get("history.pci_compliant") != true {
			t.Fatalf("the verdict must flip to compliant: %s", h)
		}
		base := "/v2/reports/" + reportID
		if r := u.Do("GET", base, nil); r.Get("report.pci_compliant") != true || r.Str("report.target_name") != "Shop front" {
			t.Fatalf("report: %s", r)
		}

		// The organization's branding goes on every report.
		if r := u.Do("PUT", "/v2/whitelabel_settings", map[string]any{"company_name": "Acme Security", "primary_color": "#0A3D62",
			"secondary_color": "#E58E26", "logo": dataURI("image/png", testPNG(t)), "footer_text": "Acme Security — confidential"}); r.Status != 200 {
			t.Fatalf("branding: %s", r)
		}

		// Every type × format the report has.
		type kind struct{ typ, format string }
		var kinds []kind
		for _, f := range report.Formats {
			for _, typ := range report.Types {
				if report.Supports(typ, f) {
					kinds = append(kinds, kind{string(typ), string(f)})
				}
			}
		}
		if r := u.Do("GET", base+"/download?type=executive&format=json", nil); r.Status != 404 {
			t.Fatalf("download before generating: %s", r)
		}
		if r := u.Do("GET", base+"/exists?type=executive&format=json", nil); r.Get("exists") != false || r.Str("status") != "none" {
			t.Fatalf("exists before generating: %s", r)
		}
		for _, k := range kinds {
			if r := u.Do("POST", base+"/generate", map[string]any{"type": k.typ, "format": k.format}); r.Status != 202 {
				t.Fatalf("generate %v: %s", k, r)
			}
		}
		for _, k := range kinds {
			ex := waitFile(t, u, base, k.typ, k.format)
			dl := u.Do("GET", base+"/download?type="+k.typ+"&format="+k.format, nil)
			if dl.Status != 200 {
				t.Fatalf("download %v: %s", k, dl)
			}
			sum := sha256.Sum256(dl.Body)
			if got := hex.EncodeToString(sum[:]); got != ex.Str("sha256") || dl.Header.Get("X-Checksum-SHA256") != got {
				t.Errorf("%v: hash of the download %s, recorded %s, header %s", k, got, ex.Str("sha256"), dl.Header.Get("X-Checksum-SHA256"))
			}
			if cd := dl.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "."+k.format) {
				t.Errorf("%v: Content-Disposition %q", k, cd)
			}
			if dl.Header.Get("Content-Length") != fmt.Sprint(len(dl.Body)) {
				t.Errorf("%v: Content-Length %s for %d bytes", k, dl.Header.Get("Content-Length"), len(dl.Body))
			}
			checkContent(t, k.typ, k.format, dl.Body, tlsTitle)
		}
		ex := u.Do("GET", base+"/exists?type=detailed&format=pdf", nil)
		apitest.Run(t, []apitest.Scenario{
			{Name: "verify the right hash", As: u, Method: "POST", Path: base + "/verify",
				Body: map[string]any{"type": "detailed", "format": "pdf", "sha256": ex.Str("sha256")}, Status: 200, Want: []string{`"valid":true`, `"intact":true`}},
			{Name: "verify a wrong hash", As: u, Method: "POST", Path: base + "/verify",
				Body: map[string]any{"type": "detailed", "format": "pdf", "sha256": strings.Repeat("ab", 32)}, Status: 200, Want: []string{`"valid":false`}},
			{Name: "verify a malformed hash", As: u, Method: "POST", Path: base + "/verify",
				Body: map[string]any{"type": "detailed", "format": "pdf", "sha256": "xyz"}, Status: 422, Want: []string{`"sha256"`}},
			{Name: "unknown type", As: u, Method: "POST", Path: base + "/generate", Body: map[string]any{"type": "summary", "format": "pdf"},
				Status: 422, Want: []string{`"type"`}},
			{Name: "unknown format", As: u, Method: "POST", Path: base + "/generate", Body: map[string]any{"type": "detailed", "format": "docx"},
				Status: 422, Want: []string{`"format"`}},
			{Name: "xlsx only for remediation", As: u, Method: "POST", Path: base + "/generate", Body: map[string]any{"type": "executive", "format": "xlsx"},
				Status: 422, Want: []string{`"format"`}},
			{Name: "no csv attestation", As: u, Method: "GET", Path: base + "/download?type=aosc&format=csv", Status: 422, Want: []string{`"format"`}},
			{Name: "listed with files", As: u, Method: "GET", Path: "/v2/reports?q[scan]=" + scanID + "&q[pci_compliant]=true", Status: 200,
				Want: []string{`"total_count":1`, `"status":"done"`}},
		})
		events, err := e.Store.R().FindEvents(t.Context(), e.Boot.OrganizationID, "report_generated", 100)
		if err != nil || len(events) != len(kinds) {
			t.Errorf("report_generated events: %d for %d files (%v)", len(events), len(kinds), err)
		}

		// Another organization sees none of it.
		other := e.NewUser(e.Admin, e.NewOrg(e.Admin, map[string]any{"name": "Other customer"}), "admin")
		for _, r := range []struct{ method, path string }{
			{"GET", base}, {"DELETE", base}, {"POST", base + "/generate"}, {"GET", base + "/download?type=detailed&format=pdf"},
			{"GET", base + "/exists?type=detailed&format=pdf"}, {"POST", base + "/verify"},
		} {
			body := map[string]any{"type": "detailed", "format": "pdf"}
			if strings.HasSuffix(r.path, "/verify") {
				body["sha256"] = ex.Str("sha256")
			}
			if got := other.Do(r.method, r.path, body); got.Status != 404 {
				t.Errorf("another organization %s %s: %s", r.method, r.path, got)
			}
		}

		// Deleting the exceptions reverts the verdict; the report says so.
		if r := u.Do("DELETE", "/v2/exceptions", map[string]any{"ids": ids}); r.Status != 200 {
			t.Fatalf("delete exceptions: %s", r)
		}
		if r := u.Do("GET", base, nil); r.Get("report.pci_compliant") != false {
			t.Errorf("report verdict after deleting exceptions: %s", r)
		}
		if r := u.Do("DELETE", base, nil); r.Status != 204 {
			t.Fatalf("delete report: %s", r)
		}
		if r := u.Do("GET", base+"/download?type=detailed&format=pdf", nil); r.Status != 404 {
			t.Errorf("download after delete: %s", r)
		}
	})
}

// checkContent parses a downloaded file back and looks for the target, a
// finding title and the verdict.
func checkContent(t *testing.T, typ, format string, body []byte, title string) {
	t.Helper()
	if dir := os.Getenv("PERIMETER_REPORT_DUMP"); dir != "" { // to look at what a customer gets
		_ = os.WriteFile(filepath.Join(dir, typ+"."+format), body, 0o600)
	}
	switch format {
	case "pdf":
		text := pdfText(t, body)
		wants := []string{"Shop front", "Page 1 of", "Acme Security"}
		if typ == "aosc" { // the attestation lists components, not the target's name
			wants = []string{"127.0.0.1", "Page 1 of", "Scan expiration date", "Acme Security"}
		}
		for _, want := range wants {
			if !strings.Contains(text, want) {
				t.Errorf("%s pdf lacks %q", typ, want)
			}
		}
		if typ == "aosc" {
			if !strings.Contains(text, "Attestation of Scan Compliance") || !strings.Contains(text, "PASS") {
				t.Errorf("aosc pdf lacks the attestation or the verdict:\n%s", text)
			}
		} else if want := strings.Join(strings.Fields(title), " "); !strings.Contains(strings.Join(strings.Fields(text), " "), want[:min(len(want), 24)]) {
			t.Errorf("%s pdf lacks the finding %q", typ, title)
		}
	case "html":
		if !bytes.Contains(body, []byte("Shop front")) || !bytes.Contains(body, []byte("Acme Security")) || bytes.Contains(body, []byte("<script")) {
			t.Errorf("%s html: target missing or a script present", typ)
		}
	case "csv":
		rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Errorf("%s csv: %v, %d rows", typ, err, len(rows))
		}
	case "json":
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Errorf("%s json: %v", typ, err)
		} else if !bytes.Contains(body, []byte("Shop front")) {
			t.Errorf("%s json lacks the target", typ)
		}
	case "xlsx":
		if !bytes.HasPrefix(body, []byte("PK")) {
			t.Errorf("%s xlsx is not a zip", typ)
		}
	}
}
