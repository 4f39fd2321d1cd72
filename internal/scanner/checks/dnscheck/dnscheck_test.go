package dnscheck

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

const testDomain = "perimeter.test"

// answer builds the fake server's reply to query q.
type answer func(q []byte) []byte

// reply copies the query's ID and question and sets the flags, rcode and,
// when addr is set, one A record pointing at it.
func reply(ra, aa bool, rcode byte, addr []byte) answer {
	return func(q []byte) []byte {
		b := append([]byte(nil), q...)
		b[2] = 0x81 // QR, RD
		if aa {
			b[2] |= 0x04
		}
		b[3] = rcode
		if ra {
			b[3] |= 0x80
		}
		if addr != nil {
			b[7] = 1
			b = append(b, 0xc0, 12, 0, typeA, 0, classIN, 0, 0, 0, 60, 0, 4)
			b = append(b, addr...)
		}
		return b
	}
}

// fakeDNS serves a over UDP and records the names it was asked.
type fakeDNS struct {
	mu    sync.Mutex
	names []string
}

func (f *fakeDNS) record(q []byte) {
	r, err := parseResponse(q)
	if err == nil {
		f.mu.Lock()
		f.names = append(f.names, r.question)
		f.mu.Unlock()
	}
}

func (f *fakeDNS) serveUDP(t *testing.T, a answer) checks.Target {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			f.record(buf[:n])
			if a != nil {
				pc.WriteTo(a(buf[:n]), from)
			}
		}
	}()
	return checks.Target{IP: netip.MustParseAddr("127.0.0.1"),
		Service: result.Service{Port: pc.LocalAddr().(*net.UDPAddr).Port, Protocol: result.UDP, Service: "dns"}}
}

func (f *fakeDNS) serveTCP(t *testing.T, a answer) checks.Target {
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
			c.SetDeadline(time.Now().Add(5 * time.Second))
			var l [2]byte
			if _, err := io.ReadFull(c, l[:]); err == nil {
				q := make([]byte, binary.BigEndian.Uint16(l[:]))
				if _, err := io.ReadFull(c, q); err == nil {
					f.record(q)
					out := a(q)
					c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(out))), out...))
				}
			}
			c.Close()
		}
	}()
	return checks.Target{IP: netip.MustParseAddr("127.0.0.1"),
		Service: result.Service{Port: ln.Addr().(*net.TCPAddr).Port, Protocol: result.TCP, Service: "dns"}}
}

func TestOpenRecursion(t *testing.T) {
	c := New(Options{Domain: testDomain, Timeout: 50 * time.Millisecond, Tries: 1})
	tests := []struct {
		name     string
		a        answer
		want     bool
		conf     int
		evidence string
	}{
		{"resolves", reply(true, false, rcodeNoError, []byte{192, 0, 2, 7}), true, 100, "NOERROR, RA=true, AA=false, 1 answers (192.0.2.7)"},
		{"nxdomain", reply(true, false, rcodeNXDomain, nil), true, 100, "NXDOMAIN"},
		{"servfail", reply(true, false, rcodeServFail, nil), true, 70, "SERVFAIL"},
		{"refused", reply(false, false, rcodeRefused, nil), false, 0, ""},
		{"refused with RA", reply(true, false, rcodeRefused, nil), false, 0, ""},
		{"authoritative", reply(true, true, rcodeNoError, []byte{192, 0, 2, 8}), false, 0, ""},
		{"referral", reply(false, false, rcodeNoError, nil), false, 0, ""},
		{"silent", nil, false, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeDNS{}
			fs, err := c.Run(context.Background(), f.serveUDP(t, tt.a))
			if err != nil {
				t.Fatal(err)
			}
			if got := len(fs) == 1; got != tt.want {
				t.Fatalf("finding %v, want %v: %+v", got, tt.want, fs)
			}
			if tt.want && (fs[0].Confidence != tt.conf || !strings.Contains(fs[0].Evidence, tt.evidence)) {
				t.Errorf("%+v", fs[0])
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.names) == 0 || !strings.HasPrefix(f.names[0], "perimeter-") || !strings.HasSuffix(f.names[0], "."+testDomain+".") {
				t.Errorf("asked %v", f.names)
			}
		})
	}
}

func TestOpenRecursionTCP(t *testing.T) {
	c := New(Options{Domain: testDomain})
	f := &fakeDNS{}
	if fs, err := c.Run(context.Background(), f.serveTCP(t, reply(true, false, rcodeNXDomain, nil))); err != nil || len(fs) != 1 {
		t.Fatalf("positive over TCP: %+v %v", fs, err)
	}
	if fs, err := c.Run(context.Background(), f.serveTCP(t, reply(false, false, rcodeRefused, nil))); err != nil || len(fs) != 0 {
		t.Fatalf("negative over TCP: %+v %v", fs, err)
	}
}

func TestMismatchedAnswer(t *testing.T) {
	c := New(Options{Domain: testDomain, Timeout: 50 * time.Millisecond, Tries: 1})
	wrongName := func(q []byte) []byte {
		b := reply(true, false, rcodeNXDomain, nil)(q)
		b[13] ^= 0x20 // flip case of the first letter: "Perimeter-..." is still the same name
		b[14] = 'X'   // but a different second letter is not
		return b
	}
	if _, err := c.Run(context.Background(), (&fakeDNS{}).serveUDP(t, wrongName)); err == nil {
		t.Fatal("answer for another name accepted")
	}
}

func TestDefaultDomain(t *testing.T) {
	c, ok := checks.Lookup("dns.recursion.open")
	if !ok || c.(*recursionCheck).opts.Domain != DefaultDomain {
		t.Fatal("registered check does not use the default domain")
	}
	if !c.Applies(result.Service{Port: 53, Protocol: "udp"}) || c.Applies(result.Service{Port: 80, Protocol: "tcp", Service: "http"}) {
		t.Error("applicability")
	}
}

func TestParseResponse(t *testing.T) {
	q, err := buildQuery(0x1234, "a.perimeter.test")
	if err != nil {
		t.Fatal(err)
	}
	r, err := parseResponse(reply(true, false, 0, []byte{10, 0, 0, 1})(q))
	if err != nil || r.id != 0x1234 || r.question != "a.perimeter.test." || r.addrs[0] != "10.0.0.1" || !r.ra || !r.rd {
		t.Fatalf("%+v %v", r, err)
	}
	loop := append([]byte(nil), q[:12]...)
	loop = append(loop, 0xc0, 12, 0, 1, 0, 1)
	if _, err := parseResponse(loop); !errors.Is(err, errMalformed) {
		t.Errorf("compression loop: %v", err)
	}
	if _, err := buildQuery(1, strings.Repeat("a", 64)+".test"); err == nil {
		t.Error("64-byte label accepted")
	}
}

func FuzzParseResponse(f *testing.F) {
	q, _ := buildQuery(7, "x.perimeter.test")
	f.Add(reply(true, false, 0, []byte{1, 2, 3, 4})(q))
	f.Add(q)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseResponse(data)
		if err == nil && len(r.question) > maxName+1 {
			t.Fatalf("name of %d bytes", len(r.question))
		}
	})
}
