package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func openXLSX(t *testing.T, d *Document) *excelize.File {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, d, XLSX); err != nil {
		t.Fatalf("render: %v", err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatalf("open back: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestXLSXRemediation(t *testing.T) {
	d := sampleDoc(t, Remediation, 40, 6)
	f := openXLSX(t, d)
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Summary", "Remediation"}) {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows("Remediation")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 41 {
		t.Fatalf("%d rows, want header + 40", len(rows))
	}
	if rows[0][0] != "Severity" || rows[0][2] != "Vulnerability" {
		t.Errorf("header %v", rows[0])
	}
	if v, _ := f.GetCellValue("Remediation", "C2"); v != utf8Title {
		t.Errorf("C2 = %q", v)
	}
	if v, _ := f.GetCellValue("Remediation", "A2"); v != "Critical" {
		t.Errorf("A2 = %q", v)
	}
	// The formula-looking title is a string, not a formula.
	if fm, _ := f.GetCellFormula("Remediation", "C4"); fm != "" {
		t.Errorf("C4 holds formula %q", fm)
	}
	if v, _ := f.GetCellValue("Remediation", "C4"); v != formulaTitle {
		t.Errorf("C4 = %q", v)
	}
	// Severity cells are coloured.
	style, _ := f.GetCellStyle("Remediation", "A2")
	st, err := f.GetStyle(style)
	if err != nil || len(st.Fill.Color) == 0 || !strings.EqualFold(st.Fill.Color[0], severityColor("critical").plainHex()) {
		t.Errorf("A2 fill = %+v (%v)", st, err)
	}
	// Frozen header and autofilter over the rows.
	panes, err := f.GetPanes("Remediation")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v (%v)", panes, err)
	}
	var filter bool
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" && strings.Contains(dn.RefersTo, "Remediation") && strings.Contains(dn.RefersTo, "$A$1:$R$41") {
			filter = true
		}
	}
	if !filter {
		t.Errorf("no autofilter over A1:R41: %+v", f.GetDefinedName())
	}
	if v, _ := f.GetCellValue("Summary", "B8"); v != "17" {
		// Row 8: "Failing PCI DSS".
		label, _ := f.GetCellValue("Summary", "A8")
		t.Errorf("Summary %s = %q", label, v)
	}
}

func TestXLSXAdvanced(t *testing.T) {
	d := sampleDoc(t, Advanced, 40, 6)
	f := openXLSX(t, d)
	want := []string{"Summary", "Trends", "Hosts", "Vulnerabilities", "Remediation", "Exceptions"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	if v, _ := f.GetCellValue("Hosts", "B2"); v != "host-000.shop.example.com" {
		t.Errorf("Hosts B2 = %q", v)
	}
	rows, _ := f.GetRows("Vulnerabilities")
	if len(rows) != 41 {
		t.Errorf("Vulnerabilities has %d rows", len(rows))
	}
	d.Sections = []string{"hosts", "exceptions"}
	f = openXLSX(t, d)
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Hosts", "Exceptions"}) {
		t.Errorf("sheets %v", got)
	}
}
