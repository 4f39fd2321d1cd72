package fingerprint

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// loopback is the only address tests talk to.
var loopback = netip.MustParseAddr("127.0.0.1")

// testDetector has short budgets: loopback servers answer in microseconds.
func testDetector() *Detector {
	return &Detector{Timeout: 20 * time.Second, BannerWait: 200 * time.Millisecond, ProbeTimeout: time.Second}
}

// serveTCP runs handle for every connection to a new loopback listener and
// returns its port. The listener and open connections close at cleanup.
func serveTCP(tb testing.TB, handle func(net.Conn)) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	return serveListener(tb, ln, handle)
}

// serveTLS is serveTCP behind TLS with a throw-away certificate.
func serveTLS(tb testing.TB, handle func(net.Conn)) int {
	tb.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{testCert(tb)}})
	if err != nil {
		tb.Fatal(err)
	}
	return serveListener(tb, ln, handle)
}

func serveListener(tb testing.TB, ln net.Listener, handle func(net.Conn)) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			select {
			case <-done:
				mu.Unlock()
				c.Close()
				return
			default:
			}
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				handle(c)
			}()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		close(done)
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().(*net.TCPAddr).Port
}

// serveUDP answers each datagram with what handle returns (nothing if nil).
func serveUDP(tb testing.TB, handle func([]byte) []byte) int {
	tb.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 65535)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if out := handle(append([]byte(nil), buf[:n]...)); out != nil {
				_, _ = pc.WriteTo(out, addr)
			}
		}
	}()
	tb.Cleanup(func() { pc.Close(); wg.Wait() })
	return pc.LocalAddr().(*net.UDPAddr).Port
}

var (
	certOnce sync.Once
	cert     tls.Certificate
)

// testCert is a self-signed ECDSA certificate for localhost.
func testCert(tb testing.TB) tls.Certificate {
	certOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "localhost"},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			DNSNames:     []string{"localhost"},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		cert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	return cert
}

// detectTCP runs a test detector on a loopback TCP port.
func detectTCP(tb testing.TB, port int) result.Service {
	tb.Helper()
	return testDetector().Detect(context.Background(), Target{IP: loopback},
		result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen})
}

// detectUDP runs a test detector on a loopback UDP port.
func detectUDP(tb testing.TB, port int) result.Service {
	tb.Helper()
	return testDetector().Detect(context.Background(), Target{IP: loopback},
		result.Service{Port: port, Protocol: result.UDP, State: result.PortOpenFiltered})
}

// lineServer greets with greeting, then answers each line with the reply
// script gives for its upper-cased first word ("" ends the session), or
// unknown.
func lineServer(greeting string, script map[string]string, unknown string) func(net.Conn) {
	return func(c net.Conn) {
		if greeting != "" {
			if _, err := c.Write([]byte(greeting)); err != nil {
				return
			}
		}
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			word := strings.ToUpper(strings.Fields(line + " x")[0])
			reply, ok := script[word]
			if !ok {
				reply = unknown
			}
			if reply == "" {
				return
			}
			if _, err := c.Write([]byte(reply)); err != nil {
				return
			}
		}
	}
}

// want compares the identifying fields of a detected service.
type want struct {
	service, product, version string
	cpe                       string // expected first CPE, "" for none
	tls                       bool
	extra                     map[string]string
}

func check(tb testing.TB, got result.Service, w want) {
	tb.Helper()
	if got.Service != w.service || got.Product != w.product || got.Version != w.version || got.TLS != w.tls {
		tb.Errorf("got service=%q product=%q version=%q tls=%v; want %q %q %q %v (banner %q, extra %v)",
			got.Service, got.Product, got.Version, got.TLS, w.service, w.product, w.version, w.tls, got.Banner, got.Extra)
	}
	var first string
	if len(got.CPE) > 0 {
		first = got.CPE[0]
	}
	if first != w.cpe {
		tb.Errorf("CPE[0] = %q, want %q (all %v)", first, w.cpe, got.CPE)
	}
	for k, v := range w.extra {
		if got.Extra[k] != v {
			tb.Errorf("Extra[%q] = %q, want %q (all %v)", k, got.Extra[k], v, got.Extra)
		}
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
