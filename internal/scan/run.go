package scan

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
)

// Run triggers.
const (
	TriggerManual   = "manual"
	TriggerSchedule = "schedule"
)

// Run is one execution of a scan (a "history"). It records what was scanned —
// the target's host lists, the ports and the engine settings as they were when
// it started — so results stay interpretable after the target changes.
type Run struct {
	ID             string
	OrganizationID string
	ScanID         string
	TargetID       string
	Status         string
	Trigger        string
	Attempt        int // incremented when a run is retried after its worker died
	Progress       float64
	Hosts          string
	ExcludeHosts   string
	Ports          string // portspec notation
	EngineProfile  string
	Settings       Settings
	Stats          Stats
	PCICompliant   *bool
	Error          string
	Log            []LogEntry
	ReportID       string
	QueuedAt       time.Time
	StartedAt      *time.Time
	HeartbeatAt    *time.Time
	FinishedAt     *time.Time
	CreatedBy      string
}

// Settings are the engine switches a run used (what it could have found).
type Settings struct {
	ServiceDetection bool     `json:"service_detection"`
	Checks           bool     `json:"checks"`
	Families         []string `json:"families,omitempty"` // empty: all
	CVE              bool     `json:"cve"`
	// Engine is "openvas" for a run on a Greenbone manager, whose results
	// vouch only for its own (gvm:) checks; "" for Perimeter's engines.
	Engine string `json:"engine,omitempty"`
}

// Stats count what a run found.
type Stats struct {
	HostsTotal  int   `json:"hosts_total"`
	HostsUp     int   `json:"hosts_up"`
	PortsOpen   int   `json:"ports_open"`
	PortsProbed int64 `json:"ports_probed"`
	Findings    int   `json:"findings"`
	Critical    int   `json:"critical"`
	High        int   `json:"high"`
	Medium      int   `json:"medium"`
	Low         int   `json:"low"`
	Info        int   `json:"info"`
}

// Add counts one finding of a severity.
func (s *Stats) Add(severity string) { s.AddN(severity, 1) }

// AddN counts n findings of a severity.
func (s *Stats) AddN(severity string, n int) {
	s.Findings += n
	switch severity {
	case "critical":
		s.Critical += n
	case "high":
		s.High += n
	case "medium":
		s.Medium += n
	case "low":
		s.Low += n
	default:
		s.Info += n
	}
}

// LogEntry is one line of a run's scanner log summary.
type LogEntry struct {
	Time    time.Time `json:"time"`
	Level   string    `json:"level"` // info, warn, error
	Message string    `json:"message"`
}

// MaxLogEntries bounds the log kept per run (the first entries are kept; a
// final line says how many were dropped).
const MaxLogEntries = 200

// Duration is how long the run took (or has taken so far).
func (r Run) Duration(now time.Time) time.Duration {
	if r.StartedAt == nil {
		return 0
	}
	end := now
	if r.FinishedAt != nil {
		end = *r.FinishedAt
	}
	return end.Sub(*r.StartedAt)
}

// RunList declares how runs are filtered and sorted.
var RunList = listing.Spec{
	Columns: []listing.Column{
		{Name: "status", Kind: listing.Enum, Values: Statuses, Sortable: true},
		{Name: "trigger", Kind: listing.Enum, Values: []string{TriggerManual, TriggerSchedule}},
		{Name: "pci_compliant", Kind: listing.Bool},
		{Name: "queued_at", Sortable: true, NoFilter: true},
		{Name: "started_at", Sortable: true, NoFilter: true},
		{Name: "finished_at", Sortable: true, NoFilter: true},
		{Name: "findings_count", Kind: listing.Number, Sortable: true},
	},
	DateName: "queued_at", DefaultSort: "queued_at", DefaultDesc: true,
}
