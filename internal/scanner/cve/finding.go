package cve

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/perimeterhq/perimeter/internal/pci"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// titleSummaryRunes bounds the description excerpt in a finding title.
const titleSummaryRunes = 100

// finding turns a matched record into a result.Finding.
//
// PCIFail is pci.Fails (CVSS base score ≥ 4.0 unless DoS-only). PCIAutoFail stays
// false: the ASV automatic failures are behaviours and exposures (SQL
// injection found, default credentials, a database port open, …) that checks
// confirm, not version matches. DoSOnly is set when the chosen CVSS vector
// affects availability only, so PCI verdicts can exclude it.
//
// The distribution verdict v changes confidence, solution and evidence: a
// match the Debian tracker confirms is rated ConfidenceDistroTracker and
// advised with Debian's fixed package; one it cannot settle keeps the
// distribution's lower confidence.
func (db *DB) finding(svc result.Service, r *record, o outcome, v distroVerdict) result.Finding {
	kev, epss := db.joined(r.ID)
	t := o.hit.target
	product, version := displayName(svc, t)
	conf, distro := confidence(svc, t, o)
	sol := solution(r.ID, product, fixFor(r, o.hit), distro, kev)
	switch v.kind {
	case distroVulnerable:
		conf = ConfidenceDistroTracker
		if o.value == triUnknown {
			conf -= ConfidencePlatformPenalty
		}
		sol = v.solution(solution(r.ID, product, fixFor(r, o.hit), false, nil))
		if kev != nil && kev.RequiredAction != "" {
			sol += " CISA KEV required action: " + kev.RequiredAction
		}
	case distroUnsettled:
		if !distro {
			// Packaged (distro_id says so) though the tag escaped the pattern.
			conf, distro = min(conf, ConfidenceDistroBanner), true
			sol = solution(r.ID, product, fixFor(r, o.hit), distro, kev)
		}
	}
	dosOnly := availabilityOnly(r.CVSS)
	f := result.Finding{
		CheckID:     "cve:" + r.ID,
		Title:       title(r, product, version),
		Description: r.Description,
		Solution:    sol,
		References:  references(r),
		CVSSVector:  r.CVSS.Vector,
		CVSSScore:   r.CVSS.Score,
		Severity:    result.SeverityFor(r.CVSS.Score),
		CVEs:        []string{r.ID},
		Port:        svc.Port,
		Protocol:    svc.Protocol,
		Service:     svc.Service,
		CPE:         t.cpe.raw,
		Confidence:  conf,
		Evidence:    evidence(svc, r, o, distro, v, kev, epss),
		PCIFail:     pci.Fails(pci.Facts{Score: r.CVSS.Score, DoSOnly: dosOnly}),
		DoSOnly:     dosOnly,
		KEV:         kev != nil,
	}
	if epss != nil {
		f.EPSS = epss.Score
	}
	return f
}

// displayName names the product and version as the scan saw them: the
// service's own Product and Version for its application CPE, else the CPE's.
func displayName(svc result.Service, t *target) (product, version string) {
	product = strings.ReplaceAll(t.cpe.attr(cpeProduct).value, "_", " ")
	version = t.version.String()
	if t.primary {
		if svc.Product != "" {
			product = svc.Product
		}
		if v, _, _ := strings.Cut(strings.TrimSpace(svc.Version), " "); v != "" {
			version = v // without the distribution tag
		}
	}
	return product, version
}

func title(r *record, product, version string) string {
	s := r.ID + ": " + strings.TrimSpace(product+" "+version)
	if d := summary(r.Description, titleSummaryRunes); d != "" {
		s += " — " + d
	}
	return s
}

// summary returns the first sentence of s, cut to at most n runes on a word
// boundary.
func summary(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := string([]rune(s)[:n-1])
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i] // end on a whole word
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}

// fix is the release that leaves every affected range of the product behind:
// "version or later" (after false) or "later than version" (after true).
type fix struct {
	version Version
	after   bool
	unknown bool // some range has no upper bound: no fixed release is known
}

// fixFor computes the fix from all vulnerable criteria of the record that
// name the matched product, not only the one that matched: NVD often writes
// "before 9.3" plus the exact versions "9.3" and "9.3p1", and the advice must
// clear all of them. Ranges starting above the service's version belong to
// another branch and are skipped. An AND node is one range (the
// intersection of its criteria), so its fix is the lowest of their edges.
func fixFor(r *record, h hit) fix {
	var best fix
	found := false
	consider := func(f fix) {
		if !found || compareFix(f, best) > 0 {
			best, found = f, true
		}
	}
	for _, c := range r.configs {
		for _, n := range c.nodes {
			if n.negate {
				continue
			}
			var and fix
			andFound, skip := false, false
			for i := range n.entries {
				e := &n.entries[i]
				if !e.vulnerable || !e.cpe.sameProduct(h.target.cpe) {
					continue
				}
				if startsAbove(e, h.target.version) {
					skip = true
					continue
				}
				f, ok := entryFix(e)
				switch {
				case !ok:
				case !n.and:
					consider(f)
				case !andFound || compareFix(f, and) < 0:
					and, andFound = f, true
				}
			}
			if andFound && !skip {
				consider(and)
			}
		}
	}
	if !found {
		return fix{unknown: true}
	}
	return best
}

