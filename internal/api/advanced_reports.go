package api

import (
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/report"
)

// AdvancedFilters selects the findings and runs of an advanced report.
type AdvancedFilters struct {
	TargetIDs     []string   `json:"target_ids" doc:"empty: every target"`
	ScanIDs       []string   `json:"scan_ids" doc:"empty: every scan"`
	Severities    []string   `json:"severities" doc:"critical, high, medium, low, info; empty: all"`
	Statuses      []string   `json:"statuses" doc:"open, fixed, reopened, accepted, false_positive; empty: all"`
	Products      []string   `json:"products" doc:"pci, vrms, penetration; empty: all"`
	From          *time.Time `json:"date_range_start,omitempty" doc:"findings last seen from (RFC 3339)"`
	To            *time.Time `json:"date_range_end,omitempty" doc:"findings last seen until (RFC 3339)"`
	RelativeRange string     `json:"relative_date_range,omitempty" doc:"e.g. 90d (last 90 days, as in list filters); wins over the absolute range"`
}

// AdvancedReportView is a saved advanced report definition.
type AdvancedReportView struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Filters     AdvancedFilters  `json:"filters"`
	Sections    []string         `json:"sections" doc:"summary, trends, hosts, vulnerabilities, remediation, exceptions (in report order)"`
	Format      string           `json:"format" enum:"pdf,html,csv,json,xlsx"`
	LastFile    *ReportFileView  `json:"last_file" doc:"the most recently requested file"`
	Files       []ReportFileView `json:"files"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
}

func advancedView(d report.Definition) AdvancedReportView {
	f := d.Filters
	v := AdvancedReportView{ID: d.ID, Name: d.Name, Description: d.Description, Sections: d.Sections, Format: string(d.Format),
		Filters: AdvancedFilters{TargetIDs: f.TargetIDs, ScanIDs: f.ScanIDs, Severities: f.Severities, Statuses: f.Statuses,
			Products: f.Products, From: f.From, To: f.To, RelativeRange: f.RelativeRange},
		Files: views(d.Files, fileView), CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	for i, file := range d.Files {
		if v.LastFile == nil || file.RequestedAt.After(v.LastFile.RequestedAt) {
			v.LastFile = &v.Files[i]
		}
	}
	return v
}

type advancedList struct {
	AdvancedReports []AdvancedReportView `json:"advanced_reports"`
	Pagination      Pagination           `json:"pagination"`
}

type advancedEnvelope struct {
	AdvancedReport AdvancedReportView `json:"advanced_report"`
}

type advancedRequest struct {
	Name        *string          `json:"name,omitempty"`
	Description *string          `json:"description,omitempty"`
	Filters     *AdvancedFilters `json:"filters,omitempty"`
	Sections    *[]string        `json:"sections,omitempty" doc:"default: every section"`
	Format      *string          `json:"format,omitempty" enum:"pdf,html,csv,json,xlsx" doc:"default pdf"`
}

func (r advancedRequest) update() app.DefinitionUpdate {
	up := app.DefinitionUpdate{Name: r.Name, Description: r.Description, Sections: r.Sections}
	if r.Filters != nil {
		f := r.Filters
		up.Filters = &report.Filters{TargetIDs: f.TargetIDs, ScanIDs: f.ScanIDs, Severities: f.Severities, Statuses: f.Statuses,
			Products: f.Products, From: f.From, To: f.To, RelativeRange: f.RelativeRange}
	}
	if r.Format != nil {
		fm := report.Format(*r.Format)
		up.Format = &fm
	}
	return up
}

type advancedGenerateRequest struct {
	Format string `json:"format,omitempty" enum:"pdf,html,csv,json,xlsx" doc:"default: the definition's format"`
}

func (a *API) listAdvancedReports(c *Ctx, _ *NoBody) (*advancedList, error) {
	ds, total, err := a.app.ListDefinitions(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return &advancedList{AdvancedReports: views(ds, advancedView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) createAdvancedReport(c *Ctx, in *advancedRequest) (*advancedEnvelope, error) {
	d, err := a.app.CreateDefinition(c.Context(), c.Actor, in.update().Apply(report.Definition{}))
	if err != nil {
		return nil, err
	}
	return &advancedEnvelope{advancedView(d)}, nil
}

func (a *API) getAdvancedReport(c *Ctx, _ *NoBody) (*advancedEnvelope, error) {
	d, err := a.app.GetDefinition(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &advancedEnvelope{advancedView(d)}, nil
}

func (a *API) updateAdvancedReport(c *Ctx, in *advancedRequest) (*advancedEnvelope, error) {
	d, err := a.app.UpdateDefinition(c.Context(), c.Actor, c.Path("id"), in.update())
	if err != nil {
		return nil, err
	}
	return &advancedEnvelope{advancedView(d)}, nil
}

func (a *API) deleteAdvancedReport(c *Ctx, _ *NoBody) (*Empty, error) {
	if _, err := a.app.GetDefinition(c.Context(), c.Actor, c.Path("id")); err != nil {
		return nil, err
	}
	_, err := a.app.DeleteDefinitions(c.Context(), c.Actor, []string{c.Path("id")})
	return nil, err
}

func (a *API) deleteAdvancedReports(c *Ctx, in *BulkDeleteRequest) (*BulkDeleteResponse, error) {
	n, err := a.app.DeleteDefinitions(c.Context(), c.Actor, in.IDs)
	if err != nil {
		return nil, err
	}
	return &BulkDeleteResponse{Deleted: n}, nil
}

func (a *API) generateAdvancedReport(c *Ctx, in *advancedGenerateRequest) (*fileEnvelope, error) {
	f, err := a.app.GenerateDefinition(c.Context(), c.Actor, c.Path("id"), in.Format)
	if err != nil {
		return nil, err
	}
	return &fileEnvelope{fileView(f)}, nil
}

func (a *API) downloadAdvancedReport(c *Ctx, _ *NoBody) (*fileDownload, error) {
	format := c.Query("format")
	if format == "" {
		d, err := a.app.GetDefinition(c.Context(), c.Actor, c.Path("id"))
		if err != nil {
			return nil, err
		}
		format = string(d.Format)
	}
	d, err := a.app.DownloadReport(c.Context(), c.Actor, c.Path("id"), true, "", format)
	if err != nil {
		return nil, err
	}
	return &fileDownload{d}, nil
}
