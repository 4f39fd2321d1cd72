package sshcheck

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/checktest"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// algs are the name-lists of a test KEXINIT.
type algs struct {
	kex, hostKey, ciphers, macs string
}

var modern = algs{
	kex:     "curve25519-sha256,ecdh-sha2-nistp256,diffie-hellman-group16-sha512",
	hostKey: "ssh-ed25519,rsa-sha2-512",
	ciphers: "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr",
	macs:    "hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com",
}

// kexInitPayload builds a KEXINIT payload the way a server does.
func kexInitPayload(a algs) []byte {
	p := append([]byte{msgKexInit}, make([]byte, 16)...)
	for _, l := range []string{a.kex, a.hostKey, a.ciphers, a.ciphers, a.macs, a.macs, "none", "none", "", ""} {
		p = binary.BigEndian.AppendUint32(p, uint32(len(l)))
		p = append(p, l...)
	}
	return append(p, 0, 0, 0, 0, 0)
}

// packet wraps a payload in an unencrypted binary packet, padded to 8 bytes.
func packet(payload []byte) []byte {
	pad := 8 - (5+len(payload))%8
	if pad < 4 {
		pad += 8
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(1+len(payload)+pad))
	b = append(b, byte(pad))
	b = append(b, payload...)
	return append(b, make([]byte, pad)...)
}

// fakeSSH serves a banner (after optional pre-banner lines) and, unless nil,
// a KEXINIT, after reading the client's identification.
func fakeSSH(t *testing.T, preamble, banner string, a *algs) checks.Target {
	t.Helper()
	return checktest.Serve(t, result.Service{Service: "ssh"}, func(c net.Conn) {
		c.Write([]byte(preamble + banner + "\r\n"))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "SSH-2.0-") {
			return
		}
		if a != nil {
			c.Write(packet(kexInitPayload(*a)))
		}
		c.Read(make([]byte, 1))
	})
}

func run(t *testing.T, id string, tg checks.Target) []result.Finding {
	t.Helper()
	c, ok := checks.Lookup(id)
	if !ok {
		t.Fatalf("no check %s", id)
	}
	fs, err := c.Run(context.Background(), tg)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return fs
}

func TestSSHChecks(t *testing.T) {
	weak := modern
	weak.kex = "diffie-hellman-group1-sha1,curve25519-sha256,diffie-hellman-group-exchange-sha1"
	weak.ciphers = "aes128-ctr,arcfour256,3des-cbc,blowfish-cbc"
	weak.macs = "hmac-sha2-256,hmac-md5,hmac-sha1-96,umac-64@openssh.com"
	cbc := modern
	cbc.ciphers = "aes128-ctr,aes256-cbc"

	good := fakeSSH(t, "", "SSH-2.0-OpenSSH_9.6", &modern)
	tests := []struct {
		id       string
		positive checks.Target
		evidence string
	}{
		{"ssh.protocol.v1", fakeSSH(t, "", "SSH-1.99-OpenSSH_3.9p1", &modern), `"SSH-1.99-OpenSSH_3.9p1"`},
		{"ssh.protocol.v1", fakeSSH(t, "", "SSH-1.5-Cisco-1.25", nil), "protocol 1.5"},
		{"ssh.kex.weak", fakeSSH(t, "", "SSH-2.0-OpenSSH_5.3", &weak), "diffie-hellman-group1-sha1, diffie-hellman-group-exchange-sha1"},
		{"ssh.cipher.weak", fakeSSH(t, "", "SSH-2.0-OpenSSH_5.3", &weak), "arcfour256, 3des-cbc, blowfish-cbc"},
		{"ssh.cipher.cbc", fakeSSH(t, "", "SSH-2.0-OpenSSH_7.4", &cbc), ": aes256-cbc"},
		{"ssh.mac.weak", fakeSSH(t, "Welcome\r\nto the box\r\n", "SSH-2.0-OpenSSH_5.3", &weak), "hmac-md5, hmac-sha1-96, umac-64@openssh.com"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			fs := run(t, tt.id, tt.positive)
			if len(fs) != 1 || !strings.HasSuffix(fs[0].Evidence, tt.evidence) && !strings.Contains(fs[0].Evidence, tt.evidence) {
				t.Fatalf("positive: %+v", fs)
			}
			if fs := run(t, tt.id, good); len(fs) != 0 {
				t.Fatalf("negative: %+v", fs)
			}
		})
	}
	// The CBC check leaves the 64-bit ciphers to ssh.cipher.weak.
	if fs := run(t, "ssh.cipher.cbc", fakeSSH(t, "", "SSH-2.0-x", &weak)); len(fs) != 0 {
		t.Errorf("3des-cbc double counted: %+v", fs)
	}
}

