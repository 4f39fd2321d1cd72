package feed

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/cve"
)

// nvdTimeLayout is the extended ISO-8601 form the NVD API accepts, with an
// explicit offset ("2024-04-01T13:00:00.000+00:00").
const nvdTimeLayout = "2006-01-02T15:04:05.000-07:00"

// pageFile matches the names this package gives NVD pages.
var pageFile = regexp.MustCompile(`^api-(\d{6})-w\d{3}-\d{7}\.json\.gz$`)

// syncNVD resumes a pending run or starts one, then fetches its pages.
func (s *syncer) syncNVD(ctx context.Context) (NVDResult, error) {
	st := &s.state.NVD
	res := NVDResult{Ran: true}
	run := st.Pending
	if run != nil && !(s.cfg.Full && !run.Full) {
		res.Resumed = true
		s.cfg.Log("nvd: resuming run %d at window %d/%d, index %d", run.Seq, run.Window+1, len(run.Windows), run.NextIndex)
	} else {
		st.Runs++
		run = newRun(st.Runs, s.cfg.Now().UTC(), st.LastSync, s.cfg.Full)
		st.Pending = run
		if err := s.save(); err != nil {
			return res, err
		}
	}
	res.Full, res.Windows = run.Full, len(run.Windows)
	for run.Window < len(run.Windows) {
		w := run.Windows[run.Window]
		for {
			page, err := s.fetchPage(ctx, run, w)
			if err != nil {
				return res, err
			}
			res.Pages++
			res.CVEs += page.Count
			run.NextIndex += page.Count
			run.Total = page.TotalResults
			run.Fetched += page.Count
			if err := s.save(); err != nil {
				return res, err
			}
			if run.NextIndex >= page.TotalResults {
				break
			}
			if page.Count == 0 {
				return res, fmt.Errorf("empty page at startIndex %d of %d", run.NextIndex, page.TotalResults)
			}
		}
		run.Window++
		run.NextIndex, run.Total = 0, 0
		if err := s.save(); err != nil {
			return res, err
		}
	}
	st.LastSync = run.Through
	if run.Full {
		st.LastFull = run.Started
		if err := removeOldPages(filepath.Join(s.cfg.Dir, "nvd"), run.Seq); err != nil {
			return res, err
		}
	}
	st.Pending = nil
	res.Through = run.Through
	s.cfg.Log("nvd: run %d complete: %d records; mirrored through %s", run.Seq, run.Fetched, run.Through.Format(time.RFC3339))
	return res, s.save()
}

// newRun plans a run: everything when full or never synced, else windows of
// at most 120 days from the last sync to now.
func newRun(seq int, now, last time.Time, full bool) *NVDRun {
	run := &NVDRun{Seq: seq, Started: now, Through: now}
	if full || last.IsZero() {
		run.Full = true
		run.Windows = []Window{{}}
		return run
	}
	for start := last; start.Before(now); start = start.Add(nvdWindowMax) {
		end := start.Add(nvdWindowMax)
		if end.After(now) {
			end = now
		}
		run.Windows = append(run.Windows, Window{Start: start, End: end})
	}
	if len(run.Windows) == 0 { // clock went backwards: ask for the instant anyway
		run.Windows = []Window{{Start: last, End: last}}
	}
	return run
}

// fetchPage requests the next page of the run's current window, checks it
// with cve.ScanNVD and writes it gzipped and atomically.
func (s *syncer) fetchPage(ctx context.Context, run *NVDRun, w Window) (cve.NVDPage, error) {
	q := url.Values{}
	q.Set("startIndex", strconv.Itoa(run.NextIndex))
	q.Set("resultsPerPage", strconv.Itoa(s.cfg.PageSize))
	if !w.Start.IsZero() {
		q.Set("lastModStartDate", w.Start.UTC().Format(nvdTimeLayout))
		q.Set("lastModEndDate", w.End.UTC().Format(nvdTimeLayout))
	}
	u, err := url.Parse(s.cfg.NVDURL)
	if err != nil {
		return cve.NVDPage{}, err
	}
	u.RawQuery = q.Encode()
	header := http.Header{}
	if s.cfg.APIKey != "" {
		header.Set("apiKey", s.cfg.APIKey)
	}
	s.cfg.Log("nvd: window %d/%d, startIndex %d of %s", run.Window+1, len(run.Windows), run.NextIndex, totalText(run.Total))
	resp, err := s.fetch.get(ctx, u.String(), header, s.cfg.MaxPageBytes, s.limiter.wait)
	if err != nil {
		return cve.NVDPage{}, err
	}
	if resp.notModified {
		return cve.NVDPage{}, fmt.Errorf("unexpected 304 Not Modified")
	}
	page, err := cve.ScanNVD(bytes.NewReader(resp.body))
	if err != nil {
		return page, fmt.Errorf("page at startIndex %d: %w", run.NextIndex, err)
	}
	if page.StartIndex != run.NextIndex {
		return page, fmt.Errorf("asked for startIndex %d, got a page starting at %d", run.NextIndex, page.StartIndex)
	}
	if page.Count == 0 {
		return page, nil
	}
	name := fmt.Sprintf("api-%06d-w%03d-%07d.json.gz", run.Seq, run.Window, run.NextIndex)
	err = writeAtomic(filepath.Join(s.cfg.Dir, "nvd", name), func(w io.Writer) error {
		zw := gzip.NewWriter(w)
		if _, err := zw.Write(resp.body); err != nil {
			return err
		}
		return zw.Close()
	})
	return page, err
}

func totalText(total int) string {
	if total == 0 {
		return "?"
	}
	return strconv.Itoa(total)
}

// removeOldPages deletes the pages of runs before seq, which a completed
// full run supersedes, and temporary files a crash left behind. Files this
// package did not write (yearly nvdcve-2.0-*.json feeds) stay.
func removeOldPages(dir string, seq int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		m := pageFile.FindStringSubmatch(e.Name())
		stale := m != nil && m[1] != fmt.Sprintf("%06d", seq)
		if stale || strings.HasPrefix(e.Name(), ".tmp-") {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
