package cve

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/fingerprint"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// The fixture testdata/feed-debian holds eight OpenSSH CVEs that NVD
// matches against 9.2p1 and Debian's tracker status of each in bookworm:
// fixed by deb12u1, u2, u3 and u5 (backported: patched in deb12u10), open
// (CVE-2023-51767), fixed only by the later deb12u11 (CVE-2099-2001),
// undetermined (CVE-2099-2002), and without a bookworm status
// (CVE-2099-2003).
const debianFixture = "testdata/feed-debian"

var (
	backported   = []string{"CVE-2023-38408", "CVE-2023-48795", "CVE-2024-6387", "CVE-2025-26465"}
	stillAtRisk  = []string{"CVE-2023-51767", "CVE-2099-2001", "CVE-2099-2002", "CVE-2099-2003"}
	allOpenSSH92 = sorted(append(slices.Clone(backported), stillAtRisk...))
)

func sorted(s []string) []string { slices.Sort(s); return s }

// detectSSH fingerprints a real SSH greeting served on loopback, so the
// test sees what service detection hands CVE matching.
func detectSSH(t *testing.T, banner string) result.Service {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(banner + "\r\n"))
			time.AfterFunc(2*time.Second, func() { c.Close() })
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	d := fingerprint.Detector{Timeout: 5 * time.Second}
	svc := d.Detect(context.Background(), fingerprint.Target{IP: netip.MustParseAddr("127.0.0.1")},
		result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen})
	if svc.Product != "OpenSSH" {
		t.Fatalf("Detect(%q) = %+v, want OpenSSH", banner, svc)
	}
	return svc
}

