package report

import "strconv"

// The PCI ASV Attestation of Scan Compliance, laid out in the parts of the
// ASV Program Guide's template: scan information, component compliance
// summary, scan status and the two attestations.

func (p *pdfDoc) aosc() error {
	f, d := p.f, p.d
	f.AddPage()
	p.font("B", 18)
	p.textColor(p.primary)
	f.SetX(marginX)
	f.CellFormat(contentW, 10, "Attestation of Scan Compliance", "", 1, "L", false, 0, "")
	p.font("", 9.5)
	p.textColor(colorMuted)
	f.SetX(marginX)
	f.CellFormat(contentW, 5.5, "Payment Card Industry Data Security Standard — Approved Scanning Vendor (ASV) Program", "", 1, "L", false, 0, "")
	p.textColor(colorText)
	f.Ln(2)

	p.part("Part 1. Scan Information")
	p.subpart("Part 1a. Scan Customer Information")
	p.partyForm(d.Customer)
	p.subpart("Part 1b. Approved Scanning Vendor Information")
	p.partyForm(d.ASV)

	p.part("Part 2. Component Compliance Summary")
	if len(d.Hosts) == 0 {
		p.emptyNote("No components were scanned.")
	} else {
		t := p.table([]pdfCol{{"Component (IP address)", 50, "L"}, {"Hostname", 100, "L"}, {"Result", 30, "C"}},
			[]cellKind{cellMono, cellText, cellVerdict})
		for _, h := range d.Hosts {
			res := "Pass"
			if !h.PCICompliant {
				res = "Fail"
			}
			t.row(cleanLine(h.IP), cleanLine(h.Hostname), res)
		}
		t.end()
	}

	p.part("Part 3a. Scan Status")
	t := p.table([]pdfCol{{"Item", 120, "L"}, {"Value", 60, "L"}}, []cellKind{cellText, cellVerdict})
	t.kinds = nil // only the status row is coloured; set per row below
	t.row("Date scan completed", fmtDate(d.Run.FinishedAt))
	t.row("Scan expiration date (90 days from the date scan completed)", fmtDate(d.scanExpires()))
	t.kinds = []cellKind{cellText, cellVerdict}
	t.row("Compliance status", verdict(d.PCICompliant))
	t.kinds = nil
	t.row("Number of unique in-scope components scanned", strconv.Itoa(len(d.Hosts)))
	t.row("Number of identified failing vulnerabilities", strconv.Itoa(d.PCIFailing))
	t.row("Number of components found by ASV but not scanned because scan customer confirmed they were out of scope", "0 (none)")
	t.end()

	p.part("Part 3b. Scan Customer Attestation")
	p.paragraph(customerAttestation(d), 9)
	p.signatures([]string{"Signature", "Printed name", "Job title", "Date"})

	p.part("Part 3c. ASV Review")
	p.paragraph(asvAttestation(d), 9)
	p.signatures([]string{"ASV reviewer name", "Signature", "ASV certificate number", "Date"})
	return nil
}

// customerAttestation is the Part 3b text of the Program Guide template.
func customerAttestation(d *Document) string {
	company := orBlank(cleanLine(d.Customer.Company), "The scan customer")
	return company + " attests on " + fmtDate(d.GeneratedAt) + " that this scan includes all components which " +
		"should be in scope for PCI DSS, any component considered out of scope for this scan is properly " +
		"segmented from my cardholder data environment, and any evidence submitted to the ASV to resolve scan " +
		"exceptions—including compensating controls if applicable—is accurate and complete. " + company +
		" also acknowledges 1) accurate and complete scoping of this external scan is my responsibility, and " +
		"2) this scan result only indicates whether or not my scanned systems are compliant with the external " +
		"vulnerability scan requirement of PCI DSS; this scan result does not represent my overall compliance " +
		"status with PCI DSS or provide any indication of compliance with other PCI DSS requirements."
}

