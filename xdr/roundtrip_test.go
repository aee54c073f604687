package xdr_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wirekit/wirekit/xdr"
)

// Shape is a union with every kind of arm: void, value arms, pointer arms,
// an arm shared by two discriminants and a default arm.
//
//	enum shapekind { NONE = 0, CIRCLE = 1, POLY = 2, SQUARE = 3, RECT = 4 };
//	union shape switch (shapekind kind) {
//	case NONE:   void;
//	case CIRCLE: double radius;
//	case POLY:   struct { point points<16>; string *label; } poly;
//	case SQUARE:
//	case RECT:   struct { double w; double h; } box;
//	default:     opaque blob[3];
//	};
type Shape interface{ isShape() }

type ShapeKind int32

const (
	None ShapeKind = iota
	CircleKind
	PolyKind
	SquareKind
	RectKind
)

type NoShape struct{}

type Circle struct{ Radius float64 }

type Point struct{ X, Y int32 }

type Poly struct {
	Points []Point `xdr:"max=16"`
	Label  *string
}

// Box serves SQUARE and RECT: Kind says which.
type Box struct {
	Kind ShapeKind `xdr:"discriminant"`
	W, H float64
}

// Blob is the default arm: Kind holds whichever value selected it.
type Blob struct {
	Kind ShapeKind `xdr:"discriminant"`
	Data [3]byte
}

func (NoShape) isShape() {}
func (Circle) isShape()  {}
func (*Poly) isShape()   {}
func (*Box) isShape()    {}
func (Blob) isShape()    {}

// Flag is a union switched by a bool.
type Flag interface{ isFlag() }
type FlagOff struct{}
type FlagOn struct{ Reason string }

func (*FlagOff) isFlag() {}
func (*FlagOn) isFlag()  {}

func init() {
	xdr.RegisterUnion[Shape](
		xdr.Case[NoShape](None),
		xdr.Case[Circle](CircleKind),
		xdr.Case[*Poly](PolyKind),
		xdr.Case[*Box](SquareKind, RectKind),
		xdr.Default[Blob]())
	xdr.RegisterUnion[Flag](xdr.Case[*FlagOff](false), xdr.Case[*FlagOn](true))
}

// Nested is a struct of unions of arrays of optional structs, and every
// other kind of value the codec supports.
type Nested struct {
	I32   int32
	U32   uint32
	I64   int64
	U64   uint64
	F32   float32
	F64   float64
	B     bool
	Kind  FileKind
	S     string `xdr:"max=64"`
	Raw   []byte
	Fixed [5]byte
	Q     xdr.Quadruple
	Grid  [2][3]int32
	Bools [3]bool
	Shape Shape
	Many  []Shape `xdr:"max=8"`
	Flag  Flag
	Opt   *Nested
	Items []*Item
	Named Names
	Time  Stamp
	Words [][]string
	skip  int            //lint:ignore U1000 the codec must skip unexported fields
	Cache map[string]int `xdr:"-"`
}

type Item struct {
	ID   uint32
	Tags []string `xdr:"max=4"`
	Next *Item
}

// Names is a named slice type.
type Names []string

// Stamp takes over its own encoding: a time as an XDR hyper of unix
// nanoseconds, 0 for the zero time.
type Stamp struct{ T time.Time }

func (s *Stamp) MarshalXDR(e *xdr.Encoder) error {
	var n int64
	if !s.T.IsZero() {
		n = s.T.UnixNano()
	}
	e.PutInt64(n)
	return nil
}

func (s *Stamp) UnmarshalXDR(d *xdr.Decoder) error {
	n, err := d.Int64()
	s.T = time.Time{}
	if n != 0 {
		s.T = time.Unix(0, n).UTC()
	}
	return err
}

