package fingerprint

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

func TestDetectServerFirst(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		handle func(net.Conn)
		want   want
	}{
		{"ssh", lineServer("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n", nil, ""),
			want{service: "ssh", product: "OpenSSH", version: "8.9p1", cpe: "cpe:2.3:a:openbsd:openssh:8.9p1:*:*:*:*:*:*:*",
				extra: map[string]string{"distro": "Ubuntu-3ubuntu0.6", "ssh_protocol": "2.0"}}},
		{"ftp vsftpd", lineServer("220 (vsFTPd 3.0.5)\r\n", map[string]string{
			"FEAT": "211-Features:\r\n EPRT\r\n AUTH TLS\r\n PASV\r\n211 End\r\n", "QUIT": "221 Goodbye.\r\n"}, "500 Unknown command.\r\n"),
			want{service: "ftp", product: "vsftpd", version: "3.0.5", cpe: "cpe:2.3:a:beasts:vsftpd:3.0.5:*:*:*:*:*:*:*",
				extra: map[string]string{"starttls": "true"}}},
		{"ftp proftpd multi-line", lineServer("220-Welcome\r\n220 ProFTPD 1.3.5e Server (Debian) [::ffff:127.0.0.1]\r\n",
			map[string]string{"FEAT": "211-Features:\r\n MDTM\r\n211 End\r\n"}, "500 Unknown command\r\n"),
			want{service: "ftp", product: "ProFTPD", version: "1.3.5e", cpe: "cpe:2.3:a:proftpd:proftpd:1.3.5e:*:*:*:*:*:*:*",
				extra: map[string]string{"starttls": "false", "distro": "Debian"}}},
		{"ftp ambiguous greeting", lineServer("220 Welcome to the archive\r\n", nil, "500 Syntax error, command unrecognized.\r\n"),
			want{service: "ftp"}},
		{"smtp exim", lineServer("220 mx.example.test ESMTP Exim 4.96 Mon, 04 Mar 2024 10:00:00 +0000\r\n", map[string]string{
			"EHLO": "250-mx.example.test Hello [127.0.0.1]\r\n250-SIZE 52428800\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n",
			"QUIT": "221 closing\r\n"}, "500 unrecognized command\r\n"),
			want{service: "smtp", product: "Exim", version: "4.96", cpe: "cpe:2.3:a:exim:exim:4.96:*:*:*:*:*:*:*",
				extra: map[string]string{"starttls": "true", "smtp_auth": "PLAIN LOGIN"}}},
		{"smtp postfix", lineServer("220 mail.example.test ESMTP Postfix (Ubuntu)\r\n", map[string]string{
			"EHLO": "250-mail.example.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"}, "502 5.5.2 Error: command not recognized\r\n"),
			want{service: "smtp", product: "Postfix", cpe: "cpe:2.3:a:postfix:postfix:*:*:*:*:*:*:*:*",
				extra: map[string]string{"starttls": "false", "distro": "Ubuntu"}}},
		{"smtp ambiguous greeting", lineServer("220 gateway ready\r\n", map[string]string{"EHLO": "250-gateway\r\n250 STARTTLS\r\n"}, "502 no\r\n"),
			want{service: "smtp", extra: map[string]string{"starttls": "true"}}},
		{"pop3", lineServer("+OK Dovecot (Ubuntu) ready.\r\n", map[string]string{
			"CAPA": "+OK\r\nCAPA\r\nTOP\r\nSTLS\r\nUSER\r\n.\r\n", "QUIT": "+OK Logging out\r\n"}, "-ERR Unknown command.\r\n"),
			want{service: "pop3", product: "Dovecot", cpe: "cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*",
				extra: map[string]string{"starttls": "true", "distro": "Ubuntu"}}},
		{"imap", lineServer("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED] Dovecot ready.\r\n",
			map[string]string{"A2": "* BYE\r\na2 OK\r\n"}, "* BAD\r\n"),
			want{service: "imap", product: "Dovecot", cpe: "cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*",
				extra: map[string]string{"starttls": "true"}}},
		{"imap capability asked", lineServer("* OK Cyrus IMAP v3.6.1-Debian-3.6.1-4 server ready\r\n",
			map[string]string{"A1": "* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\na1 OK Completed\r\n"}, "* BAD\r\n"),
			want{service: "imap", product: "Cyrus IMAP", version: "3.6.1", cpe: "cpe:2.3:a:cmu:cyrus_imap_server:3.6.1:*:*:*:*:*:*:*",
				extra: map[string]string{"starttls": "true", "distro": "Debian-3.6.1-4"}}},
		{"mysql", mysqlServer("8.0.36-0ubuntu0.22.04.1"),
			want{service: "mysql", product: "MySQL", version: "8.0.36", cpe: "cpe:2.3:a:oracle:mysql:8.0.36:*:*:*:*:*:*:*",
				extra: map[string]string{"distro": "0ubuntu0.22.04.1", "mysql_auth_plugin": "caching_sha2_password", "ssl": "true"}}},
		{"mariadb", mysqlServer("5.5.5-10.11.6-MariaDB-0+deb12u1"),
			want{service: "mysql", product: "MariaDB", version: "10.11.6", cpe: "cpe:2.3:a:mariadb:mariadb:10.11.6:*:*:*:*:*:*:*",
				extra: map[string]string{"distro": "0+deb12u1"}}},
		{"telnet", telnetServer, want{service: "telnet"}},
		{"vnc", lineServer("RFB 003.008\n", nil, ""), want{service: "vnc", extra: map[string]string{"vnc_protocol": "3.8"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := detectTCP(t, serveTCP(t, tt.handle))
			check(t, got, tt.want)
			if got.Banner == "" {
				t.Errorf("empty banner")
			}
		})
	}
}

