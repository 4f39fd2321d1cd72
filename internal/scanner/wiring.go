package scanner

import (
	"context"

	"github.com/perimeterhq/perimeter/internal/scanner/cve"
	"github.com/perimeterhq/perimeter/internal/scanner/fingerprint"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// setupServices fills in the default detector and loads the CVE database
// when Options did not supply them and the profile needs them. A feed that
// cannot be read is reported as an EventError and the scan goes on without
// CVE matching; an empty FeedDir means no CVE data.
func (e *engine) setupServices(ctx context.Context) {
	if e.p.detect && e.detector == nil {
		// The engine runs as many detections on a host at once as the per-host
		// limit allows, so each may hold only one connection; otherwise a
		// detection's parallel probes would pass the limit.
		e.detector = FingerprintDetector{Detector: &fingerprint.Detector{Timeout: e.p.profile.DetectTimeout, MaxConns: 1}}
	}
	if e.p.cve && e.cve == nil && e.p.opts.FeedDir != "" {
		db, err := cve.Load(e.p.opts.FeedDir)
		if err != nil {
			e.emitError(ctx, result.Event{}, "vulnerability feed %s: %v (CVE matching skipped)", e.p.opts.FeedDir, err)
			return
		}
		e.cve = db
	}
}
