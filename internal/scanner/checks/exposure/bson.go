package exposure

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// A minimal BSON codec (bsonspec.org, version 1.1): enough to send one
// command document and read the fields of its reply. Values of types the
// checks never look at are skipped.

var errBSON = errors.New("malformed BSON")

// maxBSONDepth bounds nesting so hostile replies cannot exhaust the stack.
const maxBSONDepth = 16

// bsonElem is one element of a command document to encode.
type bsonElem struct {
	key string
	val any // int32, bool or string
}

// encodeBSON encodes a flat document.
func encodeBSON(elems []bsonElem) []byte {
	var b []byte
	for _, e := range elems {
		switch v := e.val.(type) {
		case int32:
			b = append(b, 0x10)
			b = append(b, e.key...)
			b = append(b, 0)
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		case bool:
			b = append(b, 0x08)
			b = append(b, e.key...)
			b = append(b, 0)
			if v {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		case string:
			b = append(b, 0x02)
			b = append(b, e.key...)
			b = append(b, 0)
			b = binary.LittleEndian.AppendUint32(b, uint32(len(v)+1))
			b = append(b, v...)
			b = append(b, 0)
		default:
			panic(fmt.Sprintf("encodeBSON: unsupported %T", v))
		}
	}
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(b)+5))
	out = append(out, b...)
	return append(out, 0)
}

// decodeBSON decodes a document into a map: doubles as float64, strings,
// embedded documents as map[string]any, arrays as []any, booleans, int32,
// int64; other types are skipped. It returns errBSON for malformed input.
func decodeBSON(b []byte) (map[string]any, error) {
	doc, n, err := decodeDoc(b, 0)
	if err != nil {
		return nil, err
	}
	if n != len(b) {
		return nil, fmt.Errorf("%w: trailing bytes", errBSON)
	}
	return doc, nil
}

func decodeDoc(b []byte, depth int) (map[string]any, int, error) {
	if depth > maxBSONDepth {
		return nil, 0, fmt.Errorf("%w: nested too deep", errBSON)
	}
	if len(b) < 5 {
		return nil, 0, fmt.Errorf("%w: short document", errBSON)
	}
	size := int(binary.LittleEndian.Uint32(b))
	if size < 5 || size > len(b) || b[size-1] != 0 {
		return nil, 0, fmt.Errorf("%w: document size", errBSON)
	}
	body := b[4 : size-1]
	doc := map[string]any{}
	for len(body) > 0 {
		typ := body[0]
		end := indexZero(body[1:])
		if end < 0 {
			return nil, 0, fmt.Errorf("%w: unterminated key", errBSON)
		}
		key := string(body[1 : 1+end])
		body = body[2+end:]
		val, n, err := decodeValue(typ, body, depth)
		if err != nil {
			return nil, 0, err
		}
		if val != nil {
			doc[key] = val
		}
		body = body[n:]
	}
	return doc, size, nil
}

func decodeValue(typ byte, b []byte, depth int) (any, int, error) {
	need := func(n int) error {
		if n < 0 || n > len(b) {
			return fmt.Errorf("%w: truncated value of type 0x%02x", errBSON, typ)
		}
		return nil
	}
	switch typ {
	case 0x01: // double
		if err := need(8); err != nil {
			return nil, 0, err
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), 8, nil
	case 0x02, 0x0D, 0x0E: // string, JavaScript code, symbol
		if err := need(4); err != nil {
			return nil, 0, err
		}
		n := int(int32(binary.LittleEndian.Uint32(b)))
		if n < 1 || need(4+n) != nil || b[3+n] != 0 {
			return nil, 0, fmt.Errorf("%w: string length", errBSON)
		}
		if typ != 0x02 {
			return nil, 4 + n, nil
		}
		return string(b[4 : 3+n]), 4 + n, nil
	case 0x03, 0x04: // document, array
		doc, n, err := decodeDoc(b, depth+1)
		if err != nil {
			return nil, 0, err
		}
		if typ == 0x03 {
			return doc, n, nil
		}
		arr := make([]any, 0, len(doc))
		for i := 0; ; i++ { // arrays are documents keyed "0", "1", ...
			v, ok := doc[fmt.Sprint(i)]
			if !ok {
				break
			}
			arr = append(arr, v)
		}
		return arr, n, nil
	case 0x05: // binary
		if err := need(5); err != nil {
			return nil, 0, err
		}
		n := int(int32(binary.LittleEndian.Uint32(b)))
		if n < 0 || need(5+n) != nil {
			return nil, 0, fmt.Errorf("%w: binary length", errBSON)
		}
		return nil, 5 + n, nil
	case 0x06, 0x0A, 0x7F, 0xFF: // undefined, null, max key, min key
		return nil, 0, nil
	case 0x07: // ObjectId
		return nil, 12, need(12)
	case 0x08:
		if err := need(1); err != nil {
			return nil, 0, err
		}
		return b[0] != 0, 1, nil
	case 0x09, 0x11: // UTC datetime, timestamp
		return nil, 8, need(8)
	case 0x0B: // regex: two cstrings
		p := indexZero(b)
		if p < 0 {
			return nil, 0, fmt.Errorf("%w: regex", errBSON)
		}
		q := indexZero(b[p+1:])
		if q < 0 {
			return nil, 0, fmt.Errorf("%w: regex", errBSON)
		}
		return nil, p + q + 2, nil
	case 0x0C: // DBPointer: string + ObjectId
		if err := need(4); err != nil {
			return nil, 0, err
		}
		n := int(int32(binary.LittleEndian.Uint32(b)))
		if n < 1 || need(4+n+12) != nil {
			return nil, 0, fmt.Errorf("%w: DBPointer", errBSON)
		}
		return nil, 4 + n + 12, nil
	case 0x0F: // code with scope: total length first
		if err := need(4); err != nil {
			return nil, 0, err
		}
		n := int(int32(binary.LittleEndian.Uint32(b)))
		if n < 4 || need(n) != nil {
			return nil, 0, fmt.Errorf("%w: code with scope", errBSON)
		}
		return nil, n, nil
	case 0x10:
		if err := need(4); err != nil {
			return nil, 0, err
		}
		return int32(binary.LittleEndian.Uint32(b)), 4, nil
	case 0x12:
		if err := need(8); err != nil {
			return nil, 0, err
		}
		return int64(binary.LittleEndian.Uint64(b)), 8, nil
	case 0x13: // decimal128
		return nil, 16, need(16)
	}
	return nil, 0, fmt.Errorf("%w: unknown type 0x%02x", errBSON, typ)
}

func indexZero(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

// number reads a BSON numeric value as float64.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case bool:
		if n {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}
