package fuzz

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/wirekit/wirekit/internal/alloc"
	"github.com/wirekit/wirekit/xdr"
	"github.com/wirekit/wirekit/xdr/idl"
	"github.com/wirekit/wirekit/xdr/schema"
)

// schemaX holds the types FuzzSchemaDecode decodes besides the RFC's
// file: a linked list, unions of every discriminant kind, recursion
// through a typedef'd array (as Stellar's SCVal and SCMap), and every
// other kind of .x type.
const schemaX = `
enum color { RED = 0, GREEN = 1, BLUE = 7 };
typedef opaque hash[5];
struct node { int val; node *next; };
union num switch (int k) { case 0: void; case 1: case 2: int small; default: hyper big; };
union word switch (unsigned w) { case 4294967295: bool top; case 0: void; };
union maybe switch (bool on) { case TRUE: string s<4>; case FALSE: void; };
union paint switch (color c) { case RED: void; case GREEN: float f; case BLUE: double d; };
union shape switch (color c) {
	case RED: num n;
	case GREEN: paint p<2>;
	default: struct { word w; maybe m; shape *more; } rest;
};
typedef entry entries<>;
struct entry { name k; val v; };
typedef string name<>;
union val switch (int t) { case 0: void; case 1: entries *m; case 2: val vals<2>; };
struct all {
	unsigned hyper u; quadruple q; hash h; opaque o<>; int fixed[2];
	shape shapes<3>; node *list; val v;
	union switch (int d) { case 0: color c; default: void; } inner;
};
`

var schemaTypes = func() []*schema.Type {
	spec, err := idl.Load("../testdata/xdr/file.x")
	if err != nil {
		panic(err)
	}
	file, err := schema.Compile(spec, "file")
	if err != nil {
		panic(err)
	}
	f, err := idl.Parse("fuzz.x", []byte(schemaX))
	if err != nil {
		panic(err)
	}
	if spec, err = idl.Check(f); err != nil {
		panic(err)
	}
	types := []*schema.Type{file}
	for _, name := range []string{"node", "shape", "all", "val"} {
		t, err := schema.Compile(spec, name)
		if err != nil {
			panic(err)
		}
		types = append(types, t)
	}
	return types
}()

func schemaSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	values := []struct {
		typ  int
		json string
	}{
		{0, `{"filename":"sillyprog","type":{"kind":"EXEC","interpretor":"lisp"},"owner":"john","data":"287175697429"}`},
		{0, `{"filename":"notes","type":{"kind":"TEXT"},"owner":"","data":""}`},
		{1, `{"val":1,"next":{"val":2,"next":{"val":3,"next":null}}}`},
		{2, `{"c":"GREEN","p":[{"c":"BLUE","d":"NaN"},{"c":"GREEN","f":-1.5}]}`},
		{2, `{"c":"BLUE","rest":{"w":{"w":4294967295,"top":true},"m":{"on":true,"s":"abc"},"more":{"c":"RED","n":{"k":9,"big":-1}}}}`},
		{3, `{"u":18446744073709551615,"q":"000102030405060708090a0b0c0d0e0f","h":"0102030405","o":"ff","fixed":[1,-1],
			"shapes":[{"c":"RED","n":{"k":1,"small":5}}],"list":{"val":7,"next":null},"v":{"t":0},"inner":{"d":0,"c":"BLUE"}}`},
		{4, `{"t":1,"m":[{"k":"a","v":{"t":2,"vals":[{"t":0},{"t":1,"m":null}]}}]}`},
	}
	var seeds [][]byte
	for _, v := range values {
		d := json.NewDecoder(bytes.NewReader([]byte(v.json)))
		d.UseNumber()
		var x any
		if err := d.Decode(&x); err != nil {
			tb.Fatal(err)
		}
		b, err := schemaTypes[v.typ].Marshal(x)
		if err != nil {
			tb.Fatalf("%s: %v", v.json, err)
		}
		seeds = append(seeds, b)
	}
	return append(seeds,
		nil,
		[]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0},    // 4 GiB length, 4 bytes
		[]byte{0, 0, 0, 3, 'a', 'b', 'c', 1},          // non-zero padding
		[]byte{0, 0, 0, 2},                            // bool 2, enum 2
		bytes.Repeat([]byte{0, 0, 0, 1}, 100),         // deep optional-data
		bytes.Repeat([]byte{0, 0, 0, 0xff}, 40),       // default arms all the way down
		[]byte{0, 0, 0, 1, 0x7f, 0xc0, 0, 1, 0, 0, 0}, // a NaN payload
	)
}

