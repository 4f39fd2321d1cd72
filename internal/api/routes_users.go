package api

import "github.com/perimeterhq/perimeter/internal/user"

// userRoutes registers users of the organizations the caller manages (§2.17).
func (a *API) userRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/users", Tag: "Users", List: &user.List,
		Summary: "List users (admin: own organization and descendants)"}, a.listUsers)
	Handle(a, Op{Method: "POST", Path: "/v2/users", Tag: "Users", Status: 201,
		Summary: "Create a user"}, a.createUser)
	Handle(a, Op{Method: "GET", Path: "/v2/users/{id}", Tag: "Users",
		Summary: "Show a user"}, a.getUser)
	Handle(a, Op{Method: "PUT", Path: "/v2/users/{id}", Tag: "Users",
		Summary: "Update a user"}, a.updateUser)
	Handle(a, Op{Method: "DELETE", Path: "/v2/users/{id}", Tag: "Users",
		Summary: "Delete a user (409 with the can_delete reasons)"}, a.deleteUser)
	Handle(a, Op{Method: "POST", Path: "/v2/users/invite", Tag: "Users", Status: 201,
		Summary: "Invite a user by e-mail (creates or reuses an unconfirmed user)"}, a.inviteUser)
	Handle(a, Op{Method: "POST", Path: "/v2/users/{id}/resend_confirmation", Tag: "Users",
		Summary: "Resend confirmation instructions (409 once confirmed)"}, a.resendConfirmation)
	Handle(a, Op{Method: "POST", Path: "/v2/users/{id}/sso_link", Tag: "Users",
		Summary: "Issue a one-time SSO login token (5 min) for a user you manage"}, a.issueSSOLink)
}

// userAdminRoutes registers customers in one step, CSV import and export, deletion checks, resource
// transfer and the partner flag (§2.15, §2.17); handlers in users_admin.go and users_csv.go.
func (a *API) userAdminRoutes() {
	Handle(a, Op{Method: "POST", Path: "/v2/users/customers", Tag: "Users", Status: 201,
		Summary: "Create a customer: organization, subscriptions and users in one transaction",
		Description: "[CG] All or nothing: any invalid part creates nothing and the 422 names every bad " +
			"field by its path (organization.name, plans[0].plan, users[1].email). The organization " +
			"follows POST /v2/organizations, each user POST /v2/users (role defaults to admin; at least " +
			"one admin)."}, a.createCustomer)
	Handle(a, Op{Method: "POST", Path: "/v2/users/import", Tag: "Users",
		Summary: "Import users from a CSV upload (all or nothing, or mode=partial)", Description: importDoc,
		Query: importQuery, RequestBody: importBody}, a.importUsers)
	Handle(a, Op{Method: "GET", Path: "/v2/users/export", Tag: "Users",
		Summary: "Export the users you manage as CSV (streamed; no secrets)",
		Description: "Your organization's users and, for admins, those of every organization below it, in " +
			"e-mail order. Cells that a spreadsheet would read as a formula (leading =, +, -, @) get a " +
			"leading apostrophe.",
		Content: usersExportContent}, a.exportUsers)
	Handle(a, Op{Method: "GET", Path: "/v2/users/{id}/can_delete", Tag: "Users",
		Summary: "Whether a user can be deleted, and why not"}, a.canDeleteUser)
	Handle(a, Op{Method: "POST", Path: "/v2/users/{id}/inherit", Tag: "Users",
		Summary:     "Take over every resource of another user (one transaction)",
		Description: transferDoc}, a.inheritResources)
	Handle(a, Op{Method: "PUT", Path: "/v2/users/{id}/partner", Tag: "Users",
		Summary: "Set the partner flag (superadmin or an admin above the " +
			"user's organization; 409 outside partner organizations)"}, a.setPartner)
	Handle(a, Op{Method: "DELETE", Path: "/v2/users/{id}/partner", Tag: "Users",
		Summary: "Unset the partner flag (409 for the last " +
			"partner user of an organization with customers)"}, a.unsetPartner)
	Handle(a, Op{Method: "GET", Path: "/v2/user/can_delete", Tag: "Current user",
		Summary: "Whether my account can be deleted, and why not"}, a.canDeleteMe)
	Handle(a, Op{Method: "DELETE", Path: "/v2/user", Tag: "Current user",
		Summary: "Delete my account (password required; 409 with the can_delete reasons)"}, a.deleteMe)
	Handle(a, Op{Method: "POST", Path: "/v2/user/transfer_resources", Tag: "Current user",
		Summary:     "Move every resource from one user to another (admin; one transaction)",
		Description: transferDoc}, a.transferResources)
	Handle(a, Op{Method: "GET", Path: "/v2/user/organization/members", Tag: "Current user", List: &user.List,
		Summary: "Members of my current organization"}, a.organizationMembers)
}
