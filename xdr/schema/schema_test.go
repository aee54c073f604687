package schema_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/wirekit/wirekit/internal/alloc"
	"github.com/wirekit/wirekit/xdr"
	"github.com/wirekit/wirekit/xdr/idl"
	"github.com/wirekit/wirekit/xdr/schema"
)

// kinds uses every kind of .x type.
const kinds = `
const N = 3;
enum color { RED = 0, GREEN = 1, BLUE = 7 };
typedef unsigned int u32;
typedef unsigned hyper u64;
typedef opaque hash[4];
typedef opaque three[3];
typedef opaque blob<>;
typedef int triple[N];
typedef int ints<2>;
typedef int many<>;
typedef string name<5>;
typedef string text<>;
typedef quadruple quad;
typedef node *list;
struct node { int val; list next; };
union num switch (int k) { case 0: void; case 1: case 2: int small; default: hyper big; };
union word switch (u32 w) { case 4294967295: bool top; case 0: void; };
union maybe switch (bool on) { case TRUE: name s; case FALSE: void; };
union paint switch (color c) { case RED: void; case GREEN: float f; case BLUE: double d; };
struct pair {
	int a;
	struct {
		union switch (int d) { case 0: int y; default: void; } u;
		opaque o<>;
	} inner;
};
typedef name names<>;
typedef paint paints[2];
typedef opaque big[16000000];
typedef opaque mid[10001];
typedef int *pint;
struct tree { int v; tree kids<>; };
typedef entry entries<>;
struct entry { int k; val v; };
union val switch (int t) { case 0: void; case 1: entries *m; };
`

