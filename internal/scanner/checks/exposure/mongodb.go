package exposure

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/perimeterhq/perimeter/internal/scanner/checks"
	"github.com/perimeterhq/perimeter/internal/scanner/checks/netprobe"
)

const (
	opReply = 1    // OP_REPLY, the answer to OP_QUERY
	opQuery = 2004 // OP_QUERY, the only way to run a command before MongoDB 3.6
	opMsg   = 2013 // OP_MSG, MongoDB 3.6 and later
	// maxMongoReply bounds the reply read; listDatabases with nameOnly is a
	// few kilobytes even on large deployments.
	maxMongoReply = 1 << 20
)

// mongoCommand sends one command as OP_MSG and returns the reply document.
func mongoCommand(c *netprobe.Conn, elems []bsonElem) (map[string]any, error) {
	doc := encodeBSON(elems)
	var id [4]byte
	_, _ = rand.Read(id[:])
	reqID := binary.LittleEndian.Uint32(id[:]) & 0x7fffffff
	msg := binary.LittleEndian.AppendUint32(nil, uint32(16+4+1+len(doc)))
	msg = binary.LittleEndian.AppendUint32(msg, reqID)
	msg = binary.LittleEndian.AppendUint32(msg, 0)
	msg = binary.LittleEndian.AppendUint32(msg, opMsg)
	msg = binary.LittleEndian.AppendUint32(msg, 0) // flagBits
	msg = append(msg, 0)                           // section kind 0: body
	msg = append(msg, doc...)
	if _, err := c.Write(msg); err != nil {
		return nil, err
	}
	hdr, err := c.ReadN(16)
	if err != nil {
		return nil, fmt.Errorf("reading MongoDB reply: %w", err)
	}
	return parseMongoReply(hdr, c.ReadN, reqID)
}

// parseMongoReply checks the header and decodes the body section of an
// OP_MSG reply; read fetches the rest of the message.
func parseMongoReply(hdr []byte, read func(int) ([]byte, error), reqID uint32) (map[string]any, error) {
	body, err := mongoReplyBody(hdr, read, reqID, opMsg, 5+5)
	if err != nil {
		return nil, err
	}
	return parseOpMsgBody(body)
}

// parseOpMsgBody finds the kind-0 section of an OP_MSG body (after flagBits).
func parseOpMsgBody(b []byte) (map[string]any, error) {
	if len(b) < 5 {
		return nil, fmt.Errorf("%w: short OP_MSG", errBSON)
	}
	flags := binary.LittleEndian.Uint32(b)
	b = b[4:]
	if flags&1 != 0 && len(b) >= 4 { // checksumPresent: drop the CRC-32C trailer
		b = b[:len(b)-4]
	}
	for len(b) > 0 {
		kind := b[0]
		b = b[1:]
		if len(b) < 4 {
			return nil, fmt.Errorf("%w: truncated section", errBSON)
		}
		size := int(int32(binary.LittleEndian.Uint32(b)))
		if size < 5 || size > len(b) {
			return nil, fmt.Errorf("%w: section size", errBSON)
		}
		if kind == 0 {
			return decodeBSON(b[:size])
		}
		b = b[size:]
	}
	return nil, fmt.Errorf("%w: no body section", errBSON)
}

// mongoLegacyCommand runs one command on the admin database as OP_QUERY on
// "admin.$cmd" and returns the first document of the OP_REPLY.
func mongoLegacyCommand(c *netprobe.Conn, elems []bsonElem) (map[string]any, error) {
	doc := encodeBSON(elems)
	var id [4]byte
	_, _ = rand.Read(id[:])
	reqID := binary.LittleEndian.Uint32(id[:]) & 0x7fffffff
	ns := "admin.$cmd\x00"
	msg := binary.LittleEndian.AppendUint32(nil, uint32(16+4+len(ns)+8+len(doc)))
	msg = binary.LittleEndian.AppendUint32(msg, reqID)
	msg = binary.LittleEndian.AppendUint32(msg, 0)
	msg = binary.LittleEndian.AppendUint32(msg, opQuery)
	msg = binary.LittleEndian.AppendUint32(msg, 0) // flags
	msg = append(msg, ns...)
	msg = binary.LittleEndian.AppendUint32(msg, 0)          // numberToSkip
	msg = binary.LittleEndian.AppendUint32(msg, 0xffffffff) // numberToReturn -1: one document, close the cursor
	msg = append(msg, doc...)
	if _, err := c.Write(msg); err != nil {
		return nil, err
	}
	hdr, err := c.ReadN(16)
	if err != nil {
		return nil, fmt.Errorf("reading MongoDB reply: %w", err)
	}
	return parseLegacyReply(hdr, c.ReadN, reqID)
}

