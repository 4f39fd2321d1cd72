// Package checks holds the registry of vulnerability checks the scan engine runs
// against fingerprinted services, the metadata every check carries (CVSS 3.1
// vector and the score computed from it, severity, PCI flags, confidence) and
// RunAll, which runs the applicable checks for one service with bounded
// concurrency.
//
// Checks live in one subpackage per family (checks/tlscheck, checks/httpcheck,
// ...) and register themselves from init; import checks/all to get every family.
package checks

import (
	"context"
	"net"
	"net/netip"
	"strconv"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Check is one registered test for one weakness. Implementations must be safe
// for concurrent use: the engine runs the same Check against many targets at once.
type Check interface {
	// Meta returns the check's static description; it must not change after
	// registration.
	Meta() Meta
	// Applies reports whether the check is meaningful for a fingerprinted
	// service (by service name, TLS flag, or well-known port when the service
	// name is empty). It does no I/O.
	Applies(svc result.Service) bool
	// Run tests the target and returns a finding per confirmed weakness (none
	// when the target is not affected). An error means the check could not
	// decide (connection failed, protocol error, context done); it is reported
	// as non-fatal by RunAll.
	Run(ctx context.Context, t Target) ([]result.Finding, error)
}

// Target is what a check runs against: one address, the host name it was
// scanned under (if any, for SNI, Host headers and certificate names) and one
// fingerprinted service on it.
type Target struct {
	IP       netip.Addr
	Hostname string
	Service  result.Service

	// shared memoises probes that several checks of one family need (one TLS
	// handshake for all certificate checks, one SSH KEXINIT for all algorithm
	// checks). RunAll sets it; a zero Target simply runs every probe itself.
	shared *sharedStore
}

// Addr returns the host:port the service listens on, for net.Dial.
func (t Target) Addr() string {
	return net.JoinHostPort(t.IP.String(), strconv.Itoa(t.Service.Port))
}

// Network returns "tcp" or "udp" from the service's protocol ("tcp" when unset).
func (t Target) Network() string {
	if t.Service.Protocol == result.UDP {
		return "udp"
	}
	return "tcp"
}

// Name returns the name to present to the service and to match certificates
// against: the host name when the target has one, else the IP address.
func (t Target) Name() string {
	if t.Hostname != "" {
		return t.Hostname
	}
	return t.IP.String()
}
