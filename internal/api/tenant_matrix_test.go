package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/perimeterhq/perimeter/internal/ai"
	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
	"github.com/perimeterhq/perimeter/internal/user"
)

// tmCaller is one column of the tenancy matrix.
type tmCaller struct {
	name      string
	c         *apitest.Client
	role      string // "" without a user
	noKey     bool
	foreign   bool // an API key of an unrelated partner, with a valid session of A's read_only user
	actsInA   bool // A is the organization the caller acts in (Actor.Scope)
	managesA  bool // A is inside what the caller administers (Actor.ManagedScope)
	recipient bool // the personal fixtures (notifications) are the caller's
	inPartner bool // acts in a partner organization
	aboveA    bool // acts in an organization strictly above A
	outsider  bool // may never read anything of A
}

// tmWant is the outcome a cell must have.
type tmWant string

const (
	tmAnswer  tmWant = "answered (public)" // any answer below 500
	tmAllow   tmWant = "allowed"           // anything but 401, 403, 404 and 5xx
	tmRead    tmWant = "read 2xx"          // a read of A's fixture by one who reaches it
	tm401     tmWant = "401"
	tmRole403 tmWant = "403 role"
	tmRule403 tmWant = "403 rule"
	tm404     tmWant = "404"
	tmRefused tmWant = "refused: 404 or 422" // a body naming another tenant's fixture

	tm404Same tmWant = "404-equivalent: same answer as for unknown ids" // counted, never expected
)

// tmExpect is the one place the outcome of a cell comes from: the
// credentials rule (app.Authenticate and checkActor: no key, or a key outside
// the user's organization tree, is a 401), the permission matrix
// (user.MayCall: a role 403 before anything else), and tenancy (another
// organization's id is not found).
func tmExpect(c *tmCaller, route, auth string, scope tmScope) tmWant {
	if user.Operations[route] == user.Agent {
		return tm401 // no caller has a scanner token; agent tenancy: agent_test.go
	}
	if user.Operations[route] == user.Public {
		if c.noKey && auth == "key" {
			return tm401
		}
		return tmAnswer
	}
	if c.noKey || c.foreign {
		return tm401
	}
	if !user.MayCall(c.role, route) {
		return tmRole403
	}
	// Assigning scanners is for a partner's administrators, refused before the
	// scanner is looked up (app/scanners.go AssignScanner).
	if route == "POST /v2/scanners/{id}/assign" && !c.inPartner {
		return tmRule403
	}
	reach := c.reaches(scope)
	if ref, ok := tmRefs[route]; ok && !c.reaches(ref) {
		return tmRefused // the body names A's fixture: a create or change with it must fail
	}
	// Impersonation is for administrators: anyone else is answered 404, as if
	// the user did not exist (app/impersonation.go).
	if route == "POST /auth/impersonate/{user_id}" && c.role != user.RoleAdmin {
		reach = false
	}
	switch {
	case !reach:
		return tm404
	case route == "DELETE /v2/organizations/{id}" && c.actsInA:
		return tmRule403 // "You cannot delete your own organization" (app/organizations.go)
	case route == "PUT /v2/whitelabel_settings" && !c.inPartner:
		return tmRule403 // white-label settings belong to partners; customers inherit them (app/whitelabel.go)
	case strings.HasSuffix(route, " /v2/users/{id}/partner") && !c.aboveA:
		return tmRule403 // the partner flag is set from above the user's organization (app/users_admin.go)
	case strings.HasPrefix(route, "GET ") && scope != tmOwn:
		return tmRead
	}
	return tmAllow
}

// reaches reports whether the caller may address fixtures of a scope.
func (c *tmCaller) reaches(scope tmScope) bool {
	switch scope {
	case tmTenant:
		return c.actsInA
	case tmManaged:
		return c.managesA
	case tmPersonal:
		return c.recipient
	}
	return true
}

// tmRoute is one row: a registered route and the fixtures its path takes.
type tmRoute struct {
	route, method, path string
	params              []string // fixture names, in path order
	scope               tmScope
	bulk                string // fixture whose id goes in the {"ids": [...]} body
	destructive         bool   // deletes what it names: granted callers get fresh fixtures
}

