package report

import (
	"fmt"
	"io"
	"strconv"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
)

// The PDF renderer. This file holds the page frame (fonts, header band,
// footer, headings, wrapped text); pdf_*.go hold the sections. All sizes are
// millimetres on A4 portrait.

const (
	pageW        = 210.0
	pageH        = 297.0
	marginX      = 15.0
	contentW     = pageW - 2*marginX
	bandH        = 13.0 // brand-coloured header band on every page but the cover
	topY         = 22.0 // where content starts below the band
	bottomMargin = 18.0 // room for the footer
	pageBottom   = pageH - bottomMargin
	cellMargin   = 1.5
	ptToMM       = 25.4 / 72
)

// pdfDoc is one PDF being written.
type pdfDoc struct {
	f       *fpdf.Fpdf
	d       *Document
	primary rgb
	accent  rgb
	brand   string
	title   string
	footer  string
	cover   bool // page 1 is a cover and gets no header band
	section int
	sub     int
	cur     fontState // the font last selected, see setFont
	colors  colorState
}

// colorState is the colours last set, so redundant colour operators are
// skipped like redundant font ones (see setFont). Its zero value, black,
// is fpdf's initial state.
type colorState struct {
	text, fill, draw rgb
}

type fontState struct {
	family, style string
	size          float64
}

func renderPDF(w io.Writer, d *Document) error {
	p := newPDFDoc(d)
	if err := p.body(); err != nil {
		return err
	}
	if err := p.f.Error(); err != nil {
		return fmt.Errorf("report: pdf: %w", err)
	}
	if err := p.f.Output(w); err != nil {
		return fmt.Errorf("report: pdf: %w", err)
	}
	return nil
}

func newPDFDoc(d *Document) *pdfDoc {
	f := fpdf.New("P", "mm", "A4", "")
	p := &pdfDoc{f: f, d: d, primary: d.primary(), accent: d.secondary(),
		brand: d.brand(), title: d.title(), footer: d.footer(), cover: d.Type != AoSC}

	// Go fonts are embedded TrueType with wide Latin, Greek and Cyrillic
	// coverage; the UTF-8 font path subsets them, so only used glyphs are
	// written. The core PDF fonts would limit text to cp1252.
	f.AddUTF8FontFromBytes("sans", "", goregular.TTF)
	f.AddUTF8FontFromBytes("sans", "B", gobold.TTF)
	f.AddUTF8FontFromBytes("sans", "I", goitalic.TTF)
	f.AddUTF8FontFromBytes("mono", "", gomono.TTF)

	f.SetCompression(true)
	f.SetMargins(marginX, topY, marginX)
	// Pages are broken by hand (ensure, table rows, blocks) so a row or a
	// block part is never split; fpdf's own break would fire inside a
	// drawing pass.
	f.SetAutoPageBreak(false, bottomMargin)
	f.SetCellMargin(cellMargin)
	f.AliasNbPages("{nb}")
	f.SetTitle(p.title, true)
	f.SetAuthor(p.brand, true)
	f.SetCreator("Perimeter", true)
	f.SetSubject(p.subject(), true)
	if !d.GeneratedAt.IsZero() {
		// Fixed dates keep the file reproducible for one document.
		f.SetCreationDate(d.GeneratedAt)
		f.SetModificationDate(d.GeneratedAt)
	}
	f.SetHeaderFuncMode(p.header, false)
	f.SetFooterFunc(p.pageFooter)
	return p
}

func (p *pdfDoc) subject() string {
	if p.d.Target.Name != "" {
		return p.title + " — " + cleanLine(p.d.Target.Name)
	}
	return p.title
}

// body writes the sections of the document's type.
func (p *pdfDoc) body() error {
	d := p.d
	switch d.Type {
	case AoSC:
		return p.aosc()
	case Advanced:
		p.coverPage()
		return p.advancedSections()
	}
	p.coverPage()
	p.f.AddPage()
	p.summary()
	switch d.Type {
	case Remediation:
		if err := p.remediation(); err != nil {
			return err
		}
	default: // executive, detailed
		p.hosts()
		if err := p.topFindings(); err != nil {
			return err
		}
		if d.Type == Detailed {
			if err := p.findingDetails(); err != nil {
				return err
			}
		}
	}
	if d.Type != Executive && len(d.Exceptions) > 0 {
		p.exceptions()
	}
	return nil
}

