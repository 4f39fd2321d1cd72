package cve

import (
	"strings"
)

// Version is a software version parsed for ordering the way vendors number
// releases: an optional epoch ("1:2.3"), dotted numeric release components
// ("2.4.58"), then a suffix of words and numbers ("p1", "e", "rc1", "beta.2").
// Anything after whitespace, '+', or a '-' that does not introduce a
// pre-release or patch word is a tag ("Ubuntu-3ubuntu0.6", "MariaDB",
// "3+deb10u1"): it is kept for display and distribution detection but ignored
// by Compare, because NVD bounds are upstream versions.
//
// The zero Version is an empty version. Parsing never fails: every string has
// a Version, so comparisons of odd inputs are consistent rather than errors.
type Version struct {
	raw     string
	epoch   string        // canonical number (no leading zeros; "" is 0)
	release []string      // canonical numbers of the dotted release
	suffix  []versionItem // words and numbers after the release
	tag     string
}

// versionItem is one suffix token. class orders tokens of different kinds;
// text breaks ties for numbers (numerically) and for classOther (as strings).
type versionItem struct {
	class int8
	text  string
}

// Suffix token classes, lowest first. classEnd is what a missing token
// compares as, so "1.2.0-rc1" < "1.2.0" < "1.2.0p1" < "1.2.0e".
const (
	classDev       int8 = -5 // dev, snapshot, nightly
	classAlpha     int8 = -4 // alpha, a1
	classBeta      int8 = -3 // beta, b1
	classMilestone int8 = -2 // milestone, M1
	classRC        int8 = -1 // rc, cr, pre, preview, c1
	classEnd       int8 = 0  // end of version; also final, release, ga, stable
	classNumber    int8 = 1
	classPatch     int8 = 2 // p1, patch, pl, sp, update, u1, r1, post, rev
	classOther     int8 = 3 // single letters (1.0.2k, 1.3.5e) and unknown words
)

var wordClasses = map[string]int8{
	"dev": classDev, "snapshot": classDev, "nightly": classDev,
	"alpha":     classAlpha,
	"beta":      classBeta,
	"milestone": classMilestone,
	"rc":        classRC, "cr": classRC, "pre": classRC, "preview": classRC,
	"final": classEnd, "release": classEnd, "ga": classEnd, "stable": classEnd,
	"patch": classPatch, "pl": classPatch, "sp": classPatch, "update": classPatch,
	"post": classPatch, "rev": classPatch,
}

// letterClasses applies to a single letter directly followed by a digit
// ("3.9.0a1", "2.0b3", "9.0.0.M1", "7.4p1", "8u151"). A lone letter is an
// OpenSSL/ProFTPD-style post-release letter instead ("1.0.1a", "1.3.5e").
var letterClasses = map[string]int8{
	"a": classAlpha, "b": classBeta, "m": classMilestone, "c": classRC,
	"p": classPatch, "u": classPatch, "r": classPatch,
}

// ParseVersion parses s. It accepts anything; see Version for the grammar.
func ParseVersion(s string) Version {
	v := Version{raw: s}
	s = strings.TrimSpace(s)
	var tags []string
	if i := strings.IndexAny(s, " \t\r\n"); i >= 0 {
		tags = append(tags, strings.TrimSpace(s[i:]))
		s = s[:i]
	}
	if i := strings.IndexByte(s, '+'); i >= 0 {
		tags = append([]string{s[i+1:]}, tags...)
		s = s[:i]
	}
	if i := strings.IndexByte(s, ':'); i > 0 && allDigits(s[:i]) {
		v.epoch = canonicalNumber(s[:i])
		s = s[i+1:]
	}
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') && isDigit(s[1]) {
		s = s[1:]
	}
	parts := strings.Split(s, "-")
	upstream := parts[0]
	suffixText := ""
	for i, p := range parts[1:] {
		if !isQualifier(p) {
			tags = append([]string{strings.Join(parts[1+i:], "-")}, tags...)
			break
		}
		suffixText += "-" + p
	}
	v.tag = strings.Join(tags, " ")

	rest := upstream
	for {
		n := 0
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
		if n == 0 {
			break
		}
		v.release = append(v.release, canonicalNumber(rest[:n]))
		rest = rest[n:]
		if len(rest) >= 2 && rest[0] == '.' && isDigit(rest[1]) {
			rest = rest[1:]
			continue
		}
		break
	}
	v.suffix = tokenize(rest + suffixText)
	return v
}

