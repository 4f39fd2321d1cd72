package listing

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
)

var testSpec = Spec{
	Columns: []Column{
		{Name: "name", Kind: Text, Sortable: true},
		{Name: "status", Kind: Enum, Values: []string{"active", "suspended"}, Sortable: true},
		{Name: "org_id", Kind: ID},
		{Name: "port", Kind: Number, Sortable: true},
		{Name: "partner", Kind: Bool},
		{Name: "created_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at", DefaultDesc: true,
}

var now = time.Date(2026, 5, 17, 12, 30, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	tests := []struct {
		query   string
		check   func(t *testing.T, p Params)
		wantErr string // substring of the field message; "" = no error
		param   string // field the error names
	}{
		{query: "", check: func(t *testing.T, p Params) {
			if p.Page != 1 || p.PerPage != 25 || p.Sort.Name != "created_at" || !p.Desc || len(p.Filters) != 0 {
				t.Errorf("defaults wrong: %+v", p)
			}
		}},
		{query: "page=3&per_page=500", check: func(t *testing.T, p Params) {
			if p.Page != 3 || p.PerPage != 500 || p.Offset() != 1000 {
				t.Errorf("paging wrong: %+v", p)
			}
		}},
		{query: "per_page=501", wantErr: "between 1 and 500", param: "per_page"},
		{query: "per_page=0", wantErr: "between 1 and 500", param: "per_page"},
		{query: "page=x", wantErr: "must be an integer", param: "page"},
		{query: "q[name]=Acme", check: func(t *testing.T, p Params) {
			if len(p.Filters) != 1 || p.Filters[0].Op != OpContains || p.Filters[0].Values[0] != "Acme" {
				t.Errorf("contains filter wrong: %+v", p.Filters)
			}
		}},
		{query: "q[name]=test*", check: func(t *testing.T, p Params) {
			if p.Filters[0].Op != OpPattern {
				t.Errorf("wildcard filter should be a pattern: %+v", p.Filters)
			}
		}},
		{query: "q[status]=Active,suspended", check: func(t *testing.T, p Params) {
			f := p.Filters[0]
			if f.Op != OpIn || len(f.Values) != 2 || f.Values[0] != "active" {
				t.Errorf("enum any-of wrong: %+v", f)
			}
		}},
		{query: "q[status]=deleted", wantErr: "is not one of: active, suspended", param: "q[status]"},
		{query: "q[port]=22,443", check: func(t *testing.T, p Params) {
			if len(p.Filters[0].Values) != 2 {
				t.Errorf("number any-of wrong: %+v", p.Filters)
			}
		}},
		{query: "q[port]=ssh", wantErr: "is not an integer", param: "q[port]"},
		{query: "q[partner]=true", check: func(t *testing.T, p Params) {
			if p.Filters[0].Values[0] != "1" {
				t.Errorf("bool wrong: %+v", p.Filters)
			}
		}},
		{query: "q[partner]=maybe", wantErr: "true or false", param: "q[partner]"},
		{query: "q[name]=", check: func(t *testing.T, p Params) {
			if len(p.Filters) != 0 {
				t.Errorf("an empty filter is no filter: %+v", p.Filters)
			}
		}},
		{query: "q[secret]=x", wantErr: "allowed: name, org_id, partner, port, status", param: "q[secret]"},
		{query: "q[created_at]=x", wantErr: "unknown filter column", param: "q[created_at]"},
		{query: "q[name=x", wantErr: "q[column]", param: "q[name"},
		{query: "sort_by=name", check: func(t *testing.T, p Params) {
			if p.Sort.Name != "name" || p.Desc {
				t.Errorf("sort wrong: %+v", p)
			}
		}},
		{query: "sort_by=name+desc", check: func(t *testing.T, p Params) {
			if p.Sort.Name != "name" || !p.Desc {
				t.Errorf("'sort_by=col desc' wrong: %+v", p)
			}
		}},
		{query: "sort_by=port&sort_order=DESC", check: func(t *testing.T, p Params) {
			if p.Sort.Name != "port" || !p.Desc {
				t.Errorf("sort_order wrong: %+v", p)
			}
		}},
		{query: "sort_by=org_id", wantErr: "allowed: created_at, name, port, status", param: "sort_by"},
		{query: "sort_order=sideways", wantErr: "asc or desc", param: "sort_order"},
		{query: "sort_by=name%3BDROP+TABLE+x", wantErr: "unknown sort column 'name;DROP TABLE x'; allowed: created_at, name, port, status", param: "sort_by"},
		{query: "sort_by=name+sideways", wantErr: "allowed: created_at, name, port, status", param: "sort_by"},
		{query: "q[name]=" + strings.Repeat("a", MaxValueLength+1), wantErr: "is longer than 1000 bytes", param: "q[name]"},
		{query: "q[nope]=" + strings.Repeat("a", MaxValueLength+1), wantErr: "is longer than 1000 bytes", param: "q[nope]"},
		{query: "sort_by=" + strings.Repeat("a", MaxValueLength+1), wantErr: "is longer than 1000 bytes", param: "sort_by"},
		{query: "date_range_start=" + strings.Repeat("1", MaxValueLength+1), wantErr: "is longer than 1000 bytes", param: "date_range_start"},
		{query: "q[name]=" + strings.Repeat("a", MaxValueLength), check: func(t *testing.T, p Params) {
			if len(p.Filters) != 1 {
				t.Errorf("a value at the limit must be accepted: %+v", p.Filters)
			}
		}},
		{query: "date_range_start=2026-01-02+03:04:05&date_range_end=2026-01-31", check: func(t *testing.T, p Params) {
			if !p.From.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
				t.Errorf("from = %v", p.From)
			}
			if !p.To.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC).Add(-time.Microsecond)) {
				t.Errorf("a bare end date must include that day: to = %v", p.To)
			}
		}},
		{query: "date_range_start=2026-01-02T03:04:05%2B02:00", check: func(t *testing.T, p Params) {
			if !p.From.Equal(time.Date(2026, 1, 2, 1, 4, 5, 0, time.UTC)) {
				t.Errorf("RFC 3339 with offset: from = %v", p.From)
			}
		}},
		{query: "date_range_start=yesterday", wantErr: "is not a date", param: "date_range_start"},
		{query: "date_range_start=2026-02-01&date_range_end=2026-01-01", wantErr: "before", param: "date_range_end"},
		{query: "relative_date_range=10d", check: func(t *testing.T, p Params) {
			if !p.From.Equal(now.AddDate(0, 0, -10)) || !p.To.Equal(now) {
				t.Errorf("10d: %v – %v", p.From, p.To)
			}
		}},
		{query: "relative_date_range=10d&date_range_start=2026-01-01", wantErr: "not both", param: "relative_date_range"},
	}
	for _, tt := range tests {
		t.Run(tt.query[:min(len(tt.query), 60)], func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse(q, &testSpec, now)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				tt.check(t, p)
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Malformed {
				t.Fatalf("want a malformed error, got %v", err)
			}
			msgs := e.Fields[tt.param]
			if len(msgs) == 0 || !strings.Contains(msgs[0], tt.wantErr) {
				t.Fatalf("error fields %v: want %q under %q", e.Fields, tt.wantErr, tt.param)
			}
		})
	}
}

