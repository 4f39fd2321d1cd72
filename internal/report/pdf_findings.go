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
// two columns, then description, evidence, solution and references, each
// labelled in the left gutter.
func (p *pdfDoc) findingBlock(n int, x *Finding) {
	f := p.f
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
	ev, evNote := evidenceText(x.Evidence)

	// Wrap everything first, one font at a time, ending on the value font
	// the drawing starts with.
	const half = contentW/2 - gutterW - 2
	const full = contentW - gutterW
	p.setFont(fontTitle)
	title := wrapCap(f, fmt.Sprintf("%d. %s", n, cleanLine(x.Title)), contentW-26, 2)
	var evLines []string
	if ev != "" {
		p.setFont(fontMono)
		// Tabs have no glyph in the font: expand them like a terminal.
		evLines = f.SplitText(strings.ReplaceAll(ev, "\t", "    "), full)
	}
	p.setFont(fontValue)
	w := func(s string, width float64) []string { return wrapCap(f, s, width, 6) }

	b := &block{}
	b.titleBar(p, title, x.Severity)
	b.factsRow(fact{"Host", w(host, half)}, fact{"Service", w(service, half)})
	b.factsRow(fact{"Status", w(status, half)}, fact{"PCI DSS", w(pci, half)})
	b.factsRow(fact{"First seen", w(fmtTime(x.FirstSeen), half)}, fact{"Last seen", w(fmtTime(x.LastSeen), half)})
	b.factsRow(fact{"CVSS", w(cvss, full)}) // the vector is long: full width
	cves, check := cleanLine(strings.Join(x.CVEs, ", ")), cleanLine(x.CheckID)
	switch {
	case cves != "" && check != "":
		b.factsRow(fact{"CVEs", w(cves, half)}, fact{"Check", w(check, half)})
	case cves != "":
		b.factsRow(fact{"CVEs", w(cves, full)})
	case check != "":
		b.factsRow(fact{"Check", w(check, full)})
	}
	// Keep the bar with the facts: a bar never ends a page.
	for _, r := range b.rows {
		b.keep += r.h
	}
	if s := strings.TrimSpace(x.Description); s != "" {
		b.section("Description", f.SplitText(clean(s), full), fontValue, colorText, nil)
	}
	if len(evLines) > 0 {
		shade := rgb{0xF3, 0xF4, 0xF6}
		b.section("Evidence", evLines, fontMono, colorText, &shade)
		if evNote != "" {
			b.section("", []string{evNote}, fontNote, colorMuted, nil)
		}
	}
	if s := strings.TrimSpace(x.Solution); s != "" {
		b.section("Solution", f.SplitText(clean(s), full), fontValue, colorText, nil)
	}
	if len(x.References) > 0 {
		var refs []string
		for _, r := range x.References {
			refs = append(refs, f.SplitText(cleanLine(r), full)...)
		}
		b.section("References", refs, fontValue, p.accent, nil)
	}
	b.gap(4)
	p.drawBlock(b)
}

// vulnerabilityTable is the advanced report's compact list: one row per
// finding, header repeated on each page.
func (p *pdfDoc) vulnerabilityTable() error {
	p.heading("Vulnerabilities")
	var t *pdfTable
	err := p.d.walk(func(x *Finding) error {
		if t == nil {
			t = p.table([]pdfCol{
				{"Severity", 15.5, "C"}, {"CVSS", 11, "R"}, {"Host", 32.5, "L"}, {"Vulnerability", 43, "L"},
				{"Target", 20, "L"}, {"Status", 17, "L"}, {"First seen", 20.5, "L"}, {"Last seen", 20.5, "L"},
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
	f := p.f
	const full = contentW - gutterW
	for i, it := range items {
		summary := fmt.Sprintf("%s on %s · highest CVSS %s", plural(it.Count, "finding", "findings"),
			plural(len(it.Hosts), "host/port", "hosts/ports"), fmtCVSS(it.CVSS))
		if it.PCIFail {
			summary += " · fails PCI DSS"
		}
		p.setFont(fontTitle)
		title := wrapCap(f, fmt.Sprintf("R%d. %s", i+1, cleanLine(it.Title)), contentW-26, 2)
		p.setFont(fontValue)
		b := &block{}
		b.titleBar(p, title, it.Severity)
		b.factsRow(fact{"Scope", wrapCap(f, summary, full, 3)})
		if id := cleanLine(it.CheckID); id != "" {
			b.factsRow(fact{"Check", wrapCap(f, id, full, 2)})
		}
		if len(it.CVEs) > 0 {
			b.factsRow(fact{"CVEs", wrapCap(f, cleanLine(listSome(it.CVEs, 30, ", ")), full, 6)})
		}
		for _, r := range b.rows {
			b.keep += r.h
		}
		if s := strings.TrimSpace(it.Solution); s != "" {
			b.section("Solution", f.SplitText(clean(s), full), fontValue, colorText, nil)
		}
		b.section("Affected", f.SplitText(cleanLine(listSome(it.Hosts, 60, ", ")), full), fontValue, colorText, nil)
		b.gap(5)
		p.drawBlock(b)
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
