// Package gvmscan runs scans on a Greenbone/OpenVAS manager (gvmd) over the
// Greenbone Management Protocol (GMP): it creates a target and a task there,
// starts it, polls its progress, fetches the finished report in GVM's XML
// format and turns it into the engine's hosts, services and findings with
// internal/importer (the one GVM report reader), so an openvas scanner's
// results join the same lifecycle as the built-in engine's. It emits the same
// events as scanner.Run.
//
// Why GMP over TLS and not openvasd's HTTP API: gvmd is what Greenbone stacks
// expose to other systems, and it owns the scan configurations, port lists,
// credentials and report formats the operator maintains there; openvasd is
// the scanner daemon below it, without the manager's report format, so its
// results would need a second parser.
//
// Every read and write has a deadline (an idle timeout per socket call), each
// response is read up to a size limit, and a cancelled context interrupts the
// call in flight. GMP answers every command with one XML element and sends
// nothing unasked, so one response ends where its root element closes.
package gvmscan

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/perimeterhq/perimeter/internal/textclip"
)

// Defaults of Config.
const (
	DefaultTimeout     = 60 * time.Second
	DefaultMaxResponse = 1 << 20   // any answer but a report
	DefaultMaxReport   = 256 << 20 // a report is held in memory while it is read
)

// Config says how to reach and log in to a manager.
type Config struct {
	Address            string         // host:port of gvmd's GMP listener
	ServerName         string         // the name its certificate must carry ("" : the host of Address)
	RootCAs            *x509.CertPool // trusted for its certificate (nil: the system's roots)
	InsecureSkipVerify bool           // accept any certificate (an explicit opt-in of the scanner's owner)
	Username, Password string
	Timeout            time.Duration // longest wait of one read, write or dial (0: DefaultTimeout)
	MaxResponse        int64         // bytes of one answer (0: DefaultMaxResponse)
	MaxReport          int64         // bytes of the report (0: DefaultMaxReport)
}

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// Error is a command the manager answered with a status other than 2xx.
type Error struct {
	Command string
	Status  int
	Text    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("GMP %s: the manager answered %d %s", e.Command, e.Status, e.Text)
}

// ErrTooLarge means an answer exceeded its size limit.
var ErrTooLarge = errors.New("GMP: the answer is larger than allowed")

// errInterrupted is what a socket call returns once the context was cancelled.
var errInterrupted = errors.New("GMP: interrupted")

// Conn is one GMP session (GMP authenticates a connection, not a request).
// It is not safe for concurrent use: GMP is strictly request, response.
type Conn struct {
	nc      net.Conn
	br      *bufio.Reader
	timeout time.Duration
	cfg     Config

	mu          sync.Mutex
	interrupted bool // a context ended during a call: the stream is out of step
}

// Dial connects to the manager with TLS (1.2 or later), verifying its
// certificate unless the configuration opts out. It returns the dial or
// handshake error.
func Dial(ctx context.Context, cfg Config) (*Conn, error) {
	host, _, err := net.SplitHostPort(cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("GMP manager address %q: %w", cfg.Address, err)
	}
	name := cfg.ServerName
	if name == "" {
		name = host
	}
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: cfg.timeout()}, Config: &tls.Config{
		ServerName: name, RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12,
		InsecureSkipVerify: cfg.InsecureSkipVerify, //nolint:gosec // the scanner owner's explicit choice
	}}
	hctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	nc, err := d.DialContext(hctx, "tcp", cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to the GMP manager at %s: %w", cfg.Address, err)
	}
	c := &Conn{nc: nc, timeout: cfg.timeout(), cfg: cfg}
	c.br = bufio.NewReaderSize(deadlineReader{c}, 64<<10)
	return c, nil
}

// Close ends the session.
func (c *Conn) Close() error { return c.nc.Close() }

// interrupt unblocks the call in flight for good: every later call fails.
func (c *Conn) interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.interrupted = true
	_ = c.nc.SetDeadline(time.Unix(1, 0))
}

// arm sets the deadline of the next socket call, unless interrupted.
func (c *Conn) arm(set func(time.Time) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.interrupted {
		return errInterrupted
	}
	return set(time.Now().Add(c.timeout))
}

type deadlineReader struct{ c *Conn }

func (r deadlineReader) Read(p []byte) (int, error) {
	if err := r.c.arm(r.c.nc.SetReadDeadline); err != nil {
		return 0, err
	}
	return r.c.nc.Read(p)
}

// roundTrip sends one command and reads its answer, at most limit bytes,
// checking its status. It returns the raw answer and its root element.
func (c *Conn) roundTrip(ctx context.Context, command string, cmd any, limit int64) ([]byte, error) {
	body, err := xml.Marshal(cmd)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, c.interrupt)
	defer stop()
	raw, root, err := c.exchange(body, limit)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("GMP %s: %w", command, c.explain(err))
	}
	code, _ := strconv.Atoi(attr(root, "status"))
	if code < 200 || code > 299 {
		return nil, &Error{Command: command, Status: code, Text: clip(attr(root, "status_text"))}
	}
	return raw, nil
}

// explain words the socket errors a run's reason shows.
func (c *Conn) explain(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Errorf("the manager closed the connection: %w", err)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("no answer from the manager within %s: %w", c.timeout, err)
	}
	return err
}

func (c *Conn) exchange(body []byte, limit int64) ([]byte, xml.StartElement, error) {
	if err := c.arm(c.nc.SetWriteDeadline); err != nil {
		return nil, xml.StartElement{}, err
	}
	if _, err := c.nc.Write(body); err != nil {
		return nil, xml.StartElement{}, err
	}
	return readResponse(c.br, limit)
}

// readResponse reads one XML element from r, and nothing after it: the bytes
// up to its end tag, at most limit of them, and its root element. It returns
// ErrTooLarge past the limit, the XML syntax error of a malformed answer, and
// io.ErrUnexpectedEOF when the connection ends inside it.
func readResponse(r io.ByteReader, limit int64) ([]byte, xml.StartElement, error) {
	cr := &captureReader{r: r, left: limit}
	// A reader with ReadByte keeps xml.Decoder from buffering ahead, so
	// it stops exactly at the end of the answer.
	dec := xml.NewDecoder(cr)
	dec.Strict = true
	var root xml.StartElement
	depth := 0
	for {
		tok, err := dec.RawToken()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			if cr.tooLarge {
				err = ErrTooLarge
			}
			return nil, root, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				root = t.Copy()
			}
			depth++
		case xml.EndElement:
			if depth--; depth == 0 {
				return cr.buf.Bytes(), root, nil
			}
			if depth < 0 {
				return nil, root, fmt.Errorf("unexpected </%s>", t.Name.Local)
			}
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return nil, root, errors.New("text outside an element")
			}
		}
	}
}

// captureReader keeps what the decoder reads, up to a budget.
type captureReader struct {
	r        io.ByteReader
	buf      bytes.Buffer
	left     int64
	tooLarge bool
}

func (c *captureReader) ReadByte() (byte, error) {
	if c.left <= 0 {
		c.tooLarge = true
		return 0, ErrTooLarge
	}
	b, err := c.r.ReadByte()
	if err != nil {
		return 0, err
	}
	c.left--
	c.buf.WriteByte(b)
	return b, nil
}

func (c *captureReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	b, err := c.ReadByte()
	if err != nil {
		return 0, err
	}
	p[0] = b
	return 1, nil
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// clip bounds text from the manager that ends up in errors and run logs.
func clip(s string) string { return textclip.Bytes(s, 200) }
