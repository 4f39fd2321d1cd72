package api

import (
	"encoding/base64"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/report"
)

// ReportFileView is one generated (or requested) file of a report.
type ReportFileView struct {
	Type        string     `json:"type" enum:"executive,detailed,remediation,aosc,advanced"`
	Format      string     `json:"format" enum:"pdf,html,csv,json,xlsx"`
	Status      string     `json:"status" enum:"pending,processing,done,failed" doc:"of the latest request; a file generated before stays downloadable while a new one is made"`
	Error       string     `json:"error,omitempty" doc:"why the latest generation failed"`
	Available   bool       `json:"available" doc:"a complete file can be downloaded"`
	Size        int64      `json:"size" doc:"bytes of the downloadable file"`
	SHA256      string     `json:"sha256" doc:"hex SHA-256 of the downloadable file"`
	RequestedAt time.Time  `json:"requested_at"`
	GeneratedAt *time.Time `json:"generated_at"`
}

func fileView(f report.File) ReportFileView {
	return ReportFileView{Type: string(f.Type), Format: string(f.Format), Status: f.Status, Error: f.Error, Available: f.Available(),
		Size: f.Size, SHA256: f.SHA256, RequestedAt: f.RequestedAt, GeneratedAt: f.GeneratedAt}
}

// ReportView is the report of a finished run.
type ReportView struct {
	ID           string           `json:"id"`
	Name         string           `json:"name"`
	ScanID       string           `json:"scan_id"`
	ScanName     string           `json:"scan_name"`
	TargetID     string           `json:"target_id"`
	TargetName   string           `json:"target_name"`
	HistoryID    string           `json:"history_id" doc:"the run"`
	Product      string           `json:"product" enum:"pci,vrms,penetration"`
	RunStatus    string           `json:"run_status" enum:"completed,stopped"`
	PCICompliant *bool            `json:"pci_compliant" doc:"the run's verdict now (exceptions apply); null for a stopped run"`
	FinishedAt   *time.Time       `json:"finished_at"`
	CreatedAt    time.Time        `json:"created_at"`
	Files        []ReportFileView `json:"files"`
}

func reportView(r report.Report) ReportView {
	return ReportView{ID: r.ID, Name: r.Name, ScanID: r.ScanID, ScanName: r.ScanName, TargetID: r.TargetID, TargetName: r.TargetName,
		HistoryID: r.RunID, Product: r.Product, RunStatus: r.RunStatus, PCICompliant: r.PCICompliant, FinishedAt: r.FinishedAt,
		CreatedAt: r.CreatedAt, Files: views(r.Files, fileView)}
}

type reportList struct {
	Reports    []ReportView `json:"reports"`
	Pagination Pagination   `json:"pagination"`
}

type reportEnvelope struct {
	Report ReportView `json:"report"`
}

type fileEnvelope struct {
	File ReportFileView `json:"file"`
}

type generateRequest struct {
	Type   string `json:"type" enum:"executive,detailed,remediation,aosc" doc:"aosc: PCI scans only"`
	Format string `json:"format" enum:"pdf,html,csv,json,xlsx" doc:"xlsx: remediation only; csv: not for aosc"`
}

type fileVerifyRequest struct {
	Type   string `json:"type"`
	Format string `json:"format"`
	SHA256 string `json:"sha256" doc:"hex SHA-256 of the file you hold"`
}

type fileVerifyResponse struct {
	Valid    bool   `json:"valid" doc:"your hash is the recorded one and the stored file still hashes to it"`
	SHA256   string `json:"sha256" doc:"the recorded hash"`
	Intact   bool   `json:"intact" doc:"the stored file hashes to the recorded value"`
	Verified string `json:"verified_at"`
}

type existsResponse struct {
	Exists      bool       `json:"exists" doc:"a complete file can be downloaded"`
	Status      string     `json:"status" enum:"none,pending,processing,done,failed"`
	SHA256      string     `json:"sha256"`
	Size        int64      `json:"size"`
	Error       string     `json:"error,omitempty"`
	GeneratedAt *time.Time `json:"generated_at"`
}

// reportContent documents what a download returns per format; the JSON
// format has a schema of its own.
func reportContent() map[string]any {
	binary := map[string]any{"type": "string", "format": "binary"}
	return map[string]any{
		report.ContentType(report.PDF):  binary,
		report.ContentType(report.HTML): map[string]any{"type": "string", "description": "self-contained HTML (inline CSS and SVG)"},
		report.ContentType(report.CSV):  map[string]any{"type": "string", "description": "RFC 4180; columns: " + strings.Join(report.CSVColumns, ", ")},
		report.ContentType(report.JSON): report.JSONSchema(),
		report.ContentType(report.XLSX): binary,
	}
}

