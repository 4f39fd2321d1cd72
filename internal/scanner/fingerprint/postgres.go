package fingerprint

import (
	"bytes"
	"encoding/binary"
	"strings"
)

var postgresProbe = &probe{
	name:  "postgresql",
	ports: []int{5432, 5433, 6432},
	run:   runPostgres,
}

// pgSSLRequest asks a PostgreSQL server whether it will speak TLS (length 8,
// code 80877103); the server answers one byte, 'S' or 'N'.
var pgSSLRequest = []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}

// pgStartup is a protocol 3.0 startup message. The server answers with an
// authentication request or an error that names the protocol unmistakably;
// only a server that trusts the network without a password answers with
// its parameters, server_version among them.
var pgStartup = func() []byte {
	params := "user\x00postgres\x00database\x00postgres\x00application_name\x00perimeter-scan\x00\x00"
	b := make([]byte, 8, 8+len(params))
	binary.BigEndian.PutUint32(b[0:4], uint32(8+len(params)))
	binary.BigEndian.PutUint32(b[4:8], 3<<16)
	return append(b, params...)
}()

// runPostgres sends SSLRequest, upgrades to TLS if offered, then the
// startup message, and parses the answer.
func runPostgres(c *conversation) (Match, bool) {
	b, _ := c.roundTrip(pgSSLRequest, readSpec{max: 4096, done: func(b []byte) bool {
		return (len(b) == 1 && (b[0] == 'S' || b[0] == 'N')) || pgMessagesDone(b)
	}})
	ssl := false
	switch {
	case len(b) == 1 && b[0] == 'S':
		ssl = true
		if err := c.startTLS(); err != nil {
			// Only PostgreSQL answers this request with a lone 'S'.
			m := Match{Service: "postgresql", Product: "PostgreSQL"}
			m.set("ssl", "true")
			return m, true
		}
	case len(b) == 1 && b[0] == 'N':
	case len(b) > 0 && b[0] == 'E':
		return parsePGMessages(b) // servers too old for SSLRequest
	default:
		return Match{}, false
	}
	ans, _ := c.roundTrip(pgStartup, readSpec{max: 16 << 10, done: pgMessagesDone})
	m, ok := parsePGMessages(ans)
	if !ok {
		return Match{}, false
	}
	if m.Extra["auth"] == "none" {
		_ = c.send([]byte{'X', 0, 0, 0, 4}) // Terminate
	}
	if ssl {
		m.set("ssl", "true")
	} else {
		m.set("ssl", "false")
	}
	return m, true
}

// pgMessage is one backend message: type byte and body.
type pgMessage struct {
	typ  byte
	body []byte
}

// splitPGMessages splits b into whole backend messages (type, int32 length
// including itself, body); it stops at the first incomplete or malformed one.
func splitPGMessages(b []byte) (msgs []pgMessage, rest []byte) {
	for len(b) >= 5 && len(msgs) < 64 {
		n := int(binary.BigEndian.Uint32(b[1:5]))
		if n < 4 || n > 8192 {
			return msgs, nil
		}
		if len(b) < 1+n {
			break
		}
		msgs = append(msgs, pgMessage{typ: b[0], body: b[5 : 1+n]})
		b = b[1+n:]
	}
	return msgs, b
}

// pgMessagesDone reports whether b ends with a message after which the
// server waits or hangs up: an error, a password request, or ReadyForQuery.
func pgMessagesDone(b []byte) bool {
	msgs, rest := splitPGMessages(b)
	if len(msgs) == 0 || len(rest) > 0 {
		return false
	}
	last := msgs[len(msgs)-1]
	switch last.typ {
	case 'E', 'Z':
		return true
	case 'R':
		return len(last.body) >= 4 && binary.BigEndian.Uint32(last.body) != 0
	}
	return false
}

// pgAuthNames names the authentication request codes.
var pgAuthNames = map[uint32]string{
	0: "trust", 2: "kerberos", 3: "password", 5: "md5", 7: "gss", 9: "sspi", 10: "sasl",
}

// pgErrorFields are the field codes an ErrorResponse may carry.
const pgErrorFields = "SVCMDHPpqWstcdnFLR"

// parsePGMessages reads a PostgreSQL server's answer to a startup message:
// an ErrorResponse (field S severity, C SQLSTATE, M message...), an
// authentication request, or — when no password is needed — parameter
// statuses with server_version. It reports false unless the bytes are
// well-formed PostgreSQL messages of those kinds.
func parsePGMessages(b []byte) (Match, bool) {
	msgs, _ := splitPGMessages(b)
	m := Match{Service: "postgresql", Product: "PostgreSQL"}
	known := false
	for _, msg := range msgs {
		switch msg.typ {
		case 'E':
			fields, ok := pgErrorFieldsOf(msg.body)
			if !ok {
				return Match{}, false
			}
			known = true
			m.set("pg_error_code", fields['C'])
			m.set("pg_error", Printable([]byte(fields['S']+": "+fields['M'])))
			m.Banner = Printable([]byte(fields['S'] + ": " + fields['M']))
			switch {
			case strings.HasPrefix(fields['C'], "28"): // invalid authorization / password
				m.set("auth", "required")
			case fields['C'] == "3D000": // the database is missing, but the login passed
				m.set("auth", "none")
			}
		case 'R':
			if len(msg.body) < 4 {
				return Match{}, false
			}
			code := binary.BigEndian.Uint32(msg.body)
			name, ok := pgAuthNames[code]
			if !ok {
				return Match{}, false
			}
			known = true
			if code == 10 {
				name = strings.ToLower(string(bytes.Split(msg.body[4:], []byte{0})[0]))
			}
			m.set("pg_auth", Printable([]byte(name)))
			if code == 0 {
				m.set("auth", "none")
			} else {
				m.set("auth", "required")
			}
		case 'S':
			k, v, ok := bytes.Cut(msg.body, []byte{0})
			if ok && string(k) == "server_version" {
				v = bytes.TrimRight(v, "\x00")
				raw := Printable(v)
				ver, _ := leadingVersion(raw)
				m.Version = ver
				if d := parenthesised(raw); d != "" {
					m.set("distro", d)
				}
			}
		}
	}
	return m, known
}

// pgErrorFieldsOf parses the fields of an ErrorResponse body; it requires
// a severity and a message and rejects unknown field codes.
func pgErrorFieldsOf(body []byte) (map[byte]string, bool) {
	fields := make(map[byte]string)
	for len(body) > 0 && body[0] != 0 {
		code := body[0]
		if !strings.ContainsRune(pgErrorFields, rune(code)) {
			return nil, false
		}
		end := bytes.IndexByte(body[1:], 0)
		if end < 0 {
			return nil, false
		}
		fields[code] = string(body[1 : 1+end])
		body = body[1+end+1:]
	}
	if fields['S'] == "" || fields['M'] == "" {
		return nil, false
	}
	return fields, true
}
