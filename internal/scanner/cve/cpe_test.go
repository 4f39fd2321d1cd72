package cve

import (
	"strings"
	"testing"
)

func TestParseCPE(t *testing.T) {
	tests := []struct {
		in                       string
		vendor, product, version string
		update                   cpeAttr
	}{
		{"cpe:2.3:a:openbsd:openssh:8.9p1:*:*:*:*:*:*:*", "openbsd", "openssh", "8.9p1", cpeAttr{}},
		{"cpe:2.3:a:openbsd:openssh:9.3:p1:*:*:*:*:*:*", "openbsd", "openssh", "9.3", cpeAttr{attrValue, "p1"}},
		{"cpe:2.3:a:openbsd:openssh:9.3:-:*:*:*:*:*:*", "openbsd", "openssh", "9.3", cpeAttr{kind: attrNA}},
		{`cpe:2.3:a:Example\.ORG:web\:app:1.0\:beta:*:*:*:*:*:*:*`, "example.org", "web:app", "1.0:beta", cpeAttr{}},
		{`cpe:2.3:a:microsoft:internet_explorer:8.0.6001\ beta:*:*:*:*:*:*:*`, "microsoft", "internet_explorer", "8.0.6001 beta", cpeAttr{}},
		{"cpe:2.3:a:apache:http_server:2.4.58", "apache", "http_server", "2.4.58", cpeAttr{}},
		{"cpe:/a:openbsd:openssh:8.9p1", "openbsd", "openssh", "8.9p1", cpeAttr{}},
		{"cpe:/a:vendor%3a1:product:1.0:beta", "vendor:1", "product", "1.0", cpeAttr{attrValue, "beta"}},
	}
	for _, tt := range tests {
		c, err := parseCPE(tt.in)
		if err != nil {
			t.Errorf("parseCPE(%q): %v", tt.in, err)
			continue
		}
		if v, p, ver := c.attr(cpeVendor).value, c.attr(cpeProduct).value, c.attr(cpeVersion).value; v != tt.vendor || p != tt.product || ver != tt.version {
			t.Errorf("parseCPE(%q) = %q %q %q, want %q %q %q", tt.in, v, p, ver, tt.vendor, tt.product, tt.version)
		}
		if u := c.attr(cpeUpdate); u != tt.update {
			t.Errorf("parseCPE(%q) update = %+v, want %+v", tt.in, u, tt.update)
		}
		if c.raw != tt.in {
			t.Errorf("raw = %q", c.raw)
		}
	}
}

func TestParseCPEErrors(t *testing.T) {
	for _, in := range []string{
		"", "openssh", "cpe:2.4:a:x:y", "cpe:2.3:x:vendor:product:1:*:*:*:*:*:*:*",
		"cpe:2.3:a:v:p:1:*:*:*:*:*:*:*:extra", `cpe:2.3:a:v:p:1\`, "cpe:/a:v:p:1:2:3:4:5",
	} {
		if _, err := parseCPE(in); err == nil {
			t.Errorf("parseCPE(%q) succeeded", in)
		}
	}
}

func TestCPEWildcards(t *testing.T) {
	crit, err := parseCPE(`cpe:2.3:a:example:web?app*:*:*:*:*:*:*:*:*`)
	if err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]bool{
		"cpe:2.3:a:example:web-app:1:*:*:*:*:*:*:*":         true,
		"cpe:2.3:a:example:webxapp_pro:1:*:*:*:*:*:*:*":     true,
		"cpe:2.3:a:example:webapp:1:*:*:*:*:*:*:*":          false, // ? needs one character
		`cpe:2.3:a:example:web\*app:1:*:*:*:*:*:*:*`:        true,  // a quoted * is a literal
		"cpe:2.3:a:other:web-app:1:*:*:*:*:*:*:*":           false,
		"cpe:2.3:o:example:web-app:1:*:*:*:*:*:*:*":         false,
		"cpe:2.3:a:example:web-application:1:*:*:*:*:*:*:*": true,
	} {
		tc, err := parseCPE(target)
		if err != nil {
			t.Fatal(err)
		}
		if got := crit.sameProduct(tc); got != want {
			t.Errorf("%s vs %s = %v, want %v", crit.raw, target, got, want)
		}
	}
	literal, _ := parseCPE(`cpe:2.3:a:example:web\*app:*:*:*:*:*:*:*:*`)
	other, _ := parseCPE("cpe:2.3:a:example:webxapp:1:*:*:*:*:*:*:*")
	if literal.sameProduct(other) {
		t.Error("a quoted * in the criteria acted as a wildcard")
	}
}

// FuzzParseCPE checks that parsing and matching never panic and that a
// parsed CPE names its own product.
func FuzzParseCPE(f *testing.F) {
	for _, s := range []string{"cpe:2.3:a:openbsd:openssh:8.9p1:*:*:*:*:*:*:*", `cpe:2.3:a:ex\.org:w\:a:1\ b:*:*:*:*:*:*:*`,
		"cpe:2.3:a:v:p*:?:*", "cpe:/a:v:p:1", "cpe:/a:%zz", "cpe:2.3:*:*:*"} {
		f.Add(s, "cpe:2.3:a:v:product:1.0:*:*:*:*:*:*:*")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ca, errA := parseCPE(a)
		cb, errB := parseCPE(b)
		if errA != nil || errB != nil {
			return
		}
		ca.sameProduct(cb)
		if !strings.ContainsAny(a, "*?%") && ca.attr(cpeVendor).kind == attrValue && ca.attr(cpeProduct).kind == attrValue && !ca.sameProduct(ca) {
			t.Fatalf("%q does not name its own product", a)
		}
		e := entry{cpe: ca, vulnerable: true}
		e.eval([]target{{cpe: cb, version: ParseVersion(cb.attr(cpeVersion).value), hasVersion: true, matchable: true}})
	})
}
