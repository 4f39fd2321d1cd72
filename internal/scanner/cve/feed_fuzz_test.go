package cve

import (
	"bytes"
	"compress/gzip"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Feed files come from the network (NVD, CISA, FIRST) or from an operator's
// mirror: whatever they hold, parsing must fail with an error, never panic,
// hang or keep nonsense.

// addFileSeeds adds the feed test files matching glob, decompressed and as
// they are. Files over 16 KiB are left out: the fuzzer spends its time
// minimizing inputs derived from large seeds instead of running new ones.
func addFileSeeds(f *testing.F, globs ...string) {
	for _, g := range globs {
		paths, _ := filepath.Glob(filepath.Join("testdata", g))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			if len(b) > 16<<10 {
				continue
			}
			f.Add(b)
			if strings.HasSuffix(p, ".gz") {
				zr, err := gzip.NewReader(bytes.NewReader(b))
				if err != nil {
					f.Fatal(err)
				}
				var plain bytes.Buffer
				if _, err := plain.ReadFrom(zr); err != nil {
					f.Fatal(err)
				}
				f.Add(plain.Bytes())
			}
		}
	}
}

var cveIDRE = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

func FuzzNVD(f *testing.F) {
	addFileSeeds(f, "feed/nvd/*", "feed-plain/nvd/*", "malformed/nvd/*")
	f.Add([]byte(`{"format":"NVD_CVE","version":"2.0","vulnerabilities":[]}`))
	f.Add([]byte(`{"format":"NVD_CVE","version":"2.0","vulnerabilities":[{"cve":{"id":"CVE-2024-0001","configurations":[{"nodes":[{"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:x:y:*:*:*:*:*:*:*:*","versionEndExcluding":"1.2"}]}]}]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		db := &DB{byID: map[string]int32{}, index: map[string][]int32{}}
		c := newCanon()
		_, err := newLoader().readNVD(bytes.NewReader(data), func(rec record) {
			if !cveIDRE.MatchString(rec.ID) {
				t.Fatalf("record with id %q", rec.ID)
			}
			c.record(&rec)
			db.add(rec)
		})
		if err != nil {
			return
		}
		db.buildIndex()
		// Whatever was indexed can be matched against without trouble.
		for _, s := range []string{"cpe:2.3:a:x:y:1.0:*:*:*:*:*:*:*", "cpe:2.3:a:*:*:*:*:*:*:*:*:*:*", "cpe:2.3:o:linux:linux_kernel:5.4:*:*:*:*:*:*:*"} {
			_ = db.Match(result.Service{Port: 80, Protocol: "TCP", Product: "y", Version: "1.0", CPE: []string{s}})
		}
	})
}

func FuzzKEV(f *testing.F) {
	addFileSeeds(f, "feed/kev.json", "feed-plain/kev.json.gz", "malformed/kev.json")
	f.Add([]byte(`{"title":"t","catalogVersion":"1","dateReleased":"2024-01-01T00:00:00Z","count":1,"vulnerabilities":[{"cveID":"CVE-2024-0001","dateAdded":"2024-01-01","dueDate":"2024-01-22"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, entries, err := readKEV(bytes.NewReader(data))
		if err != nil {
			return
		}
		if info.Count < len(entries) {
			t.Fatalf("count %d for %d entries", info.Count, len(entries))
		}
		for id := range entries {
			if !cveIDRE.MatchString(id) {
				t.Fatalf("KEV entry %q is not a CVE id", id)
			}
		}
	})
}

func FuzzEPSS(f *testing.F) {
	addFileSeeds(f, "feed/epss.csv.gz", "feed-plain/epss.csv")
	f.Add([]byte("#model_version:v2023.03.01,score_date:2024-01-01T00:00:00+0000\ncve,epss,percentile\nCVE-2024-0001,0.5,0.9\n"))
	f.Add([]byte("cve,epss,percentile\nCVE-2024-0001,1e-3,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, scores, err := readEPSS(bytes.NewReader(data), func(id string) (string, bool) { return id, true })
		if err != nil {
			return
		}
		for id, s := range scores {
			if !cveIDRE.MatchString(id) {
				t.Fatalf("EPSS score for %q", id)
			}
			if math.IsNaN(s.Score) || s.Score < 0 || s.Score > 1 || math.IsNaN(s.Percentile) || s.Percentile < 0 || s.Percentile > 1 {
				t.Fatalf("%s: score %v percentile %v out of [0, 1]", id, s.Score, s.Percentile)
			}
		}
	})
}

func FuzzDebianTracker(f *testing.F) {
	addFileSeeds(f, "feed-debian/debian.json")
	f.Add([]byte(`{"openssh":{"CVE-2024-6387":{"releases":{"bookworm":{"status":"resolved","fixed_version":"1:9.2p1-2+deb12u3","urgency":"high"}}}}}`))
	f.Add([]byte(`{"openssh":{"TEMP-0000000-1A2B3C":{"releases":{"sid":{"status":"open"}}},"CVE-2023-51767":{"releases":{"sid":{"status":"open","urgency":"unimportant"}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		info, entries, err := readDebian(bytes.NewReader(data), nil)
		if err != nil {
			return
		}
		if info.Kept != len(entries) || info.Kept > info.CVEs || info.CVEs < 0 || info.Skipped < 0 {
			t.Fatalf("info %+v for %d entries", info, len(entries))
		}
		var fixed []string
		for k, rels := range entries {
			if !cveIDRE.MatchString(k.cve) {
				t.Fatalf("entry %q of %q is not a CVE id", k.cve, k.source)
			}
			for _, r := range rels {
				if r.Status == DebianResolved {
					if !ValidDebianVersion(r.FixedVersion) {
						t.Fatalf("%s %s %s: kept fixed_version %q", k.source, k.cve, r.release, r.FixedVersion)
					}
					fixed = append(fixed, r.FixedVersion)
				}
			}
		}
		// The order of whatever versions the file holds is a consistent one.
		for i := range min(len(fixed), 8) {
			a, b := fixed[i], fixed[(i+1)%len(fixed)]
			if CompareDebianVersions(a, a) != 0 || CompareDebianVersions(a, b) != -CompareDebianVersions(b, a) {
				t.Fatalf("inconsistent order of %q and %q", a, b)
			}
		}
	})
}
