// Package result holds the plain types the scan engine produces: hosts, services,
// findings and the events that stream them. It has no behaviour beyond small
// helpers, so every part of the engine (discovery, port scan, fingerprinting,
// checks, CVE matching) and every consumer (CLI, job runner, agent) can share it
// without import cycles.
package result

import (
	"net/netip"
	"strconv"
	"time"
)

// Host status values.
const (
	HostUp   = "up"
	HostDown = "down"
)

// Port states.
const (
	PortOpen         = "open"
	PortClosed       = "closed"
	PortFiltered     = "filtered"
	PortOpenFiltered = "open|filtered" // UDP without an answer that proves it open
)

// Protocols.
const (
	TCP = "tcp"
	UDP = "udp"
)

// Severity names, derived from a CVSS base score by SeverityFor.
const (
	SeverityCritical = "critical"
	SeverityHigh     = "high"
	SeverityMedium   = "medium"
	SeverityLow      = "low"
	SeverityInfo     = "info"
)

// SeverityFor maps a CVSS base score to a severity name:
// critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low > 0, info = 0.
func SeverityFor(score float64) string {
	switch {
	case score >= 9.0:
		return SeverityCritical
	case score >= 7.0:
		return SeverityHigh
	case score >= 4.0:
		return SeverityMedium
	case score > 0:
		return SeverityLow
	default:
		return SeverityInfo
	}
}

// Host is one scanned address with what was found on it.
type Host struct {
	IP        netip.Addr    `json:"ip"`
	Hostnames []string      `json:"hostnames"`
	Status    string        `json:"status"` // HostUp or HostDown
	Reason    string        `json:"reason,omitempty"`
	RTT       time.Duration `json:"rtt_ns,omitempty"`
	OS        string        `json:"os,omitempty"`
	Ports     []Service     `json:"ports"`
	Findings  []Finding     `json:"findings"`
}

// Service is one port of a host and what answers on it.
type Service struct {
	Port     int               `json:"port"`
	Protocol string            `json:"protocol"` // TCP or UDP
	State    string            `json:"state"`    // PortOpen, ...
	Service  string            `json:"service"`  // e.g. "http", "ssh", "" if unknown
	Product  string            `json:"product"`  // e.g. "OpenSSH"
	Version  string            `json:"version"`  // e.g. "8.9p1"
	CPE      []string          `json:"cpe"`      // CPE 2.3 formatted strings
	Banner   string            `json:"banner"`   // raw banner, printable, truncated
	TLS      bool              `json:"tls"`      // the service speaks TLS (directly, not STARTTLS)
	Extra    map[string]string `json:"extra,omitempty"`
}

// Finding is one vulnerability or weakness found on a host (and port, if any).
type Finding struct {
	CheckID     string   `json:"check_id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Solution    string   `json:"solution"`
	References  []string `json:"references"`
	CVSSVector  string   `json:"cvss_vector"`
	CVSSScore   float64  `json:"cvss_score"`
	Severity    string   `json:"severity"`
	CVEs        []string `json:"cves"`
	Port        int      `json:"port"`     // 0 for host-level findings
	Protocol    string   `json:"protocol"` // "" for host-level findings
	Service     string   `json:"service,omitempty"`
	CPE         string   `json:"cpe,omitempty"` // the CPE a CVE match was made on
	Confidence  int      `json:"confidence"`    // 0–100, quality of detection
	Evidence    string   `json:"evidence"`
	PCIFail     bool     `json:"pci_fail"`
	PCIAutoFail bool     `json:"pci_auto_fail"`
	DoSOnly     bool     `json:"dos_only,omitempty"` // excluded from PCI verdicts
	KEV         bool     `json:"kev,omitempty"`      // listed in CISA KEV
	EPSS        float64  `json:"epss,omitempty"`     // FIRST EPSS probability 0–1
}

// Key identifies a finding across runs: same host, port/protocol and check.
// CVE findings use the check ID "cve:<CVE-ID>" so each CVE is its own key.
func (f Finding) Key() string {
	return f.CheckID + "|" + f.Protocol + "|" + strconv.Itoa(f.Port)
}

// EventKind says what an Event carries.
type EventKind string

// Event kinds, in the order a host normally produces them.
const (
	EventHostUp   EventKind = "host_up"   // Host set (no ports yet)
	EventHostDown EventKind = "host_down" // Host set
	EventPortOpen EventKind = "port_open" // Host IP and Service set (State only)
	EventService  EventKind = "service"   // Host IP and Service set (fingerprinted)
	EventFinding  EventKind = "finding"   // Host IP and Finding set
	EventHostDone EventKind = "host_done" // Host set, complete with ports and findings
	EventProgress EventKind = "progress"  // Progress set
	EventError    EventKind = "error"     // Err set; the scan continues
)

// Event is one item of the stream the engine emits while it scans.
type Event struct {
	Kind     EventKind  `json:"kind"`
	Time     time.Time  `json:"time"`
	IP       netip.Addr `json:"ip,omitzero"`
	Host     *Host      `json:"host,omitempty"`
	Service  *Service   `json:"service,omitempty"`
	Finding  *Finding   `json:"finding,omitempty"`
	Progress float64    `json:"progress,omitempty"` // 0–100
	Err      string     `json:"error,omitempty"`
}

// Stats summarises a finished scan.
type Stats struct {
	Started     time.Time      `json:"started_at"`
	Finished    time.Time      `json:"finished_at"`
	Duration    time.Duration  `json:"duration_ns"`
	HostsTotal  int            `json:"hosts_total"`
	HostsUp     int            `json:"hosts_up"`
	PortsProbed int64          `json:"ports_probed"`
	PortsOpen   int            `json:"ports_open"`
	Findings    int            `json:"findings"`
	BySeverity  map[string]int `json:"by_severity"`
}
