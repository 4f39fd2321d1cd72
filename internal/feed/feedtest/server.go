// Package feedtest runs a fake NVD CVE API 2.0, CISA KEV and FIRST EPSS
// server on loopback, serving small fixture files in the real formats, so
// feed sync tests never touch the internet. The NVD endpoint implements the
// parts of the API that sync relies on: startIndex/resultsPerPage paging,
// lastModStartDate/lastModEndDate filtering with NVD's rules (both or
// neither, at most 120 days, errors in a "message" header), and the apiKey
// header. Faults (error statuses, an outage after some pages) can be
// injected.
package feedtest

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

//go:embed testdata
var fixtures embed.FS

// Paths served. EPSSPath redirects to a dated file, as the real one does.
const (
	NVDPath  = "/rest/json/cves/2.0"
	KEVPath  = "/kev.json"
	EPSSPath = "/epss_scores-current.csv.gz"
)

// maxWindow is NVD's limit on a lastModified range.
const maxWindow = 120 * 24 * time.Hour

// Server is the fake feed server. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server

	mu         sync.Mutex
	records    []record // ordered by id, like a stable NVD listing
	kev, epss  []byte
	faults     []fault
	pagesLeft  int // NVD pages served before an outage; -1: no outage
	queries    []url.Values
	apiKeys    []string
	kevQueries int
}

type record struct {
	id      string
	lastMod time.Time
	item    json.RawMessage // {"cve":{…}}
}

type fault struct {
	status     int
	retryAfter string
}

// NewServer starts a server on 127.0.0.1 with the embedded fixtures (seven
// CVEs modified between 2098-06-01 and 2099-03-01, a one-entry KEV catalog
// and gzipped EPSS scores). It is closed when the test ends.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{pagesLeft: -1}
	page, err := fixtures.ReadFile("testdata/nvd.json")
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct {
		Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(page, &doc); err != nil {
		tb.Fatal(err)
	}
	for _, item := range doc.Vulnerabilities {
		r, err := parseRecord(item)
		if err != nil {
			tb.Fatal(err)
		}
		s.records = append(s.records, r)
	}
	if s.kev, err = fixtures.ReadFile("testdata/kev.json"); err != nil {
		tb.Fatal(err)
	}
	if s.epss, err = fixtures.ReadFile("testdata/epss.csv.gz"); err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+NVDPath, s.serveNVD)
	mux.HandleFunc("GET "+KEVPath, s.serveKEV)
	mux.HandleFunc("GET "+EPSSPath, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/epss_scores-2099-03-01.csv.gz", http.StatusFound)
	})
	mux.HandleFunc("GET /epss_scores-2099-03-01.csv.gz", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		body := s.epss
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/gzip")
		w.Write(body)
	})
	s.Server = httptest.NewServer(mux)
	tb.Cleanup(s.Close)
	return s
}

func parseRecord(item json.RawMessage) (record, error) {
	var v struct {
		CVE struct {
			ID           string `json:"id"`
			LastModified string `json:"lastModified"`
		} `json:"cve"`
	}
	if err := json.Unmarshal(item, &v); err != nil {
		return record{}, err
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.000", v.CVE.LastModified, time.UTC)
	if err != nil {
		return record{}, fmt.Errorf("%s: %w", v.CVE.ID, err)
	}
	return record{id: v.CVE.ID, lastMod: t, item: item}, nil
}

// NVDURL is the NVD CVE API endpoint to give feed.Config.
func (s *Server) NVDURL() string { return s.URL + NVDPath }

// KEVURL is the KEV catalog URL to give feed.Config.
func (s *Server) KEVURL() string { return s.URL + KEVPath }

// EPSSURL is the EPSS scores URL to give feed.Config; it redirects.
func (s *Server) EPSSURL() string { return s.URL + EPSSPath }

// Records returns how many CVE records the server holds.
func (s *Server) Records() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records)
}

// FailNext makes the next n NVD requests answer status (with a Retry-After
// header when retryAfter is not empty).
func (s *Server) FailNext(n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status, retryAfter})
	}
}

// BreakAfter lets n more NVD pages through, then answers 503 to every NVD
// request until Repair.
func (s *Server) BreakAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pagesLeft = n
}