func richValue() *Nested {
	label := "tri"
	return &Nested{
		I32: math.MinInt32, U32: math.MaxUint32, I64: math.MinInt64, U64: math.MaxUint64,
		F32: float32(math.Inf(-1)), F64: math.SmallestNonzeroFloat64, B: true, Kind: Exec,
		S: "héllo", Raw: []byte{0, 1, 2, 3, 4, 5, 6}, Fixed: [5]byte{9, 8, 7, 6, 5},
		Q:     xdr.Quadruple{15: 1},
		Grid:  [2][3]int32{{1, 2, 3}, {-4, -5, -6}},
		Bools: [3]bool{true, false, true},
		Shape: &Poly{Points: []Point{{1, 2}, {3, 4}, {5, 6}}, Label: &label},
		Many: []Shape{
			NoShape{}, Circle{Radius: 2.5}, &Poly{}, &Box{Kind: SquareKind, W: 1, H: 1},
			&Box{Kind: RectKind, W: 2, H: 3}, Blob{Kind: 99, Data: [3]byte{1, 2, 3}},
			Blob{Kind: -7},
		},
		Flag: &FlagOn{Reason: "why"},
		Opt: &Nested{
			S: "inner", Shape: Circle{Radius: -1}, Flag: &FlagOff{},
			Opt: &Nested{Shape: NoShape{}, Flag: &FlagOff{}},
		},
		Items: []*Item{
			{ID: 1, Tags: []string{"a", "bb"}, Next: &Item{ID: 2, Next: &Item{ID: 3}}},
			nil,
			{ID: 4},
		},
		Named: Names{"x", "", "yz"},
		Time:  Stamp{time.Date(2026, 11, 22, 7, 33, 0, 123, time.UTC)},
		Words: [][]string{{"a"}, nil, {"b", "c"}},
	}
}

func TestRoundTripNested(t *testing.T) {
	in := richValue()
	b, err := xdr.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Nested
	if err := xdr.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&out, in) {
		t.Errorf("round trip changed the value:\n got %+v\nwant %+v", out, *in)
	}
	again, err := xdr.Marshal(&out)
	if err != nil || !bytes.Equal(again, b) {
		t.Errorf("re-encoding differs (err %v)", err)
	}
}

// TestUnionEncodings pins the bytes of every kind of arm.
func TestUnionEncodings(t *testing.T) {
	label := "ab"
	tests := []struct {
		name string
		in   Shape
		want string
	}{
		{"void arm", NoShape{}, "00000000"},
		{"value arm", Circle{Radius: 1}, "00000001 3ff00000 00000000"},
		{"pointer arm", &Poly{Points: []Point{{1, -1}}, Label: &label},
			"00000002 00000001 00000001 ffffffff 00000001 00000002 61620000"},
		{"pointer arm, nil optional", &Poly{}, "00000002 00000000 00000000"},
		{"shared arm, first value", &Box{Kind: SquareKind, W: 1, H: 1},
			"00000003 3ff00000 00000000 3ff00000 00000000"},
		{"shared arm, second value", &Box{Kind: RectKind}, "00000004 00000000 00000000 00000000 00000000"},
		{"default arm", Blob{Kind: 100, Data: [3]byte{0xa, 0xb, 0xc}}, "00000064 0a0b0c00"},
		{"default arm, negative discriminant", Blob{Kind: -1}, "ffffffff 00000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := mustHex(t, tt.want)
			got, err := xdr.Marshal(&tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Marshal = %x, want %x", got, want)
			}
			var out Shape
			if err := xdr.Unmarshal(want, &out); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(out, tt.in) {
				t.Errorf("Unmarshal = %#v, want %#v", out, tt.in)
			}
		})
	}
	var f Flag = &FlagOn{Reason: "x"}
	if got, _ := xdr.Marshal(&f); !bytes.Equal(got, mustHex(t, "00000001 00000001 78000000")) {
		t.Errorf("bool union = %x", got)
	}
}

func TestUnionMisuseOnEncode(t *testing.T) {
	tests := []struct {
		name string
		in   Shape
		msg  string
	}{
		{"nil union", nil, "union Shape is nil"},
		{"nil pointer arm", (*Poly)(nil), "union Shape holds a nil *xdr_test.Poly"},
		{"shared arm with a foreign discriminant", &Box{Kind: CircleKind}, "*xdr_test.Box holds discriminant 1, which selects xdr_test.Circle"},
		{"default arm with a case's discriminant", Blob{Kind: PolyKind}, "xdr_test.Blob holds discriminant 2, which selects *xdr_test.Poly"},
		{"unregistered implementation", stray{}, "xdr_test.stray is not an arm of union Shape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := xdr.Marshal(&tt.in)
			var xe *xdr.Error
			if !errors.As(err, &xe) || !errors.Is(err, xdr.ErrUnionArm) {
				t.Fatalf("err = %v, want an *xdr.Error wrapping ErrUnionArm", err)
			}
			if !strings.Contains(xe.Msg, tt.msg) || xe.Path != "Shape" {
				t.Errorf("err = %v (path %q, msg %q), want message %q at path Shape", err, xe.Path, xe.Msg, tt.msg)
			}
		})
	}
}

