package fingerprint

import (
	"regexp"
	"strings"
)

// codeProduct recognises a product named in an FTP or SMTP greeting.
type codeProduct struct {
	service string
	product string
	re      *regexp.Regexp // submatch 1, when present, is the version
}

// codeProducts are tried in order against the whole greeting text.
var codeProducts = []codeProduct{
	{"ftp", "vsftpd", regexp.MustCompile(`(?i)\(vsFTPd ([0-9][^)\s]*)\)|vsftpd`)},
	{"ftp", "ProFTPD", regexp.MustCompile(`ProFTPD(?: ([0-9][0-9a-z.]*))?`)},
	{"ftp", "Pure-FTPd", regexp.MustCompile(`Pure-FTPd`)},
	{"ftp", "FileZilla Server", regexp.MustCompile(`FileZilla Server(?: version)?(?: ([0-9][0-9a-z.]*))?`)},
	{"ftp", "Serv-U", regexp.MustCompile(`Serv-U FTP Server v?([0-9][0-9.]*)?`)},
	{"ftp", "Microsoft ftpd", regexp.MustCompile(`Microsoft FTP Service`)},
	{"smtp", "Exim", regexp.MustCompile(`\bExim(?: ([0-9][0-9._a-z]*))?`)},
	{"smtp", "Postfix", regexp.MustCompile(`\bPostfix\b`)},
	{"smtp", "Sendmail", regexp.MustCompile(`\bSendmail(?: ([0-9][0-9.]*[a-z0-9]*))?`)},
	{"smtp", "OpenSMTPD", regexp.MustCompile(`\bOpenSMTPD\b`)},
	{"smtp", "Haraka", regexp.MustCompile(`\bHaraka(?:/([0-9][0-9.]*))?`)},
	{"smtp", "Microsoft ESMTP", regexp.MustCompile(`Microsoft ESMTP MAIL Service`)},
}

var (
	smtpWordRe = regexp.MustCompile(`(?i)\bE?SMTP\b|\bmail ?(?:server|service)\b`)
	ftpWordRe  = regexp.MustCompile(`(?i)\bFTPS?\b|\bFTP[ -]?(?:server|service|daemon)\b`)
)

// parseCodeGreeting reads a greeting that starts with a reply code: FTP and
// SMTP both greet with "220". The product names and protocol words in the
// text decide; a greeting naming neither is ambiguous.
func parseCodeGreeting(s string) (Match, greetKind) {
	code := replyCode(s)
	switch code {
	case "220", "120", "421", "554":
	default:
		return Match{}, greetNone
	}
	text := s
	if len(text) > 2048 {
		text = text[:2048]
	}
	m := Match{Banner: Printable([]byte(text))}
	for _, p := range codeProducts {
		sm := p.re.FindStringSubmatch(text)
		if sm == nil {
			continue
		}
		m.Service, m.Product = p.service, p.product
		if len(sm) > 1 {
			m.setVersion(sm[1])
		}
		if d := parenthesised(text[strings.Index(text, sm[0]):]); d != "" && distroRe.MatchString(d) {
			m.set("distro", d)
		}
		return m, greetMatched
	}
	switch {
	case smtpWordRe.MatchString(text) && code != "120":
		m.Service = "smtp"
	case ftpWordRe.MatchString(text) && code != "554":
		m.Service = "ftp"
	case code == "554":
		m.Service = "smtp"
	case code == "120":
		m.Service = "ftp"
	default:
		return m, greetAmbiguous
	}
	return m, greetMatched
}

// ehloFacts reads an SMTP EHLO reply. It reports whether the server
// accepted EHLO (a 250 reply) and records STARTTLS and AUTH offers.
func ehloFacts(m *Match, reply string) bool {
	if replyCode(reply) != "250" {
		return false
	}
	starttls := "false"
	for _, line := range strings.Split(reply, "\n") {
		line = strings.TrimSpace(line)
		if len(line) < 4 || replyCode(line) != "250" {
			continue
		}
		kw := strings.ToUpper(strings.TrimSpace(line[4:]))
		switch {
		case kw == "STARTTLS":
			starttls = "true"
		case strings.HasPrefix(kw, "AUTH ") || strings.HasPrefix(kw, "AUTH="):
			m.set("smtp_auth", strings.TrimSpace(kw[5:]))
		}
	}
	m.set("starttls", starttls)
	return true
}

