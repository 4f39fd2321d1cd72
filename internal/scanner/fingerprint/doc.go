// Package fingerprint identifies what answers on an open port: the service
// (lower-case names such as "http", "ssh", "smtp", "redis", "mysql", "dns"),
// the product and version, CPE 2.3 names for CVE matching, a printable banner,
// whether the port speaks TLS directly, and extra facts the checks use.
//
// Detection is active but bounded: every read is limited in size and time,
// and a whole Detect call by Detector.Timeout. It first listens (many
// services greet first: SSH, FTP, SMTP, POP3, IMAP, MySQL, Telnet, VNC),
// then runs the probes the port number suggests, one by one; the port is a
// hint, never proof: every answer is parsed before it is believed, and any
// answer is also tried against the greeting parsers, so a service on an
// unusual port is still recognised. The remaining long shots — the TLS
// handshake and the other protocol probes — then run concurrently, each on
// its own connection (Detector.MaxConns bounds them), and the first in
// priority order that recognises the service wins. A TLS session is
// searched the same way for the protocol inside it. UDP ports get DNS, NTP
// and SNMP probes at once. Raw printer ports (9100-9107) are only listened
// to: anything sent there is printed.
//
// Every protocol has a pure parse function (bytes in, fields out) that is
// table-tested and fuzzed; the probes only move bytes.
//
// Keys this package writes into result.Service.Extra (values are printable
// text of at most MaxBanner bytes):
//
//	distro, version_suffix  packaging tag after the version ("Ubuntu-3ubuntu0.6", "log")
//	distro_id, distro_release, package, package_version
//	                        what the distro tag proves ("debian", "bookworm", "openssh",
//	                        "1:9.2p1-2+deb12u10"); see distro.go
//	os                      operating system the service names ("Windows", "Linux 6.1.0 x86_64")
//	auth                    "none": the service answered without credentials (Redis PING,
//	                        Memcached, Elasticsearch/CouchDB GET /, PostgreSQL trust);
//	                        "required": it refused for lack of them
//	starttls                "true"/"false": SMTP, FTP, POP3 or IMAP in clear text offers TLS
//	ssl                     "true"/"false": MySQL/PostgreSQL accept a TLS upgrade in-protocol
//	tls_version, tls_cipher, tls_alpn, tls_cert_subject, tls_cert_issuer, tls_cert_not_after
//	                        the handshake of a port that speaks TLS directly
//	http_status, http_server, http_title, x_powered_by, www_authenticate
//	ssh_protocol, ssh_comment, smtp_auth, imap_capabilities
//	mysql_protocol, mysql_auth_plugin, mysql_error
//	pg_error_code, pg_error, pg_auth, redis_mode, redis_protected_mode, elastic_cluster
//	mongodb_wire_version, mongodb_role
//	etcd_cluster_version, docker_api_version
//	rdp_protocol, rdp_failure, smb_dialect, smb_signing, smb_encryption, smb_status
//	dns_version_bind, dns_rcode, ntp_version, ntp_stratum, ntp_refid, ntp_system
//	snmp_version, snmp_community, snmp_sysdescr, snmp_sysobjectid
//	ldap_vendor, ldap_naming_contexts, ldap_dns_host_name
//	telnet_options, vnc_protocol, rsync_protocol
package fingerprint
