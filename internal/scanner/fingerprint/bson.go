package fingerprint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strconv"
)

// bsonElem is one element of a BSON document to encode: only the types the
// probes send.
type bsonElem struct {
	key   string
	value any // int32 or string
}

// bsonDoc encodes elems as a BSON document.
func bsonDoc(elems ...bsonElem) []byte {
	b := []byte{0, 0, 0, 0}
	for _, e := range elems {
		switch v := e.value.(type) {
		case int32:
			b = append(b, 0x10)
			b = append(append(b, e.key...), 0)
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		case string:
			b = append(b, 0x02)
			b = append(append(b, e.key...), 0)
			b = binary.LittleEndian.AppendUint32(b, uint32(len(v)+1))
			b = append(append(b, v...), 0)
		}
	}
	b = append(b, 0)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return b
}

var errBSON = errors.New("malformed BSON")

// bsonFields decodes the top level of a BSON document into a map of
// scalars rendered as strings (doubles, strings, booleans, integers);
// nested documents, arrays and other types are skipped. It returns the
// fields and the document's length, or errBSON.
func bsonFields(b []byte) (map[string]string, int, error) {
	if len(b) < 5 {
		return nil, 0, errBSON
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n < 5 || n > len(b) || b[n-1] != 0 {
		return nil, 0, errBSON
	}
	out := make(map[string]string)
	p := b[4 : n-1]
	for len(p) > 0 {
		typ := p[0]
		end := bytes.IndexByte(p[1:], 0)
		if end < 0 {
			return nil, 0, errBSON
		}
		key := string(p[1 : 1+end])
		p = p[1+end+1:]
		size := 0
		switch typ {
		case 0x01: // double
			if len(p) < 8 {
				return nil, 0, errBSON
			}
			f := math.Float64frombits(binary.LittleEndian.Uint64(p))
			out[key] = strconv.FormatFloat(f, 'g', -1, 64)
			size = 8
		case 0x02, 0x0d, 0x0e: // string, JavaScript, symbol
			if len(p) < 4 {
				return nil, 0, errBSON
			}
			l := int(binary.LittleEndian.Uint32(p))
			if l < 1 || l > len(p)-4 {
				return nil, 0, errBSON
			}
			if typ == 0x02 {
				out[key] = string(p[4 : 4+l-1])
			}
			size = 4 + l
		case 0x03, 0x04: // document, array
			if len(p) < 4 {
				return nil, 0, errBSON
			}
			size = int(binary.LittleEndian.Uint32(p))
		case 0x05: // binary
			if len(p) < 5 {
				return nil, 0, errBSON
			}
			size = 5 + int(binary.LittleEndian.Uint32(p))
		case 0x06, 0x0a, 0x7f, 0xff: // undefined, null, max key, min key
		case 0x07: // ObjectId
			size = 12
		case 0x08: // boolean
			if len(p) < 1 {
				return nil, 0, errBSON
			}
			out[key] = strconv.FormatBool(p[0] != 0)
			size = 1
		case 0x09, 0x11, 0x12: // datetime, timestamp, int64
			if len(p) < 8 {
				return nil, 0, errBSON
			}
			if typ == 0x12 {
				out[key] = strconv.FormatInt(int64(binary.LittleEndian.Uint64(p)), 10)
			}
			size = 8
		case 0x10: // int32
			if len(p) < 4 {
				return nil, 0, errBSON
			}
			out[key] = strconv.Itoa(int(int32(binary.LittleEndian.Uint32(p))))
			size = 4
		case 0x13: // decimal128
			size = 16
		default:
			return nil, 0, errBSON
		}
		if size < 0 || size > len(p) {
			return nil, 0, errBSON
		}
		p = p[size:]
	}
	return out, n, nil
}
