package report

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// TestPDFLogos renders covers with logos fpdf reads directly, logos it
// needs re-encoded, SVGs it draws, and logos nobody can read (which must
// not fail the report).
func TestPDFLogos(t *testing.T) {
	img16 := image.NewNRGBA64(image.Rect(0, 0, 40, 20))
	for x := range 40 {
		img16.Set(x, x/2, color.NRGBA64{0xFFFF, 0, 0, 0xFFFF})
	}
	var png16 bytes.Buffer
	if err := png.Encode(&png16, img16); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		logo  []byte
		typ   string
		image bool // an image XObject is expected
	}{
		{"png", sampleLogoPNG(t), "image/png", true},
		{"png-16bit", png16.Bytes(), "image/png", true},
		{"png-garbage", []byte("\x89PNG\r\n\x1a\nnot really"), "image/png", false},
		{"svg", []byte(sampleLogoSVG), "image/svg+xml", false},
		{"svg-viewbox-only", []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50"><rect x="0" y="0" width="100" height="50" fill="#123"/></svg>`), "image/svg+xml", false},
		{"svg-bad-colour", []byte(`<svg width="10" height="10"><rect x="0" y="0" width="10" height="10" fill="#zzzzzz" stroke="#12345g"/><path d="M0 0 L10 10" fill="red"/></svg>`), "image/svg+xml", false},
		{"svg-unsupported", []byte(`<svg width="10" height="10"><circle cx="5" cy="5" r="4"/></svg>`), "image/svg+xml", false},
		{"not-xml", []byte(`<svg <<<`), "image/svg+xml", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := sampleDoc(t, Executive, 4, 1)
			d.Branding.Logo, d.Branding.LogoType = c.logo, c.typ
			var b bytes.Buffer
			if err := Render(&b, d, PDF); err != nil {
				t.Fatalf("render: %v", err)
			}
			if got := bytes.Contains(b.Bytes(), []byte("/Subtype /Image")); got != c.image {
				t.Errorf("image XObject present = %v, want %v", got, c.image)
			}
		})
	}
}

func TestSVGLogoDrawn(t *testing.T) {
	for _, c := range []struct {
		svg  string
		want bool
	}{
		{sampleLogoSVG, true},
		{`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50"><rect x="0" y="0" width="100" height="50" fill="#123"/></svg>`, true},
		{`<svg width="10mm" height="5mm"><path d="M0 0 L10 0 L10 5 Z"/></svg>`, true},
		{`<svg width="10" height="10"><circle cx="5" cy="5" r="4"/></svg>`, false},
		{`<svg <<<`, false},
	} {
		p := newPDFDoc(sampleDoc(t, Executive, 0, 0))
		p.f.AddPage()
		if got := p.svgLogo([]byte(c.svg), marginX, 16, 70, 24); got != c.want {
			t.Errorf("svgLogo(%.40q) = %v, want %v", c.svg, got, c.want)
		}
		if err := p.f.Error(); err != nil {
			t.Errorf("svgLogo(%.40q) left an error: %v", c.svg, err)
		}
	}
}
