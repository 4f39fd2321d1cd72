package scanner

import (
	"slices"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

func TestNormalizeFinding(t *testing.T) {
	svc := result.Service{Port: 443, Protocol: result.TCP, Service: "https"}
	for _, tc := range []struct {
		score    float64
		dos      bool
		severity string
		pciFail  bool
	}{
		{9.8, false, result.SeverityCritical, true},
		{7.5, true, result.SeverityHigh, false}, // denial of service only: not a PCI failure
		{4.0, false, result.SeverityMedium, true},
		{3.9, false, result.SeverityLow, false},
		{0, false, result.SeverityInfo, false},
	} {
		f := result.Finding{CheckID: "x", CVSSScore: tc.score, DoSOnly: tc.dos, Severity: "bogus", PCIFail: !tc.pciFail}
		normalizeFinding(&f, svc)
		if f.Severity != tc.severity || f.PCIFail != tc.pciFail {
			t.Errorf("score %v dos %v: severity %q pci_fail %v, want %q %v", tc.score, tc.dos, f.Severity, f.PCIFail, tc.severity, tc.pciFail)
		}
		if f.Port != 443 || f.Protocol != result.TCP || f.Service != "https" || f.CVEs == nil {
			t.Errorf("port/protocol/service not filled: %+v", f)
		}
	}
	f := result.Finding{Port: 8443, Protocol: result.TCP}
	normalizeFinding(&f, svc)
	if f.Port != 8443 {
		t.Errorf("a finding's own port was replaced: %d", f.Port)
	}
}

func TestSortFindingsMostSevereFirst(t *testing.T) {
	fs := []result.Finding{
		{CheckID: "b", CVSSScore: 5, Port: 80},
		{CheckID: "a", CVSSScore: 9.8, Port: 443},
		{CheckID: "c", CVSSScore: 5, Port: 22},
		{CheckID: "a", CVSSScore: 5, Port: 22},
	}
	sortFindings(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.CheckID)
	}
	if want := []string{"a", "a", "c", "b"}; !slices.Equal(got, want) || fs[0].CVSSScore != 9.8 {
		t.Errorf("order %v, want %v", got, want)
	}
}
