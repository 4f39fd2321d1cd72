package httpcheck

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// TestMain shortens the pause between path probes: the tests start dozens
// of phases on a shared machine, and the pause is politeness, not behaviour.
func TestMain(m *testing.M) {
	probePause = time.Millisecond
	os.Exit(m.Run())
}

// resp is a canned answer of a test site.
type resp struct {
	status int // 0: 200
	ctype  string
	body   string
	hdr    []string // header name, value, ...
}

// site serves routes by exact path, "/" as a plain home page unless routed,
// and fallback (404 when nil) for everything else.
func site(routes map[string]resp, fallback http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rs, ok := routes[r.URL.Path]
		if !ok && r.URL.Path == "/" {
			rs, ok = resp{ctype: "text/html", body: "<html><body>welcome</body></html>"}, true
		}
		if !ok {
			if fallback != nil {
				fallback(w, r)
			} else {
				http.NotFound(w, r)
			}
			return
		}
		for i := 0; i+1 < len(rs.hdr); i += 2 {
			w.Header().Set(rs.hdr[i], rs.hdr[i+1])
		}
		if rs.ctype != "" {
			w.Header().Set("Content-Type", rs.ctype)
		}
		if rs.status != 0 {
			w.WriteHeader(rs.status)
		}
		w.Write([]byte(rs.body))
	}
}

// runPathChecks runs every path check against tg the way the engine does
// (one Runner, shared probes) and returns the findings by check ID.
func runPathChecks(t *testing.T, tg checks.Target) map[string]result.Finding {
	t.Helper()
	cs := make([]checks.Check, len(pathChecks))
	for i, c := range pathChecks {
		cs[i] = c
	}
	fs, errs := checks.Runner{}.Run(context.Background(), tg, cs)
	for _, err := range errs {
		t.Errorf("check error: %v", err)
	}
	out := map[string]result.Finding{}
	for _, f := range fs {
		if _, dup := out[f.CheckID]; dup {
			t.Errorf("two findings of %s", f.CheckID)
		}
		out[f.CheckID] = f
	}
	return out
}

func ids(fs map[string]result.Finding) []string {
	var out []string
	for id := range fs {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

const (
	nginxIndex  = `<html><head><title>Index of /docs/</title></head><body><h1>Index of /docs/</h1><hr><pre><a href="../">../</a>` + "\n" + `<a href="a.txt">a.txt</a></pre><hr></body></html>`
	apacheIndex = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN"><html><head><title>Index of /media/pics</title></head><body><h1>Index of /media/pics</h1><table><tr><th><a href="?C=N;O=D">Name</a></th></tr></table></body></html>`
	pythonIndex = `<!DOCTYPE HTML><html><head><title>Directory listing for /uploads/</title></head><body><h1>Directory listing for /uploads/</h1></body></html>`
)

// Listings are found at "/", in the directories linked from "/" (and their
// top-level parents) and at common folder names; one finding lists them all.
func TestDirectoryListingSubdirs(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	home := `<html><body><a href="/docs/">docs</a> <img src='media/pics/cat.png'> <a href=/about.html>about</a> <a href="/manual">manual</a>
		<a href="http://elsewhere.test/offsite/">away</a></body></html>`
	h := site(map[string]resp{
		"/":            {ctype: "text/html", body: home},
		"/docs/":       {ctype: "text/html", body: nginxIndex},
		"/media/pics/": {ctype: "text/html", body: apacheIndex},
		"/uploads/":    {ctype: "text/html", body: pythonIndex},
		"/manual/":     {ctype: "text/html", body: strings.ReplaceAll(nginxIndex, "/docs/", "/manual/")},
	}, nil)
	tg := server(t, false, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Path)
		mu.Unlock()
		h(w, r)
	})
	fs := runPathChecks(t, tg)
	if got := ids(fs); !slices.Equal(got, []string{idListing}) {
		t.Fatalf("findings %v", got)
	}
	ev := fs[idListing].Evidence
	for _, want := range []string{"/docs/ -> 200 OK", `"<title>Index of /docs/"`, "/media/pics/ -> 200 OK", "Index of /media/pics", "/uploads/ -> 200 OK", "Directory listing for /uploads/", "/manual/ -> 200 OK"} {
		if !strings.Contains(ev, want) {
			t.Errorf("evidence lacks %q:\n%s", want, ev)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if slices.Contains(asked, "/offsite/") {
		t.Error("asked for an off-site link's directory")
	}
	if slices.Contains(asked, "/about.html/") {
		t.Error("a file link was taken for a directory")
	}
	if !slices.Contains(asked, "/media/") {
		t.Error("the top-level parent of a linked directory was not probed")
	}
}

// An auto-index at "/" is reported, and the directories it lists are probed.
func TestDirectoryListingAtRoot(t *testing.T) {
	rootIndex := `<html><head><title>Index of /</title></head><body><h1>Index of /</h1><hr><pre><a href="../">../</a>` + "\n" + `<a href="sub/">sub/</a></pre></body></html>`
	tg := server(t, true, site(map[string]resp{
		"/":     {ctype: "text/html", body: rootIndex},
		"/sub/": {ctype: "text/html", body: strings.ReplaceAll(rootIndex, "Index of /", "Index of /sub/")},
	}, nil))
	fs := runPathChecks(t, tg)
	ev := fs[idListing].Evidence
	if !strings.Contains(ev, "https://127.0.0.1:") || !strings.Contains(ev, "/sub/ -> 200 OK") || strings.Count(ev, "\n") != 1 {
		t.Fatalf("findings %v, evidence:\n%s", ids(fs), ev)
	}
}

// Sites answering 200 with one page for every path produce no finding, even
// when that page carries every signature the matchers look for.
func TestSoftNotFoundSites(t *testing.T) {
	everything := `<html><head><title>Index of /</title></head><body><h1>Apache Server Status for localhost</h1>
		<h1>Apache Server Information</h1><h1 class="p">PHP Version 8.2.7</h1><table><tr><td class="e">System </td></tr></table>
		Tomcat Web Application Manager <a href="/manager/html/list">list</a> phpMyAdmin pma_navigation JMX Agent View HtmlAdaptor</body></html>`
	sameForAll := func(ctype, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Write([]byte(body))
		}
	}
	cases := map[string]http.HandlerFunc{
		"spa page":           sameForAll("text/html", "<!doctype html><html><body><div id=app></div><script src=/static/app.js></script></body></html>"),
		"every signature":    sameForAll("text/html", everything),
		"git head for all":   sameForAll("text/plain", "ref: refs/heads/main\n"),
		"dotenv for all":     sameForAll("text/plain", "APP_KEY=x\nDB_PASSWORD=y\n"),
		"zip for all":        sameForAll("application/octet-stream", "PK\x03\x04\x14\x00\x00\x00"),
		"php source for all": sameForAll("text/plain", "<?php echo 1;"),
		// A soft-404 page that repeats the path and a request counter.
		"echoing page": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "<html><head><title>Index of %s</title></head><body>Nothing at %s (request %d)</body></html>", r.URL.Path, r.URL.Path, len(r.URL.Path)*7)
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if fs := runPathChecks(t, server(t, false, h)); len(fs) != 0 {
				t.Fatalf("findings %v", ids(fs))
			}
		})
	}
}

