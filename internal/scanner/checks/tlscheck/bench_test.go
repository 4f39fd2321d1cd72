package tlscheck

import (
	"bytes"
	"context"
	"crypto/tls"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
)

// BenchmarkTLSFamily measures one full TLS family run (every check, shared
// certificate handshake) against a modern loopback server.
func BenchmarkTLSFamily(b *testing.B) {
	ca := newCA(b, nil)
	cert := ca.issue(b, leafSpec{names: []string{"127.0.0.1"}})
	port := serveTLS(b, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	cs := Checks(Options{RootCAs: ca.pool()})
	b.ResetTimer()
	for b.Loop() {
		fs, errs := checks.Runner{}.Run(context.Background(), tlsTarget(port, ""), cs)
		if len(fs) != 0 || len(errs) != 0 {
			b.Fatal(fs, errs)
		}
	}
}

func BenchmarkReadServerHello(b *testing.B) {
	msg := handshakeMsg(handshakeServerHello, serverHelloBody(versionTLS12, 0xC02F, []byte{0xff, 0x01, 0, 1, 0}))
	rec := append([]byte{recordHandshake, 3, 3, 0, byte(len(msg))}, msg...)
	for b.Loop() {
		if _, err := readServerHello(&handshakeReader{r: bytes.NewReader(rec)}); err != nil {
			b.Fatal(err)
		}
	}
}
