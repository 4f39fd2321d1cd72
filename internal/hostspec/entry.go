package hostspec

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/perimeterhq/perimeter/internal/textclip"
)

// entry is one parsed item of a host list: an address interval or a hostname.
type entry struct {
	is4      bool
	span     span
	hostname string // set instead of span for names
}

// splitEntries cuts a list at commas, semicolons and any Unicode white space.
// A lone "-" between two items joins them, so "10.0.0.1 - 10.0.0.20" reads as
// one range, the way people type it.
func splitEntries(s string) []string {
	raw := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || unicode.IsSpace(r)
	})
	out := make([]string, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == "-" && len(out) > 0 && i+1 < len(raw) {
			out[len(out)-1] += "-" + raw[i+1]
			i++
			continue
		}
		out = append(out, raw[i])
	}
	return out
}

// parseEntry classifies one item and returns it, or a reason (without the
// entry itself) saying why it is not valid.
func parseEntry(tok string) (entry, string) {
	if strings.Contains(tok, "://") {
		return entry{}, "a URL is not a host; give only the host name or address"
	}
	if left, right, ok := strings.Cut(tok, "/"); ok {
		return parseCIDR(left, right)
	}
	if left, right, ok := strings.Cut(tok, "-"); ok {
		if a, err := netip.ParseAddr(left); err == nil {
			return parseRange(a, right)
		}
	}
	if a, err := netip.ParseAddr(tok); err == nil {
		if a.Zone() != "" {
			return entry{}, "IPv6 zones (%" + a.Zone() + ") are not allowed"
		}
		a = a.Unmap()
		v := fromAddr(a)
		return entry{is4: a.Is4(), span: span{v, v}}, ""
	}
	if reason := addrLike(tok); reason != "" {
		return entry{}, reason
	}
	name, reason := normalizeHostname(tok)
	if reason != "" {
		return entry{}, reason
	}
	return entry{hostname: name}, ""
}

func parseCIDR(left, right string) (entry, string) {
	a, err := netip.ParseAddr(left)
	if err != nil {
		return entry{}, fmt.Sprintf("'%s' before the '/' is not an IP address", clip(left))
	}
	if a.Zone() != "" {
		return entry{}, "IPv6 zones (%" + a.Zone() + ") are not allowed"
	}
	maxBits := a.BitLen()
	family := "IPv6"
	if a.Is4() {
		family = "IPv4"
	}
	n, err := strconv.Atoi(right)
	if err != nil || right == "" || right[0] < '0' || right[0] > '9' {
		return entry{}, fmt.Sprintf("prefix length '%s' is not a number", clip(right))
	}
	if n < 0 || n > maxBits {
		return entry{}, fmt.Sprintf("prefix length %d is out of range for %s (0-%d)", n, family, maxBits)
	}
	// A prefix with host bits set (10.0.0.5/24) means its network, as
	// most tools read it; String shows the network form.
	p := netip.PrefixFrom(a, n).Masked()
	lo := fromAddr(p.Addr())
	hi := lo
	hostBits := maxBits - n
	switch {
	case hostBits >= 64:
		hi.lo = ^uint64(0)
		hi.hi |= ^uint64(0) >> (128 - hostBits)
		if hostBits == 128 {
			hi.hi = ^uint64(0)
		}
	case hostBits > 0:
		hi.lo |= ^uint64(0) >> (64 - hostBits)
	}
	return entry{is4: a.Is4(), span: span{lo, hi}}, ""
}

func parseRange(start netip.Addr, right string) (entry, string) {
	if start.Zone() != "" {
		return entry{}, "IPv6 zones (%" + start.Zone() + ") are not allowed"
	}
	if right == "" {
		return entry{}, "the range has no end address"
	}
	// Both ends keep their written family: an IPv4-mapped IPv6 range is split
	// into its IPv4 and IPv6 parts later, like a CIDR.
	var end netip.Addr
	if isDigits(right) {
		if !start.Is4() {
			return entry{}, "an IPv6 range needs a full end address (2001:db8::1-2001:db8::ff)"
		}
		n, err := strconv.Atoi(right)
		if err != nil || n > 255 || len(right) > 3 {
			return entry{}, fmt.Sprintf("last octet %s is out of range (0-255)", clip(right))
		}
		b := start.As4()
		b[3] = byte(n)
		end = netip.AddrFrom4(b)
	} else {
		e, err := netip.ParseAddr(right)
		if err != nil {
			return entry{}, fmt.Sprintf("the range end '%s' is not an IP address", clip(right))
		}
		if e.Zone() != "" {
			return entry{}, "IPv6 zones (%" + e.Zone() + ") are not allowed"
		}
		end = e
		if end.Is4() != start.Is4() {
			return entry{}, "the range mixes IPv4 and IPv6"
		}
	}
	if end.Less(start) {
		return entry{}, fmt.Sprintf("the range ends (%s) before it starts (%s)", end, start)
	}
	return entry{is4: start.Is4(), span: span{fromAddr(start), fromAddr(end)}}, ""
}

// addrLike explains why a token that looks like an address is not one; it
// returns "" for tokens that should be judged as hostnames.
func addrLike(tok string) string {
	if strings.Count(tok, ":") == 1 {
		return "ports are not allowed in a host list; give the host only"
	}
	if strings.Contains(tok, ":") {
		return "not a valid IPv6 address"
	}
	if strings.Trim(tok, "0123456789.") == "" && strings.Contains(tok, ".") && strings.ContainsAny(tok, "0123456789") {
		return "not a valid IPv4 address (four numbers 0-255 without leading zeros)"
	}
	return ""
}

// normalizeHostname checks a name against RFC 1123 (letters, digits and
// hyphens; labels of 1-63 characters that neither start nor end with a
// hyphen; at most 253 characters) and returns it lower-cased without a
// trailing dot. A last label made only of digits is refused so that a
// mistyped address such as 10.0.0 is not taken for a name (RFC 3696 §2).
func normalizeHostname(tok string) (string, string) {
	for i, r := range tok {
		if r >= utf8.RuneSelf {
			return "", "contains non-ASCII characters; write internationalized names in their xn-- form"
		}
		c := byte(r)
		if !isNameChar(c) && c != '.' {
			return "", fmt.Sprintf("character %q at position %d is not allowed in a hostname", r, i+1)
		}
	}
	name := strings.ToLower(strings.TrimSuffix(tok, "."))
	if name == "" {
		return "", "empty hostname"
	}
	if len(name) > 253 {
		return "", fmt.Sprintf("hostname is %d characters long (at most 253)", len(name))
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		switch {
		case l == "":
			return "", "hostname has an empty label (two dots in a row, or a leading dot)"
		case len(l) > 63:
			return "", fmt.Sprintf("label '%s' is longer than 63 characters", clip(l))
		case l[0] == '-' || l[len(l)-1] == '-':
			return "", fmt.Sprintf("label '%s' starts or ends with a hyphen", l)
		}
	}
	if isDigits(labels[len(labels)-1]) {
		return "", "the last label of a hostname cannot be all digits"
	}
	return name, ""
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clip shortens user input quoted back in messages so that one pasted
// megabyte does not come back a thousand times larger.
func clip(s string) string { return textclip.Bytes(s, 80) }
