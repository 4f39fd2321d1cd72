package tlscheck

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// peerChain is what the server presented, fetched once per target for all
// certificate checks.
type peerChain struct {
	certs   []*x509.Certificate // leaf first, as sent
	version uint16
}

// allSuites lets the certificate handshake succeed with servers that only
// speak weak suites: the point is to read the certificate, not to trust the
// channel.
var allSuites = func() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	for _, s := range tls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}()

// fetchChain reads the server's certificate chain with crypto/tls (no
// verification here; the checks verify by hand). When crypto/tls cannot
// complete a handshake (SSL 3.0 only, RSA keys crypto/tls refuses, suites it
// lacks) it falls back to reading the Certificate message of a raw TLS 1.2
// ClientHello, which servers send in the clear before TLS 1.3.
func fetchChain(ctx context.Context, t checks.Target) (*peerChain, error) {
	c, err := connect(ctx, t)
	if err != nil {
		return nil, err
	}
	conn := tls.Client(c, &tls.Config{
		InsecureSkipVerify: true, // verified manually by each check
		ServerName:         sniName(t.Hostname),
		MinVersion:         tls.VersionTLS10,
		CipherSuites:       allSuites,
	})
	err = conn.HandshakeContext(ctx)
	if err == nil {
		st := conn.ConnectionState()
		_ = conn.Close()
		if len(st.PeerCertificates) == 0 {
			return nil, errors.New("server sent no certificate")
		}
		return &peerChain{certs: st.PeerCertificates, version: st.Version}, nil
	}
	_ = c.Close()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	chain, rawErr := fetchChainRaw(ctx, t)
	if rawErr != nil {
		return nil, fmt.Errorf("TLS handshake: %v; raw handshake: %w", err, rawErr)
	}
	return chain, nil
}

func fetchChainRaw(ctx context.Context, t checks.Target) (*peerChain, error) {
	c, err := connect(ctx, t)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	suites := append(append([]uint16(nil), broadSuites...), suitesNULL...)
	suites = append(suites, suitesEXPORT...)
	if _, err := c.Write(clientHello{version: versionTLS12, suites: suites, serverName: t.Hostname}.marshal()); err != nil {
		return nil, err
	}
	hr := &handshakeReader{r: c}
	sh, err := readServerHello(hr)
	if err != nil {
		return nil, err
	}
	for range 8 {
		typ, body, err := hr.next()
		if err != nil {
			return nil, err
		}
		switch typ {
		case handshakeCertificate:
			ders, err := parseCertificateMessage(body)
			if err != nil {
				return nil, err
			}
			var certs []*x509.Certificate
			for _, der := range ders {
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					return nil, fmt.Errorf("parsing server certificate: %w", err)
				}
				certs = append(certs, cert)
			}
			if len(certs) == 0 {
				return nil, errors.New("server sent an empty certificate list")
			}
			return &peerChain{certs: certs, version: sh.negotiated()}, nil
		case handshakeServerHelloDone:
			return nil, errors.New("server sent no certificate (anonymous suite)")
		}
	}
	return nil, errors.New("no Certificate message")
}

func sniName(host string) string {
	if host == "" || strings.ContainsAny(host, ":") || isIPv4(host) {
		return ""
	}
	return host
}

func isIPv4(s string) bool {
	return strings.Trim(s, "0123456789.") == "" && strings.Count(s, ".") == 3
}

// certCheck evaluates one property of the presented chain.
type certCheck struct {
	meta  checks.Meta
	trust *trustStore
	// eval returns the evidence and confidence of a finding, or found == false.
	eval func(trust *trustStore, chain *peerChain, t checks.Target, now time.Time) (evidence string, confidence int, found bool)
}

var _ checks.Check = (*certCheck)(nil)

// Meta returns the check's metadata.
func (c *certCheck) Meta() checks.Meta { return c.meta }

// Applies reports whether the check is meaningful for svc.
func (c *certCheck) Applies(svc result.Service) bool { return applies(svc) }

// Run probes the target; see the package documentation for what counts as a finding.
func (c *certCheck) Run(ctx context.Context, t checks.Target) ([]result.Finding, error) {
	chain, err := checks.Shared(ctx, t, "tls.cert", func(ctx context.Context) (*peerChain, error) {
		return fetchChain(ctx, t)
	})
	if errors.Is(err, errNoStartTLS) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ev, conf, found := c.eval(c.trust, chain, t, time.Now())
	if !found {
		return nil, nil
	}
	f := c.meta.Finding(t, ev)
	if conf > 0 {
		f.Confidence = conf
	}
	return []result.Finding{f}, nil
}

