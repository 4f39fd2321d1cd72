package tlscheck

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// snakeOil builds what Debian's ssl-cert package writes to
// /etc/ssl/certs/ssl-cert-snakeoil.pem: a self-signed certificate for the
// host name with basicConstraints CA:FALSE.
func snakeOil(t *testing.T) tls.Certificate {
	t.Helper()
	key := rsaKey(t, 2048)
	tpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial.Add(1)),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		BasicConstraintsValid: true,
		IsCA:                  false,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// certDir writes each certificate as its own PEM file into a new directory
// that stands in for /etc/ssl/certs.
func certDir(t *testing.T, certs ...*x509.Certificate) string {
	t.Helper()
	dir := t.TempDir()
	for i, c := range certs {
		b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
		if err := os.WriteFile(filepath.Join(dir, "cert"+strconv.Itoa(i)+".pem"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func findingIDs(t *testing.T, o Options, port int) []string {
	t.Helper()
	var ids []string
	for _, id := range []string{"tls.cert.self-signed", "tls.cert.untrusted"} {
		for _, f := range run(t, checkByID(t, o, id), tlsTarget(port, "")) {
			ids = append(ids, f.CheckID)
		}
	}
	return ids
}

// A snake-oil certificate lying in the system directory must not make the
// service that presents it look trusted.
func TestSystemStoreDoesNotTrustSnakeOil(t *testing.T) {
	oil := snakeOil(t)
	dir := certDir(t, oil.Leaf)
	// The hazard: a pool built from every file of the directory, as
	// x509.SystemCertPool does on Linux, verifies the snake-oil certificate.
	naive := x509.NewCertPool()
	naive.AddCert(oil.Leaf)
	if _, err := oil.Leaf.Verify(x509.VerifyOptions{Roots: naive}); err != nil {
		t.Fatalf("premise: crypto/x509 should accept a leaf found in its roots: %v", err)
	}

	port := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{oil}})
	ids := findingIDs(t, Options{SystemRoots: SystemRoots{Dirs: []string{dir}}}, port)
	if len(ids) != 1 || ids[0] != "tls.cert.self-signed" {
		t.Fatalf("snake-oil certificate from the system directory: findings %v, want [tls.cert.self-signed]", ids)
	}
	// The same certificate given explicitly as a root is the operator's
	// choice and is trusted.
	if ids := findingIDs(t, Options{RootCAs: naive}, port); len(ids) != 0 {
		t.Fatalf("explicit root: findings %v", ids)
	}
}

// A self-signed leaf is not its own anchor even when it claims CA:TRUE, as
// openssl req -x509 makes them.
func TestSystemStoreSelfSignedCALeaf(t *testing.T) {
	ca := newCA(t, nil)
	cert := tls.Certificate{Certificate: [][]byte{ca.cert.Raw}, PrivateKey: ca.key, Leaf: ca.cert}
	port := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{cert}})
	ids := findingIDs(t, Options{SystemRoots: SystemRoots{Files: []string{filepath.Join(certDir(t, ca.cert), "cert0.pem")}}}, port)
	if len(ids) != 1 || ids[0] != "tls.cert.self-signed" {
		t.Fatalf("findings %v", ids)
	}
}

// CA certificates of the system store are anchors; a non-CA certificate in
// it is not, even the very leaf the service presents (crypto/x509 accepts a
// leaf found among its roots without looking at its issuer).
func TestSystemStoreAnchors(t *testing.T) {
	ca := newCA(t, nil)
	stranger := newCA(t, nil) // not in the store
	copied := stranger.issue(t, leafSpec{names: []string{"127.0.0.1"}})
	o := Options{SystemRoots: SystemRoots{Dirs: []string{certDir(t, ca.cert, copied.Leaf)}}}
	good := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{ca.issue(t, leafSpec{names: []string{"127.0.0.1"}})}})
	if ids := findingIDs(t, o, good); len(ids) != 0 {
		t.Fatalf("leaf of a CA in the system directory: findings %v", ids)
	}
	bad := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{copied}})
	if ids := findingIDs(t, o, bad); len(ids) != 1 || ids[0] != "tls.cert.untrusted" {
		t.Fatalf("leaf of an unknown CA, copied into the system directory: findings %v", ids)
	}
}

// On a Debian host with the ssl-cert package, the real snake-oil
// certificate must not verify against the default system store, which
// x509.SystemCertPool would let it do.
func TestDefaultStoreRejectsHostSnakeOil(t *testing.T) {
	const path = "/etc/ssl/certs/ssl-cert-snakeoil.pem"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no %s on this host", path)
	}
	certs := parsePEMCerts(data)
	if len(certs) == 0 {
		t.Fatalf("%s holds no certificate", path)
	}
	store := newTrustStore(Options{})
	ch := &peerChain{certs: certs[:1]}
	if err := verifyChain(store, ch, time.Now()); err == nil {
		t.Fatal("the host's snake-oil certificate verifies against the default store")
	}
	if ev, _, found := evalSelfSigned(store, ch, tlsTarget(443, ""), time.Now()); !found {
		t.Fatal("snake-oil certificate not reported as self-signed")
	} else if !strings.Contains(ev, "Self-signed") {
		t.Fatalf("evidence %q", ev)
	}
}