func TestDetectTelnetBannerAfterNegotiation(t *testing.T) {
	t.Parallel()
	got := detectTCP(t, serveTCP(t, telnetServer))
	if !strings.Contains(got.Banner, "gateway login:") {
		t.Errorf("banner %q lacks the login prompt", got.Banner)
	}
	if !strings.Contains(got.Extra["telnet_options"], "DO 24") {
		t.Errorf("telnet_options = %q", got.Extra["telnet_options"])
	}
}

func TestDetectClientFirst(t *testing.T) {
	t.Parallel()
	pgCert := testCert(t)
	apache := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "Apache/2.4.58 (Ubuntu)")
		w.Header().Set("X-Powered-By", "PHP/8.3.6")
		fmt.Fprint(w, "<html><head><title>Apache2 Ubuntu Default Page: It works</title></head></html>")
	})
	elastic := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		fmt.Fprint(w, `{"name":"node-1","cluster_name":"search","cluster_uuid":"x","version":{"number":"8.11.1","build_flavor":"default","build_type":"deb","lucene_version":"9.8.0"},"tagline":"You Know, for Search"}`)
	})
	tests := []struct {
		name   string
		handle func(net.Conn)
		want   want
	}{
		{"http apache", httpHandler(apache),
			want{service: "http", product: "Apache httpd", version: "2.4.58", cpe: "cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*",
				extra: map[string]string{"distro": "Ubuntu", "http_status": "200", "x_powered_by": "PHP/8.3.6",
					"http_title": "Apache2 Ubuntu Default Page: It works"}}},
		{"elasticsearch", httpHandler(elastic),
			want{service: "elasticsearch", product: "Elasticsearch", version: "8.11.1",
				cpe: "cpe:2.3:a:elastic:elasticsearch:8.11.1:*:*:*:*:*:*:*", extra: map[string]string{"auth": "none", "elastic_cluster": "search"}}},
		{"redis open", redisServer(false),
			want{service: "redis", product: "Redis", version: "7.2.4", cpe: "cpe:2.3:a:redis:redis:7.2.4:*:*:*:*:*:*:*",
				extra: map[string]string{"auth": "none", "redis_mode": "standalone"}}},
		{"redis password", redisServer(true),
			want{service: "redis", product: "Redis", cpe: "cpe:2.3:a:redis:redis:*:*:*:*:*:*:*:*", extra: map[string]string{"auth": "required"}}},
		{"memcached", lineServer("", map[string]string{"VERSION": "VERSION 1.6.21\r\n"}, "ERROR\r\n"),
			want{service: "memcached", product: "Memcached", version: "1.6.21", cpe: "cpe:2.3:a:memcached:memcached:1.6.21:*:*:*:*:*:*:*"}},
		{"postgresql refusing", pgServer(false),
			want{service: "postgresql", product: "PostgreSQL", cpe: "cpe:2.3:a:postgresql:postgresql:*:*:*:*:*:*:*:*",
				extra: map[string]string{"pg_error_code": "28000", "auth": "required", "ssl": "false"}}},
		{"postgresql trusting", pgServer(true),
			want{service: "postgresql", product: "PostgreSQL", version: "16.2", cpe: "cpe:2.3:a:postgresql:postgresql:16.2:*:*:*:*:*:*:*",
				extra: map[string]string{"auth": "none", "pg_auth": "trust", "distro": "Debian 16.2-1.pgdg120+2"}}},
		{"postgresql with TLS", pgServerTLS(false, &pgCert),
			want{service: "postgresql", product: "PostgreSQL", cpe: "cpe:2.3:a:postgresql:postgresql:*:*:*:*:*:*:*:*",
				extra: map[string]string{"pg_error_code": "28000", "ssl": "true"}}},
		{"mongodb", mongoServer,
			want{service: "mongodb", product: "MongoDB", version: "7.0.5", cpe: "cpe:2.3:a:mongodb:mongodb:7.0.5:*:*:*:*:*:*:*",
				extra: map[string]string{"mongodb_wire_version": "21", "mongodb_role": "primary"}}},
		{"rdp", rdpServer, want{service: "rdp", extra: map[string]string{"rdp_protocol": "hybrid"}}},
		{"smb", smbServer, want{service: "smb", extra: map[string]string{"smb_dialect": "3.1.1", "smb_signing": "required"}}},
		{"ldap", ldapServer, want{service: "ldap", product: "OpenLDAP", cpe: "cpe:2.3:a:openldap:openldap:*:*:*:*:*:*:*:*",
			extra: map[string]string{"ldap_naming_contexts": "dc=example,dc=org"}}},
		{"dns over tcp", dnsTCPServer("9.18.24-1-Debian"),
			want{service: "dns", product: "BIND", version: "9.18.24", cpe: "cpe:2.3:a:isc:bind:9.18.24:*:*:*:*:*:*:*",
				extra: map[string]string{"distro": "1-Debian", "dns_version_bind": "9.18.24-1-Debian"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			check(t, detectTCP(t, serveTCP(t, tt.handle)), tt.want)
		})
	}
}

