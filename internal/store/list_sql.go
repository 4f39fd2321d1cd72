package store

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/perimeterhq/perimeter/internal/listing"
)

// colSQL is the SQL of one list column, over the aliases of the FROM clause
// of the list that binds it.
type colSQL struct {
	// Expr is what filters match and sort_by orders by. For a listing.Hosts
	// column it is the target's id, whose host list hostsCond searches.
	Expr string
	// Sort orders the column instead of Expr, when they differ (e.g. a rank).
	Sort string
	// Cond is a condition with one ? for a value, used instead of Expr = ?
	// (e.g. an EXISTS); several values are ORed.
	Cond string
	// Trigram is the SQLite trigram index of a Text column, if it has one.
	Trigram *trigramIndex
	// Value maps a filter value to the argument bound to Expr or Cond, when
	// the column stores something else than the API value (e.g. a rank).
	Value func(string) any
}

func (c colSQL) sortSQL() string {
	if c.Sort != "" {
		return c.Sort
	}
	return c.Expr
}

// listSQL binds the columns of a listing.Spec — the API's contract — to the
// SQL of one list query, next to which it is declared: the spec names the
// columns, the binding says what each is in that query's FROM. Make one with
// bindList, which registers it for TestListSQLComplete.
type listSQL struct {
	spec *listing.Spec
	at   string            // file:line of the bindList call, for TestListSQLComplete
	Cols map[string]colSQL // by column name: every column of spec
	Date string            // the SQL of spec.DateName, which date ranges apply to
	ID   string            // tiebreak that makes every order total (stable pages)
}

// listBindings are every listSQL of the store, for TestListSQLComplete and
// BindsList.
var listBindings []*listSQL

// bindList binds spec to ls's SQL and registers the binding.
func bindList(spec *listing.Spec, ls listSQL) *listSQL {
	ls.spec = spec
	if _, file, line, ok := runtime.Caller(1); ok {
		ls.at = file[strings.LastIndexByte(file, '/')+1:] + ":" + fmt.Sprint(line)
	}
	listBindings = append(listBindings, &ls)
	return &ls
}

// BindsList reports whether the store binds spec's columns to SQL, that is
// whether a list declared by spec is one the store can run (the API's route
// test checks every list route's spec).
func BindsList(spec *listing.Spec) bool {
	for _, ls := range listBindings {
		if ls.spec == spec {
			return true
		}
	}
	return false
}

// problems lists what ls leaves unbound or binds in vain, against its spec: a
// column with no SQL, a filter with neither an expression nor a condition, a
// sortable column with nothing to order by, a date range with no SQL, a
// binding of a column the spec does not have. TestListSQLComplete wants none.
func (ls *listSQL) problems() []string {
	if ls.spec == nil {
		return []string{"no spec"}
	}
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, c := range ls.spec.Columns {
		b, ok := ls.Cols[c.Name]
		switch {
		case !ok:
			bad("column %q has no SQL", c.Name)
			continue
		case !c.NoFilter && (c.Kind == listing.Text || c.Kind == listing.Hosts) && b.Expr == "":
			bad("%s column %q has no Expr to match", c.Kind, c.Name)
		case !c.NoFilter && b.Expr == "" && b.Cond == "":
			bad("filter column %q has neither Expr nor Cond", c.Name)
		case c.NoFilter && (b.Cond != "" || b.Value != nil):
			bad("sort-only column %q has a Cond or Value no filter uses", c.Name)
		}
		if b.Cond != "" && strings.Count(b.Cond, "?") != 1 {
			bad("Cond of column %q has %d placeholders, not one", c.Name, strings.Count(b.Cond, "?"))
		}
		if c.Sortable && b.sortSQL() == "" {
			bad("sortable column %q has no Expr or Sort", c.Name)
		}
		if b.Trigram != nil && (c.Kind != listing.Text || c.NoFilter) {
			bad("column %q is no text filter but has a Trigram index", c.Name)
		}
		if !c.Sortable && b.Sort != "" {
			bad("column %q is not sortable but has a Sort", c.Name)
		}
	}
	for name := range ls.Cols {
		if _, ok := ls.spec.Column(name); !ok {
			bad("binds %q, which the spec has no column of", name)
		}
	}
	if (ls.spec.DateName != "") != (ls.Date != "") {
		bad("date %q has Date SQL %q", ls.spec.DateName, ls.Date)
	}
	if ls.ID == "" {
		bad("no ID tiebreak")
	}
	return out
}
