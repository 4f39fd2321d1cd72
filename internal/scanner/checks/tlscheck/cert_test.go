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

// With a host name the certificate must match it; scanned by bare address,
// only a certificate meant for addresses (IP SANs) that omits this one is
// reported.
func TestHostnameMismatch(t *testing.T) {
	ca := newCA(t, nil)
	c := checkByID(t, Options{RootCAs: ca.pool()}, "tls.cert.hostname-mismatch")
	serve := func(names ...string) int {
		return serveTLS(t, &tls.Config{Certificates: []tls.Certificate{ca.issue(t, leafSpec{names: names})}})
	}
	dnsOnly := serve("www.example.test")
	otherIP := serve("www.example.test", "192.0.2.10") // only a SAN value: nothing dials it
	thisIP := serve("www.example.test", "127.0.0.1")
	tests := []struct {
		name     string
		port     int
		hostname string
		wantConf int    // 0: no finding
		evidence string // when found
	}{
		{"name, certificate for another name", dnsOnly, "localhost", 95, `"localhost" does not match`},
		{"name matches", dnsOnly, "www.example.test", 0, ""},
		{"bare IP, certificate names hosts only", dnsOnly, "", 0, ""},
		{"bare IP, certificate for another address", otherIP, "", 80, "127.0.0.1 is not among the certificate's IP addresses"},
		{"bare IP, certificate lists it", thisIP, "", 0, ""},
		{"IP given as host name, another address", otherIP, "127.0.0.1", 80, "127.0.0.1 is not among"},
		{"IP given as host name, hosts only", dnsOnly, "127.0.0.1", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := run(t, c, tlsTarget(tt.port, tt.hostname))
			if tt.wantConf == 0 {
				if len(fs) != 0 {
					t.Fatalf("reported: %+v", fs)
				}
				return
			}
			if len(fs) != 1 || fs[0].Confidence != tt.wantConf || !strings.Contains(fs[0].Evidence, tt.evidence) {
				t.Fatalf("got %+v", fs)
			}
		})
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
