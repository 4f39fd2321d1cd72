package fingerprint

import (
	"testing"
	"unicode/utf8"
)

// checkBounded fails when a parse of n input bytes produced unbounded or
// unprintable output.
func checkBounded(t *testing.T, m Match, n int) {
	t.Helper()
	if len(m.Banner) > MaxBanner || !utf8.ValidString(m.Banner) {
		t.Fatalf("banner of %d bytes (valid UTF-8: %v)", len(m.Banner), utf8.ValidString(m.Banner))
	}
	if limit := 4*n + 64; len(m.Product)+len(m.Version) > limit {
		t.Fatalf("product+version of %d bytes from %d input bytes", len(m.Product)+len(m.Version), n)
	}
	if len(m.Extra) > 64 || len(m.Also) > 16 {
		t.Fatalf("%d extra facts, %d further products", len(m.Extra), len(m.Also))
	}
	for k, v := range m.Extra {
		if len(v) > MaxBanner || !utf8.ValidString(v) {
			t.Fatalf("Extra[%q] has %d bytes", k, len(v))
		}
	}
}

func FuzzParseBanner(f *testing.F) {
	for _, s := range []string{
		"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n", "220 (vsFTPd 3.0.5)\r\n", "220-a\r\n220 ProFTPD 1.3.5e Server (Debian)\r\n",
		"220 mx ESMTP Exim 4.96\r\n", "+OK Dovecot ready.\r\n", "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n",
		"RFB 003.008\n", "@RSYNCD: 31.0\n", "HTTP/1.1 200 OK\r\nServer: Apache/2.4.58 (Ubuntu)\r\n\r\n",
		"-NOAUTH Authentication required.\r\n", "\xff\xfd\x18\xff\xfa\x18\x01\xff\xf0login: ",
		string(mysqlGreeting("5.5.5-10.11.6-MariaDB-0+deb12u1")), "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, ok := ParseBanner(b)
		if !ok && (m.Service != "" || m.Product != "") {
			t.Fatalf("no match but fields set: %+v", m)
		}
		checkBounded(t, m, len(b))
		_ = greetingDone(b)
	})
}

func FuzzParseServerHeader(f *testing.F) {
	for _, s := range []string{"Apache/2.4.41 (Ubuntu) OpenSSL/1.1.1f PHP/7.4.3", "Jetty(9.4.51.v20230217)", "((", "a/b/c (d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkBounded(t, ParseServerHeader(s), len(s))
	})
}

func FuzzParseHTTPResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Length: 2\r\n\r\n{}"))
	f.Add([]byte(withLength("HTTP/1.1 200 OK\r\n", `{"cluster_name":"c","version":{"number":"8.1.0","build_flavor":"default"},"tagline":"You Know, for Search"}`)))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _ := parseHTTPResponse(b)
		checkBounded(t, m, len(b))
		_ = httpDone(b)
	})
}

func FuzzParseMySQLGreeting(f *testing.F) {
	f.Add(mysqlGreeting("8.0.36-0ubuntu0.22.04.1"))
	f.Add(mysqlFrame(0, append([]byte{0xff, 0x6a, 0x04}, "Host is not allowed"...)))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _ := parseMySQLGreeting(b)
		checkBounded(t, m, len(b))
	})
}

func FuzzParseSMBNegotiate(f *testing.F) {
	f.Add(smbNegotiate)
	resp := make([]byte, 64+65)
	copy(resp, "\xfeSMB")
	resp[4], resp[16], resp[64] = 64, 1, 65
	f.Add(append([]byte{0, 0, 0, byte(len(resp))}, resp...))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _ := parseSMBNegotiate(b)
		checkBounded(t, m, len(b))
		_ = nbssDone(b)
	})
}

func FuzzParseMongoReply(f *testing.F) {
	f.Add(mongoReply(1, bsonDocTest(bsonElem{"ismaster", true}, bsonElem{"version", "7.0.5"}, bsonElem{"ok", 1.0})))
	f.Fuzz(func(t *testing.T, b []byte) {
		fields, _ := parseMongoReply(b, 1)
		total := 0
		for k, v := range fields {
			total += len(k) + len(v)
		}
		if total > 4*len(b)+64 {
			t.Fatalf("%d bytes of fields from %d input bytes", total, len(b))
		}
		_ = mongoDone(b)
	})
}

func FuzzParsePGMessages(f *testing.F) {
	f.Add(pgMsg('E', []byte("SFATAL\x00C28000\x00Mno pg_hba.conf entry\x00\x00")))
	f.Add(append(pgMsg('R', []byte{0, 0, 0, 0}), pgMsg('S', []byte("server_version\x0016.2 (Debian)\x00"))...))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _ := parsePGMessages(b)
		checkBounded(t, m, len(b))
		_ = pgMessagesDone(b)
	})
}

func FuzzParseUDPAnswers(f *testing.F) {
	f.Add(dnsAnswer(dnsVersionQuery(1), "9.18.24-1-Debian"))
	f.Add(snmpAnswer(snmpGet(1, 1)))
	f.Add(ntpAnswer(ntpClientRequest(1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _ := parseDNSResponse(b, 1)
		checkBounded(t, m, len(b))
		m, _ = parseSNMPResponse(b, 1)
		checkBounded(t, m, len(b))
		m, _ = parseNTPResponse(b, 1)
		checkBounded(t, m, len(b))
		checkBounded(t, parseNTPVariables(b), len(b))
	})
}

func FuzzParseLDAPAndRDP(f *testing.F) {
	f.Add(ldapRootDSESearch)
	f.Add([]byte{0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0, 0, 0x12, 0x34, 0, 0x02, 0x1f, 0x08, 0, 0x02, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _ := parseLDAPResponse(b)
		checkBounded(t, m, len(b))
		_ = ldapDone(b)
		m, _ = parseRDPConfirm(b)
		checkBounded(t, m, len(b))
		m, _ = parseRedisPing(b)
		checkBounded(t, m, len(b))
	})
}
