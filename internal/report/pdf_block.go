package report

import (
	"math"
	"slices"

	"codeberg.org/go-pdf/fpdf"
)

// A laid-out block (a finding, a remediation item): rows of drawing
// operations that are placed across pages first and drawn afterwards, page
// by page, grouped by font and colour.
//
// Why not just draw as we go: fpdf keeps every page's content uncompressed
// in memory until the document is written, and writes a font operator with
// a 40-character name on each font change. A finding drawn in reading
// order changes font a dozen times; drawn grouped it changes four or five
// times. On a 10 000-finding report that is megabytes of content held in
// memory, and fewer, denser pages follow from the compact layout the
// block's label gutter allows.

type opKind uint8

const (
	opText opKind = iota
	opRect
	opRoundRect
)

// blockOp is one drawing operation; y is relative to its row's top.
type blockOp struct {
	kind  opKind
	font  fontState
	color rgb
	x, y  float64
	w, h  float64
	align string
	text  string
}

// blockRow is a unit that is never split across pages.
type blockRow struct {
	h   float64
	ops []blockOp
	gap bool // spacing only: dropped at the top of a page
}

type block struct {
	rows []blockRow
	keep float64 // height that must fit where the block starts
}

const gutterW = 20.0 // label column of facts and sections

// Block fonts: compact, since a detailed report of a large estate runs to
// thousands of pages, yet at print sizes auditors read comfortably.
var (
	fontLabel = fontState{"sans", "B", 7.6}
	fontValue = fontState{"sans", "", 8}
	fontTitle = fontState{"sans", "B", 9.3}
	fontMono  = fontState{"mono", "", 7}
	fontNote  = fontState{"sans", "I", 7.3}
)

// blockLineH is the tighter line height of block text.
func blockLineH(size float64) float64 { return size * ptToMM * 1.2 }

func (b *block) gap(h float64) { b.rows = append(b.rows, blockRow{h: h, gap: true}) }

// titleBar adds a tinted bar with a severity stripe, the title lines and a
// severity badge.
func (b *block) titleBar(p *pdfDoc, lines []string, severity string) {
	lh := blockLineH(fontTitle.size)
	h := float64(len(lines))*lh + 2.8
	badgeW := 20.0
	r := blockRow{h: h}
	r.ops = append(r.ops,
		blockOp{kind: opRect, color: p.primary.tint(0.9), x: marginX, w: contentW, h: h},
		blockOp{kind: opRect, color: severityColor(severity), x: marginX, w: 1.6, h: h},
		blockOp{kind: opRoundRect, color: severityColor(severity), x: marginX + contentW - badgeW - 1.5, y: (h - 5) / 2, w: badgeW, h: 5},
		blockOp{kind: opText, font: fontLabel, color: rgb{255, 255, 255}, x: marginX + contentW - badgeW - 1.5, y: (h - 5) / 2,
			w: badgeW, h: 5, align: "CM", text: severityLabel(severity)})
	for i, line := range lines {
		r.ops = append(r.ops, blockOp{kind: opText, font: fontTitle, color: p.primary, x: marginX + 2.5,
			y: 1.4 + float64(i)*lh, w: contentW - badgeW - 6, h: lh, align: "L", text: line})
	}
	b.rows = append(b.rows, r)
	b.gap(1)
}

// fact is a label and its value wrapped for its slot.
type fact struct {
	label string
	lines []string
}

// factsRow adds one or two label/value pairs side by side.
func (b *block) factsRow(fs ...fact) {
	lh := blockLineH(fontValue.size)
	colW := contentW / float64(len(fs))
	r := blockRow{}
	n := 1
	for c, fc := range fs {
		x := marginX + float64(c)*colW
		r.ops = append(r.ops, blockOp{kind: opText, font: fontLabel, color: colorMuted, x: x, w: gutterW, h: lh, align: "L", text: fc.label})
		for j, line := range fc.lines {
			r.ops = append(r.ops, blockOp{kind: opText, font: fontValue, color: colorText, x: x + gutterW,
				y: float64(j) * lh, w: colW - gutterW - 2, h: lh, align: "L", text: line})
		}
		n = max(n, len(fc.lines))
	}
	r.h = float64(n) * lh
	b.rows = append(b.rows, r)
}

