package api

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/perimeterhq/perimeter/internal/errs"
)

const scanImportDoc = "Ours, not [CG]. Reads another scanner's report into a new, completed run of the scan (trigger `import`): " +
	"nmap XML (`nmap -oX`), Nessus `.nessus` (v2) or OpenVAS/GVM XML (a GMP get_reports answer or an XML report export), " +
	"plain or gzip-compressed, as the body (application/xml, text/xml, application/gzip, application/octet-stream) or as the " +
	"multipart field `file`; at most 20 MiB as sent (`perimeter import` has no such limit). The format is told from the file " +
	"unless `format` names it. Hosts, services and findings then take part in the findings lifecycle (new, reopened), exceptions, " +
	"the PCI verdict, reports and webhooks like a scan's own. Findings keep the tool's identity (check ids `nessus:<plugin id>`, " +
	"`gvm:<NVT oid>`); nmap's vulners CVEs and ssl-enum-ciphers protocol versions become Perimeter's own `cve:` and " +
	"`tls.protocol.*` findings. A Nessus or GVM import marks fixed that tool's open findings on the hosts it reported and did " +
	"not report again; an nmap import fixes nothing. The whole file is checked before anything is stored: malformed XML, a " +
	"value out of range, or a host outside the scan's target is a 422 whose `file` error names the line and element or the " +
	"address, and nothing is stored. 409 while the scan is queued or running."

var scanImportBody = map[string]any{
	"application/xml":     map[string]any{"type": "string"},
	"application/gzip":    map[string]any{"type": "string", "format": "binary"},
	"multipart/form-data": map[string]any{"type": "object", "required": []string{"file"}, "properties": map[string]any{"file": map[string]any{"type": "string", "format": "binary"}}},
}

var scanImportQuery = []Param{{Name: "format", Doc: "nmap, nessus or gvm (default: told from the file)"}}

// ImportSummaryView is what an imported report held.
type ImportSummaryView struct {
	Format   string `json:"format" enum:"nmap,nessus,gvm"`
	Scanner  string `json:"scanner" doc:"the tool, as the file names it (e.g. nmap 7.93)"`
	Hosts    int    `json:"hosts" doc:"hosts up imported"`
	Services int    `json:"services"`
	Findings int    `json:"findings"`
	KEV      int    `json:"kev" doc:"findings the server's CVE feed marks as in CISA KEV"`
	EPSS     int    `json:"epss" doc:"findings the server's CVE feed gives an EPSS score (0 without a feed)"`
}

type scanImportResponse struct {
	History HistoryView       `json:"history"`
	Import  ImportSummaryView `json:"import"`
}

func (a *API) importScanResults(c *Ctx, _ *NoBody) (*scanImportResponse, error) {
	body, done, err := uploadedReport(c)
	if err != nil {
		return nil, err
	}
	defer done()
	res, err := a.app.ImportResults(c.Context(), c.Actor, c.Path("id"), c.Query("format"), body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errs.New(errs.TooLarge, "Request body is larger than %d bytes", mbe.Limit)
	}
	if err != nil {
		return nil, err
	}
	return &scanImportResponse{History: historyView(res.Run), Import: ImportSummaryView{Format: string(res.Report.Format),
		Scanner: res.Report.Scanner, Hosts: res.Report.Hosts, Services: res.Report.Services, Findings: res.Report.Findings,
		KEV: res.KEV, EPSS: res.EPSS}}, nil
}

// uploadedReport returns the report of an import request, streamed: the body
// itself, or the multipart field "file". Bodies over MaxUploadBody are a 413.
func uploadedReport(c *Ctx) (io.Reader, func(), error) {
	body := http.MaxBytesReader(c.W, c.R.Body, MaxUploadBody)
	c.R.Body = body
	mt, _, _ := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	switch mt {
	case "application/xml", "text/xml", "application/gzip", "application/x-gzip", "application/octet-stream":
		return body, func() {}, nil
	case "multipart/form-data":
	default:
		return nil, nil, errs.Field("file", "upload the report as the body (application/xml or application/gzip) or as multipart/form-data (field 'file')")
	}
	mr, err := c.R.MultipartReader()
	if err != nil {
		return nil, nil, errs.New(errs.Malformed, "Malformed multipart body: %v", err)
	}
	for {
		part, err := mr.NextPart()
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return nil, nil, errs.New(errs.TooLarge, "Request body is larger than %d bytes", mbe.Limit)
		case errors.Is(err, io.EOF):
			return nil, nil, errs.Field("file", "is missing (multipart field 'file')")
		case err != nil:
			return nil, nil, errs.New(errs.Malformed, "Malformed multipart body: %v", err)
		}
		if part.FormName() == "file" {
			return part, func() { part.Close() }, nil
		}
		part.Close()
	}
}