func tmPlan(t *testing.T, routes []string) []tmRoute {
	var out []tmRoute
	for _, route := range routes {
		method, path, _ := strings.Cut(route, " ")
		r := tmRoute{route: route, method: method, path: path}
		segs := strings.Split(strings.Trim(path, "/"), "/")
		ok := true
		for i, s := range segs {
			if !strings.HasPrefix(s, "{") {
				continue
			}
			key := s
			if i > 0 {
				key = segs[i-1] + "/" + s
			}
			f, found := tmParams[key]
			if !found {
				t.Errorf("route %q: path parameter %s has no fixture: add `%q: \"<fixture>\",` to tmParams (and the fixture to tmWorld) in internal/api/tenant_fixtures_test.go",
					route, s, key)
				ok = false
				continue
			}
			if r.params == nil {
				r.scope = tmFixtures[f]
			}
			r.params = append(r.params, f)
		}
		if !ok {
			continue
		}
		if r.bulk = tmBulk[route]; r.bulk != "" {
			r.scope = tmFixtures[r.bulk]
		}
		r.destructive = method == http.MethodDelete && r.scope != tmOwn && (strings.HasSuffix(path, "}") || r.bulk != "") ||
			route == "POST /v2/advanced_reports/{id}/generate" // starts the file over: later downloads would find it pending
		out = append(out, r)
	}
	// Reads and changes first; then deletions, the deepest paths first; the
	// deletion of A itself last of all.
	rank := func(r tmRoute) int {
		switch {
		case r.route == "DELETE /v2/organizations/{id}":
			return 1000
		case r.destructive:
			return 100 - strings.Count(r.path, "/")
		}
		return 0
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

// TestTenantMatrix walks every registered operation as every caller around a
// customer A: without a key, with a foreign partner's key, as each role of a
// sibling customer B of the same partner, as A's read_only user, and as the
// partner's administrators (one acting in A, one at home). Path ids are A's
// real fixtures. A caller outside A never gets A's data, not even in a list;
// a caller inside gets what the matrix grants.
func TestTenantMatrix(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		t.Parallel()
		start := time.Now()
		w := newTMWorld(t, engine)
		callers := w.callers()
		auth := operationAuth(t, w.e)
		routes := w.e.API.Routes()
		plan := tmPlan(t, routes)
		setup := time.Since(start)
		counts := map[tmWant]int{}
		statuses := map[int]int{}
		cells, failed := 0, 0
		var refusedFirst []string // routes that answer an outsider before looking its id up
		for _, r := range plan {
			if r.route == "DELETE /v2/organizations/{id}" {
				w.checkFixturesIntact()
			}
			for _, c := range callers {
				want := tmExpect(c, r.route, auth[r.route], r.scope)
				ids := w.ids
				if r.destructive && (want == tmAllow || want == tmRead) {
					ids = w.freshFor(r)
				}
				path, body := w.request(r, ids)
				res := c.c.Do(r.method, path, body)
				cells++
				counts[want]++
				statuses[res.Status]++
				msg := tmCheck(want, res)
				if msg != "" && want == tm404 && (res.Status < 200 || res.Status > 299) && res.Status < 500 {
					// Refused before the lookup (validation, a rule): fine when an
					// unknown id gets the very same answer, so nothing tells A's ids apart.
					if w.sameForUnknownIDs(c, r, ids, res) {
						msg, counts[tm404Same] = "", counts[tm404Same]+1
						if !slices.Contains(refusedFirst, r.route) {
							refusedFirst = append(refusedFirst, r.route)
						}
					}
				}
				if msg != "" {
					failed++
					t.Errorf("%s %s as %s: want %s, got %s", r.method, path, c.name, msg, tmShort(res))
				}
				if c.outsider {
					if leak := w.leak(res.Body, path, body); leak != "" {
						failed++
						t.Errorf("%s %s as %s: the answer holds A's %q: %s", r.method, path, c.name, leak, tmShort(res))
					}
				}
				if r.route == "PUT /v2/organizations/change" && c.inPartner && res.Status == http.StatusOK {
					w.mustStatus(c.c.Do("PUT", "/v2/organizations/change", map[string]any{"organization_id": w.p}), 200, "back home")
				}
				if r.method != http.MethodGet && c.role != "" && !c.foreign &&
					c.c.Do("GET", "/v2/user/validate_token", nil).Status != http.StatusOK {
					c.c = w.e.SignIn(w.e.Key, c.c.Email, "a-long-password") // the call ended the session (sign out)
				}
			}
		}
		if want := len(routes) * len(callers); cells != want {
			t.Errorf("%d cells walked, want %d routes × %d callers = %d", cells, len(routes), len(callers), want)
		}
		var lines []string
		for k, n := range counts {
			lines = append(lines, fmt.Sprintf("%s: %d", k, n))
		}
		slices.Sort(lines)
		t.Logf("%s: tenancy matrix %d operations × %d callers = %d cells (%d failed) in %s (setup %s); expected: %s; statuses: %v",
			engine, len(plan), len(callers), cells, failed, time.Since(start).Round(time.Millisecond), setup.Round(time.Millisecond),
			strings.Join(lines, ", "), statuses)
		t.Logf("%s: answered outsiders before the id lookup, exactly as for unknown ids: %s", engine, strings.Join(refusedFirst, "; "))
	})
}

