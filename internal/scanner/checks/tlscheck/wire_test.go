package tlscheck

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

func TestClientHelloMarshal(t *testing.T) {
	for _, tt := range []struct {
		ch      clientHello
		wantSNI string
		wantRec uint16
		wantExt bool
		wantSA  bool
	}{
		{clientHello{version: versionTLS12, suites: suitesRC4, serverName: "www.example.test"}, "www.example.test", versionTLS10, true, true},
		{clientHello{version: versionTLS10, suites: broadSuites, serverName: "127.0.0.1"}, "", versionTLS10, true, false},
		{clientHello{version: versionSSL30, suites: broadSuites, serverName: "www.example.test"}, "", versionSSL30, false, false},
	} {
		h, err := parseClientHello(bytes.NewReader(tt.ch.marshal()))
		if err != nil {
			t.Fatal(err)
		}
		if h.version != tt.ch.version || h.recordVersion != tt.wantRec || !slices.Equal(h.suites, tt.ch.suites) || h.sni != tt.wantSNI {
			t.Errorf("%+v parsed as %+v", tt.ch, h)
		}
		if got := len(h.extensions) > 0; got != tt.wantExt {
			t.Errorf("%+v extensions %v", tt.ch, h.extensions)
		}
		if got := slices.Contains(h.extensions, 0x000d); got != tt.wantSA {
			t.Errorf("%+v signature_algorithms %v", tt.ch, got)
		}
	}
}

func serverHelloBody(version, suite uint16, ext []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, version)
	b = append(b, make([]byte, 32)...)
	b = append(b, 4, 1, 2, 3, 4)
	b = binary.BigEndian.AppendUint16(b, suite)
	b = append(b, 0)
	if ext != nil {
		b = binary.BigEndian.AppendUint16(b, uint16(len(ext)))
		b = append(b, ext...)
	}
	return b
}

func TestParseServerHello(t *testing.T) {
	sh, err := parseServerHello(serverHelloBody(versionTLS12, 0xC02F, []byte{0xff, 0x01, 0, 1, 0, 0, 0x2b, 0, 2, 3, 4}))
	if err != nil || sh.cipherSuite != 0xC02F || sh.version != versionTLS12 || sh.negotiated() != versionTLS13 {
		t.Fatalf("%+v %v", sh, err)
	}
	sh, err = parseServerHello(serverHelloBody(versionSSL30, 0x000A, nil))
	if err != nil || sh.negotiated() != versionSSL30 {
		t.Fatalf("%+v %v", sh, err)
	}
	for _, bad := range [][]byte{
		nil,
		serverHelloBody(versionTLS12, 1, nil)[:36],
		serverHelloBody(versionTLS12, 1, []byte{0, 0, 0, 9}),
		serverHelloBody(versionTLS12, 1, []byte{0, 0x2b, 0, 1, 3}),
	} {
		if _, err := parseServerHello(bad); !errors.Is(err, errMalformed) {
			t.Errorf("parse(%x) err = %v", bad, err)
		}
	}
}

func TestHandshakeReader(t *testing.T) {
	// An alert is a refusal, an empty stream is a refusal, garbage is an error.
	if _, err := readServerHello(&handshakeReader{r: bytes.NewReader([]byte{21, 3, 3, 0, 2, 2, 40})}); !isRejected(err) {
		t.Errorf("alert: %v", err)
	}
	if _, err := readServerHello(&handshakeReader{r: bytes.NewReader(nil)}); !isRejected(err) {
		t.Errorf("close: %v", err)
	}
	if _, err := readServerHello(&handshakeReader{r: bytes.NewReader([]byte("HTTP/1.1 400 Bad Request\r\n"))}); err == nil || isRejected(err) {
		t.Errorf("HTTP answer: %v", err)
	}
	// A ServerHello split over two records is reassembled.
	msg := handshakeMsg(handshakeServerHello, serverHelloBody(versionTLS11, 0x002F, nil))
	var stream []byte
	for _, part := range [][]byte{msg[:10], msg[10:]} {
		stream = append(stream, recordHandshake, 3, 2, 0, byte(len(part)))
		stream = append(stream, part...)
	}
	sh, err := readServerHello(&handshakeReader{r: bytes.NewReader(stream)})
	if err != nil || sh.cipherSuite != 0x002F || sh.negotiated() != versionTLS11 {
		t.Fatalf("%+v %v", sh, err)
	}
}

func TestParseCertificateMessage(t *testing.T) {
	body := []byte{0, 0, 8, 0, 0, 2, 0xaa, 0xbb, 0, 0, 0}
	if _, err := parseCertificateMessage(body); err == nil {
		t.Error("zero-length entry accepted")
	}
	body = []byte{0, 0, 10, 0, 0, 2, 0xaa, 0xbb, 0, 0, 2, 0xcc, 0xdd}
	certs, err := parseCertificateMessage(body)
	if err != nil || len(certs) != 2 || certs[1][0] != 0xcc {
		t.Fatalf("%x %v", certs, err)
	}
}

func FuzzServerHello(f *testing.F) {
	msg := handshakeMsg(handshakeServerHello, serverHelloBody(versionTLS12, 0xC02F, []byte{0, 0x2b, 0, 2, 3, 4}))
	f.Add(append([]byte{recordHandshake, 3, 3, 0, byte(len(msg))}, msg...))
	f.Add([]byte{21, 3, 3, 0, 2, 2, 40})
	f.Add([]byte{22, 3, 1, 0, 4, 2, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		hr := &handshakeReader{r: bytes.NewReader(data)}
		sh, err := readServerHello(hr)
		if err == nil && sh.negotiated() == 0 && sh.version != 0 {
			t.Fatal("inconsistent")
		}
		for range 4 {
			typ, body, err := hr.next()
			if err != nil {
				break
			}
			if typ == handshakeCertificate {
				_, _ = parseCertificateMessage(body)
			}
		}
		_, _ = parseServerHello(data)
		_, _ = parseCertificateMessage(data)
	})
}