var schemaSentinels = []error{io.ErrUnexpectedEOF, xdr.ErrMaxLength, xdr.ErrPadding, xdr.ErrInvalidBool,
	xdr.ErrInvalidEnum, xdr.ErrUnionArm, xdr.ErrTrailingData, xdr.ErrDepth, xdr.ErrLimit}

// FuzzSchemaDecode decodes arbitrary bytes through .x types compiled by
// package schema (the RFC's file, a linked list, union-heavy types).
// Properties:
//   - no panic, no hang, memory within a multiple of the input;
//   - every error is an *xdr.Error wrapping a documented sentinel, with
//     a path that starts at the type's .x name;
//   - a stream Decoder fed one byte at a time agrees with Unmarshal;
//   - whatever decodes round-trips through JSON: WriteJSON, then Encode,
//     gives the input back, except where Value.Lossy says JSON cannot
//     carry it (strings that are not UTF-8, NaN payloads), where the
//     second decoding's JSON is the first's (or the string, now longer
//     by its U+FFFDs, is over its bound).
//
// Regression seeds found by fuzzing are kept in
// testdata/fuzz/FuzzSchemaDecode/regress-*.
func FuzzSchemaDecode(f *testing.F) {
	for _, s := range schemaSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, ty := range schemaTypes {
			before := allocatedBytes()
			v, err := ty.Unmarshal(data, xdrLimits)
			budget := 64*uint64(len(data)) + 64<<10
			if used := allocatedBytes() - before; used > budget {
				used = alloc.Least(func() { _, _ = ty.Unmarshal(data, xdrLimits) })
				if used > budget {
					t.Fatalf("%s: decoding %d bytes allocated %d", ty.Name(), len(data), used)
				}
			}
			checkSchemaError(t, ty, err)

			dec := xdrLimits.NewDecoder(iotest.OneByteReader(bytes.NewReader(data)))
			w, serr := ty.Decode(dec)
			if err == nil && serr != nil {
				t.Fatalf("%s: Unmarshal succeeds, stream Decode fails: %v", ty.Name(), serr)
			}
			if serr == nil && dec.Offset() == int64(len(data)) && len(data) <= xdrLimits.MaxBytes && err != nil {
				t.Fatalf("%s: stream Decode succeeds on all %d bytes, Unmarshal fails: %v", ty.Name(), len(data), err)
			}
			if serr != nil && len(data) > 0 {
				checkSchemaError(t, ty, serr)
			}
			if err != nil {
				continue
			}
			js := schemaJSON(t, v)
			if wj := schemaJSON(t, w); wj != js {
				t.Fatalf("%s: stream and slice decode differ:\n%s\n%s", ty.Name(), js, wj)
			}
			d := json.NewDecoder(bytes.NewReader([]byte(js)))
			d.UseNumber()
			var x any
			if err := d.Decode(&x); err != nil {
				t.Fatalf("%s: WriteJSON wrote invalid JSON: %v\n%s", ty.Name(), err, js)
			}
			again, err := ty.Marshal(x)
			if err != nil {
				// U+FFFD takes 3 bytes where an invalid byte took 1: a
				// lossy string may no longer fit its bound.
				if v.Lossy() != nil && errors.Is(err, xdr.ErrMaxLength) {
					continue
				}
				t.Fatalf("%s: JSON does not re-encode: %v\n%s", ty.Name(), err, js)
			}
			if v.Lossy() == nil {
				if !bytes.Equal(again, data) {
					t.Fatalf("%s: re-encoding differs:\n in  %x\n out %x\n%s", ty.Name(), data, again, js)
				}
				continue
			}
			v2, err := ty.Unmarshal(again, xdrLimits)
			if err != nil {
				t.Fatalf("%s: re-encoded lossy value does not decode: %v", ty.Name(), err)
			}
			if j2 := schemaJSON(t, v2); j2 != js {
				t.Fatalf("%s: lossy value's JSON changes on a round trip:\n%s\n%s", ty.Name(), js, j2)
			}
		}
	})
}

func schemaJSON(t *testing.T, v *schema.Value) string {
	t.Helper()
	b, err := v.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func checkSchemaError(t *testing.T, ty *schema.Type, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var xe *xdr.Error
	if !errors.As(err, &xe) {
		t.Fatalf("%s: error %v (%T) is not an *xdr.Error", ty.Name(), err, err)
	}
	if xe.Path != ty.Name() && !strings.HasPrefix(xe.Path, ty.Name()+".") && !strings.HasPrefix(xe.Path, ty.Name()+"[") {
		t.Fatalf("%s: error path %q does not start at the type: %v", ty.Name(), xe.Path, err)
	}
	for _, s := range schemaSentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("%s: error %v wraps no documented sentinel", ty.Name(), err)
}
