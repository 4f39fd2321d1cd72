package app

import (
	"slices"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	_ "github.com/perimeterhq/perimeter/internal/scanner/checks/all" // the registry must hold every check to judge coverage
)

// checkCovered reports whether a run with settings would have reported a
// finding of checkID had it still been there: CVE findings need service
// detection and CVE matching; check findings need their family to have run.
// Findings of checks this version no longer knows are never judged fixed.
// A run on a Greenbone manager covers the manager's findings (gvm:) instead.
func checkCovered(set scan.Settings, checkID string) bool {
	if set.Engine == scanconfig.AppOpenVAS { // the manager ran its own checks, and only those
		return strings.HasPrefix(checkID, "gvm:")
	}
	if strings.HasPrefix(checkID, "cve:") {
		return set.CVE && set.ServiceDetection
	}
	c, ok := checks.Lookup(checkID)
	if !ok || !set.Checks {
		return false
	}
	return len(set.Families) == 0 || slices.Contains(set.Families, c.Meta().Family)
}
