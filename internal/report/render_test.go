package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestRenderAll renders every supported type × format for a realistic
// document, a document without findings and one with an SVG logo.
func TestRenderAll(t *testing.T) {
	cases := []struct {
		name     string
		findings int
		hosts    int
		svg      bool
	}{
		{"sample", 40, 6, false},
		{"empty", 0, 0, false},
		{"svg-logo", 12, 3, true},
	}
	for _, c := range cases {
		for _, typ := range append(Types, Advanced) {
			for _, f := range Formats {
				if !Supports(typ, f) {
					continue
				}
				t.Run(c.name+"/"+string(typ)+"/"+string(f), func(t *testing.T) {
					d := sampleDoc(t, typ, c.findings, c.hosts)
					if c.svg {
						d.Branding.Logo, d.Branding.LogoType = []byte(sampleLogoSVG), "image/svg+xml"
					}
					var b bytes.Buffer
					if err := Render(&b, d, f); err != nil {
						t.Fatalf("render: %v", err)
					}
					if b.Len() == 0 {
						t.Fatal("empty output")
					}
					if dir := os.Getenv("REPORT_SAMPLES_DIR"); dir != "" {
						name := c.name + "-" + string(typ) + "." + string(f)
						if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
							t.Fatal(err)
						}
					}
				})
			}
		}
	}
}

func TestUnsupportedCombination(t *testing.T) {
	for _, c := range []struct {
		typ Type
		f   Format
	}{{AoSC, CSV}, {AoSC, XLSX}, {Executive, XLSX}, {Detailed, XLSX}, {Executive, Format("docx")}} {
		d := sampleDoc(t, c.typ, 5, 2)
		var b bytes.Buffer
		if err := Render(&b, d, c.f); err == nil {
			t.Errorf("%s as %s: want an error", c.typ, c.f)
		}
		if b.Len() != 0 {
			t.Errorf("%s as %s: wrote %d bytes", c.typ, c.f, b.Len())
		}
	}
}

// TestRenderConcurrent renders in parallel: the renderers share templates
// and font bytes, which must stay read-only (run with -race).
func TestRenderConcurrent(t *testing.T) {
	d := sampleDoc(t, Detailed, 30, 4)
	done := make(chan error)
	for _, f := range []Format{PDF, HTML, CSV, JSON, PDF, HTML} {
		go func() {
			var b bytes.Buffer
			done <- Render(&b, d, f)
		}()
	}
	for range 6 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
