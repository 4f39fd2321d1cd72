// Package netprobe holds the connection helpers every check family uses: a
// dialer whose connections obey the context (cancellation closes the socket,
// the context deadline or a default bounds its whole life), bounded readers for
// line- and reply-oriented protocols, and a UDP request/response exchange with
// retries. Nothing here reads without a size limit.
package netprobe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout bounds the whole life of a connection whose context has no
// earlier deadline.
const DefaultTimeout = 10 * time.Second

// MaxLine is the longest line ReadLine accepts by default.
const MaxLine = 4096

// ErrLineTooLong is returned when a line exceeds the reader's limit.
var ErrLineTooLong = errors.New("netprobe: line too long")

// Conn is a connection bound to a context. Reads go through a buffer, so mix
// ReadLine and Read freely; the connection can be handed to crypto/tls.
type Conn struct {
	net.Conn
	r    *bufio.Reader
	stop func() bool
}

// Dial connects to addr ("host:port") over network ("tcp" or "udp"). The
// connection's deadline is the context's deadline or DefaultTimeout from now,
// whichever is earlier, and it is closed as soon as ctx is done. It returns
// the dial error (wrapped with the address).
func Dial(ctx context.Context, network, addr string) (*Conn, error) {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	nc, err := d.DialContext(dctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s %s: %w", network, addr, err)
	}
	return Wrap(ctx, nc), nil
}

// Wrap binds an open connection to ctx as Dial does (deadline, close on
// cancellation).
func Wrap(ctx context.Context, nc net.Conn) *Conn {
	deadline := time.Now().Add(DefaultTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = nc.SetDeadline(deadline)
	c := &Conn{Conn: nc, r: bufio.NewReaderSize(nc, 4096)}
	c.stop = context.AfterFunc(ctx, func() { _ = nc.Close() })
	return c
}

// Read reads through the connection's buffer.
func (c *Conn) Read(p []byte) (int, error) { return c.r.Read(p) }

// Close stops watching the context and closes the connection.
func (c *Conn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// Buffered returns how many bytes were read from the socket but not consumed.
func (c *Conn) Buffered() int { return c.r.Buffered() }

// ReadLine reads one line of at most max bytes (MaxLine when max <= 0) and
// returns it without the trailing CR LF. It returns ErrLineTooLong for longer
// lines and io.ErrUnexpectedEOF when the peer closes mid-line.
func (c *Conn) ReadLine(max int) (string, error) {
	if max <= 0 {
		max = MaxLine
	}
	var b []byte
	for {
		frag, err := c.r.ReadSlice('\n')
		if len(b)+len(frag) > max+2 {
			return "", ErrLineTooLong
		}
		b = append(b, frag...)
		switch {
		case err == nil:
			return strings.TrimRight(string(b), "\r\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(b) > 0:
			return "", io.ErrUnexpectedEOF
		default:
			return "", err
		}
	}
}

// ReadN reads exactly n bytes; n must be at most 1 MiB.
func (c *Conn) ReadN(n int) ([]byte, error) {
	if n < 0 || n > 1<<20 {
		return nil, fmt.Errorf("netprobe: refusing to read %d bytes", n)
	}
	b := make([]byte, n)
	_, err := io.ReadFull(c.r, b)
	return b, err
}

// WriteString writes s in full.
func (c *Conn) WriteString(s string) error {
	_, err := io.WriteString(c.Conn, s)
	return err
}

// Reply is a reply of a line protocol with three-digit codes (FTP, SMTP).
type Reply struct {
	Code  int
	Lines []string // every line as received, code included
}

// Text returns the reply's lines joined by newlines.
func (r Reply) Text() string { return strings.Join(r.Lines, "\n") }

// MaxReplyLines bounds a multi-line reply.
const MaxReplyLines = 64

// ReadReply reads one FTP/SMTP style reply: lines "ddd-text" continue it,
// "ddd text" ends it (RFC 959 §4.2, RFC 5321 §4.2). It returns an error for
// a first line without a code, a reply longer than MaxReplyLines or a read
// failure.
func (c *Conn) ReadReply() (Reply, error) {
	var r Reply
	for len(r.Lines) < MaxReplyLines {
		line, err := c.ReadLine(0)
		if err != nil {
			return r, err
		}
		r.Lines = append(r.Lines, line)
		if len(line) < 3 {
			if r.Code == 0 {
				return r, fmt.Errorf("netprobe: reply line without code: %q", line)
			}
			continue
		}
		code, err := strconv.Atoi(line[:3])
		if err != nil || code < 100 || code > 599 {
			if r.Code == 0 {
				return r, fmt.Errorf("netprobe: reply line without code: %q", line)
			}
			continue // FTP allows free text inside a multi-line reply
		}
		if r.Code == 0 {
			r.Code = code
		}
		if code == r.Code && (len(line) == 3 || line[3] == ' ') {
			return r, nil
		}
	}
	return r, fmt.Errorf("netprobe: reply longer than %d lines", MaxReplyLines)
}
