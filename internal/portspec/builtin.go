package portspec

// This file holds every built-in port choice. The ports come from public
// knowledge of the services that use them — IANA registrations and the
// vendors' own documentation — grouped by what they serve. They are not
// derived from any scanner's port-frequency tables.

// group is a set of ports chosen for one reason.
type group struct {
	why   string
	ports []int
}

// webTCP are the ports HTTP(S) servers, application servers, admin panels and
// development servers listen on by default or by long-standing convention:
// 80/443 (IANA http/https), 8080/8443 (alternate HTTP/HTTPS, Tomcat, Jetty),
// 8000/8008/8888 (alternate HTTP, Python and Jupyter servers), 3000 (Node.js,
// Grafana), 5000 (Flask, Docker registry), 9443 (WebSphere, Portainer), 81,
// 591 (FileMaker web), 4443/7443/10443 (appliance admin HTTPS), 8001, 8081,
// 8088 (Hadoop YARN, proxies), 9000 (PHP-FPM behind HTTP, SonarQube,
// MinIO), 9080 (WebSphere HTTP).
var webTCP = []int{80, 81, 443, 591, 3000, 4443, 5000, 7443, 8000, 8001, 8008, 8080, 8081, 8088, 8443, 8888, 9000, 9080, 9443, 10443}

// commonTCP is the "Common TCP" list: services an external or internal
// vulnerability scan should find when they are exposed.
var commonTCP = []group{
	{"legacy diagnostic services (echo, discard, daytime, qotd, chargen, time, finger, ident): rarely needed, often abusable", []int{7, 9, 13, 17, 19, 37, 79, 113}},
	{"remote shells and desktops (SSH and its common alternate, Telnet, BSD r-services, telnets, RDP, VNC :0-:3, WinRM HTTP/HTTPS, TeamViewer)", []int{22, 23, 512, 513, 514, 992, 2222, 3389, 5900, 5901, 5902, 5903, 5938, 5985, 5986}},
	{"file transfer and sharing (FTP data/control, ONC RPC portmapper, NetBIOS session, SMB, AFP, rsync, FTPS, NFS, iSCSI)", []int{20, 21, 111, 139, 445, 548, 873, 989, 990, 2049, 3260}},
	{"mail (SMTP, POP3, IMAP, SMTPS, submission, IMAPS, POP3S, ManageSieve)", []int{25, 110, 143, 465, 587, 993, 995, 4190}},
	{"names, directories and authentication (TACACS+, DNS, Kerberos and kpasswd, LDAP, LDAPS, DNS over TLS, AD global catalog)", []int{49, 53, 88, 389, 464, 636, 853, 3268, 3269}},
	{"web, application servers and proxies (see webTCP; plus AJP, SOCKS, Squid)", append([]int{8009, 1080, 3128}, webTCP...)},
	{"databases and caches (MS SQL, Oracle, MySQL/MariaDB, PostgreSQL, CouchDB, Redis, Cassandra CQL, Neo4j, InfluxDB, ClickHouse HTTP, Elasticsearch HTTP/transport, Memcached, CockroachDB, MongoDB, RethinkDB, Db2, Firebird, ArangoDB)", []int{1433, 1521, 2483, 2484, 3050, 3306, 5432, 5984, 6379, 7474, 8086, 8123, 8529, 9042, 9200, 9300, 11211, 26257, 27017, 27018, 27019, 28015, 50000}},
	{"message brokers (MQTT, MQTT over TLS, NATS, AMQP and AMQPS, RabbitMQ management, Kafka, STOMP, ActiveMQ OpenWire and console, Pulsar)", []int{1883, 8883, 4222, 5671, 5672, 15672, 9092, 61613, 61616, 8161, 6650}},
	{"containers and orchestration (Docker API plain/TLS, etcd client/peer, Kubernetes API, kubelet, Consul, Vault): full control when exposed", []int{2375, 2376, 2379, 2380, 6443, 10250, 8500, 8200}},
	{"monitoring and management consoles (SNMP multiplexer, Kibana, Prometheus, Alertmanager, node exporter/JetDirect, Webmin, cPanel/WHM/webmail, GlassFish admin, WebLogic, WildFly management, Java RMI registry, Intel AMT, MikroTik Winbox)", []int{199, 5601, 9090, 9093, 9100, 10000, 2082, 2083, 2086, 2087, 2095, 2096, 4848, 7001, 7002, 9990, 1099, 16992, 16993, 8291}},
	{"Windows RPC (endpoint mapper, RPC over HTTP)", []int{135, 593}},
	{"voice, video and VPN (RTSP, H.323, PPTP, SIP and SIP-TLS, OpenVPN over TCP)", []int{554, 1720, 1723, 5060, 5061, 1194}},
	{"printing (LPD, IPP)", []int{515, 631}},
	{"version control (Subversion, git daemon)", []int{3690, 9418}},
	{"news and chat (NNTP, NNTPS, IRC, IRC over TLS, XMPP client and server)", []int{119, 563, 6667, 6697, 5222, 5269}},
	{"routing (BGP)", []int{179}},
	{"industrial control (Siemens S7, Modbus, Niagara Fox, IEC 60870-5-104, OPC UA, DNP3, EtherNet/IP): never meant to face a network they do not control", []int{102, 502, 1911, 2404, 4840, 20000, 44818}},
}

