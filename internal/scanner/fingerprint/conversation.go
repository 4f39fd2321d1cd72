package fingerprint

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"time"
)

// maxRecorded bounds how much of a conversation is kept for re-parsing.
const maxRecorded = 16 << 10

// conversation is one connection used by one probe. Every read is bounded in
// size and by the probe's deadline, and whatever the server sends is kept so
// that an answer a probe does not understand can still be recognised as
// another protocol's greeting.
type conversation struct {
	ctx      context.Context
	conn     net.Conn
	deadline time.Time
	target   Target
	port     int
	tls      bool   // conn is a TLS client connection
	got      []byte // everything received, up to maxRecorded
	refused  bool   // the peer reset the connection or (UDP) the port is unreachable
}

// newConversation wraps conn for a probe that may last at most timeout (and
// never past ctx's deadline). Cancelling ctx closes conn, which unblocks any
// read in progress.
func newConversation(ctx context.Context, conn net.Conn, timeout time.Duration, t Target, port int, isTLS bool) *conversation {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	return &conversation{ctx: ctx, conn: conn, deadline: deadline, target: t, port: port, tls: isTLS}
}

// send writes b in full before the deadline.
func (c *conversation) send(b []byte) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	if err := c.conn.SetWriteDeadline(c.deadline); err != nil {
		return err
	}
	_, err := c.conn.Write(b)
	return err
}

// readSpec says when a read is finished.
type readSpec struct {
	max  int               // stop after this many bytes
	done func([]byte) bool // stop once the bytes read so far form a whole answer
	idle time.Duration     // once some bytes arrived, stop after this long without more
}

// recv reads until spec is satisfied, the peer closes, the deadline passes or
// ctx ends, and returns the bytes read. The error is nil when spec.done
// reported a whole answer or spec.max was reached; otherwise it says why the
// read stopped (io.EOF, os.ErrDeadlineExceeded, a network error) and the
// bytes may be partial.
func (c *conversation) recv(spec readSpec) ([]byte, error) {
	if spec.max <= 0 {
		spec.max = 4096
	}
	buf := make([]byte, 0, min(spec.max, 4096))
	chunk := make([]byte, min(spec.max, 4096))
	deadline := c.deadline
	for len(buf) < spec.max {
		if err := c.ctx.Err(); err != nil {
			return buf, err
		}
		if err := c.conn.SetReadDeadline(deadline); err != nil {
			return buf, err
		}
		n, err := c.conn.Read(chunk[:min(len(chunk), spec.max-len(buf))])
		if n > 0 {
			buf = append(buf, chunk[:n]...)
			c.record(chunk[:n])
			if spec.done != nil && spec.done(buf) {
				return buf, nil
			}
			if spec.idle > 0 {
				if t := time.Now().Add(spec.idle); t.Before(c.deadline) {
					deadline = t
				}
			}
		}
		if err != nil {
			if ctxErr := c.ctx.Err(); ctxErr != nil {
				return buf, ctxErr
			}
			if isReset(err) {
				c.refused = true
			}
			return buf, err
		}
	}
	return buf, nil
}

// extend gives the conversation a fresh budget of d (never past ctx's
// deadline), for a follow-up exchange after a greeting.
func (c *conversation) extend(d time.Duration) {
	c.deadline = time.Now().Add(d)
	if dl, ok := c.ctx.Deadline(); ok && dl.Before(c.deadline) {
		c.deadline = dl
	}
}

// datagram sends payload over a UDP conversation and returns the first
// datagram valid accepts, ignoring others. It sends once more halfway to the
// deadline, since either datagram may be lost.
func (c *conversation) datagram(payload []byte, valid func([]byte) bool) ([]byte, error) {
	if err := c.send(payload); err != nil {
		return nil, err
	}
	full := c.deadline
	c.deadline = time.Now().Add(time.Until(full) / 2)
	resent := false
	for {
		b, err := c.recv(readSpec{max: 8192, done: func([]byte) bool { return true }})
		if err == nil && valid(b) {
			c.deadline = full
			return b, nil
		}
		if err != nil && !timedOut(err) {
			c.deadline = full
			return nil, err
		}
		if timedOut(err) {
			if resent {
				c.deadline = full
				return nil, err
			}
			resent = true
			c.deadline = full
			if err := c.send(payload); err != nil {
				return nil, err
			}
		}
	}
}

// roundTrip sends b and reads the answer per spec.
func (c *conversation) roundTrip(b []byte, spec readSpec) ([]byte, error) {
	if err := c.send(b); err != nil {
		return nil, err
	}
	return c.recv(spec)
}

// record keeps received bytes for later re-parsing, within maxRecorded.
func (c *conversation) record(b []byte) {
	if room := maxRecorded - len(c.got); room > 0 {
		c.got = append(c.got, b[:min(len(b), room)]...)
	}
}

// startTLS replaces the connection by a TLS client over it (PostgreSQL's
// SSLRequest upgrade) and completes the handshake before the deadline.
func (c *conversation) startTLS() error {
	tc := tls.Client(c.conn, clientTLSConfig(c.target, nil))
	ctx, cancel := context.WithDeadline(c.ctx, c.deadline)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		return err
	}
	c.conn = tc
	return nil
}

// timedOut reports whether err means the peer stayed silent.
func timedOut(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded)
}

// lineDone reports whether b ends with a complete line.
func lineDone(b []byte) bool {
	return len(b) > 0 && b[len(b)-1] == '\n'
}

// recordingConn keeps a copy of what is read through it, so the bytes a
// server sent before a failed TLS handshake can still be parsed.
type recordingConn struct {
	net.Conn
	got []byte
}

func (r *recordingConn) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	if room := 4096 - len(r.got); room > 0 && n > 0 {
		r.got = append(r.got, p[:min(n, room)]...)
	}
	return n, err
}
