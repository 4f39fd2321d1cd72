package smtpcheck

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/checktest"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// VRFY behaviours of the test server.
const (
	vrfyDisabled = "disabled" // 502, Postfix disable_vrfy_command=yes
	vrfyVerify   = "verify"   // 250 for local users, 550 for others (sendmail)
	vrfyPostfix  = "postfix"  // 252 for local users, 550 for others (Postfix default)
	vrfyCannot   = "cannot"   // 252 for everyone (sendmail novrfy, Exim)
)

// mailServer is a small SMTP server on loopback that answers like Postfix
// in the configured ways, and records every command it receives.
type mailServer struct {
	domain     string // local domain; the banner host is mail.<domain>
	relay      bool   // accept outside recipients from anyone
	relayOwn   bool   // accept outside recipients when the sender is in domain
	vrfy       string // one of the vrfy* constants
	expn       bool   // EXPN answers like vrfyVerify (else 502)
	requireTLS bool   // 530 to MAIL/VRFY/EXPN until STARTTLS
	implicit   bool   // TLS from the first byte (SMTPS)

	mu   sync.Mutex
	cmds []string
}

var localUsers = []string{"root", "postmaster", "alice"}

// start listens on 127.0.0.1 and returns the target to scan.
func (m *mailServer) start(t *testing.T, service string) checks.Target {
	t.Helper()
	if m.domain == "" {
		m.domain = "example.com"
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{testCert(t)}}
	return checktest.Serve(t, result.Service{State: result.PortOpen, Service: service, TLS: m.implicit},
		func(c net.Conn) { m.serve(c, cfg) })
}

func (m *mailServer) commands() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.cmds...)
}

func (m *mailServer) serve(c net.Conn, cfg *tls.Config) {
	defer func() { c.Close() }()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	encrypted := false
	if m.implicit {
		c = tls.Server(c, cfg)
		encrypted = true
	}
	r := bufio.NewReader(c)
	say := func(s string) { fmt.Fprintf(c, "%s\r\n", strings.ReplaceAll(s, "\n", "\r\n")) }
	say("220 mail." + m.domain + " ESMTP Postfix (Debian/GNU)")
	var sender string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		m.mu.Lock()
		m.cmds = append(m.cmds, cmd)
		m.mu.Unlock()
		verb, arg, _ := strings.Cut(cmd, " ")
		verb = strings.ToUpper(verb)
		if m.requireTLS && !encrypted && (verb == "MAIL" || verb == "VRFY" || verb == "EXPN") {
			say("530 5.7.0 Must issue a STARTTLS command first")
			continue
		}
		switch verb {
		case "EHLO":
			ext := "250-mail." + m.domain + "\n250-PIPELINING\n250-SIZE 10240000\n250-VRFY\n"
			if !encrypted {
				ext += "250-STARTTLS\n"
			}
			say(ext + "250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250 CHUNKING")
		case "HELO":
			say("250 mail." + m.domain)
		case "STARTTLS":
			if encrypted {
				say("554 5.5.1 Error: TLS already active")
				continue
			}
			say("220 2.0.0 Ready to start TLS")
			tc := tls.Server(c, cfg)
			if tc.Handshake() != nil {
				return
			}
			c, r, encrypted, sender = tc, bufio.NewReader(tc), true, ""
		case "MAIL":
			sender = addr(arg)
			say("250 2.1.0 Ok")
		case "RCPT":
			rcpt := addr(arg)
			switch {
			case sender == "":
				say("503 5.5.1 Error: need MAIL command")
			case strings.HasSuffix(rcpt, "@"+m.domain), m.relay,
				m.relayOwn && strings.HasSuffix(sender, "@"+m.domain):
				say("250 2.1.5 Ok")
			default:
				say("554 5.7.1 <" + rcpt + ">: Relay access denied")
			}
		case "DATA", "BDAT":
			say("354 End data with <CR><LF>.<CR><LF>")
		case "RSET":
			sender = ""
			say("250 2.0.0 Ok")
		case "VRFY":
			say(m.verify(arg))
		case "EXPN":
			if !m.expn {
				say("502 5.5.2 Error: command not recognized")
				continue
			}
			say(verifyReply(vrfyVerify, arg))
		case "QUIT":
			say("221 2.0.0 Bye")
			return
		default:
			say("502 5.5.2 Error: command not recognized")
		}
	}
}

func (m *mailServer) verify(user string) string { return verifyReply(m.vrfy, user) }

func verifyReply(mode, user string) string {
	known := false
	for _, u := range localUsers {
		known = known || strings.EqualFold(u, user)
	}
	switch {
	case mode == vrfyDisabled:
		return "502 5.5.1 VRFY command is disabled"
	case mode == vrfyCannot:
		return "252 2.5.2 Cannot VRFY user; try RCPT to attempt delivery (or try finger)"
	case !known:
		return "550 5.1.1 <" + user + ">: Recipient address rejected: User unknown in local recipient table"
	case mode == vrfyPostfix:
		return "252 2.0.0 " + user
	}
	return "250 2.1.5 " + user + " <" + user + "@mail.example.com>"
}

func addr(arg string) string {
	i, j := strings.IndexByte(arg, '<'), strings.IndexByte(arg, '>')
	if i < 0 || j < i {
		return ""
	}
	return strings.ToLower(arg[i+1 : j])
}

func testCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mail.example.com"},
		DNSNames:     []string{"mail.example.com"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
