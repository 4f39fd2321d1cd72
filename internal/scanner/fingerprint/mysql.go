package fingerprint

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
)

// mysqlPacket returns the payload of the MySQL packet b starts with (3-byte
// little-endian length, sequence 0) when it is complete and plausibly a
// server's first packet.
func mysqlPacket(b []byte) ([]byte, bool) {
	if len(b) < 5 || b[3] != 0 {
		return nil, false
	}
	n := int(b[0]) | int(b[1])<<8 | int(b[2])<<16
	if n < 3 || n > 4096 || len(b) < 4+n {
		return nil, false
	}
	p := b[4 : 4+n]
	switch p[0] {
	case 0x0a, 0x09, 0xff:
		return p, true
	}
	return nil, false
}

// mysqlPacketComplete reports whether b holds a whole MySQL greeting packet.
func mysqlPacketComplete(b []byte) bool {
	_, ok := mysqlPacket(b)
	return ok
}

// parseMySQLGreeting reads the first packet of a MySQL or MariaDB server:
// a handshake (protocol 10 or 9: version, capabilities, auth plugin) or an
// error packet sent instead when the server refuses the client ("Host is
// not allowed", "Too many connections"), which still identifies MySQL.
func parseMySQLGreeting(b []byte) (Match, bool) {
	p, ok := mysqlPacket(b)
	if !ok {
		return Match{}, false
	}
	if p[0] == 0xff {
		return parseMySQLError(p)
	}
	end := bytes.IndexByte(p[1:], 0)
	if end < 1 || end > 64 {
		return Match{}, false
	}
	version := string(p[1 : 1+end])
	if version[0] < '0' || version[0] > '9' || !printableASCII(version) {
		return Match{}, false
	}
	m := Match{Service: "mysql", Banner: Printable(p[1 : 1+end])}
	m.set("mysql_protocol", strconv.Itoa(int(p[0])))
	mysqlVersion(&m, version)
	rest := p[1+end+1:]
	// thread id (4), auth data part 1 (8), filler (1), capability low (2)
	if p[0] == 0x0a && len(rest) >= 15 {
		caps := uint32(binary.LittleEndian.Uint16(rest[13:15]))
		if len(rest) >= 20 {
			caps |= uint32(binary.LittleEndian.Uint16(rest[18:20])) << 16
		}
		if caps&0x0800 != 0 { // CLIENT_SSL
			m.set("ssl", "true")
		} else {
			m.set("ssl", "false")
		}
		// charset (1), status (2), capability high (2), auth length (1), reserved (10), auth data part 2
		if caps&0x00080000 != 0 && len(rest) > 31 { // CLIENT_PLUGIN_AUTH
			authLen := int(rest[20])
			skip := 31 + max(13, authLen-8)
			if skip < len(rest) {
				plugin := rest[skip:]
				if i := bytes.IndexByte(plugin, 0); i >= 0 {
					plugin = plugin[:i]
				}
				if s := string(plugin); printableASCII(s) && len(s) < 64 {
					m.set("mysql_auth_plugin", s)
				}
			}
		}
	}
	return m, true
}

// mysqlVersion sets product and version from a server version string:
// "5.7.44-log", "8.0.36-0ubuntu0.22.04.1", "5.5.5-10.11.6-MariaDB-0+deb12u1"
// (MariaDB prefixes 5.5.5- for old replication clients), "5.7.25-TiDB-v7.5.0".
func mysqlVersion(m *Match, v string) {
	switch {
	case strings.Contains(v, "-MariaDB"):
		v = strings.TrimPrefix(v, "5.5.5-")
		m.Product = "MariaDB"
		num, rest, _ := strings.Cut(v, "-MariaDB")
		m.Version, _ = leadingVersion(num)
		rest = strings.TrimLeft(rest, "-")
		if distroRe.MatchString(rest) {
			m.set("distro", rest)
		} else {
			m.set("version_suffix", rest)
		}
	case strings.Contains(v, "-TiDB-"):
		m.Product = "TiDB"
		_, tv, _ := strings.Cut(v, "-TiDB-")
		m.setVersion(strings.TrimPrefix(tv, "v"))
	default:
		m.Product = "MySQL"
		m.setVersion(v)
	}
}

// parseMySQLError reads an error packet: 0xff, code (2, little-endian),
// optional "#" and SQL state, message.
func parseMySQLError(p []byte) (Match, bool) {
	if len(p) < 4 {
		return Match{}, false
	}
	code := int(binary.LittleEndian.Uint16(p[1:3]))
	if code < 1000 || code > 5000 {
		return Match{}, false
	}
	msg := p[3:]
	if len(msg) >= 6 && msg[0] == '#' {
		msg = msg[6:]
	}
	text := string(msg)
	if !printableASCII(text) || len(text) < 4 {
		return Match{}, false
	}
	m := Match{Service: "mysql", Banner: Printable(msg)}
	if strings.Contains(text, "MariaDB") {
		m.Product = "MariaDB"
	}
	m.set("mysql_error", strconv.Itoa(code)+": "+Printable(msg))
	return m, true
}

// printableASCII reports whether s is printable ASCII (tabs and line breaks allowed).
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c >= 0x7f {
			return false
		}
	}
	return true
}
