// Package blob stores generated files (reports) by key. Writes are atomic: a
// key names either nothing or a complete file, never a partial one, so a crash
// during a write leaves at most an unreferenced temporary file behind.
//
// Dir keeps blobs in a directory on disk; the Store interface is small enough
// that an S3-compatible implementation can sit beside it.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// ErrNotFound is returned for a key that holds nothing.
var ErrNotFound = errors.New("blob: not found")

// Info describes a stored blob.
type Info struct {
	Size   int64
	SHA256 string // hex
}

// Store is where generated files live.
type Store interface {
	// Put stores everything r yields under key, replacing what was there only
	// once the whole content is durable. It returns the size and SHA-256.
	Put(ctx context.Context, key string, r io.Reader) (Info, error)
	// Open returns the content of key (ErrNotFound when absent) and its size.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, int64, error)
	// Delete removes key; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
}

// keyRE bounds keys to path segments of safe characters, so a key can never
// leave the store's directory.
var keyRE = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$`)

// ValidKey reports whether key may name a blob.
func ValidKey(key string) bool {
	return len(key) <= 512 && keyRE.MatchString(key) && !strings.Contains(key, "..")
}

// Dir is a Store in a directory.
type Dir struct{ root string }

var _ Store = (*Dir)(nil)

// tmpSuffix marks files being written.
const tmpSuffix = ".partial"

// NewDir returns a Store in root, creating it, and removes temporary files
// older than an hour (left by a process that died while writing; younger ones
// may belong to a live process sharing the directory).
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	d := &Dir{root: root}
	cutoff := time.Now().Add(-time.Hour)
	_ = filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(p, tmpSuffix) {
			if fi, err := e.Info(); err == nil && fi.ModTime().Before(cutoff) {
				_ = os.Remove(p)
			}
		}
		return nil
	})
	return d, nil
}

func (d *Dir) path(key string) (string, error) {
	if !ValidKey(key) {
		return "", fmt.Errorf("blob: invalid key %q", key)
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// Put writes to a temporary file in the key's directory, syncs it and renames
// it into place: rename is atomic on POSIX file systems.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader) (Info, error) {
	p, err := d.path(key)
	if err != nil {
		return Info{}, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), filepath.Base(p)+".*"+tmpSuffix)
	if err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r})
	if err != nil {
		return Info{}, err
	}
	if err := f.Sync(); err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	if err := f.Close(); err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	ok = true
	if dir, err := os.Open(filepath.Dir(p)); err == nil { // make the rename durable
		_ = dir.Sync()
		dir.Close()
	}
	return Info{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Open opens a blob for reading.
func (d *Dir) Open(_ context.Context, key string) (io.ReadSeekCloser, int64, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, ErrNotFound
	} else if err != nil {
		return nil, 0, fmt.Errorf("blob: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("blob: %w", err)
	}
	return f, fi.Size(), nil
}

// Delete removes a blob.
func (d *Dir) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// ctxReader stops a long copy when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