// asvAttestation is the Part 3c text; the certificate number is left for
// the reviewer to complete, as the platform does not hold it.
func asvAttestation(d *Document) string {
	asv := orBlank(cleanLine(d.ASV.Company), "The ASV")
	return "This scan and report was prepared and conducted by " + asv + " under certificate number ____________, " +
		"according to internal processes that meet PCI DSS requirement 11.3.2 and the ASV Program Guide. " + asv +
		" attests that the PCI DSS scan process was followed, including a manual or automated Quality Assurance " +
		"process with customer boarding and scoping practices, review of results for anomalies, and review and " +
		"correction of 1) disputed or incomplete results, 2) false positives, 3) compensating controls (if " +
		"applicable), and 4) active scan interference. This report and any exceptions were reviewed by the ASV " +
		"reviewer named below."
}

func orBlank(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// part and subpart are the template's unnumbered headings (the parts carry
// their own numbers).
func (p *pdfDoc) part(title string) {
	p.headingText(title, 0)
}

func (p *pdfDoc) subpart(title string) {
	p.headingText(title, 1)
}

// partyForm draws a company's details as the template's boxed form: shaded
// labels, values beside them, two fields per line and the address full width.
func (p *pdfDoc) partyForm(c Party) {
	f := p.f
	rows := [][]string{
		{"Company", c.Company, "Contact name", c.Contact},
		{"Job title", c.Title, "Telephone", c.Phone},
		{"E-mail", c.Email, "URL", c.URL},
		{"Business address", c.Address},
	}
	labelW, valW := 30.0, contentW/2-30
	lh := lineH(8.5)
	p.ensure(4*(lh+3) + 8)
	p.draw(colorRule)
	f.SetLineWidth(0.2)
	for _, r := range rows {
		pairs := len(r) / 2
		vw := valW
		if pairs == 1 {
			vw = contentW - labelW
		}
		p.font("", 8.5)
		n := 1
		wrapped := make([][]string, pairs)
		for i := 0; i < pairs; i++ {
			wrapped[i] = f.SplitText(orDash(cleanLine(r[2*i+1])), vw)
			if len(wrapped[i]) > 4 {
				wrapped[i] = wrapped[i][:4]
			}
			n = max(n, len(wrapped[i]))
		}
		h := float64(n)*lh + 2.4
		if f.GetY()+h > pageBottom {
			f.AddPage()
		}
		y := f.GetY()
		x := marginX
		for i := 0; i < pairs; i++ {
			p.fill(p.primary.tint(0.88))
			f.Rect(x, y, labelW, h, "FD")
			f.Rect(x+labelW, y, vw, h, "D")
			p.font("B", 8)
			p.textColor(p.primary)
			f.SetXY(x, y+1.2)
			f.CellFormat(labelW, lh, r[2*i], "", 0, "L", false, 0, "")
			p.font("", 8.5)
			p.textColor(colorText)
			for j, line := range wrapped[i] {
				f.SetXY(x+labelW, y+1.2+float64(j)*lh)
				f.CellFormat(vw, lh, line, "", 0, "L", false, 0, "")
			}
			x += labelW + vw
		}
		f.SetXY(marginX, y+h)
	}
	f.Ln(3)
}

// signatures draws labelled lines to sign on, two per row.
func (p *pdfDoc) signatures(labels []string) {
	f := p.f
	f.Ln(3)
	p.ensure(float64((len(labels)+1)/2)*13 + 4)
	colW := contentW / 2
	for i := 0; i < len(labels); i += 2 {
		y := f.GetY() + 8
		for c := 0; c < 2 && i+c < len(labels); c++ {
			x := marginX + float64(c)*colW
			p.draw(colorText)
			f.SetLineWidth(0.25)
			f.Line(x, y, x+colW-8, y)
			p.font("", 7.5)
			p.textColor(colorMuted)
			f.SetXY(x, y+0.5)
			f.CellFormat(colW-8, 4, labels[i+c], "", 0, "L", false, 0, "")
		}
		f.SetXY(marginX, y+5)
	}
	p.textColor(colorText)
	f.SetLineWidth(0.2)
	f.Ln(2)
}
