package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/perimeterhq/perimeter/internal/api"
)

// httpFlags configure the HTTP server itself: TLS, a timeout on every phase of
// a connection (so a slow or stalled client cannot hold a connection open:
// slowloris) and the request rate limits.
type httpFlags struct {
	tlsCert, tlsKey                string
	readHeaderTimeout, readTimeout time.Duration
	writeTimeout, idleTimeout      time.Duration
	maxHeaderBytes                 int
	rateKey, rateUser              float64
}

// Defaults of the server timeouts (flags and configs built in code).
const (
	defReadHeaderTimeout = 10 * time.Second
	defReadTimeout       = time.Minute
	defWriteTimeout      = 5 * time.Minute
	defIdleTimeout       = 2 * time.Minute
	defMaxHeaderBytes    = 64 << 10
)

func addHTTPFlags(fs *pflag.FlagSet, h *httpFlags) {
	fs.StringVar(&h.tlsCert, "tls-cert", envString("PERIMETER_TLS_CERT", ""), "PEM certificate (chain) file: serve HTTPS (with --tls-key; env PERIMETER_TLS_CERT)")
	fs.StringVar(&h.tlsKey, "tls-key", envString("PERIMETER_TLS_KEY", ""), "PEM private key file of --tls-cert (env PERIMETER_TLS_KEY)")
	fs.DurationVar(&h.readHeaderTimeout, "read-header-timeout", envDuration("PERIMETER_READ_HEADER_TIMEOUT", defReadHeaderTimeout), "time a client gets to send the request headers")
	fs.DurationVar(&h.readTimeout, "read-timeout", envDuration("PERIMETER_READ_TIMEOUT", defReadTimeout), "time a client gets to send a whole request, body included")
	fs.DurationVar(&h.writeTimeout, "write-timeout", envDuration("PERIMETER_WRITE_TIMEOUT", defWriteTimeout),
		"time from the end of the request headers to the end of the response (report downloads must fit in it)")
	fs.DurationVar(&h.idleTimeout, "idle-timeout", envDuration("PERIMETER_IDLE_TIMEOUT", defIdleTimeout), "how long an idle keep-alive connection stays open")
	fs.IntVar(&h.maxHeaderBytes, "max-header-bytes", envInt("PERIMETER_MAX_HEADER_BYTES", defMaxHeaderBytes), "largest request header block accepted (431 beyond)")
	fs.Float64Var(&h.rateKey, "rate-limit-key", envFloat("PERIMETER_RATE_LIMIT_KEY", 100),
		"requests per second per API key, bursts of 10 s worth; 0 = unlimited (env PERIMETER_RATE_LIMIT_KEY)")
	fs.Float64Var(&h.rateUser, "rate-limit-user", envFloat("PERIMETER_RATE_LIMIT_USER", 50),
		"requests per second per signed-in user, bursts of 10 s worth; 0 = unlimited (env PERIMETER_RATE_LIMIT_USER)")
}

// limit turns a per-second rate into a token bucket holding ten seconds' worth.
func limit(perSecond float64) api.RateLimit {
	if perSecond <= 0 {
		return api.RateLimit{}
	}
	return api.RateLimit{Rate: perSecond, Burst: max(1, int(perSecond*10))}
}

// server builds the http.Server; with TLS the key pair is loaded now, so a
// wrong path or a mismatched key stops the start with a clear error.
func (h httpFlags) server(handler http.Handler) (*http.Server, error) {
	// Zero (a config built in code, not from flags) means the flag's default.
	orDefault := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	orDefault(&h.readHeaderTimeout, defReadHeaderTimeout)
	orDefault(&h.readTimeout, defReadTimeout)
	orDefault(&h.writeTimeout, defWriteTimeout)
	orDefault(&h.idleTimeout, defIdleTimeout)
	if h.maxHeaderBytes <= 0 {
		h.maxHeaderBytes = defMaxHeaderBytes
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: h.readHeaderTimeout, ReadTimeout: h.readTimeout,
		WriteTimeout: h.writeTimeout, IdleTimeout: h.idleTimeout, MaxHeaderBytes: h.maxHeaderBytes}
	if (h.tlsCert == "") != (h.tlsKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	if h.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(h.tlsCert, h.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	return srv, nil
}

// serveOn serves on ln, over TLS when the server has a certificate.
func serveOn(srv *http.Server, ln net.Listener) error {
	if srv.TLSConfig != nil {
		return srv.ServeTLS(ln, "", "")
	}
	return srv.Serve(ln)
}

func envFloat(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return v
	}
	return def
}
