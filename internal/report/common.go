package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Helpers every renderer shares: severities and their colours, the texts
// that default per type, date formats and text cleaning.

// severities lists the severities worst first; renderers iterate it so every
// format shows them in the same order.
var severities = []string{"critical", "high", "medium", "low", "info"}

// severityRank orders severities worst first (critical = 0); unknown values
// sort with info, as Counts.Add counts them.
func severityRank(s string) int {
	for i, v := range severities {
		if v == s {
			return i
		}
	}
	return len(severities) - 1
}

// severityLabel is the capitalised name shown to readers.
func severityLabel(s string) string {
	switch s {
	case "critical":
		return "Critical"
	case "high":
		return "High"
	case "medium":
		return "Medium"
	case "low":
		return "Low"
	}
	return "Info"
}

// of returns the count of one severity.
func (c Counts) of(severity string) int {
	switch severity {
	case "critical":
		return c.Critical
	case "high":
		return c.High
	case "medium":
		return c.Medium
	case "low":
		return c.Low
	}
	return c.Info
}

// rgb is a colour; PDF, HTML and XLSX all want it in a different notation.
type rgb struct{ r, g, b int }

func (c rgb) hex() string { return fmt.Sprintf("#%02X%02X%02X", c.r, c.g, c.b) }

// argb is the notation excelize fills want (no '#').
func (c rgb) plainHex() string { return fmt.Sprintf("%02X%02X%02X", c.r, c.g, c.b) }

// tint mixes the colour with white; t=0 is the colour, t=1 white. Table
// zebra rows and title bars use light tints of the brand colour.
func (c rgb) tint(t float64) rgb {
	mix := func(v int) int { return v + int(float64(255-v)*t+0.5) }
	return rgb{mix(c.r), mix(c.g), mix(c.b)}
}

// parseColor reads "#RRGGBB" (or "#RGB"); anything else yields def, so a
// branding value never reaches CSS or a PDF operator unvalidated.
func parseColor(s string, def rgb) rgb {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	if len(s) == 3 {
		s = string([]byte{s[0], s[0], s[1], s[1], s[2], s[2]})
	}
	if len(s) != 6 {
		return def
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return def
	}
	return rgb{int(v >> 16 & 0xFF), int(v >> 8 & 0xFF), int(v & 0xFF)}
}

var (
	defaultPrimary   = rgb{0x1F, 0x3A, 0x5F}
	defaultSecondary = rgb{0x2E, 0x86, 0xC1}
	colorPass        = rgb{0x2E, 0x7D, 0x32}
	colorFail        = rgb{0xC6, 0x28, 0x28}
	colorText        = rgb{0x21, 0x21, 0x21}
	colorMuted       = rgb{0x61, 0x61, 0x61}
	colorRule        = rgb{0xD0, 0xD4, 0xDA}
)

// severityColor is the badge colour of a severity. Low is blue rather than
// yellow so white badge text stays readable.
func severityColor(s string) rgb {
	switch s {
	case "critical":
		return rgb{0x7B, 0x1F, 0xA2}
	case "high":
		return rgb{0xD3, 0x2F, 0x2F}
	case "medium":
		return rgb{0xF5, 0x7C, 0x00}
	case "low":
		return rgb{0x1E, 0x88, 0xE5}
	}
	return rgb{0x75, 0x75, 0x75}
}

func (d *Document) primary() rgb   { return parseColor(d.Branding.PrimaryColor, defaultPrimary) }
func (d *Document) secondary() rgb { return parseColor(d.Branding.SecondaryColor, defaultSecondary) }

// brand is the name on the cover and in headers.
func (d *Document) brand() string {
	if s := cleanLine(d.Branding.CompanyName); s != "" {
		return s
	}
	return "Perimeter"
}

// footer is the custom footer line, or the brand with a confidentiality
// note: reports carry vulnerability details and should say so.
func (d *Document) footer() string {
	if s := cleanLine(d.Branding.FooterText); s != "" {
		return s
	}
	return d.brand() + " — Confidential"
}

