package api

import "github.com/perimeterhq/perimeter/internal/tenant"

// organizationRoutes registers the organizations the caller belongs to or manages (§2.16).
func (a *API) organizationRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/organizations", Tag: "Organizations",
		Summary: "List organizations (own and managed)", List: &tenant.OrganizationList}, a.listOrganizations)
	Handle(a, Op{Method: "POST", Path: "/v2/organizations", Tag: "Organizations", Status: 201,
		Summary: "Create an organization (default plans " +
			"unless skip_default_subscription)"}, a.createOrganization)
	Handle(a, Op{Method: "GET", Path: "/v2/organizations/{id}", Tag: "Organizations",
		Summary: "Retrieve an organization"}, a.getOrganization)
	Handle(a, Op{Method: "PUT", Path: "/v2/organizations/{id}", Tag: "Organizations",
		Summary: "Update an organization"}, a.updateOrganization)
	Handle(a, Op{Method: "DELETE", Path: "/v2/organizations/{id}", Tag: "Organizations",
		Summary: "Delete an organization (409 with customers)"}, a.deleteOrganization)
}

// whitelabelRoutes registers branding, inherited from the nearest partner (§2.18).
func (a *API) whitelabelRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/whitelabel_settings", Tag: "Whitelabel settings",
		Summary: "Branding in effect (inherited from the nearest partner)"}, a.getWhitelabel)
	Handle(a, Op{Method: "GET", Path: "/v2/whitelabel_settings/public", Tag: "Whitelabel settings",
		Summary: "Public branding of a custom domain, for login pages (API key only)", Auth: AuthKey,
		Query: []Param{{Name: "domain", Doc: "the console's host name", Required: true}}}, a.publicWhitelabel)
	Handle(a, Op{Method: "PUT", Path: "/v2/whitelabel_settings", Tag: "Whitelabel settings", MaxBody: 2 << 20,
		Summary: "Update the branding (admins of partner " +
			"organizations; logo PNG/SVG ≤ 1 MiB)"}, a.updateWhitelabel)
}
