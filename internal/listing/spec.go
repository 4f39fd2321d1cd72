// Package listing implements the list conventions of the API (spec §1.4): paging,
// q[column] filters with * wildcards, date ranges (absolute and relative) and
// sorting. A resource declares its columns once in a Spec — the API's contract:
// names, kinds, allowed values, what sorts — which drives query validation and
// the OpenAPI parameters. The SQL of each column lives in the store, bound next
// to the query that lists the resource.
package listing

import (
	"slices"
	"strings"
)

// Kind says how a column is filtered.
type Kind int

// Column kinds.
const (
	Text   Kind = iota // case-insensitive "contains", or a * pattern
	Enum               // exact, comma = any of, values checked against Column.Values
	ID                 // exact, comma = any of
	Number             // exact integer, comma = any of
	Bool               // true/false
	Hosts              // a target's host list: Text matched against each entry, and an address against its ranges
)

func (k Kind) String() string {
	return [...]string{"text", "enum", "id", "number", "bool", "hosts"}[k]
}

// Column is one filterable and/or sortable field of a resource.
type Column struct {
	Name     string   // API name, as in q[name] and sort_by=name
	Kind     Kind     // how filters on it match
	Values   []string // allowed values of an Enum column
	Sortable bool     // may be used in sort_by
	NoFilter bool     // sortable only
	Doc      string   // description for the OpenAPI document
}

// Spec declares a resource's list behaviour in one place.
type Spec struct {
	Columns     []Column
	DateName    string // API name of the date that date ranges apply to, e.g. "created_at"; "" = no date ranges
	DefaultSort string // column name used when sort_by is absent
	DefaultDesc bool
}

// Column finds a column by API name.
func (s *Spec) Column(name string) (Column, bool) {
	for _, c := range s.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// Filterable lists the names accepted in q[...], sorted.
func (s *Spec) Filterable() []string {
	var out []string
	for _, c := range s.Columns {
		if !c.NoFilter {
			out = append(out, c.Name)
		}
	}
	slices.Sort(out)
	return out
}

// Sortable lists the names accepted in sort_by, sorted.
func (s *Spec) Sortable() []string {
	var out []string
	for _, c := range s.Columns {
		if c.Sortable {
			out = append(out, c.Name)
		}
	}
	slices.Sort(out)
	return out
}

func joinNames(names []string) string { return strings.Join(names, ", ") }
