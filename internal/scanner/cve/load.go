package cve

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Load reads the feed directory dir (layout in the package documentation)
// and indexes it for Match. A missing directory or missing files give an
// empty or partial DB, not an error. It returns an error naming the file when
// a file cannot be read or is malformed (bad gzip, bad JSON or CSV, wrong
// schema); see ScanNVD, ScanKEV, ScanEPSS and ScanDebian for what is checked.
func Load(dir string) (*DB, error) {
	db := &DB{byID: map[string]int32{}, index: map[string][]int32{}}
	files, err := nvdFiles(filepath.Join(dir, "nvd"))
	if err != nil {
		return nil, fmt.Errorf("cve: %w", err)
	}
	if err := db.loadNVD(files); err != nil {
		return nil, err
	}
	db.stats.NVDFiles = len(files)
	db.buildIndex()

	if path, err := pickFile(dir, "kev.json"); err != nil {
		return nil, err
	} else if path != "" {
		if err := loadFile(path, func(r io.Reader) (err error) {
			db.stats.KEV, db.kev, err = readKEV(r)
			return err
		}); err != nil {
			return nil, err
		}
	}
	if path, err := pickFile(dir, "epss.csv"); err != nil {
		return nil, err
	} else if path != "" {
		if err := loadFile(path, func(r io.Reader) (err error) {
			db.stats.EPSS, db.epss, err = readEPSS(r, db.keepEPSS())
			return err
		}); err != nil {
			return nil, err
		}
	}
	if path, err := pickFile(dir, DebianFile); err != nil {
		return nil, err
	} else if path != "" {
		if err := loadFile(path, func(r io.Reader) (err error) {
			db.stats.Debian, db.debian, err = readDebian(r, keepDebianSource)
			return err
		}); err != nil {
			return nil, err
		}
		db.stats.DebianLoaded = true
	}
	return db, nil
}

// loadNVD decodes the files on up to maxLoadWorkers goroutines and merges
// them in file order, so duplicates resolve exactly as in a sequential read.
// At most workers+1 decoded files wait to be merged, which bounds memory.
func (db *DB) loadNVD(files []string) error {
	type decoded struct {
		recs    []record
		skipped int
		err     error
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), maxLoadWorkers, len(files)))
	slots := make([]chan decoded, len(files))
	for i := range slots {
		slots[i] = make(chan decoded, 1)
	}
	inFlight := make(chan struct{}, workers+1)
	next := make(chan int)
	done := make(chan struct{})
	go func() {
		defer close(next)
		for i := range files {
			select {
			case inFlight <- struct{}{}:
			case <-done:
				return
			}
			select {
			case next <- i:
			case <-done:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			l := newLoader()
			for i := range next {
				var d decoded
				before := l.skipped
				d.err = loadFile(files[i], func(r io.Reader) error {
					_, err := l.readNVD(r, func(rec record) { d.recs = append(d.recs, rec) })
					return err
				})
				d.skipped = l.skipped - before
				slots[i] <- d
			}
		})
	}
	defer wg.Wait()
	defer close(done)
	c := newCanon()
	for i := range files {
		d := <-slots[i]
		<-inFlight
		if d.err != nil {
			return d.err
		}
		db.stats.SkippedConfigurations += d.skipped
		for _, rec := range d.recs {
			c.record(&rec)
			db.add(rec)
		}
	}
	return nil
}

// maxLoadWorkers caps decoding parallelism: past a few cores the merge,
// which is sequential, dominates.
const maxLoadWorkers = 4

// canon makes the parsed criteria and bounds of records decoded by
// different workers share one copy each, as a single loader would.
type canon struct {
	cpes   map[string]*cpeName
	limits map[versionBounds]*versionBounds
}

func newCanon() *canon {
	return &canon{cpes: map[string]*cpeName{}, limits: map[versionBounds]*versionBounds{}}
}

