package feed

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/feed/feedtest"
	"github.com/perimeterhq/perimeter/internal/scanner/cve"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

func matchIDs(db *cve.DB, cpe string) []string {
	var ids []string
	for _, f := range db.Match(result.Service{CPE: []string{cpe}}) {
		ids = append(ids, f.CVEs...)
	}
	slices.Sort(ids)
	return ids
}

func TestSyncFullThenIncremental(t *testing.T) {
	srv := feedtest.NewServer(t)
	cfg, clock := newTestConfig(t, srv, date(2099, 3, 10))
	cfg.PageSize = 3
	res, err := Sync(context.Background(), cfg)
	if err != nil {
		t.Fatalf("first sync: %v", err)
	}
	if !res.NVD.Full || res.NVD.Pages != 3 || res.NVD.CVEs != 7 || !res.NVD.Through.Equal(date(2099, 3, 10)) {
		t.Errorf("NVD result = %+v, want a full run of 3 pages and 7 CVEs", res.NVD)
	}
	if res.KEV.Records != 1 || res.KEV.File != "kev.json" || res.EPSS.Records != 7 || res.EPSS.File != "epss.csv.gz" {
		t.Errorf("KEV %+v, EPSS %+v", res.KEV, res.EPSS)
	}
	qs := srv.NVDQueries()
	if got := startIndexes(qs); got != "0,3,6" || qs[0].Get("lastModStartDate") != "" || qs[0].Get("resultsPerPage") != "3" {
		t.Errorf("full sync queries = %v", qs)
	}
	db, err := cve.Load(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if st := db.Stats(); st.CVEs != 7 || st.NVDFiles != 3 || st.KEV.Count != 1 || st.EPSS.Count != 7 {
		t.Errorf("loaded %+v", st)
	}
	if got := matchIDs(db, "cpe:2.3:a:example:syncapp:1.2.5:*:*:*:*:*:*:*"); !slices.Equal(got, []string{"CVE-2098-0003", "CVE-2099-0004"}) {
		t.Errorf("syncapp 1.2.5 matches %v", got)
	}

	// NVD reanalyses a CVE; the next sync fetches only that change.
	err = srv.Modify("CVE-2098-0001", date(2099, 3, 12), func(c map[string]any) {
		m := c["configurations"].([]any)[0].(map[string]any)["nodes"].([]any)[0].(map[string]any)["cpeMatch"].([]any)[0].(map[string]any)
		m["versionEndExcluding"] = "9.0"
	})
	if err != nil {
		t.Fatal(err)
	}
	clock.set(date(2099, 3, 15))
	res, err = Sync(context.Background(), cfg)
	if err != nil {
		t.Fatalf("incremental sync: %v", err)
	}
	if res.NVD.Full || res.NVD.Windows != 1 || res.NVD.CVEs != 1 {
		t.Errorf("NVD result = %+v, want one incremental window with one CVE", res.NVD)
	}
	last := srv.NVDQueries()[len(qs):]
	if len(last) != 1 || last[0].Get("lastModStartDate") != "2099-03-10T00:00:00.000+00:00" || last[0].Get("lastModEndDate") != "2099-03-15T00:00:00.000+00:00" {
		t.Errorf("incremental queries = %v", last)
	}
	if !res.KEV.NotModified || !res.EPSS.Ran {
		t.Errorf("KEV %+v: want a conditional GET answered 304", res.KEV)
	}
	db, err = cve.Load(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := matchIDs(db, "cpe:2.3:a:example:syncapp:5.0:*:*:*:*:*:*:*"); !slices.Equal(got, []string{"CVE-2098-0001"}) {
		t.Errorf("after the change syncapp 5.0 matches %v, want the modified record", got)
	}
	if st := db.Stats(); st.CVEs != 7 || st.Superseded != 1 {
		t.Errorf("loaded %+v, want 7 CVEs with one superseded copy", st)
	}
	state, err := ReadState(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if state.NVD.Pending != nil || !state.NVD.LastSync.Equal(date(2099, 3, 15)) || !state.NVD.LastFull.Equal(date(2099, 3, 10)) {
		t.Errorf("state = %+v", state.NVD)
	}
}

func TestSyncSplitsIntoWindowsOf120Days(t *testing.T) {
	srv := feedtest.NewServer(t)
	cfg, clock := newTestConfig(t, srv, date(2098, 1, 1))
	if _, err := Sync(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	before := len(srv.NVDQueries())
	clock.set(date(2099, 3, 10)) // 433 days later
	res, err := Sync(context.Background(), cfg)
	if err != nil {
		t.Fatalf("sync: %v (the fake server rejects windows over 120 days)", err)
	}
	if res.NVD.Windows != 4 || res.NVD.CVEs != 7 {
		t.Errorf("NVD result = %+v, want 4 windows covering all 7 CVEs", res.NVD)
	}
	qs := srv.NVDQueries()[before:]
	prevEnd := "2098-01-01T00:00:00.000+00:00"
	for _, q := range qs {
		if q.Get("lastModStartDate") != prevEnd {
			t.Errorf("window starts at %s, want %s (contiguous windows)", q.Get("lastModStartDate"), prevEnd)
		}
		prevEnd = q.Get("lastModEndDate")
	}
	if prevEnd != "2099-03-10T00:00:00.000+00:00" {
		t.Errorf("last window ends at %s", prevEnd)
	}
}

func TestSyncResumesAfterAnOutage(t *testing.T) {
	srv := feedtest.NewServer(t)
	cfg, _ := newTestConfig(t, srv, date(2099, 3, 10))
	cfg.PageSize, cfg.MaxRetries = 2, 1
	srv.BreakAfter(2)
	_, err := Sync(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "status 503") {
		t.Fatalf("sync during an outage: %v, want a 503 error", err)
	}
	state, _ := ReadState(cfg.Dir)
	if p := state.NVD.Pending; p == nil || p.NextIndex != 4 || p.Fetched != 4 || len(pageFiles(t, cfg.Dir)) != 2 {
		t.Fatalf("pending run = %+v, files %v; want two saved pages and index 4", p, pageFiles(t, cfg.Dir))
	}
	before := len(srv.NVDQueries())
	srv.Repair()
	res, err := Sync(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := startIndexes(srv.NVDQueries()[before:]); got != "4,6" || !res.NVD.Resumed {
		t.Errorf("resumed at %q (resumed=%v), want the remaining pages 4,6 only", got, res.NVD.Resumed)
	}
	db, err := cve.Load(cfg.Dir)
	if err != nil || db.Stats().CVEs != 7 {
		t.Errorf("after resuming: %v, %+v", err, db.Stats())
	}
}

func TestSyncResumesAfterCancellation(t *testing.T) {
	srv := feedtest.NewServer(t)
	cfg, _ := newTestConfig(t, srv, date(2099, 3, 10))
	cfg.PageSize = 2
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Log = func(format string, args ...any) {
		if len(args) > 2 && args[2] == 4 { // about to fetch startIndex 4
			cancel()
		}
	}
	if _, err := Sync(ctx, cfg); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled sync: %v", err)
	}
	cfg.Log = t.Logf
	res, err := Sync(context.Background(), cfg)
	if err != nil || !res.NVD.Resumed || res.NVD.CVEs != 3 {
		t.Errorf("resume: %+v, %v; want the last 3 CVEs", res.NVD, err)
	}
}

func TestSyncRetriesWithBackoff(t *testing.T) {
	srv := feedtest.NewServer(t)
	cfg, clock := newTestConfig(t, srv, date(2099, 3, 10))
	cfg.Sources = []string{SourceNVD}
	srv.FailNext(2, 503, "")
	srv.FailNext(1, 429, "7")
	srv.FailNext(1, 403, "")
	if _, err := Sync(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 7 * time.Second, 8 * time.Second}
	if got := clock.slept(); !slices.Equal(got, want) {
		t.Errorf("waits = %v, want exponential backoff with Retry-After honoured: %v", got, want)
	}
}

func TestSyncGivesUp(t *testing.T) {
	srv := feedtest.NewServer(t)
	cfg, _ := newTestConfig(t, srv, date(2099, 3, 10))
	cfg.Sources, cfg.MaxRetries = []string{SourceNVD}, 2
	srv.FailNext(10, 403, "")
	if _, err := Sync(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "status 403") {
		t.Errorf("err = %v, want status 403 after the retries", err)
	}
	if n := len(srv.NVDQueries()); n != 3 {
		t.Errorf("%d requests, want 1 + 2 retries", n)
	}

	srv2 := feedtest.NewServer(t)
	cfg2, _ := newTestConfig(t, srv2, date(2099, 3, 10))
	cfg2.Sources = []string{SourceNVD}
	srv2.FailNext(1, 404, "")
	if _, err := Sync(context.Background(), cfg2); err == nil || len(srv2.NVDQueries()) != 1 {
		t.Errorf("err = %v after %d requests, want a 404 not retried", err, len(srv2.NVDQueries()))
	}
}

func TestSyncRateLimit(t *testing.T) {
	for _, tt := range []struct {
		name, key string
		minWait   time.Duration
	}{
		{"without a key: 5 requests per 30 s", "", 30 * time.Second},
		{"with a key: 50 requests per 30 s", "secret-key", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := feedtest.NewServer(t)
			cfg, clock := newTestConfig(t, srv, date(2099, 3, 10))
			cfg.Sources, cfg.PageSize, cfg.APIKey = []string{SourceNVD}, 1, tt.key
			if _, err := Sync(context.Background(), cfg); err != nil {
				t.Fatal(err)
			}
			var total time.Duration
			for _, d := range clock.slept() {
				total += d
			}
			if (tt.minWait == 0) != (total == 0) || total < tt.minWait {
				t.Errorf("waited %v for 7 requests, want at least %v (and none with a key)", total, tt.minWait)
			}
			for _, k := range srv.APIKeys() {
				if k != tt.key {
					t.Errorf("apiKey header %q, want %q", k, tt.key)
				}
			}
		})
	}
}

func TestSyncRefusesBadConfig(t *testing.T) {
	srv := feedtest.NewServer(t)
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string
	}{
		{"plain http to the internet", func(c *Config) { c.KEVURL = "http://192.0.2.1/kev.json" }, "refusing plain http"},
		{"another scheme", func(c *Config) { c.EPSSURL = "ftp://127.0.0.1/epss.csv.gz" }, `scheme "ftp"`},
		{"unknown source", func(c *Config) { c.Sources = []string{"osv"} }, `unknown source "osv"`},
		{"no directory", func(c *Config) { c.Dir = "" }, "no feed directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _ := newTestConfig(t, srv, date(2099, 3, 10))
			tt.edit(&cfg)
			if _, err := Sync(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	if n := len(srv.NVDQueries()) + srv.KEVRequests(); n != 0 {
		t.Errorf("%d requests made despite the configuration errors", n)
	}
}

func TestSyncSizeLimit(t *testing.T) {
	srv := feedtest.NewServer(t)
	cfg, _ := newTestConfig(t, srv, date(2099, 3, 10))
	cfg.MaxPageBytes, cfg.MaxFileBytes = 100, 100
	_, err := Sync(context.Background(), cfg)
	for _, src := range []string{"feed nvd", "feed kev", "feed epss"} {
		if err == nil || !strings.Contains(err.Error(), src+": GET") {
			t.Errorf("err = %v, want a size error for %s", err, src)
		}
	}
	if !errors.Is(err, errTooLarge) || len(srv.NVDQueries()) != 1 {
		t.Errorf("err = %v after %d NVD requests, want one oversized page, not retried", err, len(srv.NVDQueries()))
	}
}

func TestSyncKeepsGoodFilesOnBadDownloads(t *testing.T) {
	srv := feedtest.NewServer(t)
	cfg, _ := newTestConfig(t, srv, date(2099, 3, 10))
	cfg.Sources = []string{SourceKEV, SourceEPSS}
	if _, err := Sync(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	kevBefore, _ := os.ReadFile(filepath.Join(cfg.Dir, "kev.json"))
	srv.SetKEV([]byte(`{"title":"not a catalog"}`))
	srv.SetEPSS([]byte("cve,epss,percentile\nCVE-2099-0001,7,0.5\n"))
	_, err := Sync(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "not a CISA KEV catalog") || !strings.Contains(err.Error(), "not a probability") {
		t.Fatalf("err = %v, want both downloads rejected", err)
	}
	kevAfter, _ := os.ReadFile(filepath.Join(cfg.Dir, "kev.json"))
	if string(kevBefore) != string(kevAfter) {
		t.Error("a rejected download replaced kev.json")
	}
	if db, err := cve.Load(cfg.Dir); err != nil || db.Stats().EPSS.Count != 7 {
		t.Errorf("feed after rejected downloads: %v", err)
	}

	// A plain EPSS file replaces the gzipped one and removes it.
	srv.SetEPSS([]byte("cve,epss,percentile\nCVE-2099-0001,0.7,0.5\n"))
	res, err := Sync(context.Background(), cfg)
	if err == nil || res.EPSS.File != "epss.csv" {
		t.Fatalf("EPSS %+v, err %v (KEV is still bad)", res.EPSS, err)
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, "epss.csv.gz")); !os.IsNotExist(err) {
		t.Error("the stale epss.csv.gz was left beside the new epss.csv")
	}
}

func TestFullSyncRemovesOlderPages(t *testing.T) {
	srv := feedtest.NewServer(t)
	cfg, clock := newTestConfig(t, srv, date(2099, 3, 2))
	cfg.Sources = []string{SourceNVD}
	if _, err := Sync(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	srv.Modify("CVE-2099-0006", date(2099, 3, 5), func(map[string]any) {})
	clock.set(date(2099, 3, 10))
	if _, err := Sync(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(cfg.Dir, "nvd", "nvdcve-2.0-2098.json"), []byte(`{"vulnerabilities":[]}`), 0o644)
	os.WriteFile(filepath.Join(cfg.Dir, "nvd", ".tmp-leftover"), []byte("x"), 0o644)
	cfg.Full = true
	res, err := Sync(context.Background(), cfg)
	if err != nil || !res.NVD.Full {
		t.Fatalf("forced full sync: %+v, %v", res.NVD, err)
	}
	want := []string{"api-000003-w000-0000000.json.gz", "nvdcve-2.0-2098.json"}
	if got := pageFiles(t, cfg.Dir); !slices.Equal(got, want) {
		t.Errorf("nvd/ = %v, want %v", got, want)
	}
}

func TestReadState(t *testing.T) {
	st, err := ReadState(t.TempDir())
	if err != nil || st.NVD.Runs != 0 || !st.NVD.LastSync.IsZero() {
		t.Errorf("ReadState of a fresh directory = %+v, %v", st, err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "state.json"), []byte("{"), 0o644)
	if _, err := ReadState(dir); err == nil || !strings.Contains(err.Error(), "state.json") {
		t.Errorf("ReadState of a malformed file: %v", err)
	}
}
