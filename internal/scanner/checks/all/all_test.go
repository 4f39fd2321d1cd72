package all_test

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/all"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

var update = flag.Bool("update", false, "rewrite the check table in ../README.md")

func TestFamiliesRegistered(t *testing.T) {
	want := []string{"cleartext", "dns", "exposure", "ftp", "http", "mysql", "postgresql", "smtp", "snmp", "ssh", "tls"}
	if got := checks.Families(); !slices.Equal(got, want) {
		t.Fatalf("Families() = %v, want %v", got, want)
	}
	for _, c := range checks.All() {
		m := c.Meta()
		if err := m.Validate(); err != nil {
			t.Error(err)
		}
		if len(m.References) == 0 {
			t.Errorf("%s has no references", m.ID)
		}
		for _, id := range m.Supersedes {
			if _, ok := checks.Lookup(id); !ok {
				t.Errorf("%s supersedes unregistered check %q", m.ID, id)
			}
		}
		for _, r := range m.References {
			if !strings.HasPrefix(r, "https://") {
				t.Errorf("%s: reference %q", m.ID, r)
			}
		}
	}
}

const (
	tableStart = "<!-- check-table:start -->\n"
	tableEnd   = "<!-- check-table:end -->\n"
)

// TestREADMETable keeps the generated check table in ../README.md current;
// run `go test ./internal/scanner/checks/all -update` after changing a check.
func TestREADMETable(t *testing.T) {
	var table bytes.Buffer
	if err := checks.WriteMarkdownTable(&table, checks.Summarize(checks.All())); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	i, j := strings.Index(s, tableStart), strings.Index(s, tableEnd)
	if i < 0 || j < i {
		t.Fatal("README.md lacks the check-table markers")
	}
	want := s[:i+len(tableStart)] + table.String() + s[j:]
	if *update {
		if err := os.WriteFile("../README.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if s != want {
		t.Fatal("README.md check table is stale: run go test ./internal/scanner/checks/all -update")
	}
}

// TestRunAllAgainstRedis runs every family against one real (fake) Redis:
// only the Redis and database checks apply, and the unauthenticated-Redis
// finding supersedes the generic reachable-database one.
func TestRunAllAgainstRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				buf := make([]byte, 256)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					switch {
					case bytes.Contains(buf[:n], []byte("PING")):
						io.WriteString(c, "+PONG\r\n")
					case bytes.Contains(buf[:n], []byte("INFO")):
						io.WriteString(c, "$20\r\nredis_version:7.2.4\r\n\r\n")
					}
				}
			}()
		}
	}()
	tg := checks.Target{
		IP:      netip.MustParseAddr("127.0.0.1"),
		Service: result.Service{Port: ln.Addr().(*net.TCPAddr).Port, Protocol: result.TCP, State: result.PortOpen, Service: "redis"},
	}
	fs, errs := checks.RunAll(context.Background(), tg, nil)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.CheckID)
	}
	if !slices.Equal(ids, []string{"exposure.redis.unauthenticated"}) {
		t.Fatalf("findings %v", ids)
	}
	if fs, _ := checks.RunAll(context.Background(), tg, []string{"tls", "http"}); len(fs) != 0 {
		t.Fatalf("family filter ignored: %v", fs)
	}
}
