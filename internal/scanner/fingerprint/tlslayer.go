package fingerprint

import (
	"context"
	"crypto/tls"
	"net"
	"time"
)

// tryTLS attempts a handshake over raw; on success it identifies what runs
// inside. A failed handshake may still have received a clear-text greeting
// or error that names the protocol (byAnswer).
func (r *detection) tryTLS(ctx context.Context, raw net.Conn) (m Match, ok, byAnswer bool) {
	rec := &recordingConn{Conn: raw}
	tc, err := r.handshake(ctx, rec, detectionALPN)
	if noALPNAlert(err) {
		raw.Close()
		if raw, err = r.dialPlain(ctx); err != nil {
			return Match{}, false, false
		}
		rec = &recordingConn{Conn: raw}
		tc, err = r.handshake(ctx, rec, nil)
	}
	if err != nil {
		raw.Close()
		if len(rec.got) > 0 {
			if m, kind := classifyGreeting(rec.got); kind == greetMatched {
				return m, true, true
			}
			r.noteBanner(rec.got)
		}
		return Match{}, false, false
	}
	st := tc.ConnectionState()
	inner := layer{tls: true, alpn: st.NegotiatedProtocol, dial: r.dialTLS, spare: tc}
	if st.NegotiatedProtocol == "h2" {
		// Our probes speak HTTP/1.1; this session is already HTTP/2.
		tc.Close()
		inner.spare = nil
	}
	m, ok = r.layer(ctx, inner)
	if ok {
		m.Service = tlsServiceName(m.Service)
	}
	for k, v := range tlsFacts(st) {
		m.set(k, v)
	}
	m.tls = true
	return m, true, false
}

// handshake runs a TLS client handshake over conn within one probe's budget.
func (r *detection) handshake(ctx context.Context, conn net.Conn, alpn []string) (*tls.Conn, error) {
	hctx, cancel := context.WithTimeout(ctx, r.d.probeTimeout())
	defer cancel()
	_ = conn.SetDeadline(time.Now().Add(r.d.probeTimeout()))
	tc := tls.Client(conn, clientTLSConfig(r.t, alpn))
	if err := tc.HandshakeContext(hctx); err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	return tc, nil
}

// dialTLS opens a TCP connection and completes a TLS handshake on it.
func (r *detection) dialTLS(ctx context.Context) (net.Conn, error) {
	raw, err := r.dialPlain(ctx)
	if err != nil {
		return nil, err
	}
	tc, err := r.handshake(ctx, raw, nil)
	if err != nil {
		raw.Close()
		return nil, err
	}
	return tc, nil
}
