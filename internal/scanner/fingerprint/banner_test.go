package fingerprint

import (
	"strings"
	"testing"
)

func TestParseBanner(t *testing.T) {
	tests := []struct {
		in                        string
		service, product, version string
		extra                     map[string]string
	}{
		{"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n", "ssh", "OpenSSH", "8.9p1", map[string]string{"distro": "Ubuntu-3ubuntu0.6", "ssh_protocol": "2.0"}},
		{"SSH-2.0-OpenSSH_7.4\r\n", "ssh", "OpenSSH", "7.4", nil},
		{"SSH-1.99-OpenSSH_3.9p1\r\n", "ssh", "OpenSSH", "3.9p1", map[string]string{"ssh_protocol": "1.99"}},
		{"SSH-2.0-OpenSSH_for_Windows_8.1\r\n", "ssh", "OpenSSH", "8.1", map[string]string{"os": "Windows"}},
		{"SSH-2.0-dropbear_2022.83\r\n", "ssh", "Dropbear SSH", "2022.83", nil},
		{"SSH-2.0-libssh_0.9.6\r\n", "ssh", "libssh", "0.9.6", nil},
		{"SSH-2.0-Cisco-1.25\r\n", "ssh", "Cisco SSH", "1.25", nil},
		{"SSH-2.0-Go\r\n", "ssh", "Go x/crypto/ssh", "", nil},
		{"Please wait\r\nSSH-2.0-OpenSSH_9.6\r\n", "ssh", "OpenSSH", "9.6", nil},
		{"SSH-2.0-OpenSSH_8.9p1-hpn14v15\r\n", "ssh", "OpenSSH", "8.9p1", map[string]string{"version_suffix": "hpn14v15"}},
		{"220 (vsFTPd 3.0.5)\r\n", "ftp", "vsftpd", "3.0.5", nil},
		{"220 ProFTPD 1.3.5e Server (Debian) [::ffff:10.0.0.1]\r\n", "ftp", "ProFTPD", "1.3.5e", map[string]string{"distro": "Debian"}},
		{"220 ProFTPD Server (ProFTPD Default Installation) [10.0.0.1]\r\n", "ftp", "ProFTPD", "", nil},
		{"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 1 of 50.\r\n220 This is a private system\r\n", "ftp", "Pure-FTPd", "", nil},
		{"220-FileZilla Server version 0.9.60 beta\r\n220 hello\r\n", "ftp", "FileZilla Server", "0.9.60", nil},
		{"220 Microsoft FTP Service\r\n", "ftp", "Microsoft ftpd", "", nil},
		{"220 files.example.test FTP server ready.\r\n", "ftp", "", "", nil},
		{"220 mail.example.test ESMTP Postfix (Ubuntu)\r\n", "smtp", "Postfix", "", map[string]string{"distro": "Ubuntu"}},
		{"220 mx.example.test ESMTP Exim 4.96 Mon, 04 Mar 2024 10:00:00 +0000\r\n", "smtp", "Exim", "4.96", nil},
		{"220 host.example.test ESMTP Sendmail 8.15.2/8.15.2; Mon, 4 Mar 2024\r\n", "smtp", "Sendmail", "8.15.2", nil},
		{"220 mx.example.test ESMTP OpenSMTPD\r\n", "smtp", "OpenSMTPD", "", nil},
		{"220 mx.example.test Microsoft ESMTP MAIL Service ready at Mon, 4 Mar 2024\r\n", "smtp", "Microsoft ESMTP", "", nil},
		{"554 mx.example.test No SMTP service here\r\n", "smtp", "", "", nil},
		{"+OK Dovecot (Ubuntu) ready.\r\n", "pop3", "Dovecot", "", map[string]string{"distro": "Ubuntu"}},
		{"+OK mail Cyrus POP3 v2.4.17-Debian-2.4.17+caldav~beta9-3 server ready <1@mail>\r\n", "pop3", "Cyrus IMAP", "2.4.17", nil},
		{"+OK POP3 ready\r\n", "pop3", "", "", nil},
		{"* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n", "imap", "Dovecot", "", map[string]string{"starttls": "true"}},
		{"* OK Courier-IMAP ready. Copyright 1998-2018 Double Precision, Inc.\r\n", "imap", "Courier-IMAP", "", nil},
		{"* PREAUTH IMAP4rev1 server logged in as anonymous\r\n", "imap", "", "", nil},
		{"RFB 003.008\n", "vnc", "", "", map[string]string{"vnc_protocol": "3.8"}},
		{"@RSYNCD: 31.0\n", "rsync", "", "", map[string]string{"rsync_protocol": "31.0"}},
		{"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.18.0 (Ubuntu)\r\n\r\n", "http", "nginx", "1.18.0", map[string]string{"http_status": "400", "distro": "Ubuntu"}},
		{"-NOAUTH Authentication required.\r\n", "redis", "Redis", "", map[string]string{"auth": "required"}},
		{"-DENIED Redis is running in protected mode because protected mode is enabled\r\n", "redis", "Redis", "", map[string]string{"redis_protected_mode": "true"}},
		{"\xff\xfd\x18\xff\xfb\x01", "telnet", "", "", map[string]string{"telnet_options": "DO 24,WILL 1"}},
		{string(mysqlGreeting("5.7.44-log")), "mysql", "MySQL", "5.7.44", map[string]string{"version_suffix": "log"}},
		{string(mysqlGreeting("10.11.6-MariaDB-log")), "mysql", "MariaDB", "10.11.6", map[string]string{"version_suffix": "log"}},
		{string(mysqlGreeting("5.5.5-11.2.2-MariaDB-1:11.2.2+maria~ubu2204")), "mysql", "MariaDB", "11.2.2", map[string]string{"distro": "1:11.2.2+maria~ubu2204"}},
		{string(mysqlGreeting("8.0.35-27")), "mysql", "MySQL", "8.0.35", map[string]string{"version_suffix": "27"}},
		{string(mysqlFrame(0, append([]byte{0xff, 0x6a, 0x04}, "Host '10.0.0.9' is not allowed to connect to this MySQL server"...))),
			"mysql", "", "", map[string]string{"mysql_error": "1130: Host '10.0.0.9' is not allowed to connect to this MySQL server"}},
	}
	for _, tt := range tests {
		m, ok := ParseBanner([]byte(tt.in))
		if !ok || m.Service != tt.service || m.Product != tt.product || m.Version != tt.version {
			t.Errorf("ParseBanner(%q) = %v %q %q %q; want %q %q %q", tt.in, ok, m.Service, m.Product, m.Version, tt.service, tt.product, tt.version)
			continue
		}
		for k, v := range tt.extra {
			if m.Extra[k] != v {
				t.Errorf("ParseBanner(%q): Extra[%q] = %q, want %q", tt.in, k, m.Extra[k], v)
			}
		}
		if m.Banner == "" {
			t.Errorf("ParseBanner(%q): empty Banner", tt.in)
		}
	}
}

func TestParseBannerRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"hello world\r\n",
		"220 Welcome\r\n", // FTP or SMTP: Detect asks EHLO
		"SSH-\r\n",
		"RFB garbage\n",
		"+PONG\r\n",
		"\xff\xff\xff",
		"\x05\x00\x00\x00\x0a", // MySQL-like length, truncated payload
		string(mysqlFrame(0, []byte{0x0a, 'x', 'y', 0})), // version must start with a digit
		"999 not a reply code\r\n",
		"HTTP/9 nope\r\n",
	} {
		if m, ok := ParseBanner([]byte(in)); ok {
			t.Errorf("ParseBanner(%q) = %+v, want no match", in, m)
		}
	}
}

func TestGreetingDone(t *testing.T) {
	tests := []struct {
		in   string
		done bool
	}{
		{"SSH-2.0-OpenSSH_9.6\r\n", true},
		{"SSH-2.0-Open", false},
		{"220-first\r\n", false},
		{"220-first\r\n220 last\r\n", true},
		{"\xff\xfd\x18", true},
		{"\xff\xfd", false},
		{"\xff\xfd\x18login: ", true},
		{string(mysqlGreeting("8.0.36")), true},
		{string(mysqlGreeting("8.0.36"))[:20], false},
	}
	for _, tt := range tests {
		if got := greetingDone([]byte(tt.in)); got != tt.done {
			t.Errorf("greetingDone(%q) = %v, want %v", tt.in, got, tt.done)
		}
	}
}

func TestFollowUpParsers(t *testing.T) {
	var m Match
	if !ehloFacts(&m, "250-mx Hello\r\n250-STARTTLS\r\n250 AUTH=PLAIN LOGIN\r\n") || m.Extra["starttls"] != "true" || m.Extra["smtp_auth"] != "PLAIN LOGIN" {
		t.Errorf("EHLO facts: %v", m.Extra)
	}
	m = Match{}
	if ehloFacts(&m, "500 unknown command\r\n") || len(m.Extra) != 0 {
		t.Errorf("EHLO refused yet facts recorded: %v", m.Extra)
	}
	m = Match{}
	ftpFeatFacts(&m, "211-Features:\r\n AUTH TLS\r\n211 End\r\n")
	if m.Extra["starttls"] != "true" {
		t.Errorf("FEAT with AUTH TLS: %v", m.Extra)
	}
	m = Match{}
	ftpFeatFacts(&m, "500 FEAT not understood\r\n")
	if len(m.Extra) != 0 {
		t.Errorf("FEAT refused yet facts recorded: %v", m.Extra)
	}
	m = Match{}
	pop3CapaFacts(&m, "+OK\r\nUSER\r\nIMPLEMENTATION Cyrus POP3 3.6.1 server\r\n.\r\n")
	if m.Extra["starttls"] != "false" || m.Product != "Cyrus IMAP" || m.Version != "3.6.1" {
		t.Errorf("CAPA: %+v", m)
	}
	if got := imapCapabilities("* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK\r\n"); got != "IMAP4rev1 STARTTLS\r" && got != "IMAP4rev1 STARTTLS" {
		t.Errorf("imapCapabilities = %q", got)
	}
	if !replyDone([]byte("250-a\r\n250 b\r\n")) || replyDone([]byte("250-a\r\n")) {
		t.Error("replyDone misjudges multi-line replies")
	}
}

func TestTelnetRefusals(t *testing.T) {
	text, cmds, partial := telnetScan([]byte("\xff\xfd\x18\xff\xfb\x01\xff\xfa\x18\x01\xff\xf0hi\xff\xff"))
	if partial || string(text) != "hi\xff" || len(cmds) != 3 {
		t.Fatalf("telnetScan = %q %v %v", text, cmds, partial)
	}
	got := telnetRefusals(cmds)
	want := []byte{iac, wont, 24, iac, dont, 1}
	if string(got) != string(want) {
		t.Errorf("telnetRefusals = %v, want %v", got, want)
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SSH-2.0-x\r\n", "SSH-2.0-x"},
		{"a\r\nb\tc\n", "a\nb\tc"},
		{"\x00\x01é\xff", `\x00\x01é\xff`},
		{"\x1b[31mred", `\x1b[31mred`},
		{strings.Repeat("x", 5000), strings.Repeat("x", MaxBanner)},
		{strings.Repeat("é", 1000), strings.Repeat("é", MaxBanner/2)},
	}
	for _, tt := range tests {
		if got := Printable([]byte(tt.in)); got != tt.want {
			t.Errorf("Printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
