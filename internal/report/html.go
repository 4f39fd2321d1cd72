package report

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
)

// The HTML renderer: the PDF's sections as one self-contained page. The
// page is written in template chunks (head, each section, each finding,
// tail), so a detailed report streams rather than building all findings in
// memory.

type htmlWriter struct {
	w   *bufio.Writer
	d   *Document
	sec int
	sub int
	err error
}

func renderHTML(w io.Writer, d *Document) error {
	h := &htmlWriter{w: bufio.NewWriterSize(w, 64<<10), d: d}
	page := h.page()
	h.exec("head", page)
	if d.Type != AoSC {
		h.exec("cover", page)
	}
	if err := h.body(); err != nil {
		return err
	}
	h.exec("tail", page)
	if h.err != nil {
		return fmt.Errorf("report: html: %w", h.err)
	}
	return h.w.Flush()
}

// exec runs one template chunk; the first error sticks and later chunks
// are skipped.
func (h *htmlWriter) exec(name string, data any) {
	if h.err == nil {
		h.err = htmlTmpl.ExecuteTemplate(h.w, name, data)
	}
}

type htmlPage struct {
	CSS                          template.CSS
	Title, Brand, Target, Kicker string
	Subtitle                     string
	Logo                         template.URL
	Facts                        [][2]string
	ShowVerdict, Pass            bool
	Verdict, VerdictText         string
	ScopeText                    string
	Footer, Support, Generated   string
	ID                           string
}

func (h *htmlWriter) page() htmlPage {
	d := h.d
	pg := htmlPage{CSS: htmlCSS(d.primary(), d.secondary()), Title: d.title(), Brand: d.brand(),
		Target: cleanLine(d.Target.Name), Kicker: kicker(d), Subtitle: cleanLine(d.Target.Name),
		Logo: logoURI(d.Branding), Facts: coverFacts(d), ShowVerdict: d.Type != Advanced,
		Pass: d.PCICompliant, Verdict: verdict(d.PCICompliant),
		Footer: d.footer(), Generated: fmtTime(d.GeneratedAt), ID: cleanLine(d.ID)}
	if d.Type == Advanced {
		pg.Subtitle = cleanLine(d.Description)
	}
	pg.VerdictText = "No vulnerabilities fail PCI DSS requirements."
	if !d.PCICompliant {
		pg.VerdictText = plural(d.PCIFailing, "vulnerability fails", "vulnerabilities fail") + " PCI DSS requirements."
	}
	pg.ScopeText = plural(len(d.Hosts), "component", "components") + " scanned · " +
		plural(d.Counts.Total(), "finding", "findings") + " in total"
	var support []string
	for _, s := range []string{d.Branding.SupportEmail, d.Branding.SupportURL} {
		if s = cleanLine(s); s != "" {
			support = append(support, s)
		}
	}
	// Support contacts are shown as text, not links: the file makes no
	// reference to anything outside itself.
	pg.Support = strings.Join(support, " · ")
	return pg
}

