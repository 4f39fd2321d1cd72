package scan

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// Finding statuses. A finding is open when first found; fixed when a later run
// covered its host, port and check without finding it; reopened when found
// again after that. Accepted and false_positive come from exceptions and are
// kept by later runs.
const (
	FindingOpen          = "open"
	FindingFixed         = "fixed"
	FindingReopened      = "reopened"
	FindingAccepted      = "accepted"
	FindingFalsePositive = "false_positive"
)

// FindingStatuses lists every finding status.
var FindingStatuses = []string{FindingOpen, FindingFixed, FindingReopened, FindingAccepted, FindingFalsePositive}

// Severities, most severe first.
var Severities = []string{"critical", "high", "medium", "low", "info"}

// SeverityRank orders severities: critical 5 … info 1 (0 unknown).
func SeverityRank(s string) int {
	switch s {
	case "critical":
		return 5
	case "high":
		return 4
	case "medium":
		return 3
	case "low":
		return 2
	case "info":
		return 1
	}
	return 0
}

// Finding is an organization-wide finding, deduplicated by host, port/protocol
// and check across runs.
type Finding struct {
	ID             string
	OrganizationID string
	HostID         string
	IP             string
	Hostname       string
	Port           int
	Protocol       string
	Service        string
	CheckID        string
	Title          string
	Description    string
	Solution       string
	References     []string
	CVEs           []string
	CVSSScore      float64
	CVSSVector     string
	Severity       string
	Confidence     int
	Evidence       string
	CPE            string
	PCIFail        bool
	PCIAutoFail    bool
	DoSOnly        bool
	KEV            bool
	EPSS           float64
	Status         string
	FirstSeen      time.Time
	LastSeen       time.Time
	FixedAt        *time.Time
	LastRunID      string
	ScanID         string
	TargetID       string
	Product        string
}

// FailsPCI is the PCI rule for one finding: CVSS ≥ 4.0 fails unless the
// finding only threatens availability (DoS); automatic failures fail whatever
// their score. Accepted and false-positive findings (covered by an exception)
// and fixed ones (a later scan confirmed them gone) do not count.
func (f Finding) FailsPCI() bool {
	if f.Status == FindingAccepted || f.Status == FindingFalsePositive || f.Status == FindingFixed {
		return false
	}
	return f.PCIAutoFail || (f.CVSSScore >= 4.0 && !f.DoSOnly)
}

// Counted reports whether a finding is currently open (for widgets and verdicts).
func (f Finding) Counted() bool { return f.Status == FindingOpen || f.Status == FindingReopened }

// pciFailExpr is FailsPCI in SQL, over the alias f.
const pciFailExpr = "(f.status NOT IN ('accepted','false_positive','fixed') AND (f.pci_auto_fail OR (f.cvss_score >= 4.0 AND NOT f.dos_only)))"

// PCIFailSQL is FailsPCI as a SQL condition over the findings alias f.
func PCIFailSQL() string { return pciFailExpr }

// FindingList declares how findings are filtered and sorted (alias f).
var FindingList = listing.Spec{
	Columns: []listing.Column{
		{Name: "severity", Kind: listing.Enum, Expr: "f.severity", SortExpr: "f.severity_rank", Values: Severities, Sortable: true},
		{Name: "status", Kind: listing.Enum, Expr: "f.status", Values: FindingStatuses, Sortable: true},
		{Name: "host", Kind: listing.Text, Expr: "f.ip", Doc: "IP address, e.g. 192.168.*", Sortable: true},
		{Name: "hostname", Kind: listing.Text, Expr: "f.hostname"},
		{Name: "port", Kind: listing.Number, Expr: "f.port", Sortable: true},
		{Name: "protocol", Kind: listing.Enum, Expr: "f.protocol", Values: []string{"tcp", "udp", ""}},
		{Name: "service", Kind: listing.Text, Expr: "f.service"},
		{Name: "cve", Kind: listing.Text, Expr: "f.cves", Doc: "CVE id, e.g. CVE-2023-*"},
		{Name: "check_id", Kind: listing.Text, Expr: "f.check_id"},
		{Name: "title", Kind: listing.Text, Expr: "f.title", Sortable: true},
		{Name: "target_id", Kind: listing.ID, Expr: "f.target_id"},
		{Name: "target", Kind: listing.ID, Expr: "f.target_id", Doc: "target id"},
		{Name: "scan_id", Kind: listing.ID, Expr: "f.scan_id"},
		{Name: "scan", Kind: listing.ID, Expr: "f.scan_id", Doc: "scan id"},
		{Name: "host_id", Kind: listing.ID, Expr: "f.host_id"},
		{Name: "product", Kind: listing.Enum, Expr: "f.product", Values: tenant.Products},
		{Name: "pci_status", Kind: listing.Enum, Expr: "(CASE WHEN " + pciFailExpr + " THEN 'fail' ELSE 'pass' END)", Values: []string{"pass", "fail"}},
		{Name: "kev", Kind: listing.Bool, Expr: "f.kev"},
		{Name: "cvss_score", Expr: "f.cvss_score", Sortable: true, NoFilter: true},
		{Name: "first_seen", Expr: "f.first_seen", Sortable: true, NoFilter: true},
		{Name: "last_seen", Expr: "f.last_seen", Sortable: true, NoFilter: true},
		{Name: "epss", Expr: "f.epss", Sortable: true, NoFilter: true},
	},
	DateExpr: "f.first_seen", DateName: "first_seen",
	DefaultSort: "severity", DefaultDesc: true, IDExpr: "f.id",
}
