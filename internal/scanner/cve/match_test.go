package cve

import (
	"slices"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

func svc(cpes ...string) result.Service {
	return result.Service{Port: 443, Protocol: result.TCP, State: result.PortOpen, CPE: cpes}
}

func app(vendor, product, version string) string {
	return "cpe:2.3:a:" + vendor + ":" + product + ":" + version + ":*:*:*:*:*:*:*"
}

func ids(fs []result.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, strings.TrimPrefix(f.CheckID, "cve:"))
	}
	slices.Sort(out)
	return out
}

func TestMatchTable(t *testing.T) {
	db := loadFixture(t)
	withVersion := func(s result.Service, v string) result.Service { s.Version = v; return s }
	tests := []struct {
		name string
		svc  result.Service
		want []string
	}{
		// versionEndExcluding plus exact versions with a CPE update component.
		{"openssh below the range end", svc(app("openbsd", "openssh", "8.9p1")), []string{"CVE-2023-38408"}},
		{"openssh 9.3 matches 9.3:-", svc(app("openbsd", "openssh", "9.3")), []string{"CVE-2023-38408"}},
		{"openssh 9.3p1 matches 9.3:p1", svc(app("openbsd", "openssh", "9.3p1")), []string{"CVE-2023-38408"}},
		{"openssh NVD-style update component", svc("cpe:2.3:a:openbsd:openssh:9.3:p1:*:*:*:*:*:*"), []string{"CVE-2023-38408"}},
		{"openssh 9.3p2 is fixed", svc(app("openbsd", "openssh", "9.3p2")), nil},
		{"openssh 9.3:p2 is fixed", svc("cpe:2.3:a:openbsd:openssh:9.3:p2:*:*:*:*:*:*"), nil},
		{"openssh version from the service", withVersion(svc(app("openbsd", "openssh", "*")), "8.9p1 Ubuntu-3ubuntu0.6"), []string{"CVE-2023-38408"}},
		{"openssh CPE 2.2 URI", svc("cpe:/a:openbsd:openssh:8.9p1"), []string{"CVE-2023-38408"}},
		{"no version known", svc(app("openbsd", "openssh", "*")), nil},
		{"unparsable service CPE", svc("garbage"), nil},
		// All four bounds.
		{"startIncluding lower edge", svc(app("example", "rangeapp", "2.0")), []string{"CVE-2099-1001"}},
		{"endExcluding inside", svc(app("example", "rangeapp", "2.4.57")), []string{"CVE-2099-1001"}},
		{"endExcluding edge", svc(app("example", "rangeapp", "2.4.58")), nil},
		{"between the two ranges", svc(app("example", "rangeapp", "1.9")), nil},
		{"startExcluding edge", svc(app("example", "rangeapp", "1.0")), nil},
		{"startExcluding inside", svc(app("example", "rangeapp", "1.0.1")), []string{"CVE-2099-1002"}},
		{"endIncluding edge", svc(app("example", "rangeapp", "1.5")), []string{"CVE-2099-1002"}},
		{"endIncluding above", svc(app("example", "rangeapp", "1.5.1")), nil},
		{"pre-release below the lower edge", svc(app("example", "rangeapp", "2.0-rc1")), nil},
		// AND with a platform node.
		{"platform unconfirmed", svc(app("example", "webapp", "2.0")), []string{"CVE-2099-1003"}},
		{"platform confirmed", svc(app("example", "webapp", "2.0"), "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"), []string{"CVE-2099-1003"}},
		{"application fixed", svc(app("example", "webapp", "3.0"), "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"), nil},
		{"companion unconfirmed", svc(app("example", "pluginhost", "1.0")), []string{"CVE-2099-1004"}},
		{"companion in range", svc(app("example", "pluginhost", "1.0"), app("example", "runtime", "5.1")), []string{"CVE-2099-1004"}},
		{"companion out of range", svc(app("example", "pluginhost", "1.0"), app("example", "runtime", "4.0")), nil},
		// negate.
		{"negated node excludes 3.5", svc(app("example", "negapp", "3.5")), nil},
		{"negated node keeps 3.4", svc(app("example", "negapp", "3.4")), []string{"CVE-2099-1005"}},
		{"negate outside range", svc(app("example", "negapp", "4.0")), nil},
		// Escapes and wildcards.
		{"escaped vendor and product", svc(`cpe:2.3:a:example\.org:web\:app:1.0:*:*:*:*:*:*:*`), []string{"CVE-2099-1006"}},
		{"escapes are case-insensitive", svc(`cpe:2.3:a:Example\.ORG:Web\:App:1.0:*:*:*:*:*:*:*`), []string{"CVE-2099-1006"}},
		{"unescaped colon is another product", svc(`cpe:2.3:a:example\.org:web:app:1.0:*:*:*:*:*:*`), nil},
		{"product wildcard", svc(app("example", "wildcat", "0.9")), []string{"CVE-2099-1007"}},
		{"product wildcard out of range", svc(app("example", "wildcat", "1.0")), nil},
		{"product wildcard other name", svc(app("example", "tame", "0.9")), nil},
		// NA.
		{"NA version matches NA", svc(app("example", "naapp", "-")), []string{"CVE-2099-1008"}},
		{"NA version rejects a version", svc(app("example", "naapp", "1.0")), nil},
		{"update NA matches no update", svc(app("example", "updapp", "2.0")), []string{"CVE-2099-1020"}},
		{"update NA rejects p1", svc(app("example", "updapp", "2.0p1")), nil},
		// Multiple configurations are OR'd.
		{"first configuration", svc(app("example", "multi", "0.9")), []string{"CVE-2099-1009"}},
		{"neither configuration", svc(app("example", "multi", "1.5")), nil},
		{"second configuration", svc(app("example", "multi", "2.0.5")), []string{"CVE-2099-1009"}},
		{"above both", svc(app("example", "multi", "2.1")), nil},
		// AND inside one node.
		{"AND node inside", svc(app("example", "andapp", "1.5")), []string{"CVE-2099-1016"}},
		{"AND node below", svc(app("example", "andapp", "0.5")), nil},
		{"AND node above", svc(app("example", "andapp", "2.0")), nil},
		// Qualifiers.
		{"target_sw unknown matches", svc(app("example", "plugin", "1.0")), []string{"CVE-2099-1019"}},
		{"target_sw same", svc("cpe:2.3:a:example:plugin:1.0:*:*:*:*:wordpress:*:*"), []string{"CVE-2099-1019"}},
		{"target_sw different", svc("cpe:2.3:a:example:plugin:1.0:*:*:*:*:joomla:*:*"), nil},
		// Feed merging and odd records.
		{"rejected CVE never matches", svc(app("example", "rejapp", "1.0")), nil},
		{"modified bounds win", svc(app("example", "modapp", "1.5")), []string{"CVE-2099-1015"}},
		{"stale copy ignored", svc(app("example", "rangeapp", "2.1")), []string{"CVE-2099-1001"}},
		{"valid configuration beside a skipped one", svc(app("example", "skipapp", "1.0")), []string{"CVE-2099-1018"}},
		{"gzipped yearly file", svc(app("example", "gzapp", "0.9")), []string{"CVE-2099-2001"}},
		{"distribution release OS is not matched", svc("cpe:2.3:o:canonical:ubuntu_linux:22.04:*:*:*:lts:*:*:*"), nil},
		{"distribution release beside an application", svc(app("example", "mixapp", "5.0"), "cpe:2.3:o:canonical:ubuntu_linux:22.04:*:*:*:lts:*:*:*"), nil},
		{"application beside a distribution release", svc(app("example", "mixapp", "0.5"), "cpe:2.3:o:canonical:ubuntu_linux:22.04:*:*:*:lts:*:*:*"), []string{"CVE-2099-1022"}},
		{"version fallback only for the application", withVersion(svc("cpe:2.3:o:example:rangeapp:*:*:*:*:*:*:*:*"), "2.1"), nil},
		{"version of an unrelated product", svc(app("example", "unrelated", "1.0")), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(db.Match(tt.svc)); !slices.Equal(got, tt.want) {
				t.Errorf("Match(%v) = %v, want %v", tt.svc.CPE, got, tt.want)
			}
		})
	}
}

