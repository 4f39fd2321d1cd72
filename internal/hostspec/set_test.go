package hostspec

import (
	"slices"
	"testing"
)

func TestStringNormalizesAndRoundTrips(t *testing.T) {
	tests := []struct {
		hosts, exclude string
		want, wantEx   string
	}{
		{hosts: "10.0.0.5/24", want: "10.0.0.0/24"},
		{hosts: "10.0.0.1-3 10.0.0.4-10.0.0.4", want: "10.0.0.1-10.0.0.4"},
		{hosts: "10.0.0.0/25 10.0.0.128/25", want: "10.0.0.0/24"},
		{hosts: "10.0.0.0/24", exclude: "10.0.0.5", want: "10.0.0.0-10.0.0.4, 10.0.0.6-10.0.0.255", wantEx: "10.0.0.5"},
		{hosts: "B.example 2001:DB8::1 a.example. 10.0.0.1", exclude: "c.example", want: "10.0.0.1, 2001:db8::1, a.example, b.example", wantEx: "c.example"},
		{hosts: "::ffff:10.0.0.0/120", want: "10.0.0.0/24"},
		{hosts: "10.0.0.0/8 2001:db8::1", exclude: "2001:db8::/32", want: "10.0.0.0/8", wantEx: "2001:db8::/32"},
		// ::/0 covers ::ffff:0:0/96 and so, as an exclusion, all of IPv4.
		{hosts: "10.0.0.0/8 a.example", exclude: "::/0", want: "a.example", wantEx: "0.0.0.0/0, ::-::fffe:ffff:ffff, ::1:0:0:0-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{hosts: "0.0.0.0/8", want: "0.0.0.0/8"},
		{hosts: "255.255.255.254-255.255.255.255", want: "255.255.255.254/31"},
	}
	for _, tt := range tests {
		s := mustParse(t, tt.hosts, tt.exclude)
		if got := s.String(); got != tt.want {
			t.Errorf("Parse(%q, %q).String() = %q, want %q", tt.hosts, tt.exclude, got, tt.want)
		}
		if got := s.ExcludeString(); got != tt.wantEx {
			t.Errorf("Parse(%q, %q).ExcludeString() = %q, want %q", tt.hosts, tt.exclude, got, tt.wantEx)
		}
		again := mustParse(t, s.String(), s.ExcludeString())
		if again.String() != s.String() || again.ExcludeString() != s.ExcludeString() {
			t.Errorf("round trip of %q changed it to %q / %q", tt.hosts, again.String(), again.ExcludeString())
		}
	}
}

func TestMappedBlockSplitsAcrossFamilies(t *testing.T) {
	// ::fffe:ffff:ffff-::ffff:0:1 straddles the start of ::ffff:0:0/96: the
	// part inside is IPv4 0.0.0.0-0.0.0.1, the part below stays IPv6.
	s := mustParse(t, "::fffe:ffff:ffff-::ffff:0:1", "")
	want := []string{"0.0.0.0", "0.0.0.1", "::fffe:ffff:ffff"}
	if got := addrStrings(s); !slices.Equal(got, want) {
		t.Errorf("Addrs = %v, want %v", got, want)
	}
	s = mustParse(t, "::ffff:255.255.255.254-::1:0:0:1", "")
	want = []string{"255.255.255.254", "255.255.255.255", "::1:0:0:0", "::1:0:0:1"}
	if got := addrStrings(s); !slices.Equal(got, want) {
		t.Errorf("Addrs = %v, want %v", got, want)
	}
}

func TestAddrsStopsEarly(t *testing.T) {
	s := mustParse(t, "10.0.0.0/8", "")
	n := 0
	for range s.Addrs() {
		n++
		if n == 3 {
			break
		}
	}
	if n != 3 {
		t.Fatalf("iterated %d", n)
	}
}

func TestAddrsEndOfAddressSpace(t *testing.T) {
	s := mustParse(t, "255.255.255.255 ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127", "")
	want := []string{"255.255.255.255", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}
	if got := addrStrings(s); !slices.Equal(got, want) {
		t.Errorf("Addrs = %v, want %v", got, want)
	}
}

func TestPreview(t *testing.T) {
	s := mustParse(t, "b.example 10.0.0.0/8 a.example 2001:db8::1", "10.0.0.1")
	if got, want := s.Preview(3), []string{"10.0.0.0", "10.0.0.2", "10.0.0.3"}; !slices.Equal(got, want) {
		t.Errorf("Preview(3) = %v, want %v", got, want)
	}
	small := mustParse(t, "b.example 10.0.0.1 a.example 2001:db8::1", "")
	if got, want := small.Preview(1000), []string{"10.0.0.1", "2001:db8::1", "a.example", "b.example"}; !slices.Equal(got, want) {
		t.Errorf("Preview(1000) = %v, want %v", got, want)
	}
	if got := small.Preview(0); got != nil {
		t.Errorf("Preview(0) = %v", got)
	}
	if got := small.Preview(3); len(got) != 3 {
		t.Errorf("Preview(3) = %v", got)
	}
}

func TestNilSet(t *testing.T) {
	var s *Set
	if n, err := s.Count(); n != 0 || err != nil {
		t.Errorf("Count = %d, %v", n, err)
	}
	if got := addrStrings(s); got != nil {
		t.Errorf("Addrs = %v", got)
	}
	if s.String() != "" || s.Hostnames() != nil || s.Preview(5) != nil {
		t.Error("nil set is not empty")
	}
}

func TestCountTooManyOnForeignSet(t *testing.T) {
	// Only Parse builds sets, and it refuses these; Count still says no
	// rather than wrapping around if one is ever assembled another way.
	var f families
	f.add(false, span{u128{1, 0}, u128{2, 0}})
	s := &Set{addrs: f}
	if _, err := s.Count(); err == nil {
		t.Fatal("Count of 2^64+1 addresses succeeded")
	}
}

func TestCountUnion(t *testing.T) {
	a := mustParse(t, "10.0.0.0/24 shared.example", "10.0.0.0/25")    // 128 + 1 name
	b := mustParse(t, "10.0.0.128/26 10.0.1.0/24 only-b.example", "") // 64 (all inside a) + 256 + 1 name
	c := mustParse(t, "2001:db8::/120 SHARED.example.", "")           // 256 + shared name
	got, err := CountUnion(a, b, nil, c)
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64(128 + 256 + 256 + 2); got != want {
		t.Errorf("CountUnion = %d, want %d", got, want)
	}
	if got, _ := CountUnion(); got != 0 {
		t.Errorf("CountUnion() = %d", got)
	}
	// The inputs are not changed by the merge.
	if n, _ := a.Count(); n != 129 {
		t.Errorf("a.Count after union = %d", n)
	}
	// Many /8s exceed MaxAddresses together but are still counted.
	var sets []*Set
	for _, h := range []string{"10.0.0.0/8", "11.0.0.0/8", "12.0.0.0/8", "10.0.0.0/8"} {
		sets = append(sets, mustParse(t, h, ""))
	}
	if got, _ := CountUnion(sets...); got != 3<<24 {
		t.Errorf("CountUnion of three /8s = %d", got)
	}
}

func TestExcludedBy(t *testing.T) {
	platform, err := ParseExclude("169.254.0.0/16, fe80::/10, metadata.internal")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		hosts, exclude string
		want           []string
	}{
		{hosts: "10.0.0.0/24, web.example", want: []string{}},
		{hosts: "10.0.0.1, 169.254.169.254, fe80::1, 169.254.0.0/24", want: []string{"169.254.0.0/24", "169.254.169.254", "fe80::1"}},
		{hosts: "169.0.0.0/8", want: []string{"169.254.0.0/16"}},
		{hosts: "169.254.255.250-169.255.0.5", want: []string{"169.254.255.250-169.254.255.255"}},
		// The target's own exclusions are gone already.
		{hosts: "169.254.169.0/24", exclude: "169.254.169.0/25", want: []string{"169.254.169.128/25"}},
		{hosts: "metadata.internal, METADATA.internal. other.internal", want: []string{"metadata.internal"}},
		{hosts: "::ffff:169.254.1.1", want: []string{"169.254.1.1"}},
	}
	for _, tt := range tests {
		got := mustParse(t, tt.hosts, tt.exclude).ExcludedBy(platform)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Parse(%q, %q).ExcludedBy = %q, want %q", tt.hosts, tt.exclude, got, tt.want)
		}
	}
	if _, err := ParseExclude("10.0.0.0/33"); err == nil {
		t.Error("ParseExclude accepted an invalid entry")
	}
	if s, err := ParseExclude("::/0"); err != nil || s.ExcludeString() == "" {
		t.Errorf("ParseExclude must take the whole address space: %v", err)
	}
}