// compareFix orders fixes: "X or later" < "later than X" < unknown.
func compareFix(a, b fix) int {
	if a.unknown || b.unknown {
		return boolInt(a.unknown) - boolInt(b.unknown)
	}
	if c := a.version.Compare(b.version); c != 0 {
		return c
	}
	return boolInt(a.after) - boolInt(b.after)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func entryFix(e *entry) (fix, bool) {
	b := e.limits()
	switch v := e.cpe.attr(cpeVersion); {
	case b.endExcl != "":
		return fix{version: ParseVersion(b.endExcl)}, true
	case b.endIncl != "":
		return fix{version: ParseVersion(b.endIncl), after: true}, true
	case v.kind == attrValue:
		return fix{version: ParseVersion(criteriaVersion(e.cpe)), after: true}, true
	case v.kind == attrAny:
		return fix{unknown: true}, true
	}
	return fix{}, false
}

func startsAbove(e *entry, v Version) bool {
	b := e.limits()
	if b.startIncl != "" && ParseVersion(b.startIncl).Compare(v) > 0 {
		return true
	}
	return b.startExcl != "" && ParseVersion(b.startExcl).Compare(v) >= 0
}

// solution turns the fix into advice, with the caveats that apply.
func solution(id, product string, f fix, distro bool, kev *KEVEntry) string {
	var s string
	switch {
	case f.unknown:
		s = fmt.Sprintf("No fixed release of %s is recorded for %s: apply the vendor's mitigation or restrict access to the service.", product, id)
	case f.after:
		s = fmt.Sprintf("Upgrade %s to a release later than %s.", product, f.version)
	default:
		s = fmt.Sprintf("Upgrade %s to %s or later.", product, f.version)
	}
	if distro {
		s += " If the package comes from a Linux distribution, install the distribution's security update instead: distributions backport fixes without changing the upstream version."
	}
	if kev != nil && kev.RequiredAction != "" {
		s += " CISA KEV required action: " + kev.RequiredAction
	}
	return s
}

// criteriaVersion joins the version and update components the way banners
// write them ("9.3" and "p1" → "9.3p1").
func criteriaVersion(c *cpeName) string {
	v := c.attr(cpeVersion).value
	if u := c.attr(cpeUpdate); u.kind == attrValue {
		if u.value != "" && !isLetter(u.value[0]) {
			v += "-"
		}
		v += u.value
	}
	return v
}

// bounds describes which part of the criteria matched.
func bounds(e *entry) string {
	var parts []string
	l := e.limits()
	for _, b := range []struct{ name, v string }{
		{"versionStartIncluding", l.startIncl}, {"versionStartExcluding", l.startExcl},
		{"versionEndIncluding", l.endIncl}, {"versionEndExcluding", l.endExcl},
	} {
		if b.v != "" {
			parts = append(parts, b.name+" "+b.v)
		}
	}
	switch {
	case len(parts) > 0:
		return strings.Join(parts, ", ")
	case e.cpe.attr(cpeVersion).kind == attrAny:
		return "all versions"
	}
	return "exact version " + criteriaVersion(e.cpe)
}

func evidence(svc result.Service, r *record, o outcome, distro bool, v distroVerdict, kev *KEVEntry, epss *EPSSScore) string {
	t, e := o.hit.target, o.hit.entry
	var b strings.Builder
	fmt.Fprintf(&b, "Service CPE %s (version %s) matches NVD criteria %s (%s).", t.cpe.raw, t.version, e.cpe.raw, bounds(e))
	source := svc.Extra[ExtraVersionSource]
	if source == "" {
		source = VersionSourceBanner
	}
	fmt.Fprintf(&b, " Version source: %s.", source)
	switch {
	case v.kind != distroNone:
		b.WriteString(v.evidence(r.ID))
	case distro:
		b.WriteString(" Distribution packaging detected: the fix may have been backported without a version change.")
	}
	if len(o.unconfirmed) > 0 {
		fmt.Fprintf(&b, " Also requires %s, which the scan cannot confirm.", strings.Join(o.unconfirmed, ", "))
	}
	if r.CVSS.Version != "" {
		fmt.Fprintf(&b, " CVSS v%s base score %s (%s).", r.CVSS.Version, strconv.FormatFloat(r.CVSS.Score, 'f', 1, 64), r.CVSS.Source)
	} else {
		b.WriteString(" NVD has not scored this CVE yet.")
	}
	if kev != nil {
		fmt.Fprintf(&b, " CISA KEV: added %s, remediation due %s, known ransomware use: %s.", kev.DateAdded, kev.DueDate, kev.RansomwareUse)
	}
	if epss != nil {
		fmt.Fprintf(&b, " EPSS %.4f (percentile %.4f).", epss.Score, epss.Percentile)
	}
	return b.String()
}

func references(r *record) []string {
	refs := []string{"https://nvd.nist.gov/vuln/detail/" + r.ID}
	for _, u := range r.References {
		if u != refs[0] {
			refs = append(refs, u)
		}
	}
	return refs
}

// availabilityOnly reports whether a CVSS vector impacts availability and
// nothing else (a denial of service), for CVSS v2, v3.x and v4.0 vectors.
func availabilityOnly(c CVSS) bool {
	m := map[string]string{}
	for _, part := range strings.Split(c.Vector, "/") {
		if k, v, ok := strings.Cut(part, ":"); ok {
			m[k] = v
		}
	}
	none := func(keys ...string) bool {
		for _, k := range keys {
			if m[k] != "N" {
				return false
			}
		}
		return true
	}
	some := func(k string) bool { v, ok := m[k]; return ok && v != "N" }
	switch {
	case strings.HasPrefix(c.Vector, "CVSS:4.0/"):
		return none("VC", "VI", "SC", "SI") && (some("VA") || some("SA"))
	case strings.HasPrefix(c.Vector, "CVSS:3."), c.Version == "2.0":
		return none("C", "I") && some("A")
	}
	return false
}
