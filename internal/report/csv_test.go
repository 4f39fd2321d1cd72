package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

func TestCSV(t *testing.T) {
	d := sampleDoc(t, Detailed, 40, 6)
	out := renderString(t, d, CSV)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("parse back: %v", err)
	}
	if !slices.Equal(rows[0], CSVColumns) {
		t.Fatalf("header %v, want %v", rows[0], CSVColumns)
	}
	if len(rows)-1 != 40 {
		t.Fatalf("%d rows, want 40", len(rows)-1)
	}
	col := func(name string) int { return slices.Index(CSVColumns, name) }
	for _, r := range rows {
		if len(r) != len(CSVColumns) {
			t.Fatalf("row of %d fields", len(r))
		}
	}
	// Row order follows the stream; the third finding holds the hostile strings.
	r := rows[3]
	if r[col("title")] != "'"+formulaTitle {
		t.Errorf("formula title = %q, want it quoted", r[col("title")])
	}
	if r[col("hostname")] != "'@SUM(1+1)" {
		t.Errorf("hostname = %q, want it quoted", r[col("hostname")])
	}
	if got := rows[4][col("evidence")]; got != "'-2+3" {
		t.Errorf("evidence = %q, want it quoted", got)
	}
	first := rows[1]
	if first[col("title")] != utf8Title {
		t.Errorf("UTF-8 title = %q", first[col("title")])
	}
	if first[col("port")] != "443" || first[col("cvss_score")] != "9.8" || first[col("pci_fail")] != "true" {
		t.Errorf("numeric fields: port %q cvss %q pci %q", first[col("port")], first[col("cvss_score")], first[col("pci_fail")])
	}
	if first[col("first_seen")] != "2025-01-14T10:30:00Z" {
		t.Errorf("first_seen = %q, want RFC 3339 UTC", first[col("first_seen")])
	}
	if first[col("cves")] != "CVE-2024-6000" {
		t.Errorf("cves = %q", first[col("cves")])
	}
	// Full evidence, cleaned of control characters.
	ev := rows[2][col("evidence")]
	if !strings.HasSuffix(ev, "END-OF-EVIDENCE") || strings.ContainsAny(ev, "\x00\x1b") {
		t.Errorf("evidence not full or not cleaned: %q…", ev[:min(40, len(ev))])
	}
}

func TestCSVEmptyAndMultiValue(t *testing.T) {
	d := sampleDoc(t, Executive, 0, 0)
	out := renderString(t, d, CSV)
	if strings.TrimSpace(out) != strings.Join(CSVColumns, ",") {
		t.Errorf("empty export = %q", out)
	}
	f := Finding{ID: "x", CVEs: []string{"CVE-1", "CVE-2"}, References: []string{"a", "b"}, Severity: "low"}
	rec := make([]string, len(CSVColumns))
	csvRecord(rec, &f)
	if rec[slices.Index(CSVColumns, "cves")] != "CVE-1;CVE-2" {
		t.Errorf("cves = %q", rec[slices.Index(CSVColumns, "cves")])
	}
	if rec[slices.Index(CSVColumns, "port")] != "" || rec[slices.Index(CSVColumns, "first_seen")] != "" {
		t.Error("zero port and time should be empty")
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(rec)
	w.Flush()
	if _, err := csv.NewReader(&b).Read(); err != nil {
		t.Fatal(err)
	}
}
