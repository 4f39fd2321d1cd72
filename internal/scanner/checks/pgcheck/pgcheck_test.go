package pgcheck

import (
	"bytes"
	"context"
	"encoding/binary"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/checktest"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/exposure"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// msg builds one backend message.
func msg(typ byte, body ...[]byte) []byte {
	var b []byte
	for _, p := range body {
		b = append(b, p...)
	}
	out := append([]byte{typ}, binary.BigEndian.AppendUint32(nil, uint32(4+len(b)))...)
	return append(out, b...)
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func param(k, v string) []byte {
	return msg('S', []byte(k+"\x00"+v+"\x00"))
}
func errResp(code, text string) []byte {
	return msg('E', []byte("SFATAL\x00C"+code+"\x00M"+text+"\x00\x00"))
}

// fakePG answers SSLRequest with 'N' and a startup message with what
// answer returns for the requested database; it records the startup
// parameters and whether the client ever sent a password message ('p').
type fakePG struct {
	mu        sync.Mutex
	databases []string
	passwords int
}

func (f *fakePG) serve(t *testing.T, answer func(database string) []byte) checks.Target {
	t.Helper()
	return checktest.Serve(t, result.Service{Service: "postgresql"}, func(c net.Conn) {
		ssl := make([]byte, 8)
		if _, err := io.ReadFull(c, ssl); err != nil {
			return
		}
		c.Write([]byte{'N'})
		var n [4]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(n[:])-4)
		if _, err := io.ReadFull(c, body); err != nil {
			return
		}
		kv := strings.Split(string(body[4:]), "\x00")
		db := ""
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == "database" {
				db = kv[i+1]
			}
		}
		f.mu.Lock()
		f.databases = append(f.databases, db)
		f.mu.Unlock()
		c.Write(answer(db))
		rest, _ := io.ReadAll(c)
		if len(rest) > 0 && rest[0] == 'p' {
			f.mu.Lock()
			f.passwords++
			f.mu.Unlock()
		}
	})
}

func run(t *testing.T, tg checks.Target) ([]result.Finding, error) {
	t.Helper()
	c, ok := checks.Lookup("postgresql.auth.none")
	if !ok {
		t.Fatal("not registered")
	}
	if !c.Applies(tg.Service) {
		t.Fatalf("does not apply to %+v", tg.Service)
	}
	return c.Run(context.Background(), tg)
}

func loggedIn(superuser string) func(string) []byte {
	return func(string) []byte {
		var b []byte
		b = append(b, msg('R', u32(0))...)
		b = append(b, param("server_version", "15.10 (Debian 15.10-0+deb12u1)")...)
		b = append(b, param("is_superuser", superuser)...)
		b = append(b, param("session_authorization", "postgres")...)
		b = append(b, msg('K', u32(42), u32(7))...)
		return append(b, msg('Z', []byte{'I'})...)
	}
}

func TestTrust(t *testing.T) {
	var f fakePG
	fs, err := run(t, f.serve(t, loggedIn("on")))
	if err != nil || len(fs) != 1 {
		t.Fatalf("%+v %v", fs, err)
	}
	got := fs[0]
	for _, s := range []string{`user "postgres"`, "without a password", "is_superuser = on", "server_version = 15.10 (Debian 15.10-0+deb12u1)"} {
		if !strings.Contains(got.Evidence, s) {
			t.Errorf("evidence lacks %q: %s", s, got.Evidence)
		}
	}
	if got.Severity != "critical" || !got.PCIAutoFail || got.Confidence != 100 {
		t.Errorf("%+v", got)
	}
	if f.passwords != 0 {
		t.Error("a password message was sent")
	}
}

// TestSupersedesReachable: the open login and the generic reachable
// database are one problem, reported once; a hardened server keeps the
// generic finding.
func TestSupersedesReachable(t *testing.T) {
	ids := func(answer func(string) []byte) string {
		var f fakePG
		fs, errs := checks.RunAll(context.Background(), f.serve(t, answer), []string{Family, "exposure"})
		if len(errs) != 0 {
			t.Fatal(errs)
		}
		var ids []string
		for _, f := range fs {
			ids = append(ids, f.CheckID)
		}
		return strings.Join(ids, ",")
	}
	if got := ids(loggedIn("on")); got != "postgresql.auth.none" {
		t.Errorf("trust: %s", got)
	}
	scram := func(string) []byte { return msg('R', u32(10), []byte("SCRAM-SHA-256\x00\x00")) }
	if got := ids(scram); got != "exposure.database.reachable" {
		t.Errorf("scram: %s", got)
	}
}

