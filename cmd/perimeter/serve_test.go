package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe to read while the server writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs the real serve on dbURL and returns its base URL, its output
// and a stop function that waits for a clean return.
func startServe(t *testing.T, dbURL string) (string, *syncBuffer, func()) {
	t.Helper()
	return startServeConfig(t, serveConfig{dbURL: dbURL, workers: 2}, "http", http.DefaultClient)
}

func call(t *testing.T, method, url, key, auth string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("X-API-KEY", key)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

func signIn(t *testing.T, base, key, email, password string) string {
	t.Helper()
	st, m := call(t, "POST", base+"/auth/sign_in", key, "", map[string]string{"username": email, "password": password})
	if st != 200 {
		t.Fatalf("sign in: %d %v", st, m)
	}
	return "Bearer " + m["token"].(string)
}

func TestFirstRunAndRestartPersistence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		dbURL := storetest.URL(t, engine)
		t.Setenv("PERIMETER_ADMIN_EMAIL", "")
		t.Setenv("PERIMETER_ADMIN_PASSWORD", "")
		base, out, stop := startServe(t, dbURL)
		banner := regexp.MustCompile(`e-mail:\s+(\S+)\s+password:\s+(\S+)\s+API key:\s+(\S+)`).FindStringSubmatch(out.String())
		if banner == nil {
			t.Fatalf("first run printed no credentials:\n%s", out)
		}
		email, password, key := banner[1], banner[2], banner[3]
		if len(password) < 20 || !strings.HasPrefix(key, "pmk_") {
			t.Fatalf("weak first-run credentials %q %q", password, key)
		}
		auth := signIn(t, base, key, email, password)
		st, m := call(t, "POST", base+"/v2/organizations", key, auth, map[string]any{"name": "Persisted Inc"})
		if st != 201 {
			t.Fatalf("create org: %d %v", st, m)
		}
		stop()
		if strings.Count(out.String(), password) != 1 {
			t.Fatal("the generated password must be printed exactly once")
		}

		base, out, stop = startServe(t, dbURL)
		defer stop()
		if strings.Contains(out.String(), "First run") {
			t.Fatal("a second start must not bootstrap again")
		}
		auth = signIn(t, base, key, email, password)
		st, m = call(t, "GET", base+"/v2/organizations?q[name]=persisted", key, auth, nil)
		if st != 200 || fmt.Sprint(m["pagination"].(map[string]any)["total_count"]) != "1" {
			t.Fatalf("organization lost across restart: %d %v", st, m)
		}
	})
}

func TestBootstrapCommand(t *testing.T) {
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "p.db")
	run := func(args ...string) (string, error) {
		cmd := newRootCommand()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(io.Discard)
		cmd.SetArgs(args)
		err := cmd.Execute()
		return out.String(), err
	}
	var first, second map[string]string
	o, err := run("bootstrap", "--database", dbURL, "--email", "Ops@Example.test", "--password", "bootstrap-password")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(o), &first); err != nil || strings.Count(strings.TrimSpace(o), "\n") != 0 {
		t.Fatalf("bootstrap must print exactly one JSON object: %q", o)
	}
	o, err = run("bootstrap", "--database", dbURL, "--email", "ops@example.test", "--password", "ignored-now")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(o), &second)
	if first["organization_id"] == "" || first["organization_id"] != second["organization_id"] || first["user_id"] != second["user_id"] {
		t.Fatalf("ids differ: %v vs %v", first, second)
	}
	if first["api_key"] == second["api_key"] || !strings.HasPrefix(second["api_key"], "pmk_") {
		t.Fatalf("each run issues a new key: %v vs %v", first, second)
	}
	if _, err := run("bootstrap", "--database", dbURL, "--email", "new@example.test", "--password", "short"); err == nil {
		t.Fatal("a short password must be refused")
	}
	o, err = run("migrate", "--database", dbURL)
	if err != nil || !strings.Contains(o, "up to date") {
		t.Fatalf("migrate: %q %v", o, err)
	}
	if _, err := run("migrate", "--database", "mysql://x"); err == nil {
		t.Fatal("unknown engines must be refused")
	}
	s, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, _ := s.R().CountUsers(context.Background()); n != 1 {
		t.Fatalf("users = %d", n)
	}
}
