package webhook

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzParseURL: whatever a client sends as a webhook URL, an accepted one is
// absolute http(s), names a host, carries no credentials and fits the limit.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"https://hooks.example.com/x?y=1", "http://[::1]:8080/", "https://user:pw@example.com/",
		"javascript:alert(1)", "https:///nohost", "//example.com", "http://example.com:99999/", "https://exa mple.com/", "http://%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := ParseURL(raw)
		if err != nil {
			if u != nil {
				t.Fatal("URL returned with an error")
			}
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("%q: accepted scheme %q", raw, u.Scheme)
		}
		if u.Hostname() == "" || u.User != nil || len(raw) > MaxURLLen {
			t.Fatalf("%q: accepted %+v", raw, u)
		}
	})
}

// FuzzParseAllowList: an accepted --webhook-allow list is masked prefixes,
// and printing and parsing it again gives the same list.
func FuzzParseAllowList(f *testing.F) {
	for _, s := range []string{"127.0.0.0/8,::1", "10.0.0.1 192.168.0.0/16\n", "fe80::1%eth0", "1.2.3.4/33", "", ",,,", "::ffff:10.0.0.1/128"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := ParseAllowList(s)
		if err != nil {
			return
		}
		texts := make([]string, len(list))
		for i, p := range list {
			if p != p.Masked() {
				t.Fatalf("%q: prefix %v not masked", s, p)
			}
			texts[i] = p.String()
		}
		again, err := ParseAllowList(strings.Join(texts, ","))
		if err != nil || len(again) != len(list) {
			t.Fatalf("%q: round trip failed: %v %v", s, again, err)
		}
		for i := range list {
			if again[i] != list[i] {
				t.Fatalf("%q: round trip changed %v into %v", s, list[i], again[i])
			}
		}
		g := &Guard{Allow: list}
		_ = g.Check("x", netip.MustParseAddr("127.0.0.1"))
	})
}
