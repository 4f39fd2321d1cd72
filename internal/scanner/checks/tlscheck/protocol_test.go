package tlscheck

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

func run(t *testing.T, c checks.Check, tg checks.Target) []result.Finding {
	t.Helper()
	if !c.Applies(tg.Service) {
		t.Fatalf("%s does not apply to %+v", c.Meta().ID, tg.Service)
	}
	fs, err := c.Run(context.Background(), tg)
	if err != nil {
		t.Fatalf("%s: %v", c.Meta().ID, err)
	}
	return fs
}

// modernServer is the negative case for every TLS check: TLS 1.2/1.3 only,
// default suites, a valid ECDSA leaf for 127.0.0.1 and "localhost" from a CA
// the checks trust.
func modernServer(t *testing.T) (port int, opts Options) {
	ca := newCA(t, nil)
	cert := ca.issue(t, leafSpec{names: []string{"localhost", "127.0.0.1"}})
	port = serveTLS(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	return port, Options{RootCAs: ca.pool()}
}

func TestProtocolChecks(t *testing.T) {
	ca := newCA(t, nil)
	cert := ca.issue(t, leafSpec{names: []string{"127.0.0.1"}})
	tls10 := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10})
	tls11 := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS11, MaxVersion: tls.VersionTLS11})
	ssl3 := (&fakeTLS{versions: []uint16{versionSSL30}, suites: []uint16{0x000A, 0x002F}}).serve(t)
	modern, _ := modernServer(t)

	tests := []struct {
		id      string
		port    int
		want    bool
		wantEv  string
		comment string
	}{
		{"tls.protocol.sslv3", ssl3, true, "ServerHello for SSL 3.0", "fake SSL 3.0 server"},
		{"tls.protocol.sslv3", tls10, false, "", "TLS 1.0 server refuses SSL 3.0"},
		{"tls.protocol.sslv3", modern, false, "", "modern server"},
		{"tls.protocol.tls10", tls10, true, "ServerHello for TLS 1.0", "TLS 1.0 only"},
		{"tls.protocol.tls10", tls11, false, "", "TLS 1.1 only"},
		{"tls.protocol.tls10", ssl3, false, "", "SSL 3.0 answer to a TLS 1.0 offer is not TLS 1.0"},
		{"tls.protocol.tls10", modern, false, "", "modern server"},
		{"tls.protocol.tls11", tls11, true, "ServerHello for TLS 1.1", "TLS 1.1 only"},
		{"tls.protocol.tls11", tls10, false, "", "TLS 1.0 answer to a TLS 1.1 offer is not TLS 1.1"},
		{"tls.protocol.tls11", modern, false, "", "modern server"},
	}
	for _, tt := range tests {
		t.Run(tt.id+"/"+tt.comment, func(t *testing.T) {
			fs := run(t, checkByID(t, Options{}, tt.id), tlsTarget(tt.port, ""))
			if got := len(fs) == 1; got != tt.want {
				t.Fatalf("finding = %v, want %v (%+v)", got, tt.want, fs)
			}
			if tt.want {
				f := fs[0]
				if !strings.Contains(f.Evidence, tt.wantEv) || f.CheckID != tt.id || f.Port != tt.port || f.Confidence != 100 {
					t.Errorf("finding %+v", f)
				}
			}
		})
	}
}

func TestProtocolFlags(t *testing.T) {
	for id, auto := range map[string]bool{"tls.protocol.sslv3": true, "tls.protocol.tls10": true, "tls.protocol.tls11": false} {
		m := checkByID(t, Options{}, id).Meta()
		if m.PCIAutoFail != auto {
			t.Errorf("%s PCIAutoFail = %v", id, m.PCIAutoFail)
		}
	}
}

func TestNoTLSServerIsAnError(t *testing.T) {
	// A port that speaks no TLS at all (closed listener) must yield an error,
	// not a silent "not vulnerable".
	c := checkByID(t, Options{}, "tls.protocol.tls10")
	tg := tlsTarget(closedPort(t), "")
	if _, err := c.Run(context.Background(), tg); err == nil {
		t.Fatal("want a connection error")
	}
}