// logoURI embeds the logo as a data: URI. Only PNG and SVG are accepted,
// and the bytes are base64 encoded, so the URI cannot break out of the
// attribute; an SVG shown through <img> cannot run scripts.
func logoURI(b Branding) template.URL {
	if len(b.Logo) == 0 {
		return ""
	}
	mime := ""
	switch {
	case b.LogoType == "image/svg+xml":
		mime = "image/svg+xml"
	case b.LogoType == "image/png" || strings.HasPrefix(string(b.Logo[:min(8, len(b.Logo))]), "\x89PNG"):
		mime = "image/png"
	default:
		return ""
	}
	return template.URL("data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b.Logo))
}

type numTitle struct {
	Num   string
	Title string
}

func (h *htmlWriter) heading(title string) {
	h.sec++
	h.sub = 0
	h.exec("h2", numTitle{strconv.Itoa(h.sec), title})
}

func (h *htmlWriter) subheading(title string) {
	h.sub++
	h.exec("h3", numTitle{strconv.Itoa(h.sec) + "." + strconv.Itoa(h.sub), title})
}

func (h *htmlWriter) body() error {
	d := h.d
	switch d.Type {
	case AoSC:
		h.aosc()
		return nil
	case Advanced:
		return h.advanced()
	}
	h.summary()
	if d.Type == Remediation {
		if err := h.remediation(); err != nil {
			return err
		}
	} else {
		h.hosts()
		if err := h.top(); err != nil {
			return err
		}
		if d.Type == Detailed {
			if err := h.details(); err != nil {
				return err
			}
		}
	}
	if d.Type != Executive && len(d.Exceptions) > 0 {
		h.exceptions()
	}
	return nil
}

func (h *htmlWriter) advanced() error {
	d := h.d
	if d.Has("summary") {
		h.summary()
	}
	if d.Has("trends") {
		h.trends()
	}
	if d.Has("hosts") {
		h.hosts()
	}
	if d.Has("vulnerabilities") {
		if err := h.vulnerabilities(); err != nil {
			return err
		}
	}
	if d.Has("remediation") {
		if err := h.remediation(); err != nil {
			return err
		}
	}
	if d.Has("exceptions") {
		h.exceptions()
	}
	return nil
}

type htmlTile struct{ Value, Caption, Class string }

func (h *htmlWriter) summary() {
	d := h.d
	h.heading("Summary")
	var tiles []htmlTile
	if d.Type == Advanced {
		pass, fail, runs := trendVerdicts(d.Trends)
		tiles = []htmlTile{{strconv.Itoa(len(d.Hosts)), "Hosts", ""}, {strconv.Itoa(d.Counts.Total()), "Findings", ""},
			{strconv.Itoa(d.Counts.Critical + d.Counts.High), "Critical and high", "bad"},
			{fmt.Sprintf("%d / %d", pass, fail), fmt.Sprintf("PCI pass / fail (%d runs)", runs), ""}}
	} else {
		vc := "bad"
		if d.PCICompliant {
			vc = "good"
		}
		tiles = []htmlTile{{strconv.Itoa(len(d.Hosts)), "Components scanned", ""}, {strconv.Itoa(d.Counts.Total()), "Findings", ""},
			{strconv.Itoa(d.PCIFailing), "Failing PCI DSS", "bad"}, {verdict(d.PCICompliant), "PCI DSS status", vc}}
	}
	h.exec("summary", struct {
		Text  string
		Tiles []htmlTile
	}{summaryText(d), tiles})
	h.subheading("Findings by severity")
	h.exec("bars", barChart(d.Counts))
}

type htmlBar struct {
	Label, Color, Share string
	Count               int
	Y, TY, W            float64
}

// barChart lays out the severity bars in SVG user units.
func barChart(c Counts) any {
	most := 1
	for _, s := range severities {
		most = max(most, c.of(s))
	}
	var bars []htmlBar
	for i, s := range severities {
		n := c.of(s)
		share := "0%"
		if c.Total() > 0 {
			share = fmt.Sprintf("%.0f%%", 100*float64(n)/float64(c.Total()))
		}
		w := 560 * float64(n) / float64(most)
		if n > 0 {
			w = max(w, 2)
		}
		y := float64(i) * 30
		bars = append(bars, htmlBar{Label: severityLabel(s), Color: severityColor(s).hex(), Share: share,
			Count: n, Y: y + 2, TY: y + 17, W: w})
	}
	return struct {
		Bars  []htmlBar
		H     int
		Total string
	}{bars, 30 * len(severities), plural(c.Total(), "finding", "findings")}
}

type htmlHead struct {
	Text string
	Num  bool
}

type htmlCell struct{ Text, Class, Badge string }

type htmlTable struct {
	Head []htmlHead
	Rows [][]htmlCell
}

// heads parses "Name|Count>|…" into header cells; a trailing ">" marks a
// numeric, right-aligned column.
func heads(spec string) []htmlHead {
	var hs []htmlHead
	for _, s := range strings.Split(spec, "|") {
		num := strings.HasSuffix(s, ">") // right-aligned numeric column
		hs = append(hs, htmlHead{strings.TrimSuffix(s, ">"), num})
	}
	return hs
}

func num(n int) htmlCell      { return htmlCell{Text: strconv.Itoa(n), Class: "num"} }
func txt(s string) htmlCell   { return htmlCell{Text: s} }
func date(s string) htmlCell  { return htmlCell{Text: s, Class: "nw"} }
func mono(s string) htmlCell  { return htmlCell{Text: s, Class: "mono"} }
func badge(s string) htmlCell { return htmlCell{Text: severityLabel(s), Badge: severityKey(s)} }

// severityKey is a severity as a CSS class suffix: only known values, so a
// stray severity string never lands in a class attribute.
func severityKey(s string) string { return severities[severityRank(s)] }

func passFail(pass bool) htmlCell {
	if pass {
		return htmlCell{Text: "Pass", Class: "pass-t"}
	}
	return htmlCell{Text: "Fail", Class: "fail-t"}
}

func (h *htmlWriter) hosts() {
	d := h.d
	h.heading("Hosts")
	if len(d.Hosts) == 0 {
		h.exec("empty", "No hosts were found.")
		return
	}
	t := htmlTable{Head: heads("IP address|Hostname|Operating system|Open ports>|Critical>|High>|Medium>|Low>|Info>|PCI")}
	for _, x := range d.Hosts {
		c := x.Counts
		t.Rows = append(t.Rows, []htmlCell{mono(cleanLine(x.IP)), txt(cleanLine(x.Hostname)), txt(cleanLine(x.OS)),
			num(len(x.OpenPorts)), num(c.Critical), num(c.High), num(c.Medium), num(c.Low), num(c.Info), passFail(x.PCICompliant)})
	}
	h.exec("table", t)
}

func (h *htmlWriter) top() error {
	top, err := h.d.topFindings(10)
	if err != nil {
		return err
	}
	h.heading("Top findings")
	if len(top) == 0 {
		h.exec("empty", "No vulnerabilities were found.")
		return nil
	}
	t := htmlTable{Head: heads("#>|Severity|CVSS>|Host|Vulnerability")}
	for i := range top {
		x := &top[i]
		t.Rows = append(t.Rows, []htmlCell{num(i + 1), badge(x.Severity), {Text: fmtCVSS(x.CVSSScore), Class: "num"},
			mono(cleanLine(x.hostPort())), txt(cleanLine(x.Title))})
	}
	h.exec("table", t)
	return nil
}

func (h *htmlWriter) exceptions() {
	d := h.d
	h.heading("Exceptions")
	if len(d.Exceptions) == 0 {
		h.exec("empty", "No exceptions apply.")
		return
	}
	t := htmlTable{Head: heads("Type|Status|Check|Host|Reason|Expires|Findings>")}
	for _, e := range d.Exceptions {
		host := cleanLine(e.Host)
		if e.Port > 0 {
			host += ":" + strconv.Itoa(e.Port)
		}
		exp := "Never"
		if e.ExpiresAt != nil {
			exp = fmtDate(*e.ExpiresAt)
		}
		t.Rows = append(t.Rows, []htmlCell{txt(exceptionTypeLabel(cleanLine(e.Type))), txt(statusLabel(cleanLine(e.Status))),
			mono(orDash(cleanLine(e.CheckID))), mono(orDash(host)), txt(cleanLine(e.Reason)), txt(exp), num(e.Findings)})
	}
	h.exec("table", t)
}
