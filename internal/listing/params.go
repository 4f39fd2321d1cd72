package listing

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
)

// Paging limits (spec §1.4).
const (
	DefaultPerPage = 25
	MaxPerPage     = 500
)

// MaxValueLength is the longest value, in bytes, any list parameter may have
// (q[...] filters, paging, dates, sorting). Longer values are 400 naming the
// parameter: no column holds anything that long worth searching for, and
// SQLite refuses LIKE patterns over 50 000 bytes.
const MaxValueLength = 1000

// listParams are the parameters Parse reads besides q[...].
var listParams = []string{"page", "per_page", "date_range_start", "date_range_end", "relative_date_range", "sort_by", "sort_order"}

// Op is how a filter matches.
type Op int

// Filter operations.
const (
	OpContains Op = iota // case-insensitive substring (text without *)
	OpPattern            // case-insensitive * pattern, anchored at both ends
	OpIn                 // exact match of any of Values
)

// Filter is one validated q[column] criterion.
type Filter struct {
	Column Column
	Op     Op
	Values []string // OpIn: the values; OpContains/OpPattern: one value
}

// Params is a validated list request.
type Params struct {
	Page    int
	PerPage int
	Filters []Filter
	From    time.Time // inclusive; zero = unbounded
	To      time.Time // inclusive; zero = unbounded
	Sort    Column
	Desc    bool
}

// Offset is the number of rows before the requested page.
func (p Params) Offset() int { return (p.Page - 1) * p.PerPage }

// Filter returns the criterion on a column, if present (for resources whose
// store needs to treat a column specially).
func (p Params) Filter(name string) (Filter, bool) {
	for _, f := range p.Filters {
		if f.Column.Name == name {
			return f, true
		}
	}
	return Filter{}, false
}

// Parse validates the list parameters of a query string against spec. Errors
// are errs.Malformed (400) naming the parameter and, for unknown columns, the
// allowed names. Parameters that are not list parameters are ignored.
func Parse(q url.Values, spec *Spec, now time.Time) (Params, error) {
	p := Params{Page: 1, PerPage: DefaultPerPage}
	if err := checkLengths(q); err != nil {
		return p, err
	}
	var err error
	if p.Page, err = intParam(q, "page", 1, 1, 1<<31-1); err != nil {
		return p, err
	}
	if p.PerPage, err = intParam(q, "per_page", DefaultPerPage, 1, MaxPerPage); err != nil {
		return p, err
	}
	if p.Filters, err = parseFilters(q, spec); err != nil {
		return p, err
	}
	if p.From, p.To, err = parseDates(q, now); err != nil {
		return p, err
	}
	if p.Sort, p.Desc, err = parseSort(q, spec); err != nil {
		return p, err
	}
	return p, nil
}

func malformed(param, format string, args ...any) error {
	return &errs.Error{Code: errs.Malformed, Message: "Invalid query parameter " + param,
		Fields: map[string][]string{param: {fmt.Sprintf(format, args...)}}}
}

// checkLengths applies MaxValueLength to every list parameter, so no later
// step sees (or echoes) an over-long value.
func checkLengths(q url.Values) error {
	var bad []string
	for key, vals := range q {
		if !strings.HasPrefix(key, "q[") && !slices.Contains(listParams, key) {
			continue
		}
		for _, v := range vals {
			if len(v) > MaxValueLength {
				bad = append(bad, key)
				break
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	e := &errs.Error{Code: errs.Malformed, Message: "Invalid query parameter " + bad[0], Fields: map[string][]string{}}
	for _, key := range bad {
		e.Fields[key] = []string{fmt.Sprintf("is longer than %d bytes", MaxValueLength)}
	}
	return e
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	s := strings.TrimSpace(q.Get(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, malformed(name, "'%s' must be an integer between %d and %d", s, lo, hi)
	}
	return n, nil
}

func parseFilters(q url.Values, spec *Spec) ([]Filter, error) {
	var out []Filter
	for key, vals := range q {
		if !strings.HasPrefix(key, "q[") {
			continue
		}
		if !strings.HasSuffix(key, "]") {
			return nil, malformed(key, "filters are written q[column]=value")
		}
		name := key[2 : len(key)-1]
		col, ok := spec.Column(name)
		if !ok || col.NoFilter {
			return nil, malformed(key, "unknown filter column '%s'; allowed: %s", name, joinNames(spec.Filterable()))
		}
		for _, v := range vals {
			f, err := newFilter(key, col, strings.TrimSpace(v))
			if err != nil {
				return nil, err
			}
			if f != nil {
				out = append(out, *f)
			}
		}
	}
	// Deterministic order keeps generated SQL (and its plan cache) stable.
	sortFilters(out)
	return out, nil
}

func newFilter(key string, col Column, v string) (*Filter, error) {
	if v == "" {
		return nil, nil // an empty filter is no filter, as clients send blank form fields
	}
	if col.Kind == Text || col.Kind == Hosts {
		if strings.Contains(v, "*") {
			return &Filter{Column: col, Op: OpPattern, Values: []string{v}}, nil
		}
		return &Filter{Column: col, Op: OpContains, Values: []string{v}}, nil
	}
	var values []string
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		norm, err := checkValue(key, col, part)
		if err != nil {
			return nil, err
		}
		values = append(values, norm)
	}
	if len(values) == 0 {
		return nil, nil
	}
	return &Filter{Column: col, Op: OpIn, Values: values}, nil
}

func checkValue(key string, col Column, v string) (string, error) {
	switch col.Kind {
	case Enum:
		lv := strings.ToLower(v)
		for _, allowed := range col.Values {
			if lv == allowed {
				return lv, nil
			}
		}
		return "", malformed(key, "'%s' is not one of: %s", v, joinNames(col.Values))
	case Number:
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return "", malformed(key, "'%s' is not an integer", v)
		}
	case Bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return "", malformed(key, "'%s' is not true or false", v)
		}
		if b {
			return "1", nil
		}
		return "0", nil
	}
	return v, nil
}

func sortFilters(fs []Filter) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].Column.Name < fs[j-1].Column.Name; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

func parseSort(q url.Values, spec *Spec) (Column, bool, error) {
	by := strings.TrimSpace(q.Get("sort_by"))
	order := strings.ToLower(strings.TrimSpace(q.Get("sort_order")))
	// Also accepted [CG]: sort_by=<column> desc. Anything else after a space
	// is part of an unknown column name, so the error names sort_by.
	if name, dir, ok := strings.Cut(by, " "); ok {
		switch d := strings.ToLower(strings.TrimSpace(dir)); d {
		case "asc", "desc":
			by, order = name, d
		default:
			return Column{}, false, unknownSort(by, spec)
		}
	}
	desc := spec.DefaultDesc
	switch order {
	case "":
	case "asc":
		desc = false
	case "desc":
		desc = true
	default:
		return Column{}, false, malformed("sort_order", "'%s' must be asc or desc", order)
	}
	if by == "" {
		if spec.DefaultSort == "" {
			return Column{}, desc, nil
		}
		c, _ := spec.Column(spec.DefaultSort)
		if order == "" {
			desc = spec.DefaultDesc
		}
		return c, desc, nil
	}
	c, ok := spec.Column(by)
	if !ok || !c.Sortable {
		return Column{}, false, unknownSort(by, spec)
	}
	if order == "" {
		desc = false
	}
	return c, desc, nil
}

func unknownSort(by string, spec *Spec) error {
	return malformed("sort_by", "unknown sort column '%s'; allowed: %s", by, joinNames(spec.Sortable()))
}
