// Package xdrtest is the round-trip test of the code xdr/gen writes for
// the packages under internal/xdrcorpus: each package's generated
// roundtrip_test.go lists its types and the gofuzz fillers that keep
// random values within its schema, and calls RoundTrip.
package xdrtest

import (
	"bytes"
	"encoding"
	"reflect"
	"testing"

	fuzz "github.com/google/gofuzz"

	"github.com/wirekit/wirekit/xdr"
)

// Value is what xdr/gen writes for every type.
type Value interface {
	xdr.Marshaler
	xdr.Unmarshaler
	encoding.BinaryAppender
	encoding.BinaryUnmarshaler
}

// RoundTrip fills values of every type at random with gofuzz and the
// fillers (with a fixed seed, so failures reproduce) and checks that each
// encodes, decodes to an equal value and encodes again to the same bytes,
// through xdr.Marshal and Unmarshal and through the reflection-free
// AppendBinary and UnmarshalBinary.
func RoundTrip(t *testing.T, types map[string]func() Value, fillers []any) {
	t.Helper()
	f := fuzz.NewWithSeed(1).NilChance(0.5).NumElements(0, 3).MaxDepth(1000).Funcs(fillers...)
	for name, mk := range types {
		for i := range 20 {
			v := mk()
			f.Fuzz(v)
			b, err := xdr.Marshal(v)
			if err != nil {
				t.Fatalf("%s #%d: Marshal: %v", name, i, err)
			}
			w := mk()
			if err := xdr.Unmarshal(b, w); err != nil {
				t.Fatalf("%s #%d: Unmarshal of its own encoding: %v\n% x", name, i, err, b)
			}
			if !equal(reflect.ValueOf(v), reflect.ValueOf(w)) {
				t.Fatalf("%s #%d: decoded value differs\nwant %#v\ngot  %#v", name, i, v, w)
			}
			b2, err := xdr.Marshal(w)
			if err != nil || !bytes.Equal(b, b2) {
				t.Fatalf("%s #%d: encoding the decoded value gave % x, %v; want % x", name, i, b2, err, b)
			}
			// The reflection-free entry points agree.
			b3, err := v.AppendBinary([]byte{0xee})
			if err != nil || !bytes.Equal(b3[1:], b) || b3[0] != 0xee {
				t.Fatalf("%s #%d: AppendBinary gave % x, %v; want ee % x", name, i, b3, err, b)
			}
			u := mk()
			if err := u.UnmarshalBinary(b); err != nil || !equal(reflect.ValueOf(v), reflect.ValueOf(u)) {
				t.Fatalf("%s #%d: UnmarshalBinary: %v\nwant %#v\ngot  %#v", name, i, err, v, u)
			}
		}
	}
}

// equal is reflect.DeepEqual except that a nil and an empty slice are
// equal: an empty XDR array decodes as nil.
func equal(a, b reflect.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !equal(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Array:
		for i := range a.Len() {
			if !equal(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		if a.Kind() == reflect.Interface && a.Elem().Type() != b.Elem().Type() {
			return false
		}
		return equal(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !equal(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}
