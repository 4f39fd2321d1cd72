package fingerprint

import (
	"regexp"
	"strings"
)

// httpProducts maps a product token of a Server or X-Powered-By header
// (lower case) to our product name. keepVersion is false where the token's
// version is not the product's (Apache-Coyote's 1.1 is not Tomcat's).
var httpProducts = map[string]struct {
	product     string
	keepVersion bool
}{
	"apache":            {"Apache httpd", true},
	"nginx":             {"nginx", true},
	"microsoft-iis":     {"Microsoft IIS", true},
	"lighttpd":          {"lighttpd", true},
	"caddy":             {"Caddy", true},
	"openresty":         {"OpenResty", true},
	"litespeed":         {"LiteSpeed", true},
	"apache-coyote":     {"Apache Tomcat", false},
	"jetty":             {"Jetty", true},
	"gunicorn":          {"gunicorn", true},
	"werkzeug":          {"Werkzeug", true},
	"tornadoserver":     {"Tornado", true},
	"kestrel":           {"Kestrel", true},
	"microsoft-httpapi": {"Microsoft HTTPAPI", true},
	"tengine":           {"Tengine", true},
	"envoy":             {"Envoy", true},
	"couchdb":           {"CouchDB", true},
	"php":               {"PHP", true},
	"openssl":           {"OpenSSL", true},
	"python":            {"Python", true},
	"express":           {"Express", true},
	"uvicorn":           {"uvicorn", true},
	"cowboy":            {"Cowboy", true},
	"minio":             {"MinIO", true},
	"phusion_passenger": {"Phusion Passenger", true},
}

// osComments are Server header comments that name an operating system
// rather than a distribution package.
var osComments = map[string]string{
	"win32": "Windows", "win64": "Windows", "windows": "Windows", "unix": "Unix",
}

var otherDistroRe = regexp.MustCompile(`(?i)red ?hat|fedora|rocky|almalinux|amazon|oracle linux|gentoo|arch linux`)

// serverToken is one element of a Server header.
type serverToken struct {
	name, version string
	comment       bool
	attached      bool // a "(" follows the name directly: Jetty(9.4.51)
}

// splitServerHeader splits "Apache/2.4.41 (Ubuntu) OpenSSL/1.1.1f" into
// product tokens and comments. "Jetty(9.4.51)" gives Jetty with the
// parenthesised version.
func splitServerHeader(s string) []serverToken {
	var out []serverToken
	for len(s) > 0 && len(out) < 16 {
		switch s[0] {
		case ' ', '\t', ',':
			s = s[1:]
			continue
		case '(':
			end := strings.IndexByte(s, ')')
			if end < 0 {
				end = len(s)
			}
			text := strings.TrimSpace(s[1:min(end, len(s))])
			s = s[min(end+1, len(s)):]
			if n := len(out); n > 0 && !out[n-1].comment && out[n-1].version == "" && out[n-1].attached {
				if v, _ := leadingVersion(text); v != "" {
					out[n-1].version = text
					continue
				}
			}
			out = append(out, serverToken{name: text, comment: true})
			continue
		}
		end := strings.IndexAny(s, " \t(,")
		if end < 0 {
			end = len(s)
		}
		tok := s[:end]
		s = s[end:]
		name, version, _ := strings.Cut(tok, "/")
		out = append(out, serverToken{name: name, version: version, attached: len(s) > 0 && s[0] == '('})
	}
	return out
}

// ParseServerHeader reads an HTTP Server (or X-Powered-By) header value
// such as "Apache/2.4.58 (Ubuntu) OpenSSL/3.0.2": the first product token is
// Product/Version ("Apache httpd", "2.4.58"), later ones go to Also, and an
// operating-system comment goes to Extra "distro" or "os". Unknown products
// keep the name the header gives. It never fails; an empty or unreadable
// value gives an empty Match.
func ParseServerHeader(value string) Match {
	var m Match
	first := true
	for _, t := range splitServerHeader(value) {
		if t.comment {
			switch {
			case distroRe.MatchString(t.name) || otherDistroRe.MatchString(t.name):
				m.set("distro", Printable([]byte(t.name)))
			case osComments[strings.ToLower(t.name)] != "":
				m.set("os", osComments[strings.ToLower(t.name)])
			}
			continue
		}
		if t.name == "" {
			continue
		}
		product, version := Printable([]byte(t.name)), t.version
		if p, ok := httpProducts[strings.ToLower(t.name)]; ok {
			product = p.product
			if !p.keepVersion {
				version = ""
			}
		}
		v, suffix, distro := splitVersionSuffix(version)
		if v == version && version != "" && !versionRe.MatchString(version) {
			v = "" // "cloudflare/abc": not a version
		}
		if first {
			m.Product, m.Version = product, v
			if distro {
				m.set("distro", suffix)
			} else {
				m.set("version_suffix", suffix)
			}
			first = false
		} else if len(m.Also) < 8 {
			m.Also = append(m.Also, Software{product, v})
		}
	}
	return m
}