// DefaultTitle is the title a report of a type gets when Document.Title is
// empty.
func DefaultTitle(t Type) string {
	switch t {
	case Executive:
		return "Executive Summary Report"
	case Detailed:
		return "Detailed Vulnerability Report"
	case Remediation:
		return "Remediation Report"
	case AoSC:
		return "Attestation of Scan Compliance"
	case Advanced:
		return "Advanced Report"
	}
	return "Scan Report"
}

func (d *Document) title() string {
	if s := cleanLine(d.Title); s != "" {
		return s
	}
	return DefaultTitle(d.Type)
}

// scanExpires is when a passing ASV scan stops counting: the PCI ASV Program
// Guide gives a quarterly (90-day) validity from the scan's completion.
func (d *Document) scanExpires() time.Time {
	if d.Run.FinishedAt.IsZero() {
		return time.Time{}
	}
	return d.Run.FinishedAt.AddDate(0, 0, 90)
}

func verdict(pass bool) string {
	if pass {
		return "PASS"
	}
	return "FAIL"
}

const timeLayout = "2006-01-02 15:04 UTC"
const dateLayout = "2006-01-02"

// fmtTime shows times in UTC so a report reads the same wherever it is
// generated; a zero time shows as a dash.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(timeLayout)
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(dateLayout)
}

func fmtCVSS(v float64) string {
	if v <= 0 {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// hostPort is "ip:port/proto" or the bare IP for host-level findings.
func (f *Finding) hostPort() string {
	if f.Port == 0 {
		return f.IP
	}
	p := f.Protocol
	if p == "" {
		p = "tcp"
	}
	return f.IP + ":" + strconv.Itoa(f.Port) + "/" + p
}

// clean makes user or scanner text safe for every format: invalid UTF-8 is
// replaced, CR LF becomes LF and control characters other than LF and TAB
// are dropped (they break XML in XLSX, confuse PDF viewers and terminals).
func clean(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || (c < 0x20 && c != '\n' && c != '\t') || c == 0x7F {
			ok = false
			break
		}
	}
	if ok {
		return s // the common case: plain ASCII, no copy
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				continue
			}
			b.WriteByte('\n')
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', r == '\uFEFF':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanLine is clean for one-line fields: whitespace runs become one space.
func cleanLine(s string) string {
	s = clean(s)
	if strings.ContainsAny(s, "\n\t") || strings.Contains(s, "  ") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return strings.TrimSpace(s)
}

// truncateRunes cuts s to at most n runes and says how many were dropped.
func truncateRunes(s string, n int) (string, int) {
	if len(s) <= n { // bytes ≥ runes, so no cut needed
		return s, 0
	}
	count := utf8.RuneCountInString(s)
	if count <= n {
		return s, 0
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k], count - n
		}
		i++
	}
	return s, 0
}

// maxEvidence is how much evidence a human-readable report prints: enough
// to see the banner or response that proves the finding; full evidence is
// in the CSV and JSON exports.
const maxEvidence = 2000

// evidenceText is the cleaned, truncated evidence and a note when cut.
func evidenceText(e string) (string, string) {
	e, cut := truncateRunes(strings.TrimRight(clean(e), "\n "), maxEvidence)
	if cut == 0 {
		return e, ""
	}
	return e, fmt.Sprintf("[Evidence truncated: %d more characters are in the CSV/JSON export.]", cut)
}

// exceptionTypeLabel names an exception type in words.
func exceptionTypeLabel(t string) string {
	switch t {
	case "false_positive":
		return "False positive"
	case "accepted_risk":
		return "Accepted risk"
	case "compensating_control":
		return "Compensating control"
	}
	return t
}

// statusLabel names a finding status in words.
func statusLabel(s string) string {
	switch s {
	case "false_positive":
		return "False positive"
	case "":
		return "—"
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// advancedSectionOrder is the order advanced report sections appear in,
// whatever order the definition lists them.
var advancedSectionOrder = []string{"summary", "trends", "hosts", "vulnerabilities", "remediation", "exceptions"}

// sectionTitle names an advanced report section.
func sectionTitle(s string) string {
	switch s {
	case "summary":
		return "Summary"
	case "trends":
		return "Trends"
	case "hosts":
		return "Hosts"
	case "vulnerabilities":
		return "Vulnerabilities"
	case "remediation":
		return "Remediation"
	case "exceptions":
		return "Exceptions"
	}
	return s
}
