package report

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/png"
	"math"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// The cover page and the logo on it.

// coverPage writes page 1: logo and brand, a title block in the brand
// colour, the scan's particulars, and (for a run's report) the PCI verdict
// in a box big enough to read across a table.
func (p *pdfDoc) coverPage() {
	f, d := p.f, p.d
	f.AddPage()

	// Logo (or the brand name set large when there is none or it cannot
	// be drawn), top left.
	if !p.logo(marginX, 16, 70, 24) {
		p.font("B", 22)
		p.textColor(p.primary)
		f.SetXY(marginX, 18)
		f.CellFormat(contentW, 12, fitText(f, p.brand, contentW), "", 0, "L", false, 0, "")
	} else {
		p.font("B", 11)
		p.textColor(p.primary)
		f.SetXY(marginX+75, 16)
		f.CellFormat(contentW-75, 24, fitText(f, p.brand, contentW-75), "", 0, "RM", false, 0, "")
	}

	// Title block.
	p.fill(p.primary)
	f.Rect(0, 52, pageW, 62, "F")
	p.fill(p.accent)
	f.Rect(0, 114, pageW, 2, "F")
	p.textColor(rgb{255, 255, 255})
	p.font("B", 9)
	f.SetXY(marginX, 60)
	f.CellFormat(contentW, 6, strings.ToUpper(kicker(d)), "", 2, "L", false, 0, "")
	p.font("B", 24)
	f.SetX(marginX)
	for i, line := range f.SplitText(p.title, contentW) {
		if i == 2 {
			break
		}
		f.SetX(marginX)
		f.CellFormat(contentW, 11, line, "", 2, "L", false, 0, "")
	}
	p.font("", 13)
	sub := cleanLine(d.Target.Name)
	if d.Type == Advanced {
		sub = cleanLine(d.Description)
	}
	for i, line := range f.SplitText(sub, contentW) {
		if i == 3 || f.GetY() > 106 {
			break
		}
		f.SetX(marginX)
		f.CellFormat(contentW, 6.5, line, "", 2, "L", false, 0, "")
	}
	p.textColor(colorText)

	// Particulars, down to the verdict box (or the contact lines).
	bottom := 204.0
	if d.Type == Advanced {
		bottom = 250
	}
	f.SetXY(marginX, 126)
	for _, kv := range coverFacts(d) {
		y := f.GetY()
		room := min(coverFactLines, int((bottom-y)/5.5))
		if room < 1 {
			break
		}
		p.font("", 9.5)
		lines := f.SplitText(kv[1], contentW-45)
		if len(lines) > room {
			lines = lines[:room]
			lines[room-1] = fitText(f, lines[room-1]+" …", contentW-45)
		}
		p.textColor(colorText)
		for i, line := range lines {
			f.SetXY(marginX+45, y+float64(i)*5.5)
			f.CellFormat(contentW-45, 6, line, "", 0, "L", false, 0, "")
		}
		p.font("B", 9)
		p.textColor(colorMuted)
		f.SetXY(marginX, y)
		f.CellFormat(45, 6, kv[0], "", 0, "L", false, 0, "")
		p.draw(colorRule)
		f.SetLineWidth(0.15)
		yEnd := y + float64(max(1, len(lines)))*5.5 + 1.5
		f.Line(marginX, yEnd, marginX+contentW, yEnd)
		f.SetXY(marginX, yEnd+1)
	}

	if d.Type != Advanced {
		p.verdictBox(208)
	}

	// Who prepared it and how to reach them.
	p.font("", 8)
	p.textColor(colorMuted)
	f.SetXY(marginX, 256)
	var contact []string
	if e := cleanLine(d.Branding.SupportEmail); e != "" {
		contact = append(contact, e)
	}
	if u := cleanLine(d.Branding.SupportURL); u != "" {
		contact = append(contact, u)
	}
	prep := "Prepared by " + p.brand
	if len(contact) > 0 {
		prep += " · " + strings.Join(contact, " · ")
	}
	f.CellFormat(contentW, 5, fitText(f, prep, contentW), "", 2, "L", false, 0, "")
	f.SetX(marginX)
	f.CellFormat(contentW, 5, "This document contains confidential security information. Distribute on a need-to-know basis.", "", 2, "L", false, 0, "")
	p.textColor(colorText)
}

// coverFactLines caps a cover fact (a long filter list, a long name) so the
// facts never run into the verdict box.
const coverFactLines = 6

// kicker is the small line above the title (PDF and HTML).
func kicker(d *Document) string {
	switch d.Run.Product {
	case "pci":
		return "PCI DSS external vulnerability scan"
	case "penetration":
		return "Penetration test"
	}
	if d.Type == Advanced {
		return "Vulnerability report"
	}
	return "External vulnerability scan"
}

