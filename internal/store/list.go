package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// listQuery is the fixed part of a list: what to select, from where, and the
// conditions the caller imposes (tenancy first). runList adds the client's
// filters, date range, order and page.
type listQuery struct {
	Select string // column list
	From   string // FROM clause body (table and joins)
	Where  []string
	Args   []any
}

func (lq *listQuery) where(cond string, args ...any) {
	lq.Where = append(lq.Where, cond)
	lq.Args = append(lq.Args, args...)
}

// trigramIndex is a SQLite FTS5 trigram table that mirrors a text column (see
// migration 0002), named in the column's colSQL: rowid is the listed row's
// rowid in the list's FROM. PostgreSQL's pg_trgm indexes need no rewriting.
type trigramIndex struct{ table, column, rowid string }

// textCond is likeCond on c.Expr, answered from c's trigram index where it has
// one and the pattern gives it something to work with (a literal run of three
// or more characters, and no escaping, which FTS5 does not support).
func (q *Q) textCond(c colSQL, pattern string) (string, string) {
	if ix := c.Trigram; ix != nil && q.d.engine == SQLite && !strings.ContainsAny(pattern, `\%_`) && longestRun(pattern) >= 3 {
		return ix.rowid + " IN (SELECT rowid FROM " + ix.table + " WHERE " + ix.column + " LIKE ?)", strings.ReplaceAll(pattern, "*", "%")
	}
	return q.likeCond(c.Expr, pattern)
}

func longestRun(pattern string) int {
	best := 0
	for part := range strings.SplitSeq(pattern, "*") {
		best = max(best, len(part))
	}
	return best
}

