// Package pgcheck holds the PostgreSQL checks: a login without a password
// (pg_hba.conf "trust" reachable from the scanner). The check sends one
// startup message as the default superuser and reads whether the server
// asks for credentials; it never sends a password and leaves with
// Terminate right after the login.
package pgcheck

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/netprobe"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Family is the check family name of this package.
const Family = "postgresql"

// defaultUser is the superuser initdb creates on every installation.
const defaultUser = "postgres"

// maxMessage bounds one backend message; a startup answer is small.
const maxMessage = 64 << 10

var errProtocol = errors.New("not a PostgreSQL answer")

// login is the outcome of one startup attempt.
type login struct {
	user, database string
	tls            bool
	accepted       bool              // AuthenticationOk, or a missing database after authentication
	authRequest    string            // what the server asked for instead ("md5", "SCRAM-SHA-256", ...)
	errCode        string            // SQLSTATE of an ErrorResponse
	errText        string            // its severity and message
	params         map[string]string // ParameterStatus after AuthenticationOk
}

// authNames names the authentication request codes (protocol 3.0).
var authNames = map[uint32]string{
	2: "Kerberos V5", 3: "cleartext password", 5: "MD5 password", 7: "GSSAPI", 9: "SSPI", 10: "SASL",
}

// sslRequest asks whether the server will speak TLS (code 80877103).
var sslRequest = []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}

// startupMessage builds a protocol 3.0 startup message.
func startupMessage(user, database string) []byte {
	params := "user\x00" + user + "\x00database\x00" + database + "\x00application_name\x00perimeter-scan\x00\x00"
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(params)))
	b = binary.BigEndian.AppendUint32(b, 3<<16)
	return append(b, params...)
}

// tryLogin connects, upgrades to TLS when the server offers it (pg_hba.conf
// may trust only hostssl lines), sends the startup message and reads the
// answer up to ReadyForQuery, an ErrorResponse or an authentication request.
func tryLogin(ctx context.Context, t checks.Target, user, database string) (*login, error) {
	c, err := netprobe.Dial(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var rw io.ReadWriter = c
	l := &login{user: user, database: database, params: map[string]string{}}
	if _, err := c.Write(sslRequest); err != nil {
		return nil, err
	}
	ans, err := c.ReadN(1)
	if err != nil {
		return nil, fmt.Errorf("postgresql SSLRequest: %w", err)
	}
	switch ans[0] {
	case 'S':
		sni := t.Hostname
		if net.ParseIP(sni) != nil {
			sni = ""
		}
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, ServerName: sni}) // certificates are the TLS family's concern
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, fmt.Errorf("postgresql TLS: %w", err)
		}
		rw, l.tls = tc, true
	case 'N':
	default:
		return nil, fmt.Errorf("%w: %q to SSLRequest", errProtocol, ans)
	}
	if _, err := rw.Write(startupMessage(user, database)); err != nil {
		return nil, err
	}
	for range 256 {
		typ, body, err := readMessage(rw)
		if err != nil {
			return nil, err
		}
		switch typ {
		case 'R':
			if len(body) < 4 {
				return nil, fmt.Errorf("%w: short authentication message", errProtocol)
			}
			code := binary.BigEndian.Uint32(body)
			if code == 0 {
				l.accepted = true
				continue
			}
			name, ok := authNames[code]
			if !ok {
				return nil, fmt.Errorf("%w: authentication request %d", errProtocol, code)
			}
			if code == 10 { // SASL: the mechanisms follow
				name = strings.Join(strings.Split(strings.TrimRight(string(body[4:]), "\x00"), "\x00"), ", ")
			}
			l.authRequest = name
			return l, nil // we have no password to give: leave
		case 'S':
			k, v, _ := strings.Cut(strings.TrimRight(string(body), "\x00"), "\x00")
			l.params[k] = v
		case 'E':
			l.errCode, l.errText = errorFields(body)
			// 3D000: the database is missing, which the server checks
			// only after authentication passed.
			if l.errCode == "3D000" {
				l.accepted = true
			}
			return l, nil
		case 'Z':
			_, _ = rw.Write([]byte{'X', 0, 0, 0, 4}) // Terminate
			return l, nil
		case 'K', 'N', 'v': // BackendKeyData, NoticeResponse, NegotiateProtocolVersion
		default:
			return nil, fmt.Errorf("%w: message %q", errProtocol, typ)
		}
	}
	return nil, fmt.Errorf("%w: no end of the startup answer", errProtocol)
}

