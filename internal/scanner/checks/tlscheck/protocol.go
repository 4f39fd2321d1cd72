package tlscheck

import (
	"context"
	"errors"
	"fmt"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// protocolCheck reports a server that completes a ServerHello for one old
// protocol version when the client offers only that version.
type protocolCheck struct {
	meta    checks.Meta
	version uint16
}

var _ checks.Check = (*protocolCheck)(nil)

// Meta returns the check's metadata.
func (c *protocolCheck) Meta() checks.Meta { return c.meta }

// Applies reports whether the check is meaningful for svc.
func (c *protocolCheck) Applies(svc result.Service) bool { return applies(svc) }

// Run probes the target; see the package documentation for what counts as a finding.
func (c *protocolCheck) Run(ctx context.Context, t checks.Target) ([]result.Finding, error) {
	sh, ok, err := sendHello(ctx, t, clientHello{version: c.version, suites: broadSuites, serverName: t.Hostname})
	if errors.Is(err, errNoStartTLS) {
		return nil, nil
	}
	if err != nil || !ok || sh.negotiated() != c.version {
		return nil, err
	}
	ev := fmt.Sprintf("Offered only %s; the server answered with a ServerHello for %s selecting %s.",
		versionName(c.version), versionName(sh.negotiated()), suiteName(sh.cipherSuite))
	return []result.Finding{c.meta.Finding(t, ev)}, nil
}