// httpHandler serves h on single connections, as net/http would.
func httpHandler(h http.Handler) func(net.Conn) {
	return func(c net.Conn) {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		_ = srv.Serve(&oneConnListener{conn: c, done: make(chan struct{})})
	}
}

// oneConnListener hands one accepted connection to http.Server.
type oneConnListener struct {
	conn net.Conn
	done chan struct{}
	used bool
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	if !l.used {
		l.used = true
		return &notifyConn{Conn: l.conn, done: l.done}, nil
	}
	<-l.done
	return nil, io.EOF
}
func (l *oneConnListener) Close() error   { return nil }
func (l *oneConnListener) Addr() net.Addr { return l.conn.LocalAddr() }

type notifyConn struct {
	net.Conn
	done chan struct{}
	once bool
}

func (c *notifyConn) Close() error {
	if !c.once {
		c.once = true
		close(c.done)
	}
	return c.Conn.Close()
}

func TestDetectHTTPS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "nginx/1.24.0")
		fmt.Fprint(w, "<title>Welcome to nginx!</title>")
	}))
	t.Cleanup(srv.Close)
	port, _ := strconv.Atoi(srv.URL[strings.LastIndex(srv.URL, ":")+1:])
	got := detectTCP(t, port)
	check(t, got, want{service: "https", product: "nginx", version: "1.24.0", tls: true,
		cpe:   "cpe:2.3:a:f5:nginx:1.24.0:*:*:*:*:*:*:*",
		extra: map[string]string{"tls_version": "TLS 1.3", "http_title": "Welcome to nginx!", "tls_alpn": "http/1.1"}})
	if len(got.CPE) != 2 || got.CPE[1] != "cpe:2.3:a:nginx:nginx:1.24.0:*:*:*:*:*:*:*" {
		t.Errorf("CPE = %v, want the F5 and the older nginx names", got.CPE)
	}
}

