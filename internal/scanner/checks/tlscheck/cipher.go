package tlscheck

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// cipherCheck offers only the suites of one weak class (with TLS 1.2 as the
// highest version, so older servers negotiate down) and reports a server
// that picks one of them.
type cipherCheck struct {
	meta   checks.Meta
	suites []uint16
}

var _ checks.Check = (*cipherCheck)(nil)

// Meta returns the check's metadata.
func (c *cipherCheck) Meta() checks.Meta { return c.meta }

// Applies reports whether the check is meaningful for svc.
func (c *cipherCheck) Applies(svc result.Service) bool { return applies(svc) }

// Run probes the target; see the package documentation for what counts as a finding.
func (c *cipherCheck) Run(ctx context.Context, t checks.Target) ([]result.Finding, error) {
	sh, ok, err := sendHello(ctx, t, clientHello{version: versionTLS12, suites: c.suites, serverName: t.Hostname})
	if errors.Is(err, errNoStartTLS) {
		return nil, nil
	}
	if err != nil || !ok {
		return nil, err
	}
	if !slices.Contains(c.suites, sh.cipherSuite) {
		// A server must not pick a suite we did not offer; treat as not accepted.
		return nil, nil
	}
	ev := fmt.Sprintf("Offered only %d suites of this class; the server selected %s with %s.",
		len(c.suites), suiteName(sh.cipherSuite), versionName(sh.negotiated()))
	return []result.Finding{c.meta.Finding(t, ev)}, nil
}
