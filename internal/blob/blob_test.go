package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDirPutOpenDelete(t *testing.T) {
	ctx := context.Background()
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	content := strings.Repeat("report ", 10000)
	info, err := d.Put(ctx, "reports/org/file-1.pdf", strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(content))
	if info.Size != int64(len(content)) || info.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("info = %+v", info)
	}
	r, size, err := d.Open(ctx, "reports/org/file-1.pdf")
	if err != nil || size != info.Size {
		t.Fatalf("open: %v %d", err, size)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != content {
		t.Error("content differs")
	}
	if err := d.Delete(ctx, "reports/org/file-1.pdf"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Open(ctx, "reports/org/file-1.pdf"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if err := d.Delete(ctx, "reports/org/file-1.pdf"); err != nil {
		t.Errorf("deleting an absent key: %v", err)
	}
}

// failingReader fails after some bytes, like a renderer that errors halfway.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("renderer failed")
	}
	n := min(len(p), f.n)
	f.n -= n
	return n, nil
}

func TestDirFailedPutLeavesOldContent(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, _ := NewDir(root)
	if _, err := d.Put(ctx, "a/b.csv", strings.NewReader("old")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Put(ctx, "a/b.csv", &failingReader{n: 100000}); err == nil {
		t.Fatal("a failed write succeeded")
	}
	r, _, err := d.Open(ctx, "a/b.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != "old" {
		t.Errorf("content after a failed write = %q", got)
	}
	entries, _ := os.ReadDir(filepath.Join(root, "a"))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestKeysCannotEscape(t *testing.T) {
	d, _ := NewDir(t.TempDir())
	for _, k := range []string{"../x", "a/../../x", "/etc/passwd", "a//b", "", ".hidden", "a/.."} {
		if _, err := d.Put(context.Background(), k, strings.NewReader("x")); err == nil {
			t.Errorf("key %q accepted", k)
		}
	}
}

func TestStaleTemporaryFilesRemoved(t *testing.T) {
	root := t.TempDir()
	old := filepath.Join(root, "r", "x.pdf.123"+tmpSuffix)
	young := filepath.Join(root, "r", "y.pdf.456"+tmpSuffix)
	os.MkdirAll(filepath.Dir(old), 0o700)
	os.WriteFile(old, []byte("half"), 0o600)
	os.WriteFile(young, []byte("half"), 0o600)
	past := time.Now().Add(-2 * time.Hour)
	os.Chtimes(old, past, past)
	if _, err := NewDir(root); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Error("stale temporary file kept")
	}
	if _, err := os.Stat(young); err != nil {
		t.Error("a live writer's temporary file removed")
	}
}
