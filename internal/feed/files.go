package feed

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"

	"github.com/perimeterhq/perimeter/internal/scanner/cve"
)

// syncFile downloads the KEV catalog or the EPSS scores with a conditional
// GET, validates the body with the cve package's parser, and replaces the
// file atomically, removing its other (plain or gzipped) variant so the
// loader cannot pick a stale one.
func (s *syncer) syncFile(ctx context.Context, source, rawURL string, st *SourceState) (FileResult, error) {
	res := FileResult{Ran: true}
	header := http.Header{}
	if st.File != "" && fileExists(filepath.Join(s.cfg.Dir, st.File)) {
		if st.ETag != "" {
			header.Set("If-None-Match", st.ETag)
		}
		if st.LastModified != "" {
			header.Set("If-Modified-Since", st.LastModified)
		}
	}
	resp, err := s.fetch.get(ctx, rawURL, header, s.cfg.MaxFileBytes, nil)
	if err != nil {
		return res, err
	}
	now := s.cfg.Now().UTC()
	if resp.notModified {
		s.cfg.Log("%s: not modified", source)
		st.LastSync = now
		res.NotModified, res.File, res.Bytes, res.Records = true, st.File, st.Bytes, st.Records
		return res, s.save()
	}
	gzipped := len(resp.body) >= 2 && resp.body[0] == 0x1f && resp.body[1] == 0x8b
	records, err := validate(source, resp.body, gzipped)
	if err != nil {
		return res, err
	}
	name := map[string]string{SourceKEV: "kev.json", SourceEPSS: "epss.csv"}[source]
	other := name + ".gz"
	if gzipped {
		name, other = other, name
	}
	err = writeAtomic(filepath.Join(s.cfg.Dir, name), func(w io.Writer) error {
		_, err := w.Write(resp.body)
		return err
	})
	if err != nil {
		return res, err
	}
	if err := os.Remove(filepath.Join(s.cfg.Dir, other)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, err
	}
	*st = SourceState{LastSync: now, LastChange: now, ETag: resp.etag, LastModified: resp.lastModified,
		File: name, Bytes: int64(len(resp.body)), Records: records}
	s.cfg.Log("%s: wrote %s (%d records, %d bytes)", source, name, records, len(resp.body))
	res.File, res.Bytes, res.Records = name, st.Bytes, records
	return res, s.save()
}

// validate parses a downloaded file before it replaces a good one. EPSS
// arrives gzipped; its decompressed size is bounded here, because the
// parser would otherwise read whatever a hostile server packed into it.
func validate(source string, body []byte, gzipped bool) (int, error) {
	var r io.Reader = bytes.NewReader(body)
	if gzipped {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return 0, err
		}
		r = &limitedReader{r: zr, limit: maxEPSSUncompressed}
	}
	if source == SourceKEV {
		info, err := cve.ScanKEV(r)
		return info.Count, err
	}
	info, err := cve.ScanEPSS(r)
	return info.Count, err
}

// limitedReader fails, rather than stopping quietly like io.LimitReader,
// when more than n bytes are read: a truncated file must not pass as valid.
type limitedReader struct {
	r     io.Reader
	limit int64
	read  int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.read += int64(n)
	if l.read > l.limit {
		return n, fmt.Errorf("decompressed data exceeds %d bytes", l.limit)
	}
	return n, err
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