// Repair ends an outage started by BreakAfter.
func (s *Server) Repair() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pagesLeft = -1
}

// Modify replaces CVE id with an edited copy last modified at lastMod,
// as NVD does when it reanalyses a CVE. edit changes the decoded "cve"
// object. It returns an error if the id is unknown.
func (s *Server) Modify(id string, lastMod time.Time, edit func(cve map[string]any)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.records, func(r record) bool { return r.id == id })
	if i < 0 {
		return fmt.Errorf("feedtest: no record %s", id)
	}
	var item map[string]map[string]any
	if err := json.Unmarshal(s.records[i].item, &item); err != nil {
		return err
	}
	item["cve"]["lastModified"] = lastMod.UTC().Format("2006-01-02T15:04:05.000")
	edit(item["cve"])
	b, err := json.Marshal(item)
	if err != nil {
		return err
	}
	s.records[i] = record{id: id, lastMod: lastMod.UTC(), item: b}
	return nil
}

// SetKEV replaces the KEV catalog served.
func (s *Server) SetKEV(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kev = b
}

// SetEPSS replaces the EPSS file served; the bytes (gzipped or plain) are
// sent as they are.
func (s *Server) SetEPSS(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epss = b
}

// NVDQueries returns the query of every NVD request received, in order.
func (s *Server) NVDQueries() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.queries)
}

// APIKeys returns the apiKey header of every NVD request received.
func (s *Server) APIKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.apiKeys)
}

// KEVRequests returns how many KEV requests were received.
func (s *Server) KEVRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kevQueries
}

func (s *Server) serveNVD(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	s.queries = append(s.queries, q)
	s.apiKeys = append(s.apiKeys, r.Header.Get("apiKey"))
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.WriteHeader(f.status)
		return
	}
	if s.pagesLeft == 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	start, err1 := intParam(q, "startIndex", 0)
	per, err2 := intParam(q, "resultsPerPage", 2000)
	if err1 != nil || err2 != nil || start < 0 || per < 1 {
		nvdError(w, "Invalid startIndex or resultsPerPage parameter")
		return
	}
	per = min(per, 2000)
	selected, msg := s.filter(q)
	if msg != "" {
		nvdError(w, msg)
		return
	}
	end := min(start+per, len(selected))
	items := []json.RawMessage{}
	for _, rec := range selected[min(start, end):end] {
		items = append(items, rec.item)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"resultsPerPage": len(items), "startIndex": start, "totalResults": len(selected),
		"format": "NVD_CVE", "version": "2.0", "timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000"),
		"vulnerabilities": items,
	})
	if s.pagesLeft > 0 {
		s.pagesLeft--
	}
}

// filter applies lastModStartDate/lastModEndDate with NVD's rules; msg is
// the error NVD would report.
func (s *Server) filter(q url.Values) (selected []record, msg string) {
	from, to := q.Get("lastModStartDate"), q.Get("lastModEndDate")
	if from == "" && to == "" {
		return s.records, ""
	}
	if from == "" || to == "" {
		return nil, "Both lastModStartDate and lastModEndDate are required when either is present"
	}
	start, err1 := parseTime(from)
	end, err2 := parseTime(to)
	if err1 != nil || err2 != nil {
		return nil, "Invalid lastModStartDate or lastModEndDate format"
	}
	if end.Sub(start) > maxWindow {
		return nil, "The lastMod date range must not exceed 120 days"
	}
	for _, r := range s.records {
		if !r.lastMod.Before(start) && !r.lastMod.After(end) {
			selected = append(selected, r)
		}
	}
	return selected, ""
}

func (s *Server) serveKEV(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.kevQueries++
	body := s.kev
	s.mu.Unlock()
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05.000-07:00", time.RFC3339Nano, "2006-01-02T15:04:05.000"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q", s)
}

func intParam(q url.Values, name string, def int) (int, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}

// nvdError answers like NVD does for a bad request: 404 with the reason in
// a "message" header.
func nvdError(w http.ResponseWriter, msg string) {
	w.Header().Set("message", msg)
	w.WriteHeader(http.StatusNotFound)
}
