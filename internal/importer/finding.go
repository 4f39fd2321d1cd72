package importer

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/perimeterhq/perimeter/internal/pci"
	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Confidence of imported findings whose source gives none: a version match
// made by another tool, which Perimeter has not confirmed.
const importedConfidence = 50

var cveRE = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

func cveID(s string) bool { return len(s) <= 32 && cveRE.MatchString(s) }

// cveFinding is a finding for one CVE on a service, with the check id
// Perimeter's own CVE matching uses ("cve:CVE-…"), so an imported CVE and a
// scanned one are the same finding in the lifecycle.
func cveFinding(id string, score float64, svc result.Service) result.Finding {
	name := strings.TrimSpace(svc.Product + " " + svc.Version)
	if name == "" {
		name = svc.Service
	}
	f := result.Finding{
		CheckID:     "cve:" + id,
		Title:       strings.TrimSuffix(id+": "+name, ": "),
		Description: id + " affects " + nonEmpty(name, "this service") + " according to the imported report.",
		Solution:    "Upgrade " + nonEmpty(svc.Product, "the software") + " to a release that fixes " + id + ", or apply the vendor's patch.",
		References:  []string{"https://nvd.nist.gov/vuln/detail/" + id},
		CVSSScore:   score,
		CVEs:        []string{id},
		Port:        svc.Port,
		Protocol:    svc.Protocol,
		Service:     svc.Service,
		Confidence:  importedConfidence,
	}
	return finish(f)
}

// checkFinding is a finding of one of Perimeter's registered checks, when the
// imported report observed the same weakness; false when the check is not
// linked into this binary.
func checkFinding(id string, svc result.Service, ev string) (result.Finding, bool) {
	c, ok := checks.Lookup(id)
	if !ok {
		return result.Finding{}, false
	}
	return c.Meta().Finding(checks.Target{Service: svc}, ev), true
}

// finish derives what an imported finding's facts imply: severity from the
// score when the file gave none, the PCI verdict (pci.Fails), clean text.
func finish(f result.Finding) result.Finding {
	f.CVSSScore = min(max(f.CVSSScore, 0), 10)
	if f.Severity == "" {
		f.Severity = result.SeverityFor(f.CVSSScore)
	}
	f.PCIFail = pci.Fails(pci.Facts{Score: f.CVSSScore, DoSOnly: f.DoSOnly, AutoFail: f.PCIAutoFail})
	f.Title = evidence(f.Title)
	f.Description = evidence(f.Description)
	f.Solution = evidence(f.Solution)
	f.Evidence = evidence(f.Evidence)
	f.CVSSVector = clip(f.CVSSVector)
	slices.Sort(f.CVEs)
	f.CVEs = slices.Compact(f.CVEs)
	return f
}

// evidence makes text from the file safe to store and show.
func evidence(s string) string { return checks.Evidence(strings.TrimSpace(s)) }

// sortHost orders a host's services and findings as the engine does, and
// keeps one finding per key (check, protocol, port): the lifecycle's
// identity of a finding.
func sortHost(h *result.Host) {
	slices.SortStableFunc(h.Ports, func(a, b result.Service) int {
		if c := strings.Compare(a.Protocol, b.Protocol); c != 0 {
			return c
		}
		return a.Port - b.Port
	})
	ports := h.Ports[:0]
	for _, s := range h.Ports {
		if n := len(ports); n > 0 && ports[n-1].Port == s.Port && ports[n-1].Protocol == s.Protocol {
			if ports[n-1].Service == "" { // another report item named the service
				ports[n-1].Service = s.Service
			}
			continue
		}
		ports = append(ports, s)
	}
	h.Ports = ports
	slices.SortStableFunc(h.Findings, func(a, b result.Finding) int { return strings.Compare(a.Key(), b.Key()) })
	h.Findings = slices.CompactFunc(h.Findings, func(a, b result.Finding) bool { return a.Key() == b.Key() })
}

func nonEmpty(s, otherwise string) string {
	if strings.TrimSpace(s) == "" {
		return otherwise
	}
	return s
}

// parseIP reads a host address from a report.
func parseIP(s string) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap(), true
}
