package httpcheck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// maxBody bounds how much of a response body any HTTP check reads.
const maxBody = 64 << 10

// maxRedirects bounds same-origin redirects followed from "/".
const maxRedirects = 3

// httpMatch names web services; Elasticsearch and other HTTP APIs have their
// own families.
var httpMatch = checks.Match{
	Services: []string{"http", "https", "http-alt", "https-alt", "http-proxy"},
	Ports:    []int{80, 443, 8000, 8008, 8080, 8443, 8888},
	Protocol: result.TCP,
}

func applies(svc result.Service) bool { return httpMatch.Applies(svc) }

// isHTTPS reports whether the service speaks HTTP over TLS.
func isHTTPS(svc result.Service) bool {
	name := strings.ToLower(svc.Service)
	return svc.TLS || name == "https" || name == "https-alt" ||
		(name == "" && (svc.Port == 443 || svc.Port == 8443))
}

// baseURL returns the origin to request: the target's host name (sent as
// Host and SNI) or its IP; the connection always goes to the target's
// address, never through DNS.
func baseURL(t checks.Target) *url.URL {
	scheme, def := "http", 80
	if isHTTPS(t.Service) {
		scheme, def = "https", 443
	}
	host := t.Name()
	if t.Hostname == "" && t.IP.Is6() {
		host = "[" + t.IP.String() + "]"
	}
	if t.Service.Port != def {
		host = net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(t.Service.Port))
	}
	return &url.URL{Scheme: scheme, Host: host, Path: "/"}
}

// client returns an HTTP client whose every connection goes to t's address
// and which verifies nothing (the TLS family judges certificates).
func client(t checks.Target) *http.Client {
	addr := t.Addr()
	var d net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{
			InsecureSkipVerify: true, // certificate problems are the TLS family's findings
			ServerName:         sniName(t),
			MinVersion:         tls.VersionTLS10,
		},
		DisableKeepAlives:      true,
		MaxResponseHeaderBytes: 64 << 10,
	}
	origin := baseURL(t)
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Scheme != origin.Scheme || req.URL.Host != origin.Host || len(via) > maxRedirects {
				return http.ErrUseLastResponse // judge the redirect itself
			}
			return nil
		},
	}
}

func sniName(t checks.Target) string {
	if t.Hostname != "" && net.ParseIP(t.Hostname) == nil {
		return t.Hostname
	}
	return ""
}

// page is a fetched response: status, headers and the start of the body.
type page struct {
	url    string
	status string
	code   int
	header http.Header
	body   []byte
}

// get fetches path from the target with a bounded body.
func get(ctx context.Context, t checks.Target, c *http.Client, method, path string, hdr http.Header) (*page, error) {
	u := baseURL(t)
	u.Path = path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "Perimeter-Scanner")
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("%s %s: reading body: %w", method, u, err)
	}
	return &page{url: resp.Request.URL.String(), status: resp.Status, code: resp.StatusCode, header: resp.Header, body: body}, nil
}

// root fetches "/" once per target for all header checks.
func root(ctx context.Context, t checks.Target) (*page, error) {
	return checks.Shared(ctx, t, "http.root", func(ctx context.Context) (*page, error) {
		return get(ctx, t, client(t), http.MethodGet, "/", nil)
	})
}

// headerBlock renders the response status and headers for evidence, leaving
// out cookies (they may carry session secrets).
func (p *page) headerBlock() string {
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s -> %s\n", p.url, p.status)
	keys := make([]string, 0, len(p.header))
	for k := range p.header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "Set-Cookie" || k == "Cookie" || k == "Authorization" {
			fmt.Fprintf(&b, "%s: (omitted)\n", k)
			continue
		}
		for _, v := range p.header[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func (p *page) isHTML() bool {
	ct := strings.ToLower(p.header.Get("Content-Type"))
	return strings.Contains(ct, "html") || (ct == "" && strings.Contains(strings.ToLower(string(p.body[:min(len(p.body), 512)])), "<html"))
}
