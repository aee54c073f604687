package gen_test

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/wirekit/wirekit/internal/xdrcorpus/benchref"
	"github.com/wirekit/wirekit/internal/xdrcorpus/benchx"
	"github.com/wirekit/wirekit/internal/xdrcorpus/features"
	"github.com/wirekit/wirekit/xdr"
)

// Generated decoders read a value in place (xdr.Decoder.Peek) when it is
// all there and plainly valid, and otherwise leave it to the Decoder's
// primitives, which read more input, enforce the limits and report the
// errors. These tests hold the two ways to the same results.

type generatedValue interface {
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}

type generatedSample struct {
	name string
	mk   func() generatedValue
	data []byte
}

func generatedSamples(t *testing.T) []generatedSample {
	t.Helper()
	var samples []generatedSample
	add := func(name string, v generatedValue) {
		b, err := v.MarshalBinary()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		mk := func() generatedValue { return reflect.New(reflect.TypeOf(v).Elem()).Interface().(generatedValue) }
		samples = append(samples, generatedSample{name, mk, b})
	}
	add("file", rfcFile())
	add("small", &benchx.Small{Name: "Anne Example", BirthDay: -1, Phone: "+1 555 0100", Siblings: 2, Spouse: true, Money: 12.5})
	add("nested", benchNested())
	n := benchNested()
	n.Body, n.Parent, n.Payload, n.Tags = &benchx.BodyP{P: benchx.Point{X: 1, Y: -2, Z: math.Inf(1)}}, &benchx.Owner{Uid: 7}, nil, nil
	add("nested/point", n)
	add("everything", everything())
	add("holder", &features.Holder{R: &features.ResultWhy{C: features.GREEN, Why: "why"}, N: &features.NumberDefault{Kind: 9, Other: -9}})
	return samples
}

func benchNested() *benchx.Nested {
	n := &benchx.Nested{Id: 1 << 40, Revision: 3, Kind: benchx.KIND_DIR, Name: "a nested message",
		Tags: []benchx.Line{"", "a", "bc", "def", "ghij"}, Payload: []byte{1, 2, 3, 4, 5},
		Scores: [4]float64{0.5, -1, 2, 3}, Samples: []int32{1, -2, 3, -4, 5},
		Owner: &benchx.Owner{Name: "owner", Uid: 1000, Gid: 100},
		Body:  &benchx.BodyLines{Lines: []benchx.Line{"x", "yy"}}, Created: 1, Modified: -1,
		Flags: 0xf0, Priority: -2, Ratio: 0.25, Active: true,
		Children: []benchx.Child{{Id: 1, Label: "one"}, {Id: 2, Label: ""}, {Id: 3, Label: "three"}}}
	for i := range n.Checksum {
		n.Checksum[i] = byte(i)
	}
	return n
}

func everything() *features.Everything {
	return &features.Everything{I: -1, U: 2, Ui: 3, H: -4, Uh: 5, F: 1.5, D: -2.5, Q: xdr.Quadruple{15: 1}, B: true, L: 6,
		N: "name", Digest: features.Hash{31: 1}, Data: features.Blob("data!"), Fixed: [3]byte{1, 2, 3},
		Bounded: []byte("bnd"), Text: "text", Count: 7, People: features.Names{"ann", "bob"}, M: features.Matrix{8, 9},
		Col: features.RED, Sh: features.Shade(features.BLUE), Imp: features.FOURTH, List4: [4]int32{1, 2, 3, 4}, Some: []int32{5},
		Colors: []features.Color{features.GREEN, features.RED}, Head: &features.Node{Value: 1, Next: &features.Node{Value: 2}},
		Res: &features.ResultBLUE{}, Out: &features.ResultWhy{C: features.RED, Why: "out"}, Num: &features.NumberReal{Real: 0.5},
		Fl: &features.FlagBits{Bits: 3}, Maybe: &features.ResultWhy{C: features.GREEN},
		Point: features.EverythingPoint{X: 1, Y: 2},
		Ext:   &features.EverythingExtT{T: features.Tree{Label: "root", Children: []features.Tree{{Label: "leaf"}}}},
		Type:  11}
}

// variants are data, every truncation of it, and data with each byte set
// to values that break lengths, bools, enums, flags and padding.
func variants(data []byte) [][]byte {
	out := [][]byte{data}
	for n := range len(data) {
		out = append(out, data[:n])
	}
	for i := range data {
		for _, c := range []byte{0, 1, 2, 3, 0x80, 0xff} {
			if data[i] != c {
				b := bytes.Clone(data)
				b[i] = c
				out = append(out, b)
			}
		}
	}
	return out
}

type decoded struct {
	v   generatedValue
	err error
}

