package scanner

import (
	"context"
	"net/netip"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/fingerprint"
	// Every check family registers itself: the engine runs them all by default.
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/all"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Detector identifies what answers on an open port. Detect returns svc with
// Service, Product, Version, CPE, Banner, TLS and Extra filled as far as the
// port revealed them; it does not fail (an unknown service comes back with
// Service ""), and returns promptly when ctx ends. A UDP port in state
// open|filtered that answers comes back open.
type Detector interface {
	Detect(ctx context.Context, ip netip.Addr, hostname string, svc result.Service) result.Service
}

// Checker runs vulnerability checks of the given families (empty: all)
// against one service, with at most concurrency connections at once. The
// errors are non-fatal (a check that could not decide); findings need not
// carry Severity or PCIFail, which the engine derives from the score.
type Checker interface {
	Check(ctx context.Context, ip netip.Addr, hostname string, svc result.Service, families []string, concurrency int) ([]result.Finding, []error)
}

// CVEMatcher reports known vulnerabilities of a detected product (one
// finding per CVE, check ID "cve:<CVE-ID>"). *cve.DB, loaded from
// Options.FeedDir, is the default.
type CVEMatcher interface {
	Match(svc result.Service) []result.Finding
}

// RegisteredChecks is the default Checker: every check registered with
// package checks (the engine imports all families), run through
// checks.Runner.
type RegisteredChecks struct{}

// Check implements Checker. It returns the runner's per-check errors and an
// error for unknown families.
func (RegisteredChecks) Check(ctx context.Context, ip netip.Addr, hostname string, svc result.Service, families []string, concurrency int) ([]result.Finding, []error) {
	cs, err := checks.Select(families)
	findings, errs := checks.Runner{Concurrency: concurrency}.Run(ctx, checks.Target{IP: ip, Hostname: hostname, Service: svc}, cs)
	if err != nil {
		errs = append([]error{err}, errs...)
	}
	return findings, errs
}

// FingerprintDetector adapts package fingerprint to Detector; it is the
// engine's default detector.
type FingerprintDetector struct {
	Detector *fingerprint.Detector
}

// Detect implements Detector.
func (d FingerprintDetector) Detect(ctx context.Context, ip netip.Addr, hostname string, svc result.Service) result.Service {
	return d.Detector.Detect(ctx, fingerprint.Target{IP: ip, Hostname: hostname}, svc)
}
