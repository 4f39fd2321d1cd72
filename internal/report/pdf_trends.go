package report

import (
	"math"
	"strconv"
)

// The advanced report's trends section: a vector line chart of findings per
// severity over the periods, then the figures as a table.

func (p *pdfDoc) trends() {
	d := p.d
	p.heading("Trends")
	if len(d.Trends) == 0 {
		p.emptyNote("No scan runs fall in the report's period.")
		return
	}
	p.lineChart(d.Trends)
	t := p.table([]pdfCol{
		{"Period", 24, "L"}, {"Runs", 12, "R"}, {"Critical", 15, "R"}, {"High", 15, "R"}, {"Medium", 15, "R"},
		{"Low", 15, "R"}, {"Info", 15, "R"}, {"Total", 15, "R"}, {"PCI pass", 15, "R"}, {"PCI fail", 15, "R"},
	}, nil)
	for _, tp := range d.Trends {
		c := tp.Counts
		t.row(fmtDate(tp.Date), strconv.Itoa(tp.Runs), strconv.Itoa(c.Critical), strconv.Itoa(c.High),
			strconv.Itoa(c.Medium), strconv.Itoa(c.Low), strconv.Itoa(c.Info), strconv.Itoa(c.Total()),
			strconv.Itoa(tp.PCIPass), strconv.Itoa(tp.PCIFails))
	}
	t.end()
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten, so the axis reads
// in round numbers.
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*e >= v {
			return m * e
		}
	}
	return 10 * e
}

// lineChart plots one line per severity with a y axis of round numbers and
// up to eight date labels.
func (p *pdfDoc) lineChart(ts []TrendPoint) {
	f := p.f
	chartH := 62.0
	p.ensure(chartH + 22)
	axisW := 12.0
	x0, y0 := marginX+axisW, f.GetY()+3
	w, h := contentW-axisW-2, chartH
	most := 0
	for _, t := range ts {
		for _, s := range severities {
			most = max(most, t.Counts.of(s))
		}
	}
	// Four grid steps of a round size, so every label is a whole number.
	step := niceCeil(float64(most) / 4)
	top := 4 * step

	// Grid and y labels.
	f.SetLineWidth(0.1)
	p.font("", 7)
	p.textColor(colorMuted)
	for i := 0; i <= 4; i++ {
		gy := y0 + h - h*float64(i)/4
		p.draw(colorRule)
		f.Line(x0, gy, x0+w, gy)
		f.SetXY(marginX, gy-2)
		f.CellFormat(axisW-1, 4, strconv.FormatFloat(top*float64(i)/4, 'f', -1, 64), "", 0, "RM", false, 0, "")
	}
	p.draw(colorMuted)
	f.SetLineWidth(0.3)
	f.Line(x0, y0+h, x0+w, y0+h)
	f.Line(x0, y0, x0, y0+h)

	px := func(i int) float64 {
		if len(ts) == 1 {
			return x0 + w/2
		}
		return x0 + w*float64(i)/float64(len(ts)-1)
	}
	py := func(v int) float64 { return y0 + h - h*float64(v)/top }

	// X labels, thinned so they never overlap.
	every := max(1, (len(ts)+7)/8)
	for i := 0; i < len(ts); i += every {
		f.SetXY(px(i)-12, y0+h+1)
		f.CellFormat(24, 4, fmtDate(ts[i].Date), "", 0, "C", false, 0, "")
	}

	// Info first so the severe lines are drawn on top.
	for k := len(severities) - 1; k >= 0; k-- {
		s := severities[k]
		c := severityColor(s)
		p.draw(c)
		p.fill(c)
		f.SetLineWidth(0.6)
		for i := range ts {
			x, y := px(i), py(ts[i].Counts.of(s))
			if i > 0 {
				f.Line(px(i-1), py(ts[i-1].Counts.of(s)), x, y)
			}
			if len(ts) <= 40 {
				f.Circle(x, y, 0.7, "F")
			}
		}
	}

	// Legend.
	ly := y0 + h + 7
	lx := x0
	p.font("", 7.5)
	p.textColor(colorText)
	for _, s := range severities {
		p.fill(severityColor(s))
		f.Rect(lx, ly+1, 6, 2, "F")
		f.SetXY(lx+7, ly)
		f.CellFormat(22, 4, severityLabel(s), "", 0, "L", false, 0, "")
		lx += 30
	}
	f.SetLineWidth(0.2)
	f.SetXY(marginX, ly+8)
}
