package report

import (
	"fmt"
	"strconv"
	"strings"
)

// HTML sections over the findings stream, trends and the attestation.

type htmlFinding struct {
	N                              int
	Title, Severity, SeverityLabel string
	Host, Service, Status, PCI     string
	PCIFail                        bool
	FirstSeen, LastSeen            string
	CVSS, Vector, CVEs, Check      string
	Description, Solution          string
	Evidence, EvidenceNote         string
	References                     []string
}

func findingView(n int, x *Finding) htmlFinding {
	v := htmlFinding{N: n, Title: cleanLine(x.Title), Severity: severityKey(x.Severity),
		SeverityLabel: severityLabel(x.Severity), Host: cleanLine(x.IP), Status: statusLabel(cleanLine(x.Status)),
		PCIFail: x.PCIFail, FirstSeen: fmtTime(x.FirstSeen), LastSeen: fmtTime(x.LastSeen),
		CVSS: fmtCVSS(x.CVSSScore), Vector: cleanLine(x.CVSSVector), CVEs: cleanLine(strings.Join(x.CVEs, ", ")),
		Check: cleanLine(x.CheckID), Description: strings.TrimSpace(clean(x.Description)),
		Solution: strings.TrimSpace(clean(x.Solution))}
	if hn := cleanLine(x.Hostname); hn != "" {
		v.Host += " (" + hn + ")"
	}
	v.Service = "Host level"
	if x.Port > 0 {
		v.Service = strconv.Itoa(x.Port) + "/" + orDash(cleanLine(x.Protocol))
		if s := cleanLine(x.Service); s != "" {
			v.Service += " " + s
		}
	}
	v.PCI = "Pass"
	if x.PCIFail {
		v.PCI = "Fail"
		if x.PCIAutoFail {
			v.PCI += " (automatic failure)"
		}
	}
	if x.KEV {
		v.Status += " · Known exploited (CISA KEV)"
	}
	if x.EPSS > 0 {
		v.Status += fmt.Sprintf(" · EPSS %.1f%%", x.EPSS*100)
	}
	v.Evidence, v.EvidenceNote = evidenceText(x.Evidence)
	for _, r := range x.References {
		if r = cleanLine(r); r != "" {
			v.References = append(v.References, r)
		}
	}
	return v
}

func (h *htmlWriter) details() error {
	h.heading("Findings in detail")
	n := 0
	current := ""
	err := h.d.walk(func(x *Finding) error {
		if n == 0 || x.Severity != current {
			current = x.Severity
			h.subheading(severityLabel(current) + " severity")
		}
		n++
		h.exec("finding", findingView(n, x))
		return h.err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		h.exec("empty", "No vulnerabilities were found.")
	}
	return nil
}

func (h *htmlWriter) vulnerabilities() error {
	h.heading("Vulnerabilities")
	n := 0
	err := h.d.walk(func(x *Finding) error {
		if n == 0 {
			h.exec("tableStart", heads("Severity|CVSS>|Host|Vulnerability|Target|Status|First seen|Last seen"))
		}
		n++
		h.exec("row", []htmlCell{badge(x.Severity), {Text: fmtCVSS(x.CVSSScore), Class: "num"}, mono(cleanLine(x.hostPort())),
			txt(cleanLine(x.Title)), txt(cleanLine(x.TargetName)), txt(statusLabel(cleanLine(x.Status))),
			date(fmtDate(x.FirstSeen)), date(fmtDate(x.LastSeen))})
		return h.err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		h.exec("empty", "No vulnerabilities match the report's filters.")
	} else {
		h.exec("tableEnd", nil)
	}
	return nil
}

func (h *htmlWriter) remediation() error {
	items, err := h.d.remediationList()
	if err != nil {
		return err
	}
	h.heading("Remediation plan")
	if len(items) == 0 {
		h.exec("empty", "Nothing to remediate.")
		return nil
	}
	for i, it := range items {
		scope := fmt.Sprintf("%s on %s · highest CVSS %s", plural(it.Count, "finding", "findings"),
			plural(len(it.Hosts), "host/port", "hosts/ports"), fmtCVSS(it.CVSS))
		if it.PCIFail {
			scope += " · fails PCI DSS"
		}
		h.exec("remediation", struct {
			N                                   int
			Title, Severity, SeverityLabel      string
			Scope, Check, CVEs, Solution, Hosts string
		}{i + 1, cleanLine(it.Title), severityKey(it.Severity), severityLabel(it.Severity), scope,
			cleanLine(it.CheckID), cleanLine(listSome(it.CVEs, 30, ", ")), strings.TrimSpace(clean(it.Solution)),
			cleanLine(listSome(it.Hosts, 200, ", "))})
	}
	return nil
}

type svgLabel struct {
	X, Y, TY float64
	Label    string
}

type svgSeries struct {
	Label, Color, Points string
	LX, TX               float64
}

func (h *htmlWriter) trends() {
	d := h.d
	h.heading("Trends")
	if len(d.Trends) == 0 {
		h.exec("empty", "No scan runs fall in the report's period.")
		return
	}
	ts := d.Trends
	most := 0
	for _, t := range ts {
		for _, s := range severities {
			most = max(most, t.Counts.of(s))
		}
	}
	step := niceCeil(float64(most) / 4)
	top := 4 * step
	const x0, w, y0, ht = 50.0, 660.0, 10.0, 200.0 // room for the last date label
	px := func(i int) float64 {
		if len(ts) == 1 {
			return x0 + w/2
		}
		return x0 + w*float64(i)/float64(len(ts)-1)
	}
	var grid, xl []svgLabel
	for i := 0; i <= 4; i++ {
		y := y0 + ht - ht*float64(i)/4
		grid = append(grid, svgLabel{Y: y, TY: y + 4, Label: strconv.FormatFloat(step*float64(i), 'f', -1, 64)})
	}
	every := max(1, (len(ts)+7)/8)
	for i := 0; i < len(ts); i += every {
		xl = append(xl, svgLabel{X: px(i), Label: fmtDate(ts[i].Date)})
	}
	var series []svgSeries
	for k, s := range severities {
		var pts []string
		for i, t := range ts {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(i), y0+ht-ht*float64(t.Counts.of(s))/top))
		}
		series = append(series, svgSeries{Label: severityLabel(s), Color: severityColor(s).hex(),
			Points: strings.Join(pts, " "), LX: x0 + float64(k)*110, TX: x0 + float64(k)*110 + 18})
	}
	h.exec("lines", struct {
		Grid, XLabels []svgLabel
		Series        []svgSeries
	}{grid, xl, series})
	t := htmlTable{Head: heads("Period|Runs>|Critical>|High>|Medium>|Low>|Info>|Total>|PCI pass>|PCI fail>")}
	for _, p := range ts {
		c := p.Counts
		t.Rows = append(t.Rows, []htmlCell{date(fmtDate(p.Date)), num(p.Runs), num(c.Critical), num(c.High), num(c.Medium),
			num(c.Low), num(c.Info), num(c.Total()), num(p.PCIPass), num(p.PCIFails)})
	}
	h.exec("table", t)
}

