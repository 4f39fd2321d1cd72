package cve

import "testing"

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"2.4.58", "2.4.58", 0},
		{"2.4.57", "2.4.58", -1},
		{"2.4.100", "2.4.58", 1},
		{"1.2", "1.2.0", 0},
		{"1.2.0.1", "1.2", 1},
		{"7.4p1", "7.4", 1},
		{"7.4p1", "7.4p2", -1},
		{"7.4p1", "7.5", -1},
		{"8.9p1", "9.3p2", -1},
		{"9.3p2", "9.3p1", 1},
		{"7.4p1", "7.4.0", 1},
		{"1.3.5e", "1.3.5", 1},
		{"1.3.5e", "1.3.5d", 1},
		{"1.3.5e", "1.3.6", -1},
		{"1.3.6rc2", "1.3.6", -1},
		{"1.3.5e", "1.3.6rc1", -1},
		{"1.0.2k", "1.0.2l", -1},
		{"1.0.2k", "1.0.2", 1},
		{"1.0.2zh", "1.0.2z", 1},
		{"1.1.1w", "3.0.0", -1},
		{"10.11.6-MariaDB", "10.11.6", 0},
		{"10.11.6-MariaDB", "10.11.7", -1},
		{"5.7.42-0ubuntu0.18.04.1-log", "5.7.42", 0},
		{"1.2.0-rc1", "1.2.0", -1},
		{"1.2.0-rc1", "1.2.0-rc2", -1},
		{"1.2.0-beta2", "1.2.0-rc1", -1},
		{"1.2.0-alpha", "1.2.0-beta", -1},
		{"1.2.0-SNAPSHOT", "1.2.0-alpha1", -1},
		{"1.2.0rc1", "1.2.0-rc.1", 0},
		{"3.9.0a1", "3.9.0b1", -1},
		{"2.0b3", "2.0", -1},
		{"9.0.0.M1", "9.0.0", -1},
		{"5.0.0.RELEASE", "5.0.0", 0},
		{"1.0.1a", "1.0.1", 1}, // OpenSSL letter release, not alpha
		{"8u151", "8u152", -1},
		{"1:2.3", "2.3", 1},
		{"1:2.3", "2:1.0", -1},
		{"0:2.3", "2.3", 0},
		{"8.9p1 Ubuntu-3ubuntu0.6", "8.9p1", 0},
		{"8.9p1 Ubuntu-3ubuntu0.6", "8.9p2", -1},
		{"2.4.38-3+deb10u8", "2.4.38", 0},
		{"1.2.3+build.7", "1.2.3", 0},
		{"v1.2.3", "1.2.3", 0},
		{"99999999999999999999999.1", "99999999999999999999998.9", 1},
		{"007", "7", 0},
		{"", "", 0},
		{"", "0.1", -1},
	}
	for _, tt := range tests {
		if got := CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CompareVersions(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestParseVersionTag(t *testing.T) {
	tests := []struct{ in, tag string }{
		{"8.9p1 Ubuntu-3ubuntu0.6", "Ubuntu-3ubuntu0.6"},
		{"10.11.6-MariaDB", "MariaDB"},
		{"2.4.38-3+deb10u8", "3 deb10u8"},
		{"1.2.0-rc1", ""},
		{"2.4.58", ""},
	}
	for _, tt := range tests {
		if got := ParseVersion(tt.in).Tag(); got != tt.tag {
			t.Errorf("ParseVersion(%q).Tag() = %q, want %q", tt.in, got, tt.tag)
		}
		if got := ParseVersion(tt.in).String(); got != tt.in {
			t.Errorf("ParseVersion(%q).String() = %q", tt.in, got)
		}
	}
}

func TestVersionWithoutUpdate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"7.4p1", "7.4"},
		{"1.2.0-rc1", "1.2.0"},
		{"1.0.2k", "1.0.2k"},
		{"2.4.58", "2.4.58"},
	}
	for _, tt := range tests {
		got := ParseVersion(tt.in).withoutUpdate()
		if got.Compare(ParseVersion(tt.want)) != 0 {
			t.Errorf("withoutUpdate(%q) does not equal %q", tt.in, tt.want)
		}
	}
	if ParseVersion("1.0.2k").withoutUpdate().Compare(ParseVersion("1.0.2")) == 0 {
		t.Error("a post-release letter must not be dropped like an update")
	}
}

// FuzzCompareVersions checks that parsing never panics and that the order is
// a total order: reflexive, antisymmetric and transitive.
func FuzzCompareVersions(f *testing.F) {
	for _, s := range []string{"7.4p1", "8.9p1 Ubuntu-3ubuntu0.6", "1.3.5e", "2.4.58", "10.11.6-MariaDB",
		"1.0.2k", "1.2.0-rc1", "1:2.3", "9.0.0.M1", "", "-", "..", "1.2.3+x", "v0", "a1b2c3"} {
		f.Add(s, "1.2.0", "7.4")
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		va, vb, vc := ParseVersion(a), ParseVersion(b), ParseVersion(c)
		if va.Compare(va) != 0 {
			t.Fatalf("%q != itself", a)
		}
		ab, ba := va.Compare(vb), vb.Compare(va)
		if ab != -ba {
			t.Fatalf("Compare(%q,%q)=%d but Compare(%q,%q)=%d", a, b, ab, b, a, ba)
		}
		if ab <= 0 && vb.Compare(vc) <= 0 && va.Compare(vc) > 0 {
			t.Fatalf("not transitive: %q <= %q <= %q but %q > %q", a, b, c, a, c)
		}
		_ = va.withoutUpdate().Compare(vb.withUpdate(c))
	})
}
