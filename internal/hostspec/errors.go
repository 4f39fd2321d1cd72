package hostspec

import (
	"fmt"
	"strings"
)

// Field names under which problems are reported; they are the API's JSON
// field names so that FieldErrors can go straight into a 422 body.
const (
	FieldHosts   = "hosts"
	FieldExclude = "exclude_hosts"
)

// Problem is one thing wrong with the input.
type Problem struct {
	Field   string // FieldHosts or FieldExclude
	Entry   string // the offending entry as typed (clipped), "" for whole-field problems
	Message string // human-readable, names the entry and says why
}

// ParseError lists every problem found in both inputs, in input order. Parse
// never stops at the first bad entry, so a user fixes everything in one round.
type ParseError struct {
	Problems []Problem
}

func (e *ParseError) add(field, entry, message string) {
	e.Problems = append(e.Problems, Problem{Field: field, Entry: entry, Message: message})
}

func (e *ParseError) invalid(field, tok, reason string) {
	e.add(field, clip(tok), fmt.Sprintf("'%s' is not a valid IP, range, CIDR or hostname: %s", clip(tok), reason))
}

// Error joins the first few messages; FieldErrors has them all.
func (e *ParseError) Error() string {
	const show = 5
	var b strings.Builder
	b.WriteString("invalid host list: ")
	for i, p := range e.Problems {
		if i == show {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-show)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Field + ": " + p.Message)
	}
	return b.String()
}

// FieldErrors returns the messages keyed by field ("hosts",
// "exclude_hosts"), each list in input order, for an API validation body.
func (e *ParseError) FieldErrors() map[string][]string {
	m := make(map[string][]string)
	for _, p := range e.Problems {
		m[p.Field] = append(m[p.Field], p.Message)
	}
	return m
}
