package tlscheck

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// This file holds a deliberately small TLS handshake codec: enough to send a
// ClientHello offering exactly the versions and suites a probe wants (crypto/tls
// cannot offer SSL 3.0, EXPORT, NULL or anonymous suites) and to read the
// server's answer up to its certificates. No key exchange is ever performed.

// Protocol versions as they appear on the wire.
const (
	versionSSL30 uint16 = 0x0300
	versionTLS10 uint16 = 0x0301
	versionTLS11 uint16 = 0x0302
	versionTLS12 uint16 = 0x0303
	versionTLS13 uint16 = 0x0304
)

// Record and handshake types (RFC 5246 §6.2.1, §7.4).
const (
	recordAlert     = 21
	recordHandshake = 22

	handshakeServerHello     = 2
	handshakeCertificate     = 11
	handshakeServerHelloDone = 14

	maxRecordLen    = 16384 + 2048 // TLSCiphertext limit; plaintext records are smaller
	maxHandshakeLen = 1 << 16      // a certificate chain larger than this is not read
)

func versionName(v uint16) string {
	switch v {
	case versionSSL30:
		return "SSL 3.0"
	case versionTLS10:
		return "TLS 1.0"
	case versionTLS11:
		return "TLS 1.1"
	case versionTLS12:
		return "TLS 1.2"
	case versionTLS13:
		return "TLS 1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

// clientHello describes one probe's ClientHello.
type clientHello struct {
	version    uint16   // client_version: the highest version offered
	suites     []uint16 // offered cipher suites, in preference order
	serverName string   // SNI host name; omitted when empty or an IP address
}

// marshal encodes the ClientHello in one handshake record. SSL 3.0 probes get
// an SSL 3.0 record and no extensions, as an SSL 3.0 client would send;
// TLS probes add SNI, groups, point formats, renegotiation_info and (TLS 1.2)
// signature algorithms, without which many servers refuse ECDHE suites.
func (h clientHello) marshal() []byte {
	var body []byte
	body = binary.BigEndian.AppendUint16(body, h.version)
	random := make([]byte, 32)
	_, _ = rand.Read(random)
	body = append(body, random...)
	body = append(body, 0) // empty session id
	body = binary.BigEndian.AppendUint16(body, uint16(2*len(h.suites)))
	for _, s := range h.suites {
		body = binary.BigEndian.AppendUint16(body, s)
	}
	body = append(body, 1, 0) // compression: null only
	if h.version >= versionTLS10 {
		ext := h.extensions()
		body = binary.BigEndian.AppendUint16(body, uint16(len(ext)))
		body = append(body, ext...)
	}
	msg := []byte{1, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}
	msg = append(msg, body...)

	recVersion := versionTLS10 // what most clients put on the first record
	if h.version == versionSSL30 {
		recVersion = versionSSL30
	}
	rec := []byte{recordHandshake}
	rec = binary.BigEndian.AppendUint16(rec, recVersion)
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(msg)))
	return append(rec, msg...)
}

func (h clientHello) extensions() []byte {
	var ext []byte
	add := func(typ uint16, data []byte) {
		ext = binary.BigEndian.AppendUint16(ext, typ)
		ext = binary.BigEndian.AppendUint16(ext, uint16(len(data)))
		ext = append(ext, data...)
	}
	if name := strings.TrimSuffix(h.serverName, "."); name != "" && len(name) < 256 {
		if _, err := netip.ParseAddr(name); err != nil { // SNI carries DNS names only (RFC 6066 §3)
			var sni []byte
			sni = binary.BigEndian.AppendUint16(sni, uint16(len(name)+3))
			sni = append(sni, 0) // host_name
			sni = binary.BigEndian.AppendUint16(sni, uint16(len(name)))
			sni = append(sni, name...)
			add(0x0000, sni)
		}
	}
	// supported_groups: x25519, secp256r1, secp384r1, secp521r1.
	add(0x000a, []byte{0, 8, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19})
	add(0x000b, []byte{1, 0}) // ec_point_formats: uncompressed
	if h.version >= versionTLS12 {
		algs := []uint16{0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201}
		var sa []byte
		sa = binary.BigEndian.AppendUint16(sa, uint16(2*len(algs)))
		for _, a := range algs {
			sa = binary.BigEndian.AppendUint16(sa, a)
		}
		add(0x000d, sa)
	}
	add(0xff01, []byte{0}) // renegotiation_info, initial handshake
	return ext
}

// serverHello is the part of a ServerHello the checks look at.
type serverHello struct {
	version     uint16 // legacy version field
	cipherSuite uint16
	compression uint8
	selected    uint16 // supported_versions extension (TLS 1.3), 0 if absent
}

// negotiated returns the protocol version the server chose.
func (s serverHello) negotiated() uint16 {
	if s.selected != 0 {
		return s.selected
	}
	return s.version
}

// rejectedError means the server refused the ClientHello: it sent an alert or
// closed the connection without a ServerHello.
type rejectedError struct{ reason string }

// Error implements error.
func (e *rejectedError) Error() string { return "server refused the handshake: " + e.reason }

func isRejected(err error) bool {
	var r *rejectedError
	return errors.As(err, &r)
}

// errMalformed marks answers that are not a TLS handshake at all.
var errMalformed = errors.New("malformed TLS answer")

// handshakeReader reassembles handshake messages from records.
type handshakeReader struct {
	r       io.Reader
	buf     []byte // handshake bytes not yet consumed
	records int
}