func partyView(p Party) Party {
	return Party{Company: orDash(cleanLine(p.Company)), Contact: orDash(cleanLine(p.Contact)), Title: orDash(cleanLine(p.Title)),
		Phone: orDash(cleanLine(p.Phone)), Email: orDash(cleanLine(p.Email)), Address: orDash(cleanLine(p.Address)),
		URL: orDash(cleanLine(p.URL))}
}

// aosc writes the attestation in the Program Guide's parts, as the PDF.
func (h *htmlWriter) aosc() {
	d := h.d
	h.exec("aosctitle", nil)
	h.exec("h2", numTitle{"", "Part 1. Scan Information"})
	h.exec("h3", numTitle{"", "Part 1a. Scan Customer Information"})
	h.exec("party", partyView(d.Customer))
	h.exec("h3", numTitle{"", "Part 1b. Approved Scanning Vendor Information"})
	h.exec("party", partyView(d.ASV))
	h.exec("h2", numTitle{"", "Part 2. Component Compliance Summary"})
	if len(d.Hosts) == 0 {
		h.exec("empty", "No components were scanned.")
	} else {
		t := htmlTable{Head: heads("Component (IP address)|Hostname|Result")}
		for _, x := range d.Hosts {
			t.Rows = append(t.Rows, []htmlCell{mono(cleanLine(x.IP)), txt(cleanLine(x.Hostname)), passFail(x.PCICompliant)})
		}
		h.exec("table", t)
	}
	h.exec("h2", numTitle{"", "Part 3a. Scan Status"})
	status := htmlCell{Text: verdict(d.PCICompliant), Class: "fail-t"}
	if d.PCICompliant {
		status.Class = "pass-t"
	}
	h.exec("table", htmlTable{Head: heads("Item|Value"), Rows: [][]htmlCell{
		{txt("Date scan completed"), txt(fmtDate(d.Run.FinishedAt))},
		{txt("Scan expiration date (90 days from the date scan completed)"), txt(fmtDate(d.scanExpires()))},
		{txt("Compliance status"), status},
		{txt("Number of unique in-scope components scanned"), txt(strconv.Itoa(len(d.Hosts)))},
		{txt("Number of identified failing vulnerabilities"), txt(strconv.Itoa(d.PCIFailing))},
		{txt("Number of components found by ASV but not scanned because scan customer confirmed they were out of scope"), txt("0 (none)")},
	}})
	h.exec("h2", numTitle{"", "Part 3b. Scan Customer Attestation"})
	h.exec("attest", struct {
		Text  string
		Lines []string
	}{customerAttestation(d), []string{"Signature", "Printed name", "Job title", "Date"}})
	h.exec("h2", numTitle{"", "Part 3c. ASV Review"})
	h.exec("attest", struct {
		Text  string
		Lines []string
	}{asvAttestation(d), []string{"ASV reviewer name", "Signature", "ASV certificate number", "Date"}})
}
