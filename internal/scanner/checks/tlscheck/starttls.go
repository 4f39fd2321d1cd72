package tlscheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/netprobe"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// errNoStartTLS means a plaintext service does not offer STARTTLS: the TLS
// checks have nothing to test (the cleartext family reports that).
var errNoStartTLS = errors.New("service does not offer STARTTLS")

// startTLSKind returns the STARTTLS dialect of a plaintext service, or "".
func startTLSKind(svc result.Service) string {
	if svc.TLS || (svc.Protocol != "" && svc.Protocol != result.TCP) {
		return ""
	}
	switch strings.ToLower(svc.Service) {
	case "smtp", "submission":
		return "smtp"
	case "imap":
		return "imap"
	case "pop3":
		return "pop3"
	case "ftp":
		return "ftp"
	case "":
		switch svc.Port {
		case 25, 587:
			return "smtp"
		case 143:
			return "imap"
		case 110:
			return "pop3"
		case 21:
			return "ftp"
		}
	}
	return ""
}

// tlsMatch names services that speak TLS from the first byte.
var tlsMatch = checks.Match{
	Services: []string{"https", "https-alt", "imaps", "pop3s", "smtps", "submissions", "ftps", "ldaps", "ircs", "xmpps"},
	Ports:    []int{443, 465, 636, 990, 993, 995, 8443},
	Protocol: result.TCP,
}

// applies is the applicability rule of every TLS check.
func applies(svc result.Service) bool {
	if svc.Protocol == result.UDP {
		return false
	}
	return svc.TLS || tlsMatch.Applies(svc) || startTLSKind(svc) != ""
}

// connect opens a connection on which the next bytes are the TLS handshake:
// a plain TCP connection for TLS services, or one that went through the
// service's STARTTLS exchange. It returns errNoStartTLS when the service
// refuses STARTTLS.
func connect(ctx context.Context, t checks.Target) (*netprobe.Conn, error) {
	c, err := netprobe.Dial(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, err
	}
	kind := startTLSKind(t.Service)
	if kind == "" {
		return c, nil
	}
	if err := startTLS(c, kind); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s STARTTLS: %w", kind, err)
	}
	if c.Buffered() > 0 {
		c.Close()
		return nil, fmt.Errorf("%s STARTTLS: server sent data before the handshake", kind)
	}
	return c, nil
}

func startTLS(c *netprobe.Conn, kind string) error {
	switch kind {
	case "smtp":
		if _, err := expectCode(c, 220); err != nil {
			return err
		}
		host := "[127.0.0.1]"
		if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
			host = "[" + a.IP.String() + "]"
			if a.IP.To4() == nil {
				host = "[IPv6:" + a.IP.String() + "]"
			}
		}
		if err := c.WriteString("EHLO " + host + "\r\n"); err != nil {
			return err
		}
		r, err := expectCode(c, 250)
		if err != nil {
			return err
		}
		if !strings.Contains(strings.ToUpper(r.Text()), "STARTTLS") {
			return errNoStartTLS
		}
		if err := c.WriteString("STARTTLS\r\n"); err != nil {
			return err
		}
		_, err = expectCode(c, 220)
		return err
	case "ftp":
		if _, err := expectCode(c, 220); err != nil {
			return err
		}
		if err := c.WriteString("AUTH TLS\r\n"); err != nil {
			return err
		}
		r, err := c.ReadReply()
		if err != nil {
			return err
		}
		if r.Code != 234 {
			return errNoStartTLS
		}
		return nil
	case "pop3":
		if err := expectLine(c, "+OK"); err != nil {
			return err
		}
		if err := c.WriteString("STLS\r\n"); err != nil {
			return err
		}
		line, err := c.ReadLine(0)
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, "+OK") {
			return errNoStartTLS
		}
		return nil
	case "imap":
		if err := expectLine(c, "* OK"); err != nil {
			return err
		}
		if err := c.WriteString("p1 STARTTLS\r\n"); err != nil {
			return err
		}
		for range 32 { // skip untagged lines, bounded
			line, err := c.ReadLine(0)
			if err != nil {
				return err
			}
			if strings.HasPrefix(line, "p1 ") {
				if strings.HasPrefix(strings.ToUpper(line), "P1 OK") {
					return nil
				}
				return errNoStartTLS
			}
		}
		return errors.New("no tagged answer to STARTTLS")
	}
	return fmt.Errorf("unknown STARTTLS kind %q", kind)
}

func expectCode(c *netprobe.Conn, code int) (netprobe.Reply, error) {
	r, err := c.ReadReply()
	if err != nil {
		return r, err
	}
	if r.Code != code {
		return r, fmt.Errorf("expected %d, got %q", code, r.Text())
	}
	return r, nil
}

func expectLine(c *netprobe.Conn, prefix string) error {
	line, err := c.ReadLine(0)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(strings.ToUpper(line), prefix) {
		return fmt.Errorf("unexpected greeting %q", line)
	}
	return nil
}

// sendHello connects, sends ch and reads the ServerHello. A refusal (alert,
// close) returns ok == false and no error; errNoStartTLS passes through.
func sendHello(ctx context.Context, t checks.Target, ch clientHello) (sh serverHello, ok bool, err error) {
	c, err := connect(ctx, t)
	if err != nil {
		return sh, false, err
	}
	defer c.Close()
	if _, err := c.Write(ch.marshal()); err != nil {
		return sh, false, err
	}
	sh, err = readServerHello(&handshakeReader{r: c})
	if isRejected(err) {
		return sh, false, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return sh, false, ctx.Err()
		}
		return sh, false, err
	}
	return sh, true, nil
}
