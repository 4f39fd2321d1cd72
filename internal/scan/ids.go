package scan

import (
	"strconv"

	"github.com/google/uuid"
)

// Result rows get ids derived from their natural keys (UUIDv5 over a fixed
// namespace), so writing the same result twice — a retried batch, a resumed
// run — touches the same row instead of adding one.
var namespace = uuid.MustParse("6f1b9a50-2f0c-4c7e-9d55-1a2b3c4d5e6f")

func derive(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = append(b, p...)
		b = append(b, 0)
	}
	return uuid.NewSHA1(namespace, b).String()
}

// HostID is the inventory id of an IP in an organization.
func HostID(orgID, ip string) string { return derive("host", orgID, ip) }

// RunHostID is the id of a host in a run.
func RunHostID(runID, ip string) string { return derive("run_host", runID, ip) }

// ServiceID is the id of a port of a host in a run.
func ServiceID(runID, hostID string, port int, proto string) string {
	return derive("service", runID, hostID, strconv.Itoa(port), proto)
}

// FindingID is the id of the organization-wide finding for a host, port and check.
func FindingID(orgID, hostID string, port int, proto, checkID string) string {
	return derive("finding", orgID, hostID, strconv.Itoa(port), proto, checkID)
}
