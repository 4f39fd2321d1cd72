package fingerprint

import (
	"slices"
	"testing"
)

func TestFormatCPE(t *testing.T) {
	tests := []struct {
		part, vendor, product, version string
		want                           string
	}{
		{"a", "openbsd", "openssh", "8.9p1", "cpe:2.3:a:openbsd:openssh:8.9p1:*:*:*:*:*:*:*"},
		{"a", "apache", "http_server", "", "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*"},
		{"a", "mariadb", "mariadb", "1:11.2.2+maria~ubu2204", `cpe:2.3:a:mariadb:mariadb:1\:11.2.2\+maria\~ubu2204:*:*:*:*:*:*:*`},
		{"a", "Microsoft", "Internet Information Services", "10.0", "cpe:2.3:a:microsoft:internet_information_services:10.0:*:*:*:*:*:*:*"},
		{"a", "x", "y", `1.0*beta?`, `cpe:2.3:a:x:y:1.0\*beta\?:*:*:*:*:*:*:*`},
		{"a", "x", "y", `a\b`, `cpe:2.3:a:x:y:a\\b:*:*:*:*:*:*:*`},
		{"a", "x", "y", "2.0 (build 5)", `cpe:2.3:a:x:y:2.0_\(build_5\):*:*:*:*:*:*:*`},
		{"a", "x", "y", "ünïcode", "cpe:2.3:a:x:y:ncode:*:*:*:*:*:*:*"},
		{"o", "microsoft", "windows", "-", "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"},
		{"z", "x", "y", "1", ""},
	}
	for _, tt := range tests {
		if got := FormatCPE(tt.part, tt.vendor, tt.product, tt.version); got != tt.want {
			t.Errorf("FormatCPE(%q,%q,%q,%q) = %q, want %q", tt.part, tt.vendor, tt.product, tt.version, got, tt.want)
		}
	}
}

func TestCPEsFor(t *testing.T) {
	if got := CPEsFor("nginx", "1.24.0"); !slices.Equal(got, []string{
		"cpe:2.3:a:f5:nginx:1.24.0:*:*:*:*:*:*:*", "cpe:2.3:a:nginx:nginx:1.24.0:*:*:*:*:*:*:*"}) {
		t.Errorf("CPEsFor(nginx) = %v", got)
	}
	if got := CPEsFor("Some Unknown Server", "1.0"); got != nil {
		t.Errorf("CPEsFor(unknown) = %v, want nil", got)
	}
	if got := CPEsFor("", ""); got != nil {
		t.Errorf("CPEsFor(\"\") = %v, want nil", got)
	}
	// Every entry of the table must be a well-formed part:vendor:product.
	for product, names := range productCPE {
		for _, n := range names {
			c := CPEsFor(product, "1")
			if len(c) == 0 || len(n) < 5 || (n[0] != 'a' && n[0] != 'o' && n[0] != 'h') || n[1] != ':' {
				t.Errorf("productCPE[%q] has bad name %q", product, n)
			}
		}
	}
}

func TestMatchCPEsIncludesAlso(t *testing.T) {
	m := Match{Product: "Apache httpd", Version: "2.4.41", Also: []Software{{"OpenSSL", "1.1.1f"}, {"PHP", "7.4.3"}, {"Apache httpd", "2.4.41"}, {"Python", ""}}}
	want := []string{
		"cpe:2.3:a:apache:http_server:2.4.41:*:*:*:*:*:*:*",
		"cpe:2.3:a:openssl:openssl:1.1.1f:*:*:*:*:*:*:*",
		"cpe:2.3:a:php:php:7.4.3:*:*:*:*:*:*:*",
	}
	if got := m.CPEs(); !slices.Equal(got, want) {
		t.Errorf("CPEs() = %v, want %v", got, want)
	}
}

func TestSplitVersionSuffix(t *testing.T) {
	tests := []struct {
		in, version, suffix string
		distro              bool
	}{
		{"8.0.36-0ubuntu0.22.04.1", "8.0.36", "0ubuntu0.22.04.1", true},
		{"5.7.44-log", "5.7.44", "log", false},
		{"4.2.8p15", "4.2.8p15", "", false},
		{"1.3.5e", "1.3.5e", "", false},
		{"9.4.51.v20230217", "9.4.51", "v20230217", false},
		{"2.4.6-el7_9", "2.4.6", "el7_9", true},
		{"16.2+deb12u1", "16.2", "deb12u1", true},
		{"beta", "beta", "", false},
	}
	for _, tt := range tests {
		v, s, d := splitVersionSuffix(tt.in)
		if v != tt.version || s != tt.suffix || d != tt.distro {
			t.Errorf("splitVersionSuffix(%q) = %q %q %v, want %q %q %v", tt.in, v, s, d, tt.version, tt.suffix, tt.distro)
		}
	}
}
