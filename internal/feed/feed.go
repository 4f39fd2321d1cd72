// Package feed downloads the vulnerability feed that package cve loads: NVD
// CVE records through the NVD CVE API 2.0, the CISA Known Exploited
// Vulnerabilities catalog and the FIRST EPSS scores.
//
// NVD records are fetched in pages of up to 2,000 and written as
// nvd/api-<run>-w<window>-<startIndex>.json.gz, each page atomically. The
// first sync downloads everything; later syncs ask only for records modified
// since the last complete sync (lastModStartDate/lastModEndDate, in windows
// of at most 120 days, NVD's limit). Incremental pages are merged at load
// time: cve.Load keeps the copy of a CVE with the newest lastModified, so no
// file is ever rewritten. A full sync (the first one, or one forced with
// Config.Full) deletes the pages of earlier runs once it completes.
//
// Progress is saved in state.json after every page: a sync that is
// interrupted (crash, cancellation, NVD outage) resumes from the next page.
// NVD's rate limit (5 requests in a rolling 30 s window, 50 with an API
// key) is respected, and 403/429/5xx answers are retried with exponential
// backoff.
//
// Outbound HTTP is https only, except to loopback addresses (tests) or with
// Config.AllowHTTP; every response has a size limit and every request a
// timeout. Two syncs must not run on the same directory at once.
package feed

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Default source URLs: the public endpoints.
const (
	DefaultNVDURL  = "https://services.nvd.nist.gov/rest/json/cves/2.0"
	DefaultKEVURL  = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
	DefaultEPSSURL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"
)

// Source names for Config.Sources.
const (
	SourceNVD  = "nvd"
	SourceKEV  = "kev"
	SourceEPSS = "epss"
)

// Defaults for the zero values of Config.
const (
	DefaultPageSize     = 2000 // NVD's maximum resultsPerPage
	DefaultMaxPageBytes = 256 << 20
	DefaultMaxFileBytes = 64 << 20
	DefaultMaxRetries   = 5
	DefaultBackoff      = 6 * time.Second // NVD asks clients to pause about 6 s between requests
	DefaultMaxBackoff   = 2 * time.Minute
	DefaultRateWindow   = 30 * time.Second
	nvdWindowMax        = 120 * 24 * time.Hour
	maxEPSSUncompressed = 1 << 30
)

// DefaultDir returns the feed directory used when none is given:
// "feeds" under $PERIMETER_DATA_DIR, else data/feeds under the working
// directory (the same default `perimeter scan` reads).
func DefaultDir() string {
	if d := os.Getenv("PERIMETER_DATA_DIR"); d != "" {
		return filepath.Join(d, "feeds")
	}
	return filepath.Join("data", "feeds")
}

// Config says what Sync downloads and how. Only Dir is required.
type Config struct {
	Dir                     string
	NVDURL, KEVURL, EPSSURL string   // empty: the Default… URLs
	APIKey                  string   // NVD API key, sent in the apiKey header
	Sources                 []string // SourceNVD, SourceKEV, SourceEPSS; empty: all
	Full                    bool     // download all of NVD again, not only changes
	AllowHTTP               bool     // permit plain http to non-loopback hosts

	HTTPClient   *http.Client // nil: a client with connect, header and overall timeouts
	PageSize     int          // NVD resultsPerPage; 0: DefaultPageSize
	MaxPageBytes int64        // per NVD page; 0: DefaultMaxPageBytes
	MaxFileBytes int64        // KEV and EPSS; 0: DefaultMaxFileBytes

	// RequestsPerWindow NVD requests are allowed per RateWindow; 0 means
	// NVD's published limit (5, or 50 with an API key) per 30 s.
	RequestsPerWindow int
	RateWindow        time.Duration
	MaxRetries        int           // 0: DefaultMaxRetries; negative: none
	Backoff           time.Duration // first retry delay, doubled each time; 0: DefaultBackoff
	MaxBackoff        time.Duration // 0: DefaultMaxBackoff

	Now   func() time.Time                           // nil: time.Now
	Sleep func(context.Context, time.Duration) error // nil: a timer that ctx cancels
	Log   func(format string, args ...any)           // progress; nil: silent
}

// Result reports what a Sync did.
type Result struct {
	NVD  NVDResult
	KEV  FileResult
	EPSS FileResult
}

// NVDResult reports the NVD part of a sync.
type NVDResult struct {
	Ran     bool
	Full    bool      // a full download rather than an incremental one
	Resumed bool      // continued an interrupted run
	Windows int       // lastModified windows of the run
	Pages   int       // pages fetched by this call
	CVEs    int       // CVE records fetched by this call
	Through time.Time // NVD is mirrored up to this instant
}

