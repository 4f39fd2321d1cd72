package fingerprint

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
)

// Minimal servers for the binary protocols, written from the protocol
// specifications: each speaks just enough to answer the probe like the
// real server would, and treats anything else as the real one does
// (error or hang-up).

// mysqlGreeting builds a protocol-10 handshake packet for version.
func mysqlGreeting(version string) []byte {
	p := []byte{0x0a}
	p = append(append(p, version...), 0)
	p = binary.LittleEndian.AppendUint32(p, 42)     // thread id
	p = append(p, "abcdefgh"...)                    // auth data 1
	p = append(p, 0)                                // filler
	p = binary.LittleEndian.AppendUint16(p, 0xffff) // capabilities low (CLIENT_SSL set)
	p = append(p, 0x21)                             // charset
	p = binary.LittleEndian.AppendUint16(p, 2)      // status
	p = binary.LittleEndian.AppendUint16(p, 0x00ff) // capabilities high (PLUGIN_AUTH set)
	p = append(p, 21)                               // auth data length
	p = append(p, make([]byte, 10)...)              // reserved
	p = append(p, "ijklmnopqrst\x00"...)            // auth data 2
	p = append(append(p, "caching_sha2_password"...), 0)
	return mysqlFrame(0, p)
}

func mysqlFrame(seq byte, p []byte) []byte {
	return append([]byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), seq}, p...)
}

func mysqlServer(version string) func(net.Conn) {
	return func(c net.Conn) {
		if _, err := c.Write(mysqlGreeting(version)); err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(c, 1<<16))
	}
}

// redisServer speaks RESP: PING, INFO; with password set it answers NOAUTH.
func redisServer(password bool) func(net.Conn) {
	return func(c net.Conn) {
		r := bufio.NewReader(c)
		for {
			args, err := readRESP(r)
			if err != nil {
				return
			}
			var reply string
			switch cmd := strings.ToUpper(args[0]); {
			case password:
				reply = "-NOAUTH Authentication required.\r\n"
			case cmd == "PING":
				reply = "+PONG\r\n"
			case cmd == "INFO":
				info := "# Server\r\nredis_version:7.2.4\r\nredis_git_sha1:00000000\r\nredis_mode:standalone\r\nos:Linux 6.1.0-18-amd64 x86_64\r\n"
				reply = "$" + strconv.Itoa(len(info)) + "\r\n" + info + "\r\n"
			default:
				reply = "-ERR unknown command '" + args[0] + "', with args beginning with: \r\n"
			}
			if _, err := c.Write([]byte(reply)); err != nil {
				return
			}
		}
	}
}