// ftpFeatFacts reads an FTP FEAT reply and records whether AUTH TLS is offered.
func ftpFeatFacts(m *Match, reply string) {
	if replyCode(reply) != "211" {
		return
	}
	up := strings.ToUpper(reply)
	if strings.Contains(up, "AUTH TLS") || strings.Contains(up, "AUTH SSL") {
		m.set("starttls", "true")
	} else {
		m.set("starttls", "false")
	}
}

// mailProducts recognises POP3 and IMAP server products in greetings and
// capability lists.
var mailProducts = []codeProduct{
	{"", "Dovecot", regexp.MustCompile(`\bDovecot\b`)},
	{"", "Cyrus IMAP", regexp.MustCompile(`Cyrus (?:IMAP|POP3)(?:4)?(?: v?([0-9][0-9.]*[0-9A-Za-z+~._-]*))?`)},
	{"", "Courier-IMAP", regexp.MustCompile(`Courier-IMAP`)},
	{"", "Microsoft Exchange", regexp.MustCompile(`Microsoft Exchange`)},
	{"", "Qpopper", regexp.MustCompile(`Qpopper \(version ([0-9][0-9.]*)\)`)},
	{"", "UW IMAP", regexp.MustCompile(`IMAP4rev1 (?:v|Service )([0-9][0-9.]*[a-z0-9.]*) at`)},
}

// mailProduct fills m's product from a POP3/IMAP text if one is named.
func mailProduct(m *Match, text string) {
	for _, p := range mailProducts {
		sm := p.re.FindStringSubmatch(text)
		if sm == nil {
			continue
		}
		m.Product = p.product
		if len(sm) > 1 {
			m.setVersion(sm[1])
		}
		if d := parenthesised(text[strings.Index(text, sm[0]):]); d != "" && distroRe.MatchString(d) {
			m.set("distro", d)
		}
		return
	}
}

// parsePOP3Greeting reads a "+OK ..." greeting.
func parsePOP3Greeting(s string) Match {
	line := firstLine(s)
	m := Match{Service: "pop3", Banner: Printable([]byte(line))}
	mailProduct(&m, line)
	return m
}

// pop3CapaFacts reads a CAPA reply: STLS and the IMPLEMENTATION line.
func pop3CapaFacts(m *Match, reply string) {
	if !strings.HasPrefix(reply, "+OK") {
		return
	}
	starttls := "false"
	for _, line := range strings.Split(reply, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.EqualFold(line, "STLS"):
			starttls = "true"
		case strings.HasPrefix(strings.ToUpper(line), "IMPLEMENTATION ") && m.Product == "":
			mailProduct(m, line)
		}
	}
	m.set("starttls", starttls)
}

// parseIMAPGreeting reads a "* OK ..." greeting, with the capability list
// many servers include.
func parseIMAPGreeting(s string) Match {
	line := firstLine(s)
	m := Match{Service: "imap", Banner: Printable([]byte(line))}
	mailProduct(&m, line)
	if caps := imapCapabilities(line); caps != "" {
		imapCapabilityFacts(&m, caps)
	}
	return m
}

// imapCapabilities extracts the capability list from "[CAPABILITY ...]" in
// a greeting or from a "* CAPABILITY ..." line, or "".
func imapCapabilities(s string) string {
	if i := strings.Index(strings.ToUpper(s), "[CAPABILITY "); i >= 0 {
		rest := s[i+len("[CAPABILITY "):]
		if j := strings.IndexByte(rest, ']'); j >= 0 {
			return rest[:j]
		}
	}
	for _, line := range strings.Split(s, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "* CAPABILITY "); ok {
			return rest
		}
	}
	return ""
}

// imapCapabilityFacts records the capability list and the STARTTLS offer.
func imapCapabilityFacts(m *Match, caps string) {
	caps = strings.TrimSpace(caps)
	m.set("imap_capabilities", caps)
	starttls := "false"
	for _, c := range strings.Fields(caps) {
		if strings.EqualFold(c, "STARTTLS") {
			starttls = "true"
		}
	}
	m.set("starttls", starttls)
}
