package fingerprint

import "encoding/binary"

var mongoProbe = &probe{
	name:     "mongodb",
	ports:    []int{27017, 27018, 27019},
	tlsPorts: []int{27017, 27018, 27019},
	inTLS:    true,
	run:      runMongo,
}

// MongoDB wire protocol operation codes.
const (
	opReply = 1
	opMsg   = 2013
)

// mongoMsg builds an OP_MSG request with one body section holding doc.
func mongoMsg(requestID int32, doc []byte) []byte {
	b := make([]byte, 16, 16+5+len(doc))
	binary.LittleEndian.PutUint32(b[4:], uint32(requestID))
	binary.LittleEndian.PutUint32(b[12:], opMsg)
	b = append(b, 0, 0, 0, 0, 0) // flag bits, section kind 0
	b = append(b, doc...)
	binary.LittleEndian.PutUint32(b[0:], uint32(len(b)))
	return b
}

// mongoDone reports whether b holds a whole wire-protocol message.
func mongoDone(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	n := int(binary.LittleEndian.Uint32(b))
	return n < 16 || n > 1<<20 || len(b) >= n
}

// runMongo asks isMaster (answered by every MongoDB version, without
// credentials), then buildInfo for the version.
func runMongo(c *conversation) (Match, bool) {
	hello := mongoMsg(1, bsonDoc(bsonElem{"isMaster", int32(1)}, bsonElem{"$db", "admin"}))
	b, _ := c.roundTrip(hello, readSpec{max: 64 << 10, done: mongoDone})
	fields, ok := parseMongoReply(b, 1)
	if !ok {
		return Match{}, false
	}
	m := Match{Service: "mongodb", Product: "MongoDB"}
	m.set("mongodb_wire_version", fields["maxWireVersion"])
	switch {
	case fields["msg"] == "isdbgrid":
		m.set("mongodb_role", "mongos")
	case fields["isWritablePrimary"] == "true" || fields["ismaster"] == "true":
		m.set("mongodb_role", "primary")
	case fields["secondary"] == "true":
		m.set("mongodb_role", "secondary")
	}
	info := mongoMsg(2, bsonDoc(bsonElem{"buildInfo", int32(1)}, bsonElem{"$db", "admin"}))
	b, _ = c.roundTrip(info, readSpec{max: 64 << 10, done: mongoDone})
	if bi, ok := parseMongoReply(b, 2); ok && bi["version"] != "" {
		m.setVersion(Printable([]byte(bi["version"])))
		m.Banner = "MongoDB " + m.Version
	}
	return m, true
}

// parseMongoReply reads an OP_MSG (or legacy OP_REPLY) answer to request
// id and returns the top-level scalar fields of its body document. It
// reports false unless the message is well formed, answers that request,
// and carries the "ok" field every command reply has.
func parseMongoReply(b []byte, id int32) (map[string]string, bool) {
	if len(b) < 21 {
		return nil, false
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n < 21 || n > len(b) {
		return nil, false
	}
	if int32(binary.LittleEndian.Uint32(b[8:])) != id {
		return nil, false
	}
	var doc []byte
	switch binary.LittleEndian.Uint32(b[12:]) {
	case opMsg:
		if b[20] != 0 { // first section must be the body
			return nil, false
		}
		doc = b[21:n]
	case opReply:
		// flags (4), cursor id (8), starting from (4), number returned (4)
		if n < 36+5 {
			return nil, false
		}
		doc = b[36:n]
	default:
		return nil, false
	}
	fields, _, err := bsonFields(doc)
	if err != nil {
		return nil, false
	}
	if _, ok := fields["ok"]; !ok {
		return nil, false
	}
	return fields, true
}
