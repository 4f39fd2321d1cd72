// Package mysqlcheck holds the MySQL/MariaDB checks: root with an empty
// password and anonymous (empty user name) logins. Each check completes the
// handshake (v10, HandshakeResponse41, TLS when the server offers it) with
// an empty authentication response, follows an AuthSwitchRequest to the
// plugins whose empty answer needs no key material, and quits right after
// an OK packet. A non-empty password is never sent.
package mysqlcheck

import (
	"context"
	"fmt"
	"slices"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Family is the check family name of this package.
const Family = "mysql"

var mysqlMatch = checks.Match{Services: []string{"mysql", "mariadb"}, Ports: []int{3306}, Protocol: result.TCP}

// refusals are the ERR codes that mean "not with these credentials (from
// here)": access denied (1045), denied without a password (1698), host not
// allowed (1130), client lacks the required plugin (1251), secure transport
// required (3159). Any other error (too many connections, host blocked)
// leaves the question open.
var refusals = []int{1045, 1698, 1130, 1251, 3159}

// check logs in as one user with an empty password.
type check struct {
	meta checks.Meta
	user string
}

var _ checks.Check = (*check)(nil)

// Meta returns the check's metadata.
func (c *check) Meta() checks.Meta { return c.meta }

// Applies reports whether the check is meaningful for svc.
func (c *check) Applies(svc result.Service) bool { return mysqlMatch.Applies(svc) }

// Run tries the login; an OK packet is the finding. A refusal, or a plugin
// that cannot be answered without a secret, is none; other errors are
// returned.
func (c *check) Run(ctx context.Context, t checks.Target) ([]result.Finding, error) {
	a, err := tryEmptyPassword(ctx, t, c.user)
	if err != nil {
		return nil, err
	}
	if a.errCode != 0 && !slices.Contains(refusals, a.errCode) {
		return nil, fmt.Errorf("mysql login as %q: error %d: %s", c.user, a.errCode, a.errText)
	}
	if !a.accepted {
		return nil, nil
	}
	via := ""
	if a.tls {
		via = " over TLS"
	}
	ev := fmt.Sprintf("Server %q accepted user %q with an empty password%s (auth plugin %s): the server answered the handshake response with an OK packet.",
		a.version, c.user, via, a.plugin)
	return []result.Finding{c.meta.Finding(t, ev)}, nil
}

func init() {
	for _, c := range all {
		checks.Register(c)
	}
}

var references = []string{
	"https://dev.mysql.com/doc/refman/8.0/en/default-privileges.html",
	"https://mariadb.com/kb/en/mariadb-secure-installation/",
	"https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase.html",
}

var all = []*check{
	{user: "root", meta: checks.NewMeta(checks.Meta{
		ID: "mysql.auth.empty-root", Family: Family,
		Title:       "MySQL/MariaDB root account has an empty password",
		Description: "The server let the scanner log in as \"root\" with an empty password. root holds every privilege: anyone who reaches the port can read, change and drop all databases, create accounts, and read or write files on the host (FILE privilege, SELECT ... INTO OUTFILE, LOAD DATA INFILE).",
		Solution:    "Set a strong password for every root account (ALTER USER 'root'@'%' IDENTIFIED BY ...; check SELECT user, host, plugin FROM mysql.user) or use unix_socket/auth_socket authentication for local root only, drop remote root accounts, run mysql_secure_installation, bind the server to private interfaces and firewall the port.",
		References:  references,
		// Every privilege on every database: C:H/I:H/A:H.
		CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		// ASV Program Guide: a default account with a blank password and
		// open access to a database are automatic failures.
		PCIAutoFail: true,
		Confidence:  100,
		// The open login already says the port is reachable.
		Supersedes: []string{"exposure.database.reachable"},
	})},
	{user: "", meta: checks.NewMeta(checks.Meta{
		ID: "mysql.auth.anonymous", Family: Family,
		Title:       "MySQL/MariaDB accepts anonymous logins",
		Description: "The server let the scanner log in with an empty user name and no password: an anonymous account (''@'%' or similar, left by old installers) exists and matches any user name that has no account of its own. What it can do depends on its grants (installers gave it the test databases); any session exposes the server's post-authentication attack surface.",
		Solution:    "Drop the anonymous accounts (SELECT user, host FROM mysql.user WHERE user = ''; DROP USER ''@'host' for each), run mysql_secure_installation, bind the server to private interfaces and firewall the port.",
		References:  references,
		// The grants of an anonymous account are unknown from outside:
		// typically some databases readable and writable (C:L/I:L) and
		// resources to exhaust (A:L), not the whole server.
		CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L",
		// ASV Program Guide: open access to a database without credentials
		// is an automatic failure, whatever the account may do.
		PCIAutoFail: true,
		Confidence:  100,
		Supersedes:  []string{"exposure.database.reachable"},
	})},
}
