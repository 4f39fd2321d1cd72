package scanner

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/perimeterhq/perimeter/internal/hostspec"
	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/discovery"
	"github.com/perimeterhq/perimeter/internal/scanner/portscan"
)

// Options describe one scan. Zero fields take the profile's value.
type Options struct {
	// Hosts and Exclude are host lists in hostspec notation (addresses,
	// CIDRs, ranges, hostnames). Excluded addresses are never contacted,
	// including addresses that hostnames resolve to.
	Hosts, Exclude string
	// Ports overrides the profile's port list when not empty.
	Ports portspec.List
	// Profile holds the scan settings; a zero Profile (empty Name) means
	// the built-in DefaultProfileName.
	Profile Profile
	// Rate bounds probes per second across the scan (0: the profile's).
	Rate int
	// Concurrency bounds sockets in flight across the scan (0: the
	// profile's); it is further bounded by the descriptor limit.
	Concurrency int
	// PerHost bounds concurrent connections to one host (0: the profile's).
	PerHost int
	// Timeout, when set, is the longest wait for one probe's answer: it
	// replaces the initial and maximum adaptive timeouts (and the UDP wait).
	Timeout time.Duration
	// NoPing skips discovery: every host is considered up.
	NoPing bool
	// ServiceDetection, Checks and CVE, when not nil, override the profile.
	ServiceDetection, Checks, CVE *bool
	// FeedDir is the vulnerability feed directory for CVE matching
	// (layout: nvd/*.json, kev.json, epss.csv). Empty or missing means no
	// CVE matching data.
	FeedDir string

	// Resolver resolves hostnames; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// Dialer, Pinger, Detector, Checker and CVEMatcher replace the built-in
	// parts when not nil (tests inject faults; an agent may wrap them).
	Dialer     portscan.Dialer
	Pinger     discovery.Pinger
	Detector   Detector
	Checker    Checker
	CVEMatcher CVEMatcher
}

// plan is Options validated and merged with the profile.
type plan struct {
	opts     Options
	set      *hostspec.Set
	profile  Profile
	ports    portspec.List
	tcp, udp []int
	detect   bool
	checks   bool
	cve      bool
}

// Validate checks the options without scanning: the host lists (a
// *hostspec.ParseError listing every invalid entry), the profile name, the
// discovery method, the port list and the numeric limits. Run calls it first.
func (o Options) Validate() error {
	_, err := o.plan()
	return err
}

func (o Options) plan() (*plan, error) {
	p := &plan{opts: o, profile: o.Profile}
	set, err := hostspec.Parse(o.Hosts, o.Exclude)
	if err != nil {
		return nil, err
	}
	p.set = set
	if p.profile.Name == "" {
		p.profile, _ = ProfileByName(DefaultProfileName)
	}
	prof := &p.profile
	if o.NoPing {
		prof.Discovery = discovery.MethodNone
	}
	if err := (&discovery.Prober{Method: prof.Discovery}).Validate(); err != nil {
		return nil, err
	}
	var errs []error
	for _, f := range []struct {
		name string
		v    int
	}{{"rate", o.Rate}, {"concurrency", o.Concurrency}, {"per-host limit", o.PerHost}} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative (got %d)", f.name, f.v))
		}
	}
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout must not be negative (got %s)", o.Timeout))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	p.ports = prof.Ports
	if len(o.Ports) > 0 {
		if p.ports, err = portspec.Normalize(o.Ports); err != nil {
			return nil, err
		}
	}
	if p.ports.Count() == 0 {
		return nil, errors.New("no ports to scan: give a port list or a profile that has one")
	}
	p.tcp = slices.Collect(p.ports.Ports(portspec.TCP))
	p.udp = slices.Collect(p.ports.Ports(portspec.UDP))

	if o.Rate > 0 {
		prof.Rate = o.Rate
	}
	if o.Concurrency > 0 {
		prof.Concurrency = o.Concurrency
	}
	if o.PerHost > 0 {
		prof.PerHost = o.PerHost
	}
	if o.Timeout > 0 {
		t := &prof.Timing
		t.InitialTimeout, t.MaxTimeout, t.UDPTimeout = o.Timeout, o.Timeout, o.Timeout
		t.MinTimeout = min(t.MinTimeout, o.Timeout)
	}
	prof.Concurrency = max(prof.Concurrency, 1)
	prof.PerHost = min(max(prof.PerHost, 1), prof.Concurrency)
	prof.Hosts = max(prof.Hosts, 1)
	if prof.DetectTimeout <= 0 {
		prof.DetectTimeout = 10 * time.Second
	}

	p.detect, p.checks, p.cve = prof.ServiceDetection, prof.Checks, prof.CVE
	for _, b := range []struct {
		dst *bool
		src *bool
	}{{&p.detect, o.ServiceDetection}, {&p.checks, o.Checks}, {&p.cve, o.CVE}} {
		if b.src != nil {
			*b.dst = *b.src
		}
	}
	if p.checks && o.Checker == nil && len(prof.Families) > 0 {
		if _, err := checks.Select(prof.Families); err != nil {
			return nil, err
		}
	}
	return p, nil
}