// The phase stays within pathBudget requests per port, the shared root fetch
// and its redirects included, asks for "/" once, and only reads.
func TestPathBudget(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	var links strings.Builder
	for i := range 100 {
		fmt.Fprintf(&links, `<a href="/dir%d/page.html">%d</a>`, i, i)
	}
	tg := server(t, false, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.Method+" "+r.URL.Path)
		mu.Unlock()
		switch r.URL.Path {
		case "/", "/r1", "/r2":
			next := map[string]string{"/": "/r1", "/r1": "/r2", "/r2": "/home"}[r.URL.Path]
			http.Redirect(w, r, next, http.StatusFound)
		case "/home":
			w.Write([]byte("<html><body>" + links.String() + "</body></html>"))
		default: // a distinct 200 page for every path: nothing looks like the baseline
			fmt.Fprintf(w, "<html><body>%s</body></html>", strings.Repeat(r.URL.Path, len(r.URL.Path)))
		}
	})
	cs := checks.All() // every check of every family that applies to HTTP
	if _, errs := (checks.Runner{}).Run(context.Background(), tg, cs); len(errs) != 0 {
		t.Fatalf("errors %v", errs)
	}
	mu.Lock()
	defer mu.Unlock()
	var path []string
	for _, a := range asked {
		method, p, _ := strings.Cut(a, " ")
		switch method {
		case http.MethodGet, http.MethodHead:
			path = append(path, p)
		case http.MethodTrace: // the TRACE check's single request, not part of the phase
		default:
			t.Errorf("request %s", a)
		}
	}
	if len(path) > pathBudget {
		t.Errorf("%d requests, budget %d:\n%s", len(path), pathBudget, strings.Join(path, "\n"))
	}
	if min := 4 + baselines + len(pathProbes) + 1; len(path) < min {
		t.Errorf("%d requests, want at least %d (no linked directory probed?)", len(path), min)
	}
	if n := slices.Index(path, "/"); n < 0 || slices.Index(path[n+1:], "/") >= 0 {
		t.Errorf("root asked for %d times", strings.Count(strings.Join(path, " ")+" ", "/ "))
	}
	if !slices.Contains(path, "/dir0/") {
		t.Error("linked directories not probed first")
	}
}

// A server asking to slow down ends the phase; the checks then cannot decide.
func TestPathPhaseBacksOff(t *testing.T) {
	var mu sync.Mutex
	n := 0
	tg := server(t, false, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		if r.URL.Path == "/" {
			w.Write([]byte("home"))
			return
		}
		w.Header().Set("Retry-After", "60")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	tg = tg.WithSharing()
	for _, c := range pathChecks {
		fs, err := c.Run(context.Background(), tg)
		if len(fs) != 0 || err == nil || !strings.Contains(err.Error(), "429") {
			t.Fatalf("%s: findings %v, err %v", c.meta.ID, fs, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if n != 2 {
		t.Errorf("%d requests, want the root and one probe", n)
	}
}

// With no links on "/", the curated paths and every common directory fit in
// the budget next to the root fetch (and its redirects) and the baselines.
func TestBudgetFitsCuratedList(t *testing.T) {
	if n := 1 + maxRedirects + baselines + len(pathProbes) + len(commonDirs); n > pathBudget {
		t.Fatalf("%d planned requests exceed the budget of %d", n, pathBudget)
	}
}

// Connections that keep failing end the phase after maxFailures requests,
// and the checks report why they could not decide.
func TestPathPhaseGivesUpOnFailures(t *testing.T) {
	var mu sync.Mutex
	n := 0
	tg := server(t, false, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		if r.URL.Path == "/" {
			w.Write([]byte("home"))
			return
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close() // no answer at all
		}
	})
	tg = tg.WithSharing()
	for _, c := range pathChecks {
		if fs, err := c.Run(context.Background(), tg); len(fs) != 0 || err == nil || !strings.Contains(err.Error(), "path probes stopped after 3 requests") {
			t.Fatalf("%s: findings %v, err %v", c.meta.ID, fs, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if n != 1+maxFailures {
		t.Errorf("%d requests, want the root and %d probes", n, maxFailures)
	}
}
