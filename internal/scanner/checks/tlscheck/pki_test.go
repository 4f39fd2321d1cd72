package tlscheck

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/netip"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// testCA is a certificate authority created for one test run.
type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

var serial atomic.Int64

func newCA(t testing.TB, key crypto.Signer) *testCA {
	t.Helper()
	if key == nil {
		key = ecKey(t)
	}
	tpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial.Add(1)),
		Subject:               pkix.Name{CommonName: "Perimeter Test CA " + strconv.FormatInt(serial.Load(), 10)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key}
}

func (ca *testCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

func ecKey(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func rsaKey(t testing.TB, bits int) crypto.Signer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// leafSpec describes a leaf certificate to issue.
type leafSpec struct {
	names     []string // DNS names; "127.0.0.1" style entries become IP SANs
	notBefore time.Time
	notAfter  time.Time
	key       crypto.Signer // default: ECDSA P-256
	sigAlg    x509.SignatureAlgorithm
	selfSign  bool
}

// issue creates a leaf certificate (signed by ca unless selfSign) and returns
// it as a tls.Certificate.
func (ca *testCA) issue(t testing.TB, s leafSpec) tls.Certificate {
	t.Helper()
	if s.key == nil {
		s.key = ecKey(t)
	}
	if s.notBefore.IsZero() {
		s.notBefore = time.Now().Add(-time.Hour)
	}
	if s.notAfter.IsZero() {
		s.notAfter = time.Now().Add(time.Hour)
	}
	tpl := &x509.Certificate{
		SerialNumber:       big.NewInt(serial.Add(1)),
		Subject:            pkix.Name{CommonName: "leaf " + strconv.FormatInt(serial.Load(), 10)},
		NotBefore:          s.notBefore,
		NotAfter:           s.notAfter,
		KeyUsage:           x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		SignatureAlgorithm: s.sigAlg,
	}
	for _, n := range s.names {
		if ip := net.ParseIP(n); ip != nil {
			tpl.IPAddresses = append(tpl.IPAddresses, ip)
		} else {
			tpl.DNSNames = append(tpl.DNSNames, n)
		}
	}
	parent, signer := ca.cert, ca.key
	if s.selfSign {
		parent, signer = tpl, s.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, parent, s.key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: s.key, Leaf: leaf}
}

// serveTLS runs a crypto/tls server on 127.0.0.1 that completes (or fails)
// one handshake per connection, and returns its port.
func serveTLS(t testing.TB, cfg *tls.Config) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				tc := tls.Server(c, cfg)
				if tc.Handshake() == nil {
					_, _ = tc.Read(make([]byte, 1)) // wait for the client to finish
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func tlsTarget(port int, hostname string) checks.Target {
	return checks.Target{
		IP:       netip.MustParseAddr("127.0.0.1"),
		Hostname: hostname,
		Service:  result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen, Service: "https", TLS: true},
	}
}

// checkByID returns the instance of id built with o.
func checkByID(t testing.TB, o Options, id string) checks.Check {
	t.Helper()
	for _, c := range Checks(o) {
		if c.Meta().ID == id {
			return c
		}
	}
	t.Fatalf("no check %s", id)
	return nil
}
