package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/apitest"
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// upload posts content as the multipart field "file" with c's credentials.
func upload(t *testing.T, e *apitest.Env, c *apitest.Client, path, content string) *apitest.Resp {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "users.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(fw, content)
	_ = mw.Close()
	return rawRequest(t, e, c, "POST", path, mw.FormDataContentType(), &buf)
}

func rawRequest(t testing.TB, e *apitest.Env, c *apitest.Client, method, path, ctype string, body io.Reader) *apitest.Resp {
	t.Helper()
	req, err := http.NewRequest(method, e.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("X-API-KEY", c.Key)
	req.Header.Set("Authorization", c.Auth)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &apitest.Resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

func mustContain(t *testing.T, r *apitest.Resp, want ...string) {
	t.Helper()
	for _, w := range want {
		if !bytes.Contains(r.Body, []byte(w)) {
			t.Errorf("body lacks %q: %s", w, r.Body)
		}
	}
}

func TestUsersImport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		t.Parallel()
		tr := newTree(t, engine)
		e := tr.e
		// Line 1 header; 2 good; 3 bad e-mail; 4 bad role; 5 repeats line 2;
		// 6 another tenant's organization; 7 good, confirmed; 8 bad confirmed.
		file := "email,first_name,last_name,role,organization_id,confirmed\n" +
			"good1@import.test,Good,One,user,,\n" +
			"not-an-email,Bad,Mail,user,,\n" +
			"badrole@import.test,Bad,Role,emperor,,\n" +
			"GOOD1@import.test,Good,Again,user,,\n" +
			"sneaky@import.test,Sne,Aky,user," + tr.c2 + ",\n" +
			"good2@import.test,Good,Two,read_only," + tr.c1 + ",true\n" +
			"badconf@import.test,Bad,Conf,user,,perhaps\n"

		r := upload(t, e, tr.c1Admin, "/v2/users/import", file)
		if r.Status != 422 {
			t.Fatalf("all-or-nothing import: %s", r)
		}
		mustContain(t, r, `"lines[3].email"`, `"lines[4].role"`, `"lines[5].email"`, "first on line 2", `"lines[6].organization_id"`,
			`"lines[8].confirmed"`, `"rows":[{`, `"line":3`, "nothing was imported", `"status":422`)
		if bytes.Contains(r.Body, []byte(`lines[2].`)) || bytes.Contains(r.Body, []byte(`lines[7].`)) {
			t.Errorf("good lines reported as bad: %s", r.Body)
		}
		if n := tr.c1Admin.Do("GET", "/v2/users?q[email]=import.test", nil).Get("pagination.total_count"); n != float64(0) {
			t.Fatalf("all-or-nothing import created %v users", n)
		}

		r = upload(t, e, tr.c1Admin, "/v2/users/import?mode=partial", file)
		if r.Status != 200 {
			t.Fatalf("partial import: %s", r)
		}
		var res struct {
			Created, Failed int
			Rows            []struct {
				Line   int
				Status string
				User   *struct {
					Email, Role    string
					OrganizationID string `json:"organization_id"`
				}
				Errors map[string][]string
			}
		}
		if err := json.Unmarshal(r.Body, &res); err != nil {
			t.Fatal(err)
		}
		if res.Created != 2 || res.Failed != 5 || len(res.Rows) != 7 {
			t.Fatalf("partial import: %s", r.Body)
		}
		for _, row := range res.Rows {
			created := row.Line == 2 || row.Line == 7
			if created != (row.Status == "created") || created != (row.User != nil) || created == (len(row.Errors) > 0) {
				t.Errorf("line %d: %+v", row.Line, row)
			}
		}
		if u := res.Rows[5].User; u == nil || u.Email != "good2@import.test" || u.Role != "read_only" || u.OrganizationID != tr.c1 {
			t.Errorf("line 7 user: %+v", res.Rows[5].User)
		}
		users := tr.c1Admin.Do("GET", "/v2/users?q[email]=import.test&sort_by=email", nil)
		expectIDs(t, users, "users", "good1@import.test", "good2@import.test")
		if users.Get("users.0.confirmed") != false || users.Get("users.1.confirmed") != true {
			t.Errorf("confirmed column: %s", users.Body)
		}
		if n := e.Admin.Do("GET", "/v2/users?q[email]=sneaky@", nil).Get("pagination.total_count"); n != float64(0) {
			t.Fatalf("a row crossed into another organization")
		}

		// Importing the same file again: every row now fails, nothing half-done.
		r = upload(t, e, tr.c1Admin, "/v2/users/import?mode=partial", file)
		mustContain(t, r, `"created":0`, `"failed":7`, "has already been taken")

		// A clean all-or-nothing import.
		r = upload(t, e, tr.c1Admin, "/v2/users/import", "Email,First_Name,Last_Name,Role\nclean1@import.test,C,One,user\nclean2@import.test,C,Two,admin\n")
		if r.Status != 200 {
			t.Fatalf("clean import: %s", r)
		}
		mustContain(t, r, `"created":2`, `"failed":0`)

		for _, c := range []struct {
			name, ctype, body string
			status            int
			want              string
		}{
			{"missing column", "text/csv", "email,first_name,role\nx@y.test,X,user\n", 422, "lacks the column 'last_name'"},
			{"unknown column", "text/csv", "email,first_name,last_name,role,password\nx@y.test,X,Y,user,secret\n", 422, "unknown column 'password'"},
			{"empty file", "text/csv", "", 422, `"file"`},
			{"header only", "text/csv", "email,first_name,last_name,role\n", 422, "no rows"},
			{"malformed CSV", "text/csv", "email,first_name,last_name,role\n\"x@y.test,X,Y,user\n", 422, "not valid CSV"},
			{"wrong field count", "text/csv", "email,first_name,last_name,role\nx@y.test,X\n", 422, `"lines[2].row"`},
			{"JSON is not an upload", "application/json", `{"email":"x@y.test"}`, 422, "multipart/form-data"},
		} {
			r := rawRequest(t, e, tr.c1Admin, "POST", "/v2/users/import", c.ctype, strings.NewReader(c.body))
			if r.Status != c.status || !bytes.Contains(r.Body, []byte(c.want)) {
				t.Errorf("%s: %s", c.name, r)
			}
		}
		if r := rawRequest(t, e, tr.c1Admin, "POST", "/v2/users/import?mode=some", "text/csv", strings.NewReader("x")); r.Status != 400 {
			t.Errorf("bad mode: %s", r)
		}
		big := strings.Repeat("a", 21<<20)
		if r := upload(t, e, tr.c1Admin, "/v2/users/import", "email,first_name,last_name,role\n"+big); r.Status != 413 {
			t.Errorf("oversized multipart upload: %d", r.Status)
		}
		if r := upload(t, e, tr.c1User, "/v2/users/import", file); r.Status != 403 {
			t.Errorf("plain user import: %s", r)
		}
		if r := rawRequest(t, e, tr.c1Admin, "POST", "/v2/users/import", "text/csv", strings.NewReader("email,first_name,last_name,role\n"+big)); r.Status != 413 {
			t.Errorf("oversized upload: %d", r.Status)
		}
	})
}