func (c *canon) record(r *record) {
	for ci := range r.configs {
		for ni := range r.configs[ci].nodes {
			entries := r.configs[ci].nodes[ni].entries
			for ei := range entries {
				e := &entries[ei]
				if p, ok := c.cpes[e.cpe.raw]; ok {
					e.cpe = p
				} else {
					c.cpes[e.cpe.raw] = e.cpe
				}
				if e.bounds == nil {
					continue
				}
				if p, ok := c.limits[*e.bounds]; ok {
					e.bounds = p
				} else {
					c.limits[*e.bounds] = e.bounds
				}
			}
		}
	}
}

// loadFile opens path for read and names the file in any error.
func loadFile(path string, read func(io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cve: %w", err)
	}
	defer f.Close()
	if err := read(f); err != nil {
		return fmt.Errorf("cve: %s: %w", path, err)
	}
	return nil
}

// maybeGunzip returns a reader of r's content, decompressed when it starts
// with the gzip magic bytes; the extension is not trusted either way.
func maybeGunzip(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, nil
	}
	return io.NopCloser(br), nil
}

// nvdFiles lists nvd/*.json and nvd/*.json.gz in name order, skipping dot
// files (temporary files of an interrupted sync).
func nvdFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") ||
			!(strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".json.gz")) {
			continue
		}
		files = append(files, filepath.Join(dir, name))
	}
	return files, nil
}

// pickFile returns dir/name or dir/name.gz, whichever exists; when both do,
// the one modified last (a file dropped in by hand after a sync wins), and
// the gzipped one on a tie. It returns "" when neither exists.
func pickFile(dir, name string) (string, error) {
	var best string
	var bestInfo fs.FileInfo
	for _, p := range []string{filepath.Join(dir, name), filepath.Join(dir, name+".gz")} {
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("cve: %w", err)
		}
		if bestInfo == nil || !info.ModTime().Before(bestInfo.ModTime()) {
			best, bestInfo = p, info
		}
	}
	return best, nil
}

// add keeps one record per CVE id: the newest lastModified wins, and a later
// file wins a tie, so incremental sync pages replace older copies.
func (db *DB) add(r record) {
	i, ok := db.byID[r.ID]
	if !ok {
		db.byID[r.ID] = int32(len(db.records))
		db.records = append(db.records, r)
		return
	}
	db.stats.Superseded++
	if !r.LastModified.Before(db.records[i].LastModified) {
		db.records[i] = r
	}
}

// buildIndex maps the vendor:product of every vulnerable criteria to the
// records that contain it, so Match looks at a handful of candidates instead
// of every CVE. It runs once all files are read, after duplicates resolved.
func (db *DB) buildIndex() {
	for i := range db.records {
		r := &db.records[i]
		if r.LastModified.After(db.stats.NewestModified) {
			db.stats.NewestModified = r.LastModified
		}
		if r.Rejected {
			db.stats.Rejected++
			continue
		}
		db.stats.CVEs++
		if len(r.configs) > 0 {
			db.stats.Matchable++
		}
		id := int32(i)
		for _, c := range r.configs {
			for _, n := range c.nodes {
				for _, e := range n.entries {
					if !e.vulnerable {
						continue
					}
					if key, ok := e.cpe.productKey(); ok {
						db.index[key] = appendOnce(db.index[key], id)
					} else {
						db.wild = appendOnce(db.wild, id)
					}
				}
			}
		}
	}
	db.stats.Products = len(db.index)
	// Drop the spare capacity append left behind (up to a quarter of the
	// slice for a large feed).
	db.records = slices.Clone(db.records)
}

// appendOnce appends id unless it is already last (records are indexed in
// order, so that is the only place a duplicate can be).
func appendOnce(list []int32, id int32) []int32 {
	if n := len(list); n > 0 && list[n-1] == id {
		return list
	}
	return append(list, id)
}

// keepEPSS stores scores only for CVEs the NVD feed holds, under the record's
// own id string; with no NVD feed loaded, every score is kept.
func (db *DB) keepEPSS() func(string) (string, bool) {
	if len(db.records) == 0 {
		return nil
	}
	return func(id string) (string, bool) {
		i, ok := db.byID[id]
		if !ok {
			return "", false
		}
		return db.records[i].ID, true
	}
}
