package store

import (
	"context"
	"database/sql"
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

// trigramIndexes maps column expressions to the SQLite FTS5 trigram table that
// mirrors them (see migration 0002); PostgreSQL's pg_trgm indexes need no
// rewriting.
var trigramIndexes = map[string]struct{ table, column, rowid string }{
	"u.email": {"users_search", "email", "u.rowid"},
}

// textCond is likeCond, answered from a trigram index where one exists and the
// pattern gives it something to work with (a literal run of three or more
// characters, and no escaping, which FTS5 does not support).
func (q *Q) textCond(expr, pattern string) (string, string) {
	if ix, ok := trigramIndexes[expr]; ok && q.d.engine == SQLite && !strings.ContainsAny(pattern, `\%_`) && longestRun(pattern) >= 3 {
		return ix.rowid + " IN (SELECT rowid FROM " + ix.table + " WHERE " + ix.column + " LIKE ?)", strings.ReplaceAll(pattern, "*", "%")
	}
	return q.likeCond(expr, pattern)
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

// applyParams adds the client's criteria from p to lq.
func (q *Q) applyParams(lq *listQuery, spec *listing.Spec, p listing.Params) {
	for _, f := range p.Filters {
		expr := columnSQL(spec, f.Column)
		if f.Column.Kind == listing.Hosts {
			cond, args := q.hostsCond(f)
			lq.where(cond, args...)
			continue
		}
		switch f.Op {
		case listing.OpContains:
			cond, arg := q.textCond(expr, "*"+f.Values[0]+"*")
			lq.where(cond, arg)
		case listing.OpPattern:
			if cond, args, ok := q.prefixCond(expr, f.Values[0]); ok { // 10.0.1.*: an index range
				lq.where(cond, args...)
				continue
			}
			cond, arg := q.textCond(expr, f.Values[0])
			lq.where(cond, arg)
		case listing.OpIn:
			args := make([]any, len(f.Values))
			for i, v := range f.Values {
				args[i] = typedValue(f.Column.Kind, v)
			}
			if f.Column.Cond != "" {
				conds := make([]string, len(args))
				for i := range args {
					conds[i] = f.Column.Cond
				}
				lq.where("("+strings.Join(conds, " OR ")+")", args...)
				continue
			}
			if len(args) == 1 {
				lq.where(expr+" = ?", args[0])
			} else {
				lq.where(expr+" IN ("+placeholders(len(args))+")", args...)
			}
		}
	}
	if spec.DateExpr != "" {
		if !p.From.IsZero() {
			lq.where(spec.DateExpr+" >= ?", ts(p.From))
		}
		if !p.To.IsZero() {
			lq.where(spec.DateExpr+" <= ?", ts(p.To))
		}
	}
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
func (q *Q) runList(ctx context.Context, lq listQuery, spec *listing.Spec, p listing.Params, scan func(*sql.Rows) error) (total int, err error) {
	q.applyParams(&lq, spec, p)
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
		order = p.Sort.SortSQL() + dir + ", "
	}
	order += spec.Tiebreak() + dir
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
