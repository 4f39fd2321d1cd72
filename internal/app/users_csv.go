package app

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/user"
)

// User CSV columns. The import needs the required ones, takes the optional
// ones, and ignores the columns only an export writes (so an export can be
// edited and imported again); any other column is refused.
var (
	ImportRequiredColumns = []string{"email", "first_name", "last_name", "role"}
	ImportOptionalColumns = []string{"organization_id", "confirmed", "phone", "timezone", "locale"}
	ExportColumns         = []string{"id", "email", "first_name", "last_name", "role", "organization_id", "confirmed",
		"partner", "phone", "timezone", "locale", "created_at", "last_sign_in_at"}
)

// MaxImportRows bounds one import.
const MaxImportRows = 10000

// ImportRowResult is the outcome of one CSV row (Line is the file's line).
type ImportRowResult struct {
	Line   int
	User   *user.User          // created
	Errors map[string][]string // invalid: field → messages
}

// ImportResult is the outcome of an import.
type ImportResult struct {
	Created, Failed int
	Rows            []ImportRowResult
}

type importRow struct {
	line int
	in   NewUser
	errs errs.Fields
}

// ImportUsers creates users from a CSV file (header row first). By default it
// is all or nothing: any bad row is a 422 listing every bad row by line and
// field (errors "lines[<line>].<field>", and rows) and nothing is created.
// With partial, the valid rows are created, each in a transaction of its own,
// and the invalid ones are reported. A row is never half-created.
func (a *App) ImportUsers(ctx context.Context, act *Actor, file io.Reader, partial bool) (ImportResult, error) {
	if err := act.can("users", "write"); err != nil {
		return ImportResult{}, err
	}
	rows, err := parseUserCSV(file)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Rows: make([]ImportRowResult, len(rows))}
	firstLine := map[string]int{}
	importOne := func(q *store.Q, i int) error {
		r := &rows[i]
		out := &res.Rows[i]
		out.Line = r.line
		if len(r.errs) > 0 {
			out.Errors = r.errs
			return nil
		}
		email := user.NormalizeEmail(r.in.User.Email)
		if l, ok := firstLine[email]; ok && email != "" {
			out.Errors = errs.Fields{"email": {fmt.Sprintf("is given twice (first on line %d)", l)}}
			return nil
		}
		if email != "" {
			firstLine[email] = r.line
			if _, err := q.UserByEmail(ctx, email); err == nil {
				out.Errors = errs.Fields{"email": {"has already been taken"}}
				return nil
			} else if !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		u, err := a.createUserIn(ctx, q, act, r.in)
		if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
			out.Errors = e.Fields // nothing of the row was written
			return nil
		} else if err != nil {
			return err
		}
		out.User = &u
		return nil
	}
	summary := func(q *store.Q) error {
		return a.record(ctx, q, act, act.Org.ID, "user.import", "user", "",
			map[string]any{"created": res.Created, "failed": res.Failed, "partial": partial})
	}
	count := func() {
		res.Created, res.Failed = 0, 0
		for _, r := range res.Rows {
			if r.User != nil {
				res.Created++
			} else {
				res.Failed++
			}
		}
	}
	if partial {
		for i := range rows {
			err := a.store.Tx(ctx, func(q *store.Q) error {
				if err := importOne(q, i); err != nil {
					return err
				}
				if res.Rows[i].Errors != nil {
					return errRowInvalid // roll back whatever the row began
				}
				return nil
			})
			if err != nil && !errors.Is(err, errRowInvalid) {
				return ImportResult{}, err
			}
			if res.Rows[i].Errors != nil {
				res.Rows[i].User = nil
			}
		}
		count()
		return res, a.store.Tx(ctx, summary)
	}
	err = a.store.Tx(ctx, func(q *store.Q) error {
		for i := range rows {
			if err := importOne(q, i); err != nil {
				return err
			}
		}
		count()
		if res.Failed > 0 {
			return importRefusal(res)
		}
		return summary(q)
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

var errRowInvalid = errors.New("row invalid")

// importRefusal is the all-or-nothing 422: every bad row by line and field.
func importRefusal(res ImportResult) error {
	f := errs.Fields{}
	var bad []map[string]any
	for _, r := range res.Rows {
		if r.Errors == nil {
			continue
		}
		f.Merge(fmt.Sprintf("lines[%d].", r.Line), r.Errors)
		bad = append(bad, map[string]any{"line": r.Line, "errors": r.Errors})
	}
	return &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("Validation failed: %d of %d row(s) are invalid; nothing was imported", res.Failed, len(res.Rows)),
		Fields: f, Extra: map[string]any{"rows": bad}}
}

// parseUserCSV reads the header and the rows; file-level problems (no header,
// missing or unknown columns, malformed CSV, too many rows) are a 422 on file.
func parseUserCSV(file io.Reader) ([]importRow, error) {
	cr := csv.NewReader(file)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errs.Field("file", "is empty; the first line must be a header: %s", strings.Join(ImportRequiredColumns, ","))
	} else if err != nil {
		return nil, csvError(err)
	}
	col := map[string]int{}
	f := errs.Fields{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case slices.Contains(ImportRequiredColumns, name), slices.Contains(ImportOptionalColumns, name):
		case slices.Contains(ExportColumns, name):
			continue // written by exports, ignored on import
		default:
			f.Add("file", "unknown column '%s' in the header; allowed: %s", h,
				strings.Join(append(slices.Clone(ImportRequiredColumns), ImportOptionalColumns...), ", "))
			continue
		}
		if _, dup := col[name]; dup {
			f.Add("file", "column '%s' appears twice in the header", name)
		}
		col[name] = i
	}
	for _, c := range ImportRequiredColumns {
		if _, ok := col[c]; !ok {
			f.Add("file", "the header lacks the column '%s'", c)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var rows []importRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rows) == MaxImportRows {
			return nil, errs.Field("file", "has more than %d rows; split it", MaxImportRows)
		}
		r := importRow{line: line, errs: errs.Fields{}}
		if len(rec) != len(header) {
			r.errs.Add("row", "has %d fields, the header has %d", len(rec), len(header))
			rows = append(rows, r)
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		r.in.User = user.User{Email: get("email"), FirstName: get("first_name"), LastName: get("last_name"), Role: get("role"),
			OrganizationID: get("organization_id"), Phone: get("phone"), Timezone: get("timezone"), Locale: get("locale")}
		switch strings.ToLower(get("confirmed")) {
		case "", "false", "0", "no", "n":
		case "true", "1", "yes", "y":
			r.in.Confirmed = true
		default:
			r.errs.Add("confirmed", "'%s' is not true or false", get("confirmed"))
		}
		if len(r.errs) == 0 {
			r.errs = nil
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, errs.Field("file", "has a header but no rows")
	}
	return rows, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return errs.Field("file", "is not valid CSV: line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return errs.Field("file", "could not be read: %v", err)
}

// ExportUsers calls row for every user the caller manages (their organization
// and, for admins, every organization below it), in e-mail order, with the
// ExportColumns values; no secret is among them.
func (a *App) ExportUsers(ctx context.Context, act *Actor, row func([]string) error) error {
	if err := act.can("users", "read"); err != nil {
		return err
	}
	return a.store.R().EachUser(ctx, act.ManagedScope(), func(u user.User) error {
		last := ""
		if u.LastSignInAt != nil {
			last = u.LastSignInAt.UTC().Format(time.RFC3339)
		}
		return row([]string{u.ID, u.Email, u.FirstName, u.LastName, u.Role, u.OrganizationID,
			fmt.Sprint(u.ConfirmedAt != nil), fmt.Sprint(u.Partner), u.Phone, u.Timezone, u.Locale,
			u.CreatedAt.UTC().Format(time.RFC3339), last})
	})
}