func (r decoded) String() string {
	if r.err != nil {
		return fmt.Sprintf("error %q (value %+v)", r.err, r.v)
	}
	return fmt.Sprintf("%+v", r.v)
}

func (r decoded) same(o decoded) bool {
	if (r.err == nil) != (o.err == nil) || r.err != nil && r.err.Error() != o.err.Error() {
		return false
	}
	return sameValue(reflect.ValueOf(r.v), reflect.ValueOf(o.v))
}

// sameValue is reflect.DeepEqual, except that floats are compared by their
// bits (a NaN decodes alike each time).
func sameValue(a, b reflect.Value) bool {
	if a.Kind() != b.Kind() || a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Float32, reflect.Float64:
		return math.Float64bits(a.Float()) == math.Float64bits(b.Float())
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		fallthrough
	case reflect.Array:
		for i := range a.Len() {
			if !sameValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := range a.NumField() {
			if !sameValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return a.Interface() == b.Interface()
}

// A stream Decoder that has the whole input buffered reads in place; one
// fed a byte at a time can hardly ever, and leaves nearly everything to the
// primitives. Both must decode to the same value or fail with the same
// error, also within limits that end the value early.
func TestGeneratedFastPathsAgreeWithPrimitives(t *testing.T) {
	for _, s := range generatedSamples(t) {
		for _, lim := range []xdr.Limits{{}, {MaxBytes: len(s.data) / 2}, {MaxElements: 2, MaxDepth: 3}} {
			for _, data := range variants(s.data) {
				decode := func(r io.Reader) decoded {
					v := s.mk()
					return decoded{v, lim.NewDecoder(r).Decode(v)}
				}
				whole := decode(bytes.NewReader(data))
				byByte := decode(iotest.OneByteReader(bytes.NewReader(data)))
				if !whole.same(byByte) {
					t.Fatalf("%s, %+v, % x:\nin place: %v\nbyte by byte: %v", s.name, lim, data, whole, byByte)
				}
			}
		}
	}
}

// A byte slice is all there, so generated code takes its fast paths
// wherever the input is valid and falls back where it is not; every
// corruption must fail as the reflection codec fails (same sentinel, offset
// and message, but for the Go type names the reflection codec puts in
// some; the paths differ in the root and in Go versus .x member names), and
// what decodes must decode alike. Truncated input fails with
// io.ErrUnexpectedEOF both ways, though generated code may say so at the
// start of a run of fixed-size members that the reflection codec reads one
// by one.
func TestGeneratedDecodeMatchesTheReflectionCodec(t *testing.T) {
	for _, s := range generatedSamples(t) {
		var mirror func() any
		switch s.name {
		case "small":
			mirror = func() any { return new(benchref.Small) }
		case "nested", "nested/point":
			mirror = func() any { return new(benchref.Nested) }
		default:
			continue
		}
		for _, data := range variants(s.data) {
			g, r := s.mk(), mirror()
			gerr, rerr := g.UnmarshalBinary(data), xdr.Unmarshal(data, r)
			var ge, re *xdr.Error
			switch {
			case gerr == nil && rerr == nil:
				if gb, rb := encodeBoth(t, g, r); !bytes.Equal(gb, rb) || !sameEmptiness(g, r) {
					t.Fatalf("%s, % x: generated decoded %+v, reflection %+v", s.name, data, g, r)
				}
			case !errors.As(gerr, &ge) || !errors.As(rerr, &re) || !errors.Is(gerr, re.Err):
				t.Fatalf("%s, % x:\ngenerated: %v\nreflection: %v", s.name, data, gerr, rerr)
			case re.Err == io.ErrUnexpectedEOF && ge.Offset <= re.Offset:
			case ge.Offset != re.Offset || ge.Msg != goNames.Replace(re.Msg):
				t.Fatalf("%s, % x:\ngenerated: %v\nreflection: %v", s.name, data, gerr, rerr)
			}
		}
	}
}

// goNames makes the reflection codec's messages name the types as the
// generated code does.
var goNames = strings.NewReplacer("Kind value", "enum value")

func encodeBoth(t *testing.T, g generatedValue, r any) ([]byte, []byte) {
	t.Helper()
	gb, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	rb, err := xdr.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return gb, rb
}

// sameEmptiness reports whether the empty variable-length members of g and
// r are nil alike (the encodings cannot tell).
func sameEmptiness(g generatedValue, r any) bool {
	gn, ok := g.(*benchx.Nested)
	if !ok {
		return true
	}
	rn := r.(*benchref.Nested)
	return (gn.Tags == nil) == (rn.Tags == nil) && (gn.Payload == nil) == (rn.Payload == nil) &&
		(gn.Samples == nil) == (rn.Samples == nil) && (gn.Children == nil) == (rn.Children == nil)
}
