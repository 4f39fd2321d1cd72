package cve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// NVDPage summarises one NVD CVE API 2.0 document (an API response page or a
// yearly nvdcve-2.0-*.json file).
type NVDPage struct {
	ResultsPerPage int
	StartIndex     int
	TotalResults   int
	Format         string // "NVD_CVE"
	Version        string // "2.0"
	Timestamp      string
	Count          int // CVE records in the document
}

// ScanNVD reads one NVD CVE API 2.0 document, plain or gzipped, checking
// every record the way Load does, and returns its summary. It returns an
// error for malformed JSON or gzip, trailing data, a format other than
// NVD_CVE, a schema version other than 2.x, a missing vulnerabilities array,
// or a record without a CVE id.
func ScanNVD(r io.Reader) (NVDPage, error) {
	return newLoader().readNVD(r, func(record) {})
}

// The subset of the NVD CVE API 2.0 schema that matching needs; encoding/json
// skips everything else without keeping it.
type nvdItem struct {
	CVE nvdCVE `json:"cve"`
}

type nvdCVE struct {
	ID           string      `json:"id"`
	Published    string      `json:"published"`
	LastModified string      `json:"lastModified"`
	VulnStatus   string      `json:"vulnStatus"`
	Descriptions []langValue `json:"descriptions"`
	Metrics      struct {
		V31 []nvdMetric `json:"cvssMetricV31"`
		V30 []nvdMetric `json:"cvssMetricV30"`
		V2  []nvdMetric `json:"cvssMetricV2"`
		V40 []nvdMetric `json:"cvssMetricV40"`
	} `json:"metrics"`
	Weaknesses []struct {
		Description []langValue `json:"description"`
	} `json:"weaknesses"`
	Configurations []nvdConfig `json:"configurations"`
	References     []struct {
		URL string `json:"url"`
	} `json:"references"`
}

type langValue struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

type nvdMetric struct {
	Source   string `json:"source"`
	Type     string `json:"type"`
	CVSSData struct {
		Version      string  `json:"version"`
		VectorString string  `json:"vectorString"`
		BaseScore    float64 `json:"baseScore"`
	} `json:"cvssData"`
}

type nvdConfig struct {
	Operator string    `json:"operator"`
	Negate   bool      `json:"negate"`
	Nodes    []nvdNode `json:"nodes"`
}

type nvdNode struct {
	Operator string        `json:"operator"`
	Negate   bool          `json:"negate"`
	CPEMatch []nvdCPEMatch `json:"cpeMatch"`
}

type nvdCPEMatch struct {
	Vulnerable            bool   `json:"vulnerable"`
	Criteria              string `json:"criteria"`
	VersionStartIncluding string `json:"versionStartIncluding"`
	VersionStartExcluding string `json:"versionStartExcluding"`
	VersionEndIncluding   string `json:"versionEndIncluding"`
	VersionEndExcluding   string `json:"versionEndExcluding"`
}

// loader carries what a load shares across files: interned strings (the
// same criteria and bounds repeat thousands of times in a full mirror) and
// counters.
type loader struct {
	strs    map[string]string
	cpes    map[string]*cpeName
	limits  map[versionBounds]*versionBounds
	skipped int
}

func newLoader() *loader {
	return &loader{strs: map[string]string{}, cpes: map[string]*cpeName{}, limits: map[versionBounds]*versionBounds{}}
}

// bounds returns a shared copy of b, or nil when b has no bound at all.
func (l *loader) bounds(b versionBounds) *versionBounds {
	if b == (versionBounds{}) {
		return nil
	}
	if p, ok := l.limits[b]; ok {
		return p
	}
	p := &b
	l.limits[b] = p
	return p
}

func (l *loader) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := l.strs[s]; ok {
		return v
	}
	l.strs[s] = s
	return s
}

func (l *loader) cpe(s string) (*cpeName, error) {
	if c, ok := l.cpes[s]; ok {
		return c, nil
	}
	c, err := parseCPE(s)
	if err != nil {
		return nil, err
	}
	l.cpes[s] = c
	return c, nil
}

