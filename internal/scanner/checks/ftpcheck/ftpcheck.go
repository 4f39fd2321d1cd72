// Package ftpcheck holds the FTP checks: anonymous login. (FTP without TLS
// is reported by the cleartext family.)
package ftpcheck

import (
	"context"
	"fmt"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/netprobe"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Family is the check family name of this package.
const Family = "ftp"

// anonymousPassword is the conventional e-mail address an anonymous FTP
// login gives as its password (RFC 1635); it is no secret, but evidence
// still leaves it out.
const anonymousPassword = "scanner@perimeter.invalid"

var ftpMatch = checks.Match{Services: []string{"ftp", "ftps"}, Ports: []int{21, 990}, Protocol: result.TCP}

type anonymousCheck struct{ meta checks.Meta }

var _ checks.Check = (*anonymousCheck)(nil)

// Meta returns the check's metadata.
func (c *anonymousCheck) Meta() checks.Meta { return c.meta }

// Applies reports whether the check is meaningful for svc.
func (c *anonymousCheck) Applies(svc result.Service) bool { return ftpMatch.Applies(svc) }

// Run logs in as "anonymous": a 230 reply to USER or PASS is a finding,
// a 530 (or any other refusal) is not.
func (c *anonymousCheck) Run(ctx context.Context, t checks.Target) ([]result.Finding, error) {
	conn, err := netprobe.DialTarget(ctx, t)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	greeting, err := conn.ReadReply()
	if err != nil {
		return nil, fmt.Errorf("FTP greeting: %w", err)
	}
	if greeting.Code != 220 {
		return nil, fmt.Errorf("FTP server not ready: %q", greeting.Text())
	}
	transcript := []string{"<- " + greeting.Text()}
	send := func(cmd, shown string) (netprobe.Reply, error) {
		if err := conn.WriteString(cmd + "\r\n"); err != nil {
			return netprobe.Reply{}, err
		}
		r, err := conn.ReadReply()
		if err == nil {
			transcript = append(transcript, "-> "+shown, "<- "+r.Text())
		}
		return r, err
	}
	r, err := send("USER anonymous", "USER anonymous")
	if err != nil {
		return nil, err
	}
	if r.Code == 331 {
		if r, err = send("PASS "+anonymousPassword, "PASS (e-mail address)"); err != nil {
			return nil, err
		}
	}
	_ = conn.WriteString("QUIT\r\n")
	if r.Code != 230 {
		return nil, nil
	}
	return []result.Finding{c.meta.Finding(t, strings.Join(transcript, "\n"))}, nil
}

func init() {
	checks.Register(&anonymousCheck{meta: checks.NewMeta(checks.Meta{
		ID: "ftp.anonymous-login", Family: Family,
		Title:       "FTP anonymous login allowed",
		Description: "The FTP server accepts the user 'anonymous' with any password, giving everyone read (and possibly write) access to the files it serves.",
		Solution:    "Disable anonymous access (vsftpd: anonymous_enable=NO; ProFTPD: remove the <Anonymous> block) unless the server is a deliberate public mirror holding nothing sensitive.",
		References:  []string{"https://datatracker.ietf.org/doc/html/rfc1635", "https://cwe.mitre.org/data/definitions/1392.html"},
		CVSSVector:  "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
		// ASV Program Guide: built-in or default accounts (anonymous access
		// included) are an automatic failure; a deliberate public mirror is
		// handled by the dispute process.
		PCIAutoFail: true,
		Confidence:  100,
	})})
}
