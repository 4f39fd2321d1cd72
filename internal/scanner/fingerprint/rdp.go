package fingerprint

import "encoding/binary"

var rdpProbe = &probe{
	name:  "rdp",
	ports: []int{3389},
	run:   runRDP,
}

// rdpRequest is a TPKT-framed X.224 Connection Request carrying an
// RDP Negotiation Request for TLS and CredSSP (PROTOCOL_SSL|PROTOCOL_HYBRID).
var rdpRequest = []byte{
	0x03, 0x00, 0x00, 0x13, // TPKT version 3, length 19
	0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, // X.224 CR: length 14, code 0xe0, dst/src ref, class 0
	0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00, // RDP_NEG_REQ: type 1, flags 0, length 8, protocols 3
}

// tpktDone reports whether b holds a whole TPKT packet.
func tpktDone(b []byte) bool {
	if len(b) < 4 || b[0] != 3 {
		return len(b) > 0 && b[0] != 3
	}
	return len(b) >= int(binary.BigEndian.Uint16(b[2:4]))
}

func runRDP(c *conversation) (Match, bool) {
	b, _ := c.roundTrip(rdpRequest, readSpec{max: 512, done: tpktDone})
	return parseRDPConfirm(b)
}

// rdpProtocols names the security protocols an RDP server may select.
var rdpProtocols = map[uint32]string{
	0: "rdp", 1: "ssl", 2: "hybrid", 4: "rdstls", 8: "hybrid_ex",
}

// rdpFailures names the codes of an RDP Negotiation Failure.
var rdpFailures = map[uint32]string{
	1: "ssl_required_by_server", 2: "ssl_not_allowed_by_server", 3: "ssl_cert_not_on_server",
	4: "inconsistent_flags", 5: "hybrid_required_by_server", 6: "ssl_with_user_auth_required_by_server",
}

// parseRDPConfirm reads the answer to rdpRequest: a TPKT packet with an
// X.224 Connection Confirm, optionally followed by an RDP Negotiation
// Response (the protocol the server chose) or Failure.
func parseRDPConfirm(b []byte) (Match, bool) {
	if len(b) < 11 || b[0] != 3 || b[1] != 0 {
		return Match{}, false
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n < 11 || n > len(b) {
		return Match{}, false
	}
	li := int(b[4])
	if b[5]&0xf0 != 0xd0 || li < 6 || 5+li > n {
		return Match{}, false
	}
	m := Match{Service: "rdp"}
	if neg := b[11:n]; len(neg) >= 8 && binary.LittleEndian.Uint16(neg[2:4]) == 8 {
		code := binary.LittleEndian.Uint32(neg[4:8])
		switch neg[0] {
		case 2:
			if p, ok := rdpProtocols[code]; ok {
				m.set("rdp_protocol", p)
			}
		case 3:
			if f, ok := rdpFailures[code]; ok {
				m.set("rdp_failure", f)
			}
		}
	}
	m.Banner = "X.224 Connection Confirm"
	if p := m.Extra["rdp_protocol"]; p != "" {
		m.Banner += " (" + p + ")"
	}
	return m, true
}