// advancedSections writes the sections the report definition selected, in
// a fixed order so two reports of one definition read alike.
func (p *pdfDoc) advancedSections() error {
	d := p.d
	p.f.AddPage()
	if d.Has("summary") {
		p.summary()
	}
	if d.Has("trends") {
		p.trends()
	}
	if d.Has("hosts") {
		p.hosts()
	}
	if d.Has("vulnerabilities") {
		if err := p.vulnerabilityTable(); err != nil {
			return err
		}
	}
	if d.Has("remediation") {
		if err := p.remediation(); err != nil {
			return err
		}
	}
	if d.Has("exceptions") {
		p.exceptions()
	}
	return nil
}

// header draws the brand band: company left, report title right.
func (p *pdfDoc) header() {
	f := p.f
	if p.cover && f.PageNo() == 1 {
		return
	}
	// fpdf restores the page's font and colours after the header; so must
	// our record of them.
	defer p.restoreState(p.cur, p.colors)
	p.fill(p.primary)
	f.Rect(0, 0, pageW, bandH, "F")
	p.fill(p.accent)
	f.Rect(0, bandH, pageW, 0.8, "F")
	p.textColor(rgb{255, 255, 255})
	p.font("B", 10)
	f.SetXY(marginX, 0)
	f.CellFormat(contentW*0.45, bandH, p.brand, "", 0, "LM", false, 0, "")
	p.font("", 8.5)
	f.CellFormat(contentW*0.55, bandH, fitText(f, p.title, contentW*0.55), "", 0, "RM", false, 0, "")
	p.textColor(colorText)
	f.SetXY(marginX, topY)
}

// pageFooter draws the rule, footer line and "Page N of M" on every page.
func (p *pdfDoc) pageFooter() {
	f := p.f
	defer p.restoreState(p.cur, p.colors)
	y := pageH - 13
	p.draw(colorRule)
	f.SetLineWidth(0.2)
	f.Line(marginX, y, pageW-marginX, y)
	f.SetXY(marginX, y+1)
	p.font("", 7.5)
	p.textColor(colorMuted)
	f.CellFormat(contentW*0.75, 5, fitText(f, p.footer, contentW*0.75), "", 0, "L", false, 0, "")
	f.CellFormat(contentW*0.25, 5, "Page "+strconv.Itoa(f.PageNo())+" of {nb}", "", 0, "R", false, 0, "")
	p.textColor(colorText)
}

func (p *pdfDoc) font(style string, size float64) { p.setFont(fontState{"sans", style, size}) }
func (p *pdfDoc) mono(size float64)               { p.setFont(fontState{"mono", "", size}) }

// setFont selects a font unless it is already current. fpdf writes a font
// operator (with a 40-character font name) on every SetFont call; skipping
// the redundant ones cut a 10 000-finding report's page content by a third,
// and page content is what the renderer holds in memory until the end.
func (p *pdfDoc) setFont(s fontState) {
	if s == p.cur {
		return
	}
	p.cur = s
	p.f.SetFont(s.family, s.style, s.size)
}
func (p *pdfDoc) restoreState(f fontState, c colorState) { p.cur, p.colors = f, c }

func (p *pdfDoc) fill(c rgb) {
	if c != p.colors.fill {
		p.colors.fill = c
		p.f.SetFillColor(c.r, c.g, c.b)
	}
}

func (p *pdfDoc) draw(c rgb) {
	if c != p.colors.draw {
		p.colors.draw = c
		p.f.SetDrawColor(c.r, c.g, c.b)
	}
}

