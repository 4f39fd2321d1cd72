package tenant

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"unicode"
)

// activeSVGElements can run code or pull another document into the logo.
var activeSVGElements = map[string]bool{
	"script": true, "foreignobject": true, "iframe": true, "embed": true, "object": true, "handler": true, "listener": true,
}

// svgProblem says why an SVG logo is refused, or "" when it is acceptable.
// E-mails and the console show the logo, so it must be a picture and nothing
// more: no scripts, no event handlers, no javascript: URLs and no references
// to other documents (a remote image in an e-mail tells its sender who opened
// it). The document is parsed rather than pattern-matched, so character
// references (&#x6a;avascript:) and odd spacing cannot hide anything: every
// name and value is judged after the XML decoder has decoded it.
func svgProblem(b []byte) string {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	// Logos come as UTF-8 (SniffLogo checked it); another declared charset
	// is read as is, which can only make a check stricter.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return ""
		}
		if err != nil {
			return "is not well-formed SVG (" + err.Error() + ")"
		}
		switch t := tok.(type) {
		case xml.Directive:
			// A DOCTYPE may declare entities (billion laughs, external
			// entities); a logo needs none.
			if bytes.Contains(bytes.ToUpper(t), []byte("ENTITY")) {
				return "SVG logos may not declare entities"
			}
		case xml.ProcInst:
			if t.Target != "xml" {
				return "SVG logos may not contain processing instructions"
			}
		case xml.StartElement:
			if activeSVGElements[strings.ToLower(t.Name.Local)] {
				return "SVG logos may not contain scripts or embedded documents (<" + t.Name.Local + ">)"
			}
			for _, a := range t.Attr {
				if p := svgAttrProblem(a); p != "" {
					return p
				}
			}
		case xml.CharData:
			if hasJavaScriptURL(string(t)) {
				return "SVG logos may not contain javascript: URLs"
			}
		}
	}
}

func svgAttrProblem(a xml.Attr) string {
	name := strings.ToLower(a.Name.Local)
	if strings.HasPrefix(name, "on") {
		return "SVG logos may not contain event handlers (" + a.Name.Local + ")"
	}
	if hasJavaScriptURL(a.Value) {
		return "SVG logos may not contain javascript: URLs"
	}
	if name == "href" || name == "src" {
		v := strings.TrimSpace(a.Value)
		if !strings.HasPrefix(v, "#") && !strings.HasPrefix(strings.ToLower(v), "data:image/") {
			return "SVG logos may only link to their own elements or embed data:image/ pictures (" + a.Name.Local + ")"
		}
	}
	return ""
}

// hasJavaScriptURL reports whether s names a javascript: URL once the spaces
// and control characters that browsers skip inside a scheme are removed.
func hasJavaScriptURL(s string) bool {
	squeezed := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
	return strings.Contains(squeezed, "javascript:") || strings.Contains(squeezed, "vbscript:")
}
