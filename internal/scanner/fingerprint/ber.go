package fingerprint

import (
	"errors"
	"strconv"
	"strings"
)

// BER tags used by SNMP and LDAP.
const (
	berBoolean     = 0x01
	berInteger     = 0x02
	berOctetString = 0x04
	berNull        = 0x05
	berOID         = 0x06
	berEnumerated  = 0x0a
	berSequence    = 0x30
	berSet         = 0x31
)

var errBER = errors.New("malformed BER")

// berRead splits the first element off b: its tag, its content and what
// follows. Only low tag numbers and definite lengths of up to four bytes
// are accepted, which is all SNMP and LDAP servers send.
func berRead(b []byte) (tag byte, content, rest []byte, err error) {
	if len(b) < 2 || b[0]&0x1f == 0x1f {
		return 0, nil, nil, errBER
	}
	tag = b[0]
	n := int(b[1])
	off := 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k {
			return 0, nil, nil, errBER
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		off += k
	}
	if n < 0 || n > len(b)-off {
		return 0, nil, nil, errBER
	}
	return tag, b[off : off+n], b[off+n:], nil
}

// berExpect reads an element that must carry tag.
func berExpect(b []byte, tag byte) (content, rest []byte, err error) {
	t, c, r, err := berRead(b)
	if err != nil {
		return nil, nil, err
	}
	if t != tag {
		return nil, nil, errBER
	}
	return c, r, nil
}

// berElem encodes one element with a definite length.
func berElem(tag byte, content ...[]byte) []byte {
	var body []byte
	for _, c := range content {
		body = append(body, c...)
	}
	out := []byte{tag}
	switch n := len(body); {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	default:
		out = append(out, 0x82, byte(n>>8), byte(n))
	}
	return append(out, body...)
}

// berIntElem encodes a non-negative INTEGER (or ENUMERATED with tag).
func berIntElem(tag byte, v uint32) []byte {
	b := []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
	for len(b) > 1 && b[0] == 0 && b[1]&0x80 == 0 {
		b = b[1:]
	}
	if b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return berElem(tag, b)
}

// berInt decodes INTEGER content of up to eight bytes.
func berInt(c []byte) (int64, bool) {
	if len(c) == 0 || len(c) > 8 {
		return 0, false
	}
	v := int64(int8(c[0]))
	for _, b := range c[1:] {
		v = v<<8 | int64(b)
	}
	return v, true
}

// berOIDElem encodes a dotted object identifier such as "1.3.6.1.2.1.1.1.0".
func berOIDElem(dotted string) []byte {
	var arcs []uint64
	for _, p := range strings.Split(dotted, ".") {
		v, _ := strconv.ParseUint(p, 10, 32)
		arcs = append(arcs, v)
	}
	if len(arcs) < 2 {
		arcs = append(arcs, 0, 0)
	}
	// The first two arcs share one sub-identifier, 40*a+b.
	subs := append([]uint64{arcs[0]*40 + arcs[1]}, arcs[2:]...)
	var body []byte
	for _, a := range subs {
		enc := []byte{byte(a & 0x7f)}
		for a >>= 7; a > 0; a >>= 7 {
			enc = append([]byte{byte(a&0x7f | 0x80)}, enc...)
		}
		body = append(body, enc...)
	}
	return berElem(berOID, body)
}

// berOIDString decodes OBJECT IDENTIFIER content to dotted form, or "" if
// it is malformed.
func berOIDString(c []byte) string {
	if len(c) == 0 || len(c) > 128 || c[len(c)-1]&0x80 != 0 {
		return ""
	}
	var parts []string
	var v uint64
	for _, b := range c {
		v = v<<7 | uint64(b&0x7f)
		if v > 1<<40 {
			return ""
		}
		if b&0x80 != 0 {
			continue
		}
		if parts == nil {
			first := min(v/40, 2)
			parts = append(parts, strconv.FormatUint(first, 10), strconv.FormatUint(v-40*first, 10))
		} else {
			parts = append(parts, strconv.FormatUint(v, 10))
		}
		v = 0
	}
	return strings.Join(parts, ".")
}
