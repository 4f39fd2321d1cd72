package smtpcheck

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/netprobe"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

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

// assertHarmless checks the server's record of the conversation: no
// message-transfer command, every transaction reset, a polite QUIT.
func assertHarmless(t *testing.T, cmds []string) {
	t.Helper()
	if len(cmds) == 0 || cmds[len(cmds)-1] != "QUIT" {
		t.Errorf("conversation does not end with QUIT: %q", cmds)
	}
	open := false
	for _, c := range cmds {
		verb, arg, _ := strings.Cut(strings.ToUpper(c), " ")
		switch verb {
		case "DATA", "BDAT", "BURL", "ETRN":
			t.Errorf("sent %q: %q", c, cmds)
		case "MAIL":
			open = true
			if !strings.HasSuffix(arg, ".EXAMPLE.NET>") && !strings.HasSuffix(arg, "@EXAMPLE.COM>") {
				t.Errorf("sender outside the reserved and the server's own domains: %q", c)
			}
		case "RCPT":
			if !strings.HasSuffix(arg, ".EXAMPLE.ORG>") {
				t.Errorf("recipient outside example.org: %q", c)
			}
		case "RSET":
			open = false
		}
	}
	if open {
		t.Errorf("transaction left open: %q", cmds)
	}
}

func TestOpenRelay(t *testing.T) {
	tests := []struct {
		name     string
		server   *mailServer
		service  string
		want     bool
		evidence []string
	}{
		{"open relay", &mailServer{relay: true}, "smtp", true,
			[]string{"-> MAIL FROM:<probe@", ".example.net>", "-> RCPT TO:<probe@", "<- 250 2.1.5 Ok", "-> RSET", "never sent DATA"}},
		{"closed relay", &mailServer{}, "smtp", false, nil},
		{"relays for senders in its own domain", &mailServer{relayOwn: true}, "smtp", true,
			[]string{"<- 554 5.7.1", "-> MAIL FROM:<probe@example.com>", "<- 250 2.1.5 Ok"}},
		{"open relay once STARTTLS is done", &mailServer{relay: true, requireTLS: true}, "submission", true,
			[]string{"<- 530 5.7.0 Must issue a STARTTLS command first", "-> STARTTLS", "(TLS established)", "<- 250 2.1.5 Ok"}},
		{"closed relay behind STARTTLS", &mailServer{requireTLS: true}, "submission", false, nil},
		{"open relay on SMTPS", &mailServer{relay: true, implicit: true}, "smtps", true, []string{"<- 250 2.1.5 Ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := run(t, "smtp.open-relay", tt.server.start(t, tt.service))
			assertHarmless(t, tt.server.commands())
			if !tt.want {
				if len(fs) != 0 {
					t.Fatalf("reported: %+v", fs)
				}
				if !slices.ContainsFunc(tt.server.commands(), func(c string) bool { return strings.HasPrefix(c, "RCPT TO:") }) &&
					!tt.server.requireTLS {
					t.Fatalf("no RCPT tried: %q", tt.server.commands())
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("findings %+v", fs)
			}
			f := fs[0]
			for _, e := range tt.evidence {
				if !strings.Contains(f.Evidence, e) {
					t.Errorf("evidence lacks %q:\n%s", e, f.Evidence)
				}
			}
			// A loopback target may trust the scanner's network.
			if f.Confidence != 70 || !f.PCIFail || f.PCIAutoFail || f.Severity != "high" {
				t.Errorf("confidence %d, PCI %v/%v, severity %s", f.Confidence, f.PCIFail, f.PCIAutoFail, f.Severity)
			}
		})
	}
}

func TestUserEnumeration(t *testing.T) {
	tests := []struct {
		name     string
		server   *mailServer
		wantConf int // 0: no finding
		evidence []string
	}{
		{"VRFY verifies (sendmail)", &mailServer{vrfy: vrfyVerify}, 100,
			[]string{"-> VRFY root", "<- 250 2.1.5 root", "-> VRFY perimeter-", "<- 550 5.1.1", `VRFY tells users apart: "root" got 250`}},
		{"VRFY 252 for users, 550 for others (Postfix)", &mailServer{vrfy: vrfyPostfix}, 95,
			[]string{"<- 252 2.0.0 root", "<- 550 5.1.1", `"root" got 252`}},
		{"VRFY 252 for everyone", &mailServer{vrfy: vrfyCannot}, 0, nil},
		{"VRFY disabled, EXPN not implemented", &mailServer{vrfy: vrfyDisabled}, 0, nil},
		{"VRFY disabled, EXPN verifies", &mailServer{vrfy: vrfyDisabled, expn: true}, 100,
			[]string{"<- 502 5.5.1 VRFY command is disabled", "-> EXPN root", "EXPN tells users apart"}},
		{"VRFY after the required STARTTLS", &mailServer{vrfy: vrfyVerify, requireTLS: true}, 100,
			[]string{"<- 530 5.7.0", "(TLS established)", "<- 250 2.1.5 root"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := run(t, "smtp.user-enumeration", tt.server.start(t, "smtp"))
			assertHarmless(t, tt.server.commands())
			if tt.wantConf == 0 {
				if len(fs) != 0 {
					t.Fatalf("reported: %+v", fs)
				}
				return
			}
			if len(fs) != 1 || fs[0].Confidence != tt.wantConf || !fs[0].PCIFail {
				t.Fatalf("findings %+v", fs)
			}
			for _, e := range tt.evidence {
				if !strings.Contains(fs[0].Evidence, e) {
					t.Errorf("evidence lacks %q:\n%s", e, fs[0].Evidence)
				}
			}
		})
	}
}

// The session refuses message-transfer commands before they reach the wire.
func TestSessionRefusesMessageTransfer(t *testing.T) {
	srv := &mailServer{relay: true}
	s, err := dial(context.Background(), srv.start(t, "smtp"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"DATA", "data", " BDAT 10 LAST", "BURL imap://x LAST", "ETRN example.org", "RSET\r\nDATA"} {
		if _, err := s.cmd(line); err == nil {
			t.Errorf("%q was sent", line)
		} else if !strings.Contains(line, "\n") && !errors.Is(err, errForbidden) {
			t.Errorf("%q: %v", line, err)
		}
	}
	s.quit()
	if got := srv.commands(); !slices.Equal(got, []string{"EHLO [127.0.0.1]", "QUIT"}) {
		t.Fatalf("server received %q", got)
	}
}

func TestBannerDomain(t *testing.T) {
	for greeting, want := range map[string]string{
		"220 mail.example.com ESMTP Postfix (Debian/GNU)": "example.com",
		"220 example.com ESMTP":                           "example.com",
		"220 mx1.corp.example.co.uk ESMTP":                "corp.example.co.uk",
		"220 localhost ESMTP":                             "",
		"220 [192.0.2.1] ESMTP":                           "",
		"220 192.0.2.1 ESMTP":                             "",
		"220 ESMTP ready":                                 "",
		"220":                                             "",
	} {
		if got := bannerDomain(netprobe.Reply{Code: 220, Lines: []string{greeting}}); got != want {
			t.Errorf("bannerDomain(%q) = %q, want %q", greeting, got, want)
		}
	}
}

func TestApplies(t *testing.T) {
	c, _ := checks.Lookup("smtp.open-relay")
	for _, svc := range []result.Service{
		{Port: 25, Protocol: result.TCP},
		{Port: 587, Protocol: result.TCP},
		{Port: 465, Protocol: result.TCP},
		{Port: 2525, Protocol: result.TCP, Service: "smtp"},
		{Port: 465, Protocol: result.TCP, Service: "smtps", TLS: true},
	} {
		if !c.Applies(svc) {
			t.Errorf("does not apply to %+v", svc)
		}
	}
	if c.Applies(result.Service{Port: 143, Protocol: result.TCP, Service: "imap"}) {
		t.Error("applies to IMAP")
	}
	if !implicitTLS(result.Service{Port: 465, Protocol: result.TCP}) || implicitTLS(result.Service{Port: 587, Protocol: result.TCP, Service: "submission"}) {
		t.Error("implicitTLS")
	}
}
