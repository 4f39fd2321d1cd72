package app

import (
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/errs"
)

// FuzzParseUserCSV feeds arbitrary files to the CSV user import's parse step
// (the part before any database) and each parsed row to user.Validate, as
// createUserIn does. Nothing may panic; every refusal is a 422 naming "file"
// (for the file) or a field (for a row); rows keep the file's line order.
func FuzzParseUserCSV(f *testing.F) {
	for _, s := range []string{
		"",
		"\n",
		"email,first_name,last_name,role\n",
		"email,first_name,last_name,role\nann@example.test,Ann,Lee,user\n",
		"\ufeffEmail, First_Name ,last_name,ROLE,confirmed,timezone,locale,phone\nbo@x.test,Bo,Ek,admin,yes,Europe/Berlin,de,+49 1\n\n",
		"id,email,first_name,last_name,role,organization_id,confirmed,partner,created_at\n1,a@b.test,A,B,manager,,maybe,false,2026\n",
		"email,first_name,last_name,role,role\na@b.test,A,B,user,user\n",
		"email,first_name,last_name,colour\n",
		"email,first_name,last_name,role\n\"a@b.test,A,B,user\n",
		"email,first_name,last_name,role\na@b.test,A\n\"quoted\nline\",x,y,user\n",
		"email,first_name,last_name,role,timezone\na@b.test,A,B,user,../../etc/passwd\n",
		"email;first_name;last_name;role\n",
		"email,first_name,last_name,role\n=cmd|' /C calc'!A0,\"@SUM(1)\",+1,-1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		rows, err := parseUserCSV(strings.NewReader(string(file)))
		if err != nil {
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid || len(e.Fields["file"]) == 0 {
				t.Fatalf("file refused with %T %v, not a 422 on file", err, err)
			}
			if len(rows) != 0 {
				t.Fatalf("rows returned with an error")
			}
			return
		}
		if len(rows) == 0 || len(rows) > MaxImportRows {
			t.Fatalf("%d rows accepted", len(rows))
		}
		prev := 1 // the header
		for _, r := range rows {
			if r.line <= prev {
				t.Fatalf("row on line %d follows line %d", r.line, prev)
			}
			prev = r.line
			if r.errs != nil {
				if len(r.errs) == 0 {
					t.Fatalf("line %d: empty error set", r.line)
				}
				continue
			}
			if err := r.in.User.Validate(); err != nil {
				if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || len(e.Fields) == 0 {
					t.Fatalf("line %d: Validate gave %T %v, not a 422 with fields", r.line, err, err)
				}
			}
		}
	})
}