// FileResult reports the KEV or EPSS part of a sync.
type FileResult struct {
	Ran         bool
	NotModified bool // the server said the file had not changed
	File        string
	Bytes       int64
	Records     int
}

// Sync downloads the sources into cfg.Dir and records its progress there.
// Every source is attempted even if an earlier one fails; the returned error
// joins the failures. Configuration errors (an unknown source, a URL the
// policy refuses) are returned before any request is made. Cancelling ctx
// stops the sync; the next one resumes where it stopped.
func Sync(ctx context.Context, cfg Config) (Result, error) {
	s, err := newSyncer(cfg)
	if err != nil {
		return Result{}, err
	}
	var res Result
	var errs []error
	if s.wants(SourceNVD) {
		res.NVD, err = s.syncNVD(ctx)
		errs = append(errs, wrap(SourceNVD, err))
	}
	if s.wants(SourceKEV) {
		res.KEV, err = s.syncFile(ctx, SourceKEV, s.cfg.KEVURL, &s.state.KEV)
		errs = append(errs, wrap(SourceKEV, err))
	}
	if s.wants(SourceEPSS) {
		res.EPSS, err = s.syncFile(ctx, SourceEPSS, s.cfg.EPSSURL, &s.state.EPSS)
		errs = append(errs, wrap(SourceEPSS, err))
	}
	return res, errors.Join(errs...)
}

func wrap(source string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("feed %s: %w", source, err)
}

// syncer is one Sync call's working state.
type syncer struct {
	cfg     Config
	state   State
	fetch   *fetcher
	limiter *windowLimiter
}

func newSyncer(cfg Config) (*syncer, error) {
	if cfg.Dir == "" {
		return nil, errors.New("feed: no feed directory")
	}
	for _, src := range cfg.Sources {
		if src != SourceNVD && src != SourceKEV && src != SourceEPSS {
			return nil, fmt.Errorf("feed: unknown source %q (want %s, %s or %s)", src, SourceNVD, SourceKEV, SourceEPSS)
		}
	}
	setDefault(&cfg.NVDURL, DefaultNVDURL)
	setDefault(&cfg.KEVURL, DefaultKEVURL)
	setDefault(&cfg.EPSSURL, DefaultEPSSURL)
	for _, raw := range []string{cfg.NVDURL, cfg.KEVURL, cfg.EPSSURL} {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("feed: %w", err)
		}
		if err := checkURL(u, cfg.AllowHTTP); err != nil {
			return nil, fmt.Errorf("feed: %w", err)
		}
	}
	setDefault(&cfg.PageSize, DefaultPageSize)
	cfg.PageSize = min(cfg.PageSize, DefaultPageSize)
	setDefault(&cfg.MaxPageBytes, DefaultMaxPageBytes)
	setDefault(&cfg.MaxFileBytes, DefaultMaxFileBytes)
	setDefault(&cfg.MaxRetries, DefaultMaxRetries)
	cfg.MaxRetries = max(cfg.MaxRetries, 0)
	setDefault(&cfg.Backoff, DefaultBackoff)
	setDefault(&cfg.MaxBackoff, DefaultMaxBackoff)
	setDefault(&cfg.RateWindow, DefaultRateWindow)
	if cfg.RequestsPerWindow == 0 {
		cfg.RequestsPerWindow = 5
		if cfg.APIKey != "" {
			cfg.RequestsPerWindow = 50
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepContext
	}
	if cfg.Log == nil {
		cfg.Log = func(string, ...any) {}
	}
	if err := os.MkdirAll(filepath.Join(cfg.Dir, "nvd"), 0o755); err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	st, err := ReadState(cfg.Dir)
	if err != nil {
		return nil, err
	}
	return &syncer{
		cfg:   cfg,
		state: st,
		fetch: &fetcher{
			client:     newHTTPClient(cfg.HTTPClient, cfg.AllowHTTP),
			allowHTTP:  cfg.AllowHTTP,
			maxRetries: cfg.MaxRetries,
			backoff:    cfg.Backoff,
			maxBackoff: cfg.MaxBackoff,
			sleep:      cfg.Sleep,
			logf:       cfg.Log,
			userAgent:  "perimeter-feed-sync",
		},
		limiter: &windowLimiter{n: cfg.RequestsPerWindow, window: cfg.RateWindow, now: cfg.Now, sleep: cfg.Sleep},
	}, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func (s *syncer) wants(src string) bool {
	return len(s.cfg.Sources) == 0 || slices.Contains(s.cfg.Sources, src)
}

func (s *syncer) save() error {
	return writeState(s.cfg.Dir, &s.state)
}
