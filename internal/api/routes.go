package api

import (
	"errors"

	"github.com/perimeterhq/perimeter/internal/ai"
	"github.com/perimeterhq/perimeter/internal/audit"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/exception"
	"github.com/perimeterhq/perimeter/internal/inventory"
	"github.com/perimeterhq/perimeter/internal/notify"
	"github.com/perimeterhq/perimeter/internal/report"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/tenant"
	"github.com/perimeterhq/perimeter/internal/user"
	"github.com/perimeterhq/perimeter/internal/webhook"
)

var (
	errNoRoute = errs.New(errs.NotFound, "No such endpoint")
	errPanic   = errors.New("handler panicked")
)

// routeTable is every operation of the API, top to bottom. Handlers live in the
// file named after their resource.
func (a *API) routeTable() {
	// Operational (no API key).
	Handle(a, Op{Method: "GET", Path: "/healthz", Summary: "Liveness", Tag: "Operations", Auth: AuthNone}, a.healthz)
	Handle(a, Op{Method: "GET", Path: "/readyz", Summary: "Readiness (database reachable)", Tag: "Operations", Auth: AuthNone}, a.readyz)
	Handle(a, Op{Method: "GET", Path: "/metrics", Summary: "Prometheus metrics", Tag: "Operations", Auth: AuthNone, Produces: "text/plain"}, a.metricsPage)
	Handle(a, Op{Method: "GET", Path: "/openapi.json", Summary: "This OpenAPI document", Tag: "Operations", Auth: AuthNone, Produces: "application/json"}, a.openapiDoc)
	Handle(a, Op{Method: "GET", Path: "/docs", Summary: "API documentation (Swagger UI, offline)", Tag: "Operations", Auth: AuthNone, Produces: "text/html"}, a.docsPage)
	Handle(a, Op{Method: "GET", Path: "/docs/assets/{file}", Summary: "Documentation assets", Tag: "Operations", Auth: AuthNone, Produces: "application/octet-stream"}, a.docsAsset)

	// Authentication (§2.1).
	Handle(a, Op{Method: "POST", Path: "/auth/sign_in", Summary: "Sign in with username and password (failures throttled per username and client address)", Tag: "Authentication", Auth: AuthKey,
		Description: signInThrottleDoc + " " + signIn2FADoc, MaxBody: 16 << 10}, a.signIn)
	Handle(a, Op{Method: "DELETE", Path: "/auth/sign_out", Summary: "Revoke the bearer session", Tag: "Authentication"}, a.signOut)
	Handle(a, Op{Method: "POST", Path: "/auth/sign_in_with_recovery_code", Summary: "Sign in with password and a recovery code (each code works once)", Tag: "Authentication", Auth: AuthKey}, a.signInWithRecoveryCode)
	Handle(a, Op{Method: "POST", Path: "/auth/check_2fa", Summary: "Check credentials and whether a second factor is needed", Tag: "Authentication", Auth: AuthKey}, a.check2FA)
	Handle(a, Op{Method: "POST", Path: "/auth/send_sms_otp", Summary: "Send a sign-in code by SMS (at most 1 per 30 s and 5 per hour; codes expire in 5 min)", Tag: "Authentication", Auth: AuthKey}, a.sendSMSOTP)
	Handle(a, Op{Method: "GET", Path: "/auth/confirmation", Summary: "Check a confirmation token (404 if unknown, expired or used)", Tag: "Authentication", Auth: AuthKey, Query: confirmationTokenQuery}, a.confirmationInfo)
	Handle(a, Op{Method: "POST", Path: "/auth/confirmation", Summary: "Confirm an account (and set its password)", Tag: "Authentication", Auth: AuthKey}, a.confirm)
	Handle(a, Op{Method: "GET", Path: "/auth/invitation", Summary: "Check an invitation token before accepting it", Tag: "Authentication", Auth: AuthKey,
		Query: []Param{{Name: "invitation_token", Doc: "the token from the invitation e-mail", Required: true}}}, a.invitationInfo)
	Handle(a, Op{Method: "POST", Path: "/auth/invitation/accept", Summary: "Accept an invitation: set password and name, sign in", Tag: "Authentication", Auth: AuthKey}, a.acceptInvitation)
	Handle(a, Op{Method: "POST", Path: "/auth/password/forgot", Summary: "E-mail a password reset link (always 202: reveals no account)", Tag: "Authentication", Auth: AuthKey, Status: 202}, a.forgotPassword)
	Handle(a, Op{Method: "PUT", Path: "/auth/password/reset", Summary: "Set a new password with a reset token (single-use, 1 h); every session is signed out", Tag: "Authentication", Auth: AuthKey}, a.resetPassword)
	Handle(a, Op{Method: "POST", Path: "/auth/impersonate/{user_id}", Summary: "Act as a user you manage (admins of an ancestor organization, superadmins); audited with the impersonator", Tag: "Authentication"}, a.impersonate)
	Handle(a, Op{Method: "DELETE", Path: "/auth/impersonate", Summary: "End impersonation; returns a session of the impersonator", Tag: "Authentication"}, a.stopImpersonating)
	Handle(a, Op{Method: "POST", Path: "/auth/sso_link", Summary: "Sign in with a one-time SSO token (5 min) from POST /v2/users/{id}/sso_link", Tag: "Authentication", Auth: AuthKey}, a.ssoSignIn)

	a.consoleRoutes() // the web console's session cookie (console_session.go)

	// Current user (§2.15).
	Handle(a, Op{Method: "GET", Path: "/v2/user", Summary: "Current user", Tag: "Current user"}, a.getMe)
	Handle(a, Op{Method: "PUT", Path: "/v2/user", Summary: "Update name, phone, timezone, locale", Tag: "Current user"}, a.updateMe)
	Handle(a, Op{Method: "PUT", Path: "/v2/user/password", Summary: "Change password (other sessions are revoked)", Tag: "Current user"}, a.changePassword)
	Handle(a, Op{Method: "PUT", Path: "/v2/user/generate_access_token", Summary: "New long-lived access token (shown once; replaces the old)", Tag: "Current user"}, a.generateAccessToken)
	Handle(a, Op{Method: "DELETE", Path: "/v2/user/access_token", Summary: "Revoke the access token", Tag: "Current user"}, a.revokeAccessToken)
	Handle(a, Op{Method: "GET", Path: "/v2/user/validate_token", Summary: "Check the Authorization is valid", Tag: "Current user"}, a.validateToken)
	Handle(a, Op{Method: "GET", Path: "/v2/user/permissions", Summary: "The caller's permissions (resource:action)", Tag: "Current user"}, a.permissions)
	Handle(a, Op{Method: "POST", Path: "/v2/user/2fa/enable", Summary: "Start setting up two-factor authentication (TOTP: secret and QR code; SMS: a code is sent)", Tag: "Current user"}, a.enable2FA)
	Handle(a, Op{Method: "POST", Path: "/v2/user/2fa/verify", Summary: "Activate the method being set up with a valid code; returns 10 recovery codes (shown once)", Tag: "Current user"}, a.verify2FA)
	Handle(a, Op{Method: "DELETE", Path: "/v2/user/2fa", Summary: "Turn two-factor authentication off (password and a valid code)", Tag: "Current user"}, a.disable2FA)
	Handle(a, Op{Method: "POST", Path: "/v2/user/2fa/lookup_phone", Summary: "Check a phone number (E.164, calling code)", Tag: "Current user"}, a.lookupPhone)
	Handle(a, Op{Method: "PUT", Path: "/v2/user/2fa/default_method", Summary: "Choose the default two-factor method", Tag: "Current user"}, a.setDefault2FAMethod)
	Handle(a, Op{Method: "POST", Path: "/v2/user/2fa/recovery_codes", Summary: "New recovery codes (the old set is void; shown once)", Tag: "Current user"}, a.regenerateRecoveryCodes)
	Handle(a, Op{Method: "GET", Path: "/v2/user/2fa/recovery_codes", Summary: "How many recovery codes remain", Tag: "Current user"}, a.recoveryCodesStatus)

	// Organizations (§2.16).
	Handle(a, Op{Method: "GET", Path: "/v2/organizations", Summary: "List organizations (own and managed)", Tag: "Organizations", List: &tenant.OrganizationList}, a.listOrganizations)
	Handle(a, Op{Method: "POST", Path: "/v2/organizations", Summary: "Create an organization (default plans unless skip_default_subscription)", Tag: "Organizations", Status: 201}, a.createOrganization)
	Handle(a, Op{Method: "GET", Path: "/v2/organizations/{id}", Summary: "Retrieve an organization", Tag: "Organizations"}, a.getOrganization)
	Handle(a, Op{Method: "PUT", Path: "/v2/organizations/{id}", Summary: "Update an organization", Tag: "Organizations"}, a.updateOrganization)
	Handle(a, Op{Method: "DELETE", Path: "/v2/organizations/{id}", Summary: "Delete an organization (409 with customers)", Tag: "Organizations"}, a.deleteOrganization)
	a.planRoutes() // plans, products, subscriptions, the current user's plans and organization (plan_routes.go)

	// Users (§2.17).
	Handle(a, Op{Method: "GET", Path: "/v2/users", Summary: "List users (admin: own organization and descendants)", Tag: "Users", List: &user.List}, a.listUsers)
	Handle(a, Op{Method: "POST", Path: "/v2/users", Summary: "Create a user", Tag: "Users", Status: 201}, a.createUser)
	Handle(a, Op{Method: "GET", Path: "/v2/users/{id}", Summary: "Show a user", Tag: "Users"}, a.getUser)
	Handle(a, Op{Method: "PUT", Path: "/v2/users/{id}", Summary: "Update a user", Tag: "Users"}, a.updateUser)
	Handle(a, Op{Method: "DELETE", Path: "/v2/users/{id}", Summary: "Delete a user (409 with the can_delete reasons)", Tag: "Users"}, a.deleteUser)
	Handle(a, Op{Method: "POST", Path: "/v2/users/invite", Summary: "Invite a user by e-mail (creates or reuses an unconfirmed user)", Tag: "Users", Status: 201}, a.inviteUser)
	Handle(a, Op{Method: "POST", Path: "/v2/users/{id}/resend_confirmation", Summary: "Resend confirmation instructions (409 once confirmed)", Tag: "Users"}, a.resendConfirmation)
	Handle(a, Op{Method: "POST", Path: "/v2/users/{id}/sso_link", Summary: "Issue a one-time SSO login token (5 min) for a user you manage", Tag: "Users"}, a.issueSSOLink)

	// Users administration (§2.15, §2.17): users_admin.go, users_csv.go.
	Handle(a, Op{Method: "POST", Path: "/v2/users/customers", Summary: "Create a customer: organization, subscriptions and users in one transaction", Tag: "Users", Status: 201,
		Description: "[CG] All or nothing: any invalid part creates nothing and the 422 names every bad field by its path " +
			"(organization.name, plans[0].plan, users[1].email). The organization follows POST /v2/organizations, each user POST /v2/users " +
			"(role defaults to admin; at least one admin)."}, a.createCustomer)
	Handle(a, Op{Method: "POST", Path: "/v2/users/import", Summary: "Import users from a CSV upload (all or nothing, or mode=partial)", Tag: "Users",
		Description: importDoc, Query: importQuery, RequestBody: importBody}, a.importUsers)
	Handle(a, Op{Method: "GET", Path: "/v2/users/export", Summary: "Export the users you manage as CSV (streamed; no secrets)", Tag: "Users",
		Description: "Your organization's users and, for admins, those of every organization below it, in e-mail order. Cells that a " +
			"spreadsheet would read as a formula (leading =, +, -, @) get a leading apostrophe.", Content: usersExportContent}, a.exportUsers)
	Handle(a, Op{Method: "GET", Path: "/v2/users/{id}/can_delete", Summary: "Whether a user can be deleted, and why not", Tag: "Users"}, a.canDeleteUser)
	Handle(a, Op{Method: "POST", Path: "/v2/users/{id}/inherit", Summary: "Take over every resource of another user (one transaction)", Tag: "Users",
		Description: transferDoc}, a.inheritResources)
	Handle(a, Op{Method: "PUT", Path: "/v2/users/{id}/partner", Summary: "Set the partner flag (superadmin or an admin above the user's organization; 409 outside partner organizations)", Tag: "Users"}, a.setPartner)
	Handle(a, Op{Method: "DELETE", Path: "/v2/users/{id}/partner", Summary: "Unset the partner flag (409 for the last partner user of an organization with customers)", Tag: "Users"}, a.unsetPartner)
	Handle(a, Op{Method: "GET", Path: "/v2/user/can_delete", Summary: "Whether my account can be deleted, and why not", Tag: "Current user"}, a.canDeleteMe)
	Handle(a, Op{Method: "DELETE", Path: "/v2/user", Summary: "Delete my account (password required; 409 with the can_delete reasons)", Tag: "Current user"}, a.deleteMe)
	Handle(a, Op{Method: "POST", Path: "/v2/user/transfer_resources", Summary: "Move every resource from one user to another (admin; one transaction)", Tag: "Current user",
		Description: transferDoc}, a.transferResources)
	Handle(a, Op{Method: "GET", Path: "/v2/user/organization/members", Summary: "Members of my current organization", Tag: "Current user", List: &user.List}, a.organizationMembers)

	// Reports (§2.4).
	Handle(a, Op{Method: "GET", Path: "/v2/reports", Summary: "List reports (one per finished run)", Tag: "Reports", List: &report.List}, a.listReports)
	Handle(a, Op{Method: "DELETE", Path: "/v2/reports", Summary: "Delete reports and their files (all or nothing)", Tag: "Reports"}, a.deleteReports)
	Handle(a, Op{Method: "GET", Path: "/v2/reports/{id}", Summary: "Show a report with its files", Tag: "Reports"}, a.getReport)
	Handle(a, Op{Method: "DELETE", Path: "/v2/reports/{id}", Summary: "Delete a report and its files", Tag: "Reports"}, a.deleteReport)
	Handle(a, Op{Method: "POST", Path: "/v2/reports/{id}/generate", Summary: "Generate a file in a type and format (asynchronous: pending → processing → done|failed; fires report_generated)", Tag: "Reports", Status: 202}, a.generateReport)
	Handle(a, Op{Method: "GET", Path: "/v2/reports/{id}/download", Summary: "Download a generated file (Content-Disposition, X-Checksum-SHA256, Digest)", Tag: "Reports", Query: kindQuery, Content: reportContent()}, a.downloadReport)
	Handle(a, Op{Method: "GET", Path: "/v2/reports/{id}/exists", Summary: "Whether a file exists, its status and SHA-256", Tag: "Reports", Query: kindQuery}, a.reportExists)
	Handle(a, Op{Method: "POST", Path: "/v2/reports/{id}/verify", Summary: "Verify a file's integrity by its SHA-256", Tag: "Reports"}, a.verifyReport)

	// Advanced reports (§2.9).
	Handle(a, Op{Method: "GET", Path: "/v2/advanced_reports", Summary: "List advanced report definitions", Tag: "Advanced reports", List: &report.DefinitionList}, a.listAdvancedReports)
	Handle(a, Op{Method: "POST", Path: "/v2/advanced_reports", Summary: "Save a cross-scan report definition (filters, sections, format)", Tag: "Advanced reports", Status: 201}, a.createAdvancedReport)
	Handle(a, Op{Method: "DELETE", Path: "/v2/advanced_reports", Summary: "Delete advanced reports (all or nothing)", Tag: "Advanced reports"}, a.deleteAdvancedReports)
	Handle(a, Op{Method: "GET", Path: "/v2/advanced_reports/{id}", Summary: "Show an advanced report with its last generated file", Tag: "Advanced reports"}, a.getAdvancedReport)
	Handle(a, Op{Method: "PUT", Path: "/v2/advanced_reports/{id}", Summary: "Update an advanced report", Tag: "Advanced reports"}, a.updateAdvancedReport)
	Handle(a, Op{Method: "DELETE", Path: "/v2/advanced_reports/{id}", Summary: "Delete an advanced report and its files", Tag: "Advanced reports"}, a.deleteAdvancedReport)
	Handle(a, Op{Method: "POST", Path: "/v2/advanced_reports/{id}/generate", Summary: "Generate the report (asynchronous, like reports)", Tag: "Advanced reports", Status: 202}, a.generateAdvancedReport)
	Handle(a, Op{Method: "GET", Path: "/v2/advanced_reports/{id}/download", Summary: "Download the generated file", Tag: "Advanced reports",
		Query: []Param{{Name: "format", Doc: "default: the definition's format"}}, Content: reportContent()}, a.downloadAdvancedReport)

	// White-label settings (§2.18).
	Handle(a, Op{Method: "GET", Path: "/v2/whitelabel_settings", Summary: "Branding in effect (inherited from the nearest partner)", Tag: "Whitelabel settings"}, a.getWhitelabel)
	Handle(a, Op{Method: "GET", Path: "/v2/whitelabel_settings/public", Summary: "Public branding of a custom domain, for login pages (API key only)", Tag: "Whitelabel settings", Auth: AuthKey,
		Query: []Param{{Name: "domain", Doc: "the console's host name", Required: true}}}, a.publicWhitelabel)
	Handle(a, Op{Method: "PUT", Path: "/v2/whitelabel_settings", Summary: "Update the branding (admins of partner organizations; logo PNG/SVG ≤ 1 MiB)", Tag: "Whitelabel settings", MaxBody: 2 << 20}, a.updateWhitelabel)

	// Exceptions (§2.6).
	Handle(a, Op{Method: "GET", Path: "/v2/exceptions", Summary: "List exceptions", Tag: "Exceptions", List: &exception.List}, a.listExceptions)
	Handle(a, Op{Method: "POST", Path: "/v2/exceptions", Summary: "Propose an exception (pending unless an admin asks to activate it)", Tag: "Exceptions", Status: 201}, a.createException)
	Handle(a, Op{Method: "DELETE", Path: "/v2/exceptions", Summary: "Delete exceptions (all or nothing; covered findings revert)", Tag: "Exceptions"}, a.deleteExceptions)
	Handle(a, Op{Method: "POST", Path: "/v2/exceptions/activate", Summary: "Activate exceptions (admin): covered findings and PCI verdicts change at once", Tag: "Exceptions"}, a.activateExceptions)
	Handle(a, Op{Method: "POST", Path: "/v2/exceptions/reset", Summary: "Put exceptions back to pending (admin; covered findings revert)", Tag: "Exceptions"}, a.resetExceptions)
	Handle(a, Op{Method: "GET", Path: "/v2/exceptions/statistics", Summary: "Counts by status and type, findings covered, expiring soon", Tag: "Exceptions"}, a.exceptionStatistics)
	Handle(a, Op{Method: "GET", Path: "/v2/exceptions/{id}", Summary: "Show an exception", Tag: "Exceptions"}, a.getException)
	Handle(a, Op{Method: "GET", Path: "/v2/exceptions/{id}/details", Summary: "An exception with the findings it covers now", Tag: "Exceptions"}, a.exceptionDetails)
	Handle(a, Op{Method: "PUT", Path: "/v2/exceptions/{id}", Summary: "Update an exception (active ones: admin; a new scope applies at once)", Tag: "Exceptions"}, a.updateException)
	Handle(a, Op{Method: "DELETE", Path: "/v2/exceptions/{id}", Summary: "Delete an exception (covered findings revert)", Tag: "Exceptions"}, a.deleteException)

	// Targets (§2.2).
	Handle(a, Op{Method: "GET", Path: "/v2/targets", Summary: "List targets", Tag: "Targets", List: &inventory.TargetList}, a.listTargets)
	Handle(a, Op{Method: "POST", Path: "/v2/targets", Summary: "Create a target (counts against the plan's max_ips)", Tag: "Targets", Status: 201}, a.createTarget)
	Handle(a, Op{Method: "POST", Path: "/v2/targets/calculate_hosts", Summary: "Count and preview a host list without saving", Tag: "Targets"}, a.calculateHosts)
	Handle(a, Op{Method: "DELETE", Path: "/v2/targets", Summary: "Delete targets (all or nothing)", Tag: "Targets"}, a.deleteTargets)
	Handle(a, Op{Method: "GET", Path: "/v2/targets/{id}", Summary: "Show a target with its host_count", Tag: "Targets"}, a.getTarget)
	Handle(a, Op{Method: "PUT", Path: "/v2/targets/{id}", Summary: "Update a target", Tag: "Targets"}, a.updateTarget)
	Handle(a, Op{Method: "DELETE", Path: "/v2/targets/{id}", Summary: "Delete a target", Tag: "Targets"}, a.deleteTarget)

	// Scans (§2.3).
	Handle(a, Op{Method: "GET", Path: "/v2/scans", Summary: "List scans", Tag: "Scans", List: &scan.List}, a.listScans)
	Handle(a, Op{Method: "POST", Path: "/v2/scans", Summary: "Create a scan (target, scanner, profile, optional schedule)", Tag: "Scans", Status: 201}, a.createScan)
	Handle(a, Op{Method: "DELETE", Path: "/v2/scans", Summary: "Delete scans (all or nothing; 409 while one runs)", Tag: "Scans"}, a.deleteScans)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/upcoming", Summary: "Scheduled scans by next_run_at", Tag: "Scans", List: &scan.List}, a.upcomingScans)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/recent", Summary: "Recently finished runs", Tag: "Scans", List: &scan.RunList}, a.recentScans)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/running", Summary: "Queued and running scans with progress", Tag: "Scans", List: &scan.List}, a.runningScans)
	Handle(a, Op{Method: "POST", Path: "/v2/scans/wizard", Summary: "Target + scan + optional schedule + optional first run, all or nothing", Tag: "Scans", Status: 201}, a.scanWizard)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}", Summary: "Show a scan with status, progress, last_history and next_run_at", Tag: "Scans"}, a.getScan)
	Handle(a, Op{Method: "PUT", Path: "/v2/scans/{id}", Summary: "Update a scan (409 while it runs)", Tag: "Scans"}, a.updateScan)
	Handle(a, Op{Method: "DELETE", Path: "/v2/scans/{id}", Summary: "Delete a scan and its runs", Tag: "Scans"}, a.deleteScan)
	Handle(a, Op{Method: "POST", Path: "/v2/scans/{id}/start", Summary: "Queue a run (409 if queued or running; 403 over the plan)", Tag: "Scans", Status: 202}, a.startScan)
	Handle(a, Op{Method: "POST", Path: "/v2/scans/{id}/stop", Summary: "Stop the queued or running run; partial results are kept", Tag: "Scans"}, a.stopScan)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}/histories", Summary: "Runs of the scan", Tag: "Scans", List: &scan.RunList}, a.listHistories)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}/histories/{history_id}", Summary: "One run in detail, with its log", Tag: "Scans"}, a.getHistory)

	// Scan results (§2.3): what a run found, read side. history_id picks the run.
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}/hosts", Summary: "Hosts of the latest run (or history_id): ip, hostnames, os, services, counts by severity", Tag: "Scans",
		List: &scan.RunHostList, Query: []Param{historyParam}}, a.listScanHosts)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}/hosts/{host_id}", Summary: "A host in the latest run (or history_id): services and findings", Tag: "Scans",
		Query: []Param{historyParam}}, a.getScanHost)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}/vulnerabilities", Summary: "Findings of the latest run (or history_id)", Tag: "Scans",
		List: &scan.FindingList, Query: []Param{historyParam}}, a.listScanVulnerabilities)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}/vulnerabilities/{vulnerability_id}", Summary: "A finding as the latest run (or history_id) saw it", Tag: "Scans",
		Query: []Param{historyParam}}, a.getScanVulnerability)
	Handle(a, Op{Method: "GET", Path: "/v2/scans/{id}/statistics", Summary: "Counts by severity, host, port and service; PCI verdict; change since the previous run", Tag: "Scans",
		Query: []Param{historyParam}, Description: "Severity counts are as the run rated its findings; the PCI verdict uses the findings' current statuses " +
			"(exceptions apply). The delta compares the findings this run saw with those of the scan's previous completed or stopped run."}, a.scanStatistics)

	// Scan profiles (§2.3).
	Handle(a, Op{Method: "GET", Path: "/v2/scan_profiles", Summary: "Scan profiles visible to the organization", Tag: "Scan profiles", List: &inventory.ScanProfileList}, a.listScanProfiles)
	Handle(a, Op{Method: "GET", Path: "/v2/scan_profiles/activated", Summary: "Activated scan profiles", Tag: "Scan profiles", List: &inventory.ScanProfileList}, a.listActiveScanProfiles)
	Handle(a, Op{Method: "GET", Path: "/v2/scan_profiles/{id}", Summary: "Show a scan profile and its settings", Tag: "Scan profiles"}, a.getScanProfile)

	// Scanners (§2.13).
	Handle(a, Op{Method: "GET", Path: "/v2/scanners", Summary: "List scanners", Tag: "Scanners", List: &inventory.ScannerList}, a.listScanners)
	Handle(a, Op{Method: "POST", Path: "/v2/scanners", Summary: "Create a scanner (agent: the token is returned once)", Tag: "Scanners", Status: 201}, a.createScanner)
	Handle(a, Op{Method: "GET", Path: "/v2/scanners/activated", Summary: "List activated scanners", Tag: "Scanners", List: &inventory.ScannerList}, a.listActiveScanners)
	Handle(a, Op{Method: "GET", Path: "/v2/scanners/{id}", Summary: "Show a scanner", Tag: "Scanners"}, a.getScanner)
	Handle(a, Op{Method: "PUT", Path: "/v2/scanners/{id}", Summary: "Update a scanner", Tag: "Scanners"}, a.updateScanner)
	Handle(a, Op{Method: "DELETE", Path: "/v2/scanners/{id}", Summary: "Delete a scanner", Tag: "Scanners"}, a.deleteScanner)
	Handle(a, Op{Method: "POST", Path: "/v2/scanners/{id}/activate", Summary: "Activate a scanner", Tag: "Scanners"}, a.activateScanner)
	Handle(a, Op{Method: "POST", Path: "/v2/scanners/{id}/deactivate", Summary: "Deactivate a scanner", Tag: "Scanners"}, a.deactivateScanner)
	Handle(a, Op{Method: "PUT", Path: "/v2/scanners/{id}/app_type", Summary: "Change the scanner's engine (agent: a new token is returned once)", Tag: "Scanners"}, a.setScannerAppType)
	Handle(a, Op{Method: "POST", Path: "/v2/scanners/{id}/assign", Summary: "Assign the scanner to another organization (superadmin, or a partner for its customers)", Tag: "Scanners"}, a.assignScanner)
	Handle(a, Op{Method: "POST", Path: "/v2/scanners/{id}/verify", Summary: "Check the engine is reachable and working", Tag: "Scanners"}, a.verifyScanner)

	// Port lists (§2.14).
	Handle(a, Op{Method: "GET", Path: "/v2/port_lists", Summary: "List port lists (the organization's and the built-ins)", Tag: "Port lists", List: &inventory.PortListListing}, a.listPortLists)
	Handle(a, Op{Method: "POST", Path: "/v2/port_lists", Summary: "Create a port list (JSON ranges or T:/U: notation; overlaps merged)", Tag: "Port lists", Status: 201}, a.createPortList)
	Handle(a, Op{Method: "GET", Path: "/v2/port_lists/activated", Summary: "List activated port lists", Tag: "Port lists", List: &inventory.PortListListing}, a.listActivePortLists)
	Handle(a, Op{Method: "POST", Path: "/v2/port_lists/sync", Summary: "Sync port lists with the scanners that keep their own (per-scanner result)", Tag: "Port lists"}, a.syncPortLists)
	Handle(a, Op{Method: "GET", Path: "/v2/port_lists/{id}", Summary: "Show a port list with its ranges and port_count", Tag: "Port lists"}, a.getPortList)
	Handle(a, Op{Method: "PUT", Path: "/v2/port_lists/{id}", Summary: "Update a port list (built-ins are read-only)", Tag: "Port lists"}, a.updatePortList)
	Handle(a, Op{Method: "DELETE", Path: "/v2/port_lists/{id}", Summary: "Delete a port list (409 while a target uses it)", Tag: "Port lists"}, a.deletePortList)
	Handle(a, Op{Method: "POST", Path: "/v2/port_lists/{id}/port_ranges", Summary: "Add a port range (overlapping and adjacent ranges merge)", Tag: "Port lists", Status: 201,
		Description: "Ranges are stored normalized. A range that comes out of a change unchanged keeps its id; a range that merges with others, or is cut, is a new range with a new id, and the ids it replaced are gone."}, a.addPortRange)
	Handle(a, Op{Method: "DELETE", Path: "/v2/port_lists/{id}/port_ranges/{range_id}", Summary: "Delete a port range (409 for the last one)", Tag: "Port lists"}, a.deletePortRange)
	Handle(a, Op{Method: "POST", Path: "/v2/port_lists/{id}/activate", Summary: "Activate a port list", Tag: "Port lists"}, a.activatePortList)
	Handle(a, Op{Method: "POST", Path: "/v2/port_lists/{id}/deactivate", Summary: "Deactivate a port list", Tag: "Port lists"}, a.deactivatePortList)
	Handle(a, Op{Method: "PUT", Path: "/v2/port_lists/{id}/app_type", Summary: "Set which scanner types may use a port list", Tag: "Port lists"}, a.setPortListAppType)

	// Schedules (§2.7).
	Handle(a, Op{Method: "GET", Path: "/v2/schedules", Summary: "List schedules, each with next_run_at", Tag: "Schedules", List: &inventory.ScheduleListing}, a.listSchedules)
	Handle(a, Op{Method: "POST", Path: "/v2/schedules", Summary: "Create a schedule (frequency form or RFC 5545 rrule)", Tag: "Schedules", Status: 201,
		Description: "Runs follow the wall clock of timezone. Daily and longer rules run once per matching date: a wall time that daylight saving time skips is read with the offset before the gap (RFC 5545 §3.3.5: 02:30 EST, shown as 03:30 EDT), one that happens twice runs at the first. FREQ=HOURLY rrules follow the wall clock and skip the hour that does not exist (RFC 5545 §3.3.10). Hourly (frequency form) runs every interval elapsed hours. Monthly on the 31st clamps to the last day of shorter months in the frequency form; an rrule skips such months (RFC 5545)."}, a.createSchedule)
	Handle(a, Op{Method: "DELETE", Path: "/v2/schedules", Summary: "Delete schedules (all or nothing)", Tag: "Schedules"}, a.deleteSchedules)
	Handle(a, Op{Method: "POST", Path: "/v2/schedules/calculate_first_date", Summary: "The first run of a schedule, without saving", Tag: "Schedules"}, a.calculateFirstDate)
	Handle(a, Op{Method: "POST", Path: "/v2/schedules/calculate_next_dates", Summary: "The next runs (up to 100) of a schedule, without saving", Tag: "Schedules"}, a.calculateNextDates)
	Handle(a, Op{Method: "GET", Path: "/v2/schedules/{id}", Summary: "Show a schedule with next_run_at", Tag: "Schedules"}, a.getSchedule)
	Handle(a, Op{Method: "PUT", Path: "/v2/schedules/{id}", Summary: "Update a schedule (recomputes next_run_at)", Tag: "Schedules"}, a.updateSchedule)
	Handle(a, Op{Method: "DELETE", Path: "/v2/schedules/{id}", Summary: "Delete a schedule (409 while scans use it unless force=true)", Tag: "Schedules",
		Query: []Param{{Name: "force", Type: "boolean", Doc: "detach the scans that use the schedule instead of refusing"}}}, a.deleteSchedule)

	// Vulnerabilities (§2.5): organization-wide findings, deduplicated by host, port/protocol and check.
	Handle(a, Op{Method: "GET", Path: "/v2/vulnerabilities", Summary: "List findings (default: most severe first, then by address and port)", Tag: "Vulnerabilities",
		List: &scan.FindingList}, a.listVulnerabilities)
	Handle(a, Op{Method: "GET", Path: "/v2/vulnerabilities/widgets/total", Summary: "Findings by severity and status; open now vs the start of a period", Tag: "Vulnerabilities",
		Query: []Param{{Name: "period", Doc: "how far back the comparison looks: <n><unit>, units s m h d M y q (default 30d)"}},
		Description: "open_at_period_start counts the findings first seen by then and not fixed by then. Only a finding's latest fix is kept, " +
			"so one fixed and reopened within the period counts as open throughout; accepted and false-positive findings are left out of both counts."}, a.vulnerabilityTotals)
	Handle(a, Op{Method: "GET", Path: "/v2/vulnerabilities/widgets/top", Summary: "Top vulnerabilities by affected hosts × severity weight", Tag: "Vulnerabilities",
		Query:       []Param{{Name: "limit", Type: "integer", Doc: "1–100, default 10"}},
		Description: "Open findings grouped by check. score = affected hosts × the weight of the check's highest severity: critical 10, high 5, medium 2, low 1, info 0."}, a.topVulnerabilities)
	Handle(a, Op{Method: "GET", Path: "/v2/vulnerabilities/widgets/pci_compliant", Summary: "PCI compliance now, per scan and target, with the failing findings", Tag: "Vulnerabilities",
		Query: []Param{{Name: "product", Doc: "only scans of this product (pci, vrms, penetration)"}, {Name: "limit", Type: "integer", Doc: "failing findings listed: 1–500, default 100"}},
		Description: "Per scan: its latest completed run fails when a finding it saw fails PCI by its current status — CVSS ≥ 4.0 unless the finding only " +
			"threatens availability (DoS), or an automatic failure whatever its score; accepted and false-positive findings never count. " +
			"A target is compliant when every scan of it is."}, a.pciCompliant)
	Handle(a, Op{Method: "GET", Path: "/v2/vulnerabilities/{id}", Summary: "A finding with its texts and the runs that saw it", Tag: "Vulnerabilities"}, a.getVulnerability)
	Handle(a, Op{Method: "POST", Path: "/v2/vulnerabilities/{id}/ai/prompt", Summary: "Ask the AI assistant about remediating this finding (JSON, or server-sent events)", Tag: "Vulnerabilities",
		Description: aiPromptDoc, Stream: aiStreamDoc, Errors: aiPromptErrors}, a.aiPrompt)
	Handle(a, Op{Method: "GET", Path: "/v2/vulnerabilities/{id}/ai/chat_history", Summary: "My conversation with the AI assistant about this finding, oldest first", Tag: "Vulnerabilities",
		List: &ai.HistoryList, Description: "Only the caller's own messages about the finding. Bounded: the oldest turns are dropped past the token budget (see ai/prompt)."}, a.aiChatHistory)

	// Hosts (§2.12): the asset inventory built from scan results.
	Handle(a, Op{Method: "GET", Path: "/v2/hosts", Summary: "List hosts (one per IP), each with its open findings by severity", Tag: "Hosts", List: &scan.HostList}, a.listHosts)
	Handle(a, Op{Method: "GET", Path: "/v2/hosts/most_vulnerable", Summary: "Top hosts by open findings weighted by severity", Tag: "Hosts",
		Query: []Param{{Name: "limit", Type: "integer", Doc: "1–100, default 10"}},
		Description: "risk = the host's open (open or reopened) findings weighted by severity: critical 10, high 5, medium 2, low 1, info 0. " +
			"Hosts with no weighted finding are left out."}, a.mostVulnerableHosts)
	Handle(a, Op{Method: "GET", Path: "/v2/hosts/{id}", Summary: "A host with its services, open findings and scan history", Tag: "Hosts"}, a.getHost)

	// Webhooks (§2.8): signed deliveries of the organization's events (and, for partners, their customers').
	Handle(a, Op{Method: "GET", Path: "/v2/webhooks", Summary: "List webhooks", Tag: "Webhooks", List: &webhook.List}, a.listWebhooks)
	Handle(a, Op{Method: "POST", Path: "/v2/webhooks", Summary: "Create a webhook (secret generated if absent, shown once)", Tag: "Webhooks", Status: 201,
		Description: "Delivery [CG]: POST of JSON {id, event, event_id, created_at, organization_id, resource {type, id}, data} with headers " +
			"X-CG-Hook-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>, X-CG-Hook-Event, X-CG-Hook-Delivery (the same on every retry) and " +
			"User-Agent: CloneGuard-Hook/<version>. A non-2xx answer or a timeout (10 s) is retried up to 3 times with increasing delays; redirects are not followed. " +
			"URLs whose address is loopback, private, link-local, CGNAT, multicast or a metadata service are refused unless the server allows them."}, a.createWebhook)
	Handle(a, Op{Method: "GET", Path: "/v2/webhooks/{id}", Summary: "Show a webhook", Tag: "Webhooks"}, a.getWebhook)
	Handle(a, Op{Method: "PUT", Path: "/v2/webhooks/{id}", Summary: "Update a webhook (a new secret replaces the old)", Tag: "Webhooks"}, a.updateWebhook)
	Handle(a, Op{Method: "DELETE", Path: "/v2/webhooks/{id}", Summary: "Delete a webhook and its deliveries", Tag: "Webhooks"}, a.deleteWebhook)
	Handle(a, Op{Method: "POST", Path: "/v2/webhooks/{id}/activate", Summary: "Activate a webhook", Tag: "Webhooks"}, a.activateWebhook)
	Handle(a, Op{Method: "POST", Path: "/v2/webhooks/{id}/deactivate", Summary: "Deactivate a webhook", Tag: "Webhooks"}, a.deactivateWebhook)
	Handle(a, Op{Method: "GET", Path: "/v2/webhooks/{id}/deliveries", Summary: "Deliveries: event, status, attempts, response code, duration", Tag: "Webhooks",
		List: &webhook.DeliveryList}, a.listDeliveries)
	Handle(a, Op{Method: "GET", Path: "/v2/webhooks/{id}/deliveries/{delivery_id}", Summary: "A delivery with every attempt: request headers and body, response status, headers and body (64 KiB)", Tag: "Webhooks"}, a.getDelivery)

	// Notifications (§2.11): the current user's own.
	Handle(a, Op{Method: "GET", Path: "/v2/notifications", Summary: "List my notifications, with unread_count", Tag: "Notifications", List: &notify.List}, a.listNotifications)
	Handle(a, Op{Method: "PUT", Path: "/v2/notifications/read_all", Summary: "Mark all my notifications read", Tag: "Notifications"}, a.readAllNotifications)
	Handle(a, Op{Method: "PUT", Path: "/v2/notifications/seen_all", Summary: "Mark all my notifications seen", Tag: "Notifications"}, a.seeAllNotifications)
	Handle(a, Op{Method: "GET", Path: "/v2/notifications/{id}", Summary: "Show a notification", Tag: "Notifications"}, a.getNotification)
	Handle(a, Op{Method: "DELETE", Path: "/v2/notifications/{id}", Summary: "Delete a notification", Tag: "Notifications"}, a.deleteNotification)
	Handle(a, Op{Method: "PUT", Path: "/v2/notifications/{id}/read", Summary: "Mark a notification read (and seen)", Tag: "Notifications"}, a.readNotification)
	Handle(a, Op{Method: "PUT", Path: "/v2/notifications/{id}/seen", Summary: "Mark a notification seen", Tag: "Notifications"}, a.seeNotification)

	// Notification preferences of the current user (§2.15).
	Handle(a, Op{Method: "GET", Path: "/v2/user/preferences/notifications", Summary: "My channels (in_app, email) for every event", Tag: "Current user"}, a.notificationPreferences)
	Handle(a, Op{Method: "POST", Path: "/v2/user/preferences/notifications/{event}/enable", Summary: "Turn a channel on for an event", Tag: "Current user"}, a.enablePreference)
	Handle(a, Op{Method: "POST", Path: "/v2/user/preferences/notifications/{event}/disable", Summary: "Turn a channel off for an event", Tag: "Current user"}, a.disablePreference)

	// Audit (§2.10).
	Handle(a, Op{Method: "GET", Path: "/v2/audit/events", Summary: "List audit events (admin)", Tag: "Audit", List: &audit.List}, a.listAuditEvents)
	Handle(a, Op{Method: "GET", Path: "/v2/audit/events/{id}", Summary: "Show an audit event", Tag: "Audit"}, a.getAuditEvent)
}
