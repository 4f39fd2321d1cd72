package cve

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// CPE 2.3 component positions after the "cpe:2.3:" prefix.
const (
	cpePart = iota
	cpeVendor
	cpeProduct
	cpeVersion
	cpeUpdate
	cpeEdition
	cpeLanguage
	cpeSWEdition
	cpeTargetSW
	cpeTargetHW
	cpeOther
	cpeFields
)

// Attribute kinds. attrPattern values hold wildcardMany/wildcardOne bytes
// for the unquoted '*' and '?' the CPE 2.3 formatted-string binding allows.
const (
	attrAny uint8 = iota
	attrNA
	attrValue
	attrPattern
)

const (
	wildcardMany = '\x00'
	wildcardOne  = '\x01'
)

// cpeAttr is one unescaped, lower-cased CPE component.
type cpeAttr struct {
	kind  uint8
	value string
}

// cpeName is a parsed CPE (criteria from the feed, or a service's CPE). A
// full NVD mirror holds about a million distinct criteria, so the rarely set
// qualifiers (edition … other) live behind a pointer that is nil when they
// are all ANY, and values are substrings of raw whenever no unescaping or
// lower-casing was needed.
type cpeName struct {
	raw  string
	head [cpeEdition]cpeAttr              // part, vendor, product, version, update
	tail *[cpeFields - cpeEdition]cpeAttr // edition, language, sw_edition, target_sw, target_hw, other
}

// attr returns component i (cpePart … cpeOther).
func (c *cpeName) attr(i int) cpeAttr {
	if i < cpeEdition {
		return c.head[i]
	}
	if c.tail == nil {
		return cpeAttr{}
	}
	return c.tail[i-cpeEdition]
}

func (c *cpeName) set(i int, a cpeAttr) {
	switch {
	case i < cpeEdition:
		c.head[i] = a
	case a.kind != attrAny:
		if c.tail == nil {
			c.tail = new([cpeFields - cpeEdition]cpeAttr)
		}
		c.tail[i-cpeEdition] = a
	}
}

var errNotCPE = errors.New("not a CPE 2.3 formatted string or CPE 2.2 URI")

// parseCPE parses a CPE 2.3 formatted string ("cpe:2.3:a:openbsd:openssh:…"),
// unescaping '\' quoting; a CPE 2.2 URI ("cpe:/a:openbsd:openssh:8.9p1") is
// accepted too because banners and older tools still produce it. Missing
// trailing components are ANY.
func parseCPE(s string) (*cpeName, error) {
	c := &cpeName{raw: s}
	switch {
	case len(s) >= 8 && strings.EqualFold(s[:8], "cpe:2.3:"):
		fields, err := splitFormatted(s[8:])
		if err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		for i, f := range fields {
			a, err := parseFormattedAttr(f)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", s, err)
			}
			c.set(i, a)
		}
	case len(s) >= 5 && strings.EqualFold(s[:5], "cpe:/"):
		fields := strings.Split(s[5:], ":")
		if len(fields) > 7 {
			return nil, fmt.Errorf("%q: %w", s, errNotCPE)
		}
		for i, f := range fields {
			a, err := parseURIAttr(f)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", s, err)
			}
			c.set(i, a)
		}
	default:
		return nil, fmt.Errorf("%q: %w", s, errNotCPE)
	}
	if p := c.attr(cpePart); p.kind == attrValue && p.value != "a" && p.value != "o" && p.value != "h" {
		return nil, fmt.Errorf("%q: part %q is not a, o or h", s, p.value)
	}
	return c, nil
}

// splitFormatted splits on ':' that are not escaped with '\'.
func splitFormatted(s string) ([]string, error) {
	var fields []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ':':
			fields = append(fields, s[start:i])
			start = i + 1
		}
	}
	fields = append(fields, s[start:])
	if len(fields) > cpeFields {
		return nil, fmt.Errorf("%d components, want %d", len(fields), cpeFields)
	}
	return fields, nil
}

func parseFormattedAttr(f string) (cpeAttr, error) {
	switch f {
	case "*", "":
		return cpeAttr{kind: attrAny}, nil
	case "-":
		return cpeAttr{kind: attrNA}, nil
	}
	if !strings.ContainsAny(f, `\*?ABCDEFGHIJKLMNOPQRSTUVWXYZ`) {
		return cpeAttr{kind: attrValue, value: f}, nil
	}
	var b strings.Builder
	kind := attrValue
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch c {
		case '\\':
			if i+1 >= len(f) {
				return cpeAttr{}, errors.New("dangling escape")
			}
			i++
			b.WriteByte(lower(f[i]))
		case '*':
			kind = attrPattern
			b.WriteByte(wildcardMany)
		case '?':
			kind = attrPattern
			b.WriteByte(wildcardOne)
		default:
			b.WriteByte(lower(c))
		}
	}
	return cpeAttr{kind: kind, value: b.String()}, nil
}

func parseURIAttr(f string) (cpeAttr, error) {
	switch f {
	case "", "*":
		return cpeAttr{kind: attrAny}, nil
	case "-":
		return cpeAttr{kind: attrNA}, nil
	}
	if strings.HasPrefix(f, "/") {
		f = f[1:] // the part is written "/a" after "cpe:"
	}
	v, err := url.PathUnescape(f)
	if err != nil {
		return cpeAttr{}, err
	}
	return cpeAttr{kind: attrValue, value: strings.ToLower(v)}, nil
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// productKey returns "vendor:product" when both are literal values; it is
// the index key. ok is false when either is ANY, NA or a pattern.
func (c *cpeName) productKey() (key string, ok bool) {
	v, p := c.attr(cpeVendor), c.attr(cpeProduct)
	if v.kind != attrValue || p.kind != attrValue {
		return "", false
	}
	return v.value + ":" + p.value, true
}

// sameProduct reports whether criteria c names the product of target t
// (part, vendor, product), allowing the criteria's wildcards.
func (c *cpeName) sameProduct(t *cpeName) bool {
	for _, i := range [...]int{cpePart, cpeVendor, cpeProduct} {
		if !identityMatch(c.attr(i), t.attr(i)) {
			return false
		}
	}
	return true
}

// identityMatch compares a criteria component with a target's: the target
// must state the same value (ANY in the criteria matches anything).
func identityMatch(crit, target cpeAttr) bool {
	switch crit.kind {
	case attrAny:
		return true
	case attrNA:
		return target.kind == attrNA
	case attrPattern:
		return target.kind == attrValue && globMatch(crit.value, target.value)
	}
	return target.kind == attrValue && crit.value == target.value
}

// qualifierMatch compares the components that refine a product (edition,
// language, sw_edition, target_sw, target_hw, other, and update when the
// version is a range). A target that leaves one unstated (ANY) matches,
// because scanners almost never know these and NVD criteria often set them
// (target_sw "wordpress", "node.js"); a stated, different value does not.
func qualifierMatch(crit, target cpeAttr) bool {
	if target.kind == attrAny {
		return true
	}
	return identityMatch(crit, target)
}

// globMatch matches value against a pattern holding wildcardMany and
// wildcardOne bytes (iterative, linear-ish backtracking over one star).
func globMatch(pattern, value string) bool {
	p, v := 0, 0
	star, mark := -1, 0
	for v < len(value) {
		switch {
		case p < len(pattern) && (pattern[p] == wildcardOne || pattern[p] == value[v]):
			p++
			v++
		case p < len(pattern) && pattern[p] == wildcardMany:
			star, mark = p, v
			p++
		case star >= 0:
			p = star + 1
			mark++
			v = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == wildcardMany {
		p++
	}
	return p == len(pattern)
}
