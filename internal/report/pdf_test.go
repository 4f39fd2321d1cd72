package report

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pdfText renders d as PDF and returns pdftotext's text of it; the test is
// skipped where poppler-utils is not installed.
func pdfText(t *testing.T, d *Document) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not on PATH (install poppler-utils)")
	}
	var b bytes.Buffer
	if err := Render(&b, d, PDF); err != nil {
		t.Fatalf("render: %v", err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b.Bytes()[:min(16, b.Len())])
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(in, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	return string(out)
}

func wantText(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("PDF text lacks %q", w)
		}
	}
}

func TestPDFText(t *testing.T) {
	for _, typ := range []Type{Executive, Detailed, Remediation} {
		t.Run(string(typ), func(t *testing.T) {
			d := sampleDoc(t, typ, 40, 6)
			text := pdfText(t, d)
			wantText(t, text, "Production web (shop.example.com)", "FAIL", "Page 1 of", "Acme Security GmbH",
				"OpenSSH < 9.8p1 Remote Code Execution", "Zürich", "PCI DSS COMPLIANCE STATUS")
			if typ == Detailed {
				wantText(t, text, "Findings in detail", "Evidence truncated", "SSH-2.0-OpenSSH_8.9p1",
					"<script>alert('x')</script>", "Exceptions", "WAF rule 942100")
				if strings.Contains(text, "END-OF-EVIDENCE") {
					t.Error("evidence past 2000 characters was printed")
				}
			}
			if typ == Remediation {
				wantText(t, text, "Remediation plan", "Upgrade OpenSSH to version 9.8p1")
			}
		})
	}
}

func TestPDFPass(t *testing.T) {
	d := sampleDoc(t, Executive, 0, 2)
	text := pdfText(t, d)
	wantText(t, text, "PASS", "No vulnerabilities were found.")
	if strings.Contains(text, "FAIL") {
		t.Error("a compliant report says FAIL")
	}
}

func TestPDFAoSC(t *testing.T) {
	d := sampleDoc(t, AoSC, 40, 6)
	text := pdfText(t, d)
	wantText(t, text, "Attestation of Scan Compliance", "Part 1a. Scan Customer Information",
		"Part 1b. Approved Scanning Vendor Information", "Part 2. Component Compliance Summary",
		"Part 3a. Scan Status", "Part 3b. Scan Customer Attestation", "Part 3c. ASV Review",
		"Example Shop Ltd", "Jane Doe", "asv@acme.example", "203.0.113.6",
		sampleExpires, "2025-03-14", "FAIL", "Page 1 of", "11.3.2", "certificate number")
}

func TestPDFAdvanced(t *testing.T) {
	d := sampleDoc(t, Advanced, 40, 6)
	text := pdfText(t, d)
	wantText(t, text, "Monthly management report", "Severities: critical, high, medium", "Trends",
		"Vulnerabilities", "Remediation plan", "Exceptions", "PCI pass / fail", "2024-10-14")
	// Only the selected sections.
	d = sampleDoc(t, Advanced, 40, 6)
	d.Sections = []string{"hosts"}
	text = pdfText(t, d)
	wantText(t, text, "Hosts", "host-005.shop.example.com")
	for _, not := range []string{"Trends", "Remediation plan", "1  Summary"} {
		if strings.Contains(text, not) {
			t.Errorf("hosts-only report contains %q", not)
		}
	}
}

// TestPDFTableBreaks checks a long report breaks across pages with the
// table header repeated on each page the table spans.
func TestPDFTableBreaks(t *testing.T) {
	d := sampleDoc(t, Detailed, 300, 100)
	text := pdfText(t, d)
	pages := strings.Count(text, "\f")
	if pages < 2 {
		t.Fatalf("%d pages", pages)
	}
	wantText(t, text, "Page 2 of")
	// 100 host rows span three pages: the header is repeated on each.
	if n := strings.Count(text, "Operating system"); n < 3 {
		t.Errorf("hosts table header printed %d times, want it repeated on every page (≥ 3)", n)
	}
}
