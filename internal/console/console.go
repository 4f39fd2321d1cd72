// Package console is the web console: plain HTML, CSS and JavaScript modules
// embedded in the binary (no build step, no third-party code, no request
// leaves the server's origin). It is a client of the public API like any
// other: it signs in with POST /auth/sign_in using the key from
// GET /console/config and keeps the session in the HttpOnly cookie of
// POST /console/session (internal/api/console_session.go). This package only
// serves the files.
package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed web
var webFS embed.FS

// CSP allows scripts, styles and connections to this origin only: no inline
// script or style, no eval, no framing (also X-Frame-Options), no <base>.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

type file struct {
	body  []byte
	etag  string
	ctype string
}

// Handler serves the console: /assets/... files, and index.html for every
// other path (the console routes with the History API), so a reload or a
// bookmarked /findings/ID works.
type Handler struct {
	files map[string]file // by URL path: "/assets/app.js"
	index file
}

// New loads the embedded files.
func New() *Handler {
	h := &Handler{files: map[string]file{}}
	err := fs.WalkDir(webFS, "web", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := webFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		f := file{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, ctype: ct}
		if p == "web/index.html" {
			f.ctype = "text/html; charset=utf-8"
			h.index = f
		}
		h.files[strings.TrimPrefix(p, "web")] = f
		return nil
	})
	if err != nil {
		panic("console: embedded files: " + err.Error()) // the build embedded them; cannot happen
	}
	return h
}

// ServeHTTP answers GET and HEAD (the API routes nothing else here).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	f, ok := h.files[r.URL.Path]
	switch {
	case ok && strings.HasPrefix(r.URL.Path, "/assets/"):
		// No content hash in the names (no build step): revalidate each time,
		// which costs a 304 on loopback or a LAN.
		hd.Set("Cache-Control", "no-cache")
	case strings.HasPrefix(r.URL.Path, "/assets/") || path.Ext(r.URL.Path) != "":
		hd.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("not found\n"))
		return
	default:
		f = h.index
		hd.Set("Cache-Control", "no-store")
	}
	hd.Set("ETag", f.etag)
	if r.Header.Get("If-None-Match") == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", f.ctype)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(f.body)
}
