package fingerprint

import (
	"encoding/binary"
	"math/rand/v2"
	"regexp"
	"strings"
)

var (
	dnsUDPProbe = &probe{name: "dns", ports: []int{53, 5353, 5300}, run: runDNSUDP}
	dnsTCPProbe = &probe{name: "dns", ports: []int{53, 5353}, tlsPorts: []int{853}, inTLS: true, run: runDNSTCP}
)

// dnsVersionQuery builds a query for the TXT record "version.bind" in the
// CHAOS class, which most DNS servers answer with their version (or refuse,
// which still proves a DNS server).
func dnsVersionQuery(id uint16) []byte {
	q := binary.BigEndian.AppendUint16(nil, id)
	q = append(q, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0) // flags 0, one question
	q = append(q, 7)
	q = append(q, "version"...)
	q = append(q, 4)
	q = append(q, "bind"...)
	q = append(q, 0, 0, 16, 0, 3) // TXT, CH
	return q
}

func runDNSUDP(c *conversation) (Match, bool) {
	id := uint16(rand.Uint32())
	b, err := c.datagram(dnsVersionQuery(id), func(b []byte) bool {
		return len(b) >= 2 && binary.BigEndian.Uint16(b) == id
	})
	if err != nil {
		return Match{}, false
	}
	return parseDNSResponse(b, id)
}

func runDNSTCP(c *conversation) (Match, bool) {
	id := uint16(rand.Uint32())
	q := dnsVersionQuery(id)
	framed := append(binary.BigEndian.AppendUint16(nil, uint16(len(q))), q...)
	b, _ := c.roundTrip(framed, readSpec{max: 16 << 10, done: func(b []byte) bool {
		return len(b) >= 2 && len(b) >= 2+int(binary.BigEndian.Uint16(b))
	}})
	if len(b) < 2 || len(b) < 2+int(binary.BigEndian.Uint16(b)) {
		return Match{}, false
	}
	return parseDNSResponse(b[2:2+int(binary.BigEndian.Uint16(b))], id)
}

// dnsRcodes names response codes.
var dnsRcodes = []string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"}

// skipDNSName returns the offset just past the (possibly compressed) name
// at off, or -1 if it is malformed.
func skipDNSName(b []byte, off int) int {
	for steps := 0; off < len(b) && steps < 128; steps++ {
		l := int(b[off])
		switch {
		case l == 0:
			return off + 1
		case l&0xc0 == 0xc0:
			if off+2 > len(b) {
				return -1
			}
			return off + 2
		case l&0xc0 != 0:
			return -1
		}
		off += 1 + l
	}
	return -1
}

// parseDNSResponse reads the answer to dnsVersionQuery(id): any response
// with our id and the response bit proves a DNS server; a TXT answer gives
// the version string, parsed by parseDNSVersion.
func parseDNSResponse(b []byte, id uint16) (Match, bool) {
	if len(b) < 12 || binary.BigEndian.Uint16(b) != id || b[2]&0x80 == 0 {
		return Match{}, false
	}
	m := Match{Service: "dns"}
	if rc := int(b[3] & 0x0f); rc < len(dnsRcodes) {
		m.set("dns_rcode", dnsRcodes[rc])
	}
	qd := int(binary.BigEndian.Uint16(b[4:]))
	an := int(binary.BigEndian.Uint16(b[6:]))
	off := 12
	for i := 0; i < qd && i < 4; i++ {
		if off = skipDNSName(b, off); off < 0 || off+4 > len(b) {
			return m, true
		}
		off += 4
	}
	for i := 0; i < an && i < 8; i++ {
		if off = skipDNSName(b, off); off < 0 || off+10 > len(b) {
			break
		}
		typ := binary.BigEndian.Uint16(b[off:])
		rdlen := int(binary.BigEndian.Uint16(b[off+8:]))
		off += 10
		if off+rdlen > len(b) {
			break
		}
		if typ == 16 && rdlen > 0 {
			rd := b[off : off+rdlen]
			var parts []string
			for len(rd) > 0 && int(rd[0]) < len(rd) {
				parts = append(parts, string(rd[1:1+int(rd[0])]))
				rd = rd[1+int(rd[0]):]
			}
			v := Printable([]byte(strings.Join(parts, "")))
			if v != "" {
				m.set("dns_version_bind", v)
				m.Banner = v
				dm := parseDNSVersion(v)
				m.Product, m.Version = dm.Product, dm.Version
				for k, val := range dm.Extra {
					m.set(k, val)
				}
				break
			}
		}
		off += rdlen
	}
	return m, true
}

// dnsProducts recognise version.bind strings; submatch 1 is the version.
var dnsProducts = []struct {
	product string
	re      *regexp.Regexp
}{
	{"Unbound", regexp.MustCompile(`(?i)^unbound ([0-9][0-9a-z.]*)`)},
	{"dnsmasq", regexp.MustCompile(`(?i)^dnsmasq-([0-9][0-9a-z.]*)`)},
	{"PowerDNS Authoritative Server", regexp.MustCompile(`^PowerDNS Authoritative Server ([0-9][0-9a-z.]*)`)},
	{"PowerDNS Recursor", regexp.MustCompile(`^PowerDNS Recursor ([0-9][0-9a-z.]*)`)},
	{"Knot DNS", regexp.MustCompile(`(?i)^Knot DNS ([0-9][0-9a-z.]*)`)},
	{"Knot Resolver", regexp.MustCompile(`(?i)^Knot Resolver ([0-9][0-9a-z.]*)`)},
	{"NSD", regexp.MustCompile(`^NSD ([0-9][0-9a-z.]*)`)},
	{"Microsoft DNS", regexp.MustCompile(`^Microsoft DNS ([0-9][0-9.]*)`)},
	{"CoreDNS", regexp.MustCompile(`(?i)^CoreDNS-([0-9][0-9.]*)`)},
	{"BIND", regexp.MustCompile(`^(9\.[0-9]+\.[0-9]+(?:-[SP][0-9]+)?[^\s]*)`)},
}

var bindVersionRe = regexp.MustCompile(`^(9\.[0-9]+\.[0-9]+(?:-[SP][0-9]+)?)(.*)$`)

// parseDNSVersion identifies a DNS server from its version.bind text, such
// as "9.18.24-1-Debian" (BIND), "unbound 1.17.1" or "dnsmasq-2.89". Custom
// strings set by administrators give an empty Match.
func parseDNSVersion(s string) Match {
	var m Match
	for _, p := range dnsProducts {
		sm := p.re.FindStringSubmatch(s)
		if sm == nil {
			continue
		}
		m.Product = p.product
		if p.product == "BIND" {
			// "9.11.4-P2-RedHat-9.11.4-26.P2.el7_9.16": the -P2 patch level
			// belongs to the version, the rest is the package.
			b := bindVersionRe.FindStringSubmatch(sm[1])
			m.Version = b[1]
			suffix := strings.TrimLeft(b[2], "-+~_. ")
			if distroRe.MatchString(suffix) || strings.Contains(strings.ToLower(suffix), "redhat") {
				m.set("distro", suffix)
			} else {
				m.set("version_suffix", suffix)
			}
		} else {
			m.Version, _ = leadingVersion(sm[1])
		}
		return m
	}
	return m
}
