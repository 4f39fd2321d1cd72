// Package pci holds the PCI DSS ASV pass/fail rule for one finding: the one
// place that decides whether a finding counts against compliance. The engine
// applies it to fresh findings, the scan domain to stored ones, and the store
// mirrors it in SQL (store.pciFailSQL, held equal to Fails by a test on both
// engines).
package pci

// ScoreThreshold is the CVSS base score from which a finding fails (ASV
// Program Guide: 4.0 or more).
const ScoreThreshold = 4.0

// Facts is what the verdict reads about one finding.
type Facts struct {
	// Score is the CVSS base score.
	Score float64
	// DoSOnly marks a finding that only threatens availability: the ASV
	// Program Guide excludes denial of service from the score rule.
	DoSOnly bool
	// AutoFail marks one of the ASV automatic failures (early TLS, open
	// database access, default accounts, ...): it fails whatever its score.
	AutoFail bool
	// Waived is true when the finding no longer counts: fixed (a later scan
	// confirmed it gone), or accepted or a false positive through an
	// exception. This is the seam for exceptions: whatever an exception
	// decides about a finding's verdict reaches the rule through Waived (and
	// its SQL mirror), nowhere else.
	Waived bool
}

// Fails reports whether a finding counts against PCI compliance: CVSS ≥ 4.0
// unless it is denial of service only, or an automatic failure; never when
// waived.
func Fails(f Facts) bool {
	if f.Waived {
		return false
	}
	return f.AutoFail || (f.Score >= ScoreThreshold && !f.DoSOnly)
}