// parseLegacyReply checks an OP_REPLY header and decodes its first
// document (after responseFlags, cursorID, startingFrom, numberReturned).
func parseLegacyReply(hdr []byte, read func(int) ([]byte, error), reqID uint32) (map[string]any, error) {
	body, err := mongoReplyBody(hdr, read, reqID, opReply, 20+5)
	if err != nil {
		return nil, err
	}
	if n := int32(binary.LittleEndian.Uint32(body[16:])); n < 1 {
		return nil, fmt.Errorf("%w: OP_REPLY without documents", errBSON)
	}
	size := int(int32(binary.LittleEndian.Uint32(body[20:])))
	if size < 5 || 20+size > len(body) {
		return nil, fmt.Errorf("%w: OP_REPLY document size", errBSON)
	}
	return decodeBSON(body[20 : 20+size])
}

// listDatabases asks with OP_MSG and, when the server drops the connection
// instead of answering (MongoDB before 3.6 knows no OP_MSG), once more with
// OP_QUERY on a new connection.
func listDatabases(ctx context.Context, t checks.Target) (map[string]any, string, error) {
	c, err := netprobe.DialTarget(ctx, t)
	if err != nil {
		return nil, "", err
	}
	reply, err := mongoCommand(c, []bsonElem{{"listDatabases", int32(1)}, {"nameOnly", true}, {"$db", "admin"}})
	c.Close()
	if err == nil || errors.Is(err, errBSON) || ctx.Err() != nil {
		return reply, "OP_MSG", err
	}
	c, lerr := netprobe.DialTarget(ctx, t)
	if lerr != nil {
		return nil, "", err
	}
	defer c.Close()
	reply, lerr = mongoLegacyCommand(c, []bsonElem{{"listDatabases", int32(1)}})
	if lerr != nil {
		return nil, "", err // the first error says more
	}
	return reply, "OP_QUERY", nil
}

func evalMongoDB(ctx context.Context, t checks.Target) (string, bool, error) {
	reply, via, err := listDatabases(ctx, t)
	if err != nil {
		return "", false, err
	}
	if ok, _ := number(reply["ok"]); ok != 1 {
		return "", false, nil // typically code 13 Unauthorized: authentication is enforced
	}
	dbs, ok := reply["databases"].([]any)
	if !ok {
		return "", false, fmt.Errorf("listDatabases reply without databases: %v", keys(reply))
	}
	var names []string
	for _, d := range dbs {
		if m, ok := d.(map[string]any); ok {
			if n, ok := m["name"].(string); ok {
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	shown := names[:min(len(names), 20)]
	return fmt.Sprintf("listDatabases on admin (%s) without authentication returned ok: 1 and %d databases: %s",
		via, len(names), strings.Join(shown, ", ")), true, nil
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// mongoReplyBody checks a reply header (length within bounds and at least
// minBody bytes after the header, the expected opcode, an answer to reqID)
// and reads the rest of the message.
func mongoReplyBody(hdr []byte, read func(int) ([]byte, error), reqID, op uint32, minBody int) ([]byte, error) {
	length := int(int32(binary.LittleEndian.Uint32(hdr)))
	if length < 16+minBody || length > maxMongoReply {
		return nil, fmt.Errorf("%w: MongoDB message length %d", errBSON, length)
	}
	if got := binary.LittleEndian.Uint32(hdr[12:]); got != op {
		return nil, fmt.Errorf("%w: MongoDB reply opcode %d", errBSON, got)
	}
	if to := binary.LittleEndian.Uint32(hdr[8:]); to != reqID {
		return nil, fmt.Errorf("%w: reply to request %d, sent %d", errBSON, to, reqID)
	}
	body, err := read(length - 16)
	if err != nil {
		return nil, fmt.Errorf("reading MongoDB reply: %w", err)
	}
	return body, nil
}
