package feed

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url       string
		allowHTTP bool
		ok        bool
	}{
		{"https://services.nvd.nist.gov/rest/json/cves/2.0", false, true},
		{"http://services.nvd.nist.gov/rest/json/cves/2.0", false, false},
		{"http://services.nvd.nist.gov/rest/json/cves/2.0", true, true},
		{"http://127.0.0.1:8080/kev.json", false, true},
		{"http://[::1]:8080/kev.json", false, true},
		{"http://localhost:8080/kev.json", false, true},
		{"http://10.0.0.1/kev.json", false, false},
		{"ftp://127.0.0.1/kev.json", true, false},
		{"file:///etc/passwd", true, false},
		{"https:///nohost", false, false},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkURL(u, tt.allowHTTP); (err == nil) != tt.ok {
			t.Errorf("checkURL(%s, allowHTTP=%v) = %v, want ok=%v", tt.url, tt.allowHTTP, err, tt.ok)
		}
	}
}

func TestRedirectPolicy(t *testing.T) {
	c := newHTTPClient(nil, false)
	req := func(raw string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, raw, nil)
		return r
	}
	if err := c.CheckRedirect(req("http://192.0.2.1/epss.csv.gz"), []*http.Request{req("https://example.org/")}); err == nil {
		t.Error("a redirect downgrading to plain http was followed")
	}
	if err := c.CheckRedirect(req("https://mirror.example.org/epss.csv.gz"), []*http.Request{req("https://example.org/")}); err != nil {
		t.Errorf("an https redirect was refused: %v", err)
	}
	via := make([]*http.Request, 5)
	if err := c.CheckRedirect(req("https://example.org/"), via); err == nil {
		t.Error("a sixth redirect was followed")
	}
}

func TestFetchOverHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("apiKey") != "k" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.Write([]byte("payload"))
	}))
	defer srv.Close()
	f := &fetcher{client: newHTTPClient(srv.Client(), false), sleep: sleepContext, logf: t.Logf}
	resp, err := f.get(context.Background(), srv.URL+"/x", http.Header{"Apikey": {"k"}}, 1<<10, nil)
	if err != nil || string(resp.body) != "payload" {
		t.Fatalf("get = %q, %v", resp.body, err)
	}
	_, err = f.get(context.Background(), srv.URL+"/x", nil, 1<<10, nil)
	if err == nil || !strings.Contains(err.Error(), "status 403") || strings.Contains(err.Error(), "?") {
		t.Errorf("err = %v, want status 403 naming the URL without a query", err)
	}
}

func TestRetryAfter(t *testing.T) {
	if got := retryAfter("12"); got != 12*time.Second {
		t.Errorf("retryAfter(12) = %v", got)
	}
	if got := retryAfter(time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)); got < 59*time.Minute || got > time.Hour {
		t.Errorf("retryAfter(date) = %v", got)
	}
	for _, v := range []string{"", "soon", "-3"} {
		if got := retryAfter(v); got != 0 {
			t.Errorf("retryAfter(%q) = %v, want 0", v, got)
		}
	}
}

func TestWindowLimiter(t *testing.T) {
	clock := &fakeClock{t: date(2099, 1, 1)}
	l := &windowLimiter{n: 5, window: 30 * time.Second, now: clock.now, sleep: clock.sleep}
	var starts []time.Time
	for range 17 {
		if err := l.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		starts = append(starts, clock.now())
	}
	for i := range starts {
		inWindow := 0
		for _, s := range starts[i:] {
			if s.Sub(starts[i]) < 30*time.Second {
				inWindow++
			}
		}
		if inWindow > 5 {
			t.Fatalf("%d requests within 30 s of request %d: %v", inWindow, i, starts)
		}
	}
	if got := starts[16].Sub(starts[0]); got != 90*time.Second {
		t.Errorf("17 requests took %v, want 90 s (no slower than the limit requires)", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.wait(ctx); err == nil {
		t.Error("wait ignored a cancelled context")
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("PERIMETER_DATA_DIR", "")
	if got := DefaultDir(); got != "data/feeds" {
		t.Errorf("DefaultDir() = %q without PERIMETER_DATA_DIR", got)
	}
	t.Setenv("PERIMETER_DATA_DIR", "/var/lib/perimeter")
	if got := DefaultDir(); got != "/var/lib/perimeter/feeds" {
		t.Errorf("DefaultDir() = %q", got)
	}
}