// readRESP reads one command: a RESP array of bulk strings or an inline line.
func readRESP(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimRight(line, "\r\n")
	if !strings.HasPrefix(line, "*") {
		f := strings.Fields(line)
		if len(f) == 0 {
			return []string{""}, nil
		}
		return f, nil
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil || n < 1 || n > 16 {
		return nil, io.ErrUnexpectedEOF
	}
	var args []string
	for range n {
		h, err := r.ReadString('\n')
		if err != nil || !strings.HasPrefix(h, "$") {
			return nil, io.ErrUnexpectedEOF
		}
		l, err := strconv.Atoi(strings.TrimSpace(h[1:]))
		if err != nil || l < 0 || l > 1024 {
			return nil, io.ErrUnexpectedEOF
		}
		buf := make([]byte, l+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		args = append(args, string(buf[:l]))
	}
	return args, nil
}

// pgServer answers SSLRequest with 'N' and a startup message with an
// ErrorResponse (trust=false) or AuthenticationOk, parameters and
// ReadyForQuery (trust=true).
func pgServer(trust bool) func(net.Conn) {
	return pgServerTLS(trust, nil)
}

// pgServerTLS is pgServer that accepts SSLRequest with 'S' and continues
// inside TLS when cert is set.
func pgServerTLS(trust bool, cert *tls.Certificate) func(net.Conn) {
	return func(c net.Conn) {
		for {
			var hdr [4]byte
			if _, err := io.ReadFull(c, hdr[:]); err != nil {
				return
			}
			n := int(binary.BigEndian.Uint32(hdr[:]))
			if n < 8 || n > 10000 {
				return // not a startup packet: PostgreSQL hangs up
			}
			body := make([]byte, n-4)
			if _, err := io.ReadFull(c, body); err != nil {
				return
			}
			switch binary.BigEndian.Uint32(body) {
			case 80877103: // SSLRequest
				if cert == nil {
					_, _ = c.Write([]byte{'N'})
					continue
				}
				if _, err := c.Write([]byte{'S'}); err != nil {
					return
				}
				tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{*cert}})
				if err := tc.Handshake(); err != nil {
					return
				}
				c = tc
			case 3 << 16:
				if trust {
					out := pgMsg('R', []byte{0, 0, 0, 0})
					out = append(out, pgMsg('S', []byte("server_version\x0016.2 (Debian 16.2-1.pgdg120+2)\x00"))...)
					out = append(out, pgMsg('Z', []byte{'I'})...)
					_, _ = c.Write(out)
					_, _ = io.Copy(io.Discard, c)
					return
				}
				fields := "SFATAL\x00VFATAL\x00C28000\x00Mno pg_hba.conf entry for host \"127.0.0.1\", user \"postgres\", database \"postgres\", no encryption\x00Fauth.c\x00L543\x00RClientAuthentication\x00\x00"
				_, _ = c.Write(pgMsg('E', []byte(fields)))
				return
			default:
				return
			}
		}
	}
}

func pgMsg(typ byte, body []byte) []byte {
	b := []byte{typ, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(4+len(body)))
	return append(b, body...)
}

// mongoServer answers OP_MSG commands isMaster and buildInfo.
func mongoServer(c net.Conn) {
	for {
		var hdr [16]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		n := int(binary.LittleEndian.Uint32(hdr[:]))
		if n < 21 || n > 1<<20 || binary.LittleEndian.Uint32(hdr[12:]) != opMsg {
			return
		}
		body := make([]byte, n-16)
		if _, err := io.ReadFull(c, body); err != nil {
			return
		}
		fields, _, err := bsonFields(body[5:])
		if err != nil {
			return
		}
		var doc []byte
		switch {
		case fields["isMaster"] != "":
			doc = bsonDocTest(
				bsonElem{"ismaster", true}, bsonElem{"maxWireVersion", int32(21)},
				bsonElem{"minWireVersion", int32(0)}, bsonElem{"ok", 1.0})
		case fields["buildInfo"] != "":
			doc = bsonDocTest(bsonElem{"version", "7.0.5"}, bsonElem{"gitVersion", "7809d71e84e314b497f282ea8aa06d7ded3eb205"},
				bsonElem{"ok", 1.0})
		default:
			doc = bsonDocTest(bsonElem{"ok", 0.0}, bsonElem{"errmsg", "no such command"})
		}
		reply := make([]byte, 16)
		binary.LittleEndian.PutUint32(reply[8:], binary.LittleEndian.Uint32(hdr[4:])) // responseTo
		binary.LittleEndian.PutUint32(reply[12:], opMsg)
		reply = append(reply, 0, 0, 0, 0, 0)
		reply = append(reply, doc...)
		binary.LittleEndian.PutUint32(reply, uint32(len(reply)))
		if _, err := c.Write(reply); err != nil {
			return
		}
	}
}