func describe(cert *x509.Certificate) string {
	var b strings.Builder
	fmt.Fprintf(&b, "subject %q, issuer %q, valid %s to %s",
		cert.Subject.String(), cert.Issuer.String(),
		cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
	if len(cert.DNSNames) > 0 {
		fmt.Fprintf(&b, ", DNS names %q", cert.DNSNames)
	}
	if len(cert.IPAddresses) > 0 {
		fmt.Fprintf(&b, ", IP addresses %v", cert.IPAddresses)
	}
	return b.String()
}

func evalExpired(_ *trustStore, ch *peerChain, _ checks.Target, now time.Time) (string, int, bool) {
	leaf := ch.certs[0]
	if !now.After(leaf.NotAfter) {
		return "", 0, false
	}
	days := int(now.Sub(leaf.NotAfter).Hours() / 24)
	return fmt.Sprintf("Certificate expired %d days ago: %s.", days, describe(leaf)), 0, true
}

func evalNotYetValid(_ *trustStore, ch *peerChain, _ checks.Target, now time.Time) (string, int, bool) {
	leaf := ch.certs[0]
	if !now.Before(leaf.NotBefore) {
		return "", 0, false
	}
	return fmt.Sprintf("Certificate not valid before %s: %s.", leaf.NotBefore.UTC().Format(time.RFC3339), describe(leaf)), 0, true
}

// selfSigned reports a certificate whose issuer is its own subject and whose
// signature verifies with its own key. CheckSignature (unlike Verify)
// accepts SHA-1, so old self-signed certificates are recognised too.
func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// verifyChain verifies the chain against the trusted roots, ignoring time
// and host name (their own checks report them): the verification time is
// moved inside the leaf's validity window.
func verifyChain(trust *trustStore, ch *peerChain, now time.Time) error {
	leaf := ch.certs[0]
	roots, err := trust.roots(leaf)
	if err != nil {
		return err
	}
	at := now
	if at.After(leaf.NotAfter) {
		at = leaf.NotAfter.Add(-time.Second)
	}
	if at.Before(leaf.NotBefore) {
		at = leaf.NotBefore.Add(time.Second)
	}
	inter := x509.NewCertPool()
	for _, c := range ch.certs[1:] {
		inter.AddCert(c)
	}
	_, err = leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	return err
}

func evalSelfSigned(trust *trustStore, ch *peerChain, _ checks.Target, now time.Time) (string, int, bool) {
	leaf := ch.certs[0]
	if !selfSigned(leaf) || verifyChain(trust, ch, now) == nil {
		return "", 0, false // a self-signed certificate the operator trusts explicitly is fine
	}
	return fmt.Sprintf("Self-signed certificate: %s.", describe(leaf)), 0, true
}

func evalUntrusted(trust *trustStore, ch *peerChain, _ checks.Target, now time.Time) (string, int, bool) {
	leaf := ch.certs[0]
	if selfSigned(leaf) {
		return "", 0, false // reported by tls.cert.self-signed
	}
	err := verifyChain(trust, ch, now)
	var insecure x509.InsecureAlgorithmError
	if err == nil || errors.As(err, &insecure) {
		// Verify refuses SHA-1 signatures outright; tls.cert.sha1-signature
		// reports those, so no chain verdict is drawn from them here.
		return "", 0, false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Chain does not verify to a trusted root: %v.", err)
	for i, c := range ch.certs {
		fmt.Fprintf(&b, "\n#%d %s", i, describe(c))
	}
	return b.String(), 0, true
}

func evalHostname(_ *trustStore, ch *peerChain, t checks.Target, _ time.Time) (string, int, bool) {
	leaf := ch.certs[0]
	if t.Hostname == "" || isIPLiteral(t.Hostname) {
		return ipMismatch(leaf, t)
	}
	if err := leaf.VerifyHostname(t.Hostname); err == nil {
		return "", 0, false
	}
	return fmt.Sprintf("%q does not match the certificate: %s.", t.Hostname, describe(leaf)), 0, true
}

// ipMismatch judges a certificate when no host name was scanned. Almost
// every certificate names hosts, not addresses, and a service reached by its
// bare IP cannot show one that matches: reporting that is noise about the
// scan, not about the service (its clients use the name; name-based virtual
// hosts may even hold other certificates the scanner never asked for). Only
// a certificate that lists IP addresses was meant to be used by address; if
// none of them is the scanned one, clients reaching it here are refused or
// warned, so that alone is reported.
func ipMismatch(leaf *x509.Certificate, t checks.Target) (string, int, bool) {
	addr := t.IP
	if t.Hostname != "" {
		addr, _ = netip.ParseAddr(strings.Trim(t.Hostname, "[]"))
	}
	addr = addr.Unmap()
	if len(leaf.IPAddresses) == 0 {
		return "", 0, false
	}
	for _, ip := range leaf.IPAddresses {
		if a, ok := netip.AddrFromSlice(ip); ok && a.Unmap() == addr {
			return "", 0, false
		}
	}
	// 80, not the meta's 95: behind NAT the certificate may name the private
	// address while the scan reached a public one that no client uses.
	return fmt.Sprintf("%s is not among the certificate's IP addresses: %s.", addr, describe(leaf)), 80, true
}

func isIPLiteral(host string) bool {
	_, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil
}

func evalWeakRSA(_ *trustStore, ch *peerChain, _ checks.Target, _ time.Time) (string, int, bool) {
	var weak []string
	for i, c := range ch.certs {
		if i > 0 && selfSigned(c) {
			continue // a root's key is pinned by the trust store, not by this handshake
		}
		if k, ok := c.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < 2048 {
			weak = append(weak, fmt.Sprintf("#%d %d-bit RSA key: %s", i, k.N.BitLen(), describe(c)))
		}
	}
	if len(weak) == 0 {
		return "", 0, false
	}
	return strings.Join(weak, "\n"), 0, true
}

func evalWeakSignature(_ *trustStore, ch *peerChain, _ checks.Target, _ time.Time) (string, int, bool) {
	var weak []string
	for i, c := range ch.certs {
		if selfSigned(c) {
			continue // nothing relies on a self-signature's hash
		}
		switch c.SignatureAlgorithm {
		case x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1, x509.MD5WithRSA, x509.MD2WithRSA:
			weak = append(weak, fmt.Sprintf("#%d signed with %s: %s", i, c.SignatureAlgorithm, describe(c)))
		}
	}
	if len(weak) == 0 {
		return "", 0, false
	}
	return strings.Join(weak, "\n"), 0, true
}
