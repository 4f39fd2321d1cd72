package scan

import (
	"slices"
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/pci"
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

// PCIWaivedStatuses are the statuses that take a finding out of PCI verdicts:
// accepted and false positive (covered by an exception) and fixed (a later
// scan confirmed it gone). The store's SQL mirror of the rule reads this list.
var PCIWaivedStatuses = []string{FindingAccepted, FindingFalsePositive, FindingFixed}

// PCIFacts is what the PCI rule reads about this finding. Exceptions that
// change a finding's verdict plug in here (today through its status).
func (f Finding) PCIFacts() pci.Facts {
	return pci.Facts{Score: f.CVSSScore, DoSOnly: f.DoSOnly, AutoFail: f.PCIAutoFail,
		Waived: slices.Contains(PCIWaivedStatuses, f.Status)}
}

// FailsPCI reports whether the finding counts against PCI compliance now
// (pci.Fails over PCIFacts).
func (f Finding) FailsPCI() bool { return pci.Fails(f.PCIFacts()) }

// Counted reports whether a finding is currently open (for widgets and verdicts).
func (f Finding) Counted() bool { return f.Status == FindingOpen || f.Status == FindingReopened }

// FindingList declares how findings are filtered and sorted.
var FindingList = listing.Spec{
	Columns: []listing.Column{
		{Name: "severity", Kind: listing.Enum, Values: Severities, Sortable: true},
		{Name: "status", Kind: listing.Enum, Values: FindingStatuses, Sortable: true},
		{Name: "host", Kind: listing.Text, Doc: "IP address, e.g. 192.168.*", Sortable: true},
		{Name: "hostname", Kind: listing.Text},
		{Name: "port", Kind: listing.Number, Sortable: true},
		{Name: "protocol", Kind: listing.Enum, Values: []string{"tcp", "udp", ""}},
		{Name: "service", Kind: listing.Text},
		{Name: "cve", Kind: listing.Text, Doc: "CVE id, e.g. CVE-2023-*"},
		{Name: "check_id", Kind: listing.Text},
		{Name: "title", Kind: listing.Text, Sortable: true},
		{Name: "target_id", Kind: listing.ID},
		{Name: "target", Kind: listing.ID, Doc: "target id"},
		{Name: "scan_id", Kind: listing.ID},
		{Name: "scan", Kind: listing.ID, Doc: "scan id"},
		{Name: "host_id", Kind: listing.ID},
		{Name: "product", Kind: listing.Enum, Values: tenant.Products},
		// pci_status is the PCI rule, which the store computes in SQL.
		{Name: "pci_status", Kind: listing.Enum, Values: []string{"pass", "fail"}},
		{Name: "kev", Kind: listing.Bool},
		{Name: "cvss_score", Sortable: true, NoFilter: true},
		{Name: "first_seen", Sortable: true, NoFilter: true},
		{Name: "last_seen", Sortable: true, NoFilter: true},
		{Name: "epss", Sortable: true, NoFilter: true},
	},
	DateName: "first_seen", DefaultSort: "severity", DefaultDesc: true,
}

// Occurrence is one run's sighting of a finding.
type Occurrence struct {
	RunID     string
	ScanID    string
	RunStatus string
	SeenAt    time.Time
	Severity  string // as the run rated it
	CVSSScore float64
}

// RunFinding is a finding one run saw, and when the run saw it. (The finding's
// texts and evidence are the latest any run reported.)
type RunFinding struct {
	Finding
	SeenAt time.Time
}

// TopFinding is one check's open findings across an organization.
type TopFinding struct {
	CheckID       string
	Title         string
	Severity      string // the highest among its findings
	AffectedHosts int
	Findings      int
	MaxCVSS       float64
	Score         int // AffectedHosts × SeverityWeight(Severity)
}
