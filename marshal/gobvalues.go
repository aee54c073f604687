package marshal

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/token"
	"io"
	"math"
	"reflect"
	"strconv"
)

// GobValues reads a gob stream without the Go types it was made from: it
// decodes each value into Go types built from the stream's own type
// definitions, so that a tool can show gob data it has no types for.
// Structs keep their field names and order; byte strings come back as
// HexBytes, floats as Float and complex numbers as Complex, which encode
// in JSON as hex, with NaN and infinities as strings, and as [real, imag];
// the keys of a map with bool keys are BoolKey, and a map whose keys are
// structs, arrays or interfaces, which JSON has no form for, is an error;
// a GobEncoder, BinaryMarshaler or
// TextMarshaler value comes back as its bytes. An interface value decodes
// only if its concrete type is registered with gob, as with a Decoder. A
// recursive type has no such Go type and is an error.
type GobValues struct {
	d *gobDecoder
}

// HexBytes is a byte string that encodes in JSON as lowercase hex.
type HexBytes []byte

func (b HexBytes) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(b)) }

// Float is a float64 that encodes in JSON as a number, or as "NaN",
// "Infinity" or "-Infinity".
type Float float64

func (f Float) MarshalJSON() ([]byte, error) {
	switch x := float64(f); {
	case math.IsNaN(x):
		return []byte(`"NaN"`), nil
	case math.IsInf(x, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(x, -1):
		return []byte(`"-Infinity"`), nil
	}
	return []byte(strconv.FormatFloat(float64(f), 'g', -1, 64)), nil
}

// MarshalText is the form of a Float as a JSON object key: its JSON
// form, NaN and the infinities without quotes.
func (f Float) MarshalText() ([]byte, error) {
	b, err := f.MarshalJSON()
	return bytes.Trim(b, `"`), err
}

// Complex is a complex128 that encodes in JSON as [real, imag], each a
// Float.
type Complex complex128

func (c Complex) MarshalJSON() ([]byte, error) {
	re, _ := Float(real(c)).MarshalJSON()
	im, _ := Float(imag(c)).MarshalJSON()
	return []byte("[" + string(re) + "," + string(im) + "]"), nil
}

// MarshalText is the form of a Complex as a JSON object key: Go's,
// such as (1+2i).
func (c Complex) MarshalText() ([]byte, error) {
	return []byte(strconv.FormatComplex(complex128(c), 'g', -1, 128)), nil
}

// BoolKey is the key type of a map with bool keys, which encodes in JSON
// as an object with keys "true" and "false".
type BoolKey bool

func (b BoolKey) MarshalText() ([]byte, error) { return strconv.AppendBool(nil, bool(b)), nil }

// gobOpaque, gobOpaqueBinary and gobOpaqueText take the bytes of a value
// its sender encoded itself, as a GobEncoder, a BinaryMarshaler or a
// TextMarshaler: gob matches each only with a type decoding the same way.
type gobOpaque struct{ HexBytes }

func (o *gobOpaque) GobDecode(b []byte) error {
	o.HexBytes = append(HexBytes(nil), b...)
	return nil
}

type gobOpaqueBinary struct{ HexBytes }

func (o *gobOpaqueBinary) UnmarshalBinary(b []byte) error {
	o.HexBytes = append(HexBytes(nil), b...)
	return nil
}

type gobOpaqueText struct{ HexBytes }

func (o *gobOpaqueText) UnmarshalText(b []byte) error {
	o.HexBytes = append(HexBytes(nil), b...)
	return nil
}

var gobOpaqueTypes = map[string]reflect.Type{
	"GobEncoder":      reflect.TypeFor[*gobOpaque](),
	"BinaryMarshaler": reflect.TypeFor[*gobOpaqueBinary](),
	"TextMarshaler":   reflect.TypeFor[*gobOpaqueText](),
}

// NewGobValues returns a GobValues reading from r, with the limits.
func (l Limits) NewGobValues(r io.Reader) *GobValues {
	lim := l.resolve()
	return &GobValues{d: newGobDecoder(lim, r)}
}

// Next returns the next value, and io.EOF at a clean end of the stream.
// Errors are those of a Decoder.
func (g *GobValues) Next() (any, error) {
	var ptr reflect.Value
	err := g.d.decode(nil, func() (any, error) {
		t, err := g.valueType()
		if err != nil {
			return nil, newError("gob", g.d.off, ErrMalformed, err.Error())
		}
		ptr = reflect.New(t)
		return ptr.Interface(), nil
	})
	if err != nil {
		return nil, err
	}
	return ptr.Elem().Interface(), nil
}

var (
	gobHexType   = reflect.TypeFor[HexBytes]()
	gobFloatType = reflect.TypeFor[Float]()
	gobAnyType   = reflect.TypeFor[any]()
)

// valueType is the Go type of the value the checker has walked.
// reflect refuses some types the stream can describe (a struct too large
// for the address space, say) by panicking: that is an error here.
func (g *GobValues) valueType() (t reflect.Type, err error) {
	defer func() {
		if p := recover(); p != nil {
			t, err = nil, fmt.Errorf("the stream's type has no Go type: %v", p)
		}
	}()
	return g.goType(g.d.chk.valueID, map[int32]bool{})
}

// goType builds the Go type for the stream's type id; open holds the
// types being built, to refuse recursion.
func (g *GobValues) goType(id int32, open map[int32]bool) (reflect.Type, error) {
	switch id {
	case gobTBool:
		return reflect.TypeFor[bool](), nil
	case gobTInt:
		return reflect.TypeFor[int64](), nil
	case gobTUint:
		return reflect.TypeFor[uint64](), nil
	case gobTFloat:
		return gobFloatType, nil
	case gobTBytes:
		return gobHexType, nil
	case gobTString:
		return reflect.TypeFor[string](), nil
	case gobTComplex:
		return reflect.TypeFor[Complex](), nil
	case gobTInterface:
		return gobAnyType, nil
	}
	t := g.d.chk.typeOf(id)
	if t == nil {
		return nil, fmt.Errorf("value of unknown type id %d", id)
	}
	if open[id] {
		return nil, fmt.Errorf("type %d is recursive: it has no Go type without its sender's", id)
	}
	open[id] = true
	defer delete(open, id)
	switch t.kind {
	case gkOpaque:
		return gobOpaqueTypes[t.opaque], nil
	case gkSlice, gkArray:
		elem, err := g.goType(t.elem, open)
		if err != nil {
			return nil, err
		}
		if t.kind == gkSlice {
			return reflect.SliceOf(elem), nil
		}
		// The value's walk checked its length against the input, but an
		// array in an empty slice is never walked.
		if t.len < 0 || t.len > int64(g.d.lim.MaxElements) || elem.Size() > 0 && uint64(t.len) > uint64(g.d.lim.MaxBytes)/uint64(elem.Size()) {
			return nil, fmt.Errorf("array type %d of %d elements is beyond the limits", id, t.len)
		}
		return reflect.ArrayOf(int(t.len), elem), nil
	case gkMap:
		key, err := g.goType(t.key, open)
		if err != nil {
			return nil, err
		}
		elem, err := g.goType(t.elem, open)
		if err != nil {
			return nil, err
		}
		if !key.Comparable() {
			return nil, fmt.Errorf("map type %d has keys of type %s, which Go cannot hash", id, key)
		}
		// A JSON object's keys are text: every value GobValues returns
		// must have a JSON form, so keys are of a kind that has one.
		switch key.Kind() {
		case reflect.Bool:
			key = reflect.TypeFor[BoolKey]()
		case reflect.Struct, reflect.Array, reflect.Interface:
			return nil, fmt.Errorf("map type %d has keys of kind %s, which have no JSON form", id, key.Kind())
		}
		return reflect.MapOf(key, elem), nil
	}
	fields := make([]reflect.StructField, len(t.fields))
	seen := make(map[string]bool, len(t.fields))
	for i, fid := range t.fields {
		name := t.names[i]
		if !token.IsIdentifier(name) || !token.IsExported(name) || seen[name] {
			return nil, fmt.Errorf("struct type %d has a field named %q, which cannot be an exported Go field", id, name)
		}
		seen[name] = true
		ft, err := g.goType(fid, open)
		if err != nil {
			return nil, err
		}
		fields[i] = reflect.StructField{Name: name, Type: ft}
	}
	return reflect.StructOf(fields), nil
}
