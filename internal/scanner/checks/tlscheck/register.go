// Package tlscheck holds the TLS checks: old protocol versions (SSL 3.0,
// TLS 1.0, TLS 1.1), weak cipher suite classes (RC4, 3DES, DES, NULL, EXPORT,
// anonymous) and certificate problems (expired, not yet valid, self-signed,
// untrusted, wrong host name, short RSA key, SHA-1 signature). They run on
// every service that speaks TLS, and on SMTP, IMAP, POP3 and FTP through
// STARTTLS. Versions and suites are probed with a hand-built ClientHello,
// because crypto/tls cannot offer SSL 3.0, NULL, EXPORT or anonymous suites.
package tlscheck

import (
	"crypto/x509"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
)

// Family is the check family name of this package.
const Family = "tls"

// Options configures the checks built by Checks.
type Options struct {
	// RootCAs are the roots a chain must verify to, trusted as given (a
	// self-signed certificate in it is trusted too); nil means the system
	// store (see SystemRoots). Scans of internal services with a private CA
	// set it.
	RootCAs *x509.CertPool
	// SystemRoots locates the system store used when RootCAs is nil; the
	// zero value means the platform's defaults.
	SystemRoots SystemRoots
}

func init() {
	for _, c := range Checks(Options{}) {
		checks.Register(c)
	}
}

var refsTLSVersions = []string{
	"https://datatracker.ietf.org/doc/html/rfc8996",
	"https://www.pcisecuritystandards.org/documents/Migrating-from-SSL-Early-TLS-Info-Supp-v1_1.pdf",
}

