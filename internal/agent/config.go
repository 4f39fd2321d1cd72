package agent

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config is what an Agent needs. Server, Token and Version are required; the
// zero value of every other field is a sensible default.
type Config struct {
	// Server is the API's base URL. It must be https unless its host is a
	// loopback address or "localhost" (see CheckServerURL).
	Server string
	// Token is the scanner token; it is sent only in the Authorization
	// header and never logged.
	Token string
	// Version is reported to the server at every claim.
	Version string
	// Networks are the networks the agent may reach. They are reported to the
	// server, which refuses runs outside them, and the agent itself never
	// contacts an address outside them (also one a hostname resolves to).
	// Empty: no restriction.
	Networks []netip.Prefix
	// FeedDir is the vulnerability feed directory CVE matching uses, as
	// `perimeter serve --feed-dir` does; empty: no CVE matching.
	FeedDir string
	// CAFile is a PEM file of CA certificates trusted besides the system's
	// (a private CA signing the server's certificate).
	CAFile string

	// Heartbeat is how often progress is reported (default 5 s). It must stay
	// well below the server's --scan-stale-after (default 60 s), after which
	// a silent agent's run is queued again.
	Heartbeat time.Duration
	// BatchInterval and BatchHosts bound how long finished hosts wait and how
	// many go in one results batch (defaults 2 s and 256).
	BatchInterval time.Duration
	BatchHosts    int
	// Wait is the claim's long poll in seconds (default 25, the server's most).
	Wait int
	// DrainTimeout bounds how long a shutdown waits for the collected results
	// to reach the server (default 15 s).
	DrainTimeout time.Duration
	// MaxBackoff caps the wait between retries (default 30 s).
	MaxBackoff time.Duration

	// Transport replaces the HTTP transport (tests inject faults with it).
	Transport http.RoundTripper
	// Log receives what the agent does (default: discarded).
	Log *slog.Logger
}

// withDefaults fills in the zero fields.
func (c Config) withDefaults() Config {
	if c.Heartbeat <= 0 {
		c.Heartbeat = 5 * time.Second
	}
	if c.BatchInterval <= 0 {
		c.BatchInterval = 2 * time.Second
	}
	if c.BatchHosts <= 0 || c.BatchHosts > maxBatchHosts {
		c.BatchHosts = maxBatchHosts
	}
	if c.Wait <= 0 || c.Wait > 25 {
		c.Wait = 25
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 15 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c
}

// maxBatchHosts bounds a results batch (the server accepts up to 1024).
const maxBatchHosts = 256

// CheckServerURL parses the server URL and refuses cleartext HTTP to anything
// but this machine: the agent's token and its scan results must not cross a
// network unencrypted. It returns the URL without a trailing slash.
func CheckServerURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(raw), "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("--server %q: want a URL such as https://perimeter.example.com", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("--server %s: HTTPS is required (plain http is allowed only to 127.0.0.0/8, ::1 or localhost)", u.Redacted())
		}
	default:
		return nil, fmt.Errorf("--server %s: the scheme must be https", u.Redacted())
	}
	if u.User != nil {
		return nil, errors.New("--server: the URL must not carry credentials; the token comes from PERIMETER_AGENT_TOKEN or --token-file")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("--server %s: give the base URL without query or fragment", u.Redacted())
	}
	return u, nil
}

// isLoopback reports whether host names this machine only.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// httpClient builds the client every call goes through: TLS 1.2 at least,
// the system's CAs plus CAFile's, no automatic redirects (a redirect would
// carry the token to wherever it points).
func (c Config) httpClient() (*http.Client, error) {
	rt := c.Transport
	if rt == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		if c.CAFile != "" {
			pem, err := os.ReadFile(c.CAFile)
			if err != nil {
				return nil, fmt.Errorf("--ca-file: %w", err)
			}
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--ca-file %s: no PEM certificate in it", c.CAFile)
			}
			tr.TLSClientConfig.RootCAs = pool
		}
		rt = tr
	}
	return &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}, nil
}
