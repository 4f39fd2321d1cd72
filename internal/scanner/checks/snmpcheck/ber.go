package snmpcheck

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A minimal BER codec for SNMP v1/v2c messages (RFC 1157, RFC 3416, X.690
// definite-length encoding only).

var errMalformed = errors.New("malformed SNMP message")

// BER tags used by SNMP.
const (
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagNull        = 0x05
	tagOID         = 0x06
	tagSequence    = 0x30
	tagGetRequest  = 0xa0
	tagGetResponse = 0xa2
	tagIPAddress   = 0x40
	tagCounter32   = 0x41
	tagGauge32     = 0x42
	tagTimeTicks   = 0x43
	tagNoSuchObj   = 0x80
	tagNoSuchInst  = 0x81
	tagEndOfMIB    = 0x82
)

// tlv appends a tag-length-value with a definite length.
func tlv(b []byte, tag byte, val []byte) []byte {
	b = append(b, tag)
	switch n := len(val); {
	case n < 0x80:
		b = append(b, byte(n))
	case n < 0x100:
		b = append(b, 0x81, byte(n))
	default:
		b = append(b, 0x82, byte(n>>8), byte(n))
	}
	return append(b, val...)
}

func encodeInt(v int64) []byte {
	var b []byte
	for {
		b = append([]byte{byte(v)}, b...)
		if (v >= -128 && v <= 127) || len(b) == 8 {
			return b
		}
		v >>= 8
	}
}

func encodeOID(oid []int) []byte {
	b := []byte{byte(oid[0]*40 + oid[1])}
	for _, n := range oid[2:] {
		var enc []byte
		enc = append(enc, byte(n&0x7f))
		for n >>= 7; n > 0; n >>= 7 {
			enc = append([]byte{byte(n&0x7f) | 0x80}, enc...)
		}
		b = append(b, enc...)
	}
	return b
}

// element is one decoded TLV.
type element struct {
	tag byte
	val []byte
}

// next decodes the TLV at the start of b and returns it and the rest.
func next(b []byte) (element, []byte, error) {
	if len(b) < 2 {
		return element{}, nil, fmt.Errorf("%w: truncated TLV", errMalformed)
	}
	tag, l := b[0], int(b[1])
	b = b[2:]
	if tag&0x1f == 0x1f {
		return element{}, nil, fmt.Errorf("%w: multi-byte tag", errMalformed)
	}
	if l&0x80 != 0 {
		n := l & 0x7f
		if n == 0 || n > 3 || len(b) < n {
			return element{}, nil, fmt.Errorf("%w: length encoding", errMalformed)
		}
		l = 0
		for _, c := range b[:n] {
			l = l<<8 | int(c)
		}
		b = b[n:]
	}
	if l > len(b) {
		return element{}, nil, fmt.Errorf("%w: length %d beyond %d bytes", errMalformed, l, len(b))
	}
	return element{tag: tag, val: b[:l]}, b[l:], nil
}

// expect decodes the next TLV and checks its tag.
func expect(b []byte, tag byte) (element, []byte, error) {
	e, rest, err := next(b)
	if err == nil && e.tag != tag {
		err = fmt.Errorf("%w: tag 0x%02x, want 0x%02x", errMalformed, e.tag, tag)
	}
	return e, rest, err
}

func decodeInt(v []byte) (int64, error) {
	if len(v) == 0 || len(v) > 8 {
		return 0, fmt.Errorf("%w: integer of %d bytes", errMalformed, len(v))
	}
	n := int64(int8(v[0]))
	for _, c := range v[1:] {
		n = n<<8 | int64(c)
	}
	return n, nil
}

func decodeOID(v []byte) (string, error) {
	if len(v) == 0 || len(v) > 128 {
		return "", fmt.Errorf("%w: OID length", errMalformed)
	}
	parts := []string{strconv.Itoa(int(v[0]) / 40), strconv.Itoa(int(v[0]) % 40)}
	n := 0
	for i, c := range v[1:] {
		if n > 1<<24 {
			return "", fmt.Errorf("%w: OID arc too large", errMalformed)
		}
		n = n<<7 | int(c&0x7f)
		if c&0x80 == 0 {
			parts = append(parts, strconv.Itoa(n))
			n = 0
		} else if i == len(v)-2 {
			return "", fmt.Errorf("%w: truncated OID arc", errMalformed)
		}
	}
	return strings.Join(parts, "."), nil
}
