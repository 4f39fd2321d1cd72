package httpcheck

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// A matcher decides from a 200 response whether the probed path really
// exposes what it is named for. It returns a short snippet for the evidence
// that proves it, never a secret.
type matcher func(p *page) (snippet string, ok bool)

// looksHTML reports a body that is an HTML page whatever its Content-Type:
// catch-all routes and error pages are HTML, exposed files are not.
func looksHTML(body []byte) bool {
	head := bytes.ToLower(body[:min(len(body), 1024)])
	return bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<!doctype")) ||
		bytes.Contains(head, []byte("<head")) || bytes.Contains(head, []byte("<body"))
}

// containsRe matches when re occurs in the body and returns the match,
// trimmed of surrounding space, as the snippet.
func containsRe(re *regexp.Regexp) matcher {
	return func(p *page) (string, bool) {
		m := re.Find(p.body)
		if m == nil {
			return "", false
		}
		return fmt.Sprintf("page contains %q", strings.TrimSpace(string(m))), true
	}
}

var (
	serverStatusRe = regexp.MustCompile(`Apache Server Status for[^<\n]{0,100}`)
	serverInfoRe   = regexp.MustCompile(`Apache Server Information`)
	gitHeadRe      = regexp.MustCompile(`\A(ref: refs/[A-Za-z0-9._/-]{1,200}|[0-9a-f]{40}|[0-9a-f]{64})\z`)
	gitCoreRe      = regexp.MustCompile(`(?m)^[ \t]*\[core\][ \t]*$`)
	iniSectionRe   = regexp.MustCompile(`(?m)^[ \t]*\[[A-Za-z0-9 ."_-]{1,60}\]`)
	svnEntriesRe   = regexp.MustCompile(`\A(8|9|10)\n\ndir\n`)
	envLineRe      = regexp.MustCompile(`^(?:export[ \t]+)?([A-Z][A-Z0-9_]{0,63})[ \t]*=`)
	sqlDumpRe      = regexp.MustCompile(`(?m)^-- (MySQL|MariaDB) dump[^\n]{0,40}|^-- PostgreSQL database dump|^(CREATE TABLE|INSERT INTO|DROP TABLE IF EXISTS|LOCK TABLES) `)
	phpVersionRe   = regexp.MustCompile(`PHP Version [0-9][0-9A-Za-z.+~-]{0,30}`)
)

// gitHEAD matches .git/HEAD: a symbolic ref or a bare object name.
func gitHEAD(p *page) (string, bool) {
	s := strings.TrimSpace(string(p.body))
	if !gitHeadRe.MatchString(s) {
		return "", false
	}
	return fmt.Sprintf("body is %q", s), true
}

// gitConfig matches .git/config by its [core] section. Only section names go
// in the evidence: remote URLs may embed credentials.
func gitConfig(p *page) (string, bool) {
	if looksHTML(p.body) || !gitCoreRe.Match(p.body) {
		return "", false
	}
	var secs []string
	for _, s := range iniSectionRe.FindAll(p.body, 8) {
		secs = append(secs, strings.TrimSpace(string(s)))
	}
	return "Git config with sections " + strings.Join(secs, " "), true
}

// svnEntries matches the entries file of Subversion < 1.7 working copies,
// in the plain (format 8-10) or the older XML form.
func svnEntries(p *page) (string, bool) {
	if m := svnEntriesRe.Find(p.body); m != nil {
		return fmt.Sprintf("Subversion entries file, format %s", strings.SplitN(string(m), "\n", 2)[0]), true
	}
	if bytes.Contains(p.body[:min(len(p.body), 512)], []byte("<wc-entries")) {
		return "Subversion entries file (XML, <wc-entries>)", true
	}
	return "", false
}

// svnWCDB matches the SQLite database of Subversion >= 1.7 working copies.
func svnWCDB(p *page) (string, bool) {
	if !bytes.HasPrefix(p.body, []byte("SQLite format 3\x00")) || !bytes.Contains(p.body, []byte("WCROOT")) {
		return "", false
	}
	return `SQLite database ("SQLite format 3") with the Subversion WCROOT table`, true
}

