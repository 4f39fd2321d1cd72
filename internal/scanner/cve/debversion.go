package cve

import "strings"

// CompareDebianVersions orders two Debian package versions
// ("[epoch:]upstream[-revision]") the way dpkg does: epochs numerically,
// then the upstream parts, then the revisions, each with dpkg's verrevcmp
// (letters sort before other characters, '~' before everything, even the
// end of the string, and digit runs compare as numbers). It returns -1, 0 or
// +1. It never fails: a malformed version is compared as written, so callers
// that must trust the order check the versions first with
// ValidDebianVersion.
func CompareDebianVersions(a, b string) int {
	ae, au, ar := splitDebianVersion(a)
	be, bu, br := splitDebianVersion(b)
	if c := compareDigits(ae, be); c != 0 {
		return c
	}
	if c := verrevcmp(au, bu); c != 0 {
		return c
	}
	return verrevcmp(ar, br)
}

// ValidDebianVersion reports whether v has the syntax of a Debian package
// version (deb-version(7)): an optional numeric epoch, an upstream part
// that starts with a digit and holds only alphanumerics and ".+-~" (':' is
// not accepted even though dpkg tolerates it without an epoch), and an
// optional revision of alphanumerics and "+.~".
func ValidDebianVersion(v string) bool {
	if v == "" || len(v) > 256 {
		return false
	}
	epoch, upstream, revision := splitDebianVersion(v)
	if strings.Contains(v, ":") && epoch == "" {
		return false
	}
	for i := 0; i < len(epoch); i++ {
		if !isDigit(epoch[i]) {
			return false
		}
	}
	if upstream == "" || !isDigit(upstream[0]) {
		return false
	}
	for i := 0; i < len(upstream); i++ {
		if c := upstream[i]; !isAlnum(c) && !strings.ContainsRune(".+-~", rune(c)) {
			return false
		}
	}
	if strings.HasSuffix(v, "-") {
		return false
	}
	for i := 0; i < len(revision); i++ {
		if c := revision[i]; !isAlnum(c) && !strings.ContainsRune("+.~", rune(c)) {
			return false
		}
	}
	return true
}

// splitDebianVersion cuts the epoch at the first ':' and the revision at
// the last '-'. A missing epoch is "" (compared as 0), a missing revision
// "" (which dpkg orders like "0").
func splitDebianVersion(v string) (epoch, upstream, revision string) {
	if i := strings.IndexByte(v, ':'); i >= 0 {
		epoch, v = v[:i], v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		return epoch, v[:i], v[i+1:]
	}
	return epoch, v, ""
}

// compareDigits compares two unsigned decimal numbers of any length; an
// empty string is 0.
func compareDigits(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return sign(len(a) - len(b))
	}
	return strings.Compare(a, b)
}

// verrevcmp is dpkg's comparison of an upstream version or a revision:
// alternately a run of non-digits, compared character by character with
// debOrder, and a run of digits, compared numerically.
func verrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := debOrder(a, i), debOrder(b, j)
			if ac != bc {
				return sign(ac - bc)
			}
			i, j = i+1, j+1
		}
		si := i
		for i < len(a) && isDigit(a[i]) {
			i++
		}
		sj := j
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if c := compareDigits(a[si:i], b[sj:j]); c != 0 {
			return c
		}
	}
	return 0
}

// debOrder is the weight of s[i] in a non-digit run: the end of the string
// and digits 0, letters their ASCII code, '~' below everything, other
// characters above all letters.
func debOrder(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	switch c := s[i]; {
	case isDigit(c):
		return 0
	case isLetter(c):
		return int(c)
	case c == '~':
		return -1
	default:
		return int(c) + 256
	}
}

func isAlnum(c byte) bool { return isDigit(c) || isLetter(c) }

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
