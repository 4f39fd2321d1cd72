package portspec

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func tcp(s, e int) Range { return Range{TCP, s, e} }
func udp(s, e int) Range { return Range{UDP, s, e} }

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want List
	}{
		{"T:1-1024,8080,U:53,161", List{tcp(1, 1024), tcp(8080, 8080), udp(53, 53), udp(161, 161)}},
		{"80", List{tcp(80, 80)}},
		{"22,80,443", List{tcp(22, 22), tcp(80, 80), tcp(443, 443)}},
		{"u:53,t:80", List{tcp(80, 80), udp(53, 53)}},
		{"UDP:161 TCP:22", List{tcp(22, 22), udp(161, 161)}},
		{" T: 1 - 10 ,\n 20 ;30\tU:\n53 ", List{tcp(1, 10), tcp(20, 20), tcp(30, 30), udp(53, 53)}},
		{"T:,U:53", List{udp(53, 53)}},
		{"1-100,50-150,151,300-400,200-299", List{tcp(1, 151), tcp(200, 400)}},
		{"1-65535,80", List{tcp(1, 65535)}},
		{"443,80,U:53,T:22,U:1-52", List{tcp(22, 22), tcp(80, 80), tcp(443, 443), udp(1, 53)}},
		{"65535,1", List{tcp(1, 1), tcp(65535, 65535)}},
		{"5-5", List{tcp(5, 5)}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Parse(%q) = %v, want %v", tt.in, got, tt.want)
		}
		again, err := Parse(got.String())
		if err != nil || !slices.Equal(again, got) {
			t.Errorf("Parse(%q).String() = %q does not round-trip: %v, %v", tt.in, got.String(), again, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{"no ports given"}},
		{" , T: U:", []string{"no ports given"}},
		{"0", []string{"'0': port 0 is outside 1-65535"}},
		{"70000", []string{"'70000': port 70000 is outside 1-65535"}},
		{"99999999999999999999", []string{"is outside 1-65535"}},
		{"20-10", []string{"'20-10': range is reversed (20 is after 10)"}},
		{"http", []string{"'http' is not a port number"}},
		{"-5", []string{"needs both ends"}},
		{"5-", []string{"needs both ends"}},
		{"1-2-3", []string{"'2-3' is not a port number"}},
		{"+80", []string{"is not a port number"}},
		{"S:80", []string{"'S:80': unknown protocol prefix 'S:' (use T: or U:)"}},
		{
			"T:0,80,U:70000,20-10,S:1,2,T:x",
			[]string{"'T:0'", "'U:70000'", "'20-10'", "'S:1'", "'T:x'"},
		},
	}
	for _, tt := range tests {
		l, err := Parse(tt.in)
		var perr *ParseError
		if !errors.As(err, &perr) {
			t.Errorf("Parse(%q) = %v, %v; want *ParseError", tt.in, l, err)
			continue
		}
		msgs := perr.FieldErrors("port_ranges")["port_ranges"]
		if len(msgs) != len(tt.want) {
			t.Errorf("Parse(%q) problems = %q, want %d like %q", tt.in, msgs, len(tt.want), tt.want)
			continue
		}
		for i, w := range tt.want {
			if !strings.Contains(msgs[i], w) {
				t.Errorf("Parse(%q) problem %d = %q, want it to contain %q", tt.in, i, msgs[i], w)
			}
		}
	}
}

func TestNormalize(t *testing.T) {
	got, err := Normalize([]Range{udp(161, 162), {"TCP", 443, 443}, tcp(80, 80), tcp(81, 90), {" Udp ", 53, 53}, tcp(85, 100), udp(160, 160)})
	if err != nil {
		t.Fatal(err)
	}
	want := List{tcp(80, 100), tcp(443, 443), udp(53, 53), udp(160, 162)}
	if !slices.Equal(got, want) {
		t.Errorf("Normalize = %v, want %v", got, want)
	}
}

func TestNormalizeErrors(t *testing.T) {
	_, err := Normalize([]Range{tcp(80, 80), {"sctp", 1, 2}, tcp(0, 10), udp(10, 70000), tcp(20, 10), {"", 5, 5}, tcp(0, 70000)})
	var perr *ParseError
	if !errors.As(err, &perr) {
		t.Fatalf("Normalize: %v", err)
	}
	want := []string{
		"range #2 (sctp 1-2): unknown protocol 'sctp' (tcp or udp)",
		"range #3 (tcp 0-10): start 0 is outside 1-65535",
		"range #4 (udp 10-70000): end 70000 is outside 1-65535",
		"range #5 (tcp 20-10): end 10 is before start 20",
		"range #6 ( 5-5): protocol is missing (tcp or udp)",
		"range #7 (tcp 0-70000): start 0 is outside 1-65535; end 70000 is outside 1-65535",
	}
	if got := perr.FieldErrors("port_ranges")["port_ranges"]; !slices.Equal(got, want) {
		t.Errorf("problems =\n%q\nwant\n%q", got, want)
	}
	if _, err := Normalize(nil); err == nil || !strings.Contains(err.Error(), "at least one port range is required") {
		t.Errorf("Normalize(nil) = %v", err)
	}
}

