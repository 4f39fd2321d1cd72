package scanner

import (
	"context"
	"net/netip"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/fingerprint"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

func init() {
	defaultDetector = func(timeout time.Duration) Detector {
		return FingerprintDetector{Detector: &fingerprint.Detector{Timeout: timeout}}
	}
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
