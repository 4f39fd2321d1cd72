package portscan

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
)

// udpProbe is what the scanner sends to a UDP port, and how it reads the answer.
type udpProbe struct {
	// requests builds the datagrams of one attempt (fresh IDs each time).
	requests func() [][]byte
	// parse names the service in an answer; ok is false when the answer is
	// not the protocol asked (the port is still open: something answered).
	parse func(reply []byte) (service, banner string, ok bool)
}

// UDP protocol probes by name, for Config.UDPServices.
const (
	UDPProbeDNS  = "dns"
	UDPProbeNTP  = "ntp"
	UDPProbeSNMP = "snmp"
)

// wellKnownUDP names the probe for the standard ports.
var wellKnownUDP = map[int]string{53: UDPProbeDNS, 123: UDPProbeNTP, 161: UDPProbeSNMP}

// udpProbeFor picks the protocol probe for a port (from the scanner's extra
// mapping, then the well-known ports); other ports get an empty datagram,
// which many services ignore (silence = open|filtered) but which still draws
// an ICMP port unreachable from a closed port.
func (s *Scanner) udpProbeFor(port int) udpProbe {
	name, ok := s.udpProbes[port]
	if !ok {
		name = wellKnownUDP[port]
	}
	switch name {
	case UDPProbeDNS:
		return udpProbe{requests: func() [][]byte { return [][]byte{dnsQuery(uint16(rand.Uint32()))} }, parse: parseDNS}
	case UDPProbeNTP:
		return udpProbe{requests: func() [][]byte { return [][]byte{ntpRequest()} }, parse: parseNTP}
	case UDPProbeSNMP:
		return udpProbe{requests: func() [][]byte {
			// v2c first, then v1 for agents that only speak v1.
			return [][]byte{snmpGetSysDescr(1, "public", rand.Int32N(1<<30)), snmpGetSysDescr(0, "public", rand.Int32N(1<<30))}
		}, parse: parseSNMP}
	}
	return udpProbe{requests: func() [][]byte { return [][]byte{{}} }, parse: func([]byte) (string, string, bool) { return "", "", false }}
}

// dnsQuery is a standard, non-recursive query for the root's NS records: every
// DNS server can answer it (or refuse it, which is an answer too) without
// resolving anything on our behalf.
func dnsQuery(id uint16) []byte {
	q := make([]byte, 12, 17)
	binary.BigEndian.PutUint16(q[0:], id)
	binary.BigEndian.PutUint16(q[4:], 1) // QDCOUNT
	return append(q, 0, 0, 2, 0, 1)      // root name, QTYPE NS, QCLASS IN
}

var dnsRcodes = [...]string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"}

func parseDNS(reply []byte) (string, string, bool) {
	if len(reply) < 12 || reply[2]&0x80 == 0 { // too short, or not a response (QR bit)
		return "", "", false
	}
	rcode := int(reply[3] & 0x0f)
	name := fmt.Sprintf("rcode %d", rcode)
	if rcode < len(dnsRcodes) {
		name = dnsRcodes[rcode]
	}
	answers := binary.BigEndian.Uint16(reply[6:])
	return "dns", fmt.Sprintf("DNS response %s, %d answers", name, answers), true
}

// ntpRequest is an NTPv4 client packet (LI 0, VN 4, mode 3), 48 bytes.
func ntpRequest() []byte {
	p := make([]byte, 48)
	p[0] = 0<<6 | 4<<3 | 3
	return p
}

func parseNTP(reply []byte) (string, string, bool) {
	if len(reply) < 48 || reply[0]&0x07 != 4 { // mode 4 = server
		return "", "", false
	}
	version := (reply[0] >> 3) & 0x07
	return "ntp", fmt.Sprintf("NTPv%d server, stratum %d", version, reply[1]), true
}

// oidSysDescr is 1.3.6.1.2.1.1.1.0 in BER: the first two arcs fold into 43.
var oidSysDescr = []byte{0x2b, 6, 1, 2, 1, 1, 1, 0}

// snmpGetSysDescr is a GetRequest for sysDescr.0; version 0 is SNMPv1, 1 is v2c.
func snmpGetSysDescr(version int, community string, requestID int32) []byte {
	varbind := berTLV(0x30, berTLV(0x06, oidSysDescr), []byte{0x05, 0x00})
	pdu := berTLV(0xa0, berInt(int64(requestID)), berInt(0), berInt(0), berTLV(0x30, varbind))
	return berTLV(0x30, berInt(int64(version)), berTLV(0x04, []byte(community)), pdu)
}

// parseSNMP reads a GetResponse and returns the first variable's string value
// (sysDescr) as the banner.
func parseSNMP(reply []byte) (string, string, bool) {
	tag, msg, _, ok := berRead(reply)
	if !ok || tag != 0x30 {
		return "", "", false
	}
	var fields [3][]byte
	for i := range fields {
		if tag, fields[i], msg, ok = berRead(msg); !ok {
			return "", "", false
		}
		if i == 2 && tag != 0xa2 { // GetResponse-PDU
			return "", "", false
		}
	}
	pdu := fields[2]
	for range 3 { // request-id, error-status, error-index
		if _, _, pdu, ok = berRead(pdu); !ok {
			return "snmp", "", true
		}
	}
	banner := ""
	if _, list, _, ok := berRead(pdu); ok {
		if _, vb, _, ok := berRead(list); ok {
			if _, _, rest, ok := berRead(vb); ok { // the OID
				if tag, value, _, ok := berRead(rest); ok && tag == 0x04 {
					banner = printable(value)
				}
			}
		}
	}
	return "snmp", banner, true
}

// berTLV encodes one BER tag-length-value with the contents concatenated.
func berTLV(tag byte, contents ...[]byte) []byte {
	n := 0
	for _, c := range contents {
		n += len(c)
	}
	out := []byte{tag}
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	default:
		out = append(out, 0x82, byte(n>>8), byte(n))
	}
	for _, c := range contents {
		out = append(out, c...)
	}
	return out
}

// berInt encodes a two's-complement INTEGER in the fewest bytes.
func berInt(v int64) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(v))
	for len(b) > 1 && ((b[0] == 0 && b[1]&0x80 == 0) || (b[0] == 0xff && b[1]&0x80 != 0)) {
		b = b[1:]
	}
	return berTLV(0x02, b)
}

// berRead splits one TLV off b. Only definite lengths up to 0xffff are
// accepted, which covers any datagram.
func berRead(b []byte) (tag byte, value, rest []byte, ok bool) {
	if len(b) < 2 {
		return 0, nil, nil, false
	}
	tag, n, b := b[0], int(b[1]), b[2:]
	switch {
	case n == 0x81 && len(b) >= 1:
		n, b = int(b[0]), b[1:]
	case n == 0x82 && len(b) >= 2:
		n, b = int(b[0])<<8|int(b[1]), b[2:]
	case n >= 0x80:
		return 0, nil, nil, false
	}
	if n > len(b) {
		return 0, nil, nil, false
	}
	return tag, b[:n], b[n:], true
}

// printable keeps a banner readable: control bytes become '.', length is capped.
func printable(b []byte) string {
	const limit = 256
	if len(b) > limit {
		b = b[:limit]
	}
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		out[i] = c
	}
	return string(out)
}
