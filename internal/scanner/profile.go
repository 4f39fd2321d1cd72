package scanner

import (
	"slices"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scanner/discovery"
	"github.com/perimeterhq/perimeter/internal/scanner/portscan"
)

// Profile is a named set of scan settings: what to probe, how hard, and which
// stages to run after the port scan.
type Profile struct {
	Name        string
	Description string
	// Ports is the port list scanned when Options.Ports is empty.
	Ports portspec.List
	// Discovery is a discovery method: "tcp", "icmp", "tcp+icmp" or "none".
	Discovery string
	// DiscoveryPorts are the TCP ping ports; nil means discovery.DefaultPorts.
	DiscoveryPorts []int
	// ServiceDetection identifies what answers on each open port.
	ServiceDetection bool
	// Checks runs the vulnerability checks of Families (empty: all).
	Checks   bool
	Families []string
	// CVE matches detected products against the vulnerability feed.
	CVE bool
	// Timing sets timeouts and retries for discovery and the port scan.
	Timing portscan.Timing
	// Concurrency bounds sockets in flight across the whole scan (also
	// bounded by the process's descriptor limit).
	Concurrency int
	// PerHost bounds concurrent connections to one host, in every stage.
	PerHost int
	// Hosts is how many hosts are scanned at once.
	Hosts int
	// Rate bounds probes per second across the scan; 0 means no limit.
	Rate int
	// DetectTimeout bounds service detection on one port.
	DetectTimeout time.Duration
}

// Names of the built-in profiles.
const (
	ProfilePCIASV      = "PCI ASV"
	ProfileDiscovery   = "Discovery"
	ProfileFullAndFast = "Full and fast"
	ProfileFullAndDeep = "Full and deep"
	ProfileAggressive  = "Aggressive"
)

// DefaultProfileName is the profile used when Options.Profile is empty.
const DefaultProfileName = ProfileFullAndFast

// commonUDP is the UDP part of the PCI ASV list: the common UDP services.
func commonUDP() portspec.List {
	var udp portspec.List
	for _, r := range portspec.PCIASV() {
		if r.Protocol == portspec.UDP {
			udp = append(udp, r)
		}
	}
	return udp
}

// Profiles returns the built-in profiles, each with fresh slices, in the
// order they are offered.
func Profiles() []Profile {
	safe := portscan.Timing{InitialTimeout: time.Second, MinTimeout: 100 * time.Millisecond, MaxTimeout: 3 * time.Second, Retries: 1, UDPTimeout: time.Second}
	return []Profile{
		{
			Name:        ProfilePCIASV,
			Description: "PCI DSS external scan: all TCP ports and the common UDP services, service detection, every check family and CVE matching.",
			Ports:       portspec.PCIASV(), Discovery: discovery.MethodBoth,
			ServiceDetection: true, Checks: true, CVE: true,
			Timing: safe, Concurrency: 2048, PerHost: 512, Hosts: 16, DetectTimeout: 10 * time.Second,
		},
		{
			Name:        ProfileDiscovery,
			Description: "Inventory: common TCP ports, host discovery and service detection; no vulnerability checks.",
			Ports:       portspec.CommonTCP(), Discovery: discovery.MethodBoth,
			ServiceDetection: true,
			Timing:           portscan.Timing{InitialTimeout: time.Second, MinTimeout: 100 * time.Millisecond, MaxTimeout: 2 * time.Second, Retries: 1, UDPTimeout: time.Second},
			Concurrency:      2048, PerHost: 256, Hosts: 32, DetectTimeout: 5 * time.Second,
		},
		{
			Name:        ProfileFullAndFast,
			Description: "Common TCP ports and common UDP services, service detection, every check family and CVE matching, with safe timing.",
			Ports:       portspec.CommonTCP().Union(commonUDP()), Discovery: discovery.MethodBoth,
			ServiceDetection: true, Checks: true, CVE: true,
			Timing: safe, Concurrency: 1024, PerHost: 256, Hosts: 16, DetectTimeout: 10 * time.Second,
		},
		{
			Name:        ProfileFullAndDeep,
			Description: "All TCP ports and common UDP services with patient timing and more retries, service detection, every check family and CVE matching.",
			Ports:       portspec.AllTCP().Union(commonUDP()), Discovery: discovery.MethodBoth,
			ServiceDetection: true, Checks: true, CVE: true,
			Timing:      portscan.Timing{InitialTimeout: 2 * time.Second, MinTimeout: 250 * time.Millisecond, MaxTimeout: 10 * time.Second, Retries: 3, UDPTimeout: 2 * time.Second},
			Concurrency: 1024, PerHost: 128, Hosts: 8, DetectTimeout: 20 * time.Second,
		},
		{
			Name:        ProfileAggressive,
			Description: "All TCP ports as fast as the machine allows: highest concurrency, short timeouts, no retries; service detection, every check family and CVE matching.",
			Ports:       portspec.AllTCP(), Discovery: discovery.MethodTCP,
			ServiceDetection: true, Checks: true, CVE: true,
			Timing:      portscan.Timing{InitialTimeout: 500 * time.Millisecond, MinTimeout: 50 * time.Millisecond, MaxTimeout: time.Second, Retries: 0, UDPTimeout: 500 * time.Millisecond},
			Concurrency: 16384, PerHost: 4096, Hosts: 64, DetectTimeout: 5 * time.Second,
		},
	}
}

// ProfileByName returns the built-in profile with that name, compared
// without regard to case, spaces, '-' or '_' ("full-and-fast" finds
// "Full and fast"), and whether there is one.
func ProfileByName(name string) (Profile, bool) {
	key := profileKey(name)
	i := slices.IndexFunc(Profiles(), func(p Profile) bool { return profileKey(p.Name) == key })
	if i < 0 {
		return Profile{}, false
	}
	return Profiles()[i], true
}

// ProfileNames lists the built-in profile names, in order.
func ProfileNames() []string {
	var names []string
	for _, p := range Profiles() {
		names = append(names, p.Name)
	}
	return names
}

func profileKey(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '_':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(name)))
}
