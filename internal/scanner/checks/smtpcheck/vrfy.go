package smtpcheck

import (
	"context"
	"fmt"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/netprobe"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// knownUsers exist on every Unix mail host: RFC 5321 §4.5.1 requires
// postmaster, and root is the system's own account.
var knownUsers = []string{"root", "postmaster"}

type enumerationCheck struct{ meta checks.Meta }

var _ checks.Check = (*enumerationCheck)(nil)

// Meta returns the check's metadata.
func (c *enumerationCheck) Meta() checks.Meta { return c.meta }

// Applies reports whether the check is meaningful for svc.
func (c *enumerationCheck) Applies(svc result.Service) bool { return applies(svc) }

// Run asks VRFY, then EXPN, about root, postmaster and a random user that
// cannot exist. The finding is a contrast: a known user answered positively
// (250, 251 or 252) while the random one is refused as unknown (550, 551,
// 553). What a server says to everyone is not enumeration: 252 "cannot
// VRFY user, but will accept message" to all (sendmail novrfy, Exim, Dovecot
// submission), 502 "command disabled" (Postfix disable_vrfy_command=yes, and
// Postfix's EXPN), or 550 to all. A 252 that only known users get is,
// though: Postfix answers 252 for every address it would accept and 550
// "User unknown in local recipient table" for the rest. It returns an error
// when the conversation fails.
func (c *enumerationCheck) Run(ctx context.Context, t checks.Target) ([]result.Finding, error) {
	s, err := dial(ctx, t)
	if err != nil {
		return nil, err
	}
	defer s.quit()
	random := "perimeter-" + randomLabel()
	for _, verb := range []string{"VRFY", "EXPN"} {
		known, unknown, err := c.ask(ctx, s, verb, random)
		if err != nil {
			return nil, err
		}
		if known == nil || unknown == nil {
			continue
		}
		return []result.Finding{c.finding(t, s, verb, random, *known, *unknown)}, nil
	}
	return nil, nil
}

// knownReply pairs a known user with the server's positive answer about it.
type knownReply struct {
	user  string
	reply netprobe.Reply
}

// ask sends verb for the known users and the random one. It returns the
// first positive answer about a known user and the answer about the random
// user when that one says "unknown"; either is nil otherwise.
func (c *enumerationCheck) ask(ctx context.Context, s *session, verb, random string) (*knownReply, *netprobe.Reply, error) {
	var known *knownReply
	for _, u := range knownUsers {
		r, err := c.send(ctx, s, verb+" "+u)
		if err != nil {
			return nil, nil, err
		}
		if notAvailable(r.Code) {
			return nil, nil, nil // disabled or not implemented: nothing to learn
		}
		if positive(r.Code) && known == nil {
			known = &knownReply{user: u, reply: r}
		}
	}
	if known == nil {
		return nil, nil, nil
	}
	r, err := c.send(ctx, s, verb+" "+random)
	if err != nil {
		return nil, nil, err
	}
	if !unknownUser(r.Code) {
		return known, nil, nil
	}
	return known, &r, nil
}

// send runs one command, switching to TLS first when the server demands it.
func (c *enumerationCheck) send(ctx context.Context, s *session, line string) (netprobe.Reply, error) {
	r, err := s.cmd(line)
	if err != nil {
		return r, err
	}
	if retry, err := s.upgradeOn(ctx, r); err != nil || !retry {
		return r, err
	}
	return s.cmd(line)
}

// positive: 250 "user <mailbox>", 251 "user not local; will forward", 252
// "cannot verify, will attempt delivery" (RFC 5321 §3.5.3, §4.2.2).
func positive(code int) bool { return code == 250 || code == 251 || code == 252 }

// unknownUser: 550 mailbox unavailable, 551 user not local, 553 mailbox name
// not allowed.
func unknownUser(code int) bool { return code == 550 || code == 551 || code == 553 }

// notAvailable: 500/502 not recognised or not implemented, 504 parameter
// not implemented (RFC 5321 §4.2.4, §4.3.2).
func notAvailable(code int) bool { return code == 500 || code == 502 || code == 504 }

func (c *enumerationCheck) finding(t checks.Target, s *session, verb, random string, known knownReply, unknown netprobe.Reply) result.Finding {
	ev := fmt.Sprintf("%s\n\n%s tells users apart: %q got %d (exists), the made-up %q got %d (unknown).",
		s.transcript(), verb, known.user, known.reply.Code, random, unknown.Code)
	f := c.meta.Finding(t, ev)
	if known.reply.Code == 252 {
		// 252 claims uncertainty; the contrast with the random user's 550
		// still shows which names the server knows, a little less directly.
		f.Confidence = 95
	}
	return f
}
