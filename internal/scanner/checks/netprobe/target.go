package netprobe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
)

// DialTarget connects to the target's service over its protocol and, when
// the service speaks TLS from the first byte (t.Service.TLS), completes a TLS
// handshake without verifying the certificate (the TLS family judges it).
// It returns the dial or handshake error.
func DialTarget(ctx context.Context, t checks.Target) (*Conn, error) {
	c, err := Dial(ctx, t.Network(), t.Addr())
	if err != nil || !t.Service.TLS {
		return c, err
	}
	sni := t.Hostname
	if net.ParseIP(sni) != nil {
		sni = ""
	}
	tc := tls.Client(c, &tls.Config{
		InsecureSkipVerify: true, // certificate findings belong to the TLS family
		ServerName:         sni,
		MinVersion:         tls.VersionTLS10,
	})
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("TLS handshake with %s: %w", t.Addr(), err)
	}
	return Wrap(ctx, tc), nil
}
