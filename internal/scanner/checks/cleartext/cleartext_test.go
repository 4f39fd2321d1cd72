package cleartext

import (
	"bufio"
	"context"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/checktest"
	"net"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// lineServer greets, then answers each command line with reply(cmd).
func lineServer(t *testing.T, service, greeting string, reply func(cmd string) string) checks.Target {
	t.Helper()
	return checktest.Serve(t, result.Service{Service: service}, func(c net.Conn) {
		c.Write([]byte(greeting))
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			out := reply(strings.TrimSpace(line))
			if out == "" {
				return
			}
			c.Write([]byte(out))
		}
	})
}

func run(t *testing.T, id string, tg checks.Target) []result.Finding {
	t.Helper()
	c, ok := checks.Lookup(id)
	if !ok {
		t.Fatalf("no check %s", id)
	}
	if !c.Applies(tg.Service) {
		t.Fatalf("%s does not apply to %+v", id, tg.Service)
	}
	fs, err := c.Run(context.Background(), tg)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return fs
}

func ftp(feat string, authTLS bool) func(string) string {
	return func(cmd string) string {
		switch cmd {
		case "FEAT":
			return feat
		case "AUTH TLS":
			if authTLS {
				return "234 Proceed with negotiation.\r\n"
			}
			return "530 Please login with USER and PASS.\r\n"
		case "QUIT":
			return "221 bye\r\n"
		}
		return "500 unknown\r\n"
	}
}

func pop3(capa string, stls bool) func(string) string {
	return func(cmd string) string {
		switch cmd {
		case "CAPA":
			return capa
		case "STLS":
			if stls {
				return "+OK Begin TLS negotiation\r\n"
			}
			return "-ERR unknown command\r\n"
		case "QUIT":
			return "+OK bye\r\n"
		}
		return "-ERR\r\n"
	}
}

func imap(caps string) func(string) string {
	return func(cmd string) string {
		tag, verb, _ := strings.Cut(cmd, " ")
		switch verb {
		case "CAPABILITY":
			return "* CAPABILITY " + caps + "\r\n" + tag + " OK done\r\n"
		case "LOGOUT":
			return "* BYE\r\n" + tag + " OK\r\n"
		}
		return tag + " BAD\r\n"
	}
}

func smtp(ext string) func(string) string {
	return func(cmd string) string {
		switch {
		case strings.HasPrefix(cmd, "EHLO "):
			return "250-mail.test Hello\r\n" + ext + "250 8BITMIME\r\n"
		case cmd == "QUIT":
			return "221 bye\r\n"
		}
		return "502 no\r\n"
	}
}

func TestCleartextChecks(t *testing.T) {
	tests := []struct {
		id        string
		service   string
		greeting  string
		positive  func(string) string
		evidence  string
		negatives map[string]func(string) string
	}{
		{"cleartext.ftp", "ftp", "220 FTP ready\r\n",
			ftp("211-Features:\r\n PASV\r\n UTF8\r\n211 End\r\n", false), "530 Please login",
			map[string]func(string) string{
				"FEAT lists AUTH TLS":   ftp("211-Features:\r\n AUTH TLS\r\n PBSZ\r\n211 End\r\n", false),
				"AUTH TLS without FEAT": ftp("502 FEAT not implemented\r\n", true),
			}},
		{"cleartext.pop3", "pop3", "+OK POP3 ready\r\n",
			pop3("+OK Capability list follows\r\nUSER\r\nUIDL\r\n.\r\n", false), "-> STLS",
			map[string]func(string) string{
				"CAPA lists STLS":   pop3("+OK\r\nUSER\r\nSTLS\r\n.\r\n", false),
				"STLS without CAPA": pop3("-ERR no CAPA\r\n", true),
			}},
		{"cleartext.imap", "imap", "* OK IMAP4rev1 ready\r\n",
			imap("IMAP4rev1 AUTH=PLAIN IDLE"), "AUTH=PLAIN",
			map[string]func(string) string{
				"STARTTLS":                  imap("IMAP4rev1 STARTTLS LOGINDISABLED"),
				"LOGINDISABLED and no SASL": imap("IMAP4rev1 LOGINDISABLED"),
			}},
		{"cleartext.smtp-auth", "smtp", "220 mail.test ESMTP\r\n",
			smtp("250-AUTH PLAIN LOGIN\r\n"), "STARTTLS is not",
			map[string]func(string) string{
				// Postfix with smtpd_tls_auth_only=yes: AUTH only after STARTTLS.
				"AUTH only after STARTTLS": smtp("250-PIPELINING\r\n250-STARTTLS\r\n"),
				"no AUTH (MX)":             smtp("250-PIPELINING\r\n"),
				"challenge-response only":  smtp("250-AUTH CRAM-MD5 SCRAM-SHA-256\r\n"),
			}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			fs := run(t, tt.id, lineServer(t, tt.service, tt.greeting, tt.positive))
			if len(fs) != 1 || !strings.Contains(fs[0].Evidence, tt.evidence) || fs[0].PCIAutoFail || !fs[0].PCIFail {
				t.Fatalf("positive: %+v", fs)
			}
			for name, neg := range tt.negatives {
				if fs := run(t, tt.id, lineServer(t, tt.service, tt.greeting, neg)); len(fs) != 0 {
					t.Errorf("negative %s: %+v", name, fs)
				}
			}
		})
	}
}