// coverFacts are the label/value lines of the cover (PDF and HTML).
func coverFacts(d *Document) [][2]string {
	var kv [][2]string
	add := func(k, v string) {
		if v = cleanLine(v); v != "" {
			kv = append(kv, [2]string{k, v})
		}
	}
	add("Prepared for", d.Customer.Company)
	if d.Type == Advanced {
		add("Generated", fmtTime(d.GeneratedAt))
		add("Report ID", d.ID)
		// One filter a line: the list says what the report covers.
		var fs []string
		for _, x := range d.Filters {
			if x = cleanLine(x); x != "" {
				fs = append(fs, x)
			}
		}
		if len(fs) > 0 {
			kv = append(kv, [2]string{"Filters", strings.Join(fs, "\n")})
		}
		var secs []string
		for _, s := range advancedSectionOrder {
			if d.Has(s) {
				secs = append(secs, sectionTitle(s))
			}
		}
		add("Sections", strings.Join(secs, ", "))
		return kv
	}
	add("Target", d.Target.Name)
	add("Scan", d.Run.ScanName)
	if !d.Run.StartedAt.IsZero() {
		add("Scan started", fmtTime(d.Run.StartedAt))
	}
	if !d.Run.FinishedAt.IsZero() {
		add("Scan completed", fmtTime(d.Run.FinishedAt))
	}
	add("Report generated", fmtTime(d.GeneratedAt))
	add("Report ID", d.ID)
	return kv
}

// verdictBox draws the PCI verdict box with its top at y.
func (p *pdfDoc) verdictBox(y float64) {
	f, d := p.f, p.d
	c := colorFail
	if d.PCICompliant {
		c = colorPass
	}
	p.fill(c)
	f.RoundedRect(marginX, y, contentW, 36, 2.5, "1234", "F")
	p.textColor(rgb{255, 255, 255})
	p.font("B", 9)
	f.SetXY(marginX+8, y+5)
	f.CellFormat(100, 5, "PCI DSS COMPLIANCE STATUS", "", 0, "L", false, 0, "")
	p.font("B", 32)
	f.SetXY(marginX+8, y+11)
	f.CellFormat(60, 16, verdict(d.PCICompliant), "", 0, "L", false, 0, "")
	p.font("", 10)
	msg := "No vulnerabilities fail PCI DSS requirements."
	if !d.PCICompliant {
		msg = plural(d.PCIFailing, "vulnerability fails", "vulnerabilities fail") + " PCI DSS requirements."
	}
	f.SetXY(marginX+70, y+10)
	f.CellFormat(contentW-78, 7, msg, "", 2, "L", false, 0, "")
	f.SetX(marginX + 70)
	f.CellFormat(contentW-78, 7, plural(len(d.Hosts), "component", "components")+" scanned · "+
		plural(d.Counts.Total(), "finding", "findings")+" in total", "", 2, "L", false, 0, "")
	p.textColor(colorText)
}

// plural is "1 host" / "3 hosts".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// logo draws the branding logo fitted into the box at x, y and reports
// whether it did. A logo that fpdf cannot read must not fail the report,
// so errors are cleared and the caller falls back to the company name.
func (p *pdfDoc) logo(x, y, w, h float64) bool {
	b := p.d.Branding
	if len(b.Logo) == 0 {
		return false
	}
	if b.LogoType == "image/svg+xml" || bytes.Contains(b.Logo[:min(len(b.Logo), 512)], []byte("<svg")) {
		return p.svgLogo(b.Logo, x, y, w, h)
	}
	return p.pngLogo(b.Logo, x, y, w, h)
}

func (p *pdfDoc) pngLogo(data []byte, x, y, w, h float64) bool {
	f := p.f
	if _, err := png.DecodeConfig(bytes.NewReader(data)); err != nil {
		return false
	}
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	info := f.RegisterImageOptionsReader("logo", opt, bytes.NewReader(data))
	if f.Err() {
		// fpdf reads a subset of PNG (no interlacing, ≤ 8 bits per
		// channel): re-encode such files once with the standard encoder.
		f.ClearError()
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			return false
		}
		var buf bytes.Buffer
		if png.Encode(&buf, toNRGBA(img)) != nil {
			return false
		}
		info = f.RegisterImageOptionsReader("logo2", opt, &buf)
		if f.Err() || info == nil {
			f.ClearError()
			return false
		}
		opt.ImageType = "PNG"
		return p.placeImage("logo2", info, x, y, w, h, opt)
	}
	if info == nil {
		return false
	}
	return p.placeImage("logo", info, x, y, w, h, opt)
}

func toNRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for yy := b.Min.Y; yy < b.Max.Y; yy++ {
		for xx := b.Min.X; xx < b.Max.X; xx++ {
			out.Set(xx-b.Min.X, yy-b.Min.Y, img.At(xx, yy))
		}
	}
	return out
}

func (p *pdfDoc) placeImage(name string, info *fpdf.ImageInfoType, x, y, w, h float64, opt fpdf.ImageOptions) bool {
	iw, ih := info.Width(), info.Height()
	if iw <= 0 || ih <= 0 {
		return false
	}
	s := math.Min(w/iw, h/ih)
	p.f.ImageOptions(name, x, y+(h-ih*s)/2, iw*s, ih*s, false, opt, 0, "")
	return !p.f.Err()
}

// svgLogo draws a simple SVG logo with fpdf's basic SVG support: paths and
// rectangles with solid fills. It is drawn as vectors, never embedded as
// markup, so nothing in the file can execute.
func (p *pdfDoc) svgLogo(data []byte, x, y, w, h float64) bool {
	var root struct {
		Width   string `xml:"width,attr"`
		Height  string `xml:"height,attr"`
		ViewBox string `xml:"viewBox,attr"`
	}
	if xml.Unmarshal(data, &root) != nil {
		return false
	}
	vb := strings.Fields(strings.ReplaceAll(root.ViewBox, ",", " "))
	var vbox [4]float64
	hasVB := len(vb) == 4
	for i := 0; hasVB && i < 4; i++ {
		v, err := strconv.ParseFloat(vb[i], 64)
		hasVB = err == nil
		vbox[i] = v
	}
	if root.Width == "" || root.Height == "" {
		// fpdf needs width and height; take them from the viewBox.
		if !hasVB || vbox[2] <= 0 || vbox[3] <= 0 {
			return false
		}
		i := bytes.Index(data, []byte("<svg"))
		if i < 0 {
			return false
		}
		attrs := ` width="` + strconv.FormatFloat(vbox[2], 'f', -1, 64) + `" height="` +
			strconv.FormatFloat(vbox[3], 'f', -1, 64) + `"`
		data = append(append(append([]byte{}, data[:i+4]...), attrs...), data[i+4:]...)
		root.Width = strconv.FormatFloat(vbox[2], 'f', -1, 64)
	}
	sig, err := fpdf.SVGBasicParse(data)
	if err != nil || len(sig.Paths) == 0 || sig.Wd <= 0 || sig.Ht <= 0 {
		return false
	}
	// Path coordinates are in viewBox units scaled like the width.
	extW, extH, offX, offY := sig.Wd, sig.Ht, 0.0, 0.0
	if wNum, err := strconv.ParseFloat(strings.TrimRight(root.Width, "abcdefghijklmnopqrstuvwxyz%"), 64); hasVB && err == nil && wNum > 0 && vbox[2] > 0 && vbox[3] > 0 {
		adj := sig.Wd / wNum
		extW, extH, offX, offY = vbox[2]*adj, vbox[3]*adj, vbox[0]*adj, vbox[1]*adj
	}
	s := math.Min(w/extW, h/extH)
	// fpdf panics on a malformed colour and draws only closed paths:
	// normalise colours, default unfilled shapes to the brand colour and
	// close open paths.
	for i := range sig.Paths {
		path := &sig.Paths[i]
		path.Fill = svgColor(path.Fill)
		path.Stroke = svgColor(path.Stroke)
		if path.Fill == "" && path.Stroke == "" {
			path.Fill = p.primary.hex()
		}
		if n := len(path.Segments); n > 0 && path.Segments[n-1].Cmd != 'Z' {
			path.Segments = append(path.Segments, fpdf.SVGBasicSegmentType{Cmd: 'Z'})
		}
	}
	p.f.SetXY(x-offX*s, y+(h-extH*s)/2-offY*s)
	p.f.SetLineWidth(0.3)
	p.f.SVGBasicDraw(&sig, s, "_")
	p.f.SetLineWidth(0.2)
	// The SVG set colours behind our record's back: set ours again.
	c := p.colors
	p.f.SetFillColor(c.fill.r, c.fill.g, c.fill.b)
	p.f.SetDrawColor(c.draw.r, c.draw.g, c.draw.b)
	return !p.f.Err()
}

// svgColor keeps "#RRGGBB"/"#RGB" fills (as #RRGGBB) and drops the rest
// (named colours, gradients, "none").
func svgColor(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "#") {
		return ""
	}
	c := parseColor(s, rgb{-1, 0, 0})
	if c.r < 0 {
		return ""
	}
	return c.hex()
}
