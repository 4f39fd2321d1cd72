package report

import (
	"fmt"
	"strconv"
	"strings"
)

// Summary, hosts and top-findings sections.

func (p *pdfDoc) summary() {
	f, d := p.f, p.d
	p.heading("Summary")
	p.paragraph(summaryText(d), 9.5)
	f.Ln(3)

	if d.Type == Advanced {
		pass, fail, runs := trendVerdicts(d.Trends)
		p.tiles([]tile{
			{strconv.Itoa(len(d.Hosts)), "Hosts", p.primary},
			{strconv.Itoa(d.Counts.Total()), "Findings", p.primary},
			{strconv.Itoa(d.Counts.Critical + d.Counts.High), "Critical and high", severityColor("high")},
			{fmt.Sprintf("%d / %d", pass, fail), fmt.Sprintf("PCI pass / fail (%d runs)", runs), p.primary},
		})
	} else {
		vc := colorFail
		if d.PCICompliant {
			vc = colorPass
		}
		p.tiles([]tile{
			{strconv.Itoa(len(d.Hosts)), "Components scanned", p.primary},
			{strconv.Itoa(d.Counts.Total()), "Findings", p.primary},
			{strconv.Itoa(d.PCIFailing), "Failing PCI DSS", colorFail},
			{verdict(d.PCICompliant), "PCI DSS status", vc},
		})
	}

	p.subheading("Findings by severity")
	p.severityChart(d.Counts)
}

// summaryText is the opening paragraph in words.
func summaryText(d *Document) string {
	if d.Type == Advanced {
		s := fmt.Sprintf("This report covers %s on %s matching the report definition",
			plural(d.Counts.Total(), "finding", "findings"), plural(len(d.Hosts), "host", "hosts"))
		if len(d.Filters) > 0 {
			s += " (" + cleanLine(strings.Join(d.Filters, "; ")) + ")"
		}
		return s + "."
	}
	s := "This report presents the results of the external vulnerability scan"
	if n := cleanLine(d.Target.Name); n != "" {
		s += " of " + n
	}
	if n := cleanLine(d.Run.ScanName); n != "" {
		s += " (scan “" + n + "”)"
	}
	if !d.Run.FinishedAt.IsZero() {
		s += ", completed on " + fmtTime(d.Run.FinishedAt)
	}
	s += fmt.Sprintf(". %s scanned and %s identified", plural(len(d.Hosts), "component was", "components were"),
		plural(d.Counts.Total(), "finding was", "findings were"))
	if d.PCIFailing > 0 {
		s += fmt.Sprintf(", %s PCI DSS requirements, so the scan does not meet the ASV pass criteria",
			plural(d.PCIFailing, "of which fails", "of which fail"))
	} else {
		s += "; none fails PCI DSS requirements"
	}
	return s + "."
}

// trendVerdicts sums the PCI outcomes over the trend periods.
func trendVerdicts(ts []TrendPoint) (pass, fail, runs int) {
	for _, t := range ts {
		pass += t.PCIPass
		fail += t.PCIFails
		runs += t.Runs
	}
	return
}

type tile struct {
	value, caption string
	color          rgb
}

// tiles draws key figures as a row of boxes.
func (p *pdfDoc) tiles(ts []tile) {
	f := p.f
	p.ensure(26)
	gap := 4.0
	w := (contentW - gap*float64(len(ts)-1)) / float64(len(ts))
	y := f.GetY()
	for i, t := range ts {
		x := marginX + float64(i)*(w+gap)
		p.fill(t.color.tint(0.9))
		f.RoundedRect(x, y, w, 21, 1.5, "1234", "F")
		p.fill(t.color)
		f.Rect(x, y, 1.4, 21, "F")
		p.font("B", 17)
		p.textColor(t.color)
		f.SetXY(x+3, y+2.5)
		f.CellFormat(w-4, 9, fitText(f, t.value, w-4), "", 0, "L", false, 0, "")
		p.font("", 7.8)
		p.textColor(colorMuted)
		f.SetXY(x+3, y+12.5)
		f.CellFormat(w-4, 5, fitText(f, t.caption, w-4), "", 0, "L", false, 0, "")
	}
	p.textColor(colorText)
	f.SetXY(marginX, y+21+5)
}

