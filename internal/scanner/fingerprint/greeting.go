package fingerprint

import (
	"bytes"
	"strconv"
	"strings"
)

// greetKind says how far a greeting was understood.
type greetKind int

const (
	greetNone      greetKind = iota // not a greeting we know
	greetMatched                    // service identified
	greetAmbiguous                  // a "220" that could be FTP or SMTP
)

// ParseBanner identifies a service from the first bytes it sent: a
// greeting (SSH, FTP, SMTP, POP3, IMAP, MySQL, Telnet, VNC, rsync) or an
// answer that names its protocol (an HTTP status line, a Redis error). It
// reports false when the bytes match nothing it knows; a "220" greeting
// that names neither FTP nor SMTP is reported as SMTP only when its text
// says so, and otherwise as not recognised (Detect settles it with EHLO).
func ParseBanner(b []byte) (Match, bool) {
	m, kind := classifyGreeting(b)
	if kind != greetMatched {
		return Match{}, false
	}
	m.sanitize()
	return m, true
}

// classifyGreeting is ParseBanner's worker; it tells ambiguous greetings
// apart from unknown ones.
func classifyGreeting(b []byte) (Match, greetKind) {
	if len(b) == 0 {
		return Match{}, greetNone
	}
	if len(b) > maxRecorded {
		b = b[:maxRecorded]
	}
	if b[0] == iac {
		if m, ok := parseTelnet(b); ok {
			return m, greetMatched
		}
		return Match{}, greetNone
	}
	if m, ok := parseMySQLGreeting(b); ok {
		return m, greetMatched
	}
	s := string(b)
	switch {
	case sshLine(s) != "":
		m, ok := parseSSHBanner(s)
		return m, kindOf(ok)
	case strings.HasPrefix(s, "RFB "):
		return parseVNC(s)
	case strings.HasPrefix(s, "@RSYNCD:"):
		m := Match{Service: "rsync", Banner: Printable(b)}
		m.set("rsync_protocol", strings.TrimSpace(firstLine(s[len("@RSYNCD:"):])))
		return m, greetMatched
	case strings.HasPrefix(s, "+OK"):
		return parsePOP3Greeting(s), greetMatched
	case strings.HasPrefix(s, "* OK"), strings.HasPrefix(s, "* PREAUTH"), strings.HasPrefix(s, "* BYE"):
		return parseIMAPGreeting(s), greetMatched
	case strings.HasPrefix(s, "HTTP/1.") || strings.HasPrefix(s, "HTTP/2"):
		m, ok := parseHTTPResponse(b)
		return m, kindOf(ok)
	case isRedisError(s):
		m := Match{Service: "redis", Product: "Redis", Banner: Printable(b)}
		redisAuthFacts(&m, s)
		return m, greetMatched
	case replyCode(s) != "":
		return parseCodeGreeting(s)
	}
	return Match{}, greetNone
}

func kindOf(ok bool) greetKind {
	if ok {
		return greetMatched
	}
	return greetNone
}

// greetingDone reports whether b is a whole greeting, so listening can stop
// before the wait runs out.
func greetingDone(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if b[0] == iac {
		return telnetCommandsComplete(b)
	}
	if mysqlPacketComplete(b) {
		return true
	}
	if !lineDone(b) {
		return false
	}
	// FTP and SMTP greetings may span lines "220-..." until "220 ...".
	lines := strings.Split(strings.TrimRight(string(b), "\r\n"), "\n")
	last := strings.TrimRight(lines[len(lines)-1], "\r")
	return !(len(last) >= 4 && replyCode(last) != "" && last[3] == '-')
}

// replyCode returns the three-digit reply code s starts with (FTP/SMTP
// style: digits then space, '-' or end of line), or "".
func replyCode(s string) string {
	if len(s) < 3 {
		return ""
	}
	for i := 0; i < 3; i++ {
		if s[i] < '0' || s[i] > '9' {
			return ""
		}
	}
	if s[0] < '1' || s[0] > '5' {
		return ""
	}
	if len(s) > 3 && s[3] != ' ' && s[3] != '-' && s[3] != '\r' && s[3] != '\n' {
		return ""
	}
	return s[:3]
}

// replyDone reports whether b ends with the final line of an FTP/SMTP
// reply: "NNN text" after any "NNN-text" lines.
func replyDone(b []byte) bool {
	if !lineDone(b) {
		return false
	}
	lines := bytes.Split(bytes.TrimRight(b, "\r\n"), []byte("\n"))
	last := string(bytes.TrimRight(lines[len(lines)-1], "\r"))
	return replyCode(last) != "" && (len(last) == 3 || last[3] == ' ')
}

// parseVNC reads an RFB protocol version greeting such as "RFB 003.008\n".
func parseVNC(s string) (Match, greetKind) {
	line := firstLine(s)
	ver := strings.TrimPrefix(line, "RFB ")
	major, minor, ok := strings.Cut(ver, ".")
	if !ok || len(major) != 3 || len(minor) != 3 || !allDigits(major) || !allDigits(minor) {
		return Match{}, greetNone
	}
	m := Match{Service: "vnc", Banner: Printable([]byte(line))}
	maj, _ := strconv.Atoi(major)
	mnr, _ := strconv.Atoi(minor)
	m.set("vnc_protocol", strconv.Itoa(maj)+"."+strconv.Itoa(mnr))
	return m, greetMatched
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
