package fingerprint

import (
	"encoding/binary"
	"fmt"
)

var smbProbe = &probe{
	name:  "smb",
	ports: []int{445, 139},
	run:   runSMB,
}

// smbDialects are the SMB2/3 dialects offered, oldest first.
var smbDialects = []uint16{0x0202, 0x0210, 0x0300, 0x0302, 0x0311}

// smbNegotiate is an SMB2 NEGOTIATE request over direct TCP (a 4-byte
// NetBIOS-style length prefix). Offering 3.1.1 requires negotiate contexts;
// it carries the pre-authentication integrity and encryption contexts
// servers insist on.
var smbNegotiate = func() []byte {
	msg := make([]byte, 64, 176)
	copy(msg, "\xfeSMB")
	binary.LittleEndian.PutUint16(msg[4:], 64) // structure size
	binary.LittleEndian.PutUint16(msg[14:], 1) // credits requested
	body := make([]byte, 36)
	binary.LittleEndian.PutUint16(body[0:], 36)
	binary.LittleEndian.PutUint16(body[2:], uint16(len(smbDialects)))
	binary.LittleEndian.PutUint16(body[4:], 1)  // signing enabled
	copy(body[12:28], "perimeter-scan\x00\x01") // client GUID
	msg = append(msg, body...)
	for _, d := range smbDialects {
		msg = binary.LittleEndian.AppendUint16(msg, d)
	}
	pad8 := func() {
		for len(msg)%8 != 0 {
			msg = append(msg, 0)
		}
	}
	pad8()
	binary.LittleEndian.PutUint32(msg[64+28:], uint32(len(msg))) // negotiate context offset
	binary.LittleEndian.PutUint16(msg[64+32:], 2)                // negotiate context count
	// SMB2_PREAUTH_INTEGRITY_CAPABILITIES: one hash (SHA-512), 32-byte salt.
	pre := []byte{1, 0, 32, 0, 1, 0}
	pre = append(pre, make([]byte, 32)...)
	msg = binary.LittleEndian.AppendUint16(msg, 1)
	msg = binary.LittleEndian.AppendUint16(msg, uint16(len(pre)))
	msg = append(msg, 0, 0, 0, 0)
	msg = append(msg, pre...)
	pad8()
	// SMB2_ENCRYPTION_CAPABILITIES: AES-128-GCM, AES-128-CCM.
	enc := []byte{2, 0, 2, 0, 1, 0}
	msg = binary.LittleEndian.AppendUint16(msg, 2)
	msg = binary.LittleEndian.AppendUint16(msg, uint16(len(enc)))
	msg = append(msg, 0, 0, 0, 0)
	msg = append(msg, enc...)
	out := make([]byte, 4, 4+len(msg))
	binary.BigEndian.PutUint32(out, uint32(len(msg)))
	return append(out, msg...)
}()

// nbssDone reports whether b holds a whole length-prefixed SMB message.
func nbssDone(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	if b[0] != 0 {
		return true // not a session message: nothing more to wait for
	}
	return len(b) >= 4+int(binary.BigEndian.Uint32(b)&0xffffff)
}

func runSMB(c *conversation) (Match, bool) {
	b, _ := c.roundTrip(smbNegotiate, readSpec{max: 16 << 10, done: nbssDone})
	return parseSMBNegotiate(b)
}

// smbDialectName renders a dialect revision as "2.0.2", "3.1.1"...
func smbDialectName(d uint16) string {
	switch d {
	case 0x0202:
		return "2.0.2"
	case 0x0210:
		return "2.1"
	case 0x0300:
		return "3.0"
	case 0x0302:
		return "3.0.2"
	case 0x0311:
		return "3.1.1"
	case 0x02ff:
		return "2.x"
	}
	return fmt.Sprintf("0x%04x", d)
}

// parseSMBNegotiate reads a server's answer to smbNegotiate: an SMB2
// NEGOTIATE response (dialect chosen, signing policy, encryption support)
// or an SMB1 reply from a server that only speaks SMB1.
func parseSMBNegotiate(b []byte) (Match, bool) {
	if len(b) < 4+32 || b[0] != 0 {
		return Match{}, false
	}
	n := int(binary.BigEndian.Uint32(b) & 0xffffff)
	if n < 32 || len(b) < 4+n {
		return Match{}, false
	}
	msg := b[4 : 4+n]
	m := Match{Service: "smb"}
	switch string(msg[:4]) {
	case "\xffSMB":
		m.set("smb_dialect", "1")
		m.Banner = "SMB1"
		return m, true
	case "\xfeSMB":
	default:
		return Match{}, false
	}
	if len(msg) < 64 || binary.LittleEndian.Uint16(msg[4:]) != 64 || binary.LittleEndian.Uint16(msg[12:]) != 0 {
		return Match{}, false
	}
	if binary.LittleEndian.Uint32(msg[16:])&1 == 0 { // SMB2_FLAGS_SERVER_TO_REDIR
		return Match{}, false
	}
	status := binary.LittleEndian.Uint32(msg[8:])
	body := msg[64:]
	if status != 0 || len(body) < 8 || binary.LittleEndian.Uint16(body) != 65 {
		m.set("smb_status", fmt.Sprintf("0x%08x", status))
		m.Banner = "SMB2"
		return m, true
	}
	mode := binary.LittleEndian.Uint16(body[2:])
	dialect := smbDialectName(binary.LittleEndian.Uint16(body[4:]))
	m.set("smb_dialect", dialect)
	switch {
	case mode&2 != 0:
		m.set("smb_signing", "required")
	case mode&1 != 0:
		m.set("smb_signing", "enabled")
	default:
		m.set("smb_signing", "disabled")
	}
	if len(body) >= 28 && binary.LittleEndian.Uint32(body[24:])&0x40 != 0 {
		m.set("smb_encryption", "true")
	}
	m.Banner = "SMB " + dialect
	return m, true
}