func compile(t testing.TB, src, name string) *schema.Type {
	t.Helper()
	f, err := idl.Parse("test.x", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := idl.Check(f)
	if err != nil {
		t.Fatal(err)
	}
	ty, err := schema.Compile(spec, name)
	if err != nil {
		t.Fatal(err)
	}
	return ty
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func toJSON(t testing.TB, v *schema.Value) string {
	t.Helper()
	var b bytes.Buffer
	if err := schema.WriteJSON(&b, v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// fromJSON decodes a JSON value as Encode wants it: numbers as
// json.Number.
func fromJSON(t testing.TB, s string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return x
}

func loadFile(t testing.TB) *schema.Type {
	t.Helper()
	spec, err := idl.Load("../../testdata/xdr/file.x")
	if err != nil {
		t.Fatal(err)
	}
	ty, err := schema.Compile(spec, "file")
	if err != nil {
		t.Fatal(err)
	}
	return ty
}

func TestRFC4506FileExample(t *testing.T) {
	ty := loadFile(t)
	data, err := os.ReadFile("../../testdata/xdr/file.bin")
	if err != nil {
		t.Fatal(err)
	}
	v, err := ty.Unmarshal(data, xdr.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"filename":"sillyprog","type":{"kind":"EXEC","interpretor":"lisp"},"owner":"john","data":"287175697429"}`
	if got := toJSON(t, v); got != want {
		t.Errorf("JSON\n got %s\nwant %s", got, want)
	}
	var b bytes.Buffer
	if err := schema.WriteAnnotate(&b, v); err != nil {
		t.Fatal(err)
	}
	// As WriteAnnotate's documentation shows it.
	wantAnnotate := strings.Join([]string{
		`0000  48                                                   file`,
		`0000  16  00 00 00 09 73 69 6c 6c 79 70 72 6f 67 00 00 00    filename: string<255> "sillyprog"`,
		`0016  12                                                     type: filetype`,
		`0016   4  00 00 00 02                                          kind: filekind EXEC`,
		`0020   8  00 00 00 04 6c 69 73 70                              interpretor: string<255> "lisp"`,
		`0028   8  00 00 00 04 6a 6f 68 6e                            owner: string<32> "john"`,
		`0036  12  00 00 00 06 28 71 75 69 74 29 00 00                data: opaque<65535> h'287175697429'`,
	}, "\n") + "\n"
	if b.String() != wantAnnotate {
		t.Errorf("annotate\n got:\n%s\nwant:\n%s", b.String(), wantAnnotate)
	}
	b.Reset()
	if err := schema.WriteText(&b, v); err != nil {
		t.Fatal(err)
	}
	const wantText = `{
  "filename": "sillyprog",
  "type": {
    "kind": "EXEC",
    "interpretor": "lisp"
  },
  "owner": "john",
  "data": "287175697429"
}`
	if b.String() != wantText {
		t.Errorf("text\n got:\n%s\nwant:\n%s", b.String(), wantText)
	}
	again, err := ty.Marshal(fromJSON(t, want))
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("JSON back to XDR: %v\n got %x\nwant %x", err, again, data)
	}
	// The tree keeps names, kinds, offsets and lengths.
	interp := v.Field("type").Field("interpretor")
	if interp == nil || interp.Kind != schema.String || string(interp.Bytes) != "lisp" || interp.Offset != 20 || interp.Len != 8 || interp.Type() != "string<255>" {
		t.Errorf("type.interpretor: %+v", interp)
	}
	if k := v.Field("type").Field("kind"); k.EnumName() != "EXEC" || k.Int != 2 || k.Name() != "kind" {
		t.Errorf("type.kind: %+v", k)
	}
}

func TestDecodeEveryKind(t *testing.T) {
	for _, tt := range []struct {
		typ, hex, json string
	}{
		{"triple", "ffffffff 7fffffff 80000000", `[-1,2147483647,-2147483648]`},
		{"u32", "ffffffff", `4294967295`},
		{"u64", "ffffffffffffffff", `18446744073709551615`},
		{"u64", "0000000000000000", `0`},
		{"num", "00000009 8000000000000000", `{"k":9,"big":-9223372036854775808}`},
		{"num", "00000009 7fffffffffffffff", `{"k":9,"big":9223372036854775807}`},
		{"paint", "00000001 3f8ccccd", `{"c":"GREEN","f":1.1}`},
		{"paint", "00000001 7fc00000", `{"c":"GREEN","f":"NaN"}`},
		{"paint", "00000001 7f800000", `{"c":"GREEN","f":"Infinity"}`},
		{"paint", "00000001 ff800000", `{"c":"GREEN","f":"-Infinity"}`},
		{"paint", "00000001 80000000", `{"c":"GREEN","f":-0}`},
		{"paint", "00000001 33d6bf95", `{"c":"GREEN","f":1e-7}`},
		{"paint", "00000007 3ff199999999999a", `{"c":"BLUE","d":1.1}`},
		{"paint", "00000007 7ff8000000000000", `{"c":"BLUE","d":"NaN"}`},
		{"paint", "00000007 fff0000000000000", `{"c":"BLUE","d":"-Infinity"}`},
		{"paint", "00000007 444b1ae4d6e2ef50", `{"c":"BLUE","d":1e+21}`},
		{"paint", "00000007 4000000000000000", `{"c":"BLUE","d":2}`},
		{"paint", "00000000", `{"c":"RED"}`},
		{"quad", "000102030405060708090a0b0c0d0e0f", `"000102030405060708090a0b0c0d0e0f"`},
		{"maybe", "00000001 00000002 68690000", `{"on":true,"s":"hi"}`},
		{"maybe", "00000000", `{"on":false}`},
		{"name", "00000005 68656c6c 6f000000", `"hello"`},
		{"name", "00000000", `""`},
		{"text", "00000007 61225c0a 09c3a900", `"a\"\\\n\té"`},
		{"text", "00000002 011f0000", `"\u0001\u001f"`},
		{"hash", "deadbeef", `"deadbeef"`},
		{"three", "01020300", `"010203"`},
		{"blob", "00000003 01020300", `"010203"`},
		{"blob", "00000000", `""`},
		{"ints", "00000002 00000001 00000002", `[1,2]`},
		{"ints", "00000000", `[]`},
		{"names", "00000002 00000001 61000000 00000000", `["a",""]`},
		{"paints", "00000000 00000001 00000000", `[{"c":"RED"},{"c":"GREEN","f":0}]`},
		{"color", "00000007", `"BLUE"`},
		{"node", "00000001 00000001 00000002 00000000", `{"val":1,"next":{"val":2,"next":null}}`},
		{"list", "00000000", `null`},
		{"num", "00000000", `{"k":0}`},
		{"num", "00000002 00000005", `{"k":2,"small":5}`},
		{"word", "ffffffff 00000001", `{"w":4294967295,"top":true}`},
		{"word", "00000000", `{"w":0}`},
		{"pair", "00000001 00000000 00000007 00000001 aa000000", `{"a":1,"inner":{"u":{"d":0,"y":7},"o":"aa"}}`},
		{"pair", "ffffffff 00000005 00000000", `{"a":-1,"inner":{"u":{"d":5},"o":""}}`},
		{"tree", "00000001 00000002 00000002 00000000 00000003 00000000", `{"v":1,"kids":[{"v":2,"kids":[]},{"v":3,"kids":[]}]}`},
		// Recursion through a typedef'd array, as Stellar's SCVal and SCMap.
		{"val", "00000001 00000001 00000001 00000005 00000001 00000000", `{"t":1,"m":[{"k":5,"v":{"t":1,"m":null}}]}`},
		{"val", "00000001 00000000", `{"t":1,"m":null}`},
	} {
		t.Run(tt.typ+"/"+tt.json, func(t *testing.T) {
			ty := compile(t, kinds, tt.typ)
			data := unhex(t, tt.hex)
			v, err := ty.Unmarshal(data, xdr.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := toJSON(t, v); got != tt.json {
				t.Errorf("got %s, want %s", got, tt.json)
			}
			if v.Offset != 0 || v.Len != int64(len(data)) {
				t.Errorf("offset %d len %d, want 0 and %d", v.Offset, v.Len, len(data))
			}
			again, err := ty.Marshal(fromJSON(t, tt.json))
			if err != nil || !bytes.Equal(again, data) {
				t.Errorf("JSON back to XDR: %v\n got %x\nwant %x", err, again, data)
			}
			// MarshalJSON is WriteJSON.
			if b, err := json.Marshal(v); err != nil || string(b) != tt.json {
				t.Errorf("json.Marshal: %s, %v", b, err)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range []struct {
		typ, hex string
		err      error
		msg      string
	}{
		{"maybe", "00000002", xdr.ErrInvalidBool, "xdr: maybe.on: bool value 2 is not 0 or 1 at offset 0"},
		{"color", "00000003", xdr.ErrInvalidEnum, "xdr: color: enum value 3 is not valid at offset 0"},
		{"paint", "00000003", xdr.ErrInvalidEnum, "xdr: paint.c: enum value 3 is not valid at offset 0"},
		{"name", "00000006 68656c6c 6f210000", xdr.ErrMaxLength, "xdr: name: string length 6 exceeds max 5 at offset 0"},
		{"name", "00000001 61000100", xdr.ErrPadding, "xdr: name: padding byte is 0x01, not zero at offset 6"},
		{"three", "01020301", xdr.ErrPadding, "at offset 3"},
		{"blob", "00000001 ff000001", xdr.ErrPadding, "at offset 7"},
		{"ints", "00000003 00000001 00000002 00000003", xdr.ErrMaxLength, "xdr: ints: array length 3 exceeds max 2 at offset 0"},
		{"many", "ffffffff", io.ErrUnexpectedEOF, "xdr: many: array length 4294967295 needs at least"},
		{"text", "fffffff0", io.ErrUnexpectedEOF, "xdr: text: string length 4294967280 exceeds the 0 bytes left at offset 0"},
		{"word", "00000005", xdr.ErrUnionArm, "xdr: word.w: union word has no arm for discriminant 5 at offset 0"},
		{"node", "00000001 00000002", xdr.ErrInvalidBool, "xdr: node.next: optional-data flag 2 is not 0 or 1 at offset 4"},
		{"node", "00000001 00000001 00000002", io.ErrUnexpectedEOF, "xdr: node.next.next: unexpected end of input"},
		{"triple", "00000001 00000002", io.ErrUnexpectedEOF, "xdr: triple[2]: unexpected end of input: need 4 bytes, have 0 at offset 8"},
		{"pair", "00000001 00000000", io.ErrUnexpectedEOF, "xdr: pair.inner.u.y: unexpected end of input"},
		{"names", "00000001 00000009", xdr.ErrMaxLength, "xdr: names[0]: string length 9 exceeds max 5 at offset 4"},
		{"u32", "00000001 00", xdr.ErrTrailingData, "xdr: u32: 1 trailing bytes after the value at offset 4"},
		{"u32", "", io.ErrUnexpectedEOF, "xdr: u32: unexpected end of input"},
		{"big", "00000001", io.ErrUnexpectedEOF, "xdr: big: unexpected end of input"},
	} {
		t.Run(tt.typ+"/"+tt.hex, func(t *testing.T) {
			ty := compile(t, kinds, tt.typ)
			_, err := ty.Unmarshal(unhex(t, tt.hex), xdr.Limits{})
			var xe *xdr.Error
			if !errors.As(err, &xe) || !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %v (%T), want %v containing %q", err, err, tt.err, tt.msg)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	long := strings.Repeat("x", 300)
	file := func(typ string) string {
		return `{"filename":"f","type":` + typ + `,"owner":"o","data":""}`
	}
	for _, tt := range []struct {
		typ, json string
		err       error
		msg       string
	}{
		{"file", file(`{"kind":"EXEC","interpretor":"` + long + `"}`), xdr.ErrMaxLength, "xdr: file.type.interpretor: string length 300 exceeds max 255"},
		{"file", file(`{"kind":"EXEC","creator":"x"}`), schema.ErrMismatch, `xdr: file.type: discriminant kind EXEC selects arm "interpretor", not "creator"`},
		{"file", file(`{"kind":"TEXT","creator":"x"}`), schema.ErrMismatch, `xdr: file.type: discriminant kind TEXT has a void arm, not "creator"`},
		{"file", file(`{"kind":"EXEC"}`), schema.ErrMismatch, `xdr: file.type: missing arm "interpretor" for discriminant kind EXEC`},
		{"file", file(`{"interpretor":"x"}`), schema.ErrMismatch, `xdr: file.type: missing discriminant "kind"`},
		{"file", file(`{"kind":"ELF"}`), schema.ErrMismatch, `xdr: file.type.kind: filekind has no identifier "ELF" (TEXT, DATA, EXEC)`},
		{"file", file(`{"kind":2,"interpretor":"x"}`), schema.ErrMismatch, `xdr: file.type.kind: want an identifier of filekind (TEXT, DATA, EXEC), got the number 2`},
		{"file", file(`{"kind":"TEXT","mode":1}`), schema.ErrMismatch, `xdr: file.type: unknown member "mode"`},
		{"file", `{"filename":"f","type":{"kind":"TEXT"},"owner":"o"}`, schema.ErrMismatch, `xdr: file: missing member "data"`},
		{"file", `{"filename":"f","type":{"kind":"TEXT"},"onwer":"o","data":""}`, schema.ErrMismatch, `xdr: file: unknown member "onwer" (file has filename, type, owner, data)`},
		{"file", `{"filename":"f","type":{"kind":"TEXT"},"owner":"o","data":"abc"}`, schema.ErrMismatch, `xdr: file.data: want hex for opaque<65535>: an odd number of digits (3)`},
		{"file", `{"filename":"f","type":{"kind":"TEXT"},"owner":"o","data":"zz"}`, schema.ErrMismatch, `xdr: file.data: want hex for opaque<65535>: "z" at 0 is not a hex digit`},
		{"file", `"sillyprog"`, schema.ErrMismatch, `xdr: file: want an object for file, got the string "sillyprog"`},
		{"file", `{"filename":7,"type":{"kind":"TEXT"},"owner":"o","data":""}`, schema.ErrMismatch, `xdr: file.filename: want a string for string<255>, got the number 7`},
		{"triple", `[1,2]`, schema.ErrMismatch, `xdr: triple: triple has 3 elements, not 2`},
		{"triple", `[1,2,2147483648]`, schema.ErrMismatch, `xdr: triple[2]: 2147483648 does not fit in int`},
		{"triple", `[1,2,-2147483649]`, schema.ErrMismatch, `xdr: triple[2]: -2147483649 does not fit in int`},
		{"triple", `[1,2,1.5]`, schema.ErrMismatch, `xdr: triple[2]: want an integer for int, got 1.5`},
		{"triple", `[1,2,"3"]`, schema.ErrMismatch, `want an integer for int, got the string "3"`},
		{"u32", `-1`, schema.ErrMismatch, `xdr: u32: -1 does not fit in u32`},
		{"u32", `4294967296`, schema.ErrMismatch, `xdr: u32: 4294967296 does not fit in u32`},
		{"u64", `18446744073709551616`, schema.ErrMismatch, `xdr: u64: 18446744073709551616 does not fit in u64`},
		{"num", `{"k":9,"big":9223372036854775808}`, schema.ErrMismatch, `xdr: num.big: 9223372036854775808 does not fit in hyper`},
		{"paint", `{"c":"GREEN","f":1e39}`, schema.ErrMismatch, `xdr: paint.f: 1e39 does not fit in float`},
		{"paint", `{"c":"GREEN","f":"nan"}`, schema.ErrMismatch, `want a number, "NaN", "Infinity" or "-Infinity" for float, got the string "nan"`},
		{"ints", `[1,2,3]`, xdr.ErrMaxLength, `xdr: ints: array length 3 exceeds max 2`},
		{"ints", `{"a":1}`, schema.ErrMismatch, `xdr: ints: want an array for ints, got an object`},
		{"name", `"toolong"`, xdr.ErrMaxLength, `xdr: name: string length 7 exceeds max 5`},
		{"hash", `"deadbe"`, schema.ErrMismatch, `xdr: hash: hash is 4 bytes, not 3`},
		{"quad", `"00"`, schema.ErrMismatch, `xdr: quad: quadruple is 16 bytes (32 hex digits), not 1`},
		{"maybe", `{"on":"yes"}`, schema.ErrMismatch, `xdr: maybe.on: want true or false for bool, got the string "yes"`},
		{"maybe", `{"on":true,"s":"toolong"}`, xdr.ErrMaxLength, `xdr: maybe.s: string length 7 exceeds max 5`},
		{"word", `{"w":5}`, xdr.ErrUnionArm, `xdr: word.w: union word has no arm for discriminant 5`},
		{"node", `{"val":1,"next":{"val":2,"next":{"val":"x","next":null}}}`, schema.ErrMismatch, `xdr: node.next.next.val: want an integer for int`},
		{"names", `["a","toolong"]`, xdr.ErrMaxLength, `xdr: names[1]: string length 7 exceeds max 5`},
	} {
		t.Run(tt.typ+"/"+tt.json, func(t *testing.T) {
			var ty *schema.Type
			if tt.typ == "file" {
				ty = loadFile(t)
			} else {
				ty = compile(t, kinds, tt.typ)
			}
			b, err := ty.Marshal(fromJSON(t, tt.json))
			var xe *xdr.Error
			if !errors.As(err, &xe) || !errors.Is(err, tt.err) || !strings.HasPrefix(err.Error(), tt.msg) && !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %v (%x), want %v: %q", err, b, tt.err, tt.msg)
			}
			// On a stream, nothing is written.
			var out bytes.Buffer
			if err := ty.Encode(xdr.NewEncoder(&out), fromJSON(t, tt.json)); err == nil || out.Len() != 0 {
				t.Errorf("Encode: %v, wrote %d bytes", err, out.Len())
			}
		})
	}
}

// Encode takes Go values too, and members in any order.
func TestEncodeGoValues(t *testing.T) {
	ty := loadFile(t)
	b, err := ty.Marshal(map[string]any{
		"data":     []byte("(quit)"),
		"owner":    "john",
		"type":     map[string]any{"interpretor": "lisp", "kind": "EXEC"},
		"filename": "sillyprog",
	})
	want, _ := os.ReadFile("../../testdata/xdr/file.bin")
	if err != nil || !bytes.Equal(b, want) {
		t.Fatalf("%v\n got %x\nwant %x", err, b, want)
	}
	for _, tt := range []struct {
		typ  string
		v    any
		want string
	}{
		{"triple", []any{int8(-1), uint16(2), 3.0}, "ffffffff 00000002 00000003"},
		{"u64", uint64(math.MaxUint64), "ffffffffffffffff"},
		{"paint", map[string]any{"c": "GREEN", "f": 1.1}, "00000001 3f8ccccd"},
		{"paint", map[string]any{"c": "BLUE", "d": float32(0.5)}, "00000007 3fe0000000000000"},
		{"paint", map[string]any{"c": "BLUE", "d": "Infinity"}, "00000007 7ff0000000000000"},
		{"paint", map[string]any{"c": "GREEN", "f": "NaN"}, "00000001 7fc00000"},
		{"num", map[string]any{"k": json.Number("2e0"), "small": json.Number("5.0")}, "00000002 00000005"},
		{"list", nil, "00000000"},
	} {
		got, err := compile(t, kinds, tt.typ).Marshal(tt.v)
		if err != nil || !bytes.Equal(got, unhex(t, tt.want)) {
			t.Errorf("%s %v: %v\n got %x\nwant %s", tt.typ, tt.v, err, got, tt.want)
		}
	}
}

// Every cut of a message is an *xdr.Error wrapping io.ErrUnexpectedEOF
// with an offset inside the input, never a panic, from a byte slice and
// from a stream; a stream cut before any byte is a clean io.EOF.
func TestTruncationAtEveryOffset(t *testing.T) {
	file, _ := os.ReadFile("../../testdata/xdr/file.bin")
	for _, m := range []struct {
		ty   *schema.Type
		data []byte
	}{
		{loadFile(t), file},
		{compile(t, kinds, "pair"), unhex(t, "00000001 00000000 00000007 00000001 aa000000")},
		{compile(t, kinds, "node"), unhex(t, "00000001 00000001 00000002 00000001 00000003 00000000")},
		{compile(t, kinds, "tree"), unhex(t, "00000001 00000002 00000002 00000000 00000003 00000000")},
		{compile(t, kinds, "paints"), unhex(t, "00000007 3ff199999999999a 00000001 3f8ccccd")},
	} {
		for n := range len(m.data) {
			cut := m.data[:n]
			_, err := m.ty.Unmarshal(cut, xdr.Limits{})
			var xe *xdr.Error
			if !errors.As(err, &xe) || !errors.Is(err, io.ErrUnexpectedEOF) || xe.Offset < 0 || xe.Offset > int64(n) || !strings.HasPrefix(xe.Path, m.ty.Name()) {
				t.Fatalf("%s cut to %d: %v", m.ty.Name(), n, err)
			}
			_, err = m.ty.Decode(xdr.NewDecoder(iotest.OneByteReader(bytes.NewReader(cut))))
			if n == 0 && err != io.EOF || n > 0 && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("%s cut to %d, streamed: %v", m.ty.Name(), n, err)
			}
		}
	}
}

// Values follow each other on a stream until a clean io.EOF.
func TestDecodeStream(t *testing.T) {
	ty := loadFile(t)
	file, _ := os.ReadFile("../../testdata/xdr/file.bin")
	dec := xdr.NewDecoder(iotest.HalfReader(bytes.NewReader(bytes.Repeat(file, 3))))
	for i := range 3 {
		v, err := ty.Decode(dec)
		if err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		if v.Offset != int64(48*i) || v.Field("owner").Offset != int64(48*i+28) {
			t.Errorf("value %d at offset %d, owner at %d", i, v.Offset, v.Field("owner").Offset)
		}
	}
	if _, err := ty.Decode(dec); err != io.EOF {
		t.Errorf("after the last value: %v, want io.EOF", err)
	}
	// MaxBytes bounds each value on a stream; a byte slice over it is
	// refused whole.
	lim := xdr.Limits{MaxBytes: 40}
	if _, err := ty.Decode(lim.NewDecoder(bytes.NewReader(file))); !errors.Is(err, xdr.ErrLimit) {
		t.Errorf("a 48-byte value with MaxBytes 40 on a stream: %v", err)
	}
	if _, err := ty.Unmarshal(file, lim); !errors.Is(err, xdr.ErrLimit) || !strings.HasPrefix(err.Error(), "xdr: file: ") {
		t.Errorf("a 48-byte input with MaxBytes 40: %v", err)
	}
}

// A count or length announced by a few bytes allocates what the input
// can justify, not what it announces.
func TestHugeCountsAllocateLittle(t *testing.T) {
	for _, tt := range []struct {
		typ, hex string
		stream   bool
		budget   uint64
	}{
		{"many", "7fffffff", false, 4 << 10},
		{"many", "000fffff 00000001 00000002", true, 32 << 10}, // within MaxElements and MaxBytes: grows as elements arrive
		{"names", "000fffff 00000001 61000000", true, 32 << 10},
		{"text", "7fffffff 61626364", true, 32 << 10},
		{"blob", "fffffff0", false, 4 << 10},
		{"tree", "00000001 000fffff", false, 4 << 10},
		{"big", "00000001 00000002", false, 8 << 10}, // 16 MB fixed opaque: a first 4 KiB
		{"big", "00000001 00000002", true, 16 << 10},
	} {
		ty := compile(t, kinds, tt.typ)
		data := unhex(t, tt.hex)
		var err error
		used := alloc.Least(func() {
			if tt.stream {
				_, err = ty.Decode(xdr.NewDecoder(bytes.NewReader(data)))
			} else {
				_, err = ty.Unmarshal(data, xdr.Limits{})
			}
		})
		if err == nil {
			t.Errorf("%s %s: no error", tt.typ, tt.hex)
		}
		if used > tt.budget {
			t.Errorf("%s %s (stream %v): %d bytes allocated, want at most %d", tt.typ, tt.hex, tt.stream, used, tt.budget)
		}
	}
}

// A long fixed-length opaque is read in growing pieces: the bytes and
// their padding come out as they went in.
func TestLongFixedOpaque(t *testing.T) {
	ty := compile(t, kinds, "mid")
	data := make([]byte, 10004)
	for i := range 10001 {
		data[i] = byte(i*7 + 1)
	}
	v, err := ty.Unmarshal(data, xdr.Limits{})
	if err != nil || !bytes.Equal(v.Bytes, data[:10001]) {
		t.Fatalf("%v", err)
	}
	if b, err := ty.Marshal(v.Bytes); err != nil || !bytes.Equal(b, data) {
		t.Errorf("re-encoded: %v", err)
	}
	data[10002] = 1
	if _, err := ty.Unmarshal(data, xdr.Limits{}); !errors.Is(err, xdr.ErrPadding) || !strings.Contains(err.Error(), "at offset 10002") {
		t.Errorf("bad padding: %v", err)
	}
	if _, err := ty.Decode(xdr.NewDecoder(iotest.OneByteReader(bytes.NewReader(data[:9000])))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut, streamed: %v", err)
	}
}

// Linked lists nest one level a node: MaxDepth bounds them both ways.
func TestDepthIsBounded(t *testing.T) {
	ty := compile(t, kinds, "node")
	list := func(n int) ([]byte, string) {
		var b []byte
		var j strings.Builder
		for i := range n {
			if i > 0 {
				b = append(b, 0, 0, 0, 1)
			}
			b = append(b, 0, 0, 0, byte(i))
			j.WriteString(`{"val":` + string(rune('0'+i%10)) + `,"next":`)
		}
		b = append(b, 0, 0, 0, 0)
		j.WriteString("null" + strings.Repeat("}", n))
		return b, j.String()
	}
	// The first node is the value itself; each next one nests a level.
	n := xdr.DefaultMaxDepth + 2
	data, _ := list(n)
	if _, err := ty.Unmarshal(data, xdr.Limits{}); !errors.Is(err, xdr.ErrDepth) {
		t.Errorf("%d nodes: %v, want ErrDepth", n, err)
	}
	if _, err := ty.Decode(xdr.NewDecoder(bytes.NewReader(data))); !errors.Is(err, xdr.ErrDepth) {
		t.Errorf("%d nodes, streamed: %v, want ErrDepth", n, err)
	}
	if _, err := ty.Unmarshal(data, xdr.Limits{MaxDepth: 1000}); err != nil {
		t.Errorf("%d nodes with MaxDepth 1000: %v", n, err)
	}
	// A list a level too deep for MaxDepth 8 is an error both ways, one a
	// level less is not.
	small := xdr.Limits{MaxDepth: 8}
	for n, ok := range map[int]bool{9: true, 10: false} {
		data, js := list(n)
		_, err := ty.Unmarshal(data, small)
		if ok != (err == nil) {
			t.Errorf("%d nodes, MaxDepth 8: %v", n, err)
		}
		var out bytes.Buffer
		err = ty.Encode(small.NewEncoder(&out), fromJSON(t, js))
		if ok != (err == nil) || !ok && !errors.Is(err, xdr.ErrDepth) {
			t.Errorf("encoding %d nodes, MaxDepth 8: %v", n, err)
		}
		if ok && !bytes.Equal(out.Bytes(), data) {
			t.Errorf("encoding %d nodes: %x, want %x", n, out.Bytes(), data)
		}
	}
}

// A cyclic Go value fails at MaxDepth instead of recursing forever.
func TestEncodeCycle(t *testing.T) {
	m := map[string]any{"val": 1}
	m["next"] = m
	if _, err := compile(t, kinds, "node").Marshal(m); !errors.Is(err, xdr.ErrDepth) {
		t.Errorf("a cyclic list: %v", err)
	}
}

// A value of more than MaxItems items is refused (lowered here: see
// export_test.go).
func TestMaxItems(t *testing.T) {
	defer schema.SetMaxItems(10)()
	ty := compile(t, kinds, "many")
	ok := unhex(t, "00000009"+strings.Repeat("00000001", 9))
	if _, err := ty.Unmarshal(ok, xdr.Limits{}); err != nil {
		t.Errorf("10 items: %v", err)
	}
	over := unhex(t, "0000000a"+strings.Repeat("00000001", 10))
	if _, err := ty.Unmarshal(over, xdr.Limits{}); !errors.Is(err, xdr.ErrLimit) || !strings.Contains(err.Error(), "more than 10 items") {
		t.Errorf("11 items: %v", err)
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tt := range []struct{ src, name, msg string }{
		{kinds, "nmae", "schema: no type nmae; did you mean name?"},
		{kinds, "colour", "did you mean color?"},
		{kinds, "zzzzzz", "schema: no type zzzzzz; the types are color, u32, u64, hash"},
		{kinds, "N", "schema: N is a const, not a type"},
		{kinds, "RED", "schema: no type RED"},
		{"struct e { opaque x[0]; }; typedef e es<>;", "es", "schema: es: an array of e, whose values take no bytes"},
		{"struct e { opaque x[0]; }; typedef e es[2];", "es", "an array of e"},
		{"const C = 1;", "x", "schema: no type x: the schema defines no types"},
	} {
		f, err := idl.Parse("test.x", []byte(tt.src))
		if err != nil {
			t.Fatal(err)
		}
		spec, err := idl.Check(f)
		if err != nil {
			t.Fatal(err)
		}
		_, err = schema.Compile(spec, tt.name)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.msg)
		}
	}
	// An empty fixed array of them is fine.
	if ty := compile(t, "struct e { opaque x[0]; }; typedef e none[0];", "none"); ty == nil {
		t.Error("none")
	}
}

// JSON cannot carry strings that are not UTF-8, nor NaN payloads: Lossy
// finds them.
func TestLossy(t *testing.T) {
	for _, tt := range []struct {
		typ, hex, json string
		lossy          bool
	}{
		{"names", "00000002 00000001 61000000 00000002 ff610000", `["a","\ufffda"]`, true},
		{"names", "00000001 00000002 c3a90000", `["é"]`, false},
		{"paint", "00000001 7fc00001", `{"c":"GREEN","f":"NaN"}`, true},
		{"paint", "00000001 ffc00000", `{"c":"GREEN","f":"NaN"}`, true},
		{"paint", "00000007 7ff8000000000000", `{"c":"BLUE","d":"NaN"}`, false},
	} {
		v, err := compile(t, kinds, tt.typ).Unmarshal(unhex(t, tt.hex), xdr.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if got := toJSON(t, v); got != tt.json {
			t.Errorf("%s: %s, want %s", tt.hex, got, tt.json)
		}
		if l := v.Lossy(); (l != nil) != tt.lossy {
			t.Errorf("%s: Lossy %v, want %v", tt.hex, l, tt.lossy)
		}
	}
}

func TestAnnotateEveryKind(t *testing.T) {
	for _, tt := range []struct{ typ, hex, want string }{
		{"node", "00000001 00000001 00000002 00000000", `
0000  16               node
0000   4  00 00 00 01    val: int 1
0004  12  00 00 00 01    next: list
0008   4  00 00 00 02      val: int 2
0012   4  00 00 00 00      next: list null
`},
		{"names", "00000002 00000001 ff000000 00000000", `
0000  16  00 00 00 02              names(2)
0004   8  00 00 00 01 ff 00 00 00    [0]: name "\xff"
0012   4  00 00 00 00                [1]: name ""
`},
		{"paints", "00000007 7ff8000000000000 00000001 ff800000", `
0000  20                           paints
0000  12                             [0]: paint
0000   4  00 00 00 07                  c: color BLUE
0004   8  7f f8 00 00 00 00 00 00      d: double NaN
0012   8                             [1]: paint
0012   4  00 00 00 01                  c: color GREEN
0016   4  ff 80 00 00                  f: float -Infinity
`},
		{"pair", "00000001 00000000 00000007 00000011 000102030405060708090a0b0c0d0e0f 10000000", `
0000  36                                                    pair
0000   4  00 00 00 01                                         a: int 1
0004  32                                                      inner: struct
0004   8                                                        u: union
0004   4  00 00 00 00                                             d: int 0
0008   4  00 00 00 07                                             y: int 7
0012  24  00 00 00 11 00 01 02 03 04 05 06 07 08 09 0a 0b…      o: opaque<> h'000102030405060708090a0b0c0d0e0f…'
`},
		{"u64", "ffffffffffffffff", `
0000  8  ff ff ff ff ff ff ff ff  u64 18446744073709551615
`},
		{"pint", "00000001 fffffffb", `
0000  8  00 00 00 01  pint
0004  4  ff ff ff fb    int -5
`},
		{"maybe", "00000001 00000000", `
0000  8               maybe
0000  4  00 00 00 01    on: bool true
0004  4  00 00 00 00    s: name ""
`},
	} {
		v, err := compile(t, kinds, tt.typ).Unmarshal(unhex(t, tt.hex), xdr.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := schema.WriteAnnotate(&b, v); err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimPrefix(tt.want, "\n"); b.String() != want {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", tt.typ, b.String(), want)
		}
	}
}

// A Type is safe for concurrent use (run with -race).
func TestConcurrentUse(t *testing.T) {
	ty := loadFile(t)
	file, _ := os.ReadFile("../../testdata/xdr/file.bin")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				v, err := ty.Unmarshal(file, xdr.Limits{})
				if err != nil {
					t.Error(err)
					return
				}
				if b, err := ty.Marshal(fromJSON(t, toJSON(t, v))); err != nil || !bytes.Equal(b, file) {
					t.Error("round trip", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Every type of the corpus (Stellar's files together, each rpcsvc file)
// compiles; those that a run of zero bytes decodes into go round through
// JSON to the same bytes.
func TestCorpusTypes(t *testing.T) {
	stellar, _ := filepath.Glob("../../testdata/xdr/corpus/stellar/*.x")
	rpcsvc, _ := filepath.Glob("../../testdata/xdr/corpus/rpcsvc/*.x")
	if len(stellar) == 0 || len(rpcsvc) == 0 {
		t.Fatal("no corpus in testdata/xdr/corpus")
	}
	sets := [][]string{stellar}
	for _, f := range rpcsvc {
		sets = append(sets, []string{f})
	}
	zeros := make([]byte, 4096)
	types, decoded := 0, 0
	for _, files := range sets {
		spec, err := idl.Load(files...)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range spec.Defs {
			switch d.Kind {
			case idl.TypedefDef, idl.EnumDef, idl.StructDef, idl.UnionDef:
			default:
				continue
			}
			types++
			ty, err := schema.Compile(spec, d.Name)
			if err != nil {
				t.Errorf("%s: %v", d.Name, err)
				continue
			}
			v, err := ty.Decode(xdr.NewDecoder(bytes.NewReader(zeros)))
			if err != nil {
				continue // an enum or union without a zero value
			}
			decoded++
			b, err := ty.Marshal(fromJSON(t, toJSON(t, v)))
			if err != nil || !bytes.Equal(b, zeros[:v.Len]) {
				t.Errorf("%s: %v: %x", d.Name, err, b)
			}
		}
	}
	if types < 400 || decoded < types/2 {
		t.Errorf("%d types, %d decoded from zeros", types, decoded)
	}
}