// bsonDocTest encodes documents with the value types replies use.
func bsonDocTest(elems ...bsonElem) []byte {
	b := []byte{0, 0, 0, 0}
	for _, e := range elems {
		switch v := e.value.(type) {
		case bool:
			b = append(append(append(b, 0x08), e.key...), 0)
			if v {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		case float64:
			b = append(append(append(b, 0x01), e.key...), 0)
			b = binary.LittleEndian.AppendUint64(b, mathFloat64bits(v))
		default:
			one := bsonDoc(e)
			b = append(b, one[4:len(one)-1]...)
		}
	}
	b = append(b, 0)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return b
}

// rdpServer answers an X.224 Connection Request with a Connection Confirm
// selecting CredSSP (PROTOCOL_HYBRID).
func rdpServer(c net.Conn) {
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil || hdr[0] != 3 {
		return
	}
	n := int(binary.BigEndian.Uint16(hdr[2:]))
	if n < 11 || n > 512 {
		return
	}
	body := make([]byte, n-4)
	if _, err := io.ReadFull(c, body); err != nil || body[1] != 0xe0 {
		return
	}
	_, _ = c.Write([]byte{
		0x03, 0x00, 0x00, 0x13,
		0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00,
		0x02, 0x1f, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00,
	})
	_, _ = io.Copy(io.Discard, c)
}

// smbServer answers an SMB2 NEGOTIATE with dialect 3.1.1 and signing required.
func smbServer(c net.Conn) {
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil || hdr[0] != 0 {
		return
	}
	n := int(binary.BigEndian.Uint32(hdr[:]) & 0xffffff)
	if n < 64 || n > 4096 {
		return
	}
	req := make([]byte, n)
	if _, err := io.ReadFull(c, req); err != nil || string(req[:4]) != "\xfeSMB" {
		return
	}
	msg := make([]byte, 64+65)
	copy(msg, "\xfeSMB")
	binary.LittleEndian.PutUint16(msg[4:], 64)
	binary.LittleEndian.PutUint16(msg[14:], 1)
	binary.LittleEndian.PutUint32(msg[16:], 1) // server to redirector
	body := msg[64:]
	binary.LittleEndian.PutUint16(body[0:], 65)
	binary.LittleEndian.PutUint16(body[2:], 3) // signing enabled and required
	binary.LittleEndian.PutUint16(body[4:], 0x0311)
	copy(body[8:24], "0123456789abcdef")
	binary.LittleEndian.PutUint32(body[24:], 0x2f)
	out := binary.BigEndian.AppendUint32(nil, uint32(len(msg)))
	_, _ = c.Write(append(out, msg...))
	_, _ = io.Copy(io.Discard, c)
}

// dnsAnswer answers a version.bind CH TXT query with txt.
func dnsAnswer(q []byte, txt string) []byte {
	if len(q) < 12 {
		return nil
	}
	qend := skipDNSName(q, 12)
	if qend < 0 || qend+4 > len(q) {
		return nil
	}
	resp := append([]byte(nil), q[:qend+4]...)
	resp[2] = 0x84 // response, authoritative
	resp[3] = 0
	binary.BigEndian.PutUint16(resp[6:], 1)
	resp = append(resp, 0xc0, 12, 0, 16, 0, 3, 0, 0, 0, 0)
	rd := append([]byte{byte(len(txt))}, txt...)
	resp = binary.BigEndian.AppendUint16(resp, uint16(len(rd)))
	return append(resp, rd...)
}

// dnsTCPServer answers length-prefixed queries.
func dnsTCPServer(txt string) func(net.Conn) {
	return func(c net.Conn) {
		for {
			var l [2]byte
			if _, err := io.ReadFull(c, l[:]); err != nil {
				return
			}
			q := make([]byte, binary.BigEndian.Uint16(l[:]))
			if _, err := io.ReadFull(c, q); err != nil {
				return
			}
			a := dnsAnswer(q, txt)
			if a == nil {
				return
			}
			if _, err := c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(a))), a...)); err != nil {
				return
			}
		}
	}
}

