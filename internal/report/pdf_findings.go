package report

import (
	"fmt"
	"strconv"
	"strings"
)

// Finding-level sections: the detailed blocks, the compact vulnerability
// table, the remediation work list and the exceptions table.

// findingDetails writes one block per finding. The stream is worst first,
// so a subsection opens whenever the severity changes: grouping without
// holding the findings in memory.
func (p *pdfDoc) findingDetails() error {
	p.heading("Findings in detail")
	n := 0
	current := ""
	err := p.d.walk(func(x *Finding) error {
		if n == 0 || x.Severity != current {
			current = x.Severity
			p.subheading(severityLabel(current) + " severity")
		}
		n++
		p.findingBlock(n, x)
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		p.emptyNote("No vulnerabilities were found.")
	}
	return nil
}

// findingBlock writes one finding: title bar with its badge, the facts in
// two columns, then description, evidence, solution and references.
func (p *pdfDoc) findingBlock(n int, x *Finding) {
	f := p.f
	p.titleBar(fmt.Sprintf("%d. %s", n, cleanLine(x.Title)), x.Severity, "")

	host := cleanLine(x.IP)
	if hn := cleanLine(x.Hostname); hn != "" {
		host += " (" + hn + ")"
	}
	service := "Host level"
	if x.Port > 0 {
		service = strconv.Itoa(x.Port) + "/" + orDash(cleanLine(x.Protocol))
		if s := cleanLine(x.Service); s != "" {
			service += " " + s
		}
	}
	pci := "Pass"
	if x.PCIFail {
		pci = "Fail"
		if x.PCIAutoFail {
			pci += " (automatic failure)"
		}
	}
	status := statusLabel(cleanLine(x.Status))
	if x.KEV {
		status += " · Known exploited (CISA KEV)"
	}
	if x.EPSS > 0 {
		status += fmt.Sprintf(" · EPSS %.1f%%", x.EPSS*100)
	}
	cvss := fmtCVSS(x.CVSSScore)
	if v := cleanLine(x.CVSSVector); v != "" {
		cvss += "   " + v
	}
	p.facts([][2]string{
		{"Host", host}, {"Service", service},
		{"Status", status}, {"PCI DSS", pci},
		{"First seen", fmtTime(x.FirstSeen)}, {"Last seen", fmtTime(x.LastSeen)},
	})
	// The vector and the CVE list are long: full-width lines.
	p.facts([][2]string{{"CVSS", cvss}})
	if len(x.CVEs) > 0 {
		p.facts([][2]string{{"CVEs", cleanLine(strings.Join(x.CVEs, ", "))}})
	}
	if id := cleanLine(x.CheckID); id != "" {
		p.facts([][2]string{{"Check", id}})
	}

	if s := strings.TrimSpace(x.Description); s != "" {
		p.label("Description")
		p.paragraph(s, 8.5)
	}
	if ev, note := evidenceText(x.Evidence); ev != "" {
		p.label("Evidence")
		p.mono(7.3)
		p.fill(rgb{0xF3, 0xF4, 0xF6})
		// Tabs have no glyph in the font: expand them like a terminal.
		p.textLines(marginX, contentW, f.SplitText(strings.ReplaceAll(ev, "\t", "    "), contentW), lineH(7.3), true)
		if note != "" {
			p.font("I", 7.5)
			p.textColor(colorMuted)
			p.textLines(marginX, contentW, []string{note}, lineH(7.5)+0.5, false)
			p.textColor(colorText)
		}
	}
	if s := strings.TrimSpace(x.Solution); s != "" {
		p.label("Solution")
		p.paragraph(s, 8.5)
	}
	if len(x.References) > 0 {
		p.label("References")
		p.font("", 8)
		p.textColor(p.accent)
		for _, r := range x.References {
			p.textLines(marginX, contentW, f.SplitText(cleanLine(r), contentW), lineH(8), false)
		}
		p.textColor(colorText)
	}
	f.Ln(5)
}

// titleBar starts a block: a tinted bar with a severity stripe, the title
// (up to two lines), a badge and an optional right-hand note.
func (p *pdfDoc) titleBar(title, severity, note string) {
	f := p.f
	badgeW := 20.0
	p.font("B", 9.5)
	lines := f.SplitText(title, contentW-badgeW-6)
	if len(lines) > 2 {
		lines = lines[:2]
		lines[1] = fitText(f, lines[1]+" …", contentW-badgeW-6)
	}
	lh := lineH(9.5)
	h := float64(len(lines))*lh + 3.2
	// Room for the bar and the first facts, so a bar never ends a page.
	p.ensure(h + 22)
	y := f.GetY()
	p.fill(p.primary.tint(0.9))
	f.Rect(marginX, y, contentW, h, "F")
	p.fill(severityColor(severity))
	f.Rect(marginX, y, 1.6, h, "F")
	p.textColor(p.primary)
	for i, line := range lines {
		f.SetXY(marginX+2.5, y+1.6+float64(i)*lh)
		f.CellFormat(contentW-badgeW-6, lh, line, "", 0, "L", false, 0, "")
	}
	p.textColor(colorText)
	p.badge(marginX+contentW-badgeW-1.5, y+(h-5)/2, badgeW, 5, severity)
	f.SetXY(marginX, y+h+1.2)
	if note != "" {
		p.font("I", 8)
		p.textColor(colorMuted)
		f.SetX(marginX)
		f.CellFormat(contentW, 5, note, "", 1, "L", false, 0, "")
		p.textColor(colorText)
	}
}

// facts writes label/value pairs, two pairs per line (one when a single
// pair is given), each value wrapped within its half.
func (p *pdfDoc) facts(kv [][2]string) {
	f := p.f
	cols := 2
	if len(kv) == 1 {
		cols = 1
	}
	labelW := 20.0
	colW := contentW / float64(cols)
	lh := lineH(8.3)
	for i := 0; i < len(kv); i += cols {
		wrapped := make([][]string, cols)
		n := 1
		p.font("", 8.3)
		for c := 0; c < cols && i+c < len(kv); c++ {
			wrapped[c] = f.SplitText(kv[i+c][1], colW-labelW-2)
			if len(wrapped[c]) > 6 {
				wrapped[c] = wrapped[c][:6]
			}
			n = max(n, len(wrapped[c]))
		}
		h := float64(n) * lh
		if f.GetY()+h > pageBottom {
			f.AddPage()
		}
		y := f.GetY()
		for c := 0; c < cols && i+c < len(kv); c++ {
			x := marginX + float64(c)*colW
			p.font("B", 8)
			p.textColor(colorMuted)
			f.SetXY(x, y)
			f.CellFormat(labelW, lh, kv[i+c][0], "", 0, "L", false, 0, "")
			p.font("", 8.3)
			p.textColor(colorText)
			for j, line := range wrapped[c] {
				f.SetXY(x+labelW, y+float64(j)*lh)
				f.CellFormat(colW-labelW-2, lh, line, "", 0, "L", false, 0, "")
			}
		}
		f.SetXY(marginX, y+h)
	}
}

// vulnerabilityTable is the advanced report's compact list: one row per
// finding, header repeated on each page.
func (p *pdfDoc) vulnerabilityTable() error {
	p.heading("Vulnerabilities")
	var t *pdfTable
	err := p.d.walk(func(x *Finding) error {
		if t == nil {
			t = p.table([]pdfCol{
				{"Severity", 16, "C"}, {"CVSS", 11, "R"}, {"Host", 33, "L"}, {"Vulnerability", 46, "L"},
				{"Target", 20, "L"}, {"Status", 15, "L"}, {"First seen", 19.5, "L"}, {"Last seen", 19.5, "L"},
			}, []cellKind{cellSeverity, cellText, cellMono})
		}
		t.row(x.Severity, fmtCVSS(x.CVSSScore), cleanLine(x.hostPort()), cleanLine(x.Title),
			cleanLine(x.TargetName), statusLabel(cleanLine(x.Status)), fmtDate(x.FirstSeen), fmtDate(x.LastSeen))
		return nil
	})
	if err != nil {
		return err
	}
	if t == nil {
		p.emptyNote("No vulnerabilities match the report's filters.")
		return nil
	}
	t.end()
	return nil
}

// remediation writes the work list: one block per check, worst first.
func (p *pdfDoc) remediation() error {
	items, err := p.d.remediationList()
	if err != nil {
		return err
	}
	p.heading("Remediation plan")
	if len(items) == 0 {
		p.emptyNote("Nothing to remediate.")
		return nil
	}
	p.paragraph("Each item below is one vulnerability check with every place it was found. Items are ordered by "+
		"severity, then CVSS score, then how widely the issue occurs; fixing them in this order removes the most risk first.", 9)
	p.f.Ln(3)
	for i, it := range items {
		note := fmt.Sprintf("%s on %s · highest CVSS %s", plural(it.Count, "finding", "findings"),
			plural(len(it.Hosts), "host/port", "hosts/ports"), fmtCVSS(it.CVSS))
		if it.PCIFail {
			note += " · fails PCI DSS"
		}
		p.titleBar(fmt.Sprintf("R%d. %s", i+1, cleanLine(it.Title)), it.Severity, note)
		var kv [][2]string
		if id := cleanLine(it.CheckID); id != "" {
			kv = append(kv, [2]string{"Check", id})
		}
		if len(it.CVEs) > 0 {
			kv = append(kv, [2]string{"CVEs", cleanLine(listSome(it.CVEs, 30, ", "))})
		}
		kv = append(kv, [2]string{"Affected", cleanLine(listSome(it.Hosts, 60, ", "))})
		for _, e := range kv {
			p.facts([][2]string{e})
		}
		if s := strings.TrimSpace(it.Solution); s != "" {
			p.label("Solution")
			p.paragraph(s, 8.5)
		}
		p.f.Ln(4)
	}
	return nil
}

// exceptions writes the exceptions table.
func (p *pdfDoc) exceptions() {
	d := p.d
	p.heading("Exceptions")
	if len(d.Exceptions) == 0 {
		p.emptyNote("No exceptions apply.")
		return
	}
	t := p.table([]pdfCol{
		{"Type", 24, "L"}, {"Status", 16, "L"}, {"Check", 28, "L"}, {"Host", 28, "L"},
		{"Reason", 52, "L"}, {"Expires", 18, "L"}, {"Findings", 14, "R"},
	}, nil)
	for _, e := range d.Exceptions {
		host := cleanLine(e.Host)
		if e.Port > 0 {
			host += ":" + strconv.Itoa(e.Port)
		}
		exp := "Never"
		if e.ExpiresAt != nil {
			exp = fmtDate(*e.ExpiresAt)
		}
		t.row(exceptionTypeLabel(cleanLine(e.Type)), statusLabel(cleanLine(e.Status)), orDash(cleanLine(e.CheckID)),
			orDash(host), cleanLine(e.Reason), exp, strconv.Itoa(e.Findings))
	}
	t.end()
}