// severityChart draws a horizontal bar per severity (vector rectangles, so
// it prints sharp) with the count and share beside each bar.
func (p *pdfDoc) severityChart(c Counts) {
	f := p.f
	rowH, barH := 8.0, 5.2
	p.ensure(rowH*5 + 8)
	y := f.GetY() + 1
	labelW, numW := 24.0, 30.0
	barX := marginX + labelW
	barMax := contentW - labelW - numW
	most := 1
	for _, s := range severities {
		most = max(most, c.of(s))
	}
	total := c.Total()
	// Light grid lines at quarters make the bar lengths readable.
	p.draw(colorRule)
	f.SetLineWidth(0.1)
	for q := 0; q <= 4; q++ {
		gx := barX + barMax*float64(q)/4
		f.Line(gx, y-1, gx, y+rowH*5-1)
	}
	for i, s := range severities {
		ry := y + float64(i)*rowH
		p.font("B", 8.5)
		p.textColor(colorText)
		f.SetXY(marginX, ry)
		f.CellFormat(labelW, barH, severityLabel(s), "", 0, "LM", false, 0, "")
		n := c.of(s)
		if n > 0 {
			p.fill(severityColor(s))
			f.Rect(barX, ry, max(0.8, barMax*float64(n)/float64(most)), barH, "F")
		}
		p.font("", 8.5)
		share := 0.0
		if total > 0 {
			share = 100 * float64(n) / float64(total)
		}
		f.SetXY(marginX+contentW-numW, ry)
		f.CellFormat(numW, barH, fmt.Sprintf("%d  (%.0f%%)", n, share), "", 0, "RM", false, 0, "")
	}
	f.SetXY(marginX, y+rowH*5+2)
	p.font("I", 8)
	p.textColor(colorMuted)
	f.CellFormat(contentW, 5, fmt.Sprintf("Total: %s. Scale: 0 to %d.", plural(total, "finding", "findings"), most), "", 1, "L", false, 0, "")
	p.textColor(colorText)
	f.Ln(2)
}

// hosts writes the hosts table.
func (p *pdfDoc) hosts() {
	d := p.d
	p.heading("Hosts")
	if len(d.Hosts) == 0 {
		p.emptyNote("No hosts were found.")
		return
	}
	t := p.table([]pdfCol{
		{"IP address", 25, "L"}, {"Hostname", 37, "L"}, {"Operating system", 31, "L"},
		{"Open ports", 15, "R"}, {"Crit.", 10, "R"}, {"High", 10, "R"}, {"Med.", 10, "R"},
		{"Low", 10, "R"}, {"Info", 10, "R"}, {"PCI", 12, "C"},
	}, []cellKind{cellMono, cellText, cellText, cellText, cellText, cellText, cellText, cellText, cellText, cellVerdict})
	for i := range d.Hosts {
		h := &d.Hosts[i]
		pci := "Pass"
		if !h.PCICompliant {
			pci = "Fail"
		}
		t.row(cleanLine(h.IP), cleanLine(h.Hostname), cleanLine(h.OS), strconv.Itoa(len(h.OpenPorts)),
			strconv.Itoa(h.Counts.Critical), strconv.Itoa(h.Counts.High), strconv.Itoa(h.Counts.Medium),
			strconv.Itoa(h.Counts.Low), strconv.Itoa(h.Counts.Info), pci)
	}
	t.end()
}

// topFindings writes the ten worst findings.
func (p *pdfDoc) topFindings() error {
	top, err := p.d.topFindings(10)
	if err != nil {
		return err
	}
	p.heading("Top findings")
	if len(top) == 0 {
		p.emptyNote("No vulnerabilities were found.")
		return nil
	}
	t := p.table([]pdfCol{
		{"#", 7, "R"}, {"Severity", 18, "C"}, {"CVSS", 11, "R"}, {"Host", 36, "L"}, {"Vulnerability", 108, "L"},
	}, []cellKind{cellText, cellSeverity, cellText, cellMono, cellText})
	for i := range top {
		x := &top[i]
		t.row(strconv.Itoa(i+1), x.Severity, fmtCVSS(x.CVSSScore), cleanLine(x.hostPort()), cleanLine(x.Title))
	}
	t.end()
	return nil
}
