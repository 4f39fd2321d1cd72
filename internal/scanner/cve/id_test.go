package cve

import (
	"strings"
	"testing"
)

func TestValidID(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"CVE-2024-0001", "CVE-1999-12345678"} {
		if !validID(ok) {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", "CVE-", "CVE-2024", "CVE-2024-", "CVE-2024-001", "CVE-20x4-0001", "CVE-2024-00a1", "cve-2024-0001", "CVE_2024_0001", "CVE-2024-0001 "} {
		if validID(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Found by FuzzEPSS: a prefix check let "CVE-" through as an id; each feed
// parser now refuses a malformed id.
func TestFeedsRefuseMalformedIDs(t *testing.T) {
	t.Parallel()
	if _, err := ScanEPSS(strings.NewReader("cve,epss,percentile\nCVE-,0,0\n")); err == nil {
		t.Error("EPSS accepted the id CVE-")
	}
	if _, err := ScanKEV(strings.NewReader(`{"vulnerabilities":[{"cveID":"CVE-x"}]}`)); err == nil {
		t.Error("KEV accepted the id CVE-x")
	}
	if _, err := ScanNVD(strings.NewReader(`{"format":"NVD_CVE","version":"2.0","vulnerabilities":[{"cve":{"id":"CVE-1"}}]}`)); err == nil {
		t.Error("NVD accepted the id CVE-1")
	}
}
