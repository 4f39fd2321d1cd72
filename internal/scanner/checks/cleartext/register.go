// Package cleartext holds the checks for services that carry passwords in
// clear: FTP without AUTH TLS, Telnet, POP3 without STLS, IMAP without
// STARTTLS and SMTP offering AUTH before STARTTLS. Services that speak TLS
// from the first byte (FTPS, POP3S, IMAPS, SMTPS) are never reported.
package cleartext

import (
	"context"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Family is the check family name of this package.
const Family = "cleartext"

type check struct {
	meta  checks.Meta
	match checks.Match
	eval  func(ctx context.Context, t checks.Target) (*proof, error)
}

var _ checks.Check = (*check)(nil)

// Meta returns the check's metadata.
func (c *check) Meta() checks.Meta { return c.meta }

// Applies reports whether the check is meaningful for svc.
func (c *check) Applies(svc result.Service) bool { return !svc.TLS && c.match.Applies(svc) }

// Run probes the target; see the package documentation for what counts as a finding.
func (c *check) Run(ctx context.Context, t checks.Target) ([]result.Finding, error) {
	p, err := c.eval(ctx, t)
	if err != nil || p == nil {
		return nil, err
	}
	f := c.meta.Finding(t, p.evidence)
	if p.confidence > 0 {
		f.Confidence = p.confidence
	}
	return []result.Finding{f}, nil
}

func init() {
	for _, c := range all {
		checks.Register(c)
	}
}

// The cleartext checks are not PCI automatic failures: the ASV Program Guide
// lists insecure services among the "special notes" the customer must
// justify, not among automatic failures. Their scores (≥ 4.0) still fail a
// PCI scan under the score rule, as credentials in clear violate PCI DSS
// 8.3.2 / 4.2.1.
var (
	vectorCredentials = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"
	refsCleartext     = []string{"https://cwe.mitre.org/data/definitions/319.html"}
)

var all = []*check{
	{eval: evalFTP, match: checks.Match{Services: []string{"ftp"}, Ports: []int{21}, Protocol: result.TCP}, meta: checks.NewMeta(checks.Meta{
		ID: "cleartext.ftp", Family: Family,
		Title:       "FTP without TLS (credentials sent in clear)",
		Description: "The FTP server does not offer AUTH TLS, so user names, passwords and files cross the network unencrypted.",
		Solution:    "Enable and require FTPS (AUTH TLS, RFC 4217) or replace FTP with SFTP.",
		References:  append([]string{"https://datatracker.ietf.org/doc/html/rfc4217"}, refsCleartext...),
		CVSSVector:  vectorCredentials,
		Confidence:  100,
	})},
	{eval: evalTelnet, match: checks.Match{Services: []string{"telnet"}, Ports: []int{23}, Protocol: result.TCP}, meta: checks.NewMeta(checks.Meta{
		ID: "cleartext.telnet", Family: Family,
		Title:       "Telnet service (cleartext remote login)",
		Description: "A Telnet service accepts interactive logins without encryption: credentials and whole sessions can be read and hijacked in the network path.",
		Solution:    "Disable Telnet and use SSH.",
		References:  append([]string{"https://datatracker.ietf.org/doc/html/rfc854"}, refsCleartext...),
		CVSSVector:  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N",
		Confidence:  100,
	})},
	{eval: evalPOP3, match: checks.Match{Services: []string{"pop3"}, Ports: []int{110}, Protocol: result.TCP}, meta: checks.NewMeta(checks.Meta{
		ID: "cleartext.pop3", Family: Family,
		Title:       "POP3 without STLS (credentials sent in clear)",
		Description: "The POP3 server does not offer STLS, so mailbox passwords and mail cross the network unencrypted.",
		Solution:    "Enable STLS and refuse authentication before it, or serve POP3S on port 995 only.",
		References:  append([]string{"https://datatracker.ietf.org/doc/html/rfc2595", "https://datatracker.ietf.org/doc/html/rfc8314"}, refsCleartext...),
		CVSSVector:  vectorCredentials,
		Confidence:  100,
	})},
	{eval: evalIMAP, match: checks.Match{Services: []string{"imap"}, Ports: []int{143}, Protocol: result.TCP}, meta: checks.NewMeta(checks.Meta{
		ID: "cleartext.imap", Family: Family,
		Title:       "IMAP without STARTTLS (credentials sent in clear)",
		Description: "The IMAP server neither offers STARTTLS nor disables plaintext login, so mailbox passwords and mail cross the network unencrypted.",
		Solution:    "Enable STARTTLS and LOGINDISABLED before it, or serve IMAPS on port 993 only.",
		References:  append([]string{"https://datatracker.ietf.org/doc/html/rfc3501#section-6.2.1", "https://datatracker.ietf.org/doc/html/rfc8314"}, refsCleartext...),
		CVSSVector:  vectorCredentials,
		Confidence:  100,
	})},
	{eval: evalSMTPAuth, match: checks.Match{Services: []string{"smtp", "submission"}, Ports: []int{25, 587}, Protocol: result.TCP}, meta: checks.NewMeta(checks.Meta{
		ID: "cleartext.smtp-auth", Family: Family,
		Title:       "SMTP AUTH offered before STARTTLS (credentials may be sent in clear)",
		Description: "The SMTP server (MX on port 25 or submission on port 587) advertises password authentication (AUTH PLAIN/LOGIN) on the unencrypted connection, before any STARTTLS. Clients may send their passwords in clear, and an attacker in the path can strip STARTTLS from the reply so that clients which only use it when offered log in unencrypted.",
		Solution:    "Advertise AUTH only after STARTTLS (Postfix: smtpd_tls_auth_only = yes, and smtpd_tls_security_level = encrypt on the submission service; Dovecot: disable_plaintext_auth = yes), or offer submission with implicit TLS on port 465 only.",
		References:  append([]string{"https://datatracker.ietf.org/doc/html/rfc3207", "https://datatracker.ietf.org/doc/html/rfc4954#section-4"}, refsCleartext...),
		CVSSVector:  vectorCredentials,
		Confidence:  100,
	})},
}