// section adds a labelled text: the label in the gutter beside the first
// line, one row per line so long texts flow across pages, an optional
// shaded background (evidence).
func (b *block) section(label string, lines []string, font fontState, color rgb, shade *rgb) {
	if len(lines) == 0 {
		return
	}
	b.gap(1)
	lh := blockLineH(font.size)
	for i, line := range lines {
		r := blockRow{h: lh}
		if shade != nil {
			r.ops = append(r.ops, blockOp{kind: opRect, color: *shade, x: marginX + gutterW, w: contentW - gutterW, h: lh})
		}
		if i == 0 {
			r.ops = append(r.ops, blockOp{kind: opText, font: fontLabel, color: colorMuted, x: marginX, w: gutterW,
				h: lh, align: "L", text: label})
		}
		r.ops = append(r.ops, blockOp{kind: opText, font: font, color: color, x: marginX + gutterW, w: contentW - gutterW,
			h: lh, align: "L", text: line})
		b.rows = append(b.rows, r)
	}
}

// wrapCap wraps text at the current font and cuts it to n lines with an
// ellipsis.
func wrapCap(f *fpdf.Fpdf, text string, w float64, n int) []string {
	lines := f.SplitText(text, w)
	if n > 0 && len(lines) > n {
		lines = lines[:n]
		lines[n-1] = fitText(f, lines[n-1]+" …", w)
	}
	return lines
}

// placed is an operation at its absolute position.
type placed struct {
	op *blockOp
	y  float64
}

// drawBlock places the rows from the current position, breaking pages
// between rows, then draws each page's part: fills first, then text grouped
// by font and colour (the current font first, saving one change).
func (p *pdfDoc) drawBlock(b *block) {
	f := p.f
	y := f.GetY()
	if y+b.keep > pageBottom {
		f.AddPage()
		y = f.GetY()
	}
	var page []placed
	top := true
	for i := range b.rows {
		r := &b.rows[i]
		if r.gap && top {
			continue
		}
		if y+r.h > pageBottom && !top {
			p.drawPlaced(page)
			page = page[:0]
			f.AddPage()
			y = f.GetY()
			if r.gap {
				continue
			}
		}
		for j := range r.ops {
			page = append(page, placed{&r.ops[j], y + r.ops[j].y})
		}
		y += r.h
		top = false
	}
	p.drawPlaced(page)
	f.SetXY(marginX, y)
}

func (p *pdfDoc) drawPlaced(ops []placed) {
	f := p.f
	var fills, texts []placed
	for _, o := range ops {
		if o.op.kind == opText {
			texts = append(texts, o)
		} else {
			fills = append(fills, o)
		}
	}
	// Fills in order (later ones on top), merging runs of equal touching
	// rectangles (the shaded evidence lines) into one.
	for i := 0; i < len(fills); i++ {
		o := fills[i]
		p.fill(o.op.color)
		if o.op.kind == opRoundRect {
			f.RoundedRect(o.op.x, o.y, o.op.w, o.op.h, 1.2, "1234", "F")
			continue
		}
		h := o.op.h
		for i+1 < len(fills) {
			n := fills[i+1]
			if n.op.kind != opRect || n.op.x != o.op.x || n.op.w != o.op.w || n.op.color != o.op.color ||
				math.Abs(n.y-(o.y+h)) > 0.01 {
				break
			}
			h += n.op.h
			i++
		}
		f.Rect(o.op.x, o.y, o.op.w, h, "F")
	}
	// Text, one pass per font and colour, the current font first.
	type key struct {
		font  fontState
		color rgb
	}
	var order []key
	for _, o := range texts {
		k := key{o.op.font, o.op.color}
		if !slices.Contains(order, k) {
			if k.font == p.cur {
				order = slices.Insert(order, 0, k)
			} else {
				order = append(order, k)
			}
		}
	}
	for _, k := range order {
		p.setFont(k.font)
		p.textColor(k.color)
		for _, o := range texts {
			if o.op.font == k.font && o.op.color == k.color {
				f.SetXY(o.op.x, o.y)
				f.CellFormat(o.op.w, o.op.h, o.op.text, "", 0, o.op.align, false, 0, "")
			}
		}
	}
	p.textColor(colorText)
}
