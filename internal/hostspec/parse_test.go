package hostspec

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func addrStrings(s *Set) []string {
	var out []string
	for a := range s.Addrs() {
		out = append(out, a.String())
	}
	return out
}

func mustParse(t *testing.T, hosts, exclude string) *Set {
	t.Helper()
	s, err := Parse(hosts, exclude)
	if err != nil {
		t.Fatalf("Parse(%q, %q): %v", hosts, exclude, err)
	}
	return s
}

func TestParseEntries(t *testing.T) {
	tests := []struct {
		name      string
		hosts     string
		exclude   string
		wantAddrs []string
		wantNames []string
		wantCount uint64
	}{
		{name: "single IPv4", hosts: "10.0.0.1", wantAddrs: []string{"10.0.0.1"}, wantCount: 1},
		{name: "single IPv6", hosts: "2001:db8::1", wantAddrs: []string{"2001:db8::1"}, wantCount: 1},
		{name: "IPv4-mapped IPv6 is IPv4", hosts: "::ffff:10.0.0.1, 10.0.0.1", wantAddrs: []string{"10.0.0.1"}, wantCount: 1},
		{name: "IPv4 CIDR", hosts: "192.168.1.0/30", wantAddrs: []string{"192.168.1.0", "192.168.1.1", "192.168.1.2", "192.168.1.3"}, wantCount: 4},
		{name: "CIDR /32", hosts: "192.168.1.7/32", wantAddrs: []string{"192.168.1.7"}, wantCount: 1},
		{name: "CIDR with host bits is its network", hosts: "10.0.0.5/30", wantAddrs: []string{"10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7"}, wantCount: 4},
		{name: "IPv6 CIDR", hosts: "2001:db8::/126", wantAddrs: []string{"2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"}, wantCount: 4},
		{name: "full range", hosts: "10.0.0.1-10.0.0.3", wantAddrs: []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, wantCount: 3},
		{name: "last-octet range", hosts: "10.0.0.1-3", wantAddrs: []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, wantCount: 3},
		{name: "range across octets", hosts: "10.0.0.254-10.0.1.1", wantAddrs: []string{"10.0.0.254", "10.0.0.255", "10.0.1.0", "10.0.1.1"}, wantCount: 4},
		{name: "one-address range", hosts: "10.0.0.9-9", wantAddrs: []string{"10.0.0.9"}, wantCount: 1},
		{name: "range with spaces around dash", hosts: "10.0.0.1 - 10.0.0.2", wantAddrs: []string{"10.0.0.1", "10.0.0.2"}, wantCount: 2},
		{name: "IPv6 range", hosts: "2001:db8::fe-2001:db8::101", wantAddrs: []string{"2001:db8::fe", "2001:db8::ff", "2001:db8::100", "2001:db8::101"}, wantCount: 4},
		{name: "hostname lower-cased, trailing dot dropped", hosts: "WWW.Example.COM.", wantNames: []string{"www.example.com"}, wantCount: 1},
		{name: "single-label hostname", hosts: "localhost", wantNames: []string{"localhost"}, wantCount: 1},
		{name: "hostname with digits and hyphens", hosts: "web-01.dc2.example.net", wantNames: []string{"web-01.dc2.example.net"}, wantCount: 1},
		{name: "hostname starting with digit", hosts: "1-2.example.com", wantNames: []string{"1-2.example.com"}, wantCount: 1},
		{name: "punycode hostname", hosts: "xn--bcher-kva.example", wantNames: []string{"xn--bcher-kva.example"}, wantCount: 1},
		{name: "mixed sorted IPv4 before IPv6", hosts: "2001:db8::1 10.0.0.2 10.0.0.1 host.example", wantAddrs: []string{"10.0.0.1", "10.0.0.2", "2001:db8::1"}, wantNames: []string{"host.example"}, wantCount: 4},
		{name: "separators: comma semicolon tab newline", hosts: "10.0.0.1,10.0.0.2;10.0.0.3\t10.0.0.4\r\n10.0.0.5 ,, ;\n10.0.0.6", wantAddrs: []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"}, wantCount: 6},
		{name: "duplicates and overlaps counted once", hosts: "10.0.0.0/30 10.0.0.1 10.0.0.2-10.0.0.5 10.0.0.3 a.example A.example.", wantAddrs: []string{"10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"}, wantNames: []string{"a.example"}, wantCount: 7},
		{name: "exclusion inside", hosts: "10.0.0.0/29", exclude: "10.0.0.2-10.0.0.5", wantAddrs: []string{"10.0.0.0", "10.0.0.1", "10.0.0.6", "10.0.0.7"}, wantCount: 4},
		{name: "exclusion overlapping start and end", hosts: "10.0.0.4-10.0.0.8", exclude: "10.0.0.0-10.0.0.4 10.0.0.8/29", wantAddrs: []string{"10.0.0.5", "10.0.0.6", "10.0.0.7"}, wantCount: 3},
		{name: "exclusion covering everything", hosts: "10.0.0.0/24", exclude: "10.0.0.0/16", wantCount: 0},
		{name: "exclusion disjoint", hosts: "10.0.0.1", exclude: "192.168.0.0/16 2001:db8::/32", wantAddrs: []string{"10.0.0.1"}, wantCount: 1},
		{name: "exclusion of hostname", hosts: "a.example b.example", exclude: "B.EXAMPLE", wantNames: []string{"a.example"}, wantCount: 1},
		{name: "IPv6 exclusion", hosts: "2001:db8::/125", exclude: "2001:db8::2-2001:db8::6", wantAddrs: []string{"2001:db8::", "2001:db8::1", "2001:db8::7"}, wantCount: 3},
		{name: "mapped exclusion removes IPv4", hosts: "10.0.0.1 10.0.0.2", exclude: "::ffff:10.0.0.2", wantAddrs: []string{"10.0.0.1"}, wantCount: 1},
		{name: "exclusions of the other family do nothing", hosts: "10.0.0.1", exclude: "2000::/3", wantAddrs: []string{"10.0.0.1"}, wantCount: 1},
		{name: "exclusion of ::/0 covers mapped IPv4", hosts: "10.0.0.1 2001:db8::1", exclude: "::/0", wantCount: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, tt.hosts, tt.exclude)
			if got := addrStrings(s); !slices.Equal(got, tt.wantAddrs) {
				t.Errorf("Addrs = %v, want %v", got, tt.wantAddrs)
			}
			if got := s.Hostnames(); !slices.Equal(got, tt.wantNames) {
				t.Errorf("Hostnames = %v, want %v", got, tt.wantNames)
			}
			if got, err := s.Count(); err != nil || got != tt.wantCount {
				t.Errorf("Count = %d, %v; want %d", got, err, tt.wantCount)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		hosts   string
		exclude string
		want    map[string][]string // substrings expected, in order, per field
	}{
		{name: "empty hosts", hosts: " \n,, ", want: map[string][]string{"hosts": {"required"}}},
		{name: "prefix too long IPv4", hosts: "10.0.0.0/33", want: map[string][]string{"hosts": {"'10.0.0.0/33' is not a valid IP, range, CIDR or hostname: prefix length 33 is out of range for IPv4 (0-32)"}}},
		{name: "prefix too long IPv6", hosts: "2001:db8::/129", want: map[string][]string{"hosts": {"out of range for IPv6 (0-128)"}}},
		{name: "prefix not a number", hosts: "10.0.0.0/x", want: map[string][]string{"hosts": {"prefix length 'x' is not a number"}}},
		{name: "prefix with sign", hosts: "10.0.0.0/+8", want: map[string][]string{"hosts": {"is not a number"}}},
		{name: "CIDR of a name", hosts: "example.com/24", want: map[string][]string{"hosts": {"'example.com' before the '/' is not an IP address"}}},
		{name: "reversed range", hosts: "10.0.0.9-10.0.0.1", want: map[string][]string{"hosts": {"ends (10.0.0.1) before it starts (10.0.0.9)"}}},
		{name: "reversed shorthand", hosts: "10.0.0.9-1", want: map[string][]string{"hosts": {"before it starts"}}},
		{name: "shorthand out of range", hosts: "10.0.0.1-256", want: map[string][]string{"hosts": {"last octet 256 is out of range"}}},
		{name: "range without end", hosts: "10.0.0.1-", want: map[string][]string{"hosts": {"no end address"}}},
		{name: "range with bad end", hosts: "10.0.0.1-10.0.0.300", want: map[string][]string{"hosts": {"'10.0.0.300' is not an IP address"}}},
		{name: "range mixing families", hosts: "10.0.0.1-2001:db8::1", want: map[string][]string{"hosts": {"mixes IPv4 and IPv6"}}},
		{name: "IPv6 shorthand range", hosts: "2001:db8::1-20", want: map[string][]string{"hosts": {"needs a full end address"}}},
		{name: "five octets", hosts: "1.2.3.4.5", want: map[string][]string{"hosts": {"'1.2.3.4.5' is not a valid IP, range, CIDR or hostname: not a valid IPv4 address"}}},
		{name: "octet too large", hosts: "256.1.1.1", want: map[string][]string{"hosts": {"not a valid IPv4 address"}}},
		{name: "leading zero", hosts: "010.0.0.1", want: map[string][]string{"hosts": {"not a valid IPv4 address"}}},
		{name: "three octets", hosts: "10.0.0", want: map[string][]string{"hosts": {"not a valid IPv4 address"}}},
		{name: "bad IPv6", hosts: "2001:db8:::1", want: map[string][]string{"hosts": {"not a valid IPv6 address"}}},
		{name: "zone", hosts: "fe80::1%eth0", want: map[string][]string{"hosts": {"zones (%eth0) are not allowed"}}},
		{name: "host with port", hosts: "example.com:443", want: map[string][]string{"hosts": {"ports are not allowed"}}},
		{name: "URL", hosts: "http://x", want: map[string][]string{"hosts": {"'http://x' is not a valid IP, range, CIDR or hostname: a URL is not a host"}}},
		{name: "label with hyphens at the ends", hosts: "-bad-.com", want: map[string][]string{"hosts": {"label '-bad-' starts or ends with a hyphen"}}},
		{name: "empty label", hosts: "a..b", want: map[string][]string{"hosts": {"empty label"}}},
		{name: "leading dot", hosts: ".example.com", want: map[string][]string{"hosts": {"empty label"}}},
		{name: "underscore", hosts: "_dmarc.example.com", want: map[string][]string{"hosts": {"character '_' at position 1"}}},
		{name: "non-ASCII", hosts: "bücher.example", want: map[string][]string{"hosts": {"xn-- form"}}},
		{name: "label too long", hosts: strings.Repeat("a", 64) + ".com", want: map[string][]string{"hosts": {"longer than 63 characters"}}},
		{name: "name too long", hosts: strings.Repeat(strings.Repeat("a", 60)+".", 5) + "com", want: map[string][]string{"hosts": {"at most 253"}}},
		{name: "all-digit last label", hosts: "host.123", want: map[string][]string{"hosts": {"all digits"}}},
		{name: "lone dot", hosts: ".", want: map[string][]string{"hosts": {"empty hostname"}}},
		{
			name:  "every bad entry of both fields, in order",
			hosts: "10.0.0.1, 10.0.0.0/33 good.example -bad-.com\n1.2.3.4.5", exclude: "10.0.0.9-10.0.0.1 a..b",
			want: map[string][]string{
				"hosts":         {"'10.0.0.0/33'", "'-bad-.com'", "'1.2.3.4.5'"},
				"exclude_hosts": {"'10.0.0.9-10.0.0.1'", "'a..b'"},
			},
		},
		{name: "bad exclusion with empty hosts", hosts: "", exclude: "http://x", want: map[string][]string{"hosts": {"required"}, "exclude_hosts": {"URL"}}},
		{name: "IPv6 /64 refused", hosts: "2001:db8::/64", want: map[string][]string{"hosts": {"too many hosts ('2001:db8::/64' alone has 18446744073709551616 addresses; the limit is 16777216)"}}},
		{name: "all of IPv6 refused", hosts: "::/0", want: map[string][]string{"hosts": {"'::/0' alone has 340282366920938463463374607431768211456 addresses"}}},
		{name: "a /7 refused", hosts: "10.0.0.0/7", want: map[string][]string{"hosts": {"33554432 addresses"}}},
		{name: "sum of entries refused", hosts: "10.0.0.0/8 11.0.0.0/32", want: map[string][]string{"hosts": {"too many hosts (16777217 addresses after exclusions; the limit is 16777216)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.hosts, tt.exclude)
			var perr *ParseError
			if !errors.As(err, &perr) {
				t.Fatalf("Parse = %v, %v; want *ParseError", s, err)
			}
			got := perr.FieldErrors()
			if len(got) != len(tt.want) {
				t.Fatalf("FieldErrors = %q, want fields of %q", got, tt.want)
			}
			for field, subs := range tt.want {
				msgs := got[field]
				if len(msgs) != len(subs) {
					t.Fatalf("%s: got %q, want %d messages like %q", field, msgs, len(subs), subs)
				}
				for i, sub := range subs {
					if !strings.Contains(msgs[i], sub) {
						t.Errorf("%s[%d] = %q, want it to contain %q", field, i, msgs[i], sub)
					}
				}
			}
			if err.Error() == "" || !strings.HasPrefix(err.Error(), "invalid host list: ") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestParseSlash8WithExclusionsIsAccepted(t *testing.T) {
	// A /8 is exactly MaxAddresses; a /7 minus a /8 also fits.
	for _, in := range [][2]string{{"10.0.0.0/8", ""}, {"10.0.0.0/7", "11.0.0.0/8"}} {
		s := mustParse(t, in[0], in[1])
		if n, err := s.Count(); err != nil || n != MaxAddresses {
			t.Errorf("Parse(%q, %q).Count() = %d, %v; want %d", in[0], in[1], n, err, MaxAddresses)
		}
	}
	s := mustParse(t, "10.0.0.0/8", "10.0.0.0/16 10.255.255.255")
	if n, _ := s.Count(); n != 1<<24-1<<16-1 {
		t.Errorf("Count = %d, want %d", n, 1<<24-1<<16-1)
	}
}

func TestErrorMessageClipsHugeEntries(t *testing.T) {
	huge := strings.Repeat("x", 10000) + "_"
	_, err := Parse(huge, "")
	var perr *ParseError
	if !errors.As(err, &perr) {
		t.Fatal(err)
	}
	if msg := perr.FieldErrors()["hosts"][0]; len(msg) > 300 {
		t.Errorf("message is %d bytes long; entries should be clipped", len(msg))
	}
}

func TestErrorStringSummarizes(t *testing.T) {
	_, err := Parse("a..b c..d e..f g..h i..j k..l m..n", "")
	if !strings.HasSuffix(err.Error(), "; and 2 more") {
		t.Errorf("Error() = %q, want the first five and a count of the rest", err.Error())
	}
}

func TestExcludes(t *testing.T) {
	s := mustParse(t, "10.0.0.0/24 www.example.com", "10.0.0.128/25 192.168.0.1 2001:db8::/120 www.example.com")
	for _, tt := range []struct {
		addr string
		want bool
	}{
		{"10.0.0.128", true}, {"10.0.0.255", true}, {"10.0.0.127", false},
		{"192.168.0.1", true}, {"192.168.0.2", false},
		{"::ffff:192.168.0.1", true},
		{"2001:db8::ff", true}, {"2001:db8::100", false},
	} {
		if got := s.Excludes(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Excludes(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
	if s.Excludes(netip.Addr{}) {
		t.Error("Excludes(zero Addr) = true")
	}
	if got := s.ExcludedHostnames(); !slices.Equal(got, []string{"www.example.com"}) {
		t.Errorf("ExcludedHostnames = %v", got)
	}
	if got := s.Hostnames(); len(got) != 0 {
		t.Errorf("Hostnames = %v, want the excluded name removed", got)
	}
	if !s.Contains(netip.MustParseAddr("10.0.0.1")) || s.Contains(netip.MustParseAddr("10.0.0.200")) {
		t.Error("Contains does not reflect exclusions")
	}
}
