package fingerprint

import (
	"strings"
	"unicode/utf8"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// MaxBanner is the largest banner, in bytes, stored in result.Service.Banner.
const MaxBanner = 1024

// Match is what a parse function recognised in a service's bytes.
type Match struct {
	Service string            // lower-case service name, e.g. "smtp"
	Product string            // product as this package names it, e.g. "Postfix"
	Version string            // product version, e.g. "8.9p1"; "" if unknown
	Also    []Software        // further software the answer names (PHP, OpenSSL behind a web server)
	Banner  string            // printable banner (see Printable)
	Extra   map[string]string // facts for the checks; keys are listed in the package doc

	tls bool // found inside a TLS session on the port (set by the detector only)
	// goBare404 marks an HTTP answer that is Go net/http's default 404:
	// etcd (and other Go API servers) answer GET / so; the detector then
	// asks GET /version on a fresh connection.
	goBare404 bool
}

// Software is a product and version named alongside the main one.
type Software struct {
	Product string
	Version string
}

// Limits on the text a Match carries, whatever a server sends.
const (
	maxProduct = 128
	maxVersion = 64
)

// set records an Extra fact as printable text, ignoring empty values so
// callers need no checks.
func (m *Match) set(key, value string) {
	value = Printable([]byte(value))
	if value == "" {
		return
	}
	if m.Extra == nil {
		m.Extra = make(map[string]string)
	}
	m.Extra[key] = value
}

// CPEs returns the CPE 2.3 names of the product (version ANY when unknown)
// and of the software in Also whose version is known, without duplicates,
// in that order.
func (m Match) CPEs() []string {
	var out []string
	seen := make(map[string]bool)
	add := func(product, version string) {
		for _, c := range CPEsFor(product, version) {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	add(m.Product, m.Version)
	for _, s := range m.Also {
		// A versionless CPE here would be read with the main product's
		// version by CVE matching, which is wrong for another product.
		if s.Version != "" {
			add(s.Product, s.Version)
		}
	}
	return out
}

// sanitize makes every field printable and bounded, then derives the
// distribution facts (distro.go) from the bounded fields: every Match
// passes through here on its way out (ParseBanner, apply).
func (m *Match) sanitize() {
	m.Service = clipText(m.Service, 32)
	m.Product = clipText(m.Product, maxProduct)
	m.Version = clipText(m.Version, maxVersion)
	m.Banner = clipText(m.Banner, MaxBanner)
	if len(m.Also) > 8 {
		m.Also = m.Also[:8]
	}
	for i := range m.Also {
		m.Also[i].Product = clipText(m.Also[i].Product, maxProduct)
		m.Also[i].Version = clipText(m.Also[i].Version, maxVersion)
	}
	m.distroFacts()
}

// clipText returns s printable and at most n bytes long.
func clipText(s string, n int) string {
	s = Printable([]byte(s))
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// apply writes the match into svc, keeping what svc already had where m is silent.
func (m Match) apply(svc *result.Service) {
	m.sanitize()
	if m.Service != "" {
		svc.Service = m.Service
	}
	if m.Product != "" {
		svc.Product, svc.Version = m.Product, m.Version
	}
	if cpes := m.CPEs(); len(cpes) > 0 {
		svc.CPE = cpes
	}
	if m.Banner != "" {
		svc.Banner = m.Banner
	}
	for k, v := range m.Extra {
		if svc.Extra == nil {
			svc.Extra = make(map[string]string)
		}
		svc.Extra[k] = v
	}
}

// Printable renders raw service bytes as text fit for a report: CR LF becomes
// LF, tabs and newlines stay, other control bytes and invalid UTF-8 become
// \xNN escapes; the result is cut to MaxBanner bytes on a character boundary
// and trailing white space is trimmed.
func Printable(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b) && sb.Len() < MaxBanner; {
		r, size := utf8.DecodeRune(b[i:])
		var piece string
		switch {
		case r == '\r' && i+1 < len(b) && b[i+1] == '\n':
			piece = ""
		case r == '\n' || r == '\t':
			piece = string(r)
		case r == utf8.RuneError && size <= 1, r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
			piece = `\x` + hex2(b[i])
			size = 1
		default:
			piece = string(b[i : i+size])
		}
		if sb.Len()+len(piece) > MaxBanner {
			break
		}
		sb.WriteString(piece)
		i += size
	}
	return strings.TrimRight(sb.String(), " \t\n")
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}