// Checks returns new instances of every TLS check configured with o. The
// registered instances use Options{}; callers that need other roots run the
// instances returned here themselves (they carry the same IDs, so they must
// not be registered again).
func Checks(o Options) []checks.Check {
	trust := newTrustStore(o)
	return []checks.Check{
		&protocolCheck{version: versionSSL30, meta: checks.NewMeta(checks.Meta{
			ID: "tls.protocol.sslv3", Family: Family,
			Title:       "SSL 3.0 protocol accepted",
			Description: "The service negotiates SSL 3.0, which has no secure cipher mode left (POODLE, CVE-2014-3566) and lacks modern key derivation. An attacker in the network path can downgrade clients and decrypt parts of the traffic.",
			Solution:    "Disable SSL 3.0 (and SSL 2.0); allow TLS 1.2 and TLS 1.3 only.",
			References:  append([]string{"https://datatracker.ietf.org/doc/html/rfc7568", "https://nvd.nist.gov/vuln/detail/CVE-2014-3566"}, refsTLSVersions...),
			CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N",
			// ASV Program Guide: SSL and early TLS are automatic failures.
			PCIAutoFail: true,
			Confidence:  100,
		})},
		&protocolCheck{version: versionTLS10, meta: checks.NewMeta(checks.Meta{
			ID: "tls.protocol.tls10", Family: Family,
			Title:       "TLS 1.0 protocol accepted",
			Description: "The service negotiates TLS 1.0, deprecated by RFC 8996. It relies on SHA-1/MD5 in the handshake and CBC constructions open to BEAST-style attacks, and it is 'early TLS' in PCI DSS terms.",
			Solution:    "Disable TLS 1.0; allow TLS 1.2 and TLS 1.3 only.",
			References:  refsTLSVersions,
			CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
			// ASV Program Guide: early TLS (TLS 1.0) is an automatic failure.
			PCIAutoFail: true,
			Confidence:  100,
		})},
		&protocolCheck{version: versionTLS11, meta: checks.NewMeta(checks.Meta{
			ID: "tls.protocol.tls11", Family: Family,
			Title:       "TLS 1.1 protocol accepted",
			Description: "The service negotiates TLS 1.1, deprecated by RFC 8996. It offers no AEAD cipher suites and depends on SHA-1/MD5 in the handshake.",
			Solution:    "Disable TLS 1.1; allow TLS 1.2 and TLS 1.3 only.",
			References:  refsTLSVersions,
			CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N",
			// Not automatic: PCI SSC defines "early TLS" as TLS 1.0; TLS 1.1
			// has no practical break, so only its score counts.
			Confidence: 100,
		})},
		&cipherCheck{suites: suitesRC4, meta: checks.NewMeta(checks.Meta{
			ID: "tls.cipher.rc4", Family: Family,
			Title:       "RC4 cipher suites accepted",
			Description: "The service negotiates RC4 suites. RC4 keystream biases allow plaintext recovery of repeated secrets such as cookies (RFC 7465 prohibits RC4 in TLS).",
			Solution:    "Remove every RC4 suite from the server's cipher list.",
			References:  []string{"https://datatracker.ietf.org/doc/html/rfc7465", "https://nvd.nist.gov/vuln/detail/CVE-2013-2566", "https://nvd.nist.gov/vuln/detail/CVE-2015-2808"},
			CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
			Confidence:  100,
		})},
		&cipherCheck{suites: suites3DES, meta: checks.NewMeta(checks.Meta{
			ID: "tls.cipher.3des", Family: Family,
			Title:       "3DES cipher suites accepted (SWEET32)",
			Description: "The service negotiates 3DES suites. Their 64-bit block size allows birthday attacks recovering plaintext from long-lived connections (SWEET32, CVE-2016-2183).",
			Solution:    "Remove 3DES (DES-CBC3) suites from the server's cipher list.",
			References:  []string{"https://sweet32.info/", "https://nvd.nist.gov/vuln/detail/CVE-2016-2183"},
			CVSSVector:  "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", // as scored by NVD for CVE-2016-2183
			Confidence:  100,
		})},
		&cipherCheck{suites: suitesDES, meta: checks.NewMeta(checks.Meta{
			ID: "tls.cipher.des", Family: Family,
			Title:       "Single-DES cipher suites accepted",
			Description: "The service negotiates single-DES suites, whose 56-bit keys are brute-forced in hours with commodity hardware.",
			Solution:    "Remove DES suites from the server's cipher list.",
			References:  []string{"https://datatracker.ietf.org/doc/html/rfc5469"},
			CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N",
			// 56-bit keys are not strong cryptography (PCI DSS 4.2.1): an
			// automatic failure like EXPORT. (RC4 and 3DES fail on their score.)
			PCIAutoFail: true,
			Confidence:  100,
		})},
		&cipherCheck{suites: suitesNULL, meta: checks.NewMeta(checks.Meta{
			ID: "tls.cipher.null", Family: Family,
			Title:       "NULL (unencrypted) cipher suites accepted",
			Description: "The service negotiates NULL suites, which authenticate but do not encrypt: the traffic is readable by anyone in the path.",
			Solution:    "Remove NULL / eNULL suites from the server's cipher list.",
			References:  []string{"https://www.iana.org/assignments/tls-parameters/tls-parameters.xhtml#tls-parameters-4"},
			CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N",
			// No encryption is not "strong cryptography" (PCI DSS 4.2.1): an
			// automatic failure like SSL.
			PCIAutoFail: true,
			Confidence:  100,
		})},
		&cipherCheck{suites: suitesEXPORT, meta: checks.NewMeta(checks.Meta{
			ID: "tls.cipher.export", Family: Family,
			Title:       "EXPORT-grade cipher suites accepted (FREAK/Logjam)",
			Description: "The service negotiates EXPORT suites with 40- or 56-bit keys or 512-bit key exchange, which an attacker can force and break in real time (FREAK, Logjam).",
			Solution:    "Remove EXPORT suites from the server's cipher list.",
			References:  []string{"https://nvd.nist.gov/vuln/detail/CVE-2015-0204", "https://weakdh.org/"},
			CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N",
			// Deliberately breakable cryptography is not strong cryptography:
			// automatic failure.
			PCIAutoFail: true,
			Confidence:  100,
		})},
		&cipherCheck{suites: suitesAnon, meta: checks.NewMeta(checks.Meta{
			ID: "tls.cipher.anon", Family: Family,
			Title:       "Anonymous (unauthenticated) key exchange accepted",
			Description: "The service negotiates anonymous Diffie-Hellman suites, which do not authenticate the server: any man in the middle can impersonate it.",
			Solution:    "Remove aNULL (DH_anon / ECDH_anon) suites from the server's cipher list.",
			References:  []string{"https://datatracker.ietf.org/doc/html/rfc5246#appendix-F.1.1.1"},
			CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N",
			// ASV Program Guide: anonymous key-exchange protocols are an
			// automatic failure.
			PCIAutoFail: true,
			Confidence:  100,
		})},
		&certCheck{trust: trust, eval: evalExpired, meta: checks.NewMeta(checks.Meta{
			ID: "tls.cert.expired", Family: Family,
			Title:       "TLS certificate expired",
			Description: "The server's certificate is past its notAfter date. Clients either fail or teach users to click through warnings, which defeats server authentication.",
			Solution:    "Renew the certificate and automate renewal (for example with ACME).",
			References:  []string{"https://datatracker.ietf.org/doc/html/rfc5280#section-4.1.2.5"},
			CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N",
			Confidence:  100,
		})},
		&certCheck{trust: trust, eval: evalNotYetValid, meta: checks.NewMeta(checks.Meta{
			ID: "tls.cert.not-yet-valid", Family: Family,
			Title:       "TLS certificate not yet valid",
			Description: "The server's certificate has a notBefore date in the future (or the server clock is wrong), so clients reject it or warn.",
			Solution:    "Install a currently valid certificate and check the issuing system's clock.",
			References:  []string{"https://datatracker.ietf.org/doc/html/rfc5280#section-4.1.2.5"},
			CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N",
			Confidence:  100,
		})},
		&certCheck{trust: trust, eval: evalSelfSigned, meta: checks.NewMeta(checks.Meta{
			ID: "tls.cert.self-signed", Family: Family,
			Title:       "Self-signed TLS certificate",
			Description: "The server presents a self-signed certificate that no trusted authority vouches for, so clients cannot tell it from an attacker's.",
			Solution:    "Use a certificate issued by a publicly trusted CA (or your internal CA, distributed to every client).",
			References:  []string{"https://datatracker.ietf.org/doc/html/rfc5280#section-6"},
			CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N",
			Confidence:  95,
		})},
		&certCheck{trust: trust, eval: evalUntrusted, meta: checks.NewMeta(checks.Meta{
			ID: "tls.cert.untrusted", Family: Family,
			Title:       "TLS certificate chain not trusted",
			Description: "The server's certificate chain does not verify to a trusted root (unknown CA, missing intermediate, or invalid signature), so clients cannot authenticate the server.",
			Solution:    "Serve a certificate from a trusted CA together with its complete intermediate chain.",
			References:  []string{"https://datatracker.ietf.org/doc/html/rfc5280#section-6"},
			CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N",
			// The verdict depends on the scanner's root store, which may
			// differ from the clients'.
			Confidence: 90,
		})},
		&certCheck{trust: trust, eval: evalHostname, meta: checks.NewMeta(checks.Meta{
			ID: "tls.cert.hostname-mismatch", Family: Family,
			Title:       "TLS certificate does not match the host name",
			Description: "Neither the subject alternative names nor the common name of the certificate match the name the service was reached by, so clients reject the connection or warn.",
			Solution:    "Issue a certificate whose subject alternative names cover every name the service is reached by.",
			References:  []string{"https://datatracker.ietf.org/doc/html/rfc6125"},
			CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N",
			Confidence:  95,
		})},
		&certCheck{trust: trust, eval: evalWeakRSA, meta: checks.NewMeta(checks.Meta{
			ID: "tls.cert.rsa-weak-key", Family: Family,
			Title:       "TLS certificate with an RSA key shorter than 2048 bits",
			Description: "A certificate of the chain carries an RSA key below 2048 bits, under the minimum of NIST SP 800-57 and the CA/Browser Forum; such keys are within reach of factoring.",
			Solution:    "Reissue the certificate with an RSA key of at least 2048 bits or an ECDSA P-256 key.",
			References:  []string{"https://csrc.nist.gov/publications/detail/sp/800-131a/rev-2/final"},
			CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
			Confidence:  100,
		})},
		&certCheck{trust: trust, eval: evalWeakSignature, meta: checks.NewMeta(checks.Meta{
			ID: "tls.cert.sha1-signature", Family: Family,
			Title:       "TLS certificate signed with SHA-1 (or MD5)",
			Description: "A certificate of the chain is signed with SHA-1 or MD5, for which chosen-prefix collisions are practical (SHAmbles), allowing forged certificates.",
			Solution:    "Reissue the certificate (and any intermediate) with a SHA-256 or stronger signature.",
			References:  []string{"https://shattered.io/", "https://sha-mbles.github.io/"},
			CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N",
			Confidence:  100,
		})},
	}
}
