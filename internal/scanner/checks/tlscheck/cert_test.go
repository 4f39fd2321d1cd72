package tlscheck

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"
)

func TestCertificateChecks(t *testing.T) {
	ca := newCA(t, nil)
	rsaCA := newCA(t, rsaKey(t, 1024)) // signs the SHA-1 leaf
	roots := ca.pool()
	roots.AddCert(rsaCA.cert)
	opts := Options{RootCAs: roots}
	host := []string{"localhost", "127.0.0.1"}
	server := func(c tls.Certificate) int {
		return serveTLS(t, &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12})
	}
	goodPort := server(ca.issue(t, leafSpec{names: host}))

	other := newCA(t, nil) // not trusted
	tests := []struct {
		id       string
		cert     tls.Certificate
		hostname string
		evidence string
	}{
		{"tls.cert.expired", ca.issue(t, leafSpec{names: host, notBefore: time.Now().Add(-72 * time.Hour), notAfter: time.Now().Add(-48 * time.Hour)}), "", "expired 2 days ago"},
		{"tls.cert.not-yet-valid", ca.issue(t, leafSpec{names: host, notBefore: time.Now().Add(48 * time.Hour), notAfter: time.Now().Add(96 * time.Hour)}), "", "not valid before"},
		{"tls.cert.self-signed", ca.issue(t, leafSpec{names: host, selfSign: true}), "", "Self-signed"},
		{"tls.cert.untrusted", other.issue(t, leafSpec{names: host}), "", "does not verify"},
		{"tls.cert.hostname-mismatch", ca.issue(t, leafSpec{names: []string{"www.example.test"}}), "localhost", `"localhost" does not match`},
		{"tls.cert.rsa-weak-key", ca.issue(t, leafSpec{names: host, key: rsaKey(t, 1024)}), "", "1024-bit RSA key"},
		{"tls.cert.sha1-signature", rsaCA.issue(t, leafSpec{names: host, sigAlg: x509.SHA1WithRSA}), "", "SHA1-RSA"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			c := checkByID(t, opts, tt.id)
			fs := run(t, c, tlsTarget(server(tt.cert), tt.hostname))
			if len(fs) != 1 || !strings.Contains(fs[0].Evidence, tt.evidence) {
				t.Fatalf("positive: %+v", fs)
			}
			if fs := run(t, c, tlsTarget(goodPort, tt.hostname)); len(fs) != 0 {
				t.Fatalf("negative (good chain): %+v", fs)
			}
		})
	}
}

// Each positive certificate must trip only its own check, so reports do not
// double count one defect.
func TestCertificateChecksAreSpecific(t *testing.T) {
	ca := newCA(t, nil)
	opts := Options{RootCAs: ca.pool()}
	port := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{ca.issue(t, leafSpec{names: []string{"127.0.0.1"}, selfSign: true})}})
	var got []string
	for _, c := range Checks(opts) {
		if _, ok := c.(*certCheck); !ok {
			continue
		}
		for _, f := range run(t, c, tlsTarget(port, "")) {
			got = append(got, f.CheckID)
		}
	}
	if len(got) != 1 || got[0] != "tls.cert.self-signed" {
		t.Fatalf("self-signed leaf reported as %v", got)
	}
}

func TestHostnameMismatchConfidence(t *testing.T) {
	ca := newCA(t, nil)
	port := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{ca.issue(t, leafSpec{names: []string{"www.example.test"}})}})
	c := checkByID(t, Options{RootCAs: ca.pool()}, "tls.cert.hostname-mismatch")
	byIP := run(t, c, tlsTarget(port, ""))
	byName := run(t, c, tlsTarget(port, "localhost"))
	if len(byIP) != 1 || len(byName) != 1 || byIP[0].Confidence >= byName[0].Confidence {
		t.Fatalf("by IP %+v, by name %+v", byIP, byName)
	}
	if !strings.Contains(byIP[0].Evidence, `"127.0.0.1"`) {
		t.Errorf("evidence %q", byIP[0].Evidence)
	}
	if fs := run(t, c, tlsTarget(port, "www.example.test")); len(fs) != 0 {
		t.Fatalf("matching name reported: %+v", fs)
	}
}

func TestWeakKeyRSA2048IsFine(t *testing.T) {
	ca := newCA(t, nil)
	port := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{ca.issue(t, leafSpec{names: []string{"127.0.0.1"}, key: rsaKey(t, 2048)})}})
	if fs := run(t, checkByID(t, Options{RootCAs: ca.pool()}, "tls.cert.rsa-weak-key"), tlsTarget(port, "")); len(fs) != 0 {
		t.Fatalf("2048-bit key reported: %+v", fs)
	}
}

// An SSL 3.0-only server defeats crypto/tls; the raw fallback still reads
// its certificate from the Certificate message.
func TestCertificateRawFallback(t *testing.T) {
	ca := newCA(t, nil)
	leaf := ca.issue(t, leafSpec{names: []string{"127.0.0.1"}, selfSign: true})
	port := (&fakeTLS{versions: []uint16{versionSSL30}, suites: []uint16{0x000A}, chain: leaf.Certificate}).serve(t)
	fs := run(t, checkByID(t, Options{RootCAs: ca.pool()}, "tls.cert.self-signed"), tlsTarget(port, ""))
	if len(fs) != 1 {
		t.Fatalf("got %+v", fs)
	}
}
