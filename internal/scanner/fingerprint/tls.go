package fingerprint

import (
	"crypto/tls"
	"net"
	"strings"
	"time"
)

// allCipherSuites lists every suite Go implements, insecure ones included:
// detection must complete a handshake with old servers too (judging the
// suites is the TLS checks' job, not ours).
var allCipherSuites = func() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	for _, s := range tls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}()

// clientTLSConfig returns the handshake settings for detection: any
// certificate is accepted (we identify, we do not trust), TLS 1.0 and up,
// every cipher suite, and SNI from the target's host name when it has one.
func clientTLSConfig(t Target, alpn []string) *tls.Config {
	cfg := &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // identification only; certificates are judged by the TLS checks
		MinVersion:         tls.VersionTLS10,
		CipherSuites:       allCipherSuites,
		NextProtos:         alpn,
	}
	if t.Hostname != "" && net.ParseIP(t.Hostname) == nil {
		cfg.ServerName = t.Hostname
	}
	return cfg
}

// detectionALPN is offered on the first handshake: the server's choice, if
// any, says whether HTTP is inside.
var detectionALPN = []string{"h2", "http/1.1"}

// tlsFacts describes a completed handshake as Extra facts.
func tlsFacts(st tls.ConnectionState) map[string]string {
	m := Match{}
	m.set("tls_version", tls.VersionName(st.Version))
	m.set("tls_cipher", tls.CipherSuiteName(st.CipherSuite))
	m.set("tls_alpn", st.NegotiatedProtocol)
	if len(st.PeerCertificates) > 0 {
		c := st.PeerCertificates[0]
		m.set("tls_cert_subject", c.Subject.String())
		m.set("tls_cert_issuer", c.Issuer.String())
		m.set("tls_cert_not_after", c.NotAfter.UTC().Format(time.RFC3339))
	}
	return m.Extra
}

// tlsServiceNames gives the conventional name of a protocol spoken inside TLS.
var tlsServiceNames = map[string]string{
	"http":   "https",
	"imap":   "imaps",
	"pop3":   "pop3s",
	"smtp":   "smtps",
	"ldap":   "ldaps",
	"ftp":    "ftps",
	"telnet": "telnets",
	"nntp":   "nntps",
	"irc":    "ircs",
}

// tlsServiceName returns the name of service when it is wrapped in TLS.
func tlsServiceName(service string) string {
	if n, ok := tlsServiceNames[service]; ok {
		return n
	}
	return service
}

// noALPNAlert reports whether a handshake failed only because the server
// knows none of the application protocols offered.
func noALPNAlert(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no application protocol")
}