// tmCheck returns what was wanted when res is not it ("" when it is).
func tmCheck(want tmWant, res *apitest.Resp) string {
	st := res.Status
	msg, _ := res.JSON()["message"].(string)
	switch want {
	case tmAnswer:
		if st < 500 || st == 503 {
			return ""
		}
	case tmAllow: // 503: a feature this server has not configured (e-mail), past every check
		if st < 500 && st != 401 && st != 403 && st != 404 || st == 503 {
			return ""
		}
	case tmRead:
		if st >= 200 && st < 300 {
			return ""
		}
	case tm401, tm404:
		if fmt.Sprint(st) == string(want) {
			return ""
		}
	case tmRefused:
		if st == 404 || st == 422 {
			return ""
		}
	case tmRole403:
		if st == 403 && strings.HasPrefix(msg, "Your role") {
			return ""
		}
	case tmRule403:
		if st == 403 && !strings.HasPrefix(msg, "Your role") {
			return ""
		}
	}
	return string(want)
}

func tmShort(r *apitest.Resp) string {
	b := r.Body
	if len(b) > 300 {
		b = append(b[:300:300], "…"...)
	}
	return fmt.Sprintf("%d %s", r.Status, b)
}

// request fills a route's path with fixture ids, and its body.
func (w *tmWorld) request(r tmRoute, ids map[string]string) (string, any) {
	i := 0
	path := matrixParamRE.ReplaceAllStringFunc(r.path, func(string) string {
		id := ids[r.params[i]]
		i++
		return id
	})
	path += tmQueries[r.route]
	switch {
	case r.method == http.MethodGet:
		return path, nil
	case tmBodies[r.route] != nil:
		return path, tmBodies[r.route](ids)
	case r.bulk != "":
		return path, map[string]any{"ids": []string{ids[r.bulk]}}
	}
	return path, map[string]any{}
}

// sameForUnknownIDs repeats a call with unknown ids in place of A's and
// reports whether the answer is the same (but for the request id).
func (w *tmWorld) sameForUnknownIDs(c *tmCaller, r tmRoute, ids map[string]string, res *apitest.Resp) bool {
	unknown := map[string]string{}
	var names []string
	for k, v := range ids {
		unknown[k] = v
	}
	for _, name := range append(slices.Clone(r.params), r.bulk) {
		if name != "" && tmFixtures[name] != tmOwn && tmFixtures[name] != tmGlobal {
			unknown[name] = uuid.Must(uuid.NewV7()).String()
			names = append(names, name)
		}
	}
	path, body := w.request(r, unknown)
	again := c.c.Do(r.method, path, body)
	norm := func(b []byte, ids map[string]string) string {
		m := map[string]any{}
		_ = json.Unmarshal(b, &m)
		delete(m, "request_id")
		s, _ := json.Marshal(m)
		out := string(s)
		for _, n := range names {
			out = strings.ReplaceAll(out, ids[n], "<id>")
		}
		return out
	}
	return again.Status == res.Status && norm(again.Body, unknown) == norm(res.Body, ids)
}

