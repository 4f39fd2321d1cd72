package fingerprint

import (
	"regexp"
	"strings"
)

// Distribution facts derived from the packaging tag (Extra "distro"), so
// CVE matching can tell a distribution's patched build from the upstream
// release it is named after. Only what the tag proves is recorded:
//
//	distro_id        "debian", "ubuntu" or "raspbian" (os-release ID)
//	distro_release   codename when the tag reveals it: "+deb12u10" is
//	                 bookworm, "~bpo12+1" bookworm-backports, "0ubuntu0.22.04.1"
//	                 jammy; for Ubuntu's OpenSSH, the upstream version names
//	                 the release ("8.9p1" is only in jammy)
//	package          Debian source package of the product ("openssh")
//	package_version  the installed package version ("1:9.2p1-2+deb12u10"),
//	                 when the banner carries the package revision
//
// Apache, nginx, Postfix and Dovecot name only the distribution
// ("(Debian)"), so they get distro_id alone.

// debianPackages are the products whose banner carries the Debian package
// revision, with their source package and epoch (part of the version,
// never shown in banners). An epoch must be known exactly: with a missing
// one every installed version would look older than its fixes.
var debianPackages = map[string]struct{ source, epoch string }{
	"OpenSSH": {"openssh", "1:"},
}

var (
	debianReleaseRe   = regexp.MustCompile(`[+~]deb([0-9]+)(?:u[0-9]+)?`)
	backportReleaseRe = regexp.MustCompile(`~bpo([0-9]+)`)
	ubuntuReleaseRe   = regexp.MustCompile(`ubuntu[0-9]+\.([0-9]{2}\.[0-9]{2})(?:[^0-9]|$)|~([0-9]{2}\.[0-9]{2})(?:[^0-9]|$)`)
	// packageRevisionRe is OpenSSH's Debian/Ubuntu banner comment:
	// "Debian-2+deb12u10", "Ubuntu-3ubuntu0.10", "Raspbian-10+deb10u2".
	packageRevisionRe = regexp.MustCompile(`^(?i:debian|ubuntu|raspbian)-([0-9][0-9A-Za-z+.~]*)$`)
)

// debianCodenames names Debian releases by major version.
var debianCodenames = map[string]string{
	"7": "wheezy", "8": "jessie", "9": "stretch", "10": "buster", "11": "bullseye",
	"12": "bookworm", "13": "trixie", "14": "forky",
}

// ubuntuCodenames names Ubuntu releases by version.
var ubuntuCodenames = map[string]string{
	"14.04": "trusty", "16.04": "xenial", "18.04": "bionic", "20.04": "focal",
	"22.04": "jammy", "23.10": "mantic", "24.04": "noble", "24.10": "oracular",
	"25.04": "plucky", "25.10": "questing",
}

// ubuntuOpenSSH is the Ubuntu release that ships each OpenSSH upstream
// version; versions shipped by two releases (9.0p1: kinetic and lunar) are
// left out.
var ubuntuOpenSSH = map[string]string{
	"6.6.1p1": "trusty", "7.2p2": "xenial", "7.6p1": "bionic", "8.2p1": "focal",
	"8.9p1": "jammy", "9.3p1": "mantic", "9.6p1": "noble", "9.7p1": "oracular", "9.9p1": "plucky",
}

// packageUpstream corrects banners whose upstream version is not the
// package's: Ubuntu trusty's openssh 1:6.6p1 announces 6.6.1p1, and
// Debian trixie's 1:10.0p1 carries upstream's 10.0p2 fix and announces it.
// A version taken from the banner there would sort after the fixes.
var packageUpstream = map[[2]string]string{
	{"trusty", "6.6.1p1"}: "6.6p1",
	{"trixie", "10.0p2"}:  "10.0p1",
}

// distroFacts sets the distro_* and package* facts from Extra "distro".
// It only adds keys, so running it twice changes nothing.
func (m *Match) distroFacts() {
	tag := m.Extra["distro"]
	id := distroID(tag)
	if id == "" {
		return
	}
	m.set("distro_id", id)
	release := distroRelease(id, tag)
	if p, ok := debianPackages[m.Product]; ok && m.Version != "" {
		if sm := packageRevisionRe.FindStringSubmatch(tag); sm != nil {
			if release == "" && id == "ubuntu" && m.Product == "OpenSSH" {
				release = ubuntuOpenSSH[m.Version]
			}
			upstream := m.Version
			if u, ok := packageUpstream[[2]string{release, upstream}]; ok {
				upstream = u
			}
			m.set("package", p.source)
			m.set("package_version", p.epoch+upstream+"-"+sm[1])
		}
	}
	m.set("distro_release", release)
}

// distroID names the distribution a packaging tag belongs to, or "" when
// it names none this package tells apart.
func distroID(tag string) string {
	lower := strings.ToLower(tag)
	switch {
	case tag == "":
		return ""
	case strings.Contains(lower, "raspbian"):
		return "raspbian"
	case strings.Contains(lower, "ubuntu"):
		return "ubuntu"
	case strings.Contains(lower, "debian"), debianReleaseRe.MatchString(lower), backportReleaseRe.MatchString(lower):
		return "debian"
	}
	return ""
}

// distroRelease returns the release codename a tag reveals, or "".
func distroRelease(id, tag string) string {
	switch id {
	case "debian", "raspbian":
		if sm := backportReleaseRe.FindStringSubmatch(tag); sm != nil && debianCodenames[sm[1]] != "" {
			return debianCodenames[sm[1]] + "-backports"
		}
		if sm := debianReleaseRe.FindStringSubmatch(tag); sm != nil {
			return debianCodenames[sm[1]]
		}
	case "ubuntu":
		if sm := ubuntuReleaseRe.FindStringSubmatch(tag); sm != nil {
			return ubuntuCodenames[sm[1]+sm[2]]
		}
	}
	return ""
}