func TestSharedHandshake(t *testing.T) {
	var conns atomic.Int32
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
			conns.Add(1)
			c.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
			bufio.NewReader(c).ReadString('\n')
			c.Write(packet(kexInitPayload(modern)))
			c.Close()
		}
	}()
	tg := checks.Target{IP: netip.MustParseAddr("127.0.0.1"), Service: result.Service{Port: ln.Addr().(*net.TCPAddr).Port, Protocol: "tcp", Service: "ssh"}}
	// The algorithm checks share one connection (ssh.auth.password needs a
	// full key exchange of its own).
	var cs []checks.Check
	for _, c := range all {
		cs = append(cs, c)
	}
	fs, errs := checks.Runner{}.Run(context.Background(), tg, cs)
	if len(fs) != 0 || len(errs) != 0 {
		t.Fatalf("%v %v", fs, errs)
	}
	ln.Close()
	if conns.Load() != 1 {
		t.Fatalf("%d connections for %d checks, want 1", conns.Load(), len(all))
	}
}

func TestNotSSH(t *testing.T) {
	tg := fakeSSH(t, strings.Repeat("HTTP/1.1 400 Bad Request\r\n", maxPreBanner), "", nil)
	c, _ := checks.Lookup("ssh.kex.weak")
	if _, err := c.Run(context.Background(), tg); err == nil {
		t.Fatal("non-SSH service accepted")
	}
}

func TestParseKexInit(t *testing.T) {
	k, err := parseKexInit(kexInitPayload(modern))
	if err != nil {
		t.Fatal(err)
	}
	if len(k.kex) != 3 || k.ciphersS2C[0] != "chacha20-poly1305@openssh.com" || k.macsC2S[1] != "umac-128-etm@openssh.com" || k.compressionC2S[0] != "none" {
		t.Fatalf("%+v", k)
	}
	bad := kexInitPayload(modern)
	binary.BigEndian.PutUint32(bad[17:], 1<<30)
	for _, b := range [][]byte{nil, {msgKexInit}, bad, kexInitPayload(modern)[:40], append([]byte{21}, kexInitPayload(modern)[1:]...)} {
		if _, err := parseKexInit(b); !errors.Is(err, errMalformed) {
			t.Errorf("parse(%x...) = %v", b[:min(len(b), 8)], err)
		}
	}
	if _, err := readPacket(bytes.NewReader([]byte{0xff, 0, 0, 0, 4})); !errors.Is(err, errMalformed) {
		t.Errorf("huge packet: %v", err)
	}
	if _, err := readPacket(bytes.NewReader([]byte{0, 0, 0, 8, 200, 1, 2, 3, 4, 5, 6, 7})); !errors.Is(err, errMalformed) {
		t.Errorf("padding beyond packet: %v", err)
	}
}

func TestAlgorithmClasses(t *testing.T) {
	for a, want := range map[string][3]bool{ // weakCipher, cbcCipher, weakMAC
		"aes128-ctr":                    {false, false, false},
		"aes256-cbc":                    {false, true, false},
		"rijndael-cbc@lysator.liu.se":   {false, true, false},
		"3des-cbc":                      {true, false, false},
		"blowfish-cbc":                  {true, false, false},
		"arcfour":                       {true, false, false},
		"none":                          {true, false, true},
		"hmac-md5-96-etm@openssh.com":   {false, false, true},
		"hmac-sha1":                     {false, false, false},
		"umac-64-etm@openssh.com":       {false, false, true},
		"hmac-sha2-512-etm@openssh.com": {false, false, false},
	} {
		if got := [3]bool{weakCipher(a), cbcCipher(a), weakMAC(a)}; got != want {
			t.Errorf("%s: %v, want %v", a, got, want)
		}
	}
}

func FuzzKexInit(f *testing.F) {
	f.Add(packet(kexInitPayload(modern)))
	f.Add(packet([]byte{msgKexInit, 1, 2, 3}))
	f.Add([]byte{0, 0, 0, 12, 4, msgKexInit, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := readPacket(bytes.NewReader(data))
		if err == nil && len(p) > maxPacket {
			t.Fatalf("payload of %d bytes", len(p))
		}
		if k, err := parseKexInit(data); err == nil {
			for _, l := range [][]string{k.kex, k.ciphersC2S, k.macsS2C} {
				for _, a := range l {
					if strings.Contains(a, ",") {
						t.Fatalf("unsplit name %q", a)
					}
				}
			}
		}
		if p != nil {
			_, _ = parseKexInit(p)
		}
	})
}
