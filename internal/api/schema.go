package api

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"time"
)

// schemas turns Go types into JSON Schema (OpenAPI 3.1 dialect). Named struct
// types become components referenced by $ref; field tags drive the details:
// json (name, omitempty = optional), doc (description), enum (comma list),
// format, example.
type schemas struct {
	defs  map[string]any
	names map[reflect.Type]string
}

func newSchemas() *schemas {
	return &schemas{defs: map[string]any{}, names: map[reflect.Type]string{}}
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	rawJSONType = reflect.TypeFor[json.RawMessage]()
	addrType    = reflect.TypeFor[netip.Addr]()
)

func (s *schemas) of(t reflect.Type) map[string]any {
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case rawJSONType:
		return map[string]any{}
	case addrType: // scanner agents send result.Host
		return map[string]any{"type": "string", "description": "IP address"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		inner := s.of(t.Elem())
		if _, isRef := inner["$ref"]; isRef {
			return map[string]any{"oneOf": []any{inner, map[string]any{"type": "null"}}}
		}
		if typ, ok := inner["type"].(string); ok {
			inner["type"] = []any{typ, "null"}
		}
		return inner
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": s.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": s.of(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		return s.structRef(t)
	}
	return map[string]any{}
}

func (s *schemas) structRef(t reflect.Type) map[string]any {
	if t.Name() == "" {
		return s.structSchema(t)
	}
	name, ok := s.names[t]
	if !ok {
		name = t.Name()
		for i := 2; s.taken(name); i++ {
			name = t.Name() + strings.Repeat("_", 1) + string(rune('0'+i))
		}
		s.names[t] = name
		s.defs[name] = map[string]any{} // placeholder for recursive types
		s.defs[name] = s.structSchema(t)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func (s *schemas) taken(name string) bool {
	_, ok := s.defs[name]
	return ok
}

func (s *schemas) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	var order []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			// Embedded structs flatten, as encoding/json does.
			emb := s.structSchema(f.Type)
			for k, v := range emb["properties"].(map[string]any) {
				props[k] = v
				order = append(order, k)
			}
			if req, ok := emb["required"].([]string); ok {
				required = append(required, req...)
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		p := s.of(f.Type)
		if doc := f.Tag.Get("doc"); doc != "" {
			if _, isRef := p["$ref"]; isRef {
				p = map[string]any{"allOf": []any{p}, "description": doc}
			} else {
				p["description"] = doc
			}
		}
		if enum := f.Tag.Get("enum"); enum != "" {
			var vals []any
			for v := range strings.SplitSeq(enum, ",") {
				vals = append(vals, v)
			}
			p["enum"] = vals
		}
		if format := f.Tag.Get("format"); format != "" {
			p["format"] = format
		}
		if ex := f.Tag.Get("example"); ex != "" {
			p["examples"] = []any{ex}
		}
		props[name] = p
		order = append(order, name)
		optional := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") || f.Type.Kind() == reflect.Pointer ||
			f.Tag.Get("required") == "false"
		if !optional {
			required = append(required, name)
		}
	}
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}
