package store

import (
	"slices"
	"testing"
)

// TestSharedColumns: only a plain value equal in every row is bound once; a
// NULL integer counts, a set one or a differing one does not, and a row
// always keeps one column of its own.
func TestSharedColumns(t *testing.T) {
	n := int64(5)
	m := int64(5)
	cases := []struct {
		rows [][]any
		want []bool
	}{
		{[][]any{{"a", 1, "org"}}, []bool{false, false, false}},
		{[][]any{{"a", 1, "org", (*int64)(nil), 1.5, true}, {"b", 1, "org", (*int64)(nil), 1.5, true}},
			[]bool{false, true, true, true, true, true}},
		{[][]any{{"a", &n, int64(7)}, {"b", &m, 7}}, []bool{false, false, false}}, // pointers, and int64 7 is not int 7
		{[][]any{{"a", "x"}, {"b", "y"}}, []bool{false, false}},
		{[][]any{{"same", "same"}, {"same", "same"}}, []bool{true, false}},
	}
	for i, c := range cases {
		if got := sharedColumns(c.rows); !slices.Equal(got, c.want) {
			t.Errorf("case %d: got %v, want %v", i, got, c.want)
		}
	}
}
