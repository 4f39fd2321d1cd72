package cve

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loadFixture(t *testing.T) *DB {
	t.Helper()
	db, err := Load("testdata/feed")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return db
}

func TestLoadFixtureFeed(t *testing.T) {
	db := loadFixture(t)
	st := db.Stats()
	want := Stats{
		CVEs:                  23, // 23 in the page + 1 in the gzipped yearly file − 1 rejected
		Rejected:              1,
		Matchable:             23,
		Superseded:            3,
		SkippedConfigurations: 1,
		NVDFiles:              3,
		NewestModified:        time.Date(2099, 2, 1, 0, 0, 0, 0, time.UTC),
		KEV:                   KEVInfo{Title: "CISA Catalog of Known Exploited Vulnerabilities", CatalogVersion: "2099.03.01", DateReleased: "2099-03-01T15:00:00.0000Z", Count: 2},
		EPSS:                  EPSSInfo{ModelVersion: "v2025.03.14", ScoreDate: "2099-03-01T12:55:00Z", Count: 4},
	}
	want.Products = st.Products // checked below
	if st != want {
		t.Errorf("Stats() =\n%+v\nwant\n%+v", st, want)
	}
	if st.Products < 15 {
		t.Errorf("Products = %d, want one index key per vulnerable vendor:product", st.Products)
	}
}

func TestLoadNewestRecordWins(t *testing.T) {
	db := loadFixture(t)
	if c, _ := db.Lookup("CVE-2099-1015"); c.Description != "Modified App before 2.0 (bounds corrected)." {
		t.Errorf("CVE-2099-1015: the later lastModified must win, got %q", c.Description)
	}
	if c, _ := db.Lookup("CVE-2099-1001"); strings.Contains(c.Description, "Stale") {
		t.Errorf("CVE-2099-1001: an older copy in a later file must not win, got %q", c.Description)
	}
	if c, ok := db.Lookup("CVE-2099-1014"); !ok || !c.Rejected {
		t.Errorf("CVE-2099-1014 = %+v, %v; want the rejected replacement", c, ok)
	}
	if _, ok := db.Lookup("CVE-2000-0001"); ok {
		t.Error("Lookup of an unknown id succeeded")
	}
}

func TestLoadRecordFields(t *testing.T) {
	db := loadFixture(t)
	c, ok := db.Lookup("CVE-2023-38408")
	if !ok {
		t.Fatal("CVE-2023-38408 missing")
	}
	if !strings.HasPrefix(c.Description, "The PKCS#11 feature") {
		t.Errorf("Description = %q, want the English one", c.Description)
	}
	if len(c.References) != maxReferences || c.References[0] != "https://www.openssh.com/txt/release-9.3p2" {
		t.Errorf("References = %v, want the first %d", c.References, maxReferences)
	}
	if len(c.CWEs) != 1 || c.CWEs[0] != "CWE-428" {
		t.Errorf("CWEs = %v", c.CWEs)
	}
	if !c.Published.Equal(time.Date(2023, 7, 20, 3, 15, 10, 170e6, time.UTC)) {
		t.Errorf("Published = %v", c.Published)
	}
	if c.EPSS == nil || c.EPSS.Score != 0.63122 || c.EPSS.Percentile != 0.98301 {
		t.Errorf("EPSS = %+v, want joined from epss.csv.gz", c.EPSS)
	}
	if c.KEV != nil {
		t.Errorf("KEV = %+v, want none", c.KEV)
	}
	k, _ := db.Lookup("CVE-2099-1001")
	if k.KEV == nil || k.KEV.DueDate != "2099-03-03" || k.KEV.RansomwareUse != "Known" {
		t.Errorf("CVE-2099-1001 KEV = %+v", k.KEV)
	}
	if _, ok := db.epss["CVE-2099-8888"]; ok {
		t.Error("EPSS scores of CVEs outside the NVD feed should not be kept")
	}
}

