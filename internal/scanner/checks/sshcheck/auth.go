package sshcheck

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/netprobe"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// authMethods is what the server said about user authentication.
type authMethods struct {
	hostKey     string   // host key type and SHA256 fingerprint
	user        string   // the random user name asked about
	methods     []string // from SSH_MSG_USERAUTH_FAILURE to "none"
	noneAllowed bool     // the server let the random user in without credentials
}

// errStop ends the client's authentication after the "none" attempt: the
// callback has the method list, and nothing else is ever sent.
var errStop = errors.New("sshcheck: stop after the method list")

// queryAuthMethods completes the key exchange and sends one "none" userauth
// request (RFC 4252 §5.2) for a random user name; the server's failure
// message lists the methods that can continue. No credential is sent.
func queryAuthMethods(ctx context.Context, t checks.Target) (*authMethods, error) {
	c, err := netprobe.Dial(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	am := &authMethods{user: "perimeter-" + hex.EncodeToString(suffix[:])}
	// Old servers only speak SHA-1 exchanges and ssh-rsa host keys: offer
	// everything the package implements, since nothing secret is protected.
	sup, insecure := ssh.SupportedAlgorithms(), ssh.InsecureAlgorithms()
	cfg := &ssh.ClientConfig{
		Config: ssh.Config{
			KeyExchanges: slices.Concat(sup.KeyExchanges, insecure.KeyExchanges),
			Ciphers:      slices.Concat(sup.Ciphers, insecure.Ciphers),
			MACs:         slices.Concat(sup.MACs, insecure.MACs),
		},
		User:              am.user,
		ClientVersion:     clientBanner,
		HostKeyAlgorithms: slices.Concat(sup.HostKeys, insecure.HostKeys),
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			am.hostKey = key.Type() + " " + ssh.FingerprintSHA256(key)
			return nil // host keys are not judged here
		},
		AuthCallback: func(ac *ssh.ClientAuthContext) (ssh.AuthMethod, error) {
			am.methods = ac.AllowedMethods
			return nil, errStop
		},
	}
	sc, chans, reqs, err := ssh.NewClientConn(c, t.Addr(), cfg)
	if err == nil {
		am.noneAllowed = true
		go ssh.DiscardRequests(reqs)
		go func() {
			for ch := range chans {
				_ = ch.Reject(ssh.Prohibited, "")
			}
		}()
		_ = sc.Close()
		return am, nil
	}
	if !errors.Is(err, errStop) {
		return nil, fmt.Errorf("ssh handshake with %s: %w", t.Addr(), err)
	}
	return am, nil
}

// authCheck reports what the server's authentication method list shows.
type authCheck struct {
	meta checks.Meta
}

var _ checks.Check = (*authCheck)(nil)

// Meta returns the check's metadata.
func (c *authCheck) Meta() checks.Meta { return c.meta }

// Applies reports whether the check is meaningful for svc.
func (c *authCheck) Applies(svc result.Service) bool { return sshMatch.Applies(svc) }

// Run asks for the method list (see queryAuthMethods). "password" listed is
// the finding at full confidence; "keyboard-interactive" alone is reported
// with less, because PAM may drive it with a one-time code rather than a
// password.
func (c *authCheck) Run(ctx context.Context, t checks.Target) ([]result.Finding, error) {
	h, err := shared(ctx, t)
	if err != nil {
		return nil, err
	}
	if h.kex == nil {
		return nil, nil // protocol 1 only: ssh.protocol.v1 reports the server
	}
	am, err := queryAuthMethods(ctx, t)
	if err != nil {
		return nil, err
	}
	if am.noneAllowed {
		return nil, nil // no credentials at all for a made-up user: nothing to say about passwords
	}
	password := slices.Contains(am.methods, "password")
	kbd := slices.Contains(am.methods, "keyboard-interactive")
	if !password && !kbd {
		return nil, nil
	}
	ev := fmt.Sprintf("Server %q (host key %s) answered a \"none\" authentication request for the non-existent user %q with the methods that can continue: %s. No password was sent.",
		h.banner, am.hostKey, am.user, strings.Join(am.methods, ","))
	f := c.meta.Finding(t, ev)
	if !password {
		f.Confidence = 70
	}
	return []result.Finding{f}, nil
}

func init() {
	checks.Register(&authCheck{meta: checks.NewMeta(checks.Meta{
		ID: "ssh.auth.password", Family: Family,
		Title:       "SSH server accepts password authentication",
		Description: "The server offers password (or keyboard-interactive) authentication to any user name from the scanner's network position. Reachable password logins invite brute force and credential stuffing, and a single weak or reused password gives a shell on the host.",
		Solution:    "Use public keys (or certificates) only: set PasswordAuthentication no and KbdInteractiveAuthentication no (ChallengeResponseAuthentication on older OpenSSH) in sshd_config, or confine password logins to internal addresses with a Match Address block; if a second factor runs over keyboard-interactive, require it together with a key (AuthenticationMethods publickey,keyboard-interactive). Restrict the port to the administrators' networks.",
		References: []string{
			"https://datatracker.ietf.org/doc/html/rfc4252#section-5.2",
			"https://man.openbsd.org/sshd_config#PasswordAuthentication",
			"https://attack.mitre.org/techniques/T1110/",
		},
		// The attack needs a guessable password (AC:H) and yields the
		// rights of the guessed account, not the whole host (C:L/I:L).
		CVSSVector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N",
		// PCI: the score (4.8) fails by the ASV score rule, which fits: PCI
		// DSS 8.3.6/8.4 want strong, multi-factor remote access, and a
		// password prompt open to the scanner shows neither. It is not one of
		// the Program Guide's automatic failures (no default account was
		// shown to work), so PCIAutoFail stays false.
		Confidence: 100,
	})})
}
