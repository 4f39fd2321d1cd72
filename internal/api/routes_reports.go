package api

import "github.com/perimeterhq/perimeter/internal/report"

// reportRoutes registers one report per finished run and its generated files (§2.4).
func (a *API) reportRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/reports", Tag: "Reports", List: &report.List,
		Summary: "List reports (one per finished run)"}, a.listReports)
	Handle(a, Op{Method: "DELETE", Path: "/v2/reports", Tag: "Reports",
		Summary: "Delete reports and their files (all or nothing)"}, a.deleteReports)
	Handle(a, Op{Method: "GET", Path: "/v2/reports/{id}", Tag: "Reports",
		Summary: "Show a report with its files"}, a.getReport)
	Handle(a, Op{Method: "DELETE", Path: "/v2/reports/{id}", Tag: "Reports",
		Summary: "Delete a report and its files"}, a.deleteReport)
	Handle(a, Op{Method: "POST", Path: "/v2/reports/{id}/generate", Tag: "Reports", Status: 202,
		Summary: "Generate a file in a type and format (asynchronous: " +
			"pending → processing → done|failed; fires report_generated)"}, a.generateReport)
	Handle(a, Op{Method: "GET", Path: "/v2/reports/{id}/download", Tag: "Reports",
		Summary: "Download a generated file (Content-Disposition, X-Checksum-SHA256, Digest)",
		Query:   kindQuery, Content: reportContent()}, a.downloadReport)
	Handle(a, Op{Method: "GET", Path: "/v2/reports/{id}/exists", Tag: "Reports",
		Summary: "Whether a file exists, its status and SHA-256", Query: kindQuery}, a.reportExists)
	Handle(a, Op{Method: "POST", Path: "/v2/reports/{id}/verify", Tag: "Reports",
		Summary: "Verify a file's integrity by its SHA-256"}, a.verifyReport)
}

// advancedReportRoutes registers saved cross-scan report definitions (§2.9).
func (a *API) advancedReportRoutes() {
	Handle(a, Op{Method: "GET", Path: "/v2/advanced_reports", Tag: "Advanced reports",
		Summary: "List advanced report definitions", List: &report.DefinitionList}, a.listAdvancedReports)
	Handle(a, Op{Method: "POST", Path: "/v2/advanced_reports", Tag: "Advanced reports", Status: 201,
		Summary: "Save a cross-scan report definition (filters, sections, format)"}, a.createAdvancedReport)
	Handle(a, Op{Method: "DELETE", Path: "/v2/advanced_reports", Tag: "Advanced reports",
		Summary: "Delete advanced reports (all or nothing)"}, a.deleteAdvancedReports)
	Handle(a, Op{Method: "GET", Path: "/v2/advanced_reports/{id}", Tag: "Advanced reports",
		Summary: "Show an advanced report with its last generated file"}, a.getAdvancedReport)
	Handle(a, Op{Method: "PUT", Path: "/v2/advanced_reports/{id}", Tag: "Advanced reports",
		Summary: "Update an advanced report"}, a.updateAdvancedReport)
	Handle(a, Op{Method: "DELETE", Path: "/v2/advanced_reports/{id}", Tag: "Advanced reports",
		Summary: "Delete an advanced report and its files"}, a.deleteAdvancedReport)
	Handle(a, Op{Method: "POST", Path: "/v2/advanced_reports/{id}/generate", Tag: "Advanced reports",
		Summary: "Generate the report (asynchronous, like reports)", Status: 202}, a.generateAdvancedReport)
	Handle(a, Op{Method: "GET", Path: "/v2/advanced_reports/{id}/download", Tag: "Advanced reports",
		Summary: "Download the generated file",
		Query:   []Param{{Name: "format", Doc: "default: the definition's format"}},
		Content: reportContent()}, a.downloadAdvancedReport)
}