type stray struct{}

func (stray) isShape() {}

type counter struct {
	writes int
	bytes.Buffer
}

func (c *counter) Write(p []byte) (int, error) {
	c.writes++
	return c.Buffer.Write(p)
}

func TestStreamRoundTrip(t *testing.T) {
	values := []*Nested{richValue(), {Shape: NoShape{}, Flag: &FlagOff{}}, richValue()}
	var w counter
	enc := xdr.NewEncoder(&w)
	for _, v := range values {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	if w.writes != len(values) {
		t.Errorf("%d values took %d writes, want one each", len(values), w.writes)
	}
	for name, r := range map[string]io.Reader{
		"whole":    bytes.NewReader(w.Bytes()),
		"one byte": iotestOneByte(bytes.NewReader(w.Bytes())),
	} {
		t.Run(name, func(t *testing.T) {
			dec := xdr.NewDecoder(r)
			for i, want := range values {
				var got Nested
				if err := dec.Decode(&got); err != nil {
					t.Fatalf("value %d: %v", i, err)
				}
				if !reflect.DeepEqual(&got, want) {
					t.Fatalf("value %d differs", i)
				}
			}
			var extra Nested
			if err := dec.Decode(&extra); err != io.EOF {
				t.Errorf("after the last value: %v, want io.EOF", err)
			}
			if got := dec.Offset(); got != int64(w.Len()) {
				t.Errorf("Offset = %d, want %d", got, w.Len())
			}
		})
	}
}

// TestEncoderFailureWritesNothing: a value that fails to encode leaves the
// stream untouched, so the peer never sees half a value.
func TestEncoderFailureWritesNothing(t *testing.T) {
	var w counter
	enc := xdr.NewEncoder(&w)
	bad := &File{Filename: strings.Repeat("x", 256), Type: &TextFile{}}
	if err := enc.Encode(bad); !errors.Is(err, xdr.ErrMaxLength) {
		t.Fatalf("err = %v, want ErrMaxLength", err)
	}
	if w.writes != 0 {
		t.Fatalf("a failed Encode wrote %d times", w.writes)
	}
	if err := enc.Encode(&File{Filename: "ok", Type: &TextFile{}}); err != nil {
		t.Fatal(err)
	}
	var f File
	if err := xdr.Unmarshal(w.Bytes(), &f); err != nil || f.Filename != "ok" {
		t.Errorf("after a failed Encode the stream holds %x (%v)", w.Bytes(), err)
	}
}

// Money is encoded by hand, and uses the reflection codec for a part.
type Money struct {
	Currency string
	Cents    int64
}

func (m *Money) MarshalXDR(e *xdr.Encoder) error {
	if err := e.PutString(m.Currency, 3); err != nil {
		return err
	}
	return e.Encode(&struct{ Cents int64 }{m.Cents})
}

func (m *Money) UnmarshalXDR(d *xdr.Decoder) error {
	c, err := d.String(3)
	if err != nil {
		return err
	}
	var rest struct{ Cents int64 }
	if err := d.Decode(&rest); err != nil {
		return err
	}
	m.Currency, m.Cents = c, rest.Cents
	return nil
}

type Invoice struct {
	Lines []Money
	Total *Money
}

func TestCustomCodecs(t *testing.T) {
	in := Invoice{Lines: []Money{{"EUR", 150}, {"USD", -3}}, Total: &Money{"EUR", 147}}
	b, err := xdr.Marshal(&in)
	if err != nil {
		t.Fatal(err)
	}
	want := mustHex(t, "00000002 00000003 45555200 00000000 00000096 00000003 55534400 ffffffff fffffffd"+
		"00000001 00000003 45555200 00000000 00000093")
	if !bytes.Equal(b, want) {
		t.Fatalf("Marshal = %x\n      want %x", b, want)
	}
	var out Invoice
	if err := xdr.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("got %+v, want %+v", out, in)
	}

	// Errors from custom code carry the path and offset of the field.
	in.Lines[1].Currency = "DOLLAR"
	_, err = xdr.Marshal(&in)
	var xe *xdr.Error
	if !errors.As(err, &xe) || xe.Path != "Invoice.Lines[1]" || xe.Offset != 20 || !errors.Is(err, xdr.ErrMaxLength) {
		t.Errorf("err = %v, want ErrMaxLength at Invoice.Lines[1], offset 20", err)
	}
	bad := bytes.Clone(want)
	bad[23] = 4 // second currency: length 4 > 3
	err = xdr.Unmarshal(bad, &out)
	if !errors.As(err, &xe) || xe.Path != "Invoice.Lines[1]" || xe.Offset != 20 || !errors.Is(err, xdr.ErrMaxLength) {
		t.Errorf("err = %v, want ErrMaxLength at Invoice.Lines[1], offset 20", err)
	}
}

