package tenant

import (
	"testing"
)

func TestFeatureRegistryNormalize(t *testing.T) {
	t.Parallel()
	good := Features{"max_ips": float64(256), "rescans": "None", "scans_per_month": "12", "max_users": "unlimited", "api_access": false}
	norm, fe := good.Normalize("features.", true)
	if len(fe) != 0 {
		t.Fatalf("valid features refused: %v", fe)
	}
	want := Features{"max_ips": int64(256), "rescans": "none", "scans_per_month": int64(12), "max_users": "unlimited", "api_access": false}
	for k, v := range want {
		if norm[k] != v {
			t.Errorf("%s: %#v, want %#v", k, norm[k], v)
		}
	}
	for _, tc := range []struct {
		f     Features
		field string
	}{
		{Features{"rescans": "none"}, "features.max_ips"}, // required
		{Features{"max_ips": "unlimited"}, "features.max_ips"},
		{Features{"max_ips": 1.5}, "features.max_ips"},
		{Features{"max_ips": -3}, "features.max_ips"},
		{Features{"max_ips": 1, "rescans": true}, "features.rescans"},
		{Features{"max_ips": 1, "api_access": "yes"}, "features.api_access"},
		{Features{"max_ips": 1, "colour": "red"}, "features.colour"},
	} {
		if _, fe := tc.f.Normalize("features.", true); len(fe[tc.field]) == 0 {
			t.Errorf("%v: want an error on %s, got %v", tc.f, tc.field, fe)
		}
	}
	if _, fe := (Features{"rescans": 2}).Normalize("", false); len(fe) != 0 {
		t.Errorf("overrides need no max_ips: %v", fe)
	}
}

func TestFeatureLimits(t *testing.T) {
	t.Parallel()
	f := Features{"max_ips": float64(10), "rescans": "none", "scans_per_month": int64(3)}
	for _, tc := range []struct {
		key       string
		limit     int64
		unlimited bool
	}{
		{FeatureMaxIPs, 10, false}, {FeatureRescans, 0, false}, {FeatureScansPerMonth, 3, false}, {FeatureMaxUsers, 0, true},
	} {
		if l, u := f.Limit(tc.key); l != tc.limit || u != tc.unlimited {
			t.Errorf("%s: %d %v, want %d %v", tc.key, l, u, tc.limit, tc.unlimited)
		}
	}
	if !f.Bool(FeatureAPIAccess) {
		t.Error("api_access defaults to true")
	}
	if (Features{"api_access": false}).Bool(FeatureAPIAccess) {
		t.Error("api_access false")
	}
	if l, u := (Features{}).Limit(FeatureMaxIPs); u || l != 65536 {
		t.Errorf("max_ips default: %d %v", l, u)
	}
}