func TestParseRelative(t *testing.T) {
	tests := []struct {
		in       string
		from, to time.Time
		wantErr  bool
	}{
		{in: "30s", from: now.Add(-30 * time.Second), to: now},
		{in: "15m", from: now.Add(-15 * time.Minute), to: now},
		{in: "2h", from: now.Add(-2 * time.Hour), to: now},
		{in: "10d", from: now.AddDate(0, 0, -10), to: now},
		{in: "3M", from: now.AddDate(0, -3, 0), to: now},
		{in: "1y", from: now.AddDate(-1, 0, 0), to: now},
		{in: "2q", from: now.AddDate(0, -6, 0), to: now},
		{in: "1q2020", from: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), to: time.Date(2020, 4, 1, 0, 0, 0, 0, time.UTC).Add(-time.Microsecond)},
		{in: "4q2021", from: time.Date(2021, 10, 1, 0, 0, 0, 0, time.UTC), to: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Microsecond)},
		{in: "2M2024", from: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), to: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).Add(-time.Microsecond)},
		{in: "5q2020", wantErr: true},
		{in: "13M2020", wantErr: true},
		{in: "1d2020", wantErr: true},
		{in: "0d", wantErr: true},
		{in: "d", wantErr: true},
		{in: "10", wantErr: true},
		{in: "10w", wantErr: true},
		{in: "1q20", wantErr: true},
		{in: "9999999d", wantErr: true},
	}
	for _, tt := range tests {
		from, to, err := ParseRelative(tt.in, now)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseRelative(%q) = %v, %v; want an error", tt.in, from, to)
			}
			continue
		}
		if err != nil || !from.Equal(tt.from) || !to.Equal(tt.to) {
			t.Errorf("ParseRelative(%q) = %v, %v, %v; want %v, %v", tt.in, from, to, err, tt.from, tt.to)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "q[name]=a*b", "q[status]=active,x", "sort_by=name desc", "relative_date_range=1q2020",
		"date_range_start=2026-01-01 00:00:00", "per_page=9999999999999999999", "q[port]=1,2,3", "q[]=", "q[[x]]=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		p, err := Parse(q, &testSpec, now)
		if err != nil {
			if _, ok := errs.As(err); !ok {
				t.Fatalf("non-client error %T %v", err, err)
			}
			return
		}
		if p.Page < 1 || p.PerPage < 1 || p.PerPage > MaxPerPage || p.Offset() < 0 {
			t.Fatalf("paging out of range: %+v", p)
		}
		for _, f := range p.Filters {
			if len(f.Values) == 0 {
				t.Fatalf("filter without values: %+v", f)
			}
		}
		if !p.From.IsZero() && !p.To.IsZero() && p.To.Before(p.From) {
			t.Fatalf("inverted range %v > %v", p.From, p.To)
		}
	})
}

func FuzzParseRelative(f *testing.F) {
	for _, s := range []string{"10d", "1q2020", "3M2021", "0s", "99999y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		from, to, err := ParseRelative(s, now)
		if err == nil && to.Before(from) {
			t.Fatalf("%q: inverted range", s)
		}
	})
}
