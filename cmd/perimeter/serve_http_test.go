package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/store/storetest"
)

// startServeConfig runs the real serve with c (addr, out and the usual
// defaults filled in) and waits until client gets an answer from /healthz.
func startServeConfig(t *testing.T, c serveConfig, scheme string, client *http.Client) (string, *syncBuffer, func()) {
	t.Helper()
	out := &syncBuffer{}
	c.out, c.addr, c.logFormat = out, freeAddr(t), "text"
	if c.dataDir == "" {
		c.dataDir = t.TempDir()
	}
	if c.sessionTTL == 0 {
		c.sessionTTL, c.shutdown, c.scanWorkers, c.orgScans = time.Hour, 10*time.Second, 2, 2
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, c) }()
	base := scheme + "://" + c.addr
	for i := 0; ; i++ {
		res, err := client.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, out)
		case <-time.After(20 * time.Millisecond):
		}
		if i > 1000 {
			t.Fatalf("serve did not come up:\n%s", out)
		}
	}
	return base, out, func() {
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("serve returned %v", err)
		}
	}
}

// selfSigned writes a fresh ECDSA certificate for 127.0.0.1 and its key as
// PEM files and returns their paths and a pool trusting the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "perimeter test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServeTLS(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := selfSigned(t)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	c := serveConfig{dbURL: storetest.URL(t, store.SQLite)}
	c.http.tlsCert, c.http.tlsKey = certFile, keyFile
	base, _, stop := startServeConfig(t, c, "https", client)
	defer stop()
	res, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.TLS == nil {
		t.Fatalf("healthz over TLS: %d", res.StatusCode)
	}
	if res.Header.Get("Strict-Transport-Security") == "" || res.Header.Get("X-Content-Type-Options") != "nosniff" ||
		res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("security headers over TLS: %v", res.Header)
	}
	// Plain HTTP to the TLS port is refused, not served.
	if res, err := http.Get("http://" + strings.TrimPrefix(base, "https://") + "/healthz"); err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("plain HTTP on the TLS port: %d", res.StatusCode)
		}
	}
}

func TestServeTLSFlagErrors(t *testing.T) {
	t.Parallel()
	certFile, keyFile, _ := selfSigned(t)
	_, otherKey, _ := selfSigned(t)
	for name, h := range map[string]httpFlags{
		"cert without key": {tlsCert: certFile},
		"key without cert": {tlsKey: keyFile},
		"missing file":     {tlsCert: certFile + ".nope", tlsKey: keyFile},
		"mismatched key":   {tlsCert: certFile, tlsKey: otherKey},
	} {
		if _, err := h.server(http.NotFoundHandler()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestServeSlowloris: a client that sends its headers, or its body, a byte at
// a time is disconnected by the server's timeouts, while others are served.
func TestServeSlowloris(t *testing.T) {
	t.Parallel()
	c := serveConfig{dbURL: storetest.URL(t, store.SQLite)}
	c.http.readHeaderTimeout, c.http.readTimeout = 300*time.Millisecond, 600*time.Millisecond
	base, _, stop := startServeConfig(t, c, "http", http.DefaultClient)
	defer stop()
	addr := strings.TrimPrefix(base, "http://")

	for name, tc := range map[string]struct{ head, drip string }{
		"headers": {head: "GET /healthz HTTP/1.1\r\nHost: x\r\n", drip: "X-Slow: y\r\n"},
		"body": {head: "POST /auth/sign_in HTTP/1.1\r\nHost: x\r\nX-API-KEY: pmk_x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
			drip: " "},
	} {
		t.Run(name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tc.head); err != nil {
				t.Fatal(err)
			}
			closed := make(chan struct{})
			go func() { // the server ends the connection, with or without an answer
				_, _ = io.Copy(io.Discard, bufio.NewReader(conn))
				close(closed)
			}()
			deadline := time.After(10 * time.Second)
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-closed:
					return
				case <-deadline:
					t.Fatal("the server kept a dripping connection open for 10 s")
				case <-tick.C:
					_, _ = io.WriteString(conn, tc.drip)
				}
				if res, err := http.Get(base + "/healthz"); err != nil || res.StatusCode != 200 {
					t.Fatalf("another client is not served: %v", err)
				} else {
					res.Body.Close()
				}
			}
		})
	}
}
