package store_test

import (
	"testing"

	"github.com/perimeterhq/perimeter/internal/pci"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// TestPCIRuleSQL holds the store's SQL mirror of the PCI rule equal to
// pci.Fails (through scan.Finding.FailsPCI) on every engine.
func TestPCIRuleSQL(t *testing.T) {
	var rows []scan.Finding
	for _, score := range []float64{0, 2.0, 3.9, 4.0, 5.3, 9.8} {
		for _, status := range scan.FindingStatuses {
			for _, dos := range []bool{false, true} {
				for _, auto := range []bool{false, true} {
					rows = append(rows, scan.Finding{CVSSScore: score, DoSOnly: dos, PCIAutoFail: auto, Status: status})
				}
			}
		}
	}
	storetest.Each(t, func(t *testing.T, engine string) {
		s := storetest.Open(t, engine)
		fails := 0
		for _, f := range rows {
			got, err := s.PCIFailSQLForTest(ctx, f.CVSSScore, f.DoSOnly, f.PCIAutoFail, f.Status)
			if err != nil {
				t.Fatal(err)
			}
			if want := f.FailsPCI(); got != want || want != pci.Fails(f.PCIFacts()) {
				t.Errorf("score %v dos %v auto %v status %s: SQL %v, Go %v", f.CVSSScore, f.DoSOnly, f.PCIAutoFail, f.Status, got, want)
			}
			if got {
				fails++
			}
		}
		if fails == 0 || fails == len(rows) {
			t.Errorf("%d of %d rows fail: the table does not exercise the rule", fails, len(rows))
		}
	})
}
