package mysqlcheck

import (
	"bytes"
	"context"
	"encoding/binary"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/checktest"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/exposure"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// account is how the fake server authenticates one user name.
type account struct {
	plugin   string // the plugin it switches to when the client used another
	password bool   // a (non-empty) password is set: empty responses fail
	fullAuth bool   // caching_sha2_password without a cached entry: ask for full authentication
}

// fakeMySQL is a minimal MySQL server: handshake v10, HandshakeResponse41,
// AuthSwitchRequest, OK/ERR. It records every auth response it is sent.
type fakeMySQL struct {
	version  string
	plugin   string // the plugin named in the greeting
	accounts map[string]account
	refuse   []byte // an ERR payload sent instead of the greeting

	mu        sync.Mutex
	responses [][]byte // auth data the client sent, in order
	users     []string
}

func (f *fakeMySQL) serve(t *testing.T) checks.Target {
	t.Helper()
	return checktest.Serve(t, result.Service{Service: "mysql"}, func(c net.Conn) {
		f.handle(&packetConn{rw: c})
	})
}

func (f *fakeMySQL) record(user string, auth []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if user != "\x00" {
		f.users = append(f.users, user)
	}
	f.responses = append(f.responses, append([]byte(nil), auth...))
}

func errPacket(code uint16, state, msg string) []byte {
	b := binary.LittleEndian.AppendUint16([]byte{0xff}, code)
	return append(append(b, "#"+state...), msg...)
}

var okPacket = []byte{0x00, 0, 0, 2, 0, 0, 0}

func (f *fakeMySQL) handle(pc *packetConn) {
	if f.refuse != nil {
		pc.write(f.refuse)
		return
	}
	scramble := []byte("abcdefghijklmnopqrst")
	caps := uint32(capLongPassword | capProtocol41 | capTransactions | capSecureConnection | capPluginAuth)
	g := append([]byte{0x0a}, f.version...)
	g = append(g, 0, 1, 0, 0, 0)
	g = append(g, scramble[:8]...)
	g = append(g, 0)
	g = binary.LittleEndian.AppendUint16(g, uint16(caps))
	g = append(g, 0x21, 2, 0)
	g = binary.LittleEndian.AppendUint16(g, uint16(caps>>16))
	g = append(g, 21)
	g = append(g, make([]byte, 10)...)
	g = append(g, scramble[8:]...)
	g = append(g, 0)
	g = append(g, f.plugin...)
	g = append(g, 0)
	pc.write(g)
	p, err := pc.read()
	if err != nil || len(p) < 32 {
		return
	}
	rest := p[32:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return
	}
	user := string(rest[:i])
	rest = rest[i+1:]
	n := int(rest[0])
	auth := rest[1 : 1+n]
	plugin := string(bytes.TrimRight(rest[1+n:], "\x00"))
	f.record(user, auth)
	acct, ok := f.accounts[user]
	if !ok {
		pc.write(errPacket(1045, "28000", "Access denied for user '"+user+"'@'localhost' (using password: NO)"))
		return
	}
	if acct.plugin != "" && acct.plugin != plugin {
		sw := append([]byte{0xfe}, acct.plugin...)
		sw = append(sw, 0)
		sw = append(sw, scramble...)
		pc.write(append(sw, 0))
		if auth, err = pc.read(); err != nil {
			return
		}
		f.record("\x00", auth)
	}
	switch {
	case acct.fullAuth:
		pc.write([]byte{0x01, 0x04})
		if more, err := io.ReadAll(pc.rw); err == nil && len(more) > 0 {
			f.record("\x00", more)
		}
	case acct.password:
		pc.write(errPacket(1045, "28000", "Access denied for user '"+user+"'@'localhost' (using password: NO)"))
	default:
		pc.write(okPacket)
		pc.read() // COM_QUIT
	}
}

func run(t *testing.T, id string, tg checks.Target) ([]result.Finding, error) {
	t.Helper()
	c, ok := checks.Lookup(id)
	if !ok {
		t.Fatalf("no check %s", id)
	}
	if !c.Applies(tg.Service) {
		t.Fatalf("%s does not apply to %+v", id, tg.Service)
	}
	return c.Run(context.Background(), tg)
}

const mariadb = "5.5.5-10.11.6-MariaDB-0+deb12u1"

func TestEmptyPassword(t *testing.T) {
	tests := []struct {
		name     string
		srv      *fakeMySQL
		id       string
		want     bool
		evidence string
	}{
		{"root native", &fakeMySQL{version: mariadb, plugin: "mysql_native_password", accounts: map[string]account{"root": {}}},
			"mysql.auth.empty-root", true, `"5.5.5-10.11.6-MariaDB-0+deb12u1" accepted user "root" with an empty password (auth plugin mysql_native_password)`},
		{"root switched to native", &fakeMySQL{version: "8.0.36", plugin: "caching_sha2_password", accounts: map[string]account{"root": {plugin: "mysql_native_password"}}},
			"mysql.auth.empty-root", true, "(auth plugin mysql_native_password)"},
		{"root caching_sha2", &fakeMySQL{version: "8.0.36", plugin: "caching_sha2_password", accounts: map[string]account{"root": {}}},
			"mysql.auth.empty-root", true, "(auth plugin caching_sha2_password)"},
		{"root with password", &fakeMySQL{version: mariadb, plugin: "mysql_native_password", accounts: map[string]account{"root": {password: true}, "": {}}},
			"mysql.auth.empty-root", false, ""},
		{"root full sha2 auth", &fakeMySQL{version: "8.0.36", plugin: "caching_sha2_password", accounts: map[string]account{"root": {fullAuth: true}}},
			"mysql.auth.empty-root", false, ""},
		{"root ed25519", &fakeMySQL{version: mariadb, plugin: "mysql_native_password", accounts: map[string]account{"root": {plugin: "client_ed25519"}}},
			"mysql.auth.empty-root", false, ""},
		{"anonymous", &fakeMySQL{version: mariadb, plugin: "mysql_native_password", accounts: map[string]account{"": {}, "root": {password: true}}},
			"mysql.auth.anonymous", true, `accepted user "" with an empty password`},
		{"no anonymous account", &fakeMySQL{version: mariadb, plugin: "mysql_native_password", accounts: map[string]account{"root": {}}},
			"mysql.auth.anonymous", false, ""},
		{"host not allowed", &fakeMySQL{refuse: errPacket(1130, "HY000", "Host '10.0.0.1' is not allowed to connect to this MariaDB server")},
			"mysql.auth.empty-root", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := run(t, tt.id, tt.srv.serve(t))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range tt.srv.responses {
				if len(r) > 1 || len(r) == 1 && r[0] != 0 {
					t.Fatalf("the check sent a non-empty password: %q", r)
				}
			}
			if !tt.want {
				if len(fs) != 0 {
					t.Fatalf("hardened server reported: %+v", fs)
				}
				return
			}
			if len(fs) != 1 || !strings.Contains(fs[0].Evidence, tt.evidence) || !fs[0].PCIAutoFail || fs[0].Confidence != 100 {
				t.Fatalf("findings %+v", fs)
			}
		})
	}
}

