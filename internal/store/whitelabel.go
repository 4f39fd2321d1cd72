package store

import (
	"context"
	"encoding/base64"

	"github.com/perimeterhq/perimeter/internal/tenant"
)

const whitelabelColumns = `organization_id, company_name, logo, logo_type, primary_color, secondary_color, support_email,
	support_url, custom_domain, email_from, footer_text, updated_by, updated_at`

func scanWhitelabel(sc interface{ Scan(...any) error }) (tenant.Whitelabel, error) {
	var w tenant.Whitelabel
	var logo string
	err := sc.Scan(&w.OrganizationID, &w.CompanyName, &logo, &w.LogoType, &w.PrimaryColor, &w.SecondaryColor, &w.SupportEmail,
		&w.SupportURL, &w.CustomDomain, &w.EmailFrom, &w.FooterText, &w.UpdatedBy, timeCol{&w.UpdatedAt})
	if err == nil && logo != "" {
		w.Logo, err = base64.StdEncoding.DecodeString(logo)
	}
	return w, err
}

// WhitelabelChain returns the settings of the organizations with these ids
// that have any, keyed by organization id.
func (q *Q) WhitelabelChain(ctx context.Context, orgIDs []string) (map[string]tenant.Whitelabel, error) {
	out := map[string]tenant.Whitelabel{}
	if len(orgIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(orgIDs))
	for i, id := range orgIDs {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT `+whitelabelColumns+` FROM whitelabel_settings WHERE organization_id IN (`+
		placeholders(len(orgIDs))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		w, err := scanWhitelabel(rows)
		if err != nil {
			return nil, err
		}
		out[w.OrganizationID] = w
	}
	return out, mapErr(rows.Err())
}

// WhitelabelByDomain returns the settings whose custom domain is domain.
func (q *Q) WhitelabelByDomain(ctx context.Context, domain string) (tenant.Whitelabel, error) {
	w, err := scanWhitelabel(q.queryRow(ctx, `SELECT `+whitelabelColumns+` FROM whitelabel_settings WHERE custom_domain = ?`, domain))
	return w, notFound(err, "Branding")
}

// SaveWhitelabel writes an organization's settings.
func (q *Q) SaveWhitelabel(ctx context.Context, w tenant.Whitelabel) error {
	logo := ""
	if len(w.Logo) > 0 {
		logo = base64.StdEncoding.EncodeToString(w.Logo)
	}
	_, err := q.exec(ctx, `INSERT INTO whitelabel_settings (`+whitelabelColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (organization_id) DO UPDATE SET company_name = excluded.company_name, logo = excluded.logo,
		logo_type = excluded.logo_type, primary_color = excluded.primary_color, secondary_color = excluded.secondary_color,
		support_email = excluded.support_email, support_url = excluded.support_url, custom_domain = excluded.custom_domain,
		email_from = excluded.email_from, footer_text = excluded.footer_text, updated_by = excluded.updated_by,
		updated_at = excluded.updated_at`,
		w.OrganizationID, w.CompanyName, logo, w.LogoType, w.PrimaryColor, w.SecondaryColor, w.SupportEmail, w.SupportURL,
		w.CustomDomain, w.EmailFrom, w.FooterText, w.UpdatedBy, ts(w.UpdatedAt))
	return mapErr(err)
}
