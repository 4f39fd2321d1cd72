package smtpcheck

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Reserved domains (RFC 2606) under which the relay probe makes up its
// addresses: nothing real is named, and no message is ever sent anyway.
const (
	senderDomain    = "example.net"
	recipientDomain = "example.org"
)

type relayCheck struct{ meta checks.Meta }

var _ checks.Check = (*relayCheck)(nil)

// Meta returns the check's metadata.
func (c *relayCheck) Meta() checks.Meta { return c.meta }

// Applies reports whether the check is meaningful for svc.
func (c *relayCheck) Applies(svc result.Service) bool { return applies(svc) }

// Run asks the server to take a message from an outside sender for an
// outside recipient, and stops before the message: EHLO, MAIL FROM, RCPT TO,
// then RSET and QUIT, never DATA. A 250 or 251 to RCPT TO is the finding.
// The outside sender is tried first, then (if the greeting names a domain)
// a sender in the server's own domain, which relays that trust their own
// domain's senders accept. It returns an error when the conversation fails.
func (c *relayCheck) Run(ctx context.Context, t checks.Target) ([]result.Finding, error) {
	s, err := dial(ctx, t)
	if err != nil {
		return nil, err
	}
	defer s.quit()
	rnd := randomLabel()
	recipient := "probe@" + rnd + "." + recipientDomain
	senders := []string{"probe@" + rnd + "." + senderDomain}
	if d := bannerDomain(s.greeting); d != "" && !strings.HasSuffix(d, recipientDomain) {
		senders = append(senders, "probe@"+d)
	}
	for _, sender := range senders {
		relayed, err := c.try(ctx, s, sender, recipient)
		if err != nil {
			return nil, err
		}
		if relayed {
			return []result.Finding{c.finding(t, s, sender, recipient)}, nil
		}
	}
	return nil, nil
}

// try runs one MAIL FROM / RCPT TO pair and resets the transaction. It
// reports whether the recipient was accepted.
func (c *relayCheck) try(ctx context.Context, s *session, sender, recipient string) (bool, error) {
	mail, err := s.cmd("MAIL FROM:<" + sender + ">")
	if err != nil {
		return false, err
	}
	if retry, err := s.upgradeOn(ctx, mail); err != nil {
		return false, err
	} else if retry {
		if mail, err = s.cmd("MAIL FROM:<" + sender + ">"); err != nil {
			return false, err
		}
	}
	accepted := false
	if mail.Code/100 == 2 {
		rcpt, err := s.cmd("RCPT TO:<" + recipient + ">")
		if err != nil {
			return false, err
		}
		// 251 "user not local; will forward" (RFC 5321 §3.4) is relaying too.
		accepted = rcpt.Code == 250 || rcpt.Code == 251
	}
	if _, err := s.cmd("RSET"); err != nil {
		return false, err
	}
	return accepted, nil
}

func (c *relayCheck) finding(t checks.Target, s *session, sender, recipient string) result.Finding {
	ev := fmt.Sprintf("%s\n\nThe server accepted the recipient %s (an outside domain) from the sender %s, for a connection from %s; the probe reset the transaction and never sent DATA.",
		s.transcript(), recipient, sender, s.localAddr())
	f := c.meta.Finding(t, ev)
	if !public(t.IP) {
		// Servers trust their own networks to relay (Postfix mynetworks,
		// Exim relay_from_hosts): from a private or loopback address the
		// scanner may be inside them, and outsiders may be refused.
		f.Confidence = 70
		f.Evidence = checks.Evidence(ev + " The target is not a public address, so the scanner may be in the networks it trusts to relay; confirm from outside.")
	}
	return f
}

// public reports whether a is a global unicast address outside the private,
// loopback and link-local ranges.
func public(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsGlobalUnicast() && !a.IsPrivate() && !a.IsLoopback()
}
