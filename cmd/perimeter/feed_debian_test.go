package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const debianFixture = "../../internal/scanner/cve/testdata/feed-debian/debian.json"

func TestFeedDebianImportAndStatus(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runFeed(t, "debian", "--feed-dir", dir, debianFixture)
	if err != nil || !strings.Contains(out, "debian: debian.json, 10 CVEs") {
		t.Fatalf("feed debian: %q, %v", out, err)
	}
	out, _, err = runFeed(t, "status", "--feed-dir", dir, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var st feedStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if !st.Debian.Loaded || st.Debian.Packages != 3 || st.Debian.CVEs != 10 || st.Debian.Kept != 9 || st.Debian.LastImport.IsZero() {
		t.Errorf("status debian = %+v", st.Debian)
	}

	// A gzipped export replaces the plain one.
	plain, err := os.ReadFile(debianFixture)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	src := filepath.Join(t.TempDir(), "tracker.json.gz")
	if err := os.WriteFile(src, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runFeed(t, "debian", "--feed-dir", dir, src); err != nil || !strings.Contains(out, "debian.json.gz") {
		t.Fatalf("feed debian (gzip): %q, %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "debian.json")); !os.IsNotExist(err) {
		t.Errorf("the plain debian.json was left beside the gzipped one: %v", err)
	}

	// A malformed export is refused and leaves the feed as it was.
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"openssh":[]}`), 0o644)
	if _, _, err := runFeed(t, "debian", "--feed-dir", dir, bad); err == nil {
		t.Error("a malformed export was imported")
	}
	if b, err := os.ReadFile(filepath.Join(dir, "debian.json.gz")); err != nil || !bytes.Equal(b, gz.Bytes()) {
		t.Errorf("the imported export changed after a refused import: %v", err)
	}
	if _, _, err := runFeed(t, "debian", "--feed-dir", dir); err == nil {
		t.Error("feed debian without a file succeeded")
	}
}
