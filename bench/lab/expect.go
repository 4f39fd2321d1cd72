// Package lab is the integration lab: real Debian daemons on loopback
// (start.sh), weak instances with planted weaknesses and hardened twins,
// scanned by the real engine (TestLab). The expectations live in one table.
package lab

import (
	"bufio"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

//go:embed ports.env
var portsEnv string

// Ports returns the lab's ports by variable name (ports.env), and an error
// when a line does not parse.
func Ports() (map[string]int, error) {
	ports := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(portsEnv))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		port, err := strconv.Atoi(val)
		if !ok || err != nil {
			return nil, fmt.Errorf("ports.env: bad line %q", line)
		}
		ports[name] = port
	}
	return ports, sc.Err()
}

// Endpoint is what one lab port must show: the identification, the findings
// that must be reported there, and whether it is a hardened twin (then none
// of the lab's planted findings may be reported on it).
type Endpoint struct {
	Name     string // e.g. "nginx weak http"
	Port     string // variable in ports.env
	UDP      bool
	Service  string // service name as detected
	Product  string // "" when nothing identifies it
	Version  string // "" when the banner does not show it
	Findings []string
	Hardened bool
}

// Expected is the lab. Check IDs are those the scanner reports, including
// those other branches are adding (issue 17).
var Expected = []Endpoint{
	{Name: "nginx weak http", Port: "NGINX_WEAK_HTTP", Service: "http", Product: "nginx", Version: "1.22.1",
		Findings: []string{"http.directory-listing", "http.exposed.git", "http.exposed.env", "http.server.version-disclosure",
			"http.header.xfo-missing", "http.header.xcto-missing"}},
	{Name: "nginx weak https", Port: "NGINX_WEAK_HTTPS", Service: "https", Product: "nginx", Version: "1.22.1",
		Findings: []string{"http.directory-listing", "http.exposed.git", "http.exposed.env", "http.server.version-disclosure",
			"http.header.xfo-missing", "http.header.xcto-missing", "http.header.hsts-missing",
			"tls.cert.self-signed", "tls.protocol.tls10", "tls.protocol.tls11"}},
	{Name: "nginx hardened http", Port: "NGINX_HARD_HTTP", Service: "http", Product: "nginx", Hardened: true},
	{Name: "nginx hardened https", Port: "NGINX_HARD_HTTPS", Service: "https", Product: "nginx", Hardened: true,
		Findings: []string{"tls.cert.untrusted"}},

	{Name: "Apache weak", Port: "APACHE_WEAK", Service: "http", Product: "Apache httpd", Version: "2.4.71",
		Findings: []string{"http.apache.server-status", "http.apache.server-info", "http.directory-listing",
			"http.method.trace", "http.exposed.backup", "http.server.version-disclosure",
			"http.header.xfo-missing", "http.header.xcto-missing"}},
	{Name: "Apache hardened", Port: "APACHE_HARD", Service: "http", Product: "Apache httpd", Hardened: true},

	{Name: "vsftpd weak", Port: "FTP_WEAK", Service: "ftp", Product: "vsftpd", Version: "3.0.3",
		Findings: []string{"ftp.anonymous-login", "cleartext.ftp"}},
	{Name: "vsftpd hardened", Port: "FTP_HARD", Service: "ftp", Product: "vsftpd", Version: "3.0.3", Hardened: true,
		Findings: []string{"tls.cert.untrusted"}},

	{Name: "OpenSSH weak", Port: "SSH_WEAK", Service: "ssh", Product: "OpenSSH", Version: "9.2p1",
		Findings: []string{"ssh.auth.password", "ssh.cipher.cbc", "ssh.mac.weak", "ssh.kex.weak"}},
	{Name: "OpenSSH hardened", Port: "SSH_HARD", Service: "ssh", Product: "OpenSSH", Version: "9.2p1", Hardened: true},

	{Name: "Postfix weak", Port: "SMTP_WEAK", Service: "smtp", Product: "Postfix",
		Findings: []string{"smtp.open-relay", "smtp.user-enumeration", "cleartext.smtp-auth"}},
	{Name: "Postfix hardened", Port: "SMTP_HARD", Service: "smtp", Product: "Postfix", Hardened: true,
		Findings: []string{"tls.cert.untrusted"}},

	{Name: "Dovecot IMAP weak", Port: "IMAP_WEAK", Service: "imap", Product: "Dovecot", Findings: []string{"cleartext.imap"}},
	{Name: "Dovecot IMAP hardened", Port: "IMAP_HARD", Service: "imap", Product: "Dovecot", Hardened: true,
		Findings: []string{"tls.cert.untrusted"}},
	{Name: "Dovecot POP3 weak", Port: "POP3_WEAK", Service: "pop3", Product: "Dovecot", Findings: []string{"cleartext.pop3"}},
	{Name: "Dovecot POP3 hardened", Port: "POP3_HARD", Service: "pop3", Product: "Dovecot", Hardened: true,
		Findings: []string{"tls.cert.untrusted"}},

	{Name: "memcached weak", Port: "MEMCACHED_WEAK", Service: "memcached", Product: "Memcached", Version: "1.6.18",
		Findings: []string{"exposure.memcached.unauthenticated"}},
	{Name: "memcached hardened (ASCII auth)", Port: "MEMCACHED_HARD", Hardened: true},
	{Name: "Redis weak", Port: "REDIS_WEAK", Service: "redis", Product: "Redis", Version: "7.0.15",
		Findings: []string{"exposure.redis.unauthenticated"}},
	{Name: "Redis hardened", Port: "REDIS_HARD", Service: "redis", Product: "Redis", Hardened: true,
		Findings: []string{"exposure.database.reachable"}},
	{Name: "PostgreSQL weak", Port: "POSTGRES_WEAK", Service: "postgresql", Product: "PostgreSQL", Version: "15.18",
		Findings: []string{"postgresql.auth.none"}},
	{Name: "PostgreSQL hardened", Port: "POSTGRES_HARD", Service: "postgresql", Product: "PostgreSQL", Hardened: true,
		Findings: []string{"exposure.database.reachable"}},
	{Name: "MariaDB weak", Port: "MYSQL_WEAK", Service: "mysql", Product: "MariaDB", Version: "10.11.19",
		Findings: []string{"mysql.auth.empty-root"}},
	{Name: "MariaDB hardened", Port: "MYSQL_HARD", Service: "mysql", Product: "MariaDB", Version: "10.11.19", Hardened: true,
		Findings: []string{"exposure.database.reachable"}},
	{Name: "etcd weak", Port: "ETCD_WEAK", Service: "etcd", Product: "etcd", Version: "3.4.23",
		Findings: []string{"exposure.etcd.unauthenticated"}},
	{Name: "etcd hardened", Port: "ETCD_HARD", Service: "etcd", Product: "etcd", Version: "3.4.23", Hardened: true},

	{Name: "snmpd weak", Port: "SNMP_WEAK", UDP: true, Service: "snmp", Product: "Net-SNMP",
		Findings: []string{"snmp.community.public"}},
	{Name: "snmpd hardened (v3 only)", Port: "SNMP_HARD", UDP: true, Hardened: true},
}

// Planted lists every finding planted on a weak endpoint: the hardened ones
// must report none of them.
func Planted() map[string]bool {
	planted := map[string]bool{}
	for _, e := range Expected {
		if !e.Hardened {
			for _, id := range e.Findings {
				planted[id] = true
			}
		}
	}
	return planted
}
