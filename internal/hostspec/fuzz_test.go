package hostspec

import (
	"errors"
	"net/netip"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, seed := range [][2]string{
		{"10.0.0.1", ""},
		{"10.0.0.0/24, 10.0.1.1-20", "10.0.0.5"},
		{"2001:db8::/120 host.example", "2001:db8::10-2001:db8::1f"},
		{"::ffff:10.0.0.0/120 ::fffe:ffff:ffff-::ffff:0:1", "::/0"},
		{"-bad-.com a..b http://x 1.2.3.4.5 10.0.0.0/33 10.0.0.9-10.0.0.1", ""},
		{"10.0.0.1 - 10.0.0.9;\nexample.com.", "EXAMPLE.com"},
		{"2001:db8::/64", ""},
		{"", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, hosts, exclude string) {
		s, err := Parse(hosts, exclude)
		if err != nil {
			var perr *ParseError
			if !errors.As(err, &perr) || len(perr.Problems) == 0 {
				t.Fatalf("error %v is not a *ParseError with problems", err)
			}
			for field, msgs := range perr.FieldErrors() {
				if field != FieldHosts && field != FieldExclude || len(msgs) == 0 {
					t.Fatalf("bad field errors %q", perr.FieldErrors())
				}
			}
			return
		}
		n, err := s.Count()
		if err != nil {
			t.Fatalf("Count of a parsed set: %v", err)
		}
		addrCount := n - uint64(len(s.Hostnames()))
		if addrCount > MaxAddresses {
			t.Fatalf("%d addresses exceed the limit", addrCount)
		}
		if addrCount <= 4096 {
			var seen uint64
			var prev netip.Addr
			for a := range s.Addrs() {
				// netip's own ordering (IPv4 before IPv6) is the reference.
				if prev.IsValid() && !prev.Less(a) {
					t.Fatalf("Addrs not ascending at %s after %s", a, prev)
				}
				if s.Excludes(a) {
					t.Fatalf("Addrs yielded excluded %s", a)
				}
				if !s.Contains(a) {
					t.Fatalf("Contains(%s) = false for a yielded address", a)
				}
				prev = a
				seen++
			}
			if seen != addrCount {
				t.Fatalf("Addrs yielded %d, Count says %d", seen, addrCount)
			}
			if p := s.Preview(int(n) + 1); uint64(len(p)) != n {
				t.Fatalf("Preview has %d entries, Count %d", len(p), n)
			}
		}
		again, err := Parse(s.String()+" ", s.ExcludeString())
		if s.String() == "" {
			return // everything excluded: hosts is empty, which Parse refuses
		}
		if err != nil {
			t.Fatalf("normalized form %q does not parse: %v", s.String(), err)
		}
		if again.String() != s.String() {
			t.Fatalf("round trip %q -> %q", s.String(), again.String())
		}
	})
}
