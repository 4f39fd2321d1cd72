package api

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// jsonAppender is a response that writes its own JSON: the hot lists, where
// encoding/json's reflection took a fifth of the server's time per request.
// Its output must be byte for byte what writeJSON's encoder writes for the
// same value (TestAppendJSONMatchesEncoder and FuzzAppendJSONString check it).
type jsonAppender interface {
	appendJSON(b []byte) []byte
}

// jsonObject appends the members of one JSON object.
type jsonObject struct {
	b []byte
	n int // members so far
}

func openObject(b []byte) jsonObject { return jsonObject{b: append(b, '{')} }

func (o *jsonObject) close() []byte { return append(o.b, '}') }

// key writes the separator and "k": (k is a plain ASCII name).
func (o *jsonObject) key(k string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

func (o *jsonObject) str(k, v string) { o.key(k); o.b = appendJSONString(o.b, v) }
func (o *jsonObject) int(k string, v int) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, int64(v), 10)
}
func (o *jsonObject) float(k string, v float64) { o.key(k); o.b = appendJSONFloat(o.b, v) }
func (o *jsonObject) bool(k string, v bool)     { o.key(k); o.b = strconv.AppendBool(o.b, v) }
func (o *jsonObject) time(k string, v time.Time) {
	o.key(k)
	o.b = appendJSONTime(o.b, v)
}

func (o *jsonObject) timePtr(k string, v *time.Time) {
	o.key(k)
	if v == nil {
		o.b = append(o.b, "null"...)
		return
	}
	o.b = appendJSONTime(o.b, *v)
}

// strings writes a list of strings; nil is null, as encoding/json has it.
func (o *jsonObject) strings(k string, v []string) {
	o.key(k)
	if v == nil {
		o.b = append(o.b, "null"...)
		return
	}
	o.b = append(o.b, '[')
	for i, s := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = appendJSONString(o.b, s)
	}
	o.b = append(o.b, ']')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s the way encoding/json does without HTML
// escaping: `"` and `\` escaped, control characters as \b \f \n \r \t or
// \u00XX, U+2028 and U+2029 as \u2028 and \u2029 (JavaScript line ends), and
// each byte of invalid UTF-8 as \ufffd.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONFloat formats f as encoding/json does: the shortest decimal that
// reads back as f, in exponent form only below 1e-6 or from 1e21 on (with a
// one-digit negative exponent written e-7, not e-07). The stored scores are
// finite; NaN and infinities (which encoding/json refuses) become 0.
func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b
}

// appendJSONTime is time.Time's MarshalJSON: RFC 3339 with the fraction
// shortened to what is set.
func appendJSONTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}