// nvdOnly copies the fixture's NVD files into a directory without the
// Debian tracker.
func nvdOnly(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(debianFixture, "nvd", "openssh.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "nvd"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nvd", "openssh.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func mustLoad(t *testing.T, dir string) *DB {
	t.Helper()
	db, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func byID(fs []result.Finding) map[string]result.Finding {
	m := map[string]result.Finding{}
	for _, f := range fs {
		m[strings.TrimPrefix(f.CheckID, "cve:")] = f
	}
	return m
}

func TestMatchDebianBackports(t *testing.T) {
	svc := detectSSH(t, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10")
	if svc.Extra[ExtraPackageVersion] != "1:9.2p1-2+deb12u10" || svc.Extra[ExtraDistroRelease] != "bookworm" {
		t.Fatalf("detected Extra %v, want the bookworm package version", svc.Extra)
	}
	db := mustLoad(t, debianFixture)
	fs := db.Match(svc)
	if got := ids(fs); !slices.Equal(got, stillAtRisk) {
		t.Fatalf("with the Debian tracker: %v, want %v (fixed by deb12u1..u5 dropped)", got, stillAtRisk)
	}
	m := byID(fs)
	for _, tt := range []struct {
		id         string
		confidence int
		evidence   string
		solution   string
	}{
		{"CVE-2023-51767", ConfidenceDistroTracker, "is open for openssh in bookworm (no fixed package yet, urgency unimportant); installed 1:9.2p1-2+deb12u10", "Debian has no fixed openssh package for bookworm yet"},
		{"CVE-2099-2001", ConfidenceDistroTracker, "fixed for openssh in bookworm by 1:9.2p1-2+deb12u11, urgency medium; the installed 1:9.2p1-2+deb12u10 is older", "upgrade the packages built from openssh to 1:9.2p1-2+deb12u11 or later"},
		{"CVE-2099-2002", ConfidenceDistroBanner, "may have backported the fix without changing the upstream version; Debian's security tracker has not determined whether openssh in bookworm is affected (status undetermined)", "install the distribution's security update"},
		{"CVE-2099-2003", ConfidenceDistroBanner, "Debian's security tracker has no status of CVE-2099-2003 for openssh in bookworm", "install the distribution's security update"},
	} {
		f := m[tt.id]
		if f.Confidence != tt.confidence {
			t.Errorf("%s confidence %d, want %d", tt.id, f.Confidence, tt.confidence)
		}
		if !strings.Contains(f.Evidence, tt.evidence) {
			t.Errorf("%s evidence %q, want it to contain %q", tt.id, f.Evidence, tt.evidence)
		}
		if !strings.Contains(f.Solution, tt.solution) {
			t.Errorf("%s solution %q, want it to contain %q", tt.id, f.Solution, tt.solution)
		}
	}

	// An older package: the fixes of deb12u3 and deb12u5 are missing.
	old := svc
	old.Extra = map[string]string{ExtraDistroID: "debian", ExtraDistroRelease: "bookworm", ExtraPackage: "openssh", ExtraPackageVersion: "1:9.2p1-2+deb12u2", ExtraDistro: "Debian-2+deb12u2"}
	m = byID(db.Match(old))
	for _, id := range []string{"CVE-2023-38408", "CVE-2023-48795"} {
		if _, ok := m[id]; ok {
			t.Errorf("deb12u2: %s reported, but deb12u2 has its fix", id)
		}
	}
	for id, fixed := range map[string]string{"CVE-2024-6387": "1:9.2p1-2+deb12u3", "CVE-2025-26465": "1:9.2p1-2+deb12u5"} {
		f, ok := m[id]
		if !ok || f.Confidence != ConfidenceDistroTracker || !strings.Contains(f.Solution, fixed) {
			t.Errorf("deb12u2: %s = %+v, want it confirmed by the tracker with fix %s", id, f, fixed)
		}
	}
}

func TestMatchDebianWithoutTracker(t *testing.T) {
	svc := detectSSH(t, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10")
	fs := mustLoad(t, nvdOnly(t)).Match(svc)
	if got := ids(fs); !slices.Equal(got, allOpenSSH92) {
		t.Fatalf("without the tracker: %v, want every upstream match %v", got, allOpenSSH92)
	}
	for _, f := range fs {
		if f.Confidence != ConfidenceDistroBanner || f.Confidence >= ConfidenceBanner {
			t.Errorf("%s confidence %d, want the lowered %d", f.CheckID, f.Confidence, ConfidenceDistroBanner)
		}
		if !strings.Contains(f.Evidence, "the distribution may have backported the fix") ||
			!strings.Contains(f.Evidence, "no Debian security tracker data is loaded") ||
			!strings.Contains(f.Evidence, "debian bookworm, package openssh 1:9.2p1-2+deb12u10") {
			t.Errorf("%s evidence %q, want the backport caveat and its reason", f.CheckID, f.Evidence)
		}
	}
}

func TestMatchDebianUnsettled(t *testing.T) {
	db := mustLoad(t, debianFixture)
	for _, tt := range []struct {
		banner, reason string
	}{
		{"SSH-2.0-OpenSSH_9.2p1 Debian-2", "the banner does not name the Debian release"},
		{"SSH-2.0-OpenSSH_9.2p1 Ubuntu-3ubuntu0.10", "only Debian's security tracker is supported, so Ubuntu's own security data was not consulted"},
		{"SSH-2.0-OpenSSH_9.2p1 Debian-2~bpo11+1", "Debian's security tracker has no status of"},
	} {
		fs := db.Match(detectSSH(t, tt.banner))
		if got := ids(fs); !slices.Equal(got, allOpenSSH92) {
			t.Errorf("%s: %v, want every upstream match %v", tt.banner, got, allOpenSSH92)
		}
		for _, f := range fs {
			if f.Confidence != ConfidenceDistroBanner || !strings.Contains(f.Evidence, tt.reason) {
				t.Errorf("%s: %s confidence %d evidence %q, want %d and %q", tt.banner, f.CheckID, f.Confidence, f.Evidence, ConfidenceDistroBanner, tt.reason)
			}
		}
	}
}

func TestMatchPlainOpenSSHIgnoresTracker(t *testing.T) {
	svc := detectSSH(t, "SSH-2.0-OpenSSH_9.2")
	with := mustLoad(t, debianFixture).Match(svc)
	without := mustLoad(t, nvdOnly(t)).Match(svc)
	if !reflect.DeepEqual(with, without) {
		t.Errorf("a non-distribution build matched differently with the Debian tracker loaded:\n%+v\n%+v", with, without)
	}
	if got := ids(with); !slices.Equal(got, allOpenSSH92) {
		t.Errorf("plain 9.2: %v, want %v", got, allOpenSSH92)
	}
	for _, f := range with {
		if f.Confidence != ConfidenceBanner || strings.Contains(f.Evidence, "Debian") || strings.Contains(f.Evidence, "istribution") {
			t.Errorf("%s confidence %d evidence %q, want a plain banner match", f.CheckID, f.Confidence, f.Evidence)
		}
	}
}

func TestLoadDebianTracker(t *testing.T) {
	db := mustLoad(t, debianFixture)
	st := db.Stats()
	want := DebianInfo{Packages: 3, CVEs: 10, Kept: 9}
	if !st.DebianLoaded || st.Debian != want {
		t.Errorf("Stats Debian = %+v loaded %v, want %+v", st.Debian, st.DebianLoaded, want)
	}
	if s, ok := db.DebianStatus("openssh", "CVE-2024-6387", "bookworm"); !ok || s != (DebianStatus{DebianResolved, "1:9.2p1-2+deb12u3", "high"}) {
		t.Errorf("DebianStatus(openssh, CVE-2024-6387, bookworm) = %+v %v", s, ok)
	}
	if s, ok := db.DebianStatus("openssh", "CVE-2024-6387", "bullseye"); !ok || s.FixedVersion != "0" {
		t.Errorf("bullseye, never affected: %+v %v", s, ok)
	}
	if _, ok := db.DebianStatus("linux", "CVE-2024-26581", "bookworm"); ok {
		t.Error("the linux package was kept, but no detected product maps to it")
	}
	if _, ok := db.DebianStatus("apache2", "CVE-2024-38476", "bookworm"); !ok {
		t.Error("apache2 was not kept")
	}
	if mustLoad(t, nvdOnly(t)).Stats().DebianLoaded {
		t.Error("DebianLoaded without a debian.json")
	}
}

func TestScanDebian(t *testing.T) {
	f, err := os.Open(filepath.Join(debianFixture, DebianFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := ScanDebian(f)
	if err != nil || info != (DebianInfo{Packages: 3, CVEs: 10}) {
		t.Errorf("ScanDebian = %+v, %v", info, err)
	}
	info, err = ScanDebian(strings.NewReader(`{"openssh":{"CVE-2024-0001":{"releases":{"bookworm":{"status":"resolved","fixed_version":"not a version"},"sid":{"status":"open"}}}}}`))
	if err != nil || info.Skipped != 1 || info.CVEs != 1 {
		t.Errorf("invalid fixed_version: %+v, %v; want it skipped", info, err)
	}
	for _, in := range []string{
		``,
		`[]`,
		`{"openssh":[]}`,
		`{"openssh":{"CVE-2024-0001":{"releases":[]}}}`,
		`{"openssh":{"CVE-2024-0001":{"releases":{"bookworm":{"status":1}}}}}`,
		`{"openssh":{"CVE-2024-0001":{"releases":{"bookworm":{"status":"resolved","fixed_version":1}}}}}`,
		`{"openssh":{}} {}`,
		`{"openssh":{"CVE-2024-0001":`,
		"\x1f\x8bnot gzip",
	} {
		if _, err := ScanDebian(strings.NewReader(in)); err == nil {
			t.Errorf("ScanDebian(%q): no error", in)
		}
	}
}

func TestDebianSource(t *testing.T) {
	for cpe, want := range map[string]string{
		app("openbsd", "openssh", "9.2p1"):       "openssh",
		app("apache", "http_server", "2.4.62"):   "apache2",
		app("f5", "nginx", "1.22.1"):             "nginx",
		app("php", "php", "8.2.7"):               "php8.2",
		app("postgresql", "postgresql", "15.8"):  "postgresql-15",
		app("postgresql", "postgresql", "9.6.1"): "",
		app("example", "unknown", "1.0"):         "",
	} {
		c, err := parseCPE(cpe)
		if err != nil {
			t.Fatal(err)
		}
		if got := debianSource(c, ParseVersion(c.attr(cpeVersion).value)); got != want {
			t.Errorf("debianSource(%s) = %q, want %q", cpe, got, want)
		}
		if want != "" && !keepDebianSource(want) {
			t.Errorf("keepDebianSource(%q) = false", want)
		}
	}
	if keepDebianSource("linux") || keepDebianSource("php") || keepDebianSource("phpmyadmin") {
		t.Error("keepDebianSource keeps packages no product maps to")
	}
}
