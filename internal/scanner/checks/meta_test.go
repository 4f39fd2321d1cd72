package checks

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

func TestCVSSScoreKnownVectors(t *testing.T) {
	tests := []struct {
		vector string
		want   float64
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0}, // CVE-2021-44228
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5},  // CVE-2014-0160
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:L/I:N/A:N", 3.4},  // CVE-2014-3566
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8},
		{"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6},
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0},
	}
	for _, tt := range tests {
		got, err := CVSSScore(tt.vector)
		if err != nil || got != tt.want {
			t.Errorf("CVSSScore(%s) = %v, %v; want %v", tt.vector, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "CVSS:3.1/AV:N", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV:N/AC:L/Au:N/C:P/I:P/A:P"} {
		if _, err := CVSSScore(bad); err == nil {
			t.Errorf("CVSSScore(%q) accepted", bad)
		}
	}
}

func validMeta() Meta {
	return Meta{
		ID: "unit.sample", Family: "unit", Title: "t", Description: "d", Solution: "s",
		CVSSVector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", Confidence: 90,
	}
}

func TestNewMeta(t *testing.T) {
	m := NewMeta(validMeta())
	if m.Score != 5.9 || m.Severity != result.SeverityMedium || !m.PCIFail() {
		t.Fatalf("%+v", m)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	m.Score = 9.0
	if m.Validate() == nil {
		t.Error("hand-set score accepted")
	}
	for name, mutate := range map[string]func(*Meta){
		"bad id":        func(m *Meta) { m.ID = "Unit Sample" },
		"family prefix": func(m *Meta) { m.ID = "other.sample" },
		"no title":      func(m *Meta) { m.Title = "" },
		"bad vector":    func(m *Meta) { m.CVSSVector = "CVSS:3.1/AV:N" },
		"confidence":    func(m *Meta) { m.Confidence = 101 },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			m := validMeta()
			mutate(&m)
			NewMeta(m)
		})
	}
}

func TestPCIRules(t *testing.T) {
	low := validMeta()
	low.CVSSVector = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N" // 3.7
	if NewMeta(low).PCIFail() {
		t.Error("3.7 fails PCI")
	}
	dos := validMeta()
	dos.CVSSVector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H" // 7.5
	dos.DoSOnly, dos.PCIAutoFail = true, true
	f := NewMeta(dos).Finding(Target{}, "x")
	if f.PCIFail || f.PCIAutoFail || !f.DoSOnly {
		t.Errorf("DoS-only finding %+v", f)
	}
	auto := validMeta()
	auto.PCIAutoFail = true
	if f := NewMeta(auto).Finding(Target{}, ""); !f.PCIAutoFail || !f.PCIFail {
		t.Errorf("auto-fail finding %+v", f)
	}
}

func TestFinding(t *testing.T) {
	m := NewMeta(validMeta())
	m.References = []string{"https://example.test/a"}
	tg := Target{IP: netip.MustParseAddr("127.0.0.1"), Service: result.Service{Port: 443, Protocol: "tcp", Service: "https"}}
	f := m.Finding(tg, "line1\r\nline2\x00\x1b[31m")
	if f.CheckID != "unit.sample" || f.Port != 443 || f.Protocol != "tcp" || f.Service != "https" ||
		f.CVSSScore != 5.9 || f.Severity != "medium" || f.Confidence != 90 || f.Evidence != "line1\nline2..[31m" {
		t.Fatalf("%+v", f)
	}
	f.References[0] = "changed"
	if m.References[0] != "https://example.test/a" {
		t.Error("finding shares the meta's references")
	}
}

func TestEvidenceBounded(t *testing.T) {
	long := strings.Repeat("é", MaxEvidence)
	got := Evidence(long)
	if len(got) > MaxEvidence || !strings.HasPrefix(long, got) {
		t.Fatalf("len %d", len(got))
	}
	if Evidence("\xff\xfeok\tfine") != "..ok\tfine" {
		t.Errorf("%q", Evidence("\xff\xfeok\tfine"))
	}
}

func TestMatch(t *testing.T) {
	m := Match{Services: []string{"ssh"}, Ports: []int{22}, Protocol: result.TCP}
	for _, tt := range []struct {
		svc  result.Service
		want bool
	}{
		{result.Service{Port: 2222, Protocol: "tcp", Service: "ssh"}, true},
		{result.Service{Port: 2222, Protocol: "tcp", Service: "SSH"}, true},
		{result.Service{Port: 22, Protocol: "tcp"}, true},
		{result.Service{Port: 22, Protocol: "tcp", Service: "unknown"}, true},
		{result.Service{Port: 22, Protocol: "tcp", Service: "http"}, false},
		{result.Service{Port: 22, Protocol: "udp"}, false},
		{result.Service{Port: 23, Protocol: "tcp"}, false},
	} {
		if got := m.Applies(tt.svc); got != tt.want {
			t.Errorf("Applies(%+v) = %v", tt.svc, got)
		}
	}
}
