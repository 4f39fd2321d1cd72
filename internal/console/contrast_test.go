package console_test

import (
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// textPairs are the text/background pairs of the default theme, as custom
// properties of app.css :root. Every text colour the stylesheet uses is a
// custom property (TestConsoleCSSTextColoursAreAudited), so a new colour
// either lands here or fails that test.
var textPairs = [][2]string{
	{"ink", "bg"}, {"ink", "panel"}, {"ink", "th-bg"}, {"ink", "alert-info-bg"},
	{"muted", "bg"}, {"muted", "panel"}, {"muted", "th-bg"}, {"muted", "alert-info-bg"},
	{"link", "panel"}, {"link", "bg"}, {"link", "th-bg"}, {"on-primary", "primary"},
	{"ok", "panel"}, {"bad", "panel"}, {"warn", "panel"},
	{"badge-ink", "sev-critical"}, {"badge-ink", "sev-high"}, {"badge-ink", "sev-medium"},
	{"badge-ink", "sev-low"}, {"badge-ink", "sev-info"}, {"badge-ink", "kev"},
	{"zero-ink", "zero-bg"}, {"st-ok-ink", "st-ok-bg"}, {"st-bad-ink", "st-bad-bg"},
	{"st-warn-ink", "st-warn-bg"}, {"st-run-ink", "st-run-bg"}, {"st-muted-ink", "st-muted-bg"},
	{"alert-error-ink", "alert-error-bg"}, {"alert-info-ink", "alert-info-bg"}, {"alert-ok-ink", "alert-ok-bg"},
	{"nav-ink", "nav-bg"}, {"nav-ink", "nav-hover"}, {"nav-ink-strong", "nav-hover"}, {"nav-muted", "nav-bg"},
	{"toast-ink", "toast-bg"}, {"toast-ink", "toast-error-bg"}, {"code-ink", "code-bg"},
	{"panel", "ink"}, // the skip link
}

// rootProps reads the custom properties of the :root rule of app.css,
// resolving var(--x) references.
func rootProps(t *testing.T, css string) map[string]string {
	t.Helper()
	i := strings.Index(css, ":root {")
	j := strings.Index(css[i:], "\n}")
	if i < 0 || j < 0 {
		t.Fatal("app.css has no :root rule")
	}
	props := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z0-9-]+):\s*([^;]+);`).FindAllStringSubmatch(css[i:i+j], -1) {
		props[m[1]] = strings.TrimSpace(m[2])
	}
	ref := regexp.MustCompile(`^var\(--([a-z0-9-]+)\)$`)
	for k, v := range props {
		for n := 0; n < 5; n++ {
			m := ref.FindStringSubmatch(v)
			if m == nil {
				break
			}
			v = props[m[1]]
		}
		props[k] = v
	}
	return props
}

// luminance is the WCAG 2 relative luminance of #rrggbb.
func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	if len(hex) != 7 || hex[0] != '#' {
		t.Fatalf("colour %q is not #rrggbb", hex)
	}
	var c [3]float64
	for i := range c {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			t.Fatalf("colour %q: %v", hex, err)
		}
		s := float64(v) / 255
		if s <= 0.03928 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

func contrastRatio(t *testing.T, a, b string) float64 {
	la, lb := luminance(t, a), luminance(t, b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// TestConsoleContrast fails when a text/background pair of the default
// theme is under WCAG AA for normal text (4.5:1).
func TestConsoleContrast(t *testing.T) {
	css, err := os.ReadFile("web/assets/app.css")
	if err != nil {
		t.Fatal(err)
	}
	props := rootProps(t, string(css))
	for _, p := range textPairs {
		fg, bg := props[p[0]], props[p[1]]
		if fg == "" || bg == "" {
			t.Errorf("--%s or --%s is not defined in :root", p[0], p[1])
			continue
		}
		if r := contrastRatio(t, fg, bg); r < 4.5 {
			t.Errorf("--%s %s on --%s %s: contrast %.2f:1, under 4.5:1", p[0], fg, p[1], bg, r)
		} else {
			t.Logf("--%s on --%s: %.2f:1", p[0], p[1], r)
		}
	}
}

// TestConsoleCSSTextColoursAreAudited keeps text colours in custom
// properties, where TestConsoleContrast sees them: a color: with a literal
// outside :root would escape the audit.
func TestConsoleCSSTextColoursAreAudited(t *testing.T) {
	css, err := os.ReadFile("web/assets/app.css")
	if err != nil {
		t.Fatal(err)
	}
	s := string(css)
	end := strings.Index(s, "\n}")
	for _, m := range regexp.MustCompile(`(?:^|[\s;{])color:\s*([^;}]+)`).FindAllStringSubmatchIndex(s[end:], -1) {
		v := strings.TrimSpace(s[end+m[2] : end+m[3]])
		if !strings.HasPrefix(v, "var(--") && v != "inherit" {
			t.Errorf("app.css: color: %s outside :root (use a custom property listed in textPairs)", v)
		}
	}
}
