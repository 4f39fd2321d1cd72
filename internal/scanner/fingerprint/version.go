package fingerprint

import (
	"regexp"
	"strings"
)

// versionRe matches a dotted version at the start of a string, with an
// optional letter-and-number tail as in "8.9p1", "1.3.5e" or "2.0.0rc1".
var versionRe = regexp.MustCompile(`^[0-9]+(?:\.[0-9]+)*(?:[a-z]+[0-9]*)?`)

// leadingVersion splits s into the version it starts with and the rest.
// It returns "", s when s does not start with a digit.
func leadingVersion(s string) (version, rest string) {
	v := versionRe.FindString(s)
	return v, s[len(v):]
}

// distroRe matches version suffixes that name a distribution's package
// revision rather than a build variant such as "log" or "debug".
var distroRe = regexp.MustCompile(`(?i)ubuntu|debian|deb[0-9]|\.el[0-9]|el[0-9]_|\.fc[0-9]|suse|alpine|freebsd|openbsd|netbsd|raspbian|centos|rhel|amzn|maria~|pgdg|bpo[0-9]`)

// splitVersionSuffix separates a version such as "8.0.36-0ubuntu0.22.04.1"
// into "8.0.36" and its suffix, and says whether the suffix looks like a
// distribution's package revision. A version without a leading number is
// returned unchanged.
func splitVersionSuffix(s string) (version, suffix string, distro bool) {
	v, rest := leadingVersion(s)
	if v == "" {
		return s, "", false
	}
	rest = strings.TrimLeft(rest, "-+~_. ")
	return v, rest, distroRe.MatchString(rest)
}

// setVersion stores a version split from its suffix into m, recording the
// suffix as Extra "distro" or "version_suffix".
func (m *Match) setVersion(raw string) {
	v, suffix, distro := splitVersionSuffix(raw)
	m.Version = v
	if distro {
		m.set("distro", suffix)
	} else {
		m.set("version_suffix", suffix)
	}
}

// firstLine returns s up to its first line break, without it.
func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// parenthesised returns the text inside the first (...) of s, or "".
func parenthesised(s string) string {
	i := strings.IndexByte(s, '(')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], ')')
	if j < 0 {
		return ""
	}
	return strings.TrimSpace(s[i+1 : i+j])
}
