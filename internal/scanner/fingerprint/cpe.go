package fingerprint

import "strings"

// FormatCPE builds a CPE 2.3 formatted string (NISTIR 7695 §6.2) for
// part ("a", "o" or "h"), vendor, product and version; the remaining seven
// attributes are ANY ("*"). Values are lower-cased, spaces become underscores
// (as NVD names them), and every character other than letters, digits, '.',
// '-' and '_' is escaped with a backslash, so "1:2.3+b1" becomes "1\:2.3\+b1".
// An empty vendor, product or version is ANY. It returns "" when part is not
// one of the three CPE parts.
func FormatCPE(part, vendor, product, version string) string {
	switch part {
	case "a", "o", "h":
	default:
		return ""
	}
	return "cpe:2.3:" + part + ":" + cpeValue(vendor) + ":" + cpeValue(product) + ":" +
		cpeValue(version) + ":*:*:*:*:*:*:*"
}

// cpeValue escapes one attribute value for the formatted-string binding.
func cpeValue(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return "*"
	}
	var sb strings.Builder
	for _, r := range strings.ToLower(v) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			sb.WriteRune(r)
		case r == ' ' || r == '\t':
			sb.WriteByte('_')
		case r > 0x20 && r < 0x7f:
			sb.WriteByte('\\')
			sb.WriteRune(r)
		default:
			// CPE values are printable ASCII; anything else cannot be named
			// faithfully, so it is dropped rather than guessed at.
		}
	}
	if sb.Len() == 0 {
		return "*"
	}
	return sb.String()
}

// CPEsFor returns the CPE 2.3 names NVD uses for a product as this package
// names it (see the table in products.go), with version as the version
// attribute (ANY when empty). It returns nil for products NVD does not list
// under a name we know.
func CPEsFor(product, version string) []string {
	names := productCPE[product]
	if len(names) == 0 {
		return nil
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		part, rest, _ := strings.Cut(n, ":")
		vendor, prod, _ := strings.Cut(rest, ":")
		out = append(out, FormatCPE(part, vendor, prod, version))
	}
	return out
}
