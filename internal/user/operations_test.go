package user

import (
	"slices"
	"strings"
	"testing"
)

func TestMayCallFollowsGrants(t *testing.T) {
	cases := []struct {
		role, op string
		want     bool
	}{
		{RoleReadOnly, "GET /v2/targets", true},
		{RoleReadOnly, "POST /v2/targets", false},
		{RoleUser, "POST /v2/targets", true},
		{RoleUser, "GET /v2/users", false},
		{RoleUser, "POST /v2/exceptions/activate", false},
		{RoleAdmin, "POST /v2/exceptions/activate", true},
		{RoleAdmin, "POST /v2/user/transfer_resources", true},
		{RoleUser, "POST /v2/user/transfer_resources", false},
		{RoleReadOnly, "DELETE /v2/user", true}, // Self
		{RoleReadOnly, "GET /v2/user/organization/members", true},
		{"emperor", "GET /v2/user", false},
		{RoleSuperadmin, "GET /v2/no_such_route", false}, // no entry: refused to everybody
	}
	for _, c := range cases {
		if got := MayCall(c.role, c.op); got != c.want {
			t.Errorf("MayCall(%s, %s) = %v, want %v", c.role, c.op, got, c.want)
		}
	}
}

func TestCallableOperationsNeverListPublicOnes(t *testing.T) {
	for _, role := range Roles {
		ops := CallableOperations(role)
		if !slices.IsSorted(ops) || slices.Contains(ops, "GET /healthz") || !slices.Contains(ops, "GET /v2/user") {
			t.Errorf("%s: %v", role, ops)
		}
	}
	if len(CallableOperations(RoleSuperadmin)) <= len(CallableOperations(RoleReadOnly)) {
		t.Error("superadmin should be able to call more than read_only")
	}
}

func TestMissingEntrySaysWhatToAdd(t *testing.T) {
	msg := MissingEntry("POST /v2/things")
	for _, w := range []string{`"POST /v2/things": "<resource>:<read|write|manage>",`, "internal/user/operations.go"} {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q lacks %q", msg, w)
		}
	}
}
