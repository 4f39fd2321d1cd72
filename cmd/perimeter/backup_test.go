package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/store"
)

// runRoot executes `perimeter ARGS`.
func runRoot(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCommand()
	var out bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	err := cmd.Execute()
	return out.String(), err
}

// bootstrapDB migrates dbURL and creates the platform organization with a
// superadmin, returning the API key.
func bootstrapDB(t *testing.T, dbURL, email, password string) app.BootstrapResult {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	boot, err := app.New(s, app.Config{}, nil).Bootstrap(ctx, email, password)
	if err != nil {
		t.Fatal(err)
	}
	return boot
}

var backupTables = []string{"organizations", "users", "api_keys", "sessions", "targets", "port_lists", "scans", "audit_events", "schema_migrations"}

// tableCounts counts the rows of the main tables of a SQLite file.
func tableCounts(t *testing.T, path string) map[string]int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]int{}
	for _, tb := range backupTables {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM " + tb).Scan(&n); err != nil {
			t.Fatalf("count %s in %s: %v", tb, path, err)
		}
		out[tb] = n
	}
	return out
}

// TestBackupWhileWritingAndRestore backs up a live server's database while
// clients keep creating targets, restores the copy into a new file, and
// starts a server on it that serves the same data.
func TestBackupWhileWritingAndRestore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	live := filepath.Join(dir, "live.db")
	boot := bootstrapDB(t, "sqlite:"+live, "root@backup.test", "backup-test-password")
	base, _, stop := startServeConfig(t, serveConfig{dbURL: "sqlite:" + live}, "http", http.DefaultClient)
	key := boot.APIKey
	auth := signIn(t, base, key, "root@backup.test", "backup-test-password")

	var created atomic.Int64
	quit := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-quit:
					return
				default:
				}
				st, m := call(t, "POST", base+"/v2/targets", key, auth, map[string]any{"name": fmt.Sprintf("t%d-%d", w, i), "hosts": "192.0.2.1", "product": "vrms"})
				if st != 201 {
					t.Errorf("create target: %d %v", st, m)
					return
				}
				created.Add(1)
			}
		}()
	}
	for created.Load() < 20 { // let writes get going
		time.Sleep(5 * time.Millisecond)
	}
	backup := filepath.Join(dir, "backup.db")
	before := created.Load()
	out, err := runRoot(t, "backup", "--database", "sqlite:"+live, "--out", backup)
	after := created.Load()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	for created.Load() < after+20 { // writes go on after the backup
		time.Sleep(5 * time.Millisecond)
	}
	close(quit)
	wg.Wait()
	stop()
	if !strings.Contains(out, "backup written") {
		t.Fatalf("backup output: %s", out)
	}
	got := tableCounts(t, backup)
	if n := int64(got["targets"]); n < before || n > after+2 {
		t.Fatalf("backup holds %d targets; %d existed when it started, %d when it ended", n, before, after)
	}
	if final := tableCounts(t, live)["targets"]; final <= got["targets"] {
		t.Fatalf("writes after the backup: live %d, backup %d", final, got["targets"])
	}
	if _, err := runRoot(t, "backup", "--database", "sqlite:"+live, "--out", backup); err == nil {
		t.Fatal("a backup overwrote an existing file")
	}

	restored := filepath.Join(dir, "restored", "perimeter.db")
	if out, err := runRoot(t, "restore", "--from", backup, "--database", "sqlite:"+restored); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if rc := tableCounts(t, restored); fmt.Sprint(rc) != fmt.Sprint(got) {
		t.Fatalf("restored counts %v, backup %v", rc, got)
	}
	if _, err := runRoot(t, "restore", "--from", backup, "--database", "sqlite:"+restored); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restore over an existing database without --force: %v", err)
	}
	if out, err := runRoot(t, "restore", "--from", backup, "--database", "sqlite:"+restored, "--force"); err != nil {
		t.Fatalf("restore --force: %v\n%s", err, out)
	}

	// A server on the restored file serves the backed-up data, and takes writes.
	base, _, stop = startServeConfig(t, serveConfig{dbURL: "sqlite:" + restored}, "http", http.DefaultClient)
	defer stop()
	auth = signIn(t, base, key, "root@backup.test", "backup-test-password")
	st, m := call(t, "GET", base+"/v2/targets?per_page=1", key, auth, nil)
	if st != 200 || int(m["pagination"].(map[string]any)["total_count"].(float64)) != got["targets"] {
		t.Fatalf("targets on the restored server: %d %v, want %d", st, m["pagination"], got["targets"])
	}
	if st, m := call(t, "POST", base+"/v2/targets", key, auth, map[string]any{"name": "after restore", "hosts": "192.0.2.2", "product": "vrms"}); st != 201 {
		t.Fatalf("write on the restored server: %d %v", st, m)
	}
}

func TestRestoreRefusesBadBackups(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	bootstrapDB(t, "sqlite:"+src, "root@backup.test", "backup-test-password")

	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte("this is not a database, just some bytes of text"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.db")
	db, err := sql.Open("sqlite", "file:"+empty)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE x (a)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	newer := filepath.Join(dir, "newer.db")
	if _, err := runRoot(t, "backup", "--database", "sqlite:"+src, "--out", newer); err != nil {
		t.Fatal(err)
	}
	db, err = sql.Open("sqlite", "file:"+newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"missing backup":     {[]string{"restore", "--from", filepath.Join(dir, "nope.db"), "--database", "sqlite:" + filepath.Join(dir, "a.db")}, "no such file"},
		"not a database":     {[]string{"restore", "--from", garbage, "--database", "sqlite:" + filepath.Join(dir, "b.db")}, "SQLite"},
		"not perimeter":      {[]string{"restore", "--from", empty, "--database", "sqlite:" + filepath.Join(dir, "c.db")}, "not a Perimeter database"},
		"newer schema":       {[]string{"restore", "--from", newer, "--database", "sqlite:" + filepath.Join(dir, "d.db")}, "newer than this binary"},
		"postgres restore":   {[]string{"restore", "--from", src, "--database", "postgres://u@127.0.0.1:1/x"}, "pg_restore"},
		"postgres backup":    {[]string{"backup", "--database", "postgres://u@127.0.0.1:1/x", "--out", filepath.Join(dir, "e.db")}, "pg_dump"},
		"missing database":   {[]string{"backup", "--database", "sqlite:" + filepath.Join(dir, "absent.db"), "--out", filepath.Join(dir, "f.db")}, "no such file"},
		"no out":             {[]string{"backup", "--database", "sqlite:" + src}, "--out"},
		"no from":            {[]string{"restore", "--database", "sqlite:" + filepath.Join(dir, "g.db")}, "--from"},
		"backup not sqlite:": {[]string{"backup", "--database", "mysql://x", "--out", filepath.Join(dir, "h.db")}, "sqlite:"},
	} {
		_, err := runRoot(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, tc.want)
		}
	}
	// A refused restore leaves no database behind.
	for _, f := range []string{"a.db", "b.db", "c.db", "d.db", "absent.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s was created", f)
		}
	}
}
