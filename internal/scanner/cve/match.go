package cve

import (
	"cmp"
	"regexp"
	"slices"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// ExtraVersionSource is the result.Service.Extra key that says where the
// service's version came from. Match trusts VersionSourcePackage more than a
// banner; any other value (or none) is treated as a banner.
const ExtraVersionSource = "version_source"

// Values of Extra[ExtraVersionSource].
const (
	VersionSourceBanner  = "banner"  // read from a banner or protocol greeting
	VersionSourcePackage = "package" // read from the installed package (authenticated inventory)
)

// Confidence of a CVE finding (0–100, like Greenbone's quality of detection).
// A version read from a banner is the upstream version, while distributions
// backport fixes without changing it: a distribution-tagged banner
// ("OpenSSH_8.9p1 Ubuntu-3ubuntu0.6", "Apache/2.4.41 (Ubuntu)") is the least
// reliable, a package inventory the most.
const (
	ConfidenceDistroBanner = 40
	ConfidenceBanner       = 60
	ConfidencePackage      = 80
	// ConfidencePlatformPenalty is subtracted when a configuration also
	// requires a platform or companion product the scan cannot confirm.
	ConfidencePlatformPenalty = 15
)

// distroPattern finds distribution packaging in a version or banner.
var distroPattern = regexp.MustCompile(`(?i)ubuntu|debian|\+deb\d|\bdeb\d|freebsd|\bel\d|\.el\d|\bfc\d\d|\.fc\d\d|centos|red ?hat|rhel|rocky|almalinux|suse|sles|alpine|amzn|raspbian`)

// distroReleases are OS CPEs whose version is a distribution release
// ("ubuntu_linux:22.04"): matching them as the vulnerable product would
// report every CVE ever fixed in that release, patched or not, so they only
// confirm platform criteria.
var distroReleases = map[string]bool{
	"canonical:ubuntu_linux": true, "debian:debian_linux": true, "fedoraproject:fedora": true,
	"redhat:enterprise_linux": true, "centos:centos": true, "opensuse:leap": true,
	"suse:linux_enterprise_server": true, "rockylinux:rocky_linux": true, "almalinux:almalinux": true,
	"oracle:linux": true, "amazon:linux": true, "alpinelinux:alpine_linux": true,
}

// Match returns one finding per CVE whose NVD configurations match the
// service's CPEs (svc.CPE, CPE 2.3 formatted strings or 2.2 URIs; unparsable
// ones are ignored). A CPE whose version is ANY takes svc.Version when it is
// the application (part "a"). Services without a known version match
// nothing: reporting every CVE of a product would bury the real ones.
// When the service shows a Debian package version and the Debian security
// tracker is loaded, the tracker settles each match: CVEs fixed by the
// installed package are left out (see distro.go). Findings are ordered by
// CVSS score, highest first, then by CVE id. A nil DB matches nothing.
func (db *DB) Match(svc result.Service) []result.Finding {
	if db == nil || len(db.records) == 0 {
		return nil
	}
	ts := serviceTargets(svc)
	pkg := packageOf(svc)
	var out []result.Finding
	for _, i := range db.candidates(ts) {
		r := &db.records[i]
		o, ok := r.match(ts)
		if !ok {
			continue
		}
		v := db.distroVerdict(pkg, o.hit.target, r.ID)
		if v.kind == distroPatched {
			continue // the distribution backported the fix (distro.go)
		}
		out = append(out, db.finding(svc, r, o, v))
	}
	slices.SortFunc(out, func(a, b result.Finding) int {
		return cmp.Or(cmp.Compare(b.CVSSScore, a.CVSSScore), strings.Compare(a.CheckID, b.CheckID))
	})
	return out
}

// serviceTargets parses the service's CPEs and attaches their versions.
func serviceTargets(svc result.Service) []target {
	var ts []target
	primary := true
	for _, s := range svc.CPE {
		c, err := parseCPE(s)
		if err != nil {
			continue
		}
		t := target{cpe: c}
		isApp := c.attr(cpePart).kind == attrValue && c.attr(cpePart).value == "a"
		switch v := c.attr(cpeVersion); v.kind {
		case attrValue:
			t.version = ParseVersion(v.value)
			if u := c.attr(cpeUpdate); u.kind == attrValue {
				t.version = t.version.withUpdate(u.value)
			}
		case attrNA:
			t.versionNA = true
		case attrAny:
			if isApp && primary && svc.Version != "" {
				t.version = ParseVersion(svc.Version)
			}
		}
		t.hasVersion = !t.version.IsZero()
		key, ok := c.productKey()
		t.matchable = ok && (t.hasVersion || t.versionNA) && !distroReleases[key]
		t.primary = isApp && primary
		if isApp {
			primary = false
		}
		ts = append(ts, t)
	}
	return ts
}

// candidates returns the records indexed under the products of the
// matchable targets, plus records with wildcard criteria.
func (db *DB) candidates(ts []target) []int32 {
	var out []int32
	lookup := false
	for i := range ts {
		if !ts[i].matchable {
			continue
		}
		key, _ := ts[i].cpe.productKey()
		lookup = true
		out = append(out, db.index[key]...)
	}
	if !lookup {
		return nil
	}
	out = append(out, db.wild...)
	slices.Sort(out)
	return slices.Compact(out)
}

// ExtraDistro is the result.Service.Extra key where service detection puts
// a packaging tag found after the version ("Ubuntu-3ubuntu0.6").
const ExtraDistro = "distro"

// confidence rates the match; see the Confidence constants. Distribution
// packaging shows in the version's tag, the service's version or banner, or
// Extra[ExtraDistro].
func confidence(svc result.Service, t *target, o outcome) (int, bool) {
	distro := distroPattern.MatchString(t.version.Tag())
	if t.primary {
		for _, s := range []string{svc.Version, svc.Banner, svc.Extra[ExtraDistro]} {
			distro = distro || distroPattern.MatchString(s)
		}
	}
	c := ConfidenceBanner
	switch {
	case svc.Extra[ExtraVersionSource] == VersionSourcePackage:
		c = ConfidencePackage
	case distro:
		c = ConfidenceDistroBanner
	}
	if o.value == triUnknown {
		c -= ConfidencePlatformPenalty
	}
	return c, distro
}
