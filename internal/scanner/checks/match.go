package checks

import (
	"slices"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Match is the common applicability rule: the service name is one of
// Services, or (only when service detection named nothing) the port is one of
// Ports. Protocol, when set, must equal the service's protocol.
type Match struct {
	Services []string // lower-case service names, e.g. "ssh"
	Ports    []int    // well-known ports used when the service is unnamed
	Protocol string   // result.TCP, result.UDP or "" for either
}

// Applies reports whether svc matches m.
func (m Match) Applies(svc result.Service) bool {
	if m.Protocol != "" && svc.Protocol != "" && svc.Protocol != m.Protocol {
		return false
	}
	name := strings.ToLower(svc.Service)
	if name == "" || name == "unknown" || name == "tcpwrapped" {
		return slices.Contains(m.Ports, svc.Port)
	}
	return slices.Contains(m.Services, name)
}
