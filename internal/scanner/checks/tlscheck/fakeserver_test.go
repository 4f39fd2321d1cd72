package tlscheck

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// parsedHello is what the fake server saw in a ClientHello.
type parsedHello struct {
	recordVersion uint16
	version       uint16
	suites        []uint16
	sni           string
	extensions    []uint16
}

// parseClientHello is the test's own independent ClientHello decoder, used
// by the fake server and to check marshal.
func parseClientHello(r io.Reader) (parsedHello, error) {
	var h parsedHello
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return h, err
	}
	if hdr[0] != recordHandshake {
		return h, errors.New("not a handshake record")
	}
	h.recordVersion = binary.BigEndian.Uint16(hdr[1:])
	rec := make([]byte, binary.BigEndian.Uint16(hdr[3:]))
	if _, err := io.ReadFull(r, rec); err != nil {
		return h, err
	}
	if len(rec) < 4 || rec[0] != 1 {
		return h, errors.New("not a ClientHello")
	}
	b := rec[4:]
	if len(b) < 35 {
		return h, errors.New("short")
	}
	h.version = binary.BigEndian.Uint16(b)
	b = b[34:]
	b = b[1+int(b[0]):]
	n := int(binary.BigEndian.Uint16(b))
	for i := 0; i < n; i += 2 {
		h.suites = append(h.suites, binary.BigEndian.Uint16(b[2+i:]))
	}
	b = b[2+n:]
	b = b[1+int(b[0]):]
	if len(b) == 0 {
		return h, nil
	}
	b = b[2:]
	for len(b) >= 4 {
		typ, l := binary.BigEndian.Uint16(b), int(binary.BigEndian.Uint16(b[2:]))
		h.extensions = append(h.extensions, typ)
		if typ == 0 {
			h.sni = string(b[4+5 : 4+l])
		}
		b = b[4+l:]
	}
	return h, nil
}

// fakeTLS answers ClientHellos the way a server configured with versions and
// suites would, up to ServerHelloDone, then closes. It can speak what
// crypto/tls cannot (SSL 3.0, NULL, EXPORT, anonymous suites).
type fakeTLS struct {
	versions []uint16 // accepted protocol versions
	suites   []uint16 // accepted suites
	chain    [][]byte // DER certificates to send after the ServerHello
	mu       sync.Mutex
	seen     []parsedHello
}

func (f *fakeTLS) serve(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.handle(c)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func (f *fakeTLS) hellos() []parsedHello {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]parsedHello(nil), f.seen...)
}

func (f *fakeTLS) handle(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	h, err := parseClientHello(c)
	if err != nil {
		return
	}
	f.mu.Lock()
	f.seen = append(f.seen, h)
	f.mu.Unlock()
	v := h.version
	if top := slices.Max(f.versions); v > top {
		v = top
	}
	if !slices.Contains(f.versions, v) {
		_, _ = c.Write([]byte{recordAlert, 3, 1, 0, 2, 2, 70})
		return
	}
	suite := -1
	for _, s := range h.suites {
		if slices.Contains(f.suites, s) {
			suite = int(s)
			break
		}
	}
	if suite < 0 {
		_, _ = c.Write([]byte{recordAlert, byte(v >> 8), byte(v), 0, 2, 2, 40})
		return
	}
	body := binary.BigEndian.AppendUint16(nil, v)
	body = append(body, make([]byte, 32)...)
	body = append(body, 0)
	body = binary.BigEndian.AppendUint16(body, uint16(suite))
	body = append(body, 0)
	msgs := handshakeMsg(handshakeServerHello, body)
	if len(f.chain) > 0 {
		var list []byte
		for _, der := range f.chain {
			list = append(list, byte(len(der)>>16), byte(len(der)>>8), byte(len(der)))
			list = append(list, der...)
		}
		cert := append([]byte{byte(len(list) >> 16), byte(len(list) >> 8), byte(len(list))}, list...)
		msgs = append(msgs, handshakeMsg(handshakeCertificate, cert)...)
	}
	msgs = append(msgs, handshakeMsg(handshakeServerHelloDone, nil)...)
	// Split into records of at most 1000 bytes to exercise reassembly.
	for len(msgs) > 0 {
		n := min(len(msgs), 1000)
		rec := []byte{recordHandshake, byte(v >> 8), byte(v), byte(n >> 8), byte(n)}
		if _, err := c.Write(append(rec, msgs[:n]...)); err != nil {
			return
		}
		msgs = msgs[n:]
	}
	_, _ = c.Read(make([]byte, 1))
}

func handshakeMsg(typ byte, body []byte) []byte {
	return append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}