func TestTrustNotSuperuser(t *testing.T) {
	var f fakePG
	fs, err := run(t, f.serve(t, loggedIn("off")))
	if err != nil || len(fs) != 1 {
		t.Fatalf("%+v %v", fs, err)
	}
	if fs[0].Severity != "high" || fs[0].CVSSVector != vectorUser || fs[0].CVSSScore != 7.3 || !fs[0].PCIAutoFail {
		t.Errorf("%+v", fs[0])
	}
}

func TestTrustMissingDatabase(t *testing.T) {
	var f fakePG
	tg := f.serve(t, func(db string) []byte {
		if db == "postgres" {
			return append(msg('R', u32(0)), errResp("3D000", `database "postgres" does not exist`)...)
		}
		return loggedIn("on")(db)
	})
	fs, err := run(t, tg)
	if err != nil || len(fs) != 1 || !strings.Contains(fs[0].Evidence, `database "template1"`) || !strings.Contains(fs[0].Evidence, "is_superuser = on") {
		t.Fatalf("%+v %v", fs, err)
	}
	if strings.Join(f.databases, ",") != "postgres,template1" {
		t.Errorf("databases tried: %v", f.databases)
	}
}

func TestPasswordRequired(t *testing.T) {
	for name, answer := range map[string][]byte{
		"scram":  msg('R', u32(10), []byte("SCRAM-SHA-256\x00SCRAM-SHA-256-PLUS\x00\x00")),
		"md5":    msg('R', u32(5), []byte{1, 2, 3, 4}),
		"no hba": errResp("28000", `no pg_hba.conf entry for host "127.0.0.1", user "postgres", database "postgres", no encryption`),
		"reject": errResp("28P01", `password authentication failed for user "postgres"`),
	} {
		t.Run(name, func(t *testing.T) {
			var f fakePG
			fs, err := run(t, f.serve(t, func(string) []byte { return answer }))
			if err != nil || len(fs) != 0 {
				t.Fatalf("%+v %v", fs, err)
			}
			if f.passwords != 0 {
				t.Error("a password message was sent")
			}
		})
	}
	// Neither accepted nor refused: undecided, an error.
	var f fakePG
	if fs, err := run(t, f.serve(t, func(string) []byte { return errResp("53300", "sorry, too many clients already") })); err == nil {
		t.Fatalf("too many clients read as a verdict: %+v", fs)
	}
	// Not PostgreSQL at all.
	if fs, err := run(t, f.serve(t, func(string) []byte { return []byte("HTTP/1.1 400 Bad Request\r\n\r\n") })); err == nil {
		t.Fatalf("HTTP read as PostgreSQL: %+v", fs)
	}
}

// TestRealServer logs in to the PostgreSQL of PERIMETER_TEST_POSTGRES_URL
// (trust authentication, e.g. postgres://postgres@127.0.0.1:55432).
func TestRealServer(t *testing.T) {
	raw := os.Getenv("PERIMETER_TEST_POSTGRES_URL")
	if raw == "" {
		t.Skip("PERIMETER_TEST_POSTGRES_URL not set")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	ip, err := netip.ParseAddr(u.Hostname())
	if err != nil || !ip.IsLoopback() {
		t.Skipf("tests only talk to loopback, not %q", u.Hostname())
	}
	port, _ := strconv.Atoi(u.Port())
	if port == 0 {
		port = 5432
	}
	fs, err := run(t, checks.Target{IP: ip, Service: result.Service{Port: port, Protocol: result.TCP, Service: "postgresql"}})
	if err != nil || len(fs) != 1 {
		t.Fatalf("%+v %v", fs, err)
	}
	if !strings.Contains(fs[0].Evidence, "is_superuser = on") || !strings.Contains(fs[0].Evidence, "server_version = ") || fs[0].Severity != "critical" {
		t.Fatalf("%+v", fs[0])
	}
	t.Log(fs[0].Evidence)
}

func FuzzMessages(f *testing.F) {
	f.Add(append(msg('R', u32(0)), param("is_superuser", "on")...))
	f.Add(errResp("28P01", "password authentication failed"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		for range 16 {
			typ, body, err := readMessage(r)
			if err != nil {
				break
			}
			if typ == 'E' {
				_, _ = errorFields(body)
			}
		}
	})
}
