package fingerprint

import (
	"context"
	"net"
	"time"
)

// dialPlain opens a TCP connection to the port. Cancelling ctx closes it.
func (r *detection) dialPlain(ctx context.Context) (net.Conn, error) {
	return r.dial(ctx, "tcp")
}

// dial connects with network ("tcp" or "udp") within one probe's budget and
// ties the connection's life to ctx.
func (r *detection) dial(ctx context.Context, network string) (net.Conn, error) {
	d := net.Dialer{Timeout: r.d.probeTimeout()}
	start := time.Now()
	conn, err := d.DialContext(ctx, network, r.addr)
	if err != nil {
		return nil, err
	}
	if network == "tcp" {
		r.rtt.CompareAndSwap(0, int64(time.Since(start)))
	}
	return &ctxConn{Conn: conn, stop: context.AfterFunc(ctx, func() { conn.Close() })}, nil
}

// ctxConn is a connection closed when its context ends.
type ctxConn struct {
	net.Conn
	stop func() bool
}

func (c *ctxConn) Close() error {
	c.stop()
	return c.Conn.Close()
}
