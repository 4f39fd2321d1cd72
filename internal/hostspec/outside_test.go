package hostspec

import (
	"net/netip"
	"slices"
	"testing"
)

func TestOutside(t *testing.T) {
	nets := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24"), netip.MustParsePrefix("192.168.1.0/28")}
	for _, c := range []struct {
		hosts, exclude string
		want           []string
	}{
		{"10.0.0.1-10.0.0.9, 192.168.1.3", "", nil},
		{"10.0.0.250-10.0.1.5", "", []string{"10.0.0.250-10.0.1.5"}}, // one span across the prefix's end is outside
		{"10.0.0.5, 172.16.0.1, 192.168.1.20", "", []string{"172.16.0.1", "192.168.1.20"}},
		{"10.0.0.0/23", "10.0.1.0/24", nil}, // exclusions first
		{"scanme.example.test", "", nil},    // names are placed when they resolve
		{"2001:db8::1", "", []string{"2001:db8::1"}},
	} {
		s, err := Parse(c.hosts, c.exclude)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Outside(nets); !slices.Equal(got, c.want) {
			t.Errorf("Outside(%q minus %q) = %q, want %q", c.hosts, c.exclude, got, c.want)
		}
	}
}