func TestUsersExport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, engine string) {
		t.Parallel()
		tr := newTree(t, engine)
		e := tr.e
		formula := e.NewUser(tr.c1Admin, tr.c1, "user")
		if r := tr.c1Admin.Do("PUT", "/v2/users/"+userID(formula), map[string]string{"first_name": "=HYPERLINK(\"x\")"}); r.Status != 200 {
			t.Fatal(r)
		}
		read := func(c *apitest.Client) ([][]string, *apitest.Resp) {
			r := c.Do("GET", "/v2/users/export", nil)
			if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
				!strings.Contains(r.Header.Get("Content-Disposition"), "users.csv") {
				t.Fatalf("export: %s %v", r, r.Header)
			}
			recs, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			return recs, r
		}
		emails := func(recs [][]string) []string {
			var out []string
			for _, rec := range recs[1:] {
				out = append(out, rec[1])
			}
			return out
		}
		recs, r := read(tr.c1Admin)
		if !slices.Equal(recs[0], app.ExportColumns) {
			t.Fatalf("header %v", recs[0])
		}
		got := emails(recs)
		want := []string{tr.c1Admin.Email, tr.c1User.Email, formula.Email}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("c1 export %v, want %v", got, want)
		}
		for _, bad := range []string{"$argon2", "password", tr.c2Admin.Email, "root@platform.test", tr.pAdmin.Email} {
			if bytes.Contains(r.Body, []byte(bad)) {
				t.Errorf("export holds %q: %s", bad, r.Body)
			}
		}
		if !bytes.Contains(r.Body, []byte(`'=HYPERLINK`)) {
			t.Errorf("formula cell not neutralised: %s", r.Body)
		}
		for _, rec := range recs[1:] {
			if rec[1] == tr.c1User.Email && (rec[4] != "user" || rec[5] != tr.c1 || rec[6] != "true") {
				t.Errorf("c1 user row %v", rec)
			}
		}
		// The partner admin's export covers its subtree: P and C1, not C2.
		recs, _ = read(tr.pAdmin)
		got = emails(recs)
		if !slices.Contains(got, tr.pAdmin.Email) || !slices.Contains(got, tr.c1User.Email) || slices.Contains(got, tr.c2Admin.Email) || len(got) != 4 {
			t.Errorf("partner export %v", got)
		}
		if r := tr.c1User.Do("GET", "/v2/users/export", nil); r.Status != 403 {
			t.Errorf("plain user export: %s", r)
		}
	})
}
