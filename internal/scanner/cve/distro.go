package cve

import (
	"fmt"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Distributions backport security fixes into the upstream version they
// ship: OpenSSH 9.2p1 in Debian bookworm is 1:9.2p1-2+deb12u3 once the fix
// of a CVE that upstream fixed in 9.3 is in. NVD only knows upstream
// versions, so a match on the upstream version is a candidate that the
// distribution's own data settles, when the service shows its package
// version (fingerprint's package_version, from "OpenSSH_9.2p1
// Debian-2+deb12u10") and the Debian security tracker export is loaded:
//
//   - fixed in the service's release at a version ≤ the installed one
//     (or never affected, fixed_version "0"): no finding;
//   - open, or fixed in a later package version: a finding with
//     ConfidenceDistroTracker, whose solution names Debian's fixed package;
//   - anything else (no tracker loaded, the CVE or the release not in it,
//     undetermined, Ubuntu, no package revision or release in the banner):
//     the finding as before, with the distribution's lower confidence and
//     evidence saying why the tracker could not settle it.

// DebianFile is the name, in the feed directory, of the Debian security
// tracker export (optionally gzipped: DebianFile + ".gz").
const DebianFile = "debian.json"

// Keys of result.Service.Extra that service detection fills from a
// distribution's packaging tag (fingerprint's distro.go).
const (
	ExtraDistroID       = "distro_id"       // "debian", "ubuntu", "raspbian"
	ExtraDistroRelease  = "distro_release"  // "bookworm", "jammy", "bookworm-backports"
	ExtraPackage        = "package"         // Debian source package, "openssh"
	ExtraPackageVersion = "package_version" // "1:9.2p1-2+deb12u10"
)

// ConfidenceDistroTracker is the confidence of a finding the Debian
// security tracker confirms for the installed package version.
const ConfidenceDistroTracker = 80

// debianSources maps NVD vendor:product names to the Debian source package
// that ships the product. Products whose package name carries a version
// (php8.2, postgresql-15) are handled in debianSource.
var debianSources = map[string]string{
	"openbsd:openssh":                   "openssh",
	"apache:http_server":                "apache2",
	"f5:nginx":                          "nginx",
	"nginx:nginx":                       "nginx",
	"postfix:postfix":                   "postfix",
	"dovecot:dovecot":                   "dovecot",
	"beasts:vsftpd":                     "vsftpd",
	"openssl:openssl":                   "openssl",
	"proftpd:proftpd":                   "proftpd-dfsg",
	"exim:exim":                         "exim4",
	"sendmail:sendmail":                 "sendmail",
	"openbsd:opensmtpd":                 "opensmtpd",
	"cmu:cyrus_imap_server":             "cyrus-imapd",
	"dropbear_ssh_project:dropbear_ssh": "dropbear",
	"libssh:libssh":                     "libssh",
	"lighttpd:lighttpd":                 "lighttpd",
	"isc:bind":                          "bind9",
	"nlnetlabs:unbound":                 "unbound",
	"thekelleys:dnsmasq":                "dnsmasq",
	"ntp:ntp":                           "ntp",
	"ntpsec:ntpsec":                     "ntpsec",
	"net-snmp:net-snmp":                 "net-snmp",
	"openldap:openldap":                 "openldap",
	"redis:redis":                       "redis",
	"memcached:memcached":               "memcached",
	"mariadb:mariadb":                   "mariadb",
	"samba:samba":                       "samba",
}

var debianSourceSet = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range debianSources {
		m[s] = true
	}
	return m
}()

// debianSource returns the Debian source package of the product of c at
// version v, or "".
func debianSource(c *cpeName, v Version) string {
	key, ok := c.productKey()
	if !ok {
		return ""
	}
	if s, ok := debianSources[key]; ok {
		return s
	}
	parts := strings.SplitN(v.String(), ".", 3)
	switch {
	case key == "php:php" && len(parts) >= 2 && allDigits(parts[0]) && allDigits(parts[1]):
		return "php" + parts[0] + "." + parts[1]
	case key == "postgresql:postgresql" && allDigits(parts[0]) && parts[0] >= "10" && len(parts[0]) == 2:
		return "postgresql-" + parts[0]
	}
	return ""
}

// keepDebianSource says which packages of the tracker export Load keeps:
// those debianSource can name.
func keepDebianSource(source string) bool {
	if debianSourceSet[source] {
		return true
	}
	for _, prefix := range []string{"php", "postgresql-"} {
		if rest, ok := strings.CutPrefix(source, prefix); ok && rest != "" && isDigit(rest[0]) {
			return true
		}
	}
	return false
}

// servicePackage is the distribution packaging a service shows.
type servicePackage struct {
	distro, release, source, version string
}