// textColor sets the text colour and the fill colour with it: fpdf wraps
// every text operator in a save/colour/restore sequence while the two
// differ, so shapes set their fill just before drawing (p.fill) and text
// leaves both equal.
func (p *pdfDoc) textColor(c rgb) {
	if c != p.colors.text {
		p.colors.text = c
		p.f.SetTextColor(c.r, c.g, c.b)
	}
	p.fill(c)
}

// lineH is the line height for a font size: 1.25 leading, in mm.
func lineH(size float64) float64 { return size * ptToMM * 1.25 }

// ensure starts a new page unless h mm fit above the footer, so a heading
// or a block's title bar is never stranded at the bottom of a page.
func (p *pdfDoc) ensure(h float64) {
	if p.f.GetY()+h > pageBottom {
		p.f.AddPage()
	}
}

// heading starts a numbered section.
func (p *pdfDoc) heading(title string) {
	p.section++
	p.sub = 0
	p.headingText(strconv.Itoa(p.section)+"  "+title, 0)
}

// subheading starts a numbered subsection of the current section.
func (p *pdfDoc) subheading(title string) {
	p.sub++
	p.headingText(strconv.Itoa(p.section)+"."+strconv.Itoa(p.sub)+"  "+title, 1)
}

// headingText writes a heading (level 0 large with a rule, 1 smaller) and
// its PDF bookmark, so the outline pane works as a table of contents.
func (p *pdfDoc) headingText(text string, level int) {
	f := p.f
	if level == 0 {
		if f.GetY() > topY+1 {
			f.Ln(4)
		}
		p.ensure(30)
		f.Bookmark(text, 0, -1)
		p.font("B", 14)
		p.textColor(p.primary)
		f.SetX(marginX)
		f.CellFormat(contentW, 8, text, "", 1, "L", false, 0, "")
		p.draw(p.accent)
		f.SetLineWidth(0.5)
		y := f.GetY()
		f.Line(marginX, y, marginX+contentW, y)
		f.SetLineWidth(0.2)
		f.Ln(3)
	} else {
		f.Ln(2)
		p.ensure(22)
		f.Bookmark(text, 1, -1)
		p.font("B", 11)
		p.textColor(p.primary)
		f.SetX(marginX)
		f.CellFormat(contentW, 7, text, "", 1, "L", false, 0, "")
		f.Ln(1)
	}
	p.textColor(colorText)
}

// paragraph writes wrapped text across the content width.
func (p *pdfDoc) paragraph(text string, size float64) {
	p.font("", size)
	p.textLines(marginX, contentW, p.f.SplitText(clean(text), contentW), lineH(size), false)
}

// textLines writes pre-wrapped lines at x, breaking pages between lines (and
// setting x again after a break, which resets it to the margin).
func (p *pdfDoc) textLines(x, w float64, lines []string, lh float64, fill bool) {
	f := p.f
	for _, line := range lines {
		if f.GetY()+lh > pageBottom {
			f.AddPage()
		}
		f.SetX(x)
		f.CellFormat(w, lh, line, "", 2, "L", fill, 0, "")
	}
}

// fitText cuts s with an ellipsis so it fits w at the current font: used
// for one-line slots (header band, footer) where wrapping would overlap.
func fitText(f *fpdf.Fpdf, s string, w float64) string {
	w -= 2 * cellMargin
	if f.GetStringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	lo, hi := 0, len(r)
	for lo < hi { // longest prefix that fits, by bisection
		mid := (lo + hi + 1) / 2
		if f.GetStringWidth(string(r[:mid])+"…") <= w {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return string(r[:lo]) + "…"
}

// badge draws a rounded severity label with its top-left at x, y.
func (p *pdfDoc) badge(x, y, w, h float64, severity string) {
	f := p.f
	p.fill(severityColor(severity))
	f.RoundedRect(x, y, w, h, 1.2, "1234", "F")
	p.font("B", 7)
	p.textColor(rgb{255, 255, 255})
	f.SetXY(x, y)
	f.CellFormat(w, h, severityLabel(severity), "", 0, "CM", false, 0, "")
	p.textColor(colorText)
}