// failing returns a plain error from its methods.
type failing struct{}

var errCustom = errors.New("custom failure")

func (*failing) MarshalXDR(*xdr.Encoder) error   { return errCustom }
func (*failing) UnmarshalXDR(*xdr.Decoder) error { return errCustom }

func TestCustomPlainErrors(t *testing.T) {
	type wrap struct {
		A int32
		F failing
	}
	_, err := xdr.Marshal(&wrap{})
	var xe *xdr.Error
	if !errors.Is(err, errCustom) || !errors.As(err, &xe) || xe.Path != "wrap.F" || xe.Offset != 4 {
		t.Errorf("Marshal err = %v, want errCustom at wrap.F offset 4", err)
	}
	err = xdr.Unmarshal(make([]byte, 8), &wrap{})
	if !errors.Is(err, errCustom) || !errors.As(err, &xe) || xe.Path != "wrap.F" || xe.Offset != 4 {
		t.Errorf("Unmarshal err = %v, want errCustom at wrap.F offset 4", err)
	}
}

// TestValueAndPointerArgs: Marshal takes values or pointers; a top-level
// pointer is followed, and a pointer to a pointer is optional-data.
func TestValueAndPointerArgs(t *testing.T) {
	p := Point{1, 2}
	byValue, err1 := xdr.Marshal(p)
	byPointer, err2 := xdr.Marshal(&p)
	if err1 != nil || err2 != nil || !bytes.Equal(byValue, byPointer) || len(byValue) != 8 {
		t.Fatalf("Marshal(value) = %x, %v; Marshal(&value) = %x, %v", byValue, err1, byPointer, err2)
	}
	pp := &p
	opt, err := xdr.Marshal(&pp)
	if err != nil || !bytes.Equal(opt, append([]byte{0, 0, 0, 1}, byValue...)) {
		t.Errorf("Marshal(**Point) = %x, %v; want optional-data", opt, err)
	}
	var none *Point
	opt, err = xdr.Marshal(&none)
	if err != nil || !bytes.Equal(opt, []byte{0, 0, 0, 0}) {
		t.Errorf("Marshal(nil *Point) = %x, %v", opt, err)
	}
	if _, err := xdr.Marshal(none); !errors.Is(err, xdr.ErrUnsupportedType) {
		t.Errorf("Marshal(nil pointer) err = %v", err)
	}
	if _, err := xdr.Marshal(nil); !errors.Is(err, xdr.ErrUnsupportedType) {
		t.Errorf("Marshal(nil) err = %v", err)
	}
	for _, v := range []any{p, nil, (*Point)(nil)} {
		if err := xdr.Unmarshal(byValue, v); !errors.Is(err, xdr.ErrUnsupportedType) {
			t.Errorf("Unmarshal into %T: err = %v, want ErrUnsupportedType", v, err)
		}
	}
}

// TestUnmarshalDoesNotAlias: decoding never writes through pointers the
// target holds, and the result does not share memory with the input.
func TestUnmarshalDoesNotAlias(t *testing.T) {
	data, _ := xdr.Marshal(&Item{ID: 7, Tags: []string{"t"}, Next: &Item{ID: 8}})
	shared := &Item{ID: 100}
	out := Item{Next: shared}
	if err := xdr.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if shared.ID != 100 || out.Next == shared || out.Next.ID != 8 {
		t.Errorf("Unmarshal wrote through an existing pointer: shared=%+v out.Next=%+v", shared, out.Next)
	}
	var raw struct{ B []byte }
	in, _ := xdr.Marshal(&struct{ B []byte }{[]byte("abcd")})
	if err := xdr.Unmarshal(in, &raw); err != nil {
		t.Fatal(err)
	}
	in[4] = 'X'
	if string(raw.B) != "abcd" {
		t.Errorf("decoded opaque aliases the input: %q", raw.B)
	}
}