// freshFor returns the fixture ids with new ones for what r deletes.
func (w *tmWorld) freshFor(r tmRoute) map[string]string {
	name := r.bulk
	if len(r.params) > 0 {
		name = r.params[len(r.params)-1]
	}
	if name == "organization" { // A itself: deleted by the last call of the walk
		return w.ids
	}
	ids := map[string]string{}
	for k, v := range w.ids {
		ids[k] = v
	}
	for k, v := range w.fresh(name) {
		ids[k] = v
	}
	return ids
}

// leak returns a marker of A's data found in body that the request did not
// itself carry (an error may name the id it was asked for).
func (w *tmWorld) leak(body []byte, path string, reqBody any) string {
	sent := path + fmt.Sprint(reqBody)
	for _, m := range w.markers {
		if !strings.Contains(sent, m) && bytes.Contains(body, []byte(m)) {
			return m
		}
	}
	return ""
}

// checkFixturesIntact: after every outsider's call (bulk deletions with A's
// ids among them), A's administrator still finds each of A's fixtures.
func (w *tmWorld) checkFixturesIntact() {
	w.t.Helper()
	for name, p := range tmGet {
		if r := w.aAdmin.Do("GET", fmt.Sprintf(p, w.ids[name]), nil); r.Status != http.StatusOK {
			w.t.Errorf("A's %s %s is gone after the walk: %s", name, w.ids[name], tmShort(r))
		}
	}
}

func newTMWorld(t *testing.T, engine string) *tmWorld {
	// Webhooks may reach the loopback receiver, and the AI assistant a fake
	// model, so that the operations of both do their work for granted callers.
	cfg := fastHooks("127.0.0.1/32")
	client, err := ai.New(ai.Config{URL: newFakeLLM(t).srv.URL + "/v1", Model: "test-model", Key: fakeAIKey,
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg.AI = app.AIConfig{Client: client}
	e := apitest.NewWithConfig(t, engine, cfg)
	w := &tmWorld{t: t, e: e}
	w.p = e.NewOrg(e.Admin, map[string]any{"name": "TMP partner", "type": "partner"})
	w.pAdmin = e.NewUser(e.Admin, w.p, user.RoleAdmin)
	w.a = e.NewOrg(w.pAdmin, map[string]any{"name": "TMA customer"})
	w.b = e.NewOrg(w.pAdmin, map[string]any{"name": "TMB customer"})
	w.f = e.NewOrg(e.Admin, map[string]any{"name": "TMF partner", "type": "partner"})
	w.aAdmin = e.NewUser(w.pAdmin, w.a, user.RoleAdmin)
	w.aRO = e.NewUser(w.aAdmin, w.a, user.RoleReadOnly)
	w.fixtures()
	return w
}

// callers are the matrix's columns. The partner's administrator acting in A
// comes before the one at home so that the deletion of A, the walk's last
// call, is refused to the first and done by the second.
func (w *tmWorld) callers() []*tmCaller {
	e := w.e
	fKey, err := e.App.IssueAPIKey(context.Background(), w.f, "foreign")
	if err != nil {
		w.t.Fatal(err)
	}
	out := []*tmCaller{
		{name: "no API key", c: e.NoKey, noKey: true, outsider: true},
		{name: "foreign partner's key", c: e.SignIn(e.Key, w.aRO.Email, "a-long-password").WithKey(fKey), role: user.RoleReadOnly,
			foreign: true, outsider: true},
	}
	for _, role := range []string{user.RoleAdmin, user.RoleUser, user.RoleReadOnly} {
		out = append(out, &tmCaller{name: "sibling B " + role, c: e.NewUser(w.pAdmin, w.b, role), role: role, outsider: true})
	}
	inA := e.NewUser(e.Admin, w.p, user.RoleAdmin)
	w.mustStatus(inA.Do("PUT", "/v2/organizations/change", map[string]any{"organization_id": w.a}), 200, "change into A")
	return append(out,
		&tmCaller{name: "A read_only", c: e.SignIn(e.Key, w.aRO.Email, "a-long-password"), role: user.RoleReadOnly,
			actsInA: true, managesA: true, recipient: true},
		&tmCaller{name: "partner admin acting in A", c: inA, role: user.RoleAdmin, actsInA: true, managesA: true},
		&tmCaller{name: "partner admin", c: w.pAdmin, role: user.RoleAdmin, managesA: true, inPartner: true, aboveA: true},
	)
}