// pciUDP are the UDP services an ASV scan probes besides all TCP ports: the
// ones that answer a single datagram and are either commonly exposed or
// common findings — DNS (53), DHCP and TFTP (67-69), portmapper (111), NTP
// (123), NetBIOS name/datagram (137-138), SNMP and traps (161-162), IKE (500),
// syslog (514), RIP (520), IPMI (623), OpenVPN (1194), MS SQL browser (1434),
// L2TP (1701), RADIUS (1812-1813), SSDP (1900), NFS (2049), STUN (3478),
// IPsec NAT-T (4500), SIP (5060), mDNS (5353), Memcached (11211), BACnet
// (47808) — and the reflection/amplification vectors chargen (19) and CLDAP
// (389).
var pciUDP = []int{19, 53, 67, 68, 69, 111, 123, 137, 138, 161, 162, 389, 500, 514, 520, 623, 1194, 1434, 1701, 1812, 1813, 1900, 2049, 3478, 4500, 5060, 5353, 11211, 47808}

func fromPorts(proto string, ports ...[]int) List {
	var l List
	for _, ps := range ports {
		for _, p := range ps {
			l = append(l, Range{Protocol: proto, Start: p, End: p})
		}
	}
	return merge(l)
}

// AllTCP returns every TCP port, 1-65535.
func AllTCP() List { return List{{Protocol: TCP, Start: MinPort, End: MaxPort}} }

// CommonTCP returns a compact list of widely used TCP service ports (see
// the groups in this file for what each port serves).
func CommonTCP() List {
	var all [][]int
	for _, g := range commonTCP {
		all = append(all, g.ports)
	}
	return fromPorts(TCP, all...)
}

// Web returns the TCP ports web servers and web consoles commonly use.
func Web() List { return fromPorts(TCP, webTCP) }

// PCIASV returns the list a PCI ASV scan uses: all TCP ports plus the common
// UDP services.
func PCIASV() List { return append(AllTCP(), fromPorts(UDP, pciUDP)...) }

// Builtin is a read-only port list every organization has.
type Builtin struct {
	Name        string
	Description string
	Ports       List
}

// Builtins returns the built-in lists, each with fresh ranges, in the order
// they are shown.
func Builtins() []Builtin {
	return []Builtin{
		{Name: "All TCP", Description: "Every TCP port (1-65535).", Ports: AllTCP()},
		{Name: "Common TCP", Description: "Widely used TCP service ports: remote access, file sharing, mail, directories, web, databases, brokers, orchestration, management consoles and industrial control.", Ports: CommonTCP()},
		{Name: "Web", Description: "TCP ports of web servers, application servers and web consoles.", Ports: Web()},
		{Name: "PCI ASV", Description: "All TCP ports plus common UDP services, for PCI DSS external scans.", Ports: PCIASV()},
	}
}
