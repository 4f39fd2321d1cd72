package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func renderString(t *testing.T, d *Document, f Format) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, d, f); err != nil {
		t.Fatalf("render %s %s: %v", d.Type, f, err)
	}
	return b.String()
}

// resourceAttr finds attributes that load or link something.
var resourceAttr = regexp.MustCompile(`(?i)\b(src|href|action|poster|data|xlink:href)\s*=\s*["']?([^"' >]*)`)

func TestHTMLSelfContained(t *testing.T) {
	for _, typ := range append(Types, Advanced) {
		for _, svg := range []bool{false, true} {
			d := sampleDoc(t, typ, 40, 6)
			if svg {
				d.Branding.Logo, d.Branding.LogoType = []byte(sampleLogoSVG), "image/svg+xml"
			}
			out := renderString(t, d, HTML)
			for _, m := range resourceAttr.FindAllStringSubmatch(out, -1) {
				if !strings.HasPrefix(m[2], "data:") && m[2] != "" {
					t.Errorf("%s: %s=%q refers outside the file", typ, m[1], m[2])
				}
			}
			for _, bad := range []string{"<link", "@import", "url(", "<script", "<iframe"} {
				if strings.Contains(strings.ToLower(out), bad) {
					t.Errorf("%s: output contains %q", typ, bad)
				}
			}
			if !strings.Contains(out, `<img class="logo" src="data:image/`) && typ != AoSC {
				t.Errorf("%s: logo not embedded as a data: URI", typ)
			}
			if svg && strings.Contains(out, "alert(1)") {
				t.Errorf("%s: raw SVG markup leaked into the page", typ)
			}
			// The support URL appears as text only.
			if typ != AoSC && !strings.Contains(out, "https://support.acme.example") {
				t.Errorf("%s: support URL missing", typ)
			}
		}
	}
}

func TestHTMLEscapes(t *testing.T) {
	d := sampleDoc(t, Detailed, 40, 6)
	out := renderString(t, d, HTML)
	if strings.Contains(out, "<script>alert") {
		t.Fatal("finding title with <script> is not escaped")
	}
	if !strings.Contains(out, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; reflected in banner") {
		t.Error("escaped finding title missing")
	}
	for _, want := range []string{"Zürich — naïve 日本", "Findings in detail", "@media print", "page-break-inside:avoid",
		"Production web (shop.example.com)", "#1F3A5F", "<svg class=\"chart\"", "Evidence truncated", "FAIL"} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(out, "\x00") || strings.Contains(out, "\x1b") {
		t.Error("control characters from evidence reached the HTML")
	}
	if strings.Contains(out, "END-OF-EVIDENCE") {
		t.Error("evidence past 2000 characters was printed")
	}
}

func TestHTMLBrandColorValidated(t *testing.T) {
	d := sampleDoc(t, Executive, 4, 1)
	d.Branding.PrimaryColor = "red;}</style><script>alert(1)</script>"
	out := renderString(t, d, HTML)
	if strings.Contains(out, "<script") {
		t.Fatal("branding colour injected markup")
	}
	if !strings.Contains(out, defaultPrimary.hex()) {
		t.Error("invalid colour did not fall back to the default")
	}
}

func TestHTMLAoSC(t *testing.T) {
	out := renderString(t, sampleDoc(t, AoSC, 40, 6), HTML)
	for _, want := range []string{"Attestation of Scan Compliance", "Part 1a. Scan Customer Information",
		"Part 3c. ASV Review", sampleExpires, "Example Shop Ltd", "11.3.2"} {
		if !strings.Contains(out, want) {
			t.Errorf("AoSC HTML lacks %q", want)
		}
	}
}
