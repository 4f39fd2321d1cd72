package app

import (
	"context"
	"errors"
	"strings"

	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// EffectiveBranding is the white-label settings in effect for an organization: its
// own (Own) merged with its ancestors'.
type EffectiveBranding struct {
	Effective tenant.Whitelabel
	Own       bool   // the organization has settings of its own
	From      string // nearest organization whose settings contributed ("" = defaults)
}

// brandingOf computes the settings in effect for an organization path.
func brandingOf(ctx context.Context, q *store.Q, orgPath string) (EffectiveBranding, error) {
	ids := tenant.Ancestors(orgPath)
	chain, err := q.WhitelabelChain(ctx, ids)
	if err != nil {
		return EffectiveBranding{}, err
	}
	var b EffectiveBranding
	var ordered []tenant.Whitelabel
	for i, id := range ids {
		if w, ok := chain[id]; ok {
			if b.From == "" {
				b.From = id
			}
			b.Own = b.Own || i == 0
			ordered = append(ordered, w)
		}
	}
	if len(ordered) > 0 {
		b.Effective = ordered[0]
		if !b.Own {
			b.Effective.CustomDomain = "" // a domain names one organization's console
		}
		b.Effective = b.Effective.Merge(ordered[1:])
	}
	if len(ids) > 0 {
		b.Effective.OrganizationID = ids[0]
	}
	return b, nil
}

// GetWhitelabel returns the settings in effect for the caller's organization.
func (a *App) GetWhitelabel(ctx context.Context, act *Actor) (EffectiveBranding, error) {
	if err := act.can("whitelabel_settings", "read"); err != nil {
		return EffectiveBranding{}, err
	}
	return brandingOf(ctx, a.store.R(), act.Org.Path)
}

// WhitelabelUpdate is a partial update of an organization's own settings; nil
// means unchanged. An empty Logo removes the logo.
type WhitelabelUpdate struct {
	CompanyName, PrimaryColor, SecondaryColor, SupportEmail, SupportURL, CustomDomain, EmailFrom, FooterText *string
	Logo                                                                                                     *[]byte
}

// UpdateWhitelabel changes the caller's organization's own settings: admins
// of partner organizations (and of the platform) only.
func (a *App) UpdateWhitelabel(ctx context.Context, act *Actor, up WhitelabelUpdate) (EffectiveBranding, error) {
	if err := act.can("whitelabel_settings", "write"); err != nil {
		return EffectiveBranding{}, err
	}
	if !act.User.IsAdmin() {
		return EffectiveBranding{}, errs.New(errs.Forbidden, "Only admins change white-label settings")
	}
	if act.Org.Kind != tenant.KindPartner && act.Org.Kind != tenant.KindPlatform {
		return EffectiveBranding{}, errs.New(errs.Forbidden, "White-label settings belong to partner organizations; %s inherits its partner's", act.Org.Name)
	}
	err := a.store.Tx(ctx, func(q *store.Q) error {
		chain, err := q.WhitelabelChain(ctx, []string{act.Org.ID})
		if err != nil {
			return err
		}
		old := chain[act.Org.ID]
		w := old
		w.OrganizationID = act.Org.ID
		for _, p := range []struct{ dst, src *string }{{&w.CompanyName, up.CompanyName}, {&w.PrimaryColor, up.PrimaryColor},
			{&w.SecondaryColor, up.SecondaryColor}, {&w.SupportEmail, up.SupportEmail}, {&w.SupportURL, up.SupportURL},
			{&w.CustomDomain, up.CustomDomain}, {&w.EmailFrom, up.EmailFrom}, {&w.FooterText, up.FooterText}} {
			if p.src != nil {
				*p.dst = *p.src
			}
		}
		if up.Logo != nil {
			w.Logo = *up.Logo
		}
		if err := w.Validate(); err != nil {
			return err
		}
		w.UpdatedBy, w.UpdatedAt = act.User.ID, a.now()
		if err := q.SaveWhitelabel(ctx, w); err != nil {
			var dup *store.ErrDuplicate
			if errors.As(err, &dup) {
				return errs.Field("custom_domain", "'%s' is used by another organization", w.CustomDomain)
			}
			return err
		}
		d := audit.Diff{}
		for _, c := range [][3]string{{"company_name", old.CompanyName, w.CompanyName}, {"primary_color", old.PrimaryColor, w.PrimaryColor},
			{"secondary_color", old.SecondaryColor, w.SecondaryColor}, {"support_email", old.SupportEmail, w.SupportEmail},
			{"support_url", old.SupportURL, w.SupportURL}, {"custom_domain", old.CustomDomain, w.CustomDomain},
			{"email_from", old.EmailFrom, w.EmailFrom}, {"footer_text", old.FooterText, w.FooterText},
			{"logo_type", old.LogoType, w.LogoType}} {
			d.Set(c[0], c[1], c[2])
		}
		if len(old.Logo) != len(w.Logo) || string(old.Logo) != string(w.Logo) {
			d["logo_bytes"] = []any{len(old.Logo), len(w.Logo)}
		}
		return a.record(ctx, q, act, "", "whitelabel.update", "whitelabel_settings", act.Org.ID, d)
	})
	if err != nil {
		return EffectiveBranding{}, err
	}
	return brandingOf(ctx, a.store.R(), act.Org.Path)
}

// PublicWhitelabel returns the branding of the organization whose console is
// served on domain, for login pages (API key only).
func (a *App) PublicWhitelabel(ctx context.Context, domain string) (tenant.Whitelabel, error) {
	domain = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(domain), "."))
	if domain == "" {
		return tenant.Whitelabel{}, errs.Field("domain", "can't be blank")
	}
	q := a.store.R()
	w, err := q.WhitelabelByDomain(ctx, domain)
	if err != nil {
		return w, err
	}
	org, err := q.OrganizationByID(ctx, w.OrganizationID)
	if err != nil {
		return tenant.Whitelabel{}, err
	}
	b, err := brandingOf(ctx, q, org.Path)
	return b.Effective, err
}
