package cve

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// syntheticProducts is how many vendor:product pairs the synthetic feed
// spreads its CVEs over (the real NVD has tens of thousands).
const syntheticProducts = 2000

// writeSyntheticFeed writes n CVEs shaped like NVD API 2.0 records (English
// and Spanish descriptions, v3.1 and v2 metrics, weaknesses, references,
// one or two configurations, some with an AND platform node) as API pages
// of 2,000 records, and returns the bytes written.
func writeSyntheticFeed(tb testing.TB, dir string, n int) int64 {
	tb.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "nvd"), 0o755); err != nil {
		tb.Fatal(err)
	}
	desc := strings.Repeat("A crafted request to the affected component can trigger an out-of-bounds write. ", 4)
	var total int64
	for start := 0; start < n; start += 2000 {
		count := min(2000, n-start)
		f, err := os.Create(filepath.Join(dir, "nvd", fmt.Sprintf("api-%07d.json", start)))
		if err != nil {
			tb.Fatal(err)
		}
		w := bufio.NewWriter(f)
		fmt.Fprintf(w, `{"resultsPerPage":%d,"startIndex":%d,"totalResults":%d,"format":"NVD_CVE","version":"2.0","timestamp":"2099-01-01T00:00:00.000","vulnerabilities":[`, count, start, n)
		for i := start; i < start+count; i++ {
			if i > start {
				w.WriteString(",")
			}
			p := i % syntheticProducts
			fmt.Fprintf(w, `{"cve":{"id":"CVE-2090-%06d","sourceIdentifier":"cve@mitre.org","published":"2090-01-01T00:00:00.000","lastModified":"2090-02-01T00:00:00.000","vulnStatus":"Analyzed","cveTags":[],`, i)
			fmt.Fprintf(w, `"descriptions":[{"lang":"en","value":"Product%d %s"},{"lang":"es","value":"Producto%d %s"}],`, p, desc, p, desc)
			w.WriteString(`"metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8,"baseSeverity":"CRITICAL","attackVector":"NETWORK","attackComplexity":"LOW","privilegesRequired":"NONE","userInteraction":"NONE","scope":"UNCHANGED","confidentialityImpact":"HIGH","integrityImpact":"HIGH","availabilityImpact":"HIGH"},"exploitabilityScore":3.9,"impactScore":5.9}],`)
			w.WriteString(`"cvssMetricV2":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"2.0","vectorString":"AV:N/AC:L/Au:N/C:P/I:P/A:P","baseScore":7.5},"baseSeverity":"HIGH","exploitabilityScore":10.0,"impactScore":6.4,"acInsufInfo":false}]},`)
			w.WriteString(`"weaknesses":[{"source":"nvd@nist.gov","type":"Primary","description":[{"lang":"en","value":"CWE-787"}]}],"configurations":[`)
			fmt.Fprintf(w, `{"nodes":[{"operator":"OR","negate":false,"cpeMatch":[`+
				`{"vulnerable":true,"criteria":"cpe:2.3:a:vendor%d:product%d:*:*:*:*:*:*:*:*","versionStartIncluding":"%d.0","versionEndExcluding":"%d.%d.%d","matchCriteriaId":"5F6A1C8E-0000-4000-8000-%012d"},`+
				`{"vulnerable":true,"criteria":"cpe:2.3:a:vendor%d:product%d:%d.%d:*:*:*:*:*:*:*","matchCriteriaId":"5F6A1C8E-0000-4000-8001-%012d"}]}`,
				p, p, i%5, i%5, i%10, i%7+1, i, p, p, i%5+5, i%3, i)
			if i%5 == 0 {
				w.WriteString(`,{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":false,"criteria":"cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*","matchCriteriaId":"5F6A1C8E-0000-4000-8002-000000000001"}]}],"operator":"AND"}`)
			} else {
				w.WriteString(`]}`)
			}
			if i%3 == 0 {
				fmt.Fprintf(w, `,{"nodes":[{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:vendor%d:product%d:*:*:*:*:*:*:*:*","versionEndIncluding":"%d.%d","matchCriteriaId":"5F6A1C8E-0000-4000-8003-%012d"}]}]}`, (p+1)%syntheticProducts, (p+1)%syntheticProducts, i%4, i%9, i)
			}
			w.WriteString(`],"references":[`)
			for r := range 5 {
				if r > 0 {
					w.WriteString(",")
				}
				fmt.Fprintf(w, `{"url":"https://vendor%d.example/advisories/%d-%d","source":"cve@mitre.org","tags":["Vendor Advisory","Patch"]}`, p, i, r)
			}
			w.WriteString(`]}}`)
		}
		w.WriteString("]}\n")
		if err := w.Flush(); err != nil {
			tb.Fatal(err)
		}
		info, _ := f.Stat()
		total += info.Size()
		f.Close()
	}
	return total
}

// BenchmarkLoad50k measures Load of a synthetic 50,000-CVE NVD feed and
// reports the heap the loaded DB retains.
func BenchmarkLoad50k(b *testing.B) {
	dir := b.TempDir()
	size := writeSyntheticFeed(b, dir, 50000)
	b.ReportAllocs()
	var db *DB
	var retained uint64
	for b.Loop() {
		db = nil
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var err error
		if db, err = Load(dir); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		retained = after.HeapAlloc - min(before.HeapAlloc, after.HeapAlloc)
	}
	if db.Stats().CVEs != 50000 {
		b.Fatalf("loaded %d CVEs", db.Stats().CVEs)
	}
	b.ReportMetric(float64(retained)/1e6, "retained-MB")
	b.ReportMetric(float64(size)/1e6, "feed-MB")
}

// BenchmarkMatch50k measures one Match against the synthetic 50k feed.
func BenchmarkMatch50k(b *testing.B) {
	dir := b.TempDir()
	writeSyntheticFeed(b, dir, 50000)
	db, err := Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	s := result.Service{Port: 80, Protocol: result.TCP, CPE: []string{"cpe:2.3:a:vendor42:product42:2.1:*:*:*:*:*:*:*"}}
	if len(db.Match(s)) == 0 {
		b.Fatal("the benchmark service matches nothing")
	}
	b.ReportAllocs()
	for b.Loop() {
		db.Match(s)
	}
}

// TestSyntheticFeedLoads keeps the benchmark's generator honest at a small
// size: every record loads and is indexed.
func TestSyntheticFeedLoads(t *testing.T) {
	dir := t.TempDir()
	writeSyntheticFeed(t, dir, 2500)
	db, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	st := db.Stats()
	if st.CVEs != 2500 || st.NVDFiles != 2 || st.Matchable != 2500 || st.Products != syntheticProducts {
		t.Errorf("Stats() = %+v", st)
	}
}
