// Package sshcheck holds the SSH checks: protocol 1 support, weak key
// exchange, cipher and MAC algorithms offered in the server's KEXINIT, and
// password authentication offered to anyone. The algorithm checks exchange
// identification strings and read the server's first packet; the
// authentication check completes a key exchange and asks which methods a
// made-up user may try (a "none" request), never sending a password.
package sshcheck

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Family is the check family name of this package.
const Family = "ssh"

var sshMatch = checks.Match{Services: []string{"ssh"}, Ports: []int{22}, Protocol: result.TCP}

// check evaluates the shared handshake.
type check struct {
	meta checks.Meta
	eval func(h *handshake) (evidence string, found bool)
}

var _ checks.Check = (*check)(nil)

// Meta returns the check's metadata.
func (c *check) Meta() checks.Meta { return c.meta }

// Applies reports whether the check is meaningful for svc.
func (c *check) Applies(svc result.Service) bool { return sshMatch.Applies(svc) }

// Run probes the target; see the package documentation for what counts as a finding.
func (c *check) Run(ctx context.Context, t checks.Target) ([]result.Finding, error) {
	h, err := shared(ctx, t)
	if err != nil {
		return nil, err
	}
	ev, found := c.eval(h)
	if !found {
		return nil, nil
	}
	return []result.Finding{c.meta.Finding(t, ev)}, nil
}

func evalProtocol1(h *handshake) (string, bool) {
	if !strings.HasPrefix(h.version, "1.") {
		return "", false
	}
	return fmt.Sprintf("Server identification: %q (protocol %s)", h.banner, h.version), true
}

// algorithmCheck returns an eval reporting the algorithms of one KEXINIT
// field (both directions where there are two) that weak matches.
func algorithmCheck(what string, lists func(*kexInit) []string, weak func(string) bool) func(*handshake) (string, bool) {
	return func(h *handshake) (string, bool) {
		if h.kex == nil {
			return "", false
		}
		var bad []string
		for _, a := range lists(h.kex) {
			if weak(a) && !slices.Contains(bad, a) {
				bad = append(bad, a)
			}
		}
		if len(bad) == 0 {
			return "", false
		}
		return fmt.Sprintf("Server %q offers %s: %s", h.banner, what, strings.Join(bad, ", ")), true
	}
}

func kexList(k *kexInit) []string { return k.kex }
func cipherList(k *kexInit) []string {
	return append(append([]string(nil), k.ciphersC2S...), k.ciphersS2C...)
}
func macList(k *kexInit) []string { return append(append([]string(nil), k.macsC2S...), k.macsS2C...) }

// weakKex: SHA-1 based exchanges and 1024-bit groups (RFC 9142 §4 marks them
// SHOULD NOT / MUST NOT).
func weakKex(a string) bool {
	switch a {
	case "diffie-hellman-group1-sha1", "diffie-hellman-group-exchange-sha1", "diffie-hellman-group14-sha1", "rsa1024-sha1":
		return true
	}
	return strings.HasPrefix(a, "gss-group1-sha1-") || strings.HasPrefix(a, "gss-gex-sha1-") || strings.HasPrefix(a, "gss-group14-sha1-")
}

// weakCipher: broken stream ciphers, 64-bit block ciphers, single DES and
// no encryption at all.
func weakCipher(a string) bool {
	name, _, _ := strings.Cut(a, "@")
	return strings.HasPrefix(name, "arcfour") || strings.Contains(name, "3des") || strings.HasPrefix(name, "des") ||
		strings.HasPrefix(name, "blowfish") || strings.HasPrefix(name, "cast128") || strings.HasPrefix(name, "idea") || name == "none"
}

// cbcCipher: CBC modes of 128-bit block ciphers (the 64-bit ones are weak
// anyway), open to plaintext recovery (CVE-2008-5161).
func cbcCipher(a string) bool {
	name, _, _ := strings.Cut(a, "@")
	return strings.HasSuffix(name, "-cbc") && !weakCipher(a)
}

// weakMAC: MD5, truncated 96-bit tags, 64-bit UMAC and no MAC.
func weakMAC(a string) bool {
	name, _, _ := strings.Cut(a, "@")
	return strings.Contains(name, "md5") || strings.Contains(name, "-96") || strings.HasPrefix(name, "umac-64") || name == "none"
}

