package store

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// The engine's errors caused by the caller (a bad schema, document, query
// or change, a missing or existing collection) all match ErrBadRequest
// (declared in wire.go) with errors.Is; a server answers them with their
// text. Any other error is internal: I/O, a closed or corrupt database.

// RequestError is an error caused by the request. Field names the field at
// fault, or is empty when the fault is not one field's.
// errors.Is(err, ErrBadRequest) is true for every *RequestError.
type RequestError struct {
	Field  string
	Reason string
}

// Error returns the reason, prefixed with the quoted field name if any.
func (e *RequestError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return fmt.Sprintf("field %q: %s", e.Field, e.Reason)
}

// Is reports whether target is ErrBadRequest.
func (e *RequestError) Is(target error) bool { return target == ErrBadRequest }

// Sentinels for the conditions a caller branches on; both match
// ErrBadRequest too.
var (
	// ErrNoCollection is wrapped by errors about a collection that does
	// not exist.
	ErrNoCollection error = &RequestError{Reason: "no such collection"}
	// ErrExists is wrapped by Create's error when the collection exists.
	ErrExists error = &RequestError{Reason: "collection already exists"}
)

func fieldErr(field, format string, args ...any) error {
	return &RequestError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) error {
	return &RequestError{Reason: fmt.Sprintf(format, args...)}
}

// Type is a field's type.
type Type uint8

// The field types, named on the wire str, int, float and bool.
const (
	Str Type = iota + 1
	Int
	Float
	Bool
)

var typeNames = map[Type]string{Str: "str", Int: "int", Float: "float", Bool: "bool"}

// String returns the type's wire name.
func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// Field is one field of a schema.
type Field struct {
	Type    Type
	Indexed bool // the field has a secondary index
}

// Schema maps field names to their types. The _id field is implicit: every
// document has one, a str, and it is not listed.
type Schema map[string]Field

// ParseSchema parses a schema's wire form, such as
//
//	{"email":"*str","name":"str","age":"*int"}
//
// A type is str, int, float or bool; a leading * marks an indexed field.
// Field names must be non-empty and must not start with an underscore.
func ParseSchema(wire map[string]string) (Schema, error) {
	s := make(Schema, len(wire))
	for name, t := range wire {
		if name == "" {
			return nil, badRequest("empty field name")
		}
		if len(name) > maxFieldName {
			return nil, badRequest("a field name is %d bytes, over the limit of %d", len(name), maxFieldName)
		}
		if strings.HasPrefix(name, "_") {
			return nil, fieldErr(name, "field names must not start with _")
		}
		var f Field
		if strings.HasPrefix(t, "*") {
			f.Indexed, t = true, t[1:]
		}
		for typ, n := range typeNames {
			if n == t {
				f.Type = typ
			}
		}
		if f.Type == 0 {
			return nil, fieldErr(name, "unknown type %q (want str, int, float or bool, * to index)", t)
		}
		s[name] = f
	}
	return s, nil
}

// Wire returns the schema's wire form, the inverse of ParseSchema.
func (s Schema) Wire() map[string]string {
	w := make(map[string]string, len(s))
	for name, f := range s {
		t := f.Type.String()
		if f.Indexed {
			t = "*" + t
		}
		w[name] = t
	}
	return w
}

// indexed returns the indexed fields, sorted.
func (s Schema) indexed() []string {
	var names []string
	for name, f := range s {
		if f.Indexed {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// typeOf returns the type of a field, _id included.
func (s Schema) typeOf(field string) (Type, bool) {
	if field == idField {
		return Str, true
	}
	f, ok := s[field]
	return f.Type, ok
}

const idField = "_id"

// maxFieldName is the longest field name: an indexed field's index is a
// bucket named "idx:" and the name, and a bbolt key is at most
// bolt.MaxKeySize bytes.
const maxFieldName = bolt.MaxKeySize - len("idx:")

// tooLongToIndex reports whether s is too long for an indexed field: its
// index key (see indexKey) must fit in bolt.MaxKeySize bytes.
func tooLongToIndex(s string) bool {
	return len(s)+strings.Count(s, "\x00")+2+idLen > bolt.MaxKeySize
}

// coerce converts v, from a decoded JSON document (json.Number for
// numbers) or from Go code, to the canonical Go value of type t: string,
// int64, float64 or bool. Floats are normalised so that -0 is 0.
func coerce(field string, t Type, v any) (any, error) {
	switch t {
	case Str:
		if s, ok := v.(string); ok {
			// JSON would silently replace invalid bytes with U+FFFD.
			if !utf8.ValidString(s) {
				return nil, fieldErr(field, "the string is not valid UTF-8")
			}
			return s, nil
		}
	case Bool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case Int:
		switch n := v.(type) {
		case json.Number:
			i, err := strconv.ParseInt(string(n), 10, 64)
			if err != nil {
				return nil, fieldErr(field, "want int, got %s (not an integer that fits 64 bits)", n)
			}
			return i, nil
		case int:
			return int64(n), nil
		case int64:
			return n, nil
		case int32:
			return int64(n), nil
		case float64: // Go callers that decoded JSON without UseNumber
			if n == math.Trunc(n) && n >= -(1<<63) && n < 1<<63 {
				return int64(n), nil
			}
			return nil, fieldErr(field, "want int, got %v", n)
		}
	case Float:
		var f float64
		switch n := v.(type) {
		case json.Number:
			var err error
			if f, err = strconv.ParseFloat(string(n), 64); err != nil {
				return nil, fieldErr(field, "want float, got %s", n)
			}
		case float64:
			f = n
		case float32:
			f = float64(n)
		case int:
			f = float64(n)
		case int64:
			f = float64(n)
		default:
			return nil, fieldErr(field, "want float, got %s", kind(v))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fieldErr(field, "want a finite float, got %v", f)
		}
		return f + 0, nil // -0 + 0 is +0, so -0 and 0 share an index key
	}
	return nil, fieldErr(field, "want %s, got %s", t, kind(v))
}

// kind names v's JSON type for error messages.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case json.Number, float64, float32, int, int64, int32:
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// validate checks doc against the schema and returns a copy with every
// value canonical (see coerce). It rejects _id: callers set it.
func (s Schema) validate(doc map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(doc)+1)
	for name, v := range doc {
		if name == idField {
			return nil, fieldErr(name, "_id is assigned by the store and cannot be set")
		}
		f, ok := s[name]
		if !ok {
			return nil, fieldErr(name, "not in the schema")
		}
		c, err := coerce(name, f.Type, v)
		if err != nil {
			return nil, err
		}
		if s, ok := c.(string); ok && f.Indexed && tooLongToIndex(s) {
			return nil, fieldErr(name, "the string is %d bytes, too long to index (the limit is about %d)", len(s), bolt.MaxKeySize-idLen-2)
		}
		out[name] = c
	}
	return out, nil
}