func packageOf(svc result.Service) servicePackage {
	return servicePackage{
		distro:  svc.Extra[ExtraDistroID],
		release: svc.Extra[ExtraDistroRelease],
		source:  svc.Extra[ExtraPackage],
		version: svc.Extra[ExtraPackageVersion],
	}
}

// describe names the packaging for evidence: "debian bookworm, package
// openssh 1:9.2p1-2+deb12u10".
func (p servicePackage) describe() string {
	s := strings.TrimSpace(p.distro + " " + p.release)
	if p.source != "" && p.version != "" {
		s += ", package " + p.source + " " + p.version
	}
	return s
}

// Verdicts of the distribution's data on a match.
const (
	distroNone       = iota // not a distribution package: Match decides alone
	distroUnsettled         // packaged, but the distribution data cannot tell
	distroVulnerable        // the tracker says the installed package is affected
	distroPatched           // the tracker says the installed package has the fix
)

// distroVerdict is what the distribution's data says of one match.
type distroVerdict struct {
	kind   int
	pkg    servicePackage
	source string       // Debian source package of the matched product
	status DebianStatus // for distroVulnerable
	reason string       // for distroUnsettled: why the tracker could not settle it
}

// distroVerdict settles a match of CVE id on target t of a service packaged
// as p. Only the service's own product (the primary CPE) is the package
// whose version the banner shows.
func (db *DB) distroVerdict(p servicePackage, t *target, id string) distroVerdict {
	if p.distro == "" || !t.primary {
		return distroVerdict{kind: distroNone}
	}
	v := distroVerdict{kind: distroUnsettled, pkg: p, source: debianSource(t.cpe, t.version)}
	switch {
	case p.distro != "debian":
		v.reason = fmt.Sprintf("only Debian's security tracker is supported, so %s's own security data was not consulted", distroName(p.distro))
	case !db.stats.DebianLoaded:
		v.reason = "no Debian security tracker data is loaded (perimeter feed debian)"
	case v.source == "":
		v.reason = "no Debian source package is known for this product"
	case p.version == "" || !ValidDebianVersion(p.version):
		v.reason = "the banner does not show the package version"
	case p.source != "" && p.source != v.source:
		v.reason = fmt.Sprintf("the package shown (%s) is not %s", p.source, v.source)
	case p.release == "":
		v.reason = "the banner does not name the Debian release"
	default:
		st, ok := db.DebianStatus(v.source, id, p.release)
		switch {
		case !ok:
			v.reason = fmt.Sprintf("Debian's security tracker has no status of %s for %s in %s", id, v.source, p.release)
		case st.Status == DebianResolved && CompareDebianVersions(st.FixedVersion, p.version) <= 0:
			v.kind, v.status = distroPatched, st
		case st.Status == DebianResolved, st.Status == DebianOpen:
			v.kind, v.status = distroVulnerable, st
		default:
			v.reason = fmt.Sprintf("Debian's security tracker has not determined whether %s in %s is affected (status %s)", v.source, p.release, st.Status)
		}
	}
	return v
}

func distroName(id string) string {
	switch id {
	case "ubuntu":
		return "Ubuntu"
	case "raspbian":
		return "Raspbian"
	case "debian":
		return "Debian"
	}
	return id
}

// evidence is the sentence the verdict adds to a finding's evidence.
func (v distroVerdict) evidence(id string) string {
	switch v.kind {
	case distroVulnerable:
		urgency := ""
		if v.status.Urgency != "" {
			urgency = ", urgency " + v.status.Urgency
		}
		if v.status.Status == DebianOpen {
			return fmt.Sprintf(" Debian security tracker: %s is open for %s in %s (no fixed package yet%s); installed %s.",
				id, v.source, v.pkg.release, urgency, v.pkg.version)
		}
		return fmt.Sprintf(" Debian security tracker: %s is fixed for %s in %s by %s%s; the installed %s is older, so the fix is not installed.",
			id, v.source, v.pkg.release, v.status.FixedVersion, urgency, v.pkg.version)
	case distroUnsettled:
		return fmt.Sprintf(" Distribution packaging detected (%s): the distribution may have backported the fix without changing the upstream version; %s.",
			v.pkg.describe(), v.reason)
	}
	return ""
}

// solution is the advice for a finding the tracker confirms.
func (v distroVerdict) solution(upstream string) string {
	if v.status.Status == DebianOpen {
		return fmt.Sprintf("Debian has no fixed %s package for %s yet: apply the vendor's mitigation or restrict access to the service, and install Debian's update when the security tracker lists one. Upstream: %s",
			v.source, v.pkg.release, upstream)
	}
	return fmt.Sprintf("Install Debian's security update: upgrade the packages built from %s to %s or later (apt-get update && apt-get upgrade).",
		v.source, v.status.FixedVersion)
}
