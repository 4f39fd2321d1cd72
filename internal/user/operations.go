package user

import (
	"fmt"
	"slices"
	"strings"
)

// Operation requirements that are not a resource:action permission.
const (
	Public = "public" // no user: operational endpoints, sign-in, public branding
	Self   = "self"   // any signed-in user, acting on their own account
	Agent  = "agent"  // no user: a remote scanner agent with its scanner token
)

// Operations is the permission matrix: for every API operation ("METHOD
// /path", the ServeMux pattern), what the caller needs. A "resource:action"
// value is granted to roles by the grants table in permissions.go, so this
// table and that one together are the role × operation matrix; the API
// refuses (403) any operation a role is not granted here before its handler
// runs, and refuses every operation that has no entry at all.
//
// A new route needs a line here: TestPermissionMatrix names the missing ones
// and the line to add.
var Operations = map[string]string{
	"GET /healthz":                                            Public,
	"GET /readyz":                                             Public,
	"GET /metrics":                                            Public,
	"GET /openapi.json":                                       Public,
	"GET /docs":                                               Public,
	"GET /docs/assets/{file}":                                 Public,
	"POST /auth/sign_in":                                      Public,
	"GET /console/config":                                     Public,
	"POST /console/session":                                   Public,
	"GET /console/session":                                    Public,
	"DELETE /console/session":                                 Public,
	"DELETE /auth/sign_out":                                   Self,
	"GET /v2/user":                                            Self,
	"PUT /v2/user":                                            Self,
	"PUT /v2/user/password":                                   Self,
	"PUT /v2/user/generate_access_token":                      Self,
	"DELETE /v2/user/access_token":                            Self,
	"GET /v2/user/validate_token":                             Self,
	"GET /v2/user/permissions":                                Self,
	"GET /v2/organizations":                                   "organizations:read",
	"POST /v2/organizations":                                  "organizations:write",
	"GET /v2/organizations/{id}":                              "organizations:read",
	"PUT /v2/organizations/{id}":                              "organizations:write",
	"DELETE /v2/organizations/{id}":                           "organizations:write",
	"GET /v2/users":                                           "users:read",
	"POST /v2/users":                                          "users:write",
	"GET /v2/users/{id}":                                      "users:read",
	"PUT /v2/users/{id}":                                      "users:write",
	"DELETE /v2/users/{id}":                                   "users:write",
	"GET /v2/reports":                                         "reports:read",
	"DELETE /v2/reports":                                      "reports:write",
	"GET /v2/reports/{id}":                                    "reports:read",
	"DELETE /v2/reports/{id}":                                 "reports:write",
	"POST /v2/reports/{id}/generate":                          "reports:write",
	"GET /v2/reports/{id}/download":                           "reports:read",
	"GET /v2/reports/{id}/exists":                             "reports:read",
	"POST /v2/reports/{id}/verify":                            "reports:read",
	"GET /v2/advanced_reports":                                "advanced_reports:read",
	"POST /v2/advanced_reports":                               "advanced_reports:write",
	"DELETE /v2/advanced_reports":                             "advanced_reports:write",
	"GET /v2/advanced_reports/{id}":                           "advanced_reports:read",
	"PUT /v2/advanced_reports/{id}":                           "advanced_reports:write",
	"DELETE /v2/advanced_reports/{id}":                        "advanced_reports:write",
	"POST /v2/advanced_reports/{id}/generate":                 "advanced_reports:write",
	"GET /v2/advanced_reports/{id}/download":                  "advanced_reports:read",
	"GET /v2/whitelabel_settings":                             "whitelabel_settings:read",
	"GET /v2/whitelabel_settings/public":                      Public,
	"PUT /v2/whitelabel_settings":                             "whitelabel_settings:write",
	"GET /v2/exceptions":                                      "exceptions:read",
	"POST /v2/exceptions":                                     "exceptions:write",
	"DELETE /v2/exceptions":                                   "exceptions:write",
	"POST /v2/exceptions/activate":                            "exceptions:manage",
	"POST /v2/exceptions/reset":                               "exceptions:manage",
	"GET /v2/exceptions/statistics":                           "exceptions:read",
	"GET /v2/exceptions/{id}":                                 "exceptions:read",
	"GET /v2/exceptions/{id}/details":                         "exceptions:read",
	"PUT /v2/exceptions/{id}":                                 "exceptions:write",
	"DELETE /v2/exceptions/{id}":                              "exceptions:write",
	"GET /v2/targets":                                         "targets:read",
	"POST /v2/targets":                                        "targets:write",
	"POST /v2/targets/calculate_hosts":                        "targets:read",
	"DELETE /v2/targets":                                      "targets:write",
	"GET /v2/targets/{id}":                                    "targets:read",
	"PUT /v2/targets/{id}":                                    "targets:write",
	"DELETE /v2/targets/{id}":                                 "targets:write",
	"GET /v2/scans":                                           "scans:read",
	"POST /v2/scans":                                          "scans:write",
	"DELETE /v2/scans":                                        "scans:write",
	"GET /v2/scans/upcoming":                                  "scans:read",
	"GET /v2/scans/recent":                                    "scans:read",
	"GET /v2/scans/running":                                   "scans:read",
	"POST /v2/scans/wizard":                                   "scans:write",
	"GET /v2/scans/{id}":                                      "scans:read",
	"PUT /v2/scans/{id}":                                      "scans:write",
	"DELETE /v2/scans/{id}":                                   "scans:write",
	"POST /v2/scans/{id}/start":                               "scans:write",
	"POST /v2/scans/{id}/stop":                                "scans:write",
	"POST /v2/scans/{id}/import":                              "scans:write",
	"GET /v2/scans/{id}/histories":                            "scans:read",
	"GET /v2/scans/{id}/histories/{history_id}":               "scans:read",
	"GET /v2/scans/{id}/hosts":                                "scans:read",
	"GET /v2/scans/{id}/hosts/{host_id}":                      "scans:read",
	"GET /v2/scans/{id}/vulnerabilities":                      "scans:read",
	"GET /v2/scans/{id}/vulnerabilities/{vulnerability_id}":   "scans:read",
	"GET /v2/scans/{id}/statistics":                           "scans:read",
	"GET /v2/scan_profiles":                                   "scan_profiles:read",
	"GET /v2/scan_profiles/activated":                         "scan_profiles:read",
	"GET /v2/scan_profiles/{id}":                              "scan_profiles:read",
	"POST /v2/agent/jobs/claim":                               Agent,
	"POST /v2/agent/jobs/{id}/progress":                       Agent,
	"POST /v2/agent/jobs/{id}/results":                        Agent,
	"POST /v2/agent/jobs/{id}/finish":                         Agent,
	"POST /v2/agent/jobs/{id}/release":                        Agent,
	"GET /v2/scanners":                                        "scanners:read",
	"POST /v2/scanners":                                       "scanners:write",
	"GET /v2/scanners/activated":                              "scanners:read",
	"GET /v2/scanners/{id}":                                   "scanners:read",
	"PUT /v2/scanners/{id}":                                   "scanners:write",
	"DELETE /v2/scanners/{id}":                                "scanners:write",
	"POST /v2/scanners/{id}/activate":                         "scanners:write",
	"POST /v2/scanners/{id}/deactivate":                       "scanners:write",
	"PUT /v2/scanners/{id}/app_type":                          "scanners:write",
	"POST /v2/scanners/{id}/assign":                           "scanners:manage",
	"POST /v2/scanners/{id}/verify":                           "scanners:read",
	"GET /v2/port_lists":                                      "port_lists:read",
	"POST /v2/port_lists":                                     "port_lists:write",
	"GET /v2/port_lists/activated":                            "port_lists:read",
	"POST /v2/port_lists/sync":                                "port_lists:write",
	"GET /v2/port_lists/{id}":                                 "port_lists:read",
	"PUT /v2/port_lists/{id}":                                 "port_lists:write",
	"DELETE /v2/port_lists/{id}":                              "port_lists:write",
	"POST /v2/port_lists/{id}/port_ranges":                    "port_lists:write",
	"DELETE /v2/port_lists/{id}/port_ranges/{range_id}":       "port_lists:write",
	"POST /v2/port_lists/{id}/activate":                       "port_lists:write",
	"POST /v2/port_lists/{id}/deactivate":                     "port_lists:write",
	"PUT /v2/port_lists/{id}/app_type":                        "port_lists:write",
	"GET /v2/schedules":                                       "schedules:read",
	"POST /v2/schedules":                                      "schedules:write",
	"DELETE /v2/schedules":                                    "schedules:write",
	"POST /v2/schedules/calculate_first_date":                 "schedules:read",
	"POST /v2/schedules/calculate_next_dates":                 "schedules:read",
	"GET /v2/schedules/{id}":                                  "schedules:read",
	"PUT /v2/schedules/{id}":                                  "schedules:write",
	"DELETE /v2/schedules/{id}":                               "schedules:write",
	"GET /v2/vulnerabilities":                                 "vulnerabilities:read",
	"GET /v2/vulnerabilities/widgets/total":                   "vulnerabilities:read",
	"GET /v2/vulnerabilities/widgets/top":                     "vulnerabilities:read",
	"GET /v2/vulnerabilities/widgets/pci_compliant":           "vulnerabilities:read",
	"GET /v2/vulnerabilities/{id}":                            "vulnerabilities:read",
	"GET /v2/hosts":                                           "hosts:read",
	"GET /v2/hosts/most_vulnerable":                           "hosts:read",
	"GET /v2/hosts/{id}":                                      "hosts:read",
	"GET /v2/webhooks":                                        "webhooks:read",
	"POST /v2/webhooks":                                       "webhooks:write",
	"GET /v2/webhooks/{id}":                                   "webhooks:read",
	"PUT /v2/webhooks/{id}":                                   "webhooks:write",
	"DELETE /v2/webhooks/{id}":                                "webhooks:write",
	"POST /v2/webhooks/{id}/activate":                         "webhooks:write",
	"POST /v2/webhooks/{id}/deactivate":                       "webhooks:write",
	"GET /v2/webhooks/{id}/deliveries":                        "webhooks:read",
	"GET /v2/webhooks/{id}/deliveries/{delivery_id}":          "webhooks:read",
	"GET /v2/notifications":                                   "notifications:read",
	"PUT /v2/notifications/read_all":                          "notifications:write",
	"PUT /v2/notifications/seen_all":                          "notifications:write",
	"GET /v2/notifications/{id}":                              "notifications:read",
	"DELETE /v2/notifications/{id}":                           "notifications:write",
	"PUT /v2/notifications/{id}/read":                         "notifications:write",
	"PUT /v2/notifications/{id}/seen":                         "notifications:write",
	"GET /v2/user/preferences/notifications":                  Self,
	"POST /v2/user/preferences/notifications/{event}/enable":  Self,
	"POST /v2/user/preferences/notifications/{event}/disable": Self,
	"GET /v2/audit/events":                                    "audit:read",
	"GET /v2/audit/events/{id}":                               "audit:read",

	// Users administration (§2.15, §2.17).
	"POST /v2/users/customers":          "organizations:write",
	"POST /v2/users/import":             "users:write",
	"GET /v2/users/export":              "users:read",
	"GET /v2/users/{id}/can_delete":     "users:read",
	"POST /v2/users/{id}/inherit":       "users:manage",
	"PUT /v2/users/{id}/partner":        "users:manage",
	"DELETE /v2/users/{id}/partner":     "users:manage",
	"GET /v2/user/can_delete":           Self,
	"DELETE /v2/user":                   Self,
	"POST /v2/user/transfer_resources":  "users:manage",
	"GET /v2/user/organization/members": "organizations:read",
	// Account flows and 2FA (identity part A), plans and subscriptions (part B), the AI assistant.
	"POST /auth/sign_in_with_recovery_code":                                  Public,
	"POST /auth/check_2fa":                                                   Public,
	"POST /auth/send_sms_otp":                                                Public,
	"GET /auth/confirmation":                                                 Public,
	"POST /auth/confirmation":                                                Public,
	"GET /auth/invitation":                                                   Public,
	"POST /auth/invitation/accept":                                           Public,
	"POST /auth/password/forgot":                                             Public,
	"PUT /auth/password/reset":                                               Public,
	"POST /auth/sso_link":                                                    Public,
	"POST /auth/impersonate/{user_id}":                                       Self, // managers only; anyone else gets 404 (app/impersonation.go)
	"DELETE /auth/impersonate":                                               Self,
	"POST /v2/user/2fa/enable":                                               Self,
	"POST /v2/user/2fa/verify":                                               Self,
	"DELETE /v2/user/2fa":                                                    Self,
	"POST /v2/user/2fa/lookup_phone":                                         Self,
	"PUT /v2/user/2fa/default_method":                                        Self,
	"POST /v2/user/2fa/recovery_codes":                                       Self,
	"GET /v2/user/2fa/recovery_codes":                                        Self,
	"GET /v2/plans":                                                          "plans:read",
	"POST /v2/plans":                                                         "plans:write",
	"GET /v2/plans/{id}":                                                     "plans:read",
	"PUT /v2/plans/{id}":                                                     "plans:write",
	"DELETE /v2/plans/{id}":                                                  "plans:write",
	"GET /v2/products":                                                       Self,
	"POST /v2/organizations/subscribe":                                       "subscriptions:write",
	"GET /v2/organizations/dependent_subscriptions":                          "subscriptions:read",
	"PUT /v2/organizations/change":                                           Self,
	"GET /v2/organizations/export":                                           "organizations:manage",
	"GET /v2/organizations/{id}/subscriptions":                               "subscriptions:read",
	"GET /v2/organizations/{id}/subscriptions/active":                        "subscriptions:read",
	"GET /v2/organizations/{id}/subscriptions/{subscription_id}":             "subscriptions:read",
	"PUT /v2/organizations/{id}/subscriptions/{subscription_id}":             "subscriptions:write",
	"POST /v2/organizations/{id}/subscriptions/{subscription_id}/features":   "subscriptions:write",
	"DELETE /v2/organizations/{id}/subscriptions/{subscription_id}/features": "subscriptions:write",
	"POST /v2/organizations/{id}/subscribe":                                  "subscriptions:write",
	"POST /v2/organizations/{id}/unsubscribe":                                "subscriptions:write",
	"GET /v2/user/plans":                                                     Self,
	"GET /v2/user/products":                                                  Self,
	"GET /v2/user/subscriptions":                                             Self,
	"PUT /v2/user/preferences/product":                                       Self,
	"PUT /v2/user/product":                                                   Self,
	"GET /v2/user/organization":                                              Self,
	"PUT /v2/user/organization":                                              "organizations:write",
	"POST /v2/users/invite":                                                  "users:write",
	"POST /v2/users/{id}/resend_confirmation":                                "users:write",
	"POST /v2/users/{id}/sso_link":                                           "users:manage",
	"POST /v2/vulnerabilities/{id}/ai/prompt":                                "vulnerabilities:read",
	"GET /v2/vulnerabilities/{id}/ai/chat_history":                           "vulnerabilities:read",
}

// Requirement returns what an operation needs, and false when the matrix has
// no entry for it.
func Requirement(operation string) (string, bool) {
	req, ok := Operations[operation]
	return req, ok
}

// MayCall reports whether role may call operation according to the matrix.
// Operations without an entry are refused to everybody.
func MayCall(role, operation string) bool {
	req, ok := Operations[operation]
	if !ok || Rank(role) == 0 {
		return false
	}
	switch req {
	case Public, Self:
		return true
	case Agent: // a scanner token, never a user
		return false
	}
	resource, action, _ := strings.Cut(req, ":")
	return Can(role, resource, action)
}

// CallableOperations lists, sorted, the operations role may call.
func CallableOperations(role string) []string {
	var out []string
	for op, req := range Operations {
		if req != Public && MayCall(role, op) {
			out = append(out, op)
		}
	}
	slices.Sort(out)
	return out
}

// MissingEntry is the message for an operation without a matrix entry: it
// says exactly what to add.
func MissingEntry(operation string) string {
	return fmt.Sprintf("operation %q has no entry in the permission matrix: add `%q: \"<resource>:<read|write|manage>\",` "+
		"(or Self / Public) to Operations in internal/user/operations.go", operation, operation)
}
