package scan

import (
	"strconv"
	"strings"

	"github.com/perimeterhq/perimeter/internal/listing"
)

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

// RiskSQL is the weighted risk of per-severity count columns named
// <prefix>critical_count … <prefix>low_count, as a SQL expression.
func RiskSQL(prefix string) string {
	var terms []string
	for _, s := range Severities {
		if w := severityWeights[s]; w > 0 {
			terms = append(terms, prefix+s+"_count * "+strconv.Itoa(w))
		}
	}
	return "(" + strings.Join(terms, " + ") + ")"
}

// severityCountSQL picks the count column of rh for the severity bound to ?.
const severityCountSQL = "(CASE ? WHEN 'critical' THEN rh.critical_count WHEN 'high' THEN rh.high_count " +
	"WHEN 'medium' THEN rh.medium_count WHEN 'low' THEN rh.low_count ELSE rh.info_count END) > 0"

// RunHostList declares how the hosts one run saw are filtered and sorted
// (alias rh, a run_hosts row).
var RunHostList = listing.Spec{
	Columns: []listing.Column{
		{Name: "ip", Kind: listing.Text, Expr: "rh.ip", Sortable: true, Doc: "e.g. 192.168.*"},
		{Name: "host", Kind: listing.Text, Expr: "rh.ip", Doc: "IP address, as in the vulnerability lists"},
		{Name: "hostname", Kind: listing.Text, Expr: "rh.hostnames"},
		{Name: "os", Kind: listing.Text, Expr: "rh.os", Sortable: true},
		{Name: "status", Kind: listing.Enum, Expr: "rh.status", Values: []string{"up", "down"}},
		{Name: "port", Kind: listing.Number, Doc: "an open port of the host in this run",
			Cond: "EXISTS (SELECT 1 FROM services sv WHERE sv.run_id = rh.run_id AND sv.host_id = rh.host_id AND sv.port = ?)"},
		{Name: "severity", Kind: listing.Enum, Values: Severities, Cond: severityCountSQL,
			Doc: "hosts with at least one finding of that severity in this run"},
		{Name: "open_ports", Kind: listing.Number, Expr: "rh.open_ports", Sortable: true},
		{Name: "risk", Expr: RiskSQL("rh."), Sortable: true, NoFilter: true,
			Doc: "findings weighted by severity: critical 10, high 5, medium 2, low 1"},
		{Name: "scanned_at", Expr: "rh.scanned_at", Sortable: true, NoFilter: true},
	},
	DateExpr: "rh.scanned_at", DateName: "scanned_at",
	DefaultSort: "ip", IDExpr: "rh.id",
}
