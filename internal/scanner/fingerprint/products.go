package fingerprint

// productCPE maps a product, spelled exactly as the parsers in this package
// report it, to the "part:vendor:product" names NVD files its CVEs under.
// Where NVD has used two names over time (nginx moved to F5, MySQL to
// Oracle), both are listed so CVE matching finds old and new records.
// Products not listed get no CPE: a wrong vendor would hide every CVE.
var productCPE = map[string][]string{
	// SSH
	"OpenSSH":      {"a:openbsd:openssh"},
	"Dropbear SSH": {"a:dropbear_ssh_project:dropbear_ssh"},
	"libssh":       {"a:libssh:libssh"},
	// FTP
	"vsftpd":           {"a:beasts:vsftpd"},
	"ProFTPD":          {"a:proftpd:proftpd"},
	"Pure-FTPd":        {"a:pureftpd:pure-ftpd"},
	"FileZilla Server": {"a:filezilla-project:filezilla_server"},
	"Serv-U":           {"a:solarwinds:serv-u"},
	// Mail
	"Postfix":      {"a:postfix:postfix"},
	"Exim":         {"a:exim:exim"},
	"Sendmail":     {"a:sendmail:sendmail"},
	"OpenSMTPD":    {"a:openbsd:opensmtpd"},
	"Dovecot":      {"a:dovecot:dovecot"},
	"Cyrus IMAP":   {"a:cmu:cyrus_imap_server"},
	"Haraka":       {"a:haraka_project:haraka"},
	"Courier-IMAP": {"a:courier-mta:courier-imap"},
	// Web
	"Apache httpd":  {"a:apache:http_server"},
	"nginx":         {"a:f5:nginx", "a:nginx:nginx"},
	"Microsoft IIS": {"a:microsoft:internet_information_services"},
	"lighttpd":      {"a:lighttpd:lighttpd"},
	"Caddy":         {"a:caddyserver:caddy"},
	"OpenResty":     {"a:openresty:openresty"},
	"LiteSpeed":     {"a:litespeedtech:litespeed_web_server"},
	"Apache Tomcat": {"a:apache:tomcat"},
	"Jetty":         {"a:eclipse:jetty"},
	"gunicorn":      {"a:gunicorn:gunicorn"},
	"Werkzeug":      {"a:palletsprojects:werkzeug"},
	"PHP":           {"a:php:php"},
	"OpenSSL":       {"a:openssl:openssl"},
	"Python":        {"a:python:python"},
	// Search, databases, caches
	"Elasticsearch": {"a:elastic:elasticsearch"},
	"OpenSearch":    {"a:amazon:opensearch"},
	"CouchDB":       {"a:apache:couchdb"},
	"Redis":         {"a:redis:redis"},
	"Memcached":     {"a:memcached:memcached"},
	"MySQL":         {"a:oracle:mysql", "a:mysql:mysql"},
	"MariaDB":       {"a:mariadb:mariadb"},
	"PostgreSQL":    {"a:postgresql:postgresql"},
	"MongoDB":       {"a:mongodb:mongodb"},
	// DNS, NTP, SNMP, directory
	"BIND":                          {"a:isc:bind"},
	"Unbound":                       {"a:nlnetlabs:unbound"},
	"NSD":                           {"a:nlnetlabs:nsd"},
	"dnsmasq":                       {"a:thekelleys:dnsmasq"},
	"PowerDNS Authoritative Server": {"a:powerdns:authoritative_server"},
	"PowerDNS Recursor":             {"a:powerdns:recursor"},
	"ntpd":                          {"a:ntp:ntp"},
	"NTPsec":                        {"a:ntpsec:ntpsec"},
	"Net-SNMP":                      {"a:net-snmp:net-snmp"},
	"OpenLDAP":                      {"a:openldap:openldap"},
}
