package fingerprint

import (
	"net"
	"strings"
	"time"
)

// greeted identifies a service from its greeting b and, on the same
// connection, asks the one or two questions that complete the picture
// (EHLO, FEAT, CAPA, CAPABILITY, Telnet negotiation). It reports false
// when the greeting is unknown.
func (r *detection) greeted(c *conversation, b []byte) (Match, bool) {
	m, kind := classifyGreeting(b)
	switch kind {
	case greetNone:
		return Match{}, false
	case greetAmbiguous:
		// Only SMTP accepts EHLO; an FTP server answers 500.
		if reply := c.command("EHLO " + ehloName(c) + "\r\n"); ehloFacts(&m, reply) {
			m.Service = "smtp"
			c.quit("QUIT\r\n")
			return m, true
		}
		m.Service = "ftp"
	}
	switch m.Service {
	case "smtp":
		ehloFacts(&m, c.command("EHLO "+ehloName(c)+"\r\n"))
		c.quit("QUIT\r\n")
	case "ftp":
		ftpFeatFacts(&m, c.command("FEAT\r\n"))
		c.quit("QUIT\r\n")
	case "pop3":
		b, _ := c.roundTrip([]byte("CAPA\r\n"), readSpec{max: 8192, done: pop3MultiDone})
		pop3CapaFacts(&m, string(b))
		c.quit("QUIT\r\n")
	case "imap":
		if m.Extra["imap_capabilities"] == "" {
			b, _ := c.roundTrip([]byte("a1 CAPABILITY\r\n"), readSpec{max: 8192, done: taggedDone("a1 ")})
			if caps := imapCapabilities(string(b)); caps != "" {
				imapCapabilityFacts(&m, caps)
			}
		}
		c.quit("a2 LOGOUT\r\n")
	case "telnet":
		telnetFollow(c, &m, b)
	}
	return m, true
}

// command sends an FTP/SMTP command and returns the whole reply, or what
// arrived of it.
func (c *conversation) command(cmd string) string {
	b, _ := c.roundTrip([]byte(cmd), readSpec{max: 8192, done: replyDone})
	return string(b)
}

// quit says goodbye without waiting for the answer.
func (c *conversation) quit(cmd string) {
	_ = c.send([]byte(cmd))
}

// ehloName is the address literal of our end of the connection: a valid
// EHLO argument that names no host and needs no resolution.
func ehloName(c *conversation) string {
	if a, ok := c.conn.LocalAddr().(*net.TCPAddr); ok {
		if ip4 := a.IP.To4(); ip4 != nil {
			return "[" + ip4.String() + "]"
		}
		return "[IPv6:" + a.IP.String() + "]"
	}
	return "[127.0.0.1]"
}

// pop3MultiDone reports whether a POP3 multi-line reply (or an error) is complete.
func pop3MultiDone(b []byte) bool {
	s := string(b)
	if strings.HasPrefix(s, "-ERR") {
		return lineDone(b)
	}
	return strings.HasSuffix(s, "\r\n.\r\n") || s == ".\r\n"
}

// taggedDone returns a done function for an IMAP command tagged tag.
func taggedDone(tag string) func([]byte) bool {
	return func(b []byte) bool {
		if !lineDone(b) {
			return false
		}
		s := string(b)
		return strings.HasPrefix(s, tag) || strings.Contains(s, "\n"+tag)
	}
}

// telnetFollow refuses every option the server asked about and reads on
// until its login prompt or banner text arrives.
func telnetFollow(c *conversation, m *Match, greeting []byte) {
	_, cmds, _ := telnetScan(greeting)
	all := append([]byte(nil), greeting...)
	// A prompt follows the answers at once; a server that stays silent
	// has nothing more to show.
	if d := time.Now().Add(time.Second); d.Before(c.deadline) {
		c.deadline = d
	}
	for range 4 {
		reply := telnetRefusals(cmds)
		if len(reply) == 0 || c.send(reply) != nil {
			break
		}
		b, _ := c.recv(readSpec{max: 4096, done: telnetCommandsComplete, idle: greetingIdle})
		if len(b) == 0 {
			break
		}
		all = append(all, b...)
		var text []byte
		text, cmds, _ = telnetScan(b)
		if len(strings.TrimSpace(string(text))) > 0 {
			break
		}
	}
	if tm, ok := parseTelnet(all); ok {
		m.Banner = tm.Banner
	}
}
