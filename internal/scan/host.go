package scan

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/listing"
)

// Host is an inventory entry: one IP of an organization, merged across runs.
type Host struct {
	ID             string
	OrganizationID string
	IP             string
	Hostnames      []string
	OS             string
	Status         string // as last seen: up or down
	OpenPorts      int
	Services       string // summary of the last run's services: "22/tcp ssh OpenSSH 8.9p1; …"
	FirstSeen      time.Time
	LastSeen       time.Time
	LastRunID      string
	LastScanID     string
	LastTargetID   string
}

// RunHost is a host as one run saw it.
type RunHost struct {
	ID        string
	RunID     string
	HostID    string
	IP        string
	Hostnames []string
	Status    string
	Reason    string
	OS        string
	RTT       time.Duration
	OpenPorts int
	Counts    Stats // findings by severity on this host in this run
	ScannedAt time.Time
}

// Service is an open port of a host in one run.
type Service struct {
	ID       string
	RunID    string
	HostID   string
	Port     int
	Protocol string
	State    string
	Service  string
	Product  string
	Version  string
	CPE      []string
	Banner   string
	TLS      bool
}

// HostList declares how the inventory is filtered and sorted.
var HostList = listing.Spec{
	Columns: []listing.Column{
		{Name: "ip", Kind: listing.Text, Sortable: true, Doc: "e.g. 192.168.*"},
		{Name: "hostname", Kind: listing.Text},
		{Name: "os", Kind: listing.Text, Sortable: true},
		{Name: "service", Kind: listing.Text, Doc: "service, product or version of an open port"},
		{Name: "port", Kind: listing.Number},
		{Name: "target", Kind: listing.ID, Doc: "target id"},
		{Name: "status", Kind: listing.Enum, Values: []string{"up", "down"}},
		{Name: "open_ports", Kind: listing.Number, Sortable: true},
		{Name: "first_seen", Sortable: true, NoFilter: true},
		{Name: "last_seen", Sortable: true, NoFilter: true},
	},
	DateName: "last_seen", DefaultSort: "last_seen", DefaultDesc: true,
}

// HostRun is a run that scanned a host, and what it saw of the host.
type HostRun struct {
	RunID      string
	ScanID     string
	TargetID   string
	Status     string // the run's
	QueuedAt   time.Time
	FinishedAt *time.Time
	Host       RunHost
}

// PortCount is what a run found on one port across its hosts.
type PortCount struct {
	Port     int
	Protocol string
	Service  string
	Hosts    int // hosts with the port open
	Findings int
}
