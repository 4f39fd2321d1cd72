package tenant

import (
	"bytes"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/perimeterhq/perimeter/internal/errs"
)

// Whitelabel is the branding an organization sets for itself and the
// organizations below it: reports, e-mails and the console use it. Empty
// fields are inherited from the nearest ancestor that sets them.
type Whitelabel struct {
	OrganizationID string
	CompanyName    string
	Logo           []byte // PNG or SVG
	LogoType       string // image/png or image/svg+xml
	PrimaryColor   string // #RRGGBB
	SecondaryColor string
	SupportEmail   string
	SupportURL     string
	CustomDomain   string // the console's host name for this brand
	EmailFrom      string
	FooterText     string
	UpdatedBy      string
	UpdatedAt      time.Time
}

// MaxLogoBytes bounds a logo (spec §2.18).
const MaxLogoBytes = 1 << 20

// Logo types.
const (
	LogoPNG = "image/png"
	LogoSVG = "image/svg+xml"
)

var (
	colorRE  = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)
	domainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// SniffLogo returns the type of a logo from its bytes ("" when it is neither
// a PNG nor an SVG image).
func SniffLogo(b []byte) string {
	if bytes.HasPrefix(b, pngMagic) {
		return LogoPNG
	}
	head := bytes.ToLower(bytes.TrimSpace(b[:min(len(b), 4096)]))
	if utf8.Valid(b) && (bytes.HasPrefix(head, []byte("<svg")) || (bytes.HasPrefix(head, []byte("<?xml")) && bytes.Contains(head, []byte("<svg")))) {
		return LogoSVG
	}
	return ""
}

// Validate checks the settings and normalizes them (trimmed, lower-case
// domain, colours upper-case, logo type from its content).
func (w *Whitelabel) Validate() error {
	f := errs.Fields{}
	for _, p := range []*string{&w.CompanyName, &w.PrimaryColor, &w.SecondaryColor, &w.SupportEmail, &w.SupportURL,
		&w.CustomDomain, &w.EmailFrom, &w.FooterText} {
		*p = strings.TrimSpace(*p)
	}
	if utf8.RuneCountInString(w.CompanyName) > 200 {
		f.Add("company_name", "is too long (at most 200 characters)")
	}
	if utf8.RuneCountInString(w.FooterText) > 500 {
		f.Add("footer_text", "is too long (at most 500 characters)")
	}
	for field, c := range map[string]*string{"primary_color": &w.PrimaryColor, "secondary_color": &w.SecondaryColor} {
		if *c != "" && !colorRE.MatchString(*c) {
			f.Add(field, "'%s' is not a colour in the form #RRGGBB", *c)
		}
		*c = strings.ToUpper(*c)
	}
	for field, e := range map[string]string{"support_email": w.SupportEmail, "email_from": w.EmailFrom} {
		if e == "" {
			continue
		}
		if a, err := mail.ParseAddress(e); err != nil || (field == "support_email" && a.Address != e) {
			f.Add(field, "'%s' is not an e-mail address", e)
		}
	}
	if w.SupportURL != "" {
		if u, err := url.Parse(w.SupportURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			f.Add("support_url", "must be an http(s) URL")
		}
	}
	w.CustomDomain = strings.ToLower(strings.TrimSuffix(w.CustomDomain, "."))
	if w.CustomDomain != "" && !domainRE.MatchString(w.CustomDomain) {
		f.Add("custom_domain", "'%s' is not a host name", w.CustomDomain)
	}
	if len(w.Logo) > 0 {
		typ := SniffLogo(w.Logo)
		problem := ""
		if typ == LogoSVG {
			problem = svgProblem(w.Logo)
		}
		switch {
		case len(w.Logo) > MaxLogoBytes:
			f.Add("logo", "is %d bytes; at most %d (1 MiB)", len(w.Logo), MaxLogoBytes)
		case typ == "":
			f.Add("logo", "must be a PNG or SVG image")
		case problem != "":
			f.Add("logo", "%s", problem)
		default:
			w.LogoType = typ
		}
	} else {
		w.LogoType = ""
	}
	return f.Err()
}

// Merge returns the branding in effect: w's fields, each filled from the
// nearest of the ancestors' settings (nearest first) when w leaves it empty.
// The custom domain is never inherited: it names one organization's console.
func (w Whitelabel) Merge(ancestors []Whitelabel) Whitelabel {
	out := w
	for _, a := range ancestors {
		for _, p := range []struct{ dst, src *string }{{&out.CompanyName, &a.CompanyName}, {&out.PrimaryColor, &a.PrimaryColor},
			{&out.SecondaryColor, &a.SecondaryColor}, {&out.SupportEmail, &a.SupportEmail}, {&out.SupportURL, &a.SupportURL},
			{&out.EmailFrom, &a.EmailFrom}, {&out.FooterText, &a.FooterText}} {
			if *p.dst == "" {
				*p.dst = *p.src
			}
		}
		if len(out.Logo) == 0 && len(a.Logo) > 0 {
			out.Logo, out.LogoType = a.Logo, a.LogoType
		}
	}
	return out
}

// Ancestors returns the ids on an organization path, nearest first, the
// organization itself included ("/a/b/c/" → c, b, a).
func Ancestors(path string) []string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	out := make([]string, 0, len(parts))
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] != "" {
			out = append(out, parts[i])
		}
	}
	return out
}