var kindQuery = []Param{
	{Name: "type", Doc: "executive, detailed, remediation or aosc", Required: true},
	{Name: "format", Doc: "pdf, html, csv, json or xlsx", Required: true},
}

func (a *API) listReports(c *Ctx, _ *NoBody) (*reportList, error) {
	rs, total, err := a.app.ListReports(c.Context(), c.Actor, c.List)
	if err != nil {
		return nil, err
	}
	return &reportList{Reports: views(rs, reportView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) getReport(c *Ctx, _ *NoBody) (*reportEnvelope, error) {
	r, err := a.app.GetReport(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &reportEnvelope{reportView(r)}, nil
}

func (a *API) deleteReport(c *Ctx, _ *NoBody) (*Empty, error) {
	if _, err := a.app.GetReport(c.Context(), c.Actor, c.Path("id")); err != nil {
		return nil, err
	}
	_, err := a.app.DeleteReports(c.Context(), c.Actor, []string{c.Path("id")})
	return nil, err
}

func (a *API) deleteReports(c *Ctx, in *BulkDeleteRequest) (*BulkDeleteResponse, error) {
	n, err := a.app.DeleteReports(c.Context(), c.Actor, in.IDs)
	if err != nil {
		return nil, err
	}
	return &BulkDeleteResponse{Deleted: n}, nil
}

func (a *API) generateReport(c *Ctx, in *generateRequest) (*fileEnvelope, error) {
	f, err := a.app.GenerateReport(c.Context(), c.Actor, c.Path("id"), in.Type, in.Format)
	if err != nil {
		return nil, err
	}
	return &fileEnvelope{fileView(f)}, nil
}

func (a *API) reportExists(c *Ctx, _ *NoBody) (*existsResponse, error) {
	return a.fileExists(c, false, c.Query("type"))
}

func (a *API) fileExists(c *Ctx, advanced bool, typ string) (*existsResponse, error) {
	f, err := a.app.ReportFile(c.Context(), c.Actor, c.Path("id"), advanced, typ, c.Query("format"))
	if isNotFound(err) && f.ID == "" {
		if ownerErr := a.ownerExists(c, advanced); ownerErr != nil {
			return nil, ownerErr
		}
		return &existsResponse{Status: "none"}, nil
	} else if err != nil {
		return nil, err
	}
	return &existsResponse{Exists: f.Available(), Status: f.Status, SHA256: f.SHA256, Size: f.Size, Error: f.Error, GeneratedAt: f.GeneratedAt}, nil
}

// ownerExists tells a report that was never generated in a kind (exists:
// false) from a report that is not there (404).
func (a *API) ownerExists(c *Ctx, advanced bool) error {
	var err error
	if advanced {
		_, err = a.app.GetDefinition(c.Context(), c.Actor, c.Path("id"))
	} else {
		_, err = a.app.GetReport(c.Context(), c.Actor, c.Path("id"))
	}
	return err
}

func (a *API) verifyReport(c *Ctx, in *fileVerifyRequest) (*fileVerifyResponse, error) {
	return a.verifyFile(c, false, in.Type, in)
}

func (a *API) verifyFile(c *Ctx, advanced bool, typ string, in *fileVerifyRequest) (*fileVerifyResponse, error) {
	v, err := a.app.VerifyReport(c.Context(), c.Actor, c.Path("id"), advanced, typ, in.Format, in.SHA256)
	if err != nil {
		return nil, err
	}
	return &fileVerifyResponse{Valid: v.Valid, SHA256: v.Recorded, Intact: v.Intact, Verified: time.Now().UTC().Format(time.RFC3339)}, nil
}

func (a *API) downloadReport(c *Ctx, _ *NoBody) (*fileDownload, error) {
	d, err := a.app.DownloadReport(c.Context(), c.Actor, c.Path("id"), false, c.Query("type"), c.Query("format"))
	if err != nil {
		return nil, err
	}
	return &fileDownload{d}, nil
}

// fileDownload streams a report file with its name, length and checksum.
type fileDownload struct{ app.Download }

func (d *fileDownload) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer d.Body.Close()
	h := w.Header()
	h.Set("Content-Type", report.ContentType(d.File.Format))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.Name}))
	h.Set("Content-Length", strconv.FormatInt(d.File.Size, 10))
	h.Set("X-Checksum-SHA256", d.File.SHA256)
	if sum, err := hex.DecodeString(d.File.SHA256); err == nil {
		h.Set("Digest", "sha-256="+base64.StdEncoding.EncodeToString(sum)) // RFC 3230
	}
	h.Set("ETag", `"`+d.File.SHA256+`"`)
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if d.File.Format == report.HTML {
		// A downloaded report renders nothing from elsewhere and runs nothing.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, d.Body)
	}
}

func isNotFound(err error) bool { return errs.Is(err, errs.NotFound) }