func TestMatchFinding(t *testing.T) {
	db := loadFixture(t)
	s := result.Service{Port: 22, Protocol: result.TCP, Service: "ssh", Product: "OpenSSH", Version: "8.9p1",
		CPE: []string{app("openbsd", "openssh", "8.9p1")}, Banner: "SSH-2.0-OpenSSH_8.9p1"}
	fs := db.Match(s)
	if len(fs) != 1 {
		t.Fatalf("Match = %v, want one finding", ids(fs))
	}
	f := fs[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"CheckID", f.CheckID, "cve:CVE-2023-38408"},
		{"Title", f.Title, "CVE-2023-38408: OpenSSH 8.9p1 — The PKCS#11 feature in ssh-agent in OpenSSH before 9.3p2 has an insufficiently trustworthy search…"},
		{"Solution", f.Solution, "Upgrade OpenSSH to a release later than 9.3p1."},
		{"CVSSVector", f.CVSSVector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		{"CVSSScore", f.CVSSScore, 9.8},
		{"Severity", f.Severity, result.SeverityCritical},
		{"CVEs", strings.Join(f.CVEs, ","), "CVE-2023-38408"},
		{"Port", f.Port, 22},
		{"Protocol", f.Protocol, "tcp"},
		{"Service", f.Service, "ssh"},
		{"CPE", f.CPE, app("openbsd", "openssh", "8.9p1")},
		{"Confidence", f.Confidence, ConfidenceBanner},
		{"PCIFail", f.PCIFail, true},
		{"PCIAutoFail", f.PCIAutoFail, false},
		{"DoSOnly", f.DoSOnly, false},
		{"KEV", f.KEV, false},
		{"EPSS", f.EPSS, 0.63122},
		{"first reference", f.References[0], "https://nvd.nist.gov/vuln/detail/CVE-2023-38408"},
		{"references", len(f.References), maxReferences + 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	for _, want := range []string{"cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*", "versionEndExcluding 9.3", "version 8.9p1", "CVSS v3.1 base score 9.8", "EPSS 0.6312"} {
		if !strings.Contains(f.Evidence, want) {
			t.Errorf("Evidence %q lacks %q", f.Evidence, want)
		}
	}
	if !strings.HasPrefix(f.Description, "The PKCS#11 feature") {
		t.Errorf("Description = %q", f.Description)
	}
}

func TestMatchConfidence(t *testing.T) {
	db := loadFixture(t)
	ssh := func(version, banner string, extra map[string]string) result.Service {
		s := svc(app("openbsd", "openssh", "*"))
		s.Product, s.Version, s.Banner, s.Extra = "OpenSSH", version, banner, extra
		return s
	}
	tests := []struct {
		name string
		svc  result.Service
		want int
	}{
		{"plain banner", ssh("8.9p1", "SSH-2.0-OpenSSH_8.9p1", nil), ConfidenceBanner},
		{"distribution tag in the version", ssh("8.9p1 Ubuntu-3ubuntu0.6", "", nil), ConfidenceDistroBanner},
		{"distribution tag in the banner", ssh("8.9p1", "SSH-2.0-OpenSSH_8.9p1 Debian-2+deb12u3", nil), ConfidenceDistroBanner},
		{"distribution tag from service detection", ssh("8.9p1", "", map[string]string{ExtraDistro: "Ubuntu-3ubuntu0.6"}), ConfidenceDistroBanner},
		{"a comment that is no distribution", ssh("8.9p1", "", map[string]string{ExtraDistro: "hpn14v15"}), ConfidenceBanner},
		{"package inventory", ssh("8.9p1", "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6", map[string]string{ExtraVersionSource: VersionSourcePackage}), ConfidencePackage},
		{"platform unconfirmed", svc(app("example", "webapp", "2.0")), ConfidenceBanner - ConfidencePlatformPenalty},
		{"platform confirmed", svc(app("example", "webapp", "2.0"), "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"), ConfidenceBanner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := db.Match(tt.svc)
			if len(fs) != 1 {
				t.Fatalf("Match = %v, want one finding", ids(fs))
			}
			if fs[0].Confidence != tt.want {
				t.Errorf("Confidence = %d, want %d (evidence: %s)", fs[0].Confidence, tt.want, fs[0].Evidence)
			}
		})
	}
	distro := db.Match(ssh("8.9p1 Ubuntu-3ubuntu0.6", "", nil))[0]
	if !strings.Contains(distro.Solution, "backport") || !strings.Contains(distro.Evidence, "backported") {
		t.Errorf("distribution caveat missing: solution %q, evidence %q", distro.Solution, distro.Evidence)
	}
	if !strings.HasPrefix(distro.Title, "CVE-2023-38408: OpenSSH 8.9p1 — ") {
		t.Errorf("Title = %q, want the version without the distribution tag", distro.Title)
	}
	unconfirmed := db.Match(svc(app("example", "webapp", "2.0")))[0]
	if !strings.Contains(unconfirmed.Evidence, "cpe:2.3:o:microsoft:windows:-") {
		t.Errorf("Evidence %q should name the unconfirmed platform", unconfirmed.Evidence)
	}
}

func TestMatchSolutionAndScores(t *testing.T) {
	db := loadFixture(t)
	tests := []struct {
		cpe                       string
		id, solution, vector, sev string
		score                     float64
		pciFail, dosOnly, kev     bool
	}{
		{app("example", "rangeapp", "2.1"), "CVE-2099-1001", "Upgrade rangeapp to 2.4.58 or later.", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", result.SeverityCritical, 9.8, true, false, true},
		{app("example", "rangeapp", "1.2"), "CVE-2099-1002", "Upgrade rangeapp to a release later than 1.5.", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", result.SeverityMedium, 5.3, true, false, false},
		{app("example", "andapp", "1.5"), "CVE-2099-1016", "Upgrade andapp to 2.0 or later.", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N", result.SeverityLow, 3.3, false, false, false},
		{app("example", "wildcat", "0.5"), "CVE-2099-1007", "Upgrade wildcat to 1.0 or later.", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", result.SeverityHigh, 7.5, false, true, false},
		{app("example", "cvss2", "1.0"), "CVE-2099-1011", "Upgrade cvss2 to a release later than 1.0.", "AV:N/AC:L/Au:N/C:N/I:N/A:P", result.SeverityMedium, 5.0, false, true, false},
		{app("example", "cvss30", "1.0"), "CVE-2099-1010", "Upgrade cvss30 to a release later than 1.0.", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", result.SeverityCritical, 9.1, true, false, false},
		{app("example", "unscored", "1.0"), "CVE-2099-1013", "Upgrade unscored to a release later than 1.0.", "", result.SeverityInfo, 0, false, false, false},
		{app("example", "branchapp", "2.2.10"), "CVE-2099-1021", "Upgrade branchapp to 2.2.34 or later.", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", result.SeverityHigh, 7.5, true, false, false},
		{app("example", "branchapp", "2.4.10"), "CVE-2099-1021", "Upgrade branchapp to 2.4.58 or later.", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", result.SeverityHigh, 7.5, true, false, false},
		{app("example", "naapp", "-"), "CVE-2099-1008", "No fixed release of naapp is recorded for CVE-2099-1008: apply the vendor's mitigation or restrict access to the service.", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N", result.SeverityMedium, 6.5, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.cpe, func(t *testing.T) {
			fs := db.Match(svc(tt.cpe))
			if len(fs) != 1 || fs[0].CheckID != "cve:"+tt.id {
				t.Fatalf("Match(%s) = %v, want %s", tt.cpe, ids(fs), tt.id)
			}
			f := fs[0]
			if !strings.HasPrefix(f.Solution, tt.solution) {
				t.Errorf("Solution = %q, want prefix %q", f.Solution, tt.solution)
			}
			if f.CVSSVector != tt.vector || f.CVSSScore != tt.score || f.Severity != tt.sev {
				t.Errorf("CVSS = %q %v %s, want %q %v %s", f.CVSSVector, f.CVSSScore, f.Severity, tt.vector, tt.score, tt.sev)
			}
			if f.PCIFail != tt.pciFail || f.DoSOnly != tt.dosOnly || f.KEV != tt.kev || f.PCIAutoFail {
				t.Errorf("PCIFail %v DoSOnly %v KEV %v PCIAutoFail %v, want %v %v %v false", f.PCIFail, f.DoSOnly, f.KEV, f.PCIAutoFail, tt.pciFail, tt.dosOnly, tt.kev)
			}
		})
	}
	kev := db.Match(svc(app("example", "rangeapp", "2.1")))[0]
	if !strings.Contains(kev.Evidence, "CISA KEV: added 2099-02-10, remediation due 2099-03-03") || !strings.Contains(kev.Solution, "CISA KEV required action") {
		t.Errorf("KEV details missing: evidence %q solution %q", kev.Evidence, kev.Solution)
	}
	if kev.EPSS != 0.975 {
		t.Errorf("EPSS = %v", kev.EPSS)
	}
}

func TestMatchOrdersBySeverity(t *testing.T) {
	db := loadFixture(t)
	// rangeapp 2.0 hits 1001 (9.8) only; add the CPEs of two products to
	// get several findings for one service.
	fs := db.Match(svc(app("example", "rangeapp", "1.2"), app("example", "multi", "0.9"), app("example", "rangeapp", "2.1")))
	got := ids(fs)
	if !slices.Equal(got, []string{"CVE-2099-1001", "CVE-2099-1002", "CVE-2099-1009"}) {
		t.Fatalf("Match = %v", got)
	}
	for i := 1; i < len(fs); i++ {
		if fs[i-1].CVSSScore < fs[i].CVSSScore {
			t.Errorf("findings not ordered by score: %v before %v", fs[i-1].CVSSScore, fs[i].CVSSScore)
		}
	}
}
