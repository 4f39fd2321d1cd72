package store

import (
	"slices"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/listing"
)

// Every list the store runs binds every column of its spec to SQL, and
// nothing else: adding a column to a spec without binding it here fails, as
// does binding a column the spec does not declare. Engine-free: it checks the
// bindings, the conformance suite runs them on both engines.
func TestListSQLComplete(t *testing.T) {
	if len(listBindings) < 22 {
		t.Fatalf("only %d list bindings registered", len(listBindings))
	}
	for _, ls := range listBindings {
		for _, p := range ls.problems() {
			t.Errorf("%s: %s", ls.at, p)
		}
	}
}

// problems reports each kind of gap and stray binding, so that
// TestListSQLComplete fails when one appears.
func TestListSQLProblems(t *testing.T) {
	spec := &listing.Spec{
		Columns: []listing.Column{
			{Name: "name", Kind: listing.Text, Sortable: true},
			{Name: "port", Kind: listing.Number},
			{Name: "rank", Kind: listing.Enum, Sortable: true},
			{Name: "created_at", Sortable: true, NoFilter: true},
			{Name: "unbound", Kind: listing.ID},
		},
		DateName: "created_at",
	}
	ls := listSQL{spec: spec, ID: "x.id", Cols: map[string]colSQL{
		"name":       {Cond: "x.name = ?"},
		"port":       {Cond: "x.port = ? OR x.port2 = ?", Trigram: &trigramIndex{"t", "port", "x.rowid"}},
		"rank":       {Cond: "x.rank = ?"},
		"created_at": {Expr: "x.created_at", Cond: "x.created_at = ?"},
		"stray":      {Expr: "x.stray"},
	}}
	got := ls.problems()
	want := []string{
		`column "unbound" has no SQL`,
		`text column "name" has no Expr to match`,
		`sortable column "name" has no Expr or Sort`,
		`Cond of column "port" has 2 placeholders, not one`,
		`column "port" is no text filter but has a Trigram index`,
		`sortable column "rank" has no Expr or Sort`,
		`sort-only column "created_at" has a Cond or Value no filter uses`,
		`binds "stray", which the spec has no column of`,
		`date "created_at" has Date SQL ""`,
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p := (&listSQL{}).problems(); !slices.Equal(p, []string{"no spec"}) {
		t.Errorf("unbound listSQL: %v", p)
	}
}
