package dnscheck

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// A minimal DNS message codec (RFC 1035 §4): one question out, the header,
// question and answer records back.

var errMalformed = errors.New("malformed DNS message")

const (
	typeA    = 1
	classIN  = 1
	maxLabel = 63
	maxName  = 255
)

// Response codes (RFC 1035 §4.1.1).
const (
	rcodeNoError  = 0
	rcodeServFail = 2
	rcodeNXDomain = 3
	rcodeRefused  = 5
)

func rcodeName(r int) string {
	switch r {
	case rcodeNoError:
		return "NOERROR"
	case 1:
		return "FORMERR"
	case rcodeServFail:
		return "SERVFAIL"
	case rcodeNXDomain:
		return "NXDOMAIN"
	case 4:
		return "NOTIMP"
	case rcodeRefused:
		return "REFUSED"
	}
	return fmt.Sprintf("RCODE%d", r)
}

// buildQuery encodes a recursive (RD=1) query for name's A record.
func buildQuery(id uint16, name string) ([]byte, error) {
	b := binary.BigEndian.AppendUint16(nil, id)
	b = append(b, 0x01, 0x00) // RD
	b = append(b, 0, 1, 0, 0, 0, 0, 0, 0)
	for _, label := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		if label == "" || len(label) > maxLabel {
			return nil, fmt.Errorf("invalid DNS name %q", name)
		}
		b = append(b, byte(len(label)))
		b = append(b, label...)
	}
	b = append(b, 0)
	if len(b)-12 > maxName {
		return nil, fmt.Errorf("DNS name too long: %q", name)
	}
	b = binary.BigEndian.AppendUint16(b, typeA)
	return binary.BigEndian.AppendUint16(b, classIN), nil
}

// response is the part of a DNS answer the check judges.
type response struct {
	id                 uint16
	qr, aa, tc, rd, ra bool
	rcode              int
	question           string
	answers, authority int
	addrs              []string // A records in the answer section
}

// parseResponse decodes a DNS message. It returns errMalformed for
// truncated or inconsistent input.
func parseResponse(b []byte) (*response, error) {
	if len(b) < 12 {
		return nil, fmt.Errorf("%w: short header", errMalformed)
	}
	r := &response{
		id:        binary.BigEndian.Uint16(b),
		qr:        b[2]&0x80 != 0,
		aa:        b[2]&0x04 != 0,
		tc:        b[2]&0x02 != 0,
		rd:        b[2]&0x01 != 0,
		ra:        b[3]&0x80 != 0,
		rcode:     int(b[3] & 0x0f),
		answers:   int(binary.BigEndian.Uint16(b[6:])),
		authority: int(binary.BigEndian.Uint16(b[8:])),
	}
	qd := int(binary.BigEndian.Uint16(b[4:]))
	off := 12
	for i := 0; i < qd; i++ {
		name, n, err := readName(b, off)
		if err != nil {
			return nil, err
		}
		if off = n + 4; off > len(b) {
			return nil, fmt.Errorf("%w: truncated question", errMalformed)
		}
		if i == 0 {
			r.question = name
		}
	}
	for i := 0; i < r.answers && off < len(b); i++ {
		_, n, err := readName(b, off)
		if err != nil {
			return nil, err
		}
		if n+10 > len(b) {
			return nil, fmt.Errorf("%w: truncated record", errMalformed)
		}
		typ, class := binary.BigEndian.Uint16(b[n:]), binary.BigEndian.Uint16(b[n+2:])
		rdlen := int(binary.BigEndian.Uint16(b[n+8:]))
		if n+10+rdlen > len(b) {
			return nil, fmt.Errorf("%w: truncated rdata", errMalformed)
		}
		if typ == typeA && class == classIN && rdlen == 4 && len(r.addrs) < 8 {
			d := b[n+10:]
			r.addrs = append(r.addrs, fmt.Sprintf("%d.%d.%d.%d", d[0], d[1], d[2], d[3]))
		}
		off = n + 10 + rdlen
	}
	return r, nil
}

// readName reads a possibly compressed name at off and returns it with the
// offset just past it in the original position.
func readName(b []byte, off int) (string, int, error) {
	var labels []string
	end, jumps, total := -1, 0, 0
	for {
		if off >= len(b) {
			return "", 0, fmt.Errorf("%w: name runs off the message", errMalformed)
		}
		l := int(b[off])
		switch {
		case l == 0:
			if end < 0 {
				end = off + 1
			}
			return strings.Join(labels, ".") + ".", end, nil
		case l&0xc0 == 0xc0:
			if off+1 >= len(b) {
				return "", 0, fmt.Errorf("%w: truncated pointer", errMalformed)
			}
			if jumps++; jumps > 16 {
				return "", 0, fmt.Errorf("%w: compression loop", errMalformed)
			}
			if end < 0 {
				end = off + 2
			}
			off = int(binary.BigEndian.Uint16(b[off:]) & 0x3fff)
		case l > maxLabel:
			return "", 0, fmt.Errorf("%w: label type 0x%02x", errMalformed, l)
		default:
			if off+1+l > len(b) {
				return "", 0, fmt.Errorf("%w: truncated label", errMalformed)
			}
			if total += l + 1; total > maxName {
				return "", 0, fmt.Errorf("%w: name too long", errMalformed)
			}
			labels = append(labels, string(b[off+1:off+1+l]))
			off += 1 + l
		}
	}
}