func init() {
	for _, c := range all {
		checks.Register(c)
	}
}

var refsAlgorithms = []string{"https://datatracker.ietf.org/doc/html/rfc9142", "https://datatracker.ietf.org/doc/html/rfc4253#section-6.3"}

var all = []*check{
	{eval: evalProtocol1, meta: checks.NewMeta(checks.Meta{
		ID: "ssh.protocol.v1", Family: Family,
		Title:       "SSH protocol version 1 supported",
		Description: "The server accepts SSH protocol 1 (identification 1.x or 1.99), whose integrity protection (CRC-32) and session key handling are broken: sessions can be hijacked or decrypted.",
		Solution:    "Disable protocol 1 (OpenSSH: Protocol 2, the only option since 7.4) or upgrade the server.",
		References:  []string{"https://nvd.nist.gov/vuln/detail/CVE-2001-0361", "https://www.kb.cert.org/vuls/id/13877"},
		CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N",
		// The identification string is the server's own statement of what it
		// accepts, stronger than a product banner but not a completed v1 session.
		Confidence: 95,
	})},
	{eval: algorithmCheck("weak key exchange algorithms", kexList, weakKex), meta: checks.NewMeta(checks.Meta{
		ID: "ssh.kex.weak", Family: Family,
		Title:       "SSH server offers weak key exchange algorithms",
		Description: "The server offers SHA-1 based or 1024-bit Diffie-Hellman key exchange, which RFC 9142 deprecates; 1024-bit groups are within reach of nation-state precomputation (Logjam).",
		Solution:    "Remove diffie-hellman-group1-sha1, diffie-hellman-group14-sha1 and diffie-hellman-group-exchange-sha1 from KexAlgorithms; prefer curve25519-sha256 and diffie-hellman-group16-sha512.",
		References:  append([]string{"https://weakdh.org/"}, refsAlgorithms...),
		CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N",
		Confidence:  100,
	})},
	{eval: algorithmCheck("weak ciphers", cipherList, weakCipher), meta: checks.NewMeta(checks.Meta{
		ID: "ssh.cipher.weak", Family: Family,
		Title:       "SSH server offers weak ciphers (RC4, DES, 3DES, Blowfish, none)",
		Description: "The server offers arcfour (RC4), single or triple DES, Blowfish/CAST (64-bit blocks) or no encryption; a client that prefers them gets a session open to plaintext recovery.",
		Solution:    "Restrict Ciphers to chacha20-poly1305@openssh.com, aes*-gcm@openssh.com and aes*-ctr.",
		References:  refsAlgorithms,
		CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N",
		Confidence:  100,
	})},
	{eval: algorithmCheck("CBC mode ciphers", cipherList, cbcCipher), meta: checks.NewMeta(checks.Meta{
		ID: "ssh.cipher.cbc", Family: Family,
		Title:       "SSH server offers CBC mode ciphers",
		Description: "The server offers CBC mode ciphers (aes*-cbc), which allow limited plaintext recovery by an attacker in the path (CVE-2008-5161).",
		Solution:    "Remove *-cbc from Ciphers; use chacha20-poly1305@openssh.com, aes*-gcm@openssh.com or aes*-ctr.",
		References:  append([]string{"https://nvd.nist.gov/vuln/detail/CVE-2008-5161"}, refsAlgorithms...),
		CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N",
		Confidence:  100,
	})},
	{eval: algorithmCheck("weak MAC algorithms", macList, weakMAC), meta: checks.NewMeta(checks.Meta{
		ID: "ssh.mac.weak", Family: Family,
		Title:       "SSH server offers weak MAC algorithms",
		Description: "The server offers MD5 based, 96-bit truncated or 64-bit UMAC message authentication codes, which give a weaker integrity guarantee than current algorithms.",
		Solution:    "Restrict MACs to hmac-sha2-256-etm@openssh.com, hmac-sha2-512-etm@openssh.com and umac-128-etm@openssh.com.",
		References:  refsAlgorithms,
		CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:N",
		Confidence:  100,
	})},
}
