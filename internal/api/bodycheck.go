package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/perimeterhq/perimeter/internal/errs"
)

// checkBody walks a JSON document that already decoded into a value of type t
// and reports, as 422 field errors, what encoding/json lets pass silently:
// keys that match no field of the request struct (a misspelled exclude_host
// would be dropped), keys given twice in one object (the last one would win),
// and control characters in strings (tab, newline and carriage return are
// allowed, for free text and host lists). Values decoded by the handler itself
// (json.RawMessage, types with an UnmarshalJSON method, maps, any) are walked
// for the last two only.
func checkBody(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	f := errs.Fields{}
	if err := walkJSON(dec, t, "", f); err != nil {
		return errs.New(errs.Malformed, "Malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return f.Err()
}

var (
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// shape returns the type that guides the walk: pointers removed, and nil for
// values whose keys the handler reads itself.
func shape(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t == rawMessageType || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	return t
}

func walkJSON(dec *json.Decoder, t reflect.Type, path string, f errs.Fields) error {
	t = shape(t)
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case string:
		checkText(path, v, f)
	case json.Delim:
		switch v {
		case '{':
			return walkObject(dec, t, path, f)
		case '[':
			var elem reflect.Type
			if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				elem = t.Elem()
			}
			for i := 0; dec.More(); i++ {
				if err := walkJSON(dec, elem, path+"["+strconv.Itoa(i)+"]", f); err != nil {
					return err
				}
			}
			_, err := dec.Token() // ]
			return err
		}
	}
	return nil
}

func walkObject(dec *json.Decoder, t reflect.Type, path string, f errs.Fields) error {
	var fields *structFields
	var elem reflect.Type
	switch {
	case t != nil && t.Kind() == reflect.Struct:
		fields = fieldsOf(t)
	case t != nil && t.Kind() == reflect.Map:
		elem = t.Elem()
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		p := key
		if path != "" {
			p = path + "." + key
		}
		checkText(p, key, f)
		canonical, vt := key, elem
		if fields != nil {
			name, ft, ok := fields.lookup(key)
			if !ok {
				f.Add(p, "is not a known field")
			}
			canonical, vt = name, ft
		}
		if seen[canonical] {
			f.Add(p, "is given more than once")
		}
		seen[canonical] = true
		if err := walkJSON(dec, vt, p, f); err != nil {
			return err
		}
	}
	_, err := dec.Token() // }
	return err
}

// checkText refuses control characters other than tab, newline and carriage
// return: NUL and friends end up in names, logs, reports and CSV exports.
func checkText(path, s string, f errs.Fields) {
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
			if path == "" {
				path = "body"
			}
			f.Add(path, "must not contain control characters (U+%04X)", r)
			return
		}
	}
}

// structFields are the JSON keys of a request struct, as encoding/json sees
// them: embedded structs flattened, an exact key preferred over a
// case-insensitive match.
type structFields struct {
	exact  map[string]fieldInfo
	folded map[string]fieldInfo
}

type fieldInfo struct {
	name string
	typ  reflect.Type
}

func (s *structFields) lookup(key string) (string, reflect.Type, bool) {
	if fi, ok := s.exact[key]; ok {
		return fi.name, fi.typ, true
	}
	if fi, ok := s.folded[strings.ToLower(key)]; ok {
		return fi.name, fi.typ, true
	}
	return key, nil, false
}

var fieldCache sync.Map // reflect.Type → *structFields

func fieldsOf(t reflect.Type) *structFields {
	if c, ok := fieldCache.Load(t); ok {
		return c.(*structFields)
	}
	s := &structFields{exact: map[string]fieldInfo{}, folded: map[string]fieldInfo{}}
	addFields(s, t)
	fieldCache.Store(t, s)
	return s
}

func addFields(s *structFields, t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			et := sf.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				addFields(s, et)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fi := fieldInfo{name: name, typ: sf.Type}
		if _, dup := s.exact[name]; !dup {
			s.exact[name] = fi
		}
		if _, dup := s.folded[strings.ToLower(name)]; !dup {
			s.folded[strings.ToLower(name)] = fi
		}
	}
}