// readNVD un-gzips r if needed, walks the top-level object token by token
// and decodes the vulnerabilities one at a time, so memory stays bounded by
// one record no matter how large the file is.
func (l *loader) readNVD(r io.Reader, add func(record)) (NVDPage, error) {
	var page NVDPage
	rc, err := maybeGunzip(r)
	if err != nil {
		return page, err
	}
	defer rc.Close()
	dec := json.NewDecoder(rc)
	fail := func(err error) (NVDPage, error) {
		return page, fmt.Errorf("at byte %d: %w", dec.InputOffset(), err)
	}
	if err := expectDelim(dec, '{'); err != nil {
		return fail(err)
	}
	sawVulns := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		switch key, _ := tok.(string); key {
		case "resultsPerPage":
			err = dec.Decode(&page.ResultsPerPage)
		case "startIndex":
			err = dec.Decode(&page.StartIndex)
		case "totalResults":
			err = dec.Decode(&page.TotalResults)
		case "timestamp":
			err = dec.Decode(&page.Timestamp)
		case "format":
			if err = dec.Decode(&page.Format); err == nil && page.Format != "NVD_CVE" {
				err = fmt.Errorf("format %q, want NVD_CVE", page.Format)
			}
		case "version":
			if err = dec.Decode(&page.Version); err == nil && !strings.HasPrefix(page.Version, "2.") {
				err = fmt.Errorf("schema version %q, want 2.x", page.Version)
			}
		case "CVE_Items":
			err = errors.New("legacy NVD JSON 1.1 feed; only the CVE API 2.0 schema is supported")
		case "vulnerabilities":
			sawVulns = true
			err = l.readVulnerabilities(dec, &page, add)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return fail(err)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return fail(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail(errors.New("trailing data after the document"))
	}
	if !sawVulns {
		return page, errors.New("no vulnerabilities array: not an NVD CVE API 2.0 document")
	}
	return page, nil
}

func (l *loader) readVulnerabilities(dec *json.Decoder, page *NVDPage, add func(record)) error {
	if err := expectDelim(dec, '['); err != nil {
		return err
	}
	for dec.More() {
		var item nvdItem
		if err := dec.Decode(&item); err != nil {
			return err
		}
		rec, err := l.convert(&item.CVE)
		if err != nil {
			return err
		}
		add(rec)
		page.Count++
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("found %v where %v was expected", tok, want)
	}
	return nil
}

// convert keeps what matching and findings need. A configuration with an
// unparsable criteria is dropped (and counted) rather than failing the file:
// one odd CPE should not disable every other CVE.
func (l *loader) convert(c *nvdCVE) (record, error) {
	if !validID(c.ID) {
		return record{}, fmt.Errorf("record with id %q, want CVE-YYYY-NNNN", c.ID)
	}
	published, err := parseNVDTime(c.Published)
	if err != nil {
		return record{}, fmt.Errorf("%s: published: %w", c.ID, err)
	}
	modified, err := parseNVDTime(c.LastModified)
	if err != nil {
		return record{}, fmt.Errorf("%s: lastModified: %w", c.ID, err)
	}
	cvss := pickCVSS(c)
	cvss.Version, cvss.Vector, cvss.Source = l.intern(cvss.Version), l.intern(cvss.Vector), l.intern(cvss.Source)
	r := record{CVE: CVE{
		ID:           c.ID,
		CVSS:         cvss,
		Published:    published,
		LastModified: modified,
		Rejected:     c.VulnStatus == "Rejected",
	}}
	for _, nc := range c.Configurations {
		cfg, err := l.configuration(&nc)
		if err != nil {
			var bad *badCriteriaError
			if errors.As(err, &bad) {
				l.skipped++
				continue
			}
			return record{}, fmt.Errorf("%s: %w", c.ID, err)
		}
		r.configs = append(r.configs, cfg)
	}
	if len(r.configs) == 0 || r.Rejected {
		// It can never match: keep only what merging needs, since a third
		// of recent CVEs await analysis and would otherwise cost memory.
		r.configs = nil
		return r, nil
	}
	r.Description = truncate(english(c.Descriptions), maxDescription)
	for _, w := range c.Weaknesses {
		for _, d := range w.Description {
			if strings.HasPrefix(d.Value, "CWE-") && !slices.Contains(r.CWEs, d.Value) {
				r.CWEs = append(r.CWEs, l.intern(d.Value))
			}
		}
	}
	for _, ref := range c.References {
		if len(r.References) == maxReferences {
			break
		}
		r.References = append(r.References, ref.URL)
	}
	return r, nil
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

type badCriteriaError struct{ err error }

func (e *badCriteriaError) Error() string { return e.err.Error() }

func (l *loader) configuration(nc *nvdConfig) (configuration, error) {
	and, err := operator(nc.Operator)
	if err != nil {
		return configuration{}, err
	}
	cfg := configuration{and: and, negate: nc.Negate, nodes: make([]node, 0, len(nc.Nodes))}
	for _, nn := range nc.Nodes {
		and, err := operator(nn.Operator)
		if err != nil {
			return configuration{}, err
		}
		n := node{and: and, negate: nn.Negate, entries: make([]entry, 0, len(nn.CPEMatch))}
		for _, m := range nn.CPEMatch {
			c, err := l.cpe(m.Criteria)
			if err != nil {
				return configuration{}, &badCriteriaError{err}
			}
			n.entries = append(n.entries, entry{
				cpe:        c,
				vulnerable: m.Vulnerable,
				bounds: l.bounds(versionBounds{
					startIncl: m.VersionStartIncluding, startExcl: m.VersionStartExcluding,
					endIncl: m.VersionEndIncluding, endExcl: m.VersionEndExcluding,
				}),
			})
		}
		cfg.nodes = append(cfg.nodes, n)
	}
	return cfg, nil
}

func operator(s string) (and bool, err error) {
	switch s {
	case "AND":
		return true, nil
	case "OR", "":
		return false, nil
	}
	return false, fmt.Errorf("operator %q, want AND or OR", s)
}

// pickCVSS prefers v3.1, then v3.0, then v2.0, then v4.0, and within a
// version NVD's own ("Primary") score over a CNA's.
func pickCVSS(c *nvdCVE) CVSS {
	for _, ms := range [][]nvdMetric{c.Metrics.V31, c.Metrics.V30, c.Metrics.V2, c.Metrics.V40} {
		if len(ms) == 0 {
			continue
		}
		m := ms[0]
		for _, cand := range ms {
			if cand.Type == "Primary" {
				m = cand
				break
			}
		}
		return CVSS{Version: m.CVSSData.Version, Vector: m.CVSSData.VectorString, Score: m.CVSSData.BaseScore, Source: m.Source}
	}
	return CVSS{}
}

func english(ds []langValue) string {
	for _, d := range ds {
		if d.Lang == "en" || strings.HasPrefix(d.Lang, "en-") {
			return d.Value
		}
	}
	if len(ds) > 0 {
		return ds[0].Value
	}
	return ""
}

// parseNVDTime reads NVD timestamps, which are UTC without a zone
// ("2023-07-20T03:15:10.170"); RFC 3339 is accepted too.
func parseNVDTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}