func TestEmbeddedAndSkippedFields(t *testing.T) {
	type base struct{ A, B int32 }
	type Outer struct {
		base
		C      int32
		hidden int32
		Skip   string `xdr:"-"`
	}
	in := Outer{base: base{1, 2}, C: 3, hidden: 4, Skip: "no"}
	b, err := xdr.Marshal(&in)
	if err != nil || !bytes.Equal(b, mustHex(t, "00000001 00000002 00000003")) {
		t.Fatalf("Marshal = %x, %v", b, err)
	}
	var out Outer
	if err := xdr.Unmarshal(b, &out); err != nil || out.A != 1 || out.B != 2 || out.C != 3 || out.hidden != 0 || out.Skip != "" {
		t.Errorf("Unmarshal = %+v, %v", out, err)
	}
}

func TestEmptyCollectionsDecodeAsNil(t *testing.T) {
	type T struct {
		B []byte
		S []int32
		N []string
	}
	b, _ := xdr.Marshal(&T{B: []byte{}, S: []int32{}, N: []string{}})
	out := T{B: []byte("old"), S: []int32{1}, N: []string{"x"}}
	if err := xdr.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.B != nil || out.S != nil || out.N != nil {
		t.Errorf("empty arrays decoded as %#v", out)
	}
}

// iotestOneByte is testing/iotest.OneByteReader, kept local so the intent
// reads at the call site.
func iotestOneByte(r io.Reader) io.Reader { return &oneByte{r} }

type oneByte struct{ r io.Reader }

func (o *oneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func ExampleNewDecoder() {
	var stream bytes.Buffer
	enc := xdr.NewEncoder(&stream)
	for _, p := range []Point{{1, 2}, {3, 4}} {
		if err := enc.Encode(&p); err != nil {
			fmt.Println(err)
		}
	}

	dec := xdr.NewDecoder(&stream)
	for {
		var p Point
		err := dec.Decode(&p)
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(p)
	}
	// Output:
	// {1 2}
	// {3 4}
}

func ExampleMarshalAppend() {
	buf := make([]byte, 0, 64)
	p := Point{X: 1, Y: -1}
	buf, err := xdr.MarshalAppend(buf, &p) // no allocation: buf has room
	if err != nil {
		fmt.Println(err)
	}
	fmt.Printf("% x\n", buf)
	// Output: 00 00 00 01 ff ff ff ff
}

func ExampleRegisterUnion() {
	// union shape switch (shapekind kind) { ... case SQUARE: case RECT: box; default: opaque blob[3]; }
	// is registered in this package's init: a shared arm and the default arm
	// keep the discriminant in a field tagged `xdr:"discriminant"`.
	shapes := []Shape{Circle{Radius: 1}, &Box{Kind: RectKind, W: 2, H: 3}, Blob{Kind: 42}}
	for _, s := range shapes {
		b, err := xdr.Marshal(&s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		var back Shape
		if err := xdr.Unmarshal(b, &back); err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("discriminant %d, %d bytes, %T\n", binary.BigEndian.Uint32(b), len(b), back)
	}
	// Output:
	// discriminant 1, 12 bytes, xdr_test.Circle
	// discriminant 4, 20 bytes, *xdr_test.Box
	// discriminant 42, 8 bytes, xdr_test.Blob
}

// A type that implements Marshaler and Unmarshaler encodes itself with the
// Encoder's and Decoder's primitives, which enforce bounds and limits and
// report errors with offsets, and can hand parts back to the reflection
// codec with Encode and Decode.
func ExampleMarshaler() {
	in := Invoice{Lines: []Money{{"EUR", 150}}, Total: &Money{"EUR", 150}}
	b, err := xdr.Marshal(&in)
	if err != nil {
		fmt.Println(err)
		return
	}
	var out Invoice
	err = xdr.Unmarshal(b, &out)
	fmt.Println(len(b), out.Lines[0], *out.Total, err)

	in.Total.Currency = "EURO"
	_, err = xdr.Marshal(&in)
	fmt.Println(err)
	// Output:
	// 40 {EUR 150} {EUR 150} <nil>
	// xdr: Invoice.Total: string length 4 exceeds max 3 at offset 24
}
