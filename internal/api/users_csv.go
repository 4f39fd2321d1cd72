package api

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/report"
)

// MaxUploadBody is the limit of upload bodies (spec §1.1: 20 MiB).
const MaxUploadBody = 20 << 20

const importDoc = "Upload a CSV file as the multipart field `file` (or the whole body as text/csv). The first line is a header; " +
	"columns email, first_name, last_name, role are required, organization_id (default: your organization), confirmed " +
	"(true/false: [CG] skip the confirmation e-mail), phone, timezone, locale are optional; the columns only an export writes " +
	"(id, partner, created_at, last_sign_in_at) are ignored, any other column is refused. By default the import is all or nothing: " +
	"any bad row is a 422 whose errors name lines[<line>].<field> for every bad row (and rows lists them), and nothing is created. " +
	"With mode=partial the valid rows are created and the invalid ones reported. A row is never half-created."

var importBody = map[string]any{
	"multipart/form-data": map[string]any{"type": "object", "required": []string{"file"},
		"properties": map[string]any{"file": map[string]any{"type": "string", "contentMediaType": "text/csv"}}},
	"text/csv": map[string]any{"type": "string"},
}

var usersExportContent = map[string]any{"text/csv": map[string]any{"type": "string",
	"description": "header: " + strings.Join(app.ExportColumns, ",")}}

var importQuery = []Param{{Name: "mode", Doc: "all (default: all or nothing) or partial (create the valid rows, report the invalid ones)"}}

// ImportRowView is the outcome of one CSV row.
type ImportRowView struct {
	Line   int                 `json:"line" doc:"line in the file (the header is line 1)"`
	Status string              `json:"status" enum:"created,invalid"`
	User   *UserView           `json:"user,omitempty"`
	Errors map[string][]string `json:"errors,omitempty"`
}

type importResponse struct {
	Created int             `json:"created"`
	Failed  int             `json:"failed"`
	Rows    []ImportRowView `json:"rows"`
}

func (a *API) importUsers(c *Ctx, _ *NoBody) (*importResponse, error) {
	var partial bool
	switch c.Query("mode") {
	case "", "all":
	case "partial":
		partial = true
	default:
		return nil, errs.New(errs.Malformed, "mode must be all or partial, not '%s'", c.Query("mode"))
	}
	file, closeFile, err := uploadedCSV(c)
	if err != nil {
		return nil, err
	}
	defer closeFile()
	res, err := a.app.ImportUsers(c.Context(), c.Actor, file, partial)
	if err != nil {
		return nil, err
	}
	out := &importResponse{Created: res.Created, Failed: res.Failed, Rows: make([]ImportRowView, 0, len(res.Rows))}
	for _, r := range res.Rows {
		v := ImportRowView{Line: r.Line, Status: "invalid", Errors: r.Errors}
		if r.User != nil {
			uv := userView(*r.User)
			v.Status, v.User = "created", &uv
		}
		out.Rows = append(out.Rows, v)
	}
	return out, nil
}

// uploadedCSV returns the CSV of an import request: the multipart field
// "file", or a text/csv body. Bodies over MaxUploadBody are a 413.
func uploadedCSV(c *Ctx) (io.Reader, func(), error) {
	body := http.MaxBytesReader(c.W, c.R.Body, MaxUploadBody)
	c.R.Body = body
	mt, _, _ := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	switch mt {
	case "text/csv":
		b, err := io.ReadAll(body)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, errs.New(errs.TooLarge, "Request body is larger than %d bytes", mbe.Limit)
		} else if err != nil {
			return nil, nil, errs.New(errs.Malformed, "Could not read the body: %v", err)
		}
		return bytes.NewReader(b), func() {}, nil
	case "multipart/form-data":
	default:
		return nil, nil, errs.Field("file", "upload the CSV as multipart/form-data (field 'file') or as a text/csv body")
	}
	if err := c.R.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, errs.New(errs.TooLarge, "Request body is larger than %d bytes", mbe.Limit)
		}
		return nil, nil, errs.New(errs.Malformed, "Malformed multipart body: %v", err)
	}
	f, _, err := c.R.FormFile("file")
	if err != nil {
		_ = c.R.MultipartForm.RemoveAll()
		return nil, nil, errs.Field("file", "is missing (multipart field 'file')")
	}
	return f, func() { f.Close(); _ = c.R.MultipartForm.RemoveAll() }, nil
}

// exportUsers streams the CSV: rows are written as the database yields them.
func (a *API) exportUsers(c *Ctx, _ *NoBody) (*handlerOut, error) {
	return &handlerOut{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var cw *csv.Writer
		n := 0
		start := func() {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="users.csv"`)
			cw = csv.NewWriter(w)
			_ = cw.Write(app.ExportColumns)
		}
		err := a.app.ExportUsers(r.Context(), c.Actor, func(row []string) error {
			if cw == nil {
				start()
			}
			for i, v := range row {
				row[i] = report.FormulaSafe(v)
			}
			if err := cw.Write(row); err != nil {
				return err
			}
			if n++; n%200 == 0 {
				cw.Flush()
			}
			return cw.Error()
		})
		if err != nil && cw == nil {
			writeError(w, r, a.log, err)
			return
		}
		if err != nil {
			a.log.Error("user export interrupted", "request_id", requestID(r), "err", err)
			return
		}
		if cw == nil {
			start()
		}
		cw.Flush()
	})}, nil
}
