package sshcheck

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/checktest"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// realSSH runs an x/crypto/ssh server on loopback with the given server
// config (auth callbacks decide which methods it offers) and counts the
// passwords it is sent.
func realSSH(t *testing.T, cfg *ssh.ServerConfig) (checks.Target, *atomic.Int32) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AddHostKey(signer)
	cfg.ServerVersion = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"
	var secrets atomic.Int32
	if cfg.PasswordCallback != nil {
		cb := cfg.PasswordCallback
		cfg.PasswordCallback = func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			secrets.Add(1)
			return cb(c, pw)
		}
	}
	if cfg.KeyboardInteractiveCallback != nil {
		cb := cfg.KeyboardInteractiveCallback
		cfg.KeyboardInteractiveCallback = func(c ssh.ConnMetadata, ch ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			secrets.Add(1)
			return cb(c, ch)
		}
	}
	tg := checktest.Serve(t, result.Service{Service: "ssh"}, func(c net.Conn) {
		sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
		if err != nil {
			return
		}
		defer sc.Close()
		go ssh.DiscardRequests(reqs)
		for ch := range chans {
			ch.Reject(ssh.Prohibited, "test server")
		}
	})
	return tg, &secrets
}

var errDenied = errors.New("denied")

func denyPassword(ssh.ConnMetadata, []byte) (*ssh.Permissions, error) { return nil, errDenied }
func denyKey(ssh.ConnMetadata, ssh.PublicKey) (*ssh.Permissions, error) {
	return nil, errDenied
}
func askPassword(c ssh.ConnMetadata, ch ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
	_, err := ch(c.User(), "", []string{"Password: "}, []bool{false})
	if err != nil {
		return nil, err
	}
	return nil, errDenied
}

func TestSSHAuthPassword(t *testing.T) {
	tests := []struct {
		name     string
		cfg      *ssh.ServerConfig
		want     bool
		conf     int
		evidence string
	}{
		{"password and publickey", &ssh.ServerConfig{PasswordCallback: denyPassword, PublicKeyCallback: denyKey}, true, 100, "password,publickey"},
		{"keyboard-interactive only", &ssh.ServerConfig{KeyboardInteractiveCallback: askPassword}, true, 70, "keyboard-interactive"},
		{"publickey only", &ssh.ServerConfig{PublicKeyCallback: denyKey}, false, 0, ""},
		{"no authentication at all", &ssh.ServerConfig{NoClientAuth: true}, false, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg, secrets := realSSH(t, tt.cfg)
			fs := run(t, "ssh.auth.password", tg)
			if secrets.Load() != 0 {
				t.Fatalf("the check sent %d passwords or answers", secrets.Load())
			}
			if !tt.want {
				if len(fs) != 0 {
					t.Fatalf("hardened server reported: %+v", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("findings %+v", fs)
			}
			f := fs[0]
			for _, s := range []string{tt.evidence, `"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"`, "ssh-ed25519 SHA256:", `user "perimeter-`, "No password was sent"} {
				if !strings.Contains(f.Evidence, s) {
					t.Errorf("evidence lacks %q: %s", s, f.Evidence)
				}
			}
			if f.Confidence != tt.conf || f.Severity != "medium" || !f.PCIFail || f.PCIAutoFail {
				t.Errorf("finding %+v", f)
			}
		})
	}
}

func TestSSHAuthNotSSH(t *testing.T) {
	// A protocol 1 server gets no key exchange attempt and no finding.
	tg := fakeSSH(t, "", "SSH-1.5-Cisco-1.25", nil)
	if fs := run(t, "ssh.auth.password", tg); len(fs) != 0 {
		t.Fatalf("%+v", fs)
	}
	// A server that stops after its KEXINIT is an error, not a verdict.
	tg = fakeSSH(t, "", "SSH-2.0-OpenSSH_9.6", &modern)
	c, _ := checks.Lookup("ssh.auth.password")
	ctx, cancel := context.WithTimeout(context.Background(), 2e9)
	defer cancel()
	if fs, err := c.Run(ctx, tg); err == nil {
		t.Fatalf("no error from a broken handshake: %+v", fs)
	}
}