// dotEnv matches a dotenv file: KEY=VALUE lines with upper-case keys making
// up most of it. The evidence lists key names only, values masked.
func dotEnv(p *page) (string, bool) {
	if looksHTML(p.body) {
		return "", false
	}
	var keys []string
	other := 0
	for line := range strings.SplitSeq(string(p.body), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if m := envLineRe.FindStringSubmatch(line); m != nil {
			keys = append(keys, m[1])
		} else {
			other++
		}
	}
	if !(len(keys) >= 1 && other == 0 || len(keys) >= 2 && len(keys) >= 2*other) {
		return "", false
	}
	shown := keys[:min(len(keys), 12)]
	s := strings.Join(shown, "=***, ") + "=***"
	if len(keys) > len(shown) {
		s += fmt.Sprintf(" (and %d more)", len(keys)-len(shown))
	}
	return fmt.Sprintf("%d KEY=VALUE lines, values masked: %s", len(keys), s), true
}

// signatures are the magic bytes of archive and dump formats.
var signatures = []struct {
	name  string
	off   int
	magic string
}{
	{"ZIP", 0, "PK\x03\x04"},
	{"ZIP (empty)", 0, "PK\x05\x06"},
	{"gzip", 0, "\x1f\x8b\x08"},
	{"bzip2", 0, "BZh"},
	{"xz", 0, "\xfd7zXZ\x00"},
	{"7-Zip", 0, "7z\xbc\xaf\x27\x1c"},
	{"RAR", 0, "Rar!\x1a\x07"},
	{"Zstandard", 0, "\x28\xb5\x2f\xfd"},
	{"tar", 257, "ustar"},
	{"SQLite", 0, "SQLite format 3\x00"},
}

// archive matches a body by its magic bytes.
func archive(p *page) (string, bool) {
	for _, s := range signatures {
		if len(p.body) >= s.off+len(s.magic) && string(p.body[s.off:s.off+len(s.magic)]) == s.magic {
			return fmt.Sprintf("body has the %s signature % x at offset %d%s", s.name, s.magic, s.off, contentLength(p)), true
		}
	}
	return "", false
}

// sqlDump matches SQL dump text (or a compressed dump by its magic bytes).
// Only the matched marker is shown: dumps hold the data itself.
func sqlDump(p *page) (string, bool) {
	if s, ok := archive(p); ok {
		return s, true
	}
	if looksHTML(p.body) {
		return "", false
	}
	m := sqlDumpRe.Find(p.body)
	if m == nil {
		return "", false
	}
	return fmt.Sprintf("SQL dump text, contains %q%s", strings.TrimSpace(string(m)), contentLength(p)), true
}

// phpSource matches PHP source served as a file (a .bak copy the PHP
// handler does not run). The source itself may hold credentials and is not
// shown.
func phpSource(p *page) (string, bool) {
	b := bytes.TrimLeft(bytes.TrimPrefix(p.body, []byte("\xef\xbb\xbf")), " \t\r\n")
	if !bytes.HasPrefix(b, []byte("<?php")) && !bytes.HasPrefix(b, []byte("<?=")) {
		return "", false
	}
	return "PHP source code served unexecuted (body begins with \"<?php\")" + contentLength(p), true
}

// dsStore matches a macOS Finder .DS_Store file, which lists the names of
// the files in its directory.
func dsStore(p *page) (string, bool) {
	if !bytes.HasPrefix(p.body, []byte("\x00\x00\x00\x01Bud1")) {
		return "", false
	}
	return "macOS .DS_Store file (signature 00 00 00 01 Bud1) listing the directory's file names", true
}

// phpinfo matches the output of phpinfo(): the version heading and its
// name/value tables.
func phpinfo(p *page) (string, bool) {
	v := phpVersionRe.Find(p.body)
	if v == nil || !bytes.Contains(p.body, []byte(`<td class="e">`)) && !bytes.Contains(p.body, []byte("phpinfo()")) {
		return "", false
	}
	return fmt.Sprintf("phpinfo() output, page contains %q", v), true
}

// console matches an administration console's page that is open without
// credentials: its marker is present, a logged-in marker is present and no
// login form is.
func console(name string, marker string, open []string, login []string) matcher {
	return func(p *page) (string, bool) {
		if !bytes.Contains(p.body, []byte(marker)) {
			return "", false
		}
		for _, l := range login {
			if bytes.Contains(p.body, []byte(l)) {
				return "", false // a login form: present but protected
			}
		}
		for _, o := range open {
			if bytes.Contains(p.body, []byte(o)) {
				return fmt.Sprintf("%s answers without credentials: page contains %q and %q, and no login form", name, marker, o), true
			}
		}
		return "", false
	}
}

func contentLength(p *page) string {
	if cl := p.header.Get("Content-Length"); cl != "" {
		return ", Content-Length " + cl
	}
	return ""
}
