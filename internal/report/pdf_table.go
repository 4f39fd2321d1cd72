package report

// A small table writer for the PDF: fixed column widths, a brand-coloured
// header row repeated on every page the table spans, zebra rows, cells
// word-wrapped with the row as tall as its tallest cell, and a page-break
// check before each row so a row is never split across pages.

// pdfCol is one table column; widths are scaled to the content width.
type pdfCol struct {
	title string
	w     float64
	align string // "L", "C" or "R"
}

// cellKind styles a cell beyond plain text.
type cellKind int

const (
	cellText     cellKind = iota
	cellSeverity          // text is a severity: drawn as a coloured badge
	cellVerdict           // "Pass"/"Fail" (or PASS/FAIL): coloured text
	cellMono              // monospace (addresses, vectors)
)

// maxCellLines bounds a row's height: a cell longer than this (a very long
// reason or host list) is cut with an ellipsis rather than making a row
// taller than a page, which could never be placed.
const maxCellLines = 12

type pdfTable struct {
	p     *pdfDoc
	cols  []pdfCol
	kinds []cellKind // per column; nil = all text
	size  float64
	lh    float64
	pad   float64
	rows  int
}

// table starts a table and draws its header row.
func (p *pdfDoc) table(cols []pdfCol, kinds []cellKind) *pdfTable {
	total := 0.0
	for _, c := range cols {
		total += c.w
	}
	scaled := make([]pdfCol, len(cols))
	for i, c := range cols {
		c.w = c.w * contentW / total
		if c.align == "" {
			c.align = "L"
		}
		scaled[i] = c
	}
	t := &pdfTable{p: p, cols: scaled, kinds: kinds, size: 7.8, lh: lineH(7.8), pad: 1.3}
	// A header alone at the bottom of a page reads as a broken table: ask
	// for room for it and a couple of rows.
	p.ensure(t.lh*4 + 4*t.pad)
	t.header()
	return t
}

func (t *pdfTable) kind(i int) cellKind {
	if i < len(t.kinds) {
		return t.kinds[i]
	}
	return cellText
}

// header draws the header row at the current position.
func (t *pdfTable) header() {
	p, f := t.p, t.p.f
	p.font("B", t.size)
	wrapped := make([][]string, len(t.cols))
	n := 1
	for i, c := range t.cols {
		wrapped[i] = f.SplitText(c.title, c.w)
		n = max(n, len(wrapped[i]))
	}
	h := float64(n)*t.lh + 2*t.pad
	x, y := marginX, f.GetY()
	p.fill(t.p.primary)
	f.Rect(x, y, contentW, h, "F")
	p.textColor(rgb{255, 255, 255})
	for i, c := range t.cols {
		for j, line := range wrapped[i] {
			f.SetXY(x, y+t.pad+float64(j)*t.lh)
			f.CellFormat(c.w, t.lh, line, "", 0, c.align, false, 0, "")
		}
		x += c.w
	}
	p.textColor(colorText)
	f.SetXY(marginX, y+h)
}

// row adds one row; cells beyond the columns are ignored, missing ones are
// empty.
func (t *pdfTable) row(cells ...string) {
	p, f := t.p, t.p.f
	wrapped := make([][]string, len(t.cols))
	n := 1
	for i, c := range t.cols {
		if i >= len(cells) || cells[i] == "" {
			continue
		}
		if t.kind(i) == cellMono {
			p.mono(t.size - 0.6)
		} else {
			p.font("", t.size)
		}
		lines := f.SplitText(cells[i], c.w)
		if len(lines) > maxCellLines {
			lines = lines[:maxCellLines]
			lines[maxCellLines-1] = fitText(f, lines[maxCellLines-1]+" …", c.w)
		}
		wrapped[i] = lines
		n = max(n, len(lines))
	}
	h := float64(n)*t.lh + 2*t.pad
	if f.GetY()+h > pageBottom {
		f.AddPage()
		t.header()
	}
	x, y := marginX, f.GetY()
	if t.rows%2 == 1 {
		p.fill(t.p.primary.tint(0.93))
		f.Rect(x, y, contentW, h, "F")
	}
	p.textColor(colorText)
	t.rows++
	for i, c := range t.cols {
		lines := wrapped[i]
		switch t.kind(i) {
		case cellSeverity:
			if len(cells) > i && cells[i] != "" {
				p.badge(x+0.8, y+t.pad-0.3, c.w-1.6, t.lh+0.6, cells[i])
			}
		case cellVerdict:
			p.font("B", t.size)
			if len(lines) > 0 && (lines[0] == "Fail" || lines[0] == "FAIL") {
				p.textColor(colorFail)
			} else {
				p.textColor(colorPass)
			}
			t.lines(x, y, c, lines)
			p.textColor(colorText)
		case cellMono:
			p.mono(t.size - 0.6)
			t.lines(x, y, c, lines)
		default:
			p.font("", t.size)
			t.lines(x, y, c, lines)
		}
		x += c.w
	}
	p.draw(colorRule)
	f.SetLineWidth(0.15)
	f.Line(marginX, y+h, marginX+contentW, y+h)
	f.SetXY(marginX, y+h)
}

func (t *pdfTable) lines(x, y float64, c pdfCol, lines []string) {
	f := t.p.f
	for j, line := range lines {
		f.SetXY(x, y+t.pad+float64(j)*t.lh)
		f.CellFormat(c.w, t.lh, line, "", 0, c.align, false, 0, "")
	}
}

// end leaves a little space after the table.
func (t *pdfTable) end() {
	t.p.f.Ln(3)
}

// emptyNote writes an italic line such as "No findings." in place of an
// empty table.
func (p *pdfDoc) emptyNote(text string) {
	p.ensure(8)
	p.font("I", 9)
	p.textColor(colorMuted)
	p.f.SetX(marginX)
	p.f.CellFormat(contentW, 6, text, "", 1, "L", false, 0, "")
	p.textColor(colorText)
	p.f.Ln(2)
}