func TestDetectTLSWrappedIMAP(t *testing.T) {
	t.Parallel()
	port := serveTLS(t, lineServer("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Dovecot ready.\r\n", nil, "* BAD\r\n"))
	got := detectTCP(t, port)
	check(t, got, want{service: "imaps", product: "Dovecot", tls: true, cpe: "cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*"})
	if _, ok := got.Extra["starttls"]; ok {
		t.Errorf("starttls reported inside TLS: %v", got.Extra)
	}
	if got.Extra["tls_cert_subject"] != "CN=localhost" {
		t.Errorf("tls_cert_subject = %q", got.Extra["tls_cert_subject"])
	}
}

func TestDetectTLSUnknownInside(t *testing.T) {
	t.Parallel()
	port := serveTLS(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	d := testDetector()
	d.Timeout = 4 * time.Second
	got := d.Detect(context.Background(), Target{IP: loopback}, result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen})
	if !got.TLS || got.Service != "" || got.Extra["tls_version"] == "" {
		t.Errorf("got TLS=%v service=%q extra=%v; want TLS with nothing recognised inside", got.TLS, got.Service, got.Extra)
	}
}

func TestDetectUDP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		handle func([]byte) []byte
		want   want
	}{
		{"dns", func(q []byte) []byte { return dnsAnswer(q, "unbound 1.17.1") },
			want{service: "dns", product: "Unbound", version: "1.17.1", cpe: "cpe:2.3:a:nlnetlabs:unbound:1.17.1:*:*:*:*:*:*:*"}},
		{"ntp", ntpAnswer, want{service: "ntp", product: "ntpd", version: "4.2.8p15", cpe: "cpe:2.3:a:ntp:ntp:4.2.8p15:*:*:*:*:*:*:*",
			extra: map[string]string{"ntp_version": "4", "ntp_stratum": "2", "ntp_refid": "192.0.2.1", "ntp_system": "Linux/6.1.0"}}},
		{"snmp", snmpAnswer, want{service: "snmp", product: "Net-SNMP", cpe: "cpe:2.3:a:net-snmp:net-snmp:*:*:*:*:*:*:*:*",
			extra: map[string]string{"snmp_community": "public", "snmp_sysobjectid": "1.3.6.1.4.1.8072.3.2.10",
				"snmp_sysdescr": "Linux gateway 6.1.0-18-amd64 #1 SMP Debian x86_64"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := detectUDP(t, serveUDP(t, tt.handle))
			check(t, got, tt.want)
			if got.State != result.PortOpen {
				t.Errorf("State = %q, want open once a probe is answered", got.State)
			}
		})
	}
}

func TestDetectTLSWrapped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		handle func(net.Conn)
		want   want
	}{
		{"pop3s", lineServer("+OK Dovecot ready.\r\n", map[string]string{"CAPA": "+OK\r\nUSER\r\n.\r\n"}, "-ERR\r\n"),
			want{service: "pop3s", product: "Dovecot", tls: true, cpe: "cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*"}},
		{"smtps", lineServer("220 mx.example.test ESMTP Postfix\r\n", map[string]string{"EHLO": "250-mx\r\n250 AUTH PLAIN\r\n"}, "502 no\r\n"),
			want{service: "smtps", product: "Postfix", tls: true, cpe: "cpe:2.3:a:postfix:postfix:*:*:*:*:*:*:*:*",
				extra: map[string]string{"smtp_auth": "PLAIN"}}},
		{"ldaps", ldapServer, want{service: "ldaps", product: "OpenLDAP", tls: true, cpe: "cpe:2.3:a:openldap:openldap:*:*:*:*:*:*:*:*"}},
		{"redis over tls", redisServer(false), want{service: "redis", product: "Redis", version: "7.2.4", tls: true,
			cpe: "cpe:2.3:a:redis:redis:7.2.4:*:*:*:*:*:*:*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := detectTCP(t, serveTLS(t, tt.handle))
			check(t, got, tt.want)
			if got.Extra["tls_version"] == "" || got.Extra["tls_cipher"] == "" {
				t.Errorf("no handshake facts: %v", got.Extra)
			}
		})
	}
}

