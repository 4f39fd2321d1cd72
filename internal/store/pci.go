package store

import (
	"strconv"
	"strings"

	"github.com/perimeterhq/perimeter/internal/pci"
	"github.com/perimeterhq/perimeter/internal/scan"
)

// pciFailSQL is the one SQL mirror of pci.Fails over scan.Finding.PCIFacts,
// as a condition over the findings alias f: waived statuses never fail, an
// automatic failure always does, otherwise CVSS ≥ pci.ScoreThreshold unless
// denial of service only. TestPCIRuleSQL holds it equal to pci.Fails on every
// engine. The stored pci_fail column records the verdict when the finding was
// found; verdicts are never read from it, so that they follow status changes.
var pciFailSQL = "(f.status NOT IN (" + quoteList(scan.PCIWaivedStatuses) + ") AND (f.pci_auto_fail OR (f.cvss_score >= " +
	strconv.FormatFloat(pci.ScoreThreshold, 'f', 1, 64) + " AND NOT f.dos_only)))"

// pciStatusSQL is the findings list's pci_status column (findingListSQL):
// 'fail' or 'pass'.
var pciStatusSQL = "(CASE WHEN " + pciFailSQL + " THEN 'fail' ELSE 'pass' END)"

// foundPCIFail is the verdict recorded in pci_fail when a finding is stored:
// pci.Fails before any exception or later scan waives it.
func foundPCIFail(f scan.Finding) bool {
	facts := f.PCIFacts()
	facts.Waived = false
	return pci.Fails(facts)
}

func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	return strings.Join(q, ",")
}
