package httpcheck

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

func byID(t *testing.T, id string) checks.Check {
	t.Helper()
	c, ok := checks.Lookup(id)
	if !ok {
		t.Fatalf("no check %s", id)
	}
	return c
}

// server starts an HTTP (or HTTPS) server on loopback and returns a target
// for it.
func server(t *testing.T, tlsOn bool, h http.HandlerFunc) checks.Target {
	t.Helper()
	var srv *httptest.Server
	if tlsOn {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	port, _ := strconv.Atoi(u.Port())
	name := "http"
	if tlsOn {
		name = "https"
	}
	return checks.Target{
		IP:      netip.MustParseAddr("127.0.0.1"),
		Service: result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen, Service: name, TLS: tlsOn},
	}
}

func headers(kv ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(kv); i += 2 {
			w.Header().Set(kv[i], kv[i+1])
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		w.Write([]byte("<html><body>welcome</body></html>"))
	}
}

func run(t *testing.T, id string, tg checks.Target) []result.Finding {
	t.Helper()
	c := byID(t, id)
	if !c.Applies(tg.Service) {
		t.Fatalf("%s does not apply to %+v", id, tg.Service)
	}
	fs, err := c.Run(context.Background(), tg)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return fs
}

func TestHeaderChecks(t *testing.T) {
	secure := []string{
		"Server", "nginx",
		"Strict-Transport-Security", "max-age=31536000; includeSubDomains",
		"X-Content-Type-Options", "nosniff",
		"X-Frame-Options", "DENY",
	}
	tests := []struct {
		id       string
		tls      bool
		positive []string // headers that trigger the finding
		evidence string
		negative [][]string
	}{
		{"http.server.version-disclosure", false, []string{"Server", "Apache/2.4.41 (Ubuntu)", "X-Powered-By", "PHP/7.4.3"}, "X-Powered-By: PHP/7.4.3",
			[][]string{secure, {"Server", "Microsoft-IIS", "X-Powered-By", "ASP.NET"}}},
		{"http.server.version-disclosure", false, []string{"X-AspNet-Version", "4.0.30319"}, "X-AspNet-Version: 4.0.30319", nil},
		{"http.header.hsts-missing", true, []string{"Server", "x"}, "GET https://", [][]string{secure}},
		{"http.header.hsts-missing", true, []string{"Strict-Transport-Security", "max-age=0"}, "max-age=0", nil},
		{"http.header.xcto-missing", false, []string{"Set-Cookie", "session=s3cr3t"}, "Set-Cookie: (omitted)", [][]string{secure, {"X-Content-Type-Options", "NoSniff"}}},
		{"http.header.xfo-missing", false, []string{"X-Frame-Options", "ALLOWALL"}, "X-Frame-Options: ALLOWALL",
			[][]string{secure, {"Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"}, {"Content-Type", "application/json"}}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			fs := run(t, tt.id, server(t, tt.tls, headers(tt.positive...)))
			if len(fs) != 1 || !strings.Contains(fs[0].Evidence, tt.evidence) {
				t.Fatalf("positive: %+v", fs)
			}
			if strings.Contains(fs[0].Evidence, "s3cr3t") {
				t.Fatal("evidence leaks a cookie")
			}
			for _, neg := range tt.negative {
				if fs := run(t, tt.id, server(t, tt.tls, headers(neg...))); len(fs) != 0 {
					t.Errorf("negative %v: %+v", neg, fs)
				}
			}
		})
	}
}

func TestHSTSOnlyOnHTTPS(t *testing.T) {
	c := byID(t, "http.header.hsts-missing")
	if c.Applies(result.Service{Port: 80, Protocol: "tcp", Service: "http"}) {
		t.Error("HSTS check applies to plain HTTP")
	}
	if !c.Applies(result.Service{Port: 443, Protocol: "tcp"}) {
		t.Error("HSTS check skips port 443")
	}
}

func TestTrace(t *testing.T) {
	echo := server(t, false, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodTrace {
			dump, _ := httputil.DumpRequest(r, false)
			w.Header().Set("Content-Type", "message/http")
			w.Write(dump)
			return
		}
		w.Write([]byte("hi"))
	})
	fs := run(t, "http.method.trace", echo)
	if len(fs) != 1 || !strings.Contains(fs[0].Evidence, "X-Perimeter-Trace") {
		t.Fatalf("positive: %+v", fs)
	}
	refuse := server(t, false, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodTrace {
			http.Error(w, "no", http.StatusMethodNotAllowed)
		}
	})
	ok200 := server(t, false, headers()) // 200 to everything, but no echo
	for _, tg := range []checks.Target{refuse, ok200} {
		if fs := run(t, "http.method.trace", tg); len(fs) != 0 {
			t.Errorf("negative: %+v", fs)
		}
	}
}

// The target's host name goes in Host (and SNI) while the connection goes to
// the target's IP: no name resolution ever happens.
func TestHostNameAndRedirects(t *testing.T) {
	var mu sync.Mutex
	var hosts []string
	tg := server(t, false, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hosts = append(hosts, r.Host)
		mu.Unlock()
		switch r.URL.Path {
		case "/":
			http.Redirect(w, r, "/home", http.StatusFound)
		case "/home":
			w.Header().Set("Server", "Apache/2.4.1")
			w.Write([]byte("home"))
		}
	})
	tg.Hostname = "www.example.test"
	fs := run(t, "http.server.version-disclosure", tg)
	if len(fs) != 1 || !strings.Contains(fs[0].Evidence, "http://www.example.test:"+strconv.Itoa(tg.Service.Port)+"/home") {
		t.Fatalf("findings %+v", fs)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, h := range hosts {
		if !strings.HasPrefix(h, "www.example.test:") {
			t.Errorf("Host %q", h)
		}
	}
	// A redirect to another origin is judged as is, not followed.
	away := server(t, false, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "Apache/2.4.2")
		http.Redirect(w, r, "http://elsewhere.test/", http.StatusFound)
	})
	fs = run(t, "http.server.version-disclosure", away)
	if len(fs) != 1 || !strings.Contains(fs[0].Evidence, "302") {
		t.Fatalf("cross-origin redirect: %+v", fs)
	}
}

func TestConnectionErrorIsReported(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tg := server(t, false, headers())
	tg.Service.Port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if _, err := byID(t, "http.header.xcto-missing").Run(context.Background(), tg); err == nil {
		t.Fatal("want an error for a dead port")
	}
}
