package api_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// testPNG is a small real PNG logo.
func testPNG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 120, 40))
	for x := range 120 {
		for y := range 40 {
			img.Set(x, y, color.RGBA{R: uint8(x * 2), G: 80, B: 160, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func dataURI(typ string, b []byte) string {
	return "data:" + typ + ";base64," + base64.StdEncoding.EncodeToString(b)
}

func TestWhitelabelSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine string) {
		tr := newTree(t, engine)
		logo := testPNG(t)
		svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#123456"/></svg>`)
		evilSVG := []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>`)
		big := append(append([]byte{}, logo...), bytes.Repeat([]byte{0}, 1<<20)...)
		c1User := tr.c1User
		apitest.Run(t, []apitest.Scenario{
			{Name: "defaults before anything is set", As: c1User, Method: "GET", Path: "/v2/whitelabel_settings", Status: 200,
				Want: []string{`"inherited":true`, `"logo":null`, `"company_name":""`}},
			{Name: "the partner brands itself", As: tr.pAdmin, Method: "PUT", Path: "/v2/whitelabel_settings", Status: 200,
				Body: map[string]any{"company_name": "Acme Security", "logo": dataURI("image/png", logo), "primary_color": "#0a3d62",
					"secondary_color": "#E58E26", "support_email": "help@acme.example", "support_url": "https://acme.example/support",
					"custom_domain": "scan.acme.example", "footer_text": "Acme Security — confidential"},
				Want: []string{`"company_name":"Acme Security"`, `"primary_color":"#0A3D62"`, `"logo_type":"image/png"`, `"inherited":false`, `"logo":"data:image/png;base64,`}},
			{Name: "the customer inherits it", As: c1User, Method: "GET", Path: "/v2/whitelabel_settings", Status: 200,
				Want: []string{`"company_name":"Acme Security"`, `"inherited":true`, `"inherited_from":"` + tr.p + `"`, `"custom_domain":""`}},
			{Name: "another tree does not", As: tr.c2Admin, Method: "GET", Path: "/v2/whitelabel_settings", Status: 200,
				NotIn: []string{"Acme"}},
			{Name: "a customer admin may not brand", As: tr.c1Admin, Method: "PUT", Path: "/v2/whitelabel_settings", Status: 403,
				Body: map[string]any{"company_name": "Mine"}},
			{Name: "a user may not brand", As: c1User, Method: "PUT", Path: "/v2/whitelabel_settings", Status: 403,
				Body: map[string]any{"company_name": "Mine"}},
			{Name: "public branding by domain", As: tr.e.Anon, Method: "GET", Path: "/v2/whitelabel_settings/public?domain=SCAN.acme.example", Status: 200,
				Want: []string{`"company_name":"Acme Security"`, `"primary_color":"#0A3D62"`}, NotIn: []string{"custom_domain", "email_from"}},
			{Name: "public branding of an unknown domain", As: tr.e.Anon, Method: "GET", Path: "/v2/whitelabel_settings/public?domain=nope.example", Status: 404},
			{Name: "public branding needs a domain", As: tr.e.Anon, Method: "GET", Path: "/v2/whitelabel_settings/public", Status: 422, Want: []string{`"domain"`}},
			{Name: "public branding needs an API key", As: tr.e.NoKey, Method: "GET", Path: "/v2/whitelabel_settings/public?domain=scan.acme.example", Status: 401},
			{Name: "logo of the wrong type", As: tr.pAdmin, Method: "PUT", Path: "/v2/whitelabel_settings", Status: 422,
				Body: map[string]any{"logo": dataURI("image/png", []byte("GIF89a not a png"))}, Want: []string{`"logo"`, "PNG or SVG"}},
			{Name: "logo over 1 MiB", As: tr.pAdmin, Method: "PUT", Path: "/v2/whitelabel_settings", Status: 422,
				Body: map[string]any{"logo": dataURI("image/png", big)}, Want: []string{`"logo"`, "1 MiB"}},
			{Name: "SVG with a script", As: tr.pAdmin, Method: "PUT", Path: "/v2/whitelabel_settings", Status: 422,
				Body: map[string]any{"logo": dataURI("image/svg+xml", evilSVG)}, Want: []string{`"logo"`, "event handlers"}},
			{Name: "bad colour and e-mail", As: tr.pAdmin, Method: "PUT", Path: "/v2/whitelabel_settings", Status: 422,
				Body: map[string]any{"primary_color": "blue", "support_email": "not-an-address"}, Want: []string{`"primary_color"`, `"support_email"`}},
			{Name: "rejected changes kept nothing", As: tr.pAdmin, Method: "GET", Path: "/v2/whitelabel_settings", Status: 200,
				Want: []string{`"logo_type":"image/png"`, `"primary_color":"#0A3D62"`}},
			{Name: "an SVG logo", As: tr.pAdmin, Method: "PUT", Path: "/v2/whitelabel_settings", Status: 200,
				Body: map[string]any{"logo": base64.StdEncoding.EncodeToString(svg)}, Want: []string{`"logo_type":"image/svg+xml"`}},
			{Name: "the domain is one organization's", As: tr.e.Admin, Method: "PUT", Path: "/v2/whitelabel_settings", Status: 422,
				Body: map[string]any{"custom_domain": "scan.acme.example"}, Want: []string{`"custom_domain"`}},
			{Name: "removing the logo", As: tr.pAdmin, Method: "PUT", Path: "/v2/whitelabel_settings", Status: 200,
				Body: map[string]any{"logo": ""}, Want: []string{`"logo":null`}},
		})
		r := tr.pAdmin.Do("GET", "/v2/audit/events?q[action]=whitelabel.update", nil)
		if !strings.Contains(string(r.Body), "whitelabel.update") {
			t.Errorf("no audit event: %s", r)
		}
	})
}
