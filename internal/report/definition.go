package report

import (
	"slices"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/listing"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// Sections of an advanced report, in the order they appear.
var Sections = []string{"summary", "trends", "hosts", "vulnerabilities", "remediation", "exceptions"}

// Finding findingSeverities and findingStatuses a definition may filter on.
var (
	findingSeverities = []string{"critical", "high", "medium", "low", "info"}
	findingStatuses   = []string{"open", "fixed", "reopened", "accepted", "false_positive"}
)

// Filters select the findings and runs of an advanced report. Empty lists
// mean any; RelativeRange ("90d", as in list filters) wins over From/To.
type Filters struct {
	TargetIDs     []string   `json:"target_ids"`
	ScanIDs       []string   `json:"scan_ids"`
	Severities    []string   `json:"findingSeverities"`
	Statuses      []string   `json:"findingStatuses"`
	Products      []string   `json:"products"`
	From          *time.Time `json:"date_range_start,omitempty"`
	To            *time.Time `json:"date_range_end,omitempty"`
	RelativeRange string     `json:"relative_date_range,omitempty"`
}

// Window returns the date range the filters select at now (nil = open).
func (f Filters) Window(now time.Time) (from, to *time.Time) {
	if f.RelativeRange != "" {
		if a, b, err := listing.ParseRelative(f.RelativeRange, now); err == nil {
			return &a, &b
		}
	}
	return f.From, f.To
}

// Definition is a saved advanced report.
type Definition struct {
	ID             string
	OrganizationID string
	Name           string
	Description    string
	Filters        Filters
	Sections       []string
	Format         Format
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Files          []File // generated files (read with the definition)
}

// Validate checks a definition and normalizes it (sections in report order,
// duplicates removed; every section when none is given). Whether the target
// and scan ids exist is the caller's question.
func (d *Definition) Validate(now time.Time) error {
	f := errs.Fields{}
	f.Name("name", &d.Name, 200)
	f.MaxChars("description", d.Description, 4000)
	check := func(field string, vals []string, allowed []string) []string {
		out := []string{}
		for _, v := range vals {
			v = strings.TrimSpace(v)
			if !slices.Contains(allowed, v) {
				f.Add(field, "'%s' is not one of: %s", v, strings.Join(allowed, ", "))
			} else if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	d.Filters.Severities = check("filters.severities", d.Filters.Severities, findingSeverities)
	d.Filters.Statuses = check("filters.statuses", d.Filters.Statuses, findingStatuses)
	d.Filters.Products = check("filters.products", d.Filters.Products, tenant.Products)
	for _, l := range []struct {
		field string
		ids   *[]string
	}{{"filters.target_ids", &d.Filters.TargetIDs}, {"filters.scan_ids", &d.Filters.ScanIDs}} {
		if len(*l.ids) > 500 {
			f.Add(l.field, "at most 500 ids")
		}
		if *l.ids == nil {
			*l.ids = []string{}
		}
		*l.ids = slices.Compact(slices.Sorted(slices.Values(*l.ids)))
	}
	if d.Filters.RelativeRange != "" {
		if _, _, err := listing.ParseRelative(d.Filters.RelativeRange, now); err != nil {
			f.Add("filters.relative_date_range", "%s", err.Error())
		}
	}
	if d.Filters.From != nil && d.Filters.To != nil && d.Filters.To.Before(*d.Filters.From) {
		f.Add("filters.date_range_end", "is before date_range_start")
	}
	if len(d.Sections) == 0 {
		d.Sections = slices.Clone(Sections)
	} else {
		given := check("sections", d.Sections, Sections)
		d.Sections = d.Sections[:0]
		for _, s := range Sections {
			if slices.Contains(given, s) {
				d.Sections = append(d.Sections, s)
			}
		}
	}
	if d.Format == "" {
		d.Format = PDF
	}
	if !slices.Contains(Formats, d.Format) {
		f.Add("format", "'%s' is not one of: %s", d.Format, joinFormats(Formats))
	}
	return f.Err()
}

// DefinitionList declares how advanced reports are filtered and sorted.
var DefinitionList = listing.Spec{
	Columns: []listing.Column{
		{Name: "name", Kind: listing.Text, Sortable: true},
		{Name: "description", Kind: listing.Text},
		{Name: "format", Kind: listing.Enum, Values: []string{"pdf", "html", "csv", "json", "xlsx"}, Sortable: true},
		{Name: "created_at", Sortable: true, NoFilter: true},
		{Name: "updated_at", Sortable: true, NoFilter: true},
	},
	DateName: "created_at", DefaultSort: "created_at", DefaultDesc: true,
}
