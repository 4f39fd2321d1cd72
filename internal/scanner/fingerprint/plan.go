package fingerprint

import "slices"

// probe is one active protocol test: it sends what a client of that protocol
// would send and parses the answer. run must only use c's bounded reads.
type probe struct {
	name     string // service the probe identifies, for logs and tests
	ports    []int  // ports where the service usually listens in clear text (TCP or UDP)
	tlsPorts []int  // ports where it usually listens inside TLS
	inTLS    bool   // worth trying inside a TLS session
	patient  bool   // its servers may take long to answer: always give it the full timeout
	// vague marks probes whose positive answer another protocol can also
	// produce: a TLS server answers a clear-text HTTP request with an HTTP
	// error, so an HTTP match must wait for the TLS attempt.
	vague bool
	// hintedOnly probes run only where the port suggests them: their
	// service, elsewhere, answers another probe first (etcd is an HTTP
	// server to the HTTP probe).
	hintedOnly bool
	run        func(c *conversation) (Match, bool)
}

// tcpProbes is the order probes are tried in on TCP when the port number
// suggests nothing: roughly by how common the service is, with probes whose
// request is harmless to other services first.
var tcpProbes = []*probe{
	httpProbe,
	redisProbe,
	postgresProbe,
	mongoProbe,
	memcachedProbe,
	rdpProbe,
	smbProbe,
	ldapProbe,
	dnsTCPProbe,
	etcdProbe,
}

// udpProbes is the order probes are tried in on UDP.
var udpProbes = []*probe{
	dnsUDPProbe,
	ntpProbe,
	snmpProbe,
}

// tlsStep marks, in a plan, where the TLS handshake is attempted.
var tlsStep = &probe{name: "tls", patient: true}

// greetingPorts are ports whose usual service speaks first, in clear text
// and inside TLS: there the detector listens before it sends anything.
var (
	greetingPorts    = []int{21, 22, 23, 25, 106, 110, 119, 143, 587, 873, 2121, 2222, 2525, 3306, 4190, 5900, 5901, 5902, 5903, 6667}
	tlsGreetingPorts = []int{465, 563, 990, 992, 993, 995, 6697}
	// tlsFirstPorts usually carry TLS from the first byte, so the handshake
	// is tried before any clear-text probe.
	tlsFirstPorts = []int{443, 465, 563, 636, 853, 990, 992, 993, 994, 995, 2376, 3269, 4443, 5061, 5671, 5986, 6443, 6697, 7443, 8443, 8834, 8883, 9443, 10250, 10443}
)

// plan is the order of work for one port.
type plan struct {
	listen bool     // wait for a greeting before sending anything
	steps  []*probe // probes in order; tlsStep marks the handshake
	hinted int      // how many leading probes the port number suggested
}

// planTCP orders the TCP probes for port. inTLS selects the probes worth
// running inside a TLS session; alpn is the protocol the handshake
// negotiated, if any.
func planTCP(port int, inTLS bool, alpn string) plan {
	if !inTLS && port >= 9100 && port <= 9107 {
		// Raw printing (JetDirect): every byte sent comes out on paper.
		return plan{listen: true}
	}
	var hinted, rest []*probe
	for _, p := range tcpProbes {
		if inTLS && !p.inTLS {
			continue
		}
		ports := p.ports
		if inTLS {
			ports = p.tlsPorts
		}
		if slices.Contains(ports, port) || (inTLS && p == httpProbe && (alpn == "h2" || alpn == "http/1.1")) {
			hinted = append(hinted, p)
		} else if !p.hintedOnly {
			rest = append(rest, p)
		}
	}
	var pl plan
	switch {
	case inTLS:
		pl.listen = slices.Contains(tlsGreetingPorts, port) || len(hinted) == 0
		pl.steps = append(hinted, rest...)
		pl.hinted = len(hinted)
	case slices.Contains(tlsFirstPorts, port):
		pl.steps = append(append([]*probe{tlsStep}, hinted...), rest...)
		pl.hinted = 1 + len(hinted)
	default:
		pl.listen = slices.Contains(greetingPorts, port) || len(hinted) == 0
		pl.steps = append(append(hinted, tlsStep), rest...)
		pl.hinted = len(hinted)
	}
	return pl
}

// planUDP orders the UDP probes for port: suggested ones first.
func planUDP(port int) []*probe {
	var hinted, rest []*probe
	for _, p := range udpProbes {
		if slices.Contains(p.ports, port) {
			hinted = append(hinted, p)
		} else {
			rest = append(rest, p)
		}
	}
	return append(hinted, rest...)
}
