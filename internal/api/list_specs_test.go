package api

import (
	"testing"

	"github.com/perimeterhq/perimeter/internal/store"
)

// Every list route's spec is one the store binds to SQL (whose completeness
// store.TestListSQLComplete checks), so no route lists by a spec the store
// cannot run.
func TestListRoutesHaveStoreSQL(t *testing.T) {
	n := 0
	for _, op := range New(nil, Options{}).ops {
		if op.List == nil {
			continue
		}
		n++
		if !store.BindsList(op.List) {
			t.Errorf("%s %s lists by a spec the store binds no SQL to", op.Method, op.Path)
		}
	}
	if n < 25 {
		t.Fatalf("only %d list routes", n)
	}
}
