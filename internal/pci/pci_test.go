package pci_test

import (
	"testing"

	"github.com/perimeterhq/perimeter/internal/pci"
)

func TestFails(t *testing.T) {
	tests := []struct {
		name  string
		facts pci.Facts
		fails bool
	}{
		{"zero", pci.Facts{}, false},
		{"just below", pci.Facts{Score: 3.9}, false},
		{"threshold", pci.Facts{Score: 4.0}, true},
		{"critical", pci.Facts{Score: 9.8}, true},
		{"dos only medium", pci.Facts{Score: 5.0, DoSOnly: true}, false},
		{"dos only critical", pci.Facts{Score: 9.1, DoSOnly: true}, false},
		{"auto fail low", pci.Facts{Score: 2.0, AutoFail: true}, true},
		{"auto fail unscored", pci.Facts{AutoFail: true}, true},
		{"auto fail and dos only", pci.Facts{Score: 7.5, AutoFail: true, DoSOnly: true}, true},
		{"waived critical", pci.Facts{Score: 9.8, Waived: true}, false},
		{"waived auto fail", pci.Facts{Score: 5.3, AutoFail: true, Waived: true}, false},
	}
	for _, tt := range tests {
		if got := pci.Fails(tt.facts); got != tt.fails {
			t.Errorf("%s: Fails(%+v) = %v, want %v", tt.name, tt.facts, got, tt.fails)
		}
	}
}
