package api

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// WhitelabelView is the branding in effect for an organization.
type WhitelabelView struct {
	CompanyName    string     `json:"company_name"`
	Logo           *string    `json:"logo" doc:"data: URI of the PNG or SVG logo; null: none"`
	LogoType       string     `json:"logo_type" enum:"image/png,image/svg+xml,"`
	PrimaryColor   string     `json:"primary_color" doc:"#RRGGBB"`
	SecondaryColor string     `json:"secondary_color"`
	SupportEmail   string     `json:"support_email"`
	SupportURL     string     `json:"support_url"`
	CustomDomain   string     `json:"custom_domain"`
	EmailFrom      string     `json:"email_from"`
	FooterText     string     `json:"footer_text"`
	Inherited      bool       `json:"inherited" doc:"true when the organization has no settings of its own"`
	InheritedFrom  *string    `json:"inherited_from" doc:"the nearest organization whose settings apply"`
	UpdatedAt      *time.Time `json:"updated_at"`
}

func whitelabelView(w tenant.Whitelabel) WhitelabelView {
	v := WhitelabelView{CompanyName: w.CompanyName, LogoType: w.LogoType, PrimaryColor: w.PrimaryColor, SecondaryColor: w.SecondaryColor,
		SupportEmail: w.SupportEmail, SupportURL: w.SupportURL, CustomDomain: w.CustomDomain, EmailFrom: w.EmailFrom, FooterText: w.FooterText}
	if len(w.Logo) > 0 {
		uri := "data:" + w.LogoType + ";base64," + base64.StdEncoding.EncodeToString(w.Logo)
		v.Logo = &uri
	}
	if !w.UpdatedAt.IsZero() {
		t := w.UpdatedAt
		v.UpdatedAt = &t
	}
	return v
}

func brandingView(b app.EffectiveBranding) WhitelabelView {
	v := whitelabelView(b.Effective)
	v.Inherited = !b.Own
	if b.From != "" {
		from := b.From
		v.InheritedFrom = &from
	}
	return v
}

type whitelabelEnvelope struct {
	WhitelabelSettings WhitelabelView `json:"whitelabel_settings"`
}

// PublicBrandingView is what a login page may show.
type PublicBrandingView struct {
	CompanyName    string  `json:"company_name"`
	Logo           *string `json:"logo" doc:"data: URI"`
	PrimaryColor   string  `json:"primary_color"`
	SecondaryColor string  `json:"secondary_color"`
	SupportEmail   string  `json:"support_email"`
	SupportURL     string  `json:"support_url"`
}

type publicBrandingEnvelope struct {
	WhitelabelSettings PublicBrandingView `json:"whitelabel_settings"`
}

type whitelabelRequest struct {
	CompanyName    *string `json:"company_name,omitempty"`
	Logo           *string `json:"logo,omitempty" doc:"PNG or SVG (≤ 1 MiB) as a data: URI or plain base64; empty string removes the logo"`
	PrimaryColor   *string `json:"primary_color,omitempty" doc:"#RRGGBB"`
	SecondaryColor *string `json:"secondary_color,omitempty"`
	SupportEmail   *string `json:"support_email,omitempty"`
	SupportURL     *string `json:"support_url,omitempty"`
	CustomDomain   *string `json:"custom_domain,omitempty" doc:"host name the console is served on for this brand"`
	EmailFrom      *string `json:"email_from,omitempty"`
	FooterText     *string `json:"footer_text,omitempty" doc:"custom footer line of reports and e-mails"`
}

// decodeLogo reads a data: URI or plain base64 logo; the type is sniffed from
// the bytes, never taken from the URI.
func decodeLogo(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return []byte{}, nil
	}
	if strings.HasPrefix(s, "data:") {
		_, data, ok := strings.Cut(s, ",")
		if !ok || !strings.Contains(s[:len(s)-len(data)], ";base64") {
			return nil, errs.Field("logo", "must be a base64 data: URI (data:image/png;base64,…)")
		}
		s = data
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errs.Field("logo", "is not valid base64")
	}
	if len(b) == 0 {
		return nil, errs.Field("logo", "is empty")
	}
	return b, nil
}

func (a *API) getWhitelabel(c *Ctx, _ *NoBody) (*whitelabelEnvelope, error) {
	b, err := a.app.GetWhitelabel(c.Context(), c.Actor)
	if err != nil {
		return nil, err
	}
	return &whitelabelEnvelope{brandingView(b)}, nil
}

func (a *API) updateWhitelabel(c *Ctx, in *whitelabelRequest) (*whitelabelEnvelope, error) {
	up := app.WhitelabelUpdate{CompanyName: in.CompanyName, PrimaryColor: in.PrimaryColor, SecondaryColor: in.SecondaryColor,
		SupportEmail: in.SupportEmail, SupportURL: in.SupportURL, CustomDomain: in.CustomDomain, EmailFrom: in.EmailFrom,
		FooterText: in.FooterText}
	if in.Logo != nil {
		logo, err := decodeLogo(*in.Logo)
		if err != nil {
			return nil, err
		}
		up.Logo = &logo
	}
	b, err := a.app.UpdateWhitelabel(c.Context(), c.Actor, up)
	if err != nil {
		return nil, err
	}
	return &whitelabelEnvelope{brandingView(b)}, nil
}

func (a *API) publicWhitelabel(c *Ctx, _ *NoBody) (*publicBrandingEnvelope, error) {
	w, err := a.app.PublicWhitelabel(c.Context(), c.Query("domain"))
	if err != nil {
		return nil, err
	}
	v := whitelabelView(w)
	return &publicBrandingEnvelope{PublicBrandingView{CompanyName: v.CompanyName, Logo: v.Logo, PrimaryColor: v.PrimaryColor,
		SecondaryColor: v.SecondaryColor, SupportEmail: v.SupportEmail, SupportURL: v.SupportURL}}, nil
}
