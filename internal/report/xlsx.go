package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// The XLSX renderer: a work-list spreadsheet for remediation and advanced
// reports. Every sheet goes through excelize's StreamWriter, which spills
// rows to a temporary file past a threshold, so a sheet of 100 000 findings
// does not sit in memory as cell structures.

// xlsxMaxCell is Excel's limit on the characters of one cell.
const xlsxMaxCell = 32767

type xlsxDoc struct {
	f      *excelize.File
	d      *Document
	sheets int
	st     xlsxStyles
}

type xlsxStyles struct {
	header, wrap, date, bold, title, label, pass, fail int
	sev                                                map[string]int
}

func renderXLSX(w io.Writer, d *Document) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("report: xlsx: %w", cerr)
		}
	}()
	x := &xlsxDoc{f: f, d: d}
	if err := x.styles(); err != nil {
		return fmt.Errorf("report: xlsx styles: %w", err)
	}
	_ = f.SetDocProps(&excelize.DocProperties{Title: d.title(), Creator: d.brand(), Subject: cleanLine(d.Target.Name),
		Created: d.GeneratedAt.UTC().Format(time.RFC3339)})
	if err := x.body(); err != nil {
		return err
	}
	// The first sheet is active already. (SetActiveSheet would read every
	// sheet back, streamed ones included, undoing the streaming.)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("report: xlsx: %w", err)
	}
	return nil
}

func (x *xlsxDoc) body() error {
	d := x.d
	if d.Type == Remediation {
		if err := x.summary(); err != nil {
			return err
		}
		return x.findings("Remediation")
	}
	// Advanced: one sheet per section present, in the report's order.
	steps := []struct {
		section string
		fn      func() error
	}{
		{"summary", x.summary},
		{"trends", x.trends},
		{"hosts", x.hosts},
		{"vulnerabilities", func() error { return x.findings("Vulnerabilities") }},
		{"remediation", x.remediation},
		{"exceptions", x.exceptions},
	}
	for _, s := range steps {
		if d.Has(s.section) {
			if err := s.fn(); err != nil {
				return err
			}
		}
	}
	if x.sheets == 0 { // a workbook needs a sheet; say why it is empty
		return x.sheet("Summary", []float64{60}, nil, func(row func(...any) error) error {
			return row("The report definition selects no sections that have a spreadsheet form.")
		}, false)
	}
	return nil
}

func (x *xlsxDoc) styles() error {
	f, d := x.f, x.d
	var err error
	add := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(s)
		return id
	}
	border := []excelize.Border{{Type: "bottom", Color: colorRule.plainHex(), Style: 1}}
	x.st.header = add(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{d.primary().plainHex()}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	x.st.wrap = add(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}, Border: border})
	fmtDate := "yyyy-mm-dd hh:mm"
	x.st.date = add(&excelize.Style{CustomNumFmt: &fmtDate, Alignment: &excelize.Alignment{Vertical: "top"}, Border: border})
	x.st.bold = add(&excelize.Style{Font: &excelize.Font{Bold: true}})
	x.st.title = add(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14, Color: d.primary().plainHex()}})
	x.st.label = add(&excelize.Style{Font: &excelize.Font{Bold: true, Color: colorMuted.plainHex()}, Alignment: &excelize.Alignment{Vertical: "top"}})
	x.st.pass = add(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colorPass.plainHex()}}})
	x.st.fail = add(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colorFail.plainHex()}}})
	x.st.sev = map[string]int{}
	for _, s := range severities {
		x.st.sev[s] = add(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "FFFFFF"},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{severityColor(s).plainHex()}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top"}})
	}
	return err
}

// sheet writes one sheet: column widths, an optional styled header row
// (frozen, with an autofilter over the rows), then the rows fill emits.
func (x *xlsxDoc) sheet(name string, widths []float64, header []string, fill func(row func(...any) error) error, filter bool) error {
	f := x.f
	if x.sheets == 0 {
		if err := f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else if _, err := f.NewSheet(name); err != nil {
		return err
	}
	x.sheets++
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	n := 0
	if len(header) > 0 {
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
			return err
		}
		cells := make([]any, len(header))
		for i, h := range header {
			cells[i] = excelize.Cell{StyleID: x.st.header, Value: h}
		}
		if err := sw.SetRow("A1", cells, excelize.RowOpts{Height: 20}); err != nil {
			return err
		}
		n = 1
	}
	err = fill(func(values ...any) error {
		n++
		for i, v := range values {
			values[i] = x.value(v)
		}
		return sw.SetRow(fmt.Sprintf("A%d", n), values)
	})
	if err != nil {
		return err
	}
	if filter && len(header) > 0 {
		last, _ := excelize.CoordinatesToCellName(len(header), max(n, 2))
		// Set on the worksheet the stream writer flushes, before Flush.
		if err := f.AutoFilter(name, "A1:"+last, nil); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// value prepares one cell: text cleaned and cut to Excel's limit (cells are
// written as strings, never formulas, so text cannot execute), zero times
// left empty.
func (x *xlsxDoc) value(v any) any {
	switch t := v.(type) {
	case string:
		return xlsxText(t)
	case time.Time:
		if t.IsZero() {
			return nil
		}
		return excelize.Cell{StyleID: x.st.date, Value: t.UTC()}
	case excelize.Cell:
		if s, ok := t.Value.(string); ok {
			t.Value = xlsxText(s)
		}
		return t
	}
	return v
}

func xlsxText(s string) string {
	s, _ = truncateRunes(clean(s), xlsxMaxCell)
	return s
}

func (x *xlsxDoc) wrapped(s string) excelize.Cell { return excelize.Cell{StyleID: x.st.wrap, Value: s} }

func (x *xlsxDoc) severity(s string) excelize.Cell {
	return excelize.Cell{StyleID: x.st.sev[severityKey(s)], Value: severityLabel(s)}
}

func (x *xlsxDoc) verdictCell(pass bool) excelize.Cell {
	if pass {
		return excelize.Cell{StyleID: x.st.pass, Value: "PASS"}
	}
	return excelize.Cell{StyleID: x.st.fail, Value: "FAIL"}
}

// findings writes one row per finding, streamed from the document.
func (x *xlsxDoc) findings(name string) error {
	header := []string{"Severity", "CVSS", "Vulnerability", "Host", "Hostname", "Port", "Protocol", "Service", "CVEs",
		"Status", "PCI fail", "KEV", "Solution", "Check ID", "First seen", "Last seen", "Target", "Scan"}
	widths := []float64{11, 7, 48, 16, 28, 7, 9, 12, 22, 12, 9, 6, 70, 14, 17, 17, 22, 22}
	return x.sheet(name, widths, header, func(row func(...any) error) error {
		return x.d.walk(func(f *Finding) error {
			var port any
			if f.Port > 0 {
				port = f.Port
			}
			return row(x.severity(f.Severity), finite(f.CVSSScore), x.wrapped(f.Title), f.IP, f.Hostname, port, f.Protocol,
				f.Service, strings.Join(f.CVEs, ", "), statusLabel(cleanLine(f.Status)), yesNo(f.PCIFail), yesNo(f.KEV),
				x.wrapped(f.Solution), f.CheckID, f.FirstSeen, f.LastSeen, f.TargetName, f.ScanName)
		})
	}, true)
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}
