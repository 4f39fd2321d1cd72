package fingerprint

import (
	"math/rand/v2"
	"strings"
)

var snmpProbe = &probe{name: "snmp", ports: []int{161, 162}, run: runSNMP}

// SNMP MIB-2 system group objects read by the probe.
const (
	oidSysDescr    = "1.3.6.1.2.1.1.1.0"
	oidSysObjectID = "1.3.6.1.2.1.1.2.0"
)

// snmpGet builds a GetRequest for sysDescr.0 and sysObjectID.0 with the
// community "public" in protocol version (0 = SNMPv1, 1 = SNMPv2c).
func snmpGet(version byte, requestID uint32) []byte {
	varbind := func(oid string) []byte {
		return berElem(berSequence, berOIDElem(oid), []byte{berNull, 0})
	}
	pdu := berElem(0xa0,
		berIntElem(berInteger, requestID),
		berIntElem(berInteger, 0),
		berIntElem(berInteger, 0),
		berElem(berSequence, varbind(oidSysDescr), varbind(oidSysObjectID)))
	return berElem(berSequence, berIntElem(berInteger, uint32(version)), berElem(berOctetString, []byte("public")), pdu)
}

// runSNMP sends the request as SNMPv2c and SNMPv1 at once (agents may
// accept only one of them) and takes the first answer.
func runSNMP(c *conversation) (Match, bool) {
	id := rand.Uint32() >> 2
	if err := c.send(snmpGet(0, id+1)); err != nil {
		return Match{}, false
	}
	var m Match
	b, err := c.datagram(snmpGet(1, id), func(b []byte) bool {
		var ok bool
		m, ok = parseSNMPResponse(b, id)
		if !ok {
			m, ok = parseSNMPResponse(b, id+1)
		}
		return ok
	})
	if err != nil || b == nil {
		return Match{}, false
	}
	return m, true
}

// parseSNMPResponse reads a GetResponse to request id: community, and the
// sysDescr and sysObjectID values. Agents built on Net-SNMP report an
// object id under its enterprise number, 8072.
func parseSNMPResponse(b []byte, id uint32) (Match, bool) {
	msg, _, err := berExpect(b, berSequence)
	if err != nil {
		return Match{}, false
	}
	verC, msg, err := berExpect(msg, berInteger)
	if err != nil {
		return Match{}, false
	}
	version, ok := berInt(verC)
	if !ok || version < 0 || version > 1 {
		return Match{}, false
	}
	community, msg, err := berExpect(msg, berOctetString)
	if err != nil {
		return Match{}, false
	}
	pdu, _, err := berExpect(msg, 0xa2)
	if err != nil {
		return Match{}, false
	}
	reqC, pdu, err := berExpect(pdu, berInteger)
	if err != nil {
		return Match{}, false
	}
	if rid, ok := berInt(reqC); !ok || rid != int64(id) {
		return Match{}, false
	}
	if _, pdu, err = berExpect(pdu, berInteger); err != nil { // error-status
		return Match{}, false
	}
	if _, pdu, err = berExpect(pdu, berInteger); err != nil { // error-index
		return Match{}, false
	}
	m := Match{Service: "snmp"}
	m.set("snmp_community", Printable(community))
	m.set("snmp_version", map[int64]string{0: "1", 1: "2c"}[version])
	vbs, _, err := berExpect(pdu, berSequence)
	if err != nil {
		return m, true
	}
	for i := 0; len(vbs) > 0 && i < 8; i++ {
		var vb []byte
		if vb, vbs, err = berExpect(vbs, berSequence); err != nil {
			break
		}
		oidC, rest, err := berExpect(vb, berOID)
		if err != nil {
			break
		}
		tag, val, _, err := berRead(rest)
		if err != nil {
			break
		}
		switch oid := berOIDString(oidC); {
		case oid == oidSysDescr && tag == berOctetString:
			m.set("snmp_sysdescr", Printable(val))
			m.Banner = Printable(val)
		case oid == oidSysObjectID && tag == berOID:
			obj := berOIDString(val)
			m.set("snmp_sysobjectid", obj)
			switch {
			case strings.HasPrefix(obj, "1.3.6.1.4.1.8072."):
				m.Product = "Net-SNMP"
			case strings.HasPrefix(obj, "1.3.6.1.4.1.311."):
				m.Product = "Microsoft Windows SNMP"
			case strings.HasPrefix(obj, "1.3.6.1.4.1.9."):
				m.Product = "Cisco SNMP"
			}
		}
	}
	return m, true
}