// likeCond matches expr against the API's * pattern case-insensitively. LIKE
// metacharacters in user input are escaped; the ESCAPE clause is added only
// when needed, because it makes SQLite's LIKE markedly slower.
func (q *Q) likeCond(expr, pattern string) (string, string) {
	op := expr + " " + q.d.ilike() + " ?"
	if !strings.ContainsAny(pattern, `\%_`) {
		return op, strings.ReplaceAll(pattern, "*", "%")
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return op + ` ESCAPE '\'`, strings.ReplaceAll(r.Replace(pattern), "*", "%")
}

// prefixCond answers a * pattern that starts with a literal prefix of digits
// and address punctuation — an address prefix such as 10.0.1.* — with a
// byte-wise range on expr, which an index serves; a case-insensitive LIKE
// cannot use one (SQLite uses an index only for case-sensitive LIKE, PostgreSQL
// only with a pattern operator class). Letters are excluded because the range
// is case-sensitive and the filter is not. Whatever follows the first * is
// still matched with LIKE. ok is false when the pattern has no such prefix.
func (q *Q) prefixCond(expr, pattern string) (cond string, args []any, ok bool) {
	star := strings.IndexByte(pattern, '*')
	if star <= 0 {
		return "", nil, false
	}
	prefix := pattern[:star]
	for i := 0; i < len(prefix); i++ {
		c := prefix[i]
		if (c < '0' || c > '9') && c != '.' && c != ':' && c != '/' && c != '-' {
			return "", nil, false
		}
	}
	// Every allowed byte is below 0x7f, so incrementing the last one gives the
	// least string greater than every string with the prefix.
	upper := prefix[:len(prefix)-1] + string(rune(prefix[len(prefix)-1]+1))
	col := q.d.bytewise(expr)
	cond, args = col+" >= ? AND "+col+" < ?", []any{prefix, upper}
	if pattern[star:] != "*" {
		like, arg := q.likeCond(expr, pattern)
		cond += " AND " + like
		args = append(args, arg)
	}
	return "(" + cond + ")", args, true
}

// applyParams adds the client's criteria from p to lq, in the SQL ls binds
// them to. A column ls does not bind is an error (TestListSQLComplete keeps
// every spec's columns bound).
func (q *Q) applyParams(lq *listQuery, ls *listSQL, p listing.Params) error {
	if ls.spec == nil {
		return errors.New("store: list SQL not made by bindList")
	}
	for _, f := range p.Filters {
		c, ok := ls.Cols[f.Column.Name]
		if !ok {
			return fmt.Errorf("store: column %q of a list has no SQL", f.Column.Name)
		}
		if f.Column.Kind == listing.Hosts {
			cond, args := q.hostsCond(c.Expr, f)
			lq.where(cond, args...)
			continue
		}
		switch f.Op {
		case listing.OpContains:
			cond, arg := q.textCond(c, "*"+f.Values[0]+"*")
			lq.where(cond, arg)
		case listing.OpPattern:
			if cond, args, ok := q.prefixCond(c.Expr, f.Values[0]); ok { // 10.0.1.*: an index range
				lq.where(cond, args...)
				continue
			}
			cond, arg := q.textCond(c, f.Values[0])
			lq.where(cond, arg)
		case listing.OpIn:
			args := make([]any, len(f.Values))
			for i, v := range f.Values {
				if c.Value != nil {
					args[i] = c.Value(v)
				} else {
					args[i] = typedValue(f.Column.Kind, v)
				}
			}
			if c.Cond != "" {
				conds := make([]string, len(args))
				for i := range args {
					conds[i] = c.Cond
				}
				lq.where("("+strings.Join(conds, " OR ")+")", args...)
				continue
			}
			if len(args) == 1 {
				lq.where(c.Expr+" = ?", args[0])
			} else {
				lq.where(c.Expr+" IN ("+placeholders(len(args))+")", args...)
			}
		}
	}
	if ls.Date != "" {
		if !p.From.IsZero() {
			lq.where(ls.Date+" >= ?", ts(p.From))
		}
		if !p.To.IsZero() {
			lq.where(ls.Date+" <= ?", ts(p.To))
		}
	}
	return nil
}

func typedValue(k listing.Kind, v string) any {
	switch k {
	case listing.Number:
		n, _ := strconv.ParseInt(v, 10, 64) // validated by listing.Parse
		return n
	case listing.Bool:
		return v == "1"
	}
	return v
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// runList counts the matching rows and scans the requested page. scan is called
// once per row.
func (q *Q) runList(ctx context.Context, lq listQuery, ls *listSQL, p listing.Params, scan func(*sql.Rows) error) (total int, err error) {
	if err := q.applyParams(&lq, ls, p); err != nil {
		return 0, err
	}
	where := ""
	if len(lq.Where) > 0 {
		where = " WHERE " + strings.Join(lq.Where, " AND ")
	}
	if err := q.queryRow(ctx, "SELECT COUNT(*) FROM "+lq.From+where, lq.Args...).Scan(&total); err != nil {
		return 0, mapErr(err)
	}
	if total == 0 || p.Offset() >= total {
		return total, nil
	}
	order := ""
	dir := " ASC"
	if p.Desc {
		dir = " DESC"
	}
	if p.Sort.Name != "" {
		c, ok := ls.Cols[p.Sort.Name]
		if !ok {
			return 0, fmt.Errorf("store: sort column %q of a list has no SQL", p.Sort.Name)
		}
		order = c.sortSQL() + dir + ", "
	}
	order += ls.ID + dir
	args := append(lq.Args, p.PerPage, p.Offset())
	rows, err := q.query(ctx, "SELECT "+lq.Select+" FROM "+lq.From+where+" ORDER BY "+order+" LIMIT ? OFFSET ?", args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return 0, err
		}
	}
	return total, mapErr(rows.Err())
}

// scope restricts a tenant column to the organizations a scope allows.
func (lq *listQuery) scope(column string, sc tenant.Scope) {
	cond, args := scopeSQL(column, sc)
	lq.where(cond, args...)
}

// scopeSQL is the restriction of a tenant column to a scope, as a condition and
// its arguments. The platform's subtree is every
// organization, so it needs no condition at all — which keeps the superadmin's
// lists from probing every organization's rows through the tenancy index.
func scopeSQL(column string, sc tenant.Scope) (string, []any) {
	if !sc.Subtree {
		return column + " = ?", []any{sc.OrgID}
	}
	if strings.Count(sc.Path, "/") == 2 { // "/<root id>/": the whole tree
		return "1 = 1", nil
	}
	return column + " IN (SELECT id FROM organizations WHERE path LIKE ?)", []any{sc.Path + "%"}
}
