package user

import "slices"

// Actions a permission grants on a resource.
const (
	Read   = "read"
	Write  = "write"
	Manage = "manage" // administrative actions beyond write (assign, activate, impersonate)
)

// Resources that permissions name. Later features add theirs here.
var resources = []string{
	"organizations", "users", "audit", "plans", "subscriptions",
	"targets", "scans", "scan_profiles", "schedules", "scanners", "port_lists",
	"reports", "vulnerabilities", "exceptions", "hosts", "webhooks",
	"advanced_reports", "notifications", "whitelabel_settings",
}

// grants says, per role, which actions on which resources it has. "*" is every
// resource. One table, so the permission list and every check agree.
var grants = map[string]map[string][]string{
	RoleSuperadmin: {"*": {Read, Write, Manage}},
	RoleAdmin: {
		"*":     {Read, Write},
		"users": {Read, Write, Manage}, "organizations": {Read, Write, Manage},
		"scanners": {Read, Write, Manage}, "exceptions": {Read, Write, Manage},
		"plans": {Read}, "subscriptions": {Read, Write}, // subscription writes: descendants only (app/subscriptions.go)
	},
	RoleUser: {
		"*":     {Read, Write},
		"users": nil, "audit": nil, "plans": nil, "subscriptions": nil,
		"organizations": {Read}, "scanners": {Read}, "whitelabel_settings": {Read},
	},
	RoleReadOnly: {
		"*":     {Read},
		"users": nil, "audit": nil, "plans": nil, "subscriptions": nil,
		"notifications": {Read, Write}, // marking one's own notifications read is not a change of tenant data
	},
}

// Can reports whether role may perform action on resource.
func Can(role, resource, action string) bool {
	g, ok := grants[role]
	if !ok {
		return false
	}
	actions, ok := g[resource]
	if !ok {
		actions = g["*"]
	}
	return slices.Contains(actions, action)
}

// Permissions lists a role's permissions as sorted "resource:action" strings.
func Permissions(role string) []string {
	var out []string
	for _, r := range resources {
		for _, a := range []string{Read, Write, Manage} {
			if Can(role, r, a) {
				out = append(out, r+":"+a)
			}
		}
	}
	slices.Sort(out)
	return out
}
