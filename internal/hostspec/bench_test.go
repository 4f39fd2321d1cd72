package hostspec

import (
	"fmt"
	"strings"
	"testing"
)

// mixedTarget builds a deterministic target of n entries — a third CIDRs, a
// third ranges (both notations), a third hostnames, with some IPv6 — and
// nEx exclusions overlapping them.
func mixedTarget(n, nEx int) (string, string) {
	var hosts, ex strings.Builder
	for i := 0; i < n; i++ {
		switch i % 6 {
		case 0:
			fmt.Fprintf(&hosts, "10.%d.%d.0/24\n", i/256%256, i%256)
		case 1:
			fmt.Fprintf(&hosts, "172.16.%d.10-172.16.%d.200, ", i%256, i%256)
		case 2:
			fmt.Fprintf(&hosts, "192.168.%d.1-254 ", i%256)
		case 3:
			fmt.Fprintf(&hosts, "host-%d.dc%d.example.com\n", i, i%7)
		case 4:
			fmt.Fprintf(&hosts, "2001:db8:%x::/120 ", i)
		case 5:
			fmt.Fprintf(&hosts, "WWW%d.Example.NET., ", i)
		}
	}
	for i := 0; i < nEx; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&ex, "10.%d.%d.128/25 ", i/256%256, (i*6)%256)
		case 1:
			fmt.Fprintf(&ex, "172.16.%d.50-172.16.%d.60 ", i%256, i%256)
		case 2:
			fmt.Fprintf(&ex, "192.168.%d.7\n", i%256)
		case 3:
			fmt.Fprintf(&ex, "host-%d.dc%d.example.com, ", i, i%7)
		}
	}
	return hosts.String(), ex.String()
}

func TestMixedTargetParses(t *testing.T) {
	hosts, ex := mixedTarget(1000, 100)
	s := mustParse(t, hosts, ex)
	n, err := s.Count()
	if err != nil || n < 100000 {
		t.Fatalf("Count = %d, %v", n, err)
	}
}

func BenchmarkParseCount1000(b *testing.B) {
	hosts, ex := mixedTarget(1000, 100)
	b.SetBytes(int64(len(hosts) + len(ex)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := Parse(hosts, ex)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Count(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseCountSlash8 shows that counting does not depend on how many
// addresses a target holds.
func BenchmarkParseCountSlash8(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s, err := Parse("10.0.0.0/8", "10.1.0.0/16, 10.2.3.4, 10.200.0.0-10.200.255.255")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Count(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCountUnion(b *testing.B) {
	var sets []*Set
	for i := 0; i < 50; i++ {
		hosts, ex := mixedTarget(200, 20)
		s, err := Parse(hosts, ex)
		if err != nil {
			b.Fatal(err)
		}
		sets = append(sets, s)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CountUnion(sets...); err != nil {
			b.Fatal(err)
		}
	}
}
