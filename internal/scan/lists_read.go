package scan

import "github.com/perimeterhq/perimeter/internal/listing"

// severityWeights is how much one open finding of a severity adds to a risk
// score: the most vulnerable hosts and the top vulnerabilities rank by it, so
// one critical finding outweighs several medium ones but not dozens.
var severityWeights = map[string]int{"critical": 10, "high": 5, "medium": 2, "low": 1, "info": 0}

// SeverityWeight is the risk weight of one open finding of a severity
// (critical 10, high 5, medium 2, low 1, info 0; 0 for an unknown severity).
func SeverityWeight(severity string) int { return severityWeights[severity] }

// RankWeight is SeverityWeight by severity rank (5 critical … 1 info).
func RankWeight(rank int) int {
	if rank < 1 || rank > len(Severities) {
		return 0
	}
	return severityWeights[Severities[len(Severities)-rank]]
}

// SeverityOfRank is the severity name of a rank (5 critical … 1 info; "" for
// anything else).
func SeverityOfRank(rank int) string {
	if rank < 1 || rank > len(Severities) {
		return ""
	}
	return Severities[len(Severities)-rank]
}

// RunHostList declares how the hosts one run saw are filtered and sorted.
var RunHostList = listing.Spec{
	Columns: []listing.Column{
		{Name: "ip", Kind: listing.Text, Sortable: true, Doc: "e.g. 192.168.*"},
		{Name: "host", Kind: listing.Text, Doc: "IP address, as in the vulnerability lists"},
		{Name: "hostname", Kind: listing.Text},
		{Name: "os", Kind: listing.Text, Sortable: true},
		{Name: "status", Kind: listing.Enum, Values: []string{"up", "down"}},
		{Name: "port", Kind: listing.Number, Doc: "an open port of the host in this run"},
		{Name: "severity", Kind: listing.Enum, Values: Severities,
			Doc: "hosts with at least one finding of that severity in this run"},
		{Name: "open_ports", Kind: listing.Number, Sortable: true},
		{Name: "risk", Sortable: true, NoFilter: true,
			Doc: "findings weighted by severity: critical 10, high 5, medium 2, low 1"},
		{Name: "scanned_at", Sortable: true, NoFilter: true},
	},
	DateName: "scanned_at", DefaultSort: "ip",
}
