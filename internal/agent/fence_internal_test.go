package agent

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/hostspec"
)

// v6All is the complement's IPv6 part when no IPv6 network is given: all
// of IPv6 but the IPv4-mapped block.
const v6All = "::-::fffe:ffff:ffff,::1:0:0:0-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"

// TestComplement checks the exclusions that keep a scan inside --networks.
func TestComplement(t *testing.T) {
	p := netip.MustParsePrefix
	for _, c := range []struct {
		nets []netip.Prefix
		want string
	}{
		{[]netip.Prefix{p("127.0.0.0/8")}, "0.0.0.0-126.255.255.255,128.0.0.0-255.255.255.255," + v6All},
		{[]netip.Prefix{p("10.0.0.0/8"), p("10.1.0.0/16"), p("0.0.0.0/8")},
			"1.0.0.0-9.255.255.255,11.0.0.0-255.255.255.255," + v6All},
		{[]netip.Prefix{p("0.0.0.0/0"), p("::1/128")}, "::-::,::2-::fffe:ffff:ffff,::1:0:0:0-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{[]netip.Prefix{p("192.168.1.7/24"), p("255.255.255.255/32"), p("fd00::/8")},
			"0.0.0.0-192.168.0.255,192.168.2.0-255.255.255.254,::-::fffe:ffff:ffff,::1:0:0:0-fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff," +
				"fe00::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	} {
		if got := strings.Join(complement(c.nets), ","); got != c.want {
			t.Errorf("complement(%v):\n got %s\nwant %s", c.nets, got, c.want)
		}
	}
}

// TestFenceRefusal: literal addresses outside the networks are refused
// before anything is scanned; inside them, or without networks, nothing is.
func TestFenceRefusal(t *testing.T) {
	f := newFence([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/24")})
	if r := f.refusal("127.0.0.1-127.0.0.9", ""); r != "" {
		t.Errorf("inside: %s", r)
	}
	if r := f.refusal("127.0.0.250-127.0.1.3, 10.0.0.1, example.test", "10.0.0.1"); !strings.Contains(r, "127.0.0.250-127.0.1.3 outside") {
		t.Errorf("outside: %q", r)
	}
	set, err := hostspec.Parse("127.0.0.1,127.0.1.1,::1,::ffff:127.0.0.2", f.exclude(""))
	if err != nil {
		t.Fatal(err)
	}
	if got := set.String(); got != "127.0.0.1-127.0.0.2" {
		t.Errorf("scanned inside the fence: %s, want 127.0.0.1-127.0.0.2", got)
	}
	if r := newFence(nil).refusal("10.0.0.1", ""); r != "" {
		t.Errorf("no networks: %s", r)
	}
	if got := f.exclude("10.0.0.1"); !strings.HasPrefix(got, "10.0.0.1,0.0.0.0-126.255.255.255,127.0.1.0-255.255.255.255,") {
		t.Errorf("exclude: %s", got)
	}
}