func TestJSONShape(t *testing.T) {
	var in []Range
	if err := json.Unmarshal([]byte(`[{"protocol":"udp","start":53,"end":53},{"protocol":"tcp","start":1,"end":1024}]`), &in); err != nil {
		t.Fatal(err)
	}
	l, err := Normalize(in)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(l)
	if string(out) != `[{"protocol":"tcp","start":1,"end":1024},{"protocol":"udp","start":53,"end":53}]` {
		t.Errorf("JSON = %s", out)
	}
}

func TestCountsAndPorts(t *testing.T) {
	l, _ := Parse("T:1-10,100,U:53,161-162")
	if l.Count() != 14 || l.CountProtocol(TCP) != 11 || l.CountProtocol(UDP) != 3 || l.CountProtocol("sctp") != 0 {
		t.Errorf("counts = %d %d %d", l.Count(), l.CountProtocol(TCP), l.CountProtocol(UDP))
	}
	if got := slices.Collect(l.Ports(UDP)); !slices.Equal(got, []int{53, 161, 162}) {
		t.Errorf("Ports(udp) = %v", got)
	}
	var first []int
	for p := range l.Ports(TCP) {
		first = append(first, p)
		if len(first) == 3 {
			break
		}
	}
	if !slices.Equal(first, []int{1, 2, 3}) {
		t.Errorf("early stop gave %v", first)
	}
	if got := l.Protocols(); !slices.Equal(got, []string{TCP, UDP}) {
		t.Errorf("Protocols = %v", got)
	}
	var empty List
	if empty.Count() != 0 || empty.String() != "" || len(slices.Collect(empty.Ports(TCP))) != 0 {
		t.Error("empty list is not empty")
	}
}

func TestContains(t *testing.T) {
	l, _ := Parse("T:1-10,100,200-300,U:53,161-162")
	for _, tt := range []struct {
		proto string
		port  int
		want  bool
	}{
		{TCP, 1, true}, {TCP, 10, true}, {TCP, 11, false}, {TCP, 100, true}, {TCP, 150, false},
		{TCP, 250, true}, {TCP, 301, false}, {TCP, 0, false}, {TCP, 53, false},
		{UDP, 53, true}, {UDP, 162, true}, {UDP, 1, false}, {"sctp", 53, false},
	} {
		if got := l.Contains(tt.proto, tt.port); got != tt.want {
			t.Errorf("Contains(%s, %d) = %v, want %v", tt.proto, tt.port, got, tt.want)
		}
	}
}

func TestAddRemoveUnion(t *testing.T) {
	l, _ := Parse("T:80,443,U:53")
	added, err := l.Add(tcp(81, 442))
	if err != nil {
		t.Fatal(err)
	}
	if got := added.String(); got != "T:80-443,U:53" {
		t.Errorf("Add = %s", got)
	}
	if l.String() != "T:80,443,U:53" {
		t.Errorf("Add changed the receiver: %s", l)
	}
	if _, err := l.Add(tcp(0, 5)); err == nil {
		t.Error("Add of port 0 succeeded")
	}
	if _, err := l.Add(Range{"icmp", 1, 1}); err == nil {
		t.Error("Add of icmp succeeded")
	}

	removed, err := added.Remove(tcp(100, 200))
	if err != nil {
		t.Fatal(err)
	}
	if got := removed.String(); got != "T:80-99,201-443,U:53" {
		t.Errorf("Remove middle = %s", got)
	}
	removed, _ = removed.Remove(Range{"UDP", 1, 65535})
	if got := removed.String(); got != "T:80-99,201-443" {
		t.Errorf("Remove all UDP = %s", got)
	}
	removed, _ = removed.Remove(tcp(1, 65535))
	if len(removed) != 0 {
		t.Errorf("Remove everything = %v", removed)
	}
	if _, err := l.Remove(tcp(5, 1)); err == nil {
		t.Error("Remove of a reversed range succeeded")
	}

	u := Web().Union(List{udp(53, 53), tcp(1, 79)})
	if !u.Contains(TCP, 1) || !u.Contains(TCP, 8443) || !u.Contains(UDP, 53) || u.Contains(UDP, 80) {
		t.Errorf("Union = %s", u)
	}
}

func TestErrorString(t *testing.T) {
	_, err := Parse("0,0,0,0,0,0,0")
	if !strings.HasPrefix(err.Error(), "invalid port list: '0'") || !strings.HasSuffix(err.Error(), "and 2 more") {
		t.Errorf("Error() = %q", err.Error())
	}
}