func TestTelnet(t *testing.T) {
	negotiation := string([]byte{255, 253, 24, 255, 253, 32}) + "login: "
	fs := run(t, "cleartext.telnet", lineServer(t, "telnet", negotiation, func(string) string { return "" }))
	if len(fs) != 1 || fs[0].Evidence != "Telnet option negotiation received: IAC DO 24, IAC DO 32" || fs[0].Confidence != 100 {
		t.Fatalf("IAC: %+v", fs)
	}
	fs = run(t, "cleartext.telnet", lineServer(t, "telnet", "\r\nUser Access Verification\r\nUsername: ", func(string) string { return "" }))
	if len(fs) != 1 || fs[0].Confidence != 80 {
		t.Fatalf("prompt: %+v", fs)
	}
	if fs := run(t, "cleartext.telnet", lineServer(t, "telnet", "SSH-2.0-OpenSSH_9.6\r\n", func(string) string { return "" })); len(fs) != 0 {
		t.Fatalf("SSH on the telnet port: %+v", fs)
	}
}

func TestTLSServicesDoNotApply(t *testing.T) {
	for _, c := range all {
		svc := result.Service{Port: 993, Protocol: "tcp", Service: "imap", TLS: true}
		if c.Applies(svc) {
			t.Errorf("%s applies to a TLS service", c.meta.ID)
		}
	}
}

// postfixEHLO is Debian Postfix's EHLO reply with smtpd_sasl_auth_enable=yes,
// smtpd_tls_auth_only=no and broken_sasl_auth_clients=yes.
const postfixEHLO = "250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n" +
	"250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250-AUTH=PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n" +
	"250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n"

// AUTH next to STARTTLS in the plaintext EHLO reply is a finding, on the MX
// port and on submission alike.
func TestSMTPAuthBeforeSTARTTLS(t *testing.T) {
	reply := func(cmd string) string {
		switch {
		case strings.HasPrefix(cmd, "EHLO "):
			return postfixEHLO
		case cmd == "QUIT":
			return "221 2.0.0 Bye\r\n"
		}
		return "502 5.5.2 Error: command not recognized\r\n"
	}
	for _, svc := range []string{"smtp", "submission"} {
		tg := lineServer(t, svc, "220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n", reply)
		fs := run(t, "cleartext.smtp-auth", tg)
		if len(fs) != 1 || !strings.Contains(fs[0].Evidence, "AUTH PLAIN LOGIN is offered before STARTTLS") ||
			!strings.Contains(fs[0].Evidence, "250-STARTTLS") {
			t.Fatalf("%s: %+v", svc, fs)
		}
	}
	for _, port := range []int{25, 587} {
		if !checksLookup(t, "cleartext.smtp-auth").Applies(result.Service{Port: port, Protocol: result.TCP}) {
			t.Errorf("does not apply to unnamed port %d", port)
		}
	}
}

func checksLookup(t *testing.T, id string) checks.Check {
	t.Helper()
	c, ok := checks.Lookup(id)
	if !ok {
		t.Fatalf("no check %s", id)
	}
	return c
}
