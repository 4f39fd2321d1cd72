package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/user"
)

var matrixParamRE = regexp.MustCompile(`\{[a-z_]+\}`)

// TestPermissionMatrixCoversEveryRoute fails when a route is added without an
// entry in user.Operations (or an entry outlives its route), and says what
// line to add.
func TestPermissionMatrixCoversEveryRoute(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, store.SQLite)
	auth := operationAuth(t, e)
	routes := e.API.Routes()
	var missing []string
	for _, route := range routes {
		req, ok := user.Requirement(route)
		if !ok {
			missing = append(missing, user.MissingEntry(route))
			continue
		}
		if (auth[route] == "scanner") != (req == user.Agent) {
			t.Errorf("%s: matrix says %q but the route needs %s credentials; use Agent exactly for scanner agent operations", route, req, auth[route])
			continue
		}
		public := auth[route] == "none" || auth[route] == "key"
		if req != user.Agent && public != (req == user.Public) {
			t.Errorf("%s: matrix says %q but the route needs %s credentials; use Public exactly for operations without a user", route, req, auth[route])
		}
		if res, act, ok := strings.Cut(req, ":"); req != user.Public && req != user.Self && req != user.Agent &&
			(!ok || res == "" || !slices.Contains([]string{user.Read, user.Write, user.Manage}, act)) {
			t.Errorf("%s: matrix entry %q is not resource:read|write|manage, Self or Public", route, req)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d operation(s) without a permission matrix entry:\n%s", len(missing), strings.Join(missing, "\n"))
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Permission string `json:"x-permission"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(e.NoKey.Do("GET", "/openapi.json", nil).Body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, route := range routes {
		method, path, _ := strings.Cut(route, " ")
		if got, want := doc.Paths[path][strings.ToLower(method)].Permission, user.Operations[route]; got != want {
			t.Errorf("%s: OpenAPI x-permission %q, matrix %q", route, got, want)
		}
	}
	for op := range user.Operations {
		if !slices.Contains(routes, op) {
			t.Errorf("matrix entry %q names no registered route: remove it from internal/user/operations.go", op)
		}
	}
}

// operationAuth reads from the served OpenAPI document what credentials each
// operation takes: "none", "key" or "user".
func operationAuth(t *testing.T, e *apitest.Env) map[string]string {
	t.Helper()
	r := e.NoKey.Do("GET", "/openapi.json", nil)
	var doc struct {
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for path, item := range doc.Paths {
		for method, op := range item {
			auth := "none"
			for _, s := range op.Security {
				if _, ok := s["session"]; ok {
					auth = "user"
				} else if _, ok := s["scannerToken"]; ok {
					auth = "scanner"
				} else if auth == "none" {
					auth = "key"
				}
			}
			out[strings.ToUpper(method)+" "+path] = auth
		}
	}
	return out
}

// TestPermissionMatrix walks every registered user operation as every role
// and checks the outcome against the matrix: a role the matrix refuses gets
// the role 403 before anything else happens; a role it grants is never
// refused for its role (not by the adapter, not by the use case behind it).
// Ids in paths are fresh UUIDs, so a granted call ends in 404 or 422 at worst.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		t.Parallel()
		e := apitest.New(t, engine)
		org := e.NewOrg(e.Admin, map[string]any{"name": "Matrix customer"})
		clients := map[string]*apitest.Client{user.RoleSuperadmin: e.Admin}
		passwords := map[string]string{user.RoleSuperadmin: apitest.AdminPassword}
		for _, role := range []string{user.RoleAdmin, user.RoleUser, user.RoleReadOnly} {
			clients[role] = e.NewUser(e.Admin, org, role)
			passwords[role] = "a-long-password"
		}
		auth := operationAuth(t, e)
		checked := 0
		for _, route := range e.API.Routes() {
			if auth[route] != "user" {
				continue
			}
			method, path, _ := strings.Cut(route, " ")
			concrete := matrixParamRE.ReplaceAllStringFunc(path, func(p string) string {
				if p == "{event}" {
					return "scan_completed"
				}
				return uuid.Must(uuid.NewV7()).String()
			})
			var body any
			if method != http.MethodGet {
				body = map[string]any{}
			}
			for _, role := range user.Roles {
				c := clients[role]
				r := c.Do(method, concrete, body)
				msg, _ := r.JSON()["message"].(string)
				roleRefusal := r.Status == http.StatusForbidden &&
					(strings.HasPrefix(msg, "Your role") || strings.Contains(msg, "no permission entry"))
				want := user.MayCall(role, route)
				switch {
				case r.Status == http.StatusUnauthorized:
					t.Errorf("%s as %s: 401 (the test's session was lost): %s", route, role, r.Body)
				case want && roleRefusal:
					t.Errorf("%s as %s: the matrix grants it (%s) but the call was refused for the role: %s",
						route, role, user.Operations[route], r.Body)
				case !want && !roleRefusal:
					t.Errorf("%s as %s: the matrix refuses it (%s) but the answer was %d: %s",
						route, role, user.Operations[route], r.Status, r.Body)
				}
				checked++
				if method != http.MethodGet && c.Do("GET", "/v2/user/validate_token", nil).Status != http.StatusOK {
					// The call ended the session (sign out): sign in again for the next ones.
					clients[role] = e.SignIn(e.Key, c.Email, passwords[role])
				}
			}
		}
		if checked < 4*100 {
			t.Fatalf("only %d role × operation calls checked", checked)
		}
	})
}

// TestPermissionsComeFromTheMatrix checks GET /v2/user/permissions lists the
// operations the matrix grants the caller's role.
func TestPermissionsComeFromTheMatrix(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, store.SQLite)
	org := e.NewOrg(e.Admin, map[string]any{"name": "Perm customer"})
	ro := e.NewUser(e.Admin, org, user.RoleReadOnly)
	r := ro.Do("GET", "/v2/user/permissions", nil)
	if r.Status != 200 {
		t.Fatal(r)
	}
	var got struct {
		Role        string   `json:"role"`
		Permissions []string `json:"permissions"`
		Operations  []string `json:"operations"`
	}
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Role != user.RoleReadOnly || !slices.Equal(got.Operations, user.CallableOperations(user.RoleReadOnly)) {
		t.Fatalf("permissions: %s", r.Body)
	}
	if !slices.Contains(got.Operations, "GET /v2/targets") || slices.Contains(got.Operations, "POST /v2/targets") ||
		slices.Contains(got.Operations, "GET /healthz") {
		t.Errorf("read_only operations: %v", got.Operations)
	}
	if slices.Contains(got.Permissions, "targets:write") || !slices.Contains(got.Permissions, "targets:read") {
		t.Errorf("read_only permissions: %v", got.Permissions)
	}
}
