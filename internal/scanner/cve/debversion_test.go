package cve

import "testing"

func TestCompareDebianVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1:9.2p1-2+deb12u10", "1:9.2p1-2+deb12u10", 0},
		{"1:9.2p1-2+deb12u3", "1:9.2p1-2+deb12u10", -1}, // digit runs are numbers
		{"1:9.2p1-2+deb12u10", "1:9.2p1-2", 1},
		{"1:9.2p1-2", "1:9.3p1-1", -1},
		{"9.9p1-1", "1:7.4p1-10", -1},   // the epoch wins over the upstream part
		{"0", "1:9.2p1-2+deb12u10", -1}, // the tracker's "not affected"
		{"1:9.2p1-2", "01:9.2p1-2", 0},  // epochs compare as numbers
		{"1.0~rc1-1", "1.0-1", -1},      // '~' sorts before the end
		{"1.0~~-1", "1.0~-1", -1},
		{"1.0-1~bpo12+1", "1.0-1", -1},
		{"1.0a", "1.0", 1},  // a letter sorts after the end
		{"1.0.", "1.0+", 1}, // other characters in ASCII order
		{"1.0.", "1.0+", 1}, // other characters in ASCII order
		{"2.4.62-1~deb12u2", "2.4.62-1~deb12u1", 1},
		{"2.4.62-1~deb12u1", "2.4.62-1", -1},
		{"1.22.1-9+deb12u1", "1.22.1-9", 1},
		{"3.0.15-1~deb12u1", "3.0.11-1~deb12u2", 1},
		{"1:8.9p1-3ubuntu0.10", "1:8.9p1-3ubuntu0.6", 1},
		{"1.0-0", "1.0", 0}, // a missing revision orders like "0"
		{"10", "9", 1},
		{"1.002", "1.2", 0},
		{"1.0-1-2", "1.0-1-10", -1}, // the revision starts after the last '-'
		{"", "0", 0},
		{"99999999999999999999999", "99999999999999999999998", 1}, // no overflow
	}
	for _, tt := range tests {
		if got := CompareDebianVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareDebianVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CompareDebianVersions(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareDebianVersions(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestValidDebianVersion(t *testing.T) {
	for v, want := range map[string]bool{
		"1:9.2p1-2+deb12u10": true,
		"2.4.62-1~deb12u2":   true,
		"0":                  true,
		"1.0~rc1":            true,
		"1.2-3-4":            true,
		"":                   false,
		":1.0":               false,
		"a:1.0":              false,
		"1.0-":               false,
		"x1.0":               false,
		"1.0 1":              false,
		"1:2:3":              false,
		"1.0-a_b":            false,
	} {
		if got := ValidDebianVersion(v); got != want {
			t.Errorf("ValidDebianVersion(%q) = %v, want %v", v, got, want)
		}
	}
}
