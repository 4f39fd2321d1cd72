package tlscheck

import (
	"crypto/tls"
	"net"
	"strings"
	"testing"
)

func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func TestCipherChecks(t *testing.T) {
	ca := newCA(t, nil)
	rsaCert := ca.issue(t, leafSpec{names: []string{"127.0.0.1"}, key: rsaKey(t, 1024)})
	goServer := func(suite uint16) int {
		return serveTLS(t, &tls.Config{
			Certificates: []tls.Certificate{rsaCert},
			MinVersion:   tls.VersionTLS10, MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{suite},
		})
	}
	rc4 := goServer(tls.TLS_RSA_WITH_RC4_128_SHA)
	des3 := goServer(tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA)
	aes := goServer(tls.TLS_RSA_WITH_AES_128_CBC_SHA)
	fake := func(suites ...uint16) int {
		return (&fakeTLS{versions: []uint16{versionTLS10, versionTLS11, versionTLS12}, suites: suites}).serve(t)
	}
	null := fake(0x0002)
	export := fake(0x0008)
	anon := fake(0xC018)
	des := fake(0x0009)
	modern, _ := modernServer(t)

	tests := []struct {
		id       string
		positive int
		suite    string
	}{
		{"tls.cipher.rc4", rc4, "TLS_RSA_WITH_RC4_128_SHA"},
		{"tls.cipher.3des", des3, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
		{"tls.cipher.des", des, "TLS_RSA_WITH_DES_CBC_SHA"},
		{"tls.cipher.null", null, "TLS_RSA_WITH_NULL_SHA"},
		{"tls.cipher.export", export, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"},
		{"tls.cipher.anon", anon, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			c := checkByID(t, Options{}, tt.id)
			fs := run(t, c, tlsTarget(tt.positive, ""))
			if len(fs) != 1 || !strings.Contains(fs[0].Evidence, tt.suite) {
				t.Fatalf("positive: %+v", fs)
			}
			for name, port := range map[string]int{"modern": modern, "aes-only": aes} {
				if fs := run(t, c, tlsTarget(port, "")); len(fs) != 0 {
					t.Errorf("negative %s: %+v", name, fs)
				}
			}
		})
	}
}

func TestCipherClassesAreOffered(t *testing.T) {
	f := &fakeTLS{versions: []uint16{versionTLS12}, suites: []uint16{0x002F}}
	port := f.serve(t)
	for _, c := range Checks(Options{}) {
		cc, ok := c.(*cipherCheck)
		if !ok {
			continue
		}
		if fs := run(t, c, tlsTarget(port, "")); len(fs) != 0 {
			t.Errorf("%s: AES-only fake reported %+v", c.Meta().ID, fs)
		}
		hs := f.hellos()
		last := hs[len(hs)-1]
		if len(last.suites) != len(cc.suites) || last.suites[0] != cc.suites[0] || last.version != versionTLS12 {
			t.Errorf("%s offered %v at 0x%04x, want exactly its class", c.Meta().ID, last.suites, last.version)
		}
	}
}

func TestCipherPCIFlags(t *testing.T) {
	for id, auto := range map[string]bool{
		"tls.cipher.rc4": false, "tls.cipher.3des": false, "tls.cipher.des": true,
		"tls.cipher.null": true, "tls.cipher.export": true, "tls.cipher.anon": true,
	} {
		m := checkByID(t, Options{}, id).Meta()
		if m.PCIAutoFail != auto || !m.PCIFail() {
			t.Errorf("%s: auto %v, fail %v", id, m.PCIAutoFail, m.PCIFail())
		}
	}
}
