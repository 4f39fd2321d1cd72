package feed

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/cve"
)

// maxDebianBytes bounds an imported Debian tracker export, compressed or
// not (the real one is about 80 MB of JSON).
const maxDebianBytes = 1 << 30

// ImportDebian validates the Debian security tracker export at src (the
// JSON of https://security-tracker.debian.org/tracker/data/json, plain or
// gzipped), copies it into dir as cve.DebianFile (".gz" kept when
// gzipped) atomically, removes the other variant so the loader cannot pick
// a stale one, and records the import in the sync state. Nothing is
// downloaded. It returns an error when src cannot be read, is larger than
// 1 GiB, or is not a valid export (see cve.ScanDebian); dir is then left
// unchanged.
func ImportDebian(dir, src string, now time.Time) (FileResult, error) {
	res := FileResult{Ran: true}
	f, err := os.Open(src)
	if err != nil {
		return res, fmt.Errorf("feed debian: %w", err)
	}
	defer f.Close()
	body, err := io.ReadAll(&limitedReader{r: f, limit: maxDebianBytes})
	if err != nil {
		return res, fmt.Errorf("feed debian: %s: %w", src, err)
	}
	gzipped := len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b
	var r io.Reader = bytes.NewReader(body)
	if gzipped {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return res, fmt.Errorf("feed debian: %s: %w", src, err)
		}
		r = &limitedReader{r: zr, limit: maxDebianBytes}
	}
	info, err := cve.ScanDebian(r)
	if err != nil {
		return res, fmt.Errorf("feed debian: %s: %w", src, err)
	}
	name, other := cve.DebianFile, cve.DebianFile+".gz"
	if gzipped {
		name, other = other, name
	}
	st, err := ReadState(dir)
	if err != nil {
		return res, err
	}
	if err := writeAtomic(filepath.Join(dir, name), func(w io.Writer) error {
		_, err := w.Write(body)
		return err
	}); err != nil {
		return res, fmt.Errorf("feed debian: %w", err)
	}
	if err := os.Remove(filepath.Join(dir, other)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("feed debian: %w", err)
	}
	now = now.UTC()
	st.Debian = SourceState{LastSync: now, LastChange: now, File: name, Bytes: int64(len(body)), Records: info.CVEs}
	res.File, res.Bytes, res.Records = name, int64(len(body)), info.CVEs
	return res, writeState(dir, &st)
}