func TestSeverities(t *testing.T) {
	root, _ := checks.Lookup("mysql.auth.empty-root")
	anon, _ := checks.Lookup("mysql.auth.anonymous")
	if root.Meta().Severity != "critical" || anon.Meta().Severity != "high" {
		t.Errorf("root %s, anonymous %s", root.Meta().Severity, anon.Meta().Severity)
	}
}

func TestUndecided(t *testing.T) {
	busy := fakeMySQL{refuse: errPacket(1040, "08004", "Too many connections")}
	if fs, err := run(t, "mysql.auth.empty-root", busy.serve(t)); err == nil {
		t.Fatalf("too many connections read as a verdict: %+v", fs)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
			c.Close()
		}
	}()
	tg := checks.Target{IP: netip.MustParseAddr("127.0.0.1"), Service: result.Service{Port: ln.Addr().(*net.TCPAddr).Port, Protocol: "tcp", Service: "mysql"}}
	if fs, err := run(t, "mysql.auth.empty-root", tg); err == nil {
		t.Fatalf("SSH read as MySQL: %+v", fs)
	}
}

func TestSupersedesReachable(t *testing.T) {
	srv := fakeMySQL{version: mariadb, plugin: "mysql_native_password", accounts: map[string]account{"root": {}}}
	fs, errs := checks.RunAll(context.Background(), srv.serve(t), []string{Family, "exposure"})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.CheckID)
	}
	if strings.Join(ids, ",") != "mysql.auth.empty-root" {
		t.Fatalf("findings %v", ids)
	}
}

func TestParseGreeting(t *testing.T) {
	for _, b := range [][]byte{nil, {0x09, '5', 0}, {0x0a, 0}, append([]byte{0x0a}, "8.0.36\x00short"...)} {
		if _, err := parseGreeting(b); err == nil {
			t.Errorf("parseGreeting(%q) accepted", b)
		}
	}
}

func FuzzGreeting(f *testing.F) {
	g := append([]byte{0x0a}, "8.0.36\x00"...)
	g = append(g, make([]byte, 13)...)
	g = append(g, 0xff, 0xf7, 0x21, 2, 0, 0xff, 0xdf, 21)
	g = append(g, make([]byte, 10)...)
	g = append(g, "abcdefghijkl\x00caching_sha2_password\x00"...)
	f.Add(g)
	f.Add(errPacket(1130, "HY000", "Host is not allowed"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if gr, err := parseGreeting(b); err == nil && gr.version == "" {
			t.Fatal("greeting without a version")
		}
		_, _ = parseErr(b)
	})
}
