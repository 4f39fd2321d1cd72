package tlscheck

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// dialect scripts the plaintext part of a STARTTLS server: it returns true
// when the connection should switch to TLS.
type dialect func(w net.Conn, r *bufio.Reader, offer bool) bool

func line(r *bufio.Reader) string {
	s, _ := r.ReadString('\n')
	return strings.TrimSpace(s)
}

var dialects = map[string]dialect{
	"smtp": func(w net.Conn, r *bufio.Reader, offer bool) bool {
		w.Write([]byte("220 mail.test ESMTP\r\n"))
		if !strings.HasPrefix(line(r), "EHLO ") {
			return false
		}
		if offer {
			w.Write([]byte("250-mail.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n"))
		} else {
			w.Write([]byte("250-mail.test\r\n250 PIPELINING\r\n"))
		}
		if line(r) != "STARTTLS" {
			return false
		}
		w.Write([]byte("220 go ahead\r\n"))
		return true
	},
	"imap": func(w net.Conn, r *bufio.Reader, offer bool) bool {
		w.Write([]byte("* OK IMAP4rev1 ready\r\n"))
		tag, _, _ := strings.Cut(line(r), " ")
		if !offer {
			w.Write([]byte(tag + " BAD unknown command\r\n"))
			return false
		}
		w.Write([]byte("* NOTE untagged noise\r\n" + tag + " OK begin TLS\r\n"))
		return true
	},
	"pop3": func(w net.Conn, r *bufio.Reader, offer bool) bool {
		w.Write([]byte("+OK POP3 ready\r\n"))
		if line(r) != "STLS" || !offer {
			w.Write([]byte("-ERR no\r\n"))
			return false
		}
		w.Write([]byte("+OK begin TLS\r\n"))
		return true
	},
	"ftp": func(w net.Conn, r *bufio.Reader, offer bool) bool {
		w.Write([]byte("220-Welcome\r\n220 FTP ready\r\n"))
		if line(r) != "AUTH TLS" || !offer {
			w.Write([]byte("502 not implemented\r\n"))
			return false
		}
		w.Write([]byte("234 AUTH TLS ok\r\n"))
		return true
	},
}

func serveStartTLS(t *testing.T, d dialect, offer bool, cfg *tls.Config) int {
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
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				// Reading byte by byte keeps the TLS bytes out of a buffer.
				r := bufio.NewReaderSize(&oneByte{c}, 16)
				if d(c, r, offer) {
					tc := tls.Server(c, cfg)
					if tc.Handshake() == nil {
						tc.Read(make([]byte, 1))
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

type oneByte struct{ c net.Conn }

func (o *oneByte) Read(p []byte) (int, error) { return o.c.Read(p[:1]) }

func TestStartTLS(t *testing.T) {
	ca := newCA(t, nil)
	cfg := &tls.Config{
		Certificates: []tls.Certificate{ca.issue(t, leafSpec{names: []string{"127.0.0.1"}})},
		MinVersion:   tls.VersionTLS10, MaxVersion: tls.VersionTLS10,
	}
	tls10 := checkByID(t, Options{}, "tls.protocol.tls10")
	expired := checkByID(t, Options{RootCAs: ca.pool()}, "tls.cert.expired")
	for name, d := range dialects {
		t.Run(name, func(t *testing.T) {
			tg := checks.Target{IP: netip.MustParseAddr("127.0.0.1"),
				Service: result.Service{Port: serveStartTLS(t, d, true, cfg), Protocol: result.TCP, Service: name}}
			if fs := run(t, tls10, tg); len(fs) != 1 {
				t.Fatalf("TLS 1.0 behind %s STARTTLS not found: %+v", name, fs)
			}
			if fs := run(t, expired, tg); len(fs) != 0 {
				t.Fatalf("certificate handshake through STARTTLS: %+v", fs)
			}
			tg.Service.Port = serveStartTLS(t, d, false, cfg)
			fs, err := tls10.Run(context.Background(), tg)
			if err != nil || len(fs) != 0 {
				t.Fatalf("no STARTTLS offered: findings %+v, err %v", fs, err)
			}
		})
	}
}

func TestApplies(t *testing.T) {
	c := checkByID(t, Options{}, "tls.protocol.tls10")
	tests := []struct {
		svc  result.Service
		want bool
	}{
		{result.Service{Port: 8443, Protocol: "tcp", Service: "http", TLS: true}, true},
		{result.Service{Port: 443, Protocol: "tcp"}, true},
		{result.Service{Port: 25, Protocol: "tcp", Service: "smtp"}, true},
		{result.Service{Port: 2525, Protocol: "tcp", Service: "smtp"}, true},
		{result.Service{Port: 80, Protocol: "tcp", Service: "http"}, false},
		{result.Service{Port: 22, Protocol: "tcp", Service: "ssh"}, false},
		{result.Service{Port: 443, Protocol: "udp"}, false},
		{result.Service{Port: 12345, Protocol: "tcp"}, false},
	}
	for _, tt := range tests {
		if got := c.Applies(tt.svc); got != tt.want {
			t.Errorf("Applies(%+v) = %v", tt.svc, got)
		}
	}
}
