package smtpcheck

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/netprobe"
)

// errForbidden guards the promise of this package: no command that could
// make the server accept or send a message ever leaves the scanner.
var errForbidden = errors.New("smtpcheck: refusing to send a message-transfer command")

// forbiddenVerbs start or complete a message transfer (RFC 5321 DATA,
// RFC 3030 BDAT, RFC 4468 BURL) or make the server deliver its queue (ETRN).
var forbiddenVerbs = []string{"DATA", "BDAT", "BURL", "ETRN"}

// session is one SMTP conversation with a transcript of every exchange.
type session struct {
	conn     *netprobe.Conn
	plain    *netprobe.Conn // the TCP connection under a STARTTLS upgrade
	t        checks.Target
	greeting netprobe.Reply
	ehlo     netprobe.Reply
	esmtp    bool
	tls      bool // the conversation is encrypted (implicit TLS or STARTTLS)
	log      []string
}

// dial connects (with TLS for SMTPS), reads the greeting and says EHLO,
// falling back to HELO for servers without ESMTP. It returns an error when
// the server does not greet with 220 or refuses both.
func dial(ctx context.Context, t checks.Target) (*session, error) {
	dt := t
	dt.Service.TLS = implicitTLS(t.Service)
	c, err := netprobe.DialTarget(ctx, dt)
	if err != nil {
		return nil, err
	}
	s := &session{conn: c, t: t, tls: dt.Service.TLS}
	g, err := c.ReadReply()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("SMTP greeting: %w", err)
	}
	s.greeting = g
	s.log = append(s.log, "<- "+g.Text())
	if g.Code != 220 {
		c.Close()
		return nil, fmt.Errorf("SMTP server not ready: %q", g.Text())
	}
	if err := s.hello(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *session) hello() error {
	name := s.helloName()
	r, err := s.cmd("EHLO " + name)
	if err != nil {
		return err
	}
	if r.Code == 250 {
		s.ehlo, s.esmtp = r, true
		return nil
	}
	if r, err = s.cmd("HELO " + name); err != nil {
		return err
	}
	if r.Code != 250 {
		return fmt.Errorf("SMTP server refuses EHLO and HELO: %q", r.Text())
	}
	s.ehlo, s.esmtp = netprobe.Reply{}, false
	return nil
}

// helloName is the address literal of the scanner's end of the connection
// (RFC 5321 §4.1.3): the scanner has no host name the server could check.
func (s *session) helloName() string {
	a, ok := s.conn.LocalAddr().(*net.TCPAddr)
	if !ok {
		return "[127.0.0.1]"
	}
	if a.IP.To4() != nil {
		return "[" + a.IP.String() + "]"
	}
	return "[IPv6:" + a.IP.String() + "]"
}

// cmd sends one command line and reads the reply, recording both. It
// returns errForbidden, without sending anything, for DATA and the other
// message-transfer verbs.
func (s *session) cmd(line string) (netprobe.Reply, error) {
	verb, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(line)), " ")
	for _, v := range forbiddenVerbs {
		if verb == v {
			return netprobe.Reply{}, errForbidden
		}
	}
	if strings.ContainsAny(line, "\r\n") {
		return netprobe.Reply{}, fmt.Errorf("smtpcheck: command with a line break: %q", line)
	}
	if err := s.conn.WriteString(line + "\r\n"); err != nil {
		return netprobe.Reply{}, err
	}
	s.log = append(s.log, "-> "+line)
	r, err := s.conn.ReadReply()
	if err != nil {
		return r, fmt.Errorf("SMTP %s: %w", verb, err)
	}
	s.log = append(s.log, "<- "+r.Text())
	return r, nil
}

// extension reports whether the EHLO reply lists the keyword.
func (s *session) extension(keyword string) bool {
	if !s.esmtp {
		return false
	}
	for _, l := range s.ehlo.Lines[1:] {
		f := strings.Fields(l[min(len(l), 4):])
		if len(f) > 0 && strings.EqualFold(f[0], keyword) {
			return true
		}
	}
	return false
}

// upgradeOn switches to TLS when r says the server wants STARTTLS first
// (530 5.7.0 "Must issue a STARTTLS command first", RFC 3207 §4) and
// STARTTLS is on offer, then says EHLO again. It reports whether the
// command that got r should be retried.
func (s *session) upgradeOn(ctx context.Context, r netprobe.Reply) (bool, error) {
	if r.Code != 530 || s.tls || !s.extension("STARTTLS") {
		return false, nil
	}
	r, err := s.cmd("STARTTLS")
	if err != nil {
		return false, err
	}
	if r.Code != 220 {
		return false, nil
	}
	if s.conn.Buffered() > 0 {
		return false, errors.New("SMTP STARTTLS: server sent data before the handshake")
	}
	sni := s.t.Hostname
	if net.ParseIP(sni) != nil {
		sni = ""
	}
	tc := tls.Client(s.conn, &tls.Config{
		InsecureSkipVerify: true, // certificates are the TLS family's business
		ServerName:         sni,
		MinVersion:         tls.VersionTLS10,
	})
	if err := tc.HandshakeContext(ctx); err != nil {
		return false, fmt.Errorf("SMTP STARTTLS handshake: %w", err)
	}
	s.plain, s.conn, s.tls = s.conn, netprobe.Wrap(ctx, tc), true
	s.log = append(s.log, "(TLS established)")
	return true, s.hello()
}

// quit ends the conversation politely and closes the connection.
func (s *session) quit() {
	_, _ = s.cmd("QUIT")
	s.close()
}

func (s *session) close() {
	s.conn.Close()
	if s.plain != nil {
		s.plain.Close()
	}
}

// transcript returns the conversation so far, one line per reply line.
func (s *session) transcript() string { return strings.Join(s.log, "\n") }

// localAddr is the scanner's address as the server sees it (before NAT).
func (s *session) localAddr() string {
	if a, ok := s.conn.LocalAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	return s.conn.LocalAddr().String()
}

// randomLabel returns 12 random hex digits, fresh for each probe so no
// server-side cache or greylisting entry answers for an earlier run.
func randomLabel() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// bannerDomain returns the domain of the host name the server greets with
// ("220 mail.example.com ESMTP Postfix" gives example.com; a two-label name
// is returned whole), or "" when the greeting names no host.
func bannerDomain(greeting netprobe.Reply) string {
	if len(greeting.Lines) == 0 {
		return ""
	}
	f := strings.Fields(greeting.Lines[0][min(len(greeting.Lines[0]), 4):])
	if len(f) == 0 {
		return ""
	}
	host := strings.ToLower(strings.TrimSuffix(f[0], "."))
	labels := strings.Split(host, ".")
	if len(labels) < 2 || net.ParseIP(host) != nil || !validHostname(host) {
		return ""
	}
	if len(labels) > 2 {
		labels = labels[1:]
	}
	return strings.Join(labels, ".")
}

func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, l := range strings.Split(h, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}