func TestLoadCVSSChoice(t *testing.T) {
	db := loadFixture(t)
	tests := []struct {
		id   string
		want CVSS
	}{
		{"CVE-2099-1001", CVSS{"3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "nvd@nist.gov"}},
		{"CVE-2099-1010", CVSS{"3.0", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", 9.1, "nvd@nist.gov"}},
		{"CVE-2099-1011", CVSS{"2.0", "AV:N/AC:L/Au:N/C:N/I:N/A:P", 5.0, "nvd@nist.gov"}},
		{"CVE-2099-1012", CVSS{"3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, "nvd@nist.gov"}},
		{"CVE-2099-1013", CVSS{}},
	}
	for _, tt := range tests {
		c, _ := db.Lookup(tt.id)
		if c.CVSS != tt.want {
			t.Errorf("%s CVSS = %+v, want %+v", tt.id, c.CVSS, tt.want)
		}
	}
}

func TestLoadGzipAndPlainVariants(t *testing.T) {
	db, err := Load("testdata/feed-plain")
	if err != nil {
		t.Fatal(err)
	}
	c, ok := db.Lookup("CVE-2099-1001")
	if !ok {
		t.Fatal("record from nvd/api-0000.json.gz missing")
	}
	if c.KEV == nil || c.EPSS == nil || c.EPSS.Score != 0.125 {
		t.Errorf("KEV %+v (kev.json.gz), EPSS %+v (epss.csv): want both joined", c.KEV, c.EPSS)
	}
}

func TestLoadMissingIsEmpty(t *testing.T) {
	for _, dir := range []string{filepath.Join(t.TempDir(), "absent"), t.TempDir()} {
		db, err := Load(dir)
		if err != nil {
			t.Fatalf("Load(%s): %v", dir, err)
		}
		if st := db.Stats(); st.CVEs != 0 || st.NVDFiles != 0 {
			t.Errorf("Stats() = %+v, want empty", st)
		}
	}
	var db *DB
	if db.Stats() != (Stats{}) || db.Match(svc("cpe:2.3:a:openbsd:openssh:8.9p1:*:*:*:*:*:*:*")) != nil {
		t.Error("a nil DB must be empty")
	}
}

func TestLoadPrefersNewerOfPlainAndGzip(t *testing.T) {
	dir := t.TempDir()
	kev := func(id string) string {
		return `{"title":"t","catalogVersion":"` + id + `","dateReleased":"d","count":1,"vulnerabilities":[{"cveID":"CVE-2099-0001"}]}`
	}
	writeFile(t, filepath.Join(dir, "kev.json"), kev("plain"))
	writeFile(t, filepath.Join(dir, "kev.json.gz"), gz(t, kev("gzip")))
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "kev.json.gz"), old, old); err != nil {
		t.Fatal(err)
	}
	db, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := db.Stats().KEV.CatalogVersion; got != "plain" {
		t.Errorf("catalog %q loaded, want the newer kev.json", got)
	}
}

func TestLoadSkipsTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "nvd", ".tmp-123.json"), "{broken")
	writeFile(t, filepath.Join(dir, "nvd", "notes.txt"), "not a feed file")
	if _, err := Load(dir); err != nil {
		t.Errorf("Load: %v, want temporary and foreign files ignored", err)
	}
}

func TestLoadMalformed(t *testing.T) {
	valid := `{"format":"NVD_CVE","version":"2.0","vulnerabilities":[]}`
	tests := []struct {
		name, file, content, wantErr string
	}{
		{"truncated JSON", "nvd/a.json", `{"format":"NVD_CVE","vulnerabilities":[{"cve":{"id":"CVE-2099-0001"`, "unexpected EOF"},
		{"legacy 1.1 feed", "nvd/a.json", `{"CVE_data_type":"CVE","CVE_Items":[]}`, "legacy NVD JSON 1.1"},
		{"wrong format", "nvd/a.json", `{"format":"CPE","vulnerabilities":[]}`, `format "CPE"`},
		{"wrong schema version", "nvd/a.json", `{"format":"NVD_CVE","version":"1.1","vulnerabilities":[]}`, `schema version "1.1"`},
		{"no vulnerabilities", "nvd/a.json", `{"format":"NVD_CVE"}`, "no vulnerabilities array"},
		{"trailing data", "nvd/a.json", valid + `{}`, "trailing data"},
		{"not an object", "nvd/a.json", `[]`, "found [ where { was expected"},
		{"record without id", "nvd/a.json", `{"vulnerabilities":[{"cve":{"id":""}}]}`, "want CVE-YYYY-NNNN"},
		{"bad timestamp", "nvd/a.json", `{"vulnerabilities":[{"cve":{"id":"CVE-2099-0001","lastModified":"yesterday"}}]}`, "lastModified"},
		{"bad operator", "nvd/a.json", `{"vulnerabilities":[{"cve":{"id":"CVE-2099-0001","configurations":[{"operator":"XOR","nodes":[]}]}}]}`, `operator "XOR"`},
		{"corrupt gzip", "nvd/a.json.gz", "\x1f\x8b\x08\x00garbage", "gzip"},
		{"kev not a catalog", "kev.json", `{"title":"x"}`, "not a CISA KEV catalog"},
		{"kev bad id", "kev.json", `{"vulnerabilities":[{"cveID":"GHSA-1"}]}`, `cveID "GHSA-1"`},
		{"kev bad JSON", "kev.json", `{"vulnerabilities":[`, "unexpected EOF"},
		{"epss bad header", "epss.csv", "cve,score\nCVE-2099-0001,0.1\n", "header"},
		{"epss bad score", "epss.csv", "cve,epss,percentile\nCVE-2099-0001,1.5,0.2\n", `"1.5" is not a probability`},
		{"epss bad id", "epss.csv", "#model_version:v1,score_date:x\ncve,epss,percentile\nfoo,0.1,0.2\n", `line 3: id "foo"`},
		{"epss short row", "epss.csv", "cve,epss,percentile\nCVE-2099-0001,0.1\n", "wrong number of fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.file)
			writeFile(t, path, tt.content)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("Load succeeded on a malformed file")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q, want the file name and %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadMalformedFixture(t *testing.T) {
	_, err := Load("testdata/malformed")
	if err == nil || !strings.Contains(err.Error(), filepath.Join("testdata", "malformed", "nvd", "truncated.json")) {
		t.Errorf("Load(testdata/malformed) error = %v, want one naming truncated.json", err)
	}
}

func TestScanFunctions(t *testing.T) {
	f, err := os.Open("testdata/feed/nvd/api-0000.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page, err := ScanNVD(f)
	if err != nil {
		t.Fatal(err)
	}
	if page.Count != 23 || page.TotalResults != 23 || page.Format != "NVD_CVE" || page.Version != "2.0" || page.Timestamp == "" {
		t.Errorf("ScanNVD = %+v", page)
	}
	yearly, err := os.ReadFile("testdata/feed/nvd/nvdcve-2.0-2099.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := ScanNVD(bytes.NewReader(yearly)); err != nil || p.Count != 1 {
		t.Errorf("ScanNVD(gzip) = %+v, %v", p, err)
	}
	if _, err := ScanNVD(strings.NewReader(`{"format":"NVD_CVE"}`)); err == nil {
		t.Error("ScanNVD accepted a document without vulnerabilities")
	}
	kev, _ := os.ReadFile("testdata/feed/kev.json")
	if info, err := ScanKEV(bytes.NewReader(kev)); err != nil || info.Count != 2 {
		t.Errorf("ScanKEV = %+v, %v", info, err)
	}
	if _, err := ScanKEV(strings.NewReader(`[]`)); err == nil {
		t.Error("ScanKEV accepted an array")
	}
	epss, _ := os.ReadFile("testdata/feed/epss.csv.gz")
	if info, err := ScanEPSS(bytes.NewReader(epss)); err != nil || info.Count != 4 || info.ModelVersion != "v2025.03.14" {
		t.Errorf("ScanEPSS = %+v, %v", info, err)
	}
	if _, err := ScanEPSS(strings.NewReader("cve,epss,percentile\nCVE-1,x,0\n")); err == nil {
		t.Error("ScanEPSS accepted a non-numeric score")
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func gz(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestLoadReportsTheBadFileAmongMany(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile("testdata/feed/nvd/api-0000.json")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		name := filepath.Join(dir, "nvd", "page-"+string(rune('a'+i))+".json")
		content := string(good)
		if i == 3 {
			content = content[:len(content)/2]
		}
		writeFile(t, name, content)
	}
	_, err = Load(dir)
	if err == nil || !strings.Contains(err.Error(), "page-d.json") {
		t.Errorf("Load = %v, want an error naming page-d.json", err)
	}
}
