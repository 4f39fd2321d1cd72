package tenant

import (
	"strings"
	"testing"
)

const svgHead = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">`

func TestSVGLogoRules(t *testing.T) {
	for _, c := range []struct {
		name, body string
		ok         bool
	}{
		{"plain shapes", `<rect width="10" height="10" fill="#1F3A5F"/><text x="1" y="9">A&amp;B</text>`, true},
		{"local reference", `<defs><linearGradient id="g"/></defs><use href="#g"/><rect fill="url(#g)"/>`, true},
		{"embedded png", `<image href="data:image/png;base64,iVBORw0KGgo="/>`, true},
		{"script", `<script>alert(1)</script>`, false},
		{"script upper case", `<SCRIPT>alert(1)</SCRIPT>`, false},
		{"event handler", `<rect onload="alert(1)"/>`, false},
		{"event handler namespaced", `<rect xlink:onclick="alert(1)"/>`, false},
		{"javascript href", `<a href="javascript:alert(1)"><rect/></a>`, false},
		// The old pattern check let these through: the decoder decodes them.
		{"javascript by character reference", `<a xlink:href="&#x6a;avascript:alert(1)"><rect/></a>`, false},
		{"javascript with a tab inside", `<a href="java&#9;script:alert(1)"><rect/></a>`, false},
		{"animated href", `<a><set attributeName="href" to="javascript:alert(1)"/></a>`, false},
		{"foreignObject", `<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>`, false},
		{"remote image (tracking pixel)", `<image href="https://tracker.example/p.gif"/>`, false},
		{"not well-formed", `<rect></svg>`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := Whitelabel{Logo: []byte(svgHead + c.body + `</svg>`)}
			err := w.Validate()
			if c.ok && err != nil {
				t.Fatalf("refused a harmless logo: %v", err)
			}
			if !c.ok && err == nil {
				t.Fatal("accepted an active or malformed logo")
			}
			if !c.ok && !strings.Contains(err.Error(), "logo") {
				t.Fatalf("error does not name the logo field: %v", err)
			}
		})
	}
}

func TestSVGLogoEntities(t *testing.T) {
	w := Whitelabel{Logo: []byte(`<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>` + svgHead + `<text>&a;</text></svg>`)}
	if err := w.Validate(); err == nil {
		t.Fatal("an SVG declaring entities was accepted")
	}
}

// FuzzWhitelabelValidate feeds arbitrary settings through Validate: it must
// not panic, its normalisation must be stable (validating the result again
// changes nothing) and an accepted SVG logo must survive the logo rules again.
func FuzzWhitelabelValidate(f *testing.F) {
	f.Add("Acme", "#1f3a5f", "help@example.com", "https://example.com/help", "Console.Example.COM.", []byte(svgHead+`<rect/></svg>`))
	f.Add("", "", "", "", "", []byte("\x89PNG\r\n\x1a\n...."))
	f.Add("x", "#GGGGGG", "not-an-address", "ftp://x", "-bad-.example", []byte(svgHead+`<script/></svg>`))
	f.Add("x", "", "", "", "", []byte(`<svg><a href="&#106;avascript:1"/></svg>`))
	f.Fuzz(func(t *testing.T, name, color, email, supportURL, domain string, logo []byte) {
		w := Whitelabel{CompanyName: name, PrimaryColor: color, SupportEmail: email, SupportURL: supportURL, CustomDomain: domain, Logo: logo}
		if err := w.Validate(); err != nil {
			return
		}
		again := w
		again.Logo = append([]byte(nil), w.Logo...)
		if err := again.Validate(); err != nil {
			t.Fatalf("validated settings refused on the second pass: %v", err)
		}
		if again.CompanyName != w.CompanyName || again.PrimaryColor != w.PrimaryColor || again.CustomDomain != w.CustomDomain || again.LogoType != w.LogoType {
			t.Fatalf("normalisation not stable: %+v then %+v", w, again)
		}
		if w.LogoType == LogoSVG && svgProblem(w.Logo) != "" {
			t.Fatal("accepted SVG breaks the logo rules")
		}
	})
}
