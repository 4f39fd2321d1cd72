package scanner

import (
	"context"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/cve"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// defaultDetector builds the built-in service detector; it is set by the
// wiring file of the detection package, and nil means this build has none
// (detection then runs only with Options.Detector).
var defaultDetector func(timeout time.Duration) Detector

// setupServices fills in the default detector and loads the CVE database
// when Options did not supply them and the profile needs them. A feed that
// cannot be read is reported as an EventError and the scan goes on without
// CVE matching; an empty FeedDir means no CVE data.
func (e *engine) setupServices(ctx context.Context) {
	if e.p.detect && e.detector == nil && defaultDetector != nil {
		e.detector = defaultDetector(e.p.profile.DetectTimeout)
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
