package api

import (
	"bytes"
	"compress/gzip"
	"embed"
	"html/template"
	"io"
	"net/http"
	"strings"

	"github.com/perimeterhq/perimeter/internal/errs"
)

type healthBody struct {
	Status  string `json:"status" enum:"ok,unavailable"`
	Version string `json:"version"`
}

func (a *API) healthz(c *Ctx, _ *NoBody) (*healthBody, error) {
	return &healthBody{Status: "ok", Version: a.version}, nil
}

func (a *API) readyz(c *Ctx, _ *NoBody) (*healthBody, error) {
	if a.ready != nil {
		if err := a.ready(c.Context()); err != nil {
			a.log.Warn("not ready", "err", err)
			return nil, errs.New(errs.Unavailable, "Database unavailable")
		}
	}
	return &healthBody{Status: "ok", Version: a.version}, nil
}

// handlerOut adapts an http.Handler as an operation output that writes itself.
type handlerOut struct{ http.Handler }

func (a *API) metricsPage(c *Ctx, _ *NoBody) (*handlerOut, error) {
	return &handlerOut{a.metrics.handler}, nil
}

func (a *API) openapiDoc(c *Ctx, _ *NoBody) (*handlerOut, error) {
	return &handlerOut{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(a.OpenAPI())
	})}, nil
}

//go:embed docs
var docsFS embed.FS

// The page holds no inline script, so the policy allows scripts from files
// of this server only; the start-up call is an asset of its own.
var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Perimeter API {{.}}</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-init.js"></script>
</body></html>`))

const docsInit = `window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui", deepLinking: true});
`

// docsCSP: scripts only from this origin (no inline script, no eval), never
// framed. Swagger UI sets style attributes, hence the inline styles.
const docsCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (a *API) docsPage(c *Ctx, _ *NoBody) (*handlerOut, error) {
	return &handlerOut{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", docsCSP)
		w.Header().Set("X-Frame-Options", "DENY")
		_ = docsPage.Execute(w, a.version)
	})}, nil
}

// docsAsset serves the embedded Swagger UI files, gzipped when the client
// accepts it (they are stored compressed).
func (a *API) docsAsset(c *Ctx, _ *NoBody) (*handlerOut, error) {
	name := c.Path("file")
	var ctype string
	switch name {
	case "swagger-init.js":
		return &handlerOut{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = io.WriteString(w, docsInit)
		})}, nil
	case "swagger-ui-bundle.js":
		ctype = "text/javascript; charset=utf-8"
	case "swagger-ui.css":
		ctype = "text/css; charset=utf-8"
	default:
		return nil, errs.NotFoundf("Asset")
	}
	gz, err := docsFS.ReadFile("docs/" + name + ".gz")
	if err != nil {
		return nil, errs.NotFoundf("Asset")
	}
	return &handlerOut{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("Vary", "Accept-Encoding")
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gz)
			return
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			http.Error(w, "corrupt asset", http.StatusInternalServerError)
			return
		}
		_, _ = io.Copy(w, zr)
	})}, nil
}
