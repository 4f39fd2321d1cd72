// Package smtpcheck holds the mail server checks: open relaying and user
// enumeration through VRFY or EXPN. (AUTH offered before STARTTLS is the
// cleartext family's cleartext.smtp-auth; certificates and protocol
// versions behind STARTTLS are the TLS family's.)
//
// The probes hold a conversation but never transfer a message: they stop
// at RCPT TO, reset the transaction and quit. session.cmd refuses DATA,
// BDAT, BURL and ETRN outright, so a bug in a check cannot send mail. The
// made-up addresses live under the reserved example.net and example.org.
package smtpcheck

import (
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Family is the check family name of this package.
const Family = "smtp"

// smtpMatch covers the MX port, submission and submission over implicit
// TLS (RFC 8314): a relay or a VRFY answer is as harmful on any of them.
var smtpMatch = checks.Match{
	Services: []string{"smtp", "submission", "smtps", "submissions"},
	Ports:    []int{25, 465, 587},
	Protocol: result.TCP,
}

func applies(svc result.Service) bool { return smtpMatch.Applies(svc) }

// implicitTLS reports whether the service speaks TLS from the first byte.
func implicitTLS(svc result.Service) bool {
	switch strings.ToLower(svc.Service) {
	case "smtps", "submissions":
		return true
	case "", "unknown", "tcpwrapped":
		return svc.TLS || svc.Port == 465
	}
	return svc.TLS
}

func init() {
	checks.Register(&relayCheck{meta: checks.NewMeta(checks.Meta{
		ID: "smtp.open-relay", Family: Family,
		Title:       "SMTP server relays mail for outside domains (open relay)",
		Description: "The mail server accepted a recipient in an outside domain from an outside sender without authentication, so anyone can send mail through it: spam and phishing leave from the organisation's own address and domain, the server lands on blocklists and its own mail stops being delivered.",
		Solution:    "Relay only for authenticated users and trusted networks, and accept mail from others only for your own domains (Postfix: smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination with a tight mynetworks; Exim: relay_from_hosts; Exchange: remove the anonymous relay permission from the receive connector).",
		References: []string{
			"https://datatracker.ietf.org/doc/html/rfc5321#section-3.6",
			"https://datatracker.ietf.org/doc/html/rfc2505",
			"https://www.postfix.org/SMTPD_ACCESS_README.html",
		},
		// I:H: anyone makes the server emit any mail under its name, which
		// recipients' filters and SPF trust; A:L: blocklisting and a flooded
		// queue degrade the organisation's own mail without stopping the
		// server. C:N: relaying discloses nothing.
		CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:L",
		// Not among the ASV Program Guide's automatic failures; the 8.2
		// score fails the scan, and PCI DSS 1.4.2 allows only the traffic
		// a service needs from untrusted networks.
		// Confidence 95, not 100: a few servers accept every recipient and
		// only refuse at DATA, which the probe never sends.
		Confidence: 95,
	})})
	checks.Register(&enumerationCheck{meta: checks.NewMeta(checks.Meta{
		ID: "smtp.user-enumeration", Family: Family,
		Title:       "SMTP VRFY/EXPN reveals which user names exist",
		Description: "The mail server answers VRFY or EXPN differently for existing and nonexistent users, so anyone can list valid account names (and EXPN the members of mailing lists) to target password guessing and phishing.",
		Solution:    "Disable VRFY and EXPN (Postfix: disable_vrfy_command = yes; sendmail: PrivacyOptions=goaway; Exim: no acl_smtp_vrfy/acl_smtp_expn that accepts) or answer 252 to everyone.",
		References: []string{
			"https://datatracker.ietf.org/doc/html/rfc5321#section-7.3",
			"https://cwe.mitre.org/data/definitions/204.html",
			"https://www.postfix.org/postconf.5.html#disable_vrfy_command",
		},
		CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
		// Not an ASV automatic failure; the 5.3 score fails the scan, as
		// disclosed account names weaken the authentication PCI DSS 8.3
		// relies on.
		Confidence: 100,
	})})
}