// ntpAnswer answers a mode 3 request as a stratum 2 server and a mode 6
// READVAR with ntpd's system variables.
func ntpAnswer(q []byte) []byte {
	switch {
	case len(q) >= 48 && q[0]&7 == 3:
		r := make([]byte, 48)
		r[0] = 4<<3 | 4
		r[1] = 2
		copy(r[12:16], []byte{192, 0, 2, 1})
		copy(r[24:32], q[40:48])
		return r
	case len(q) >= 12 && q[0]&7 == 6 && q[1] == 2:
		data := `version="ntpd 4.2.8p15@1.3728-o Wed Sep 23 11:46:38 UTC 2020 (1)", processor="x86_64", system="Linux/6.1.0", leap=00, stratum=2`
		r := []byte{q[0], 0x80 | 2, q[2], q[3], 0, 0, 0, 0, 0, 0, 0, 0}
		binary.BigEndian.PutUint16(r[10:], uint16(len(data)))
		return append(r, data...)
	}
	return nil
}

// snmpAnswer answers a GetRequest with community public.
func snmpAnswer(q []byte) []byte {
	msg, _, err := berExpect(q, berSequence)
	if err != nil {
		return nil
	}
	verC, msg, _ := berExpect(msg, berInteger)
	comm, msg, _ := berExpect(msg, berOctetString)
	pdu, _, err := berExpect(msg, 0xa0)
	if err != nil || string(comm) != "public" {
		return nil
	}
	reqID, _, _ := berExpect(pdu, berInteger)
	vb := func(oid string, val []byte) []byte { return berElem(berSequence, berOIDElem(oid), val) }
	resp := berElem(0xa2,
		berElem(berInteger, reqID), berIntElem(berInteger, 0), berIntElem(berInteger, 0),
		berElem(berSequence,
			vb(oidSysDescr, berElem(berOctetString, []byte("Linux gateway 6.1.0-18-amd64 #1 SMP Debian x86_64"))),
			vb(oidSysObjectID, berOIDElem("1.3.6.1.4.1.8072.3.2.10"))))
	return berElem(berSequence, berElem(berInteger, verC), berElem(berOctetString, comm), resp)
}

// ldapServer answers a root DSE search like OpenLDAP.
func ldapServer(c net.Conn) {
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		return
	}
	msg, _, err := berExpect(buf[:n], berSequence)
	if err != nil {
		return
	}
	id, op, err := berExpect(msg, berInteger)
	if err != nil || len(op) == 0 || op[0] != 0x63 {
		return
	}
	attr := func(name string, vals ...string) []byte {
		var vs [][]byte
		for _, v := range vals {
			vs = append(vs, berElem(berOctetString, []byte(v)))
		}
		return berElem(berSequence, berElem(berOctetString, []byte(name)), berElem(berSet, vs...))
	}
	entry := berElem(0x64, berElem(berOctetString),
		berElem(berSequence,
			attr("objectClass", "top", "OpenLDAProotDSE"),
			attr("namingContexts", "dc=example,dc=org"),
			attr("supportedLDAPVersion", "3")))
	done := berElem(0x65, berIntElem(berEnumerated, 0), berElem(berOctetString), berElem(berOctetString))
	out := append(berElem(berSequence, berElem(berInteger, id), entry), berElem(berSequence, berElem(berInteger, id), done)...)
	_, _ = c.Write(out)
	_, _ = io.Copy(io.Discard, c)
}

// telnetServer negotiates options, then prints a login prompt once the
// client has answered.
func telnetServer(c net.Conn) {
	if _, err := c.Write([]byte{iac, do, 24, iac, will, 1, iac, will, 3}); err != nil {
		return
	}
	buf := make([]byte, 64)
	if _, err := c.Read(buf); err != nil {
		return
	}
	_, _ = c.Write([]byte("Debian GNU/Linux 12\r\ngateway login: "))
	_, _ = io.Copy(io.Discard, c)
}

func mathFloat64bits(f float64) uint64 { return math.Float64bits(f) }