// next returns the next handshake message (type and body). Alerts and a
// close before the first record become *rejectedError.
func (hr *handshakeReader) next() (byte, []byte, error) {
	for {
		if len(hr.buf) >= 4 {
			n := int(hr.buf[1])<<16 | int(hr.buf[2])<<8 | int(hr.buf[3])
			if n > maxHandshakeLen {
				return 0, nil, fmt.Errorf("%w: handshake message of %d bytes", errMalformed, n)
			}
			if len(hr.buf) >= 4+n {
				typ, body := hr.buf[0], hr.buf[4:4+n]
				hr.buf = hr.buf[4+n:]
				return typ, body, nil
			}
		}
		if err := hr.readRecord(); err != nil {
			return 0, nil, err
		}
	}
}

func (hr *handshakeReader) readRecord() error {
	var hdr [5]byte
	if _, err := io.ReadFull(hr.r, hdr[:]); err != nil {
		if hr.records == 0 && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err)) {
			return &rejectedError{reason: "connection closed without a ServerHello"}
		}
		return fmt.Errorf("reading TLS record: %w", err)
	}
	hr.records++
	typ, n := hdr[0], int(binary.BigEndian.Uint16(hdr[3:]))
	if typ&0x80 != 0 {
		return &rejectedError{reason: "SSL 2.0 style answer"}
	}
	if hdr[1] != 3 || n > maxRecordLen {
		return fmt.Errorf("%w: record type %d version %02x%02x length %d", errMalformed, typ, hdr[1], hdr[2], n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(hr.r, body); err != nil {
		return fmt.Errorf("reading TLS record: %w", err)
	}
	switch typ {
	case recordAlert:
		if len(body) >= 2 {
			return &rejectedError{reason: "alert " + alertName(body[1])}
		}
		return &rejectedError{reason: "alert"}
	case recordHandshake:
		if len(hr.buf)+n > maxHandshakeLen+4 {
			return fmt.Errorf("%w: handshake larger than %d bytes", errMalformed, maxHandshakeLen)
		}
		hr.buf = append(hr.buf, body...)
		return nil
	default:
		return fmt.Errorf("%w: unexpected record type %d", errMalformed, typ)
	}
}

func isReset(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe")
}

// readServerHello reads the server's first handshake message and parses it
// as a ServerHello.
func readServerHello(hr *handshakeReader) (serverHello, error) {
	typ, body, err := hr.next()
	if err != nil {
		return serverHello{}, err
	}
	if typ != handshakeServerHello {
		return serverHello{}, fmt.Errorf("%w: first handshake message has type %d", errMalformed, typ)
	}
	return parseServerHello(body)
}

// parseServerHello decodes a ServerHello body (RFC 5246 §7.4.1.3, RFC 8446
// §4.1.3). It returns errMalformed for truncated or inconsistent input.
func parseServerHello(b []byte) (serverHello, error) {
	var s serverHello
	if len(b) < 2+32+1 {
		return s, fmt.Errorf("%w: short ServerHello", errMalformed)
	}
	s.version = binary.BigEndian.Uint16(b)
	b = b[34:]
	sid := int(b[0])
	if sid > 32 || len(b) < 1+sid+3 {
		return s, fmt.Errorf("%w: bad ServerHello session id", errMalformed)
	}
	b = b[1+sid:]
	s.cipherSuite = binary.BigEndian.Uint16(b)
	s.compression = b[2]
	b = b[3:]
	if len(b) == 0 {
		return s, nil
	}
	if len(b) < 2 || int(binary.BigEndian.Uint16(b)) != len(b)-2 {
		return s, fmt.Errorf("%w: bad ServerHello extensions length", errMalformed)
	}
	for b = b[2:]; len(b) > 0; {
		if len(b) < 4 {
			return s, fmt.Errorf("%w: truncated extension", errMalformed)
		}
		typ, n := binary.BigEndian.Uint16(b), int(binary.BigEndian.Uint16(b[2:]))
		if len(b) < 4+n {
			return s, fmt.Errorf("%w: truncated extension", errMalformed)
		}
		if typ == 0x002b { // supported_versions
			if n != 2 {
				return s, fmt.Errorf("%w: bad supported_versions", errMalformed)
			}
			s.selected = binary.BigEndian.Uint16(b[4:])
		}
		b = b[4+n:]
	}
	return s, nil
}

// parseCertificateMessage decodes a TLS 1.2-and-earlier Certificate message
// body into DER certificates (RFC 5246 §7.4.2), at most 16 of them.
func parseCertificateMessage(b []byte) ([][]byte, error) {
	if len(b) < 3 {
		return nil, fmt.Errorf("%w: short Certificate message", errMalformed)
	}
	total := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
	b = b[3:]
	if total != len(b) {
		return nil, fmt.Errorf("%w: Certificate list length", errMalformed)
	}
	var certs [][]byte
	for len(b) > 0 {
		if len(b) < 3 || len(certs) == 16 {
			return nil, fmt.Errorf("%w: Certificate list", errMalformed)
		}
		n := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
		if n == 0 || len(b) < 3+n {
			return nil, fmt.Errorf("%w: certificate entry", errMalformed)
		}
		certs = append(certs, b[3:3+n])
		b = b[3+n:]
	}
	return certs, nil
}

func alertName(d byte) string {
	switch d {
	case 40:
		return "handshake_failure"
	case 70:
		return "protocol_version"
	case 71:
		return "insufficient_security"
	case 47:
		return "illegal_parameter"
	case 80:
		return "internal_error"
	case 112:
		return "unrecognized_name"
	}
	return fmt.Sprintf("%d", d)
}
