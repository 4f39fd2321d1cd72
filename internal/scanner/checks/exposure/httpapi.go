package exposure

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
)

// maxAPIBody bounds an HTTP API response read.
const maxAPIBody = 256 << 10

// apiRequest sends one HTTP request to the target's address (never
// resolving a name; the Host header carries the target's name) over TLS
// when the service speaks it, and returns the status and at most
// maxAPIBody bytes of the body. A JSON body gets its content type.
func apiRequest(ctx context.Context, t checks.Target, method, path string, body []byte) (int, []byte, error) {
	scheme := "http"
	if t.Service.TLS || strings.EqualFold(t.Service.Service, "https") {
		scheme = "https"
	}
	host := net.JoinHostPort(strings.Trim(t.Name(), "[]"), strconv.Itoa(t.Service.Port))
	addr := t.Addr()
	var d net.Dialer
	c := &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, addr) // never resolve names
			},
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // certificates are the TLS family's concern
			DisableKeepAlives: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, scheme+"://"+host+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("User-Agent", "Perimeter-Scanner")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIBody))
	return resp.StatusCode, b, err
}

// apiGet is apiRequest for GET.
func apiGet(ctx context.Context, t checks.Target, path string) (int, []byte, error) {
	return apiRequest(ctx, t, http.MethodGet, path, nil)
}

// clientCertRequired reports whether err is a TLS server's refusal of a
// client without a certificate (alerts bad_certificate and
// certificate_required, which crypto/tls reports only as text):
// authentication is enforced, a clean "not affected".
func clientCertRequired(err error) bool {
	s := err.Error()
	return strings.Contains(s, "remote error: tls: bad certificate") || strings.Contains(s, "remote error: tls: certificate required")
}