func TestDetectSendsHostname(t *testing.T) {
	t.Parallel()
	sni := make(chan string, 8)
	host := make(chan string, 8)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{testCert(t)},
		GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			sni <- h.ServerName
			return nil, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	port := serveListener(t, ln, httpHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host <- r.Host
	})))
	got := testDetector().Detect(context.Background(), Target{IP: loopback, Hostname: "www.example.test"},
		result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen})
	if got.Service != "https" {
		t.Fatalf("service %q, want https", got.Service)
	}
	if s := <-sni; s != "www.example.test" {
		t.Errorf("SNI %q, want www.example.test", s)
	}
	if h := <-host; h != "www.example.test:"+strconv.Itoa(port) {
		t.Errorf("Host %q", h)
	}
}

func TestDetectIPv6(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	port := serveListener(t, ln, lineServer("SSH-2.0-OpenSSH_9.6\r\n", nil, ""))
	got := testDetector().Detect(context.Background(), Target{IP: mustAddr("::1")},
		result.Service{Port: port, Protocol: result.TCP, State: result.PortOpen})
	check(t, got, want{service: "ssh", product: "OpenSSH", version: "9.6", cpe: "cpe:2.3:a:openbsd:openssh:9.6:*:*:*:*:*:*:*"})
}

func TestDetectTLSALPN(t *testing.T) {
	t.Parallel()
	t.Run("server that refuses our ALPN offer", func(t *testing.T) {
		t.Parallel()
		ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{testCert(t)}, NextProtos: []string{"imap"}})
		if err != nil {
			t.Fatal(err)
		}
		port := serveListener(t, ln, lineServer("* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n", nil, "* BAD\r\n"))
		check(t, detectTCP(t, port), want{service: "imaps", product: "Dovecot", tls: true, cpe: "cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*"})
	})
	t.Run("HTTP/2 server", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Server", "Caddy")
		}))
		srv.EnableHTTP2 = true
		srv.StartTLS()
		t.Cleanup(srv.Close)
		port, _ := strconv.Atoi(srv.URL[strings.LastIndex(srv.URL, ":")+1:])
		check(t, detectTCP(t, port), want{service: "https", product: "Caddy", tls: true,
			cpe: "cpe:2.3:a:caddyserver:caddy:*:*:*:*:*:*:*:*", extra: map[string]string{"tls_alpn": "h2"}})
	})
}

// etcd on a port other than 2379 answers GET / like any Go server (a bare
// 404); the detector asks GET /version and names it.
func TestDetectEtcdOffPort(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}`)
	})
	srv := httptest.NewServer(mux) // "/" gets net/http's default 404
	t.Cleanup(srv.Close)
	port, _ := strconv.Atoi(srv.URL[strings.LastIndex(srv.URL, ":")+1:])
	got := detectTCP(t, port)
	if got.Service != "etcd" || got.Product != "etcd" || got.Version != "3.4.23" {
		t.Fatalf("got %q %q %q, want etcd etcd 3.4.23", got.Service, got.Product, got.Version)
	}

	// Another Go server with the same 404 but no /version stays HTTP.
	plain := httptest.NewServer(http.NewServeMux())
	t.Cleanup(plain.Close)
	port, _ = strconv.Atoi(plain.URL[strings.LastIndex(plain.URL, ":")+1:])
	if got := detectTCP(t, port); got.Service != "http" {
		t.Fatalf("plain Go server: service %q, want http", got.Service)
	}
}
