package cleartext

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/netprobe"
)

// proof is the transcript that shows a service lets credentials cross the
// network in clear, with a confidence when it differs from the check's.
type proof struct {
	evidence   string
	confidence int
}

// Each probe returns a proof, or nil when the service offers TLS (or no
// password authentication at all).

func evalFTP(ctx context.Context, t checks.Target) (*proof, error) {
	c, err := netprobe.Dial(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	g, err := c.ReadReply()
	if err != nil {
		return nil, fmt.Errorf("FTP greeting: %w", err)
	}
	if g.Code != 220 {
		return nil, fmt.Errorf("FTP server not ready: %q", g.Text())
	}
	tr := []string{"<- " + g.Text()}
	if err := c.WriteString("FEAT\r\n"); err != nil {
		return nil, err
	}
	feat, err := c.ReadReply()
	if err != nil {
		return nil, err
	}
	tr = append(tr, "-> FEAT", "<- "+feat.Text())
	if feat.Code == 211 && offersAuthTLS(feat.Lines) {
		return nil, nil
	}
	// FEAT is optional (RFC 2389); ask directly. 234 means TLS would start
	// now, and closing the connection is the polite way to decline.
	if err := c.WriteString("AUTH TLS\r\n"); err != nil {
		return nil, err
	}
	auth, err := c.ReadReply()
	if err != nil {
		return nil, err
	}
	if auth.Code == 234 {
		return nil, nil
	}
	_ = c.WriteString("QUIT\r\n")
	return &proof{evidence: strings.Join(append(tr, "-> AUTH TLS", "<- "+auth.Text()), "\n")}, nil
}

func evalPOP3(ctx context.Context, t checks.Target) (*proof, error) {
	c, err := netprobe.Dial(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	g, err := c.ReadLine(0)
	if err != nil {
		return nil, fmt.Errorf("POP3 greeting: %w", err)
	}
	if !strings.HasPrefix(g, "+OK") {
		return nil, fmt.Errorf("POP3 server not ready: %q", g)
	}
	tr := []string{"<- " + g, "-> CAPA"}
	if err := c.WriteString("CAPA\r\n"); err != nil {
		return nil, err
	}
	first, err := c.ReadLine(0)
	if err != nil {
		return nil, err
	}
	tr = append(tr, "<- "+first)
	if strings.HasPrefix(first, "+OK") {
		for range netprobe.MaxReplyLines {
			line, err := c.ReadLine(0)
			if err != nil {
				return nil, err
			}
			if line == "." {
				break
			}
			tr = append(tr, "<- "+line)
			if strings.EqualFold(strings.TrimSpace(line), "STLS") {
				return nil, nil
			}
		}
	}
	// No CAPA (RFC 2449 is optional) or no STLS listed: ask directly.
	if err := c.WriteString("STLS\r\n"); err != nil {
		return nil, err
	}
	stls, err := c.ReadLine(0)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(stls, "+OK") {
		return nil, nil
	}
	_ = c.WriteString("QUIT\r\n")
	return &proof{evidence: strings.Join(append(tr, "-> STLS", "<- "+stls), "\n")}, nil
}

func evalIMAP(ctx context.Context, t checks.Target) (*proof, error) {
	c, err := netprobe.Dial(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	g, err := c.ReadLine(0)
	if err != nil {
		return nil, fmt.Errorf("IMAP greeting: %w", err)
	}
	if !strings.HasPrefix(strings.ToUpper(g), "* OK") {
		return nil, fmt.Errorf("IMAP server not ready: %q", g)
	}
	if err := c.WriteString("c1 CAPABILITY\r\n"); err != nil {
		return nil, err
	}
	tr := []string{"<- " + g, "-> c1 CAPABILITY"}
	var caps []string
	for i := 0; ; i++ {
		if i == netprobe.MaxReplyLines {
			return nil, errors.New("IMAP CAPABILITY: no tagged answer")
		}
		line, err := c.ReadLine(0)
		if err != nil {
			return nil, err
		}
		tr = append(tr, "<- "+line)
		if rest, ok := cutPrefixFold(line, "* CAPABILITY "); ok {
			caps = append(caps, strings.Fields(strings.ToUpper(rest))...)
		}
		if strings.HasPrefix(line, "c1 ") {
			break
		}
	}
	_ = c.WriteString("c2 LOGOUT\r\n")
	auth := false
	for _, cp := range caps {
		switch {
		case cp == "STARTTLS":
			return nil, nil
		case strings.HasPrefix(cp, "AUTH="):
			auth = true
		}
	}
	// LOGINDISABLED without any SASL mechanism means there is no way to send
	// a password in clear (RFC 3501 §6.2.3).
	if slices.Contains(caps, "LOGINDISABLED") && !auth {
		return nil, nil
	}
	return &proof{evidence: strings.Join(tr, "\n")}, nil
}

func evalSMTPAuth(ctx context.Context, t checks.Target) (*proof, error) {
	c, err := netprobe.Dial(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	g, err := c.ReadReply()
	if err != nil {
		return nil, fmt.Errorf("SMTP greeting: %w", err)
	}
	if g.Code != 220 {
		return nil, fmt.Errorf("SMTP server not ready: %q", g.Text())
	}
	host := "[127.0.0.1]"
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok && a.IP.To4() != nil {
		host = "[" + a.IP.String() + "]"
	} else if ok {
		host = "[IPv6:" + a.IP.String() + "]"
	}
	if err := c.WriteString("EHLO " + host + "\r\n"); err != nil {
		return nil, err
	}
	ehlo, err := c.ReadReply()
	if err != nil {
		return nil, err
	}
	_ = c.WriteString("QUIT\r\n")
	if ehlo.Code != 250 {
		return nil, nil // no ESMTP: no AUTH extension either
	}
	var mechs []string
	starttls := false
	for _, l := range ehlo.Lines[1:] {
		kw := strings.ToUpper(strings.TrimSpace(l[min(len(l), 4):]))
		switch {
		case kw == "STARTTLS":
			starttls = true
		case strings.HasPrefix(kw, "AUTH ") || strings.HasPrefix(kw, "AUTH="):
			mechs = append(mechs, strings.Fields(kw[5:])...)
		}
	}
	// AUTH in the EHLO reply before STARTTLS means the server takes a login
	// on this unencrypted connection (RFC 4954 §4), whether or not it also
	// offers STARTTLS: that is Postfix with smtpd_tls_auth_only=no, which
	// lists "250-STARTTLS" and "250-AUTH PLAIN LOGIN" side by side. Clients
	// set to "STARTTLS when offered" then lose it to anyone who strips the
	// STARTTLS line, and careless ones log in first. With
	// smtpd_tls_auth_only=yes (or submission's smtpd_tls_security_level=
	// encrypt) AUTH appears only after STARTTLS and there is no finding.
	// Only mechanisms that put the password (or a bearer token) on the wire
	// count; challenge-response ones (CRAM-MD5, SCRAM-*, GSSAPI, NTLM) do not
	// disclose it.
	var clear []string
	for _, m := range mechs {
		if slices.Contains(cleartextMechanisms, m) && !slices.Contains(clear, m) {
			clear = append(clear, m)
		}
	}
	if len(clear) == 0 {
		return nil, nil
	}
	ev := fmt.Sprintf("<- %s\n-> EHLO %s\n<- %s\n", g.Text(), host, ehlo.Text())
	if starttls {
		ev += fmt.Sprintf("AUTH %s is offered before STARTTLS: the server accepts these credentials on the unencrypted connection.", strings.Join(clear, " "))
	} else {
		ev += fmt.Sprintf("AUTH %s is offered and STARTTLS is not: credentials can only be sent in clear.", strings.Join(clear, " "))
	}
	return &proof{evidence: ev}, nil
}

// cleartextMechanisms are the SASL mechanisms that send the password or a
// reusable token itself (base64 is no protection).
var cleartextMechanisms = []string{"PLAIN", "LOGIN", "XOAUTH", "XOAUTH2", "OAUTHBEARER"}

// evalTelnet reads what the server volunteers: Telnet option negotiation
// (IAC) or a login prompt confirms an interactive cleartext service; TLS or
// SSH greetings mean the port was mislabelled.
func evalTelnet(ctx context.Context, t checks.Target) (*proof, error) {
	c, err := netprobe.Dial(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(telnetWait))
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	var ne net.Error
	if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("telnet read: %w", err)
	}
	data := buf[:n]
	switch {
	case bytes.HasPrefix(data, []byte("SSH-")), len(data) > 1 && data[0] == 0x16 && data[1] == 0x03:
		return nil, nil
	case bytes.IndexByte(data, iac) >= 0:
		return &proof{evidence: "Telnet option negotiation received: " + describeIAC(data)}, nil
	case n > 0:
		// A greeting without negotiation is likely, not certainly, Telnet.
		return &proof{evidence: fmt.Sprintf("Telnet greeting received in clear: %q", data), confidence: 80}, nil
	}
	return nil, nil // silent: nothing proves a cleartext login here
}

const (
	iac        = 255
	telnetWait = 3 * time.Second
)

func describeIAC(b []byte) string {
	verbs := map[byte]string{251: "WILL", 252: "WONT", 253: "DO", 254: "DONT", 250: "SB"}
	var parts []string
	for i := 0; i+2 < len(b) && len(parts) < 8; i++ {
		if b[i] == iac {
			if v, ok := verbs[b[i+1]]; ok {
				parts = append(parts, fmt.Sprintf("IAC %s %d", v, b[i+2]))
				i += 2
			}
		}
	}
	return strings.Join(parts, ", ")
}

// offersAuthTLS looks for the RFC 4217 feature line " AUTH TLS" (or SSL,
// or a list such as "AUTH TLS;TLS-C;SSL") in a FEAT reply.
func offersAuthTLS(lines []string) bool {
	for _, l := range lines {
		f := strings.Fields(strings.ToUpper(l))
		if len(f) >= 2 && f[0] == "AUTH" {
			for _, m := range strings.Split(f[1], ";") {
				if m == "TLS" || m == "SSL" || m == "TLS-C" || m == "TLS-P" {
					return true
				}
			}
		}
	}
	return false
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return "", false
}