// readMessage reads one backend message: type, int32 length (itself
// included), body.
func readMessage(r io.Reader) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, fmt.Errorf("reading PostgreSQL message: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n < 4 || n > maxMessage {
		return 0, nil, fmt.Errorf("%w: message length %d", errProtocol, n)
	}
	body := make([]byte, n-4)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, fmt.Errorf("reading PostgreSQL message: %w", err)
	}
	return hdr[0], body, nil
}

// errorFields returns the SQLSTATE and "SEVERITY: message" of an
// ErrorResponse body.
func errorFields(body []byte) (code, text string) {
	f := map[byte]string{}
	for len(body) > 1 && body[0] != 0 {
		end := 1
		for end < len(body) && body[end] != 0 {
			end++
		}
		f[body[0]] = string(body[1:end])
		body = body[min(end+1, len(body)):]
	}
	return f['C'], f['S'] + ": " + f['M']
}

// check is the passwordless-login check.
type check struct {
	meta checks.Meta
}

var _ checks.Check = (*check)(nil)

var pgMatch = checks.Match{Services: []string{"postgresql", "postgres"}, Ports: []int{5432, 5433}, Protocol: result.TCP}

// Meta returns the check's metadata.
func (c *check) Meta() checks.Meta { return c.meta }

// Applies reports whether the check is meaningful for svc.
func (c *check) Applies(svc result.Service) bool { return pgMatch.Applies(svc) }

// Run logs in as "postgres" to the database "postgres" (then "template1"
// when that one is missing, to learn the session's rights). A finding is
// AuthenticationOk; it is critical when the session is a superuser's and
// keeps a lower vector when the server says it is not.
func (c *check) Run(ctx context.Context, t checks.Target) ([]result.Finding, error) {
	l, err := tryLogin(ctx, t, defaultUser, "postgres")
	if err != nil {
		return nil, err
	}
	if l.accepted && len(l.params) == 0 && l.errCode == "3D000" {
		if l2, err := tryLogin(ctx, t, defaultUser, "template1"); err == nil && l2.accepted {
			l = l2
		}
	}
	if !l.accepted {
		if l.errCode != "" && !strings.HasPrefix(l.errCode, "28") {
			// Not an authentication verdict (too many connections,
			// starting up, ...): we cannot tell.
			return nil, fmt.Errorf("postgresql login as %q: %s (SQLSTATE %s)", l.user, l.errText, l.errCode)
		}
		return nil, nil
	}
	f := c.meta.Finding(t, evidence(l))
	if l.params["is_superuser"] == "off" {
		f.CVSSVector = vectorUser
		f.CVSSScore, _ = checks.CVSSScore(vectorUser)
		f.Severity = result.SeverityFor(f.CVSSScore)
	}
	return []result.Finding{f}, nil
}

func evidence(l *login) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Startup as user %q, database %q", l.user, l.database)
	if l.tls {
		b.WriteString(" (over TLS)")
	}
	b.WriteString(" was accepted without a password")
	if l.errCode == "3D000" {
		fmt.Fprintf(&b, ": authentication passed and the server then said %s", l.errText)
	} else {
		b.WriteString(" (AuthenticationOk)")
	}
	for _, k := range []string{"is_superuser", "session_authorization", "server_version"} {
		if v, ok := l.params[k]; ok {
			fmt.Fprintf(&b, "\n%s = %s", k, v)
		}
	}
	return b.String()
}

// vectorUser is the vector when the server says the session is not a
// superuser's: the data its grants reach, not the whole cluster and host.
const vectorUser = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L"

func init() {
	checks.Register(&check{meta: checks.NewMeta(checks.Meta{
		ID: "postgresql.auth.none", Family: Family,
		Title:       "PostgreSQL accepts logins without a password",
		Description: "PostgreSQL let the scanner log in as the default superuser \"postgres\" without any password (a \"trust\" line in pg_hba.conf that matches the scanner's address). Anyone who reaches the port can read, change and drop every database, and a superuser can run operating-system commands as the server's account (COPY ... TO PROGRAM).",
		Solution:    "Replace \"trust\" with scram-sha-256 in pg_hba.conf for every host/hostssl line (keep trust, if at all, for local socket connections), give every role a strong password, reload the server, set listen_addresses to the interfaces the applications use and firewall the port.",
		References: []string{
			"https://www.postgresql.org/docs/current/auth-trust.html",
			"https://www.postgresql.org/docs/current/auth-pg-hba-conf.html",
		},
		// A superuser session: all data (C:H/I:H), shutdown and deletion (A:H).
		// Sessions the server reports as non-superuser get vectorUser.
		CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		// ASV Program Guide: open access to databases and default accounts
		// without (or with default) passwords are automatic failures.
		PCIAutoFail: true,
		Confidence:  100,
		// The open login already says the port is reachable.
		Supersedes: []string{"exposure.database.reachable"},
	})})
}