// withUpdate returns v with the tokens of a CPE update component appended, so
// NVD's "openssh:7.4:p1" compares like "7.4p1".
func (v Version) withUpdate(update string) Version {
	if update == "" {
		return v
	}
	v.suffix = append(v.suffix[:len(v.suffix):len(v.suffix)], tokenize(update)...)
	v.raw += update
	return v
}

// withoutUpdate drops the suffix from its first pre-release or patch word
// on ("7.4p1" → "7.4", "1.2.0-rc1" → "1.2.0"), the part NVD writes in the CPE
// update component. Post-release letters stay: "1.0.2k" is its own version.
func (v Version) withoutUpdate() Version {
	for i, it := range v.suffix {
		if it.class != classNumber && it.class != classOther {
			v.suffix = v.suffix[:i:i]
			return v
		}
	}
	return v
}

// String returns the text the version was parsed from.
func (v Version) String() string { return v.raw }

// Tag returns the part ignored for ordering (distribution revision, product
// flavour), e.g. "Ubuntu-3ubuntu0.6" for "8.9p1 Ubuntu-3ubuntu0.6".
func (v Version) Tag() string { return v.tag }

// IsZero reports whether v carries no version at all.
func (v Version) IsZero() bool {
	return v.epoch == "" && len(v.release) == 0 && len(v.suffix) == 0
}

// Compare returns -1, 0 or +1 as v is older than, equal to, or newer than w.
// Missing trailing release components are zero ("1.2" == "1.2.0"); tags are
// ignored. The order is total: antisymmetric and transitive for all inputs.
func (v Version) Compare(w Version) int {
	if c := compareNumbers(v.epoch, w.epoch); c != 0 {
		return c
	}
	for i := range max(len(v.release), len(w.release)) {
		if c := compareNumbers(at(v.release, i), at(w.release, i)); c != 0 {
			return c
		}
	}
	end := versionItem{class: classEnd}
	for i := range max(len(v.suffix), len(w.suffix)) {
		a, b := end, end
		if i < len(v.suffix) {
			a = v.suffix[i]
		}
		if i < len(w.suffix) {
			b = w.suffix[i]
		}
		if c := compareItems(a, b); c != 0 {
			return c
		}
	}
	return 0
}

// CompareVersions parses a and b and compares them; see Version.Compare.
func CompareVersions(a, b string) int {
	return ParseVersion(a).Compare(ParseVersion(b))
}

func compareItems(a, b versionItem) int {
	if a.class != b.class {
		if a.class < b.class {
			return -1
		}
		return 1
	}
	switch a.class {
	case classNumber:
		return compareNumbers(a.text, b.text)
	case classOther:
		return strings.Compare(a.text, b.text)
	}
	return 0
}

// tokenize splits a version suffix into digit runs and letter runs; every
// other byte separates tokens.
func tokenize(s string) []versionItem {
	var items []versionItem
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isDigit(c):
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			items = append(items, versionItem{class: classNumber, text: canonicalNumber(s[i:j])})
			i = j
		case isLetter(c):
			j := i
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			word := strings.ToLower(s[i:j])
			items = append(items, versionItem{class: classifyWord(word, j < len(s) && isDigit(s[j])), text: word})
			i = j
		default:
			i++
		}
	}
	return items
}

func classifyWord(word string, digitFollows bool) int8 {
	if len(word) == 1 {
		if c, ok := letterClasses[word]; ok && digitFollows {
			return c
		}
		return classOther
	}
	if c, ok := wordClasses[word]; ok {
		return c
	}
	return classOther
}

// isQualifier reports whether a '-'-separated part continues the version
// ("rc1", "beta", "p1", "SNAPSHOT") rather than starting a tag ("MariaDB",
// "3ubuntu0.6", "1").
func isQualifier(part string) bool {
	items := tokenize(part)
	if len(items) == 0 || !isLetter(part[0]) {
		return false
	}
	c := items[0].class
	return c != classOther && c != classNumber
}

// canonicalNumber strips leading zeros so numbers compare by length, then
// bytes; zero becomes "". This copes with components longer than int64.
func canonicalNumber(s string) string {
	return strings.TrimLeft(s, "0")
}

func compareNumbers(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
