package fuzz

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wirekit/wirekit/framing"
	"github.com/wirekit/wirekit/internal/alloc"
	"github.com/wirekit/wirekit/marshal"
)

// Types the marshal fuzz targets decode into: between them they use every
// kind of value the self-describing codecs map onto Go.

type mrec struct {
	B    bool
	I    int
	I8   int8
	U16  uint16
	U64  uint64
	F32  float32
	F64  float64
	S    string
	Raw  []byte
	Ints []int64
	Tags []string
	Attr map[string]int32
	P    *int64
	Next *mrec
	When time.Time
}

// mtree is recursive through a slice, a pointer and a map.
type mtree struct {
	Name  string
	Kids  []*mtree
	Next  *mtree
	Index map[int32]*mtree
}

var marshalTargets = []func() any{
	func() any { return new(mrec) },
	func() any { return new(mtree) },
	func() any { return new(any) },
	func() any { return new([]int64) },
	func() any { return new(map[string][]int32) },
}

// marshalLimits are small, so the fuzzer reaches every limit.
var marshalLimits = marshal.Limits{MaxDepth: 32, MaxElements: 256, MaxBytes: 1 << 16}

func marshalCodec(tb testing.TB, name string) marshal.Codec {
	tb.Helper()
	c, ok := marshalLimits.Lookup(name)
	if !ok {
		tb.Fatalf("no codec %q", name)
	}
	return c
}

func init() {
	// The gob targets decode into `any`, which gob fills only with
	// registered types.
	gob.Register(map[string]any{})
	gob.Register([]any{})
	gob.Register(&mrec{})
}

// marshalSamples are valid values of every target type, for the seeds.
func marshalSamples() []any {
	n := int64(-7)
	leaf := &mtree{Name: "leaf"}
	tree := &mtree{Name: "root", Kids: []*mtree{leaf, {Name: "k", Kids: []*mtree{leaf}}},
		Next: &mtree{Name: "n"}, Index: map[int32]*mtree{-1: {Name: "i"}, 2: leaf}}
	var dyn any = map[string]any{"a": []any{int64(1), "x", true, 2.5}, "b": map[string]any{}, "c": "s"}
	var dynList any = []any{"a", int64(-2), 0.5, false}
	return []any{
		&mrec{B: true, I: -1, I8: -128, U16: 65535, U64: math.MaxUint64, F32: 1.5, F64: -2.25,
			S: "héllo, 世界", Raw: []byte{0, 1, 2}, Ints: []int64{1, -1, math.MinInt64}, Tags: []string{"", "a"},
			Attr: map[string]int32{"x": 1, "y": -1}, P: &n, Next: &mrec{S: "next", F64: math.Inf(-1)},
			When: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)},
		&mrec{},
		tree,
		&dyn,
		&dynList,
		&[]int64{0, 1, -1, math.MaxInt64, math.MinInt64},
		&map[string][]int32{"a": {1, 2}, "b": {}},
	}
}

// marshalSeeds are the seeds of FuzzXUnmarshal for codec name: the
// samples in that codec, truncated and with a byte too many, and hostile
// inputs of its own.
func marshalSeeds(tb testing.TB, name string) [][]byte {
	tb.Helper()
	c := marshalCodec(tb, name)
	var seeds [][]byte
	for _, v := range marshalSamples() {
		b, err := c.Marshal(v)
		if err != nil {
			continue // gob: NaN-free, but e.g. nil elements are refused
		}
		seeds = append(seeds, b)
	}
	if len(seeds) > 0 {
		first := seeds[0]
		seeds = append(seeds,
			first[:len(first)/2],                // truncated
			append(bytes.Clone(first), 0, 0x0a), // trailing data
		)
	}
	return append(seeds, hostileSeeds[name]...)
}

// hostileSeeds are inputs that break a limit or the format, per codec.
var hostileSeeds = map[string][][]byte{
	"json": {
		nil,
		[]byte(" \n\t"),
		bytes.Repeat([]byte("["), 100),
		append(append([]byte("["), bytes.Repeat([]byte("0,"), 300)...), '0', ']'), // 301 elements
		[]byte(`{"S":"\ud800","F32":1e39,"U64":18446744073709551616}`),
		[]byte(`{"When":"2026-13-01T00:00:00Z","Raw":"!!"}`),
		[]byte(`{"When":"9999-12-31T23:59:59-23:59","F64":-0}`),
		[]byte("\"\xff\xfe\""),
		[]byte(`{"Name":"a","Kids":[null,{"Kids":[{}]}],"Index":{"x":{}}}`),
		[]byte(`{} {}`),
		[]byte(`[1e999]`),
		[]byte(`{"a":[1,2,`),
	},
	"msgpack": {
		nil,
		{0xdd, 0xff, 0xff, 0xff, 0xff},             // array32 of 4 Gi elements
		{0xdc, 0xff, 0xff},                         // array16 of 65535 elements
		{0xdf, 0xff, 0xff, 0xff, 0xff},             // map32 of 4 Gi pairs
		{0xdb, 0xff, 0xff, 0xff, 0xff},             // str32 of 4 GiB
		{0xc6, 0xff, 0xff, 0xff, 0xff},             // bin32 of 4 GiB
		{0xc9, 0xff, 0xff, 0xff, 0xff, 0x01},       // ext32 of 4 GiB
		append(bytes.Repeat([]byte{0x91}, 100), 0), // deep nesting
		{0xc1},             // never-used type byte
		{0x81, 0x90, 0xc0}, // map with an array key
		{0xd4, 0x05, 0x00}, // unregistered extension
		{0xd5, 0xff, 0, 0}, // time extension of a bad length
		{0xc7, 0x0c, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, // time far away
		{0xa2, 0xff, 0xfe},                                    // invalid UTF-8
		{0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 1},                  // NaN with a payload
		{0x81, 0xa1, 'F', 0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 1}, // {"F": NaN}
		{0x82, 0xa1, 'a', 0xc0, 0xa1, 'a', 0x01},              // a key twice
	},
	"cbor": {
		nil,
		{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},       // array of 2^64-1 elements
		{0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},       // byte string of 2^64-1 bytes
		{0xbb, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},       // map of 2^63-1 pairs
		append(bytes.Repeat([]byte{0x81}, 100), 0),                   // deep nesting
		append(bytes.Repeat([]byte{0xc6}, 100), 0),                   // deep tags
		append([]byte{0x9f}, bytes.Repeat([]byte{0}, 300)...),        // unterminated indefinite array, 300 long
		{0x5f, 0x41, 0x00, 0x61, 0x61, 0xff},                         // text chunk in a byte string
		{0x1c},                                                       // reserved additional information
		{0xff},                                                       // break outside anything
		{0xf8, 0x10},                                                 // simple value in two bytes
		{0xc0, 0x01},                                                 // tag 0 of an integer
		{0xc1, 0x1b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, // epoch time far away
		{0xc1, 0xfb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0},                   // epoch time +Inf
		{0xc2, 0x49, 1, 0, 0, 0, 0, 0, 0, 0, 0},                      // bignum 2^64
		{0x62, 0xff, 0xfe},                                           // invalid UTF-8
		{0xa1, 0x80, 0x01},                                           // array as a map key
		{0xa1, 0xf9, 0x7e, 0x01, 0x01},                               // NaN as a map key
		{0xf9, 0x7e, 0x01},                                           // half-precision NaN with a payload
		{0xd9, 0xd9, 0xf7, 0xa1, 0x61, 'S', 0x61, 'x'},               // self-described
		{0xa2, 0x01, 0x01, 0x01, 0x02},                               // a key twice
	},
	"gob": {
		nil,
		{0xf8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, // message of 2^63 bytes
		{0x04, 0x04, 0x00, 0xfc, 0x7f},                         // a 4-billion count inside a tiny message
		{0x03, 0xff, 0x81, 0x00},                               // type definition cut short
		bytes.Repeat([]byte{0x01, 0x00}, 50),                   // empty messages
		bytes.Repeat([]byte{0xff}, 64),
	},
}

// decodeBudget is how much memory decoding n bytes may allocate, per codec.
// Every element needs at least one input byte (a scanner checks counts
// against the input before the library sees them), and the most a
// one-byte element legitimately costs is an empty map boxed in an `any`:
// a 48-byte map header and its 16-byte slot in the enclosing []any.
// Measured: 64 bytes per input byte for arrays of empty maps in
// MessagePack (80) and CBOR (a0), 40 for empty arrays, 32 for JSON ({}, is
// 3 bytes). The bound leaves a factor of two over that; the constant
// covers the decoder's own state.
func decodeBudget(n int) uint64 { return 128*uint64(n) + 64<<10 }

// checkMarshalError fails the test unless err is an *marshal.Error of
// codec name whose offset, when known, lies within the n input bytes.
func checkMarshalError(t *testing.T, name string, err error, n int64) *marshal.Error {
	t.Helper()
	var me *marshal.Error
	if !errors.As(err, &me) {
		t.Fatalf("%s: error %v (%T) is not a *marshal.Error", name, err, err)
	}
	if me.Codec != name {
		t.Fatalf("%s: error %v names codec %q", name, err, me.Codec)
	}
	if me.Offset < -1 || me.Offset > n {
		t.Fatalf("%s: error %v: offset %d outside the %d bytes of input", name, err, me.Offset, n)
	}
	return me
}

// structural are the sentinels of errors about the bytes themselves,
// after which a Decoder cannot resynchronise.
var structural = []error{marshal.ErrMalformed, marshal.ErrDepth, marshal.ErrElements, marshal.ErrTooLarge,
	marshal.ErrTrailingData, io.ErrUnexpectedEOF}

func isStructural(err error) bool {
	for _, s := range structural {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// decodedEquiv is what may differ between a decoded value and the value
// decoded again from its re-encoding: the first decoding keeps what the
// input said, which the codec's encoder may say differently.
//   - nanPayload: CBOR writes every NaN as the canonical half-precision
//     NaN.
//   - looseNumbers: in an `any`, MessagePack decodes the integer 5 as the
//     integer type its input used (uint8 for cc 05) but encodes it in the
//     shortest form (05, an int8); CBOR decodes a small bignum as a
//     *big.Int and encodes it as a plain integer.
//   - timeOffset: a time decodes with the offset it was written with but
//     not the same *time.Location (JSON "+00:00" is time.Local where that
//     is UTC, and "Z" is time.UTC).
//   - zeroTimeNull: CBOR decodes a tag 1 time of NaN or ±Inf as the zero
//     time, and encodes the zero time as null.
const decodedEquiv = nanPayload | looseNumbers | timeOffset | zeroTimeNull

// checkUnmarshal is the body of the FuzzXUnmarshal targets. Properties:
// no panic; memory within decodeBudget; every error is an *marshal.Error
// of the codec; and whatever decodes encodes again with the same codec,
// into bytes that decode to an equal value.
func checkUnmarshal(t *testing.T, name string, data []byte) {
	c := marshalCodec(t, name)
	for _, target := range marshalTargets {
		v := target()
		before := allocatedBytes()
		err := c.Unmarshal(data, v)
		budget := decodeBudget(len(data))
		if used := allocatedBytes() - before; used > budget {
			// The cheap counter is coarse and counts the fuzzing worker
			// too: measure again, precisely, before failing.
			used = alloc.Least(func() { _ = c.Unmarshal(data, target()) })
			if used > budget {
				t.Fatalf("%s %T: decoding %d bytes allocated %d", name, v, len(data), used)
			}
		}
		if err != nil {
			checkMarshalError(t, name, err, int64(len(data)))
			continue
		}
		once, err := c.Marshal(v)
		if err != nil {
			if name == "cbor" && hasTimeBeyondRFC3339(reflect.ValueOf(v), 0) {
				continue // a documented limit of the CBOR codec: see marshal's doc
			}
			t.Fatalf("%s %T: a decoded value does not encode: %v\n%s", name, v, err, marshal.Dump(v))
		}
		w := target()
		if name == "graph" {
			// graph writes the pointer v as a reference of its own:
			// Marshal(p) pairs with Unmarshal(b, &p).
			pw := reflect.New(reflect.TypeOf(v))
			err = c.Unmarshal(once, pw.Interface())
			w = pw.Elem().Interface()
		} else {
			err = c.Unmarshal(once, w)
		}
		if err != nil {
			if name == "cbor" && hasTimeBeyondRFC3339(reflect.ValueOf(v), 0) {
				continue // a documented limit of the CBOR codec: see marshal's doc
			}
			t.Fatalf("%s %T: the re-encoding does not decode: %v\n%x", name, v, err, once)
		}
		if d := diff(reflect.ValueOf(v), reflect.ValueOf(w), decodedEquiv); d != "" {
			t.Fatalf("%s %T: decoded again, the value differs: %s\nfirst  %s\nsecond %s", name, v, d, marshal.Dump(v), marshal.Dump(w))
		}
	}
}

// hasTimeBeyondRFC3339 reports whether v holds a time.Time outside the
// years 0 to 9999. CBOR writes times as RFC 3339 text (tag 0), which has
// four-digit years; the library writes such a time anyway and cannot
// read it back.
func hasTimeBeyondRFC3339(v reflect.Value, depth int) bool {
	if !v.IsValid() || depth > 100 {
		return false
	}
	if v.Type() == reflect.TypeFor[time.Time]() {
		y := v.Interface().(time.Time).Year()
		return y < 0 || y > 9999
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return hasTimeBeyondRFC3339(v.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if hasTimeBeyondRFC3339(v.Index(i), depth+1) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if hasTimeBeyondRFC3339(it.Key(), depth+1) || hasTimeBeyondRFC3339(it.Value(), depth+1) {
				return true
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && hasTimeBeyondRFC3339(v.Field(i), depth+1) {
				return true
			}
		}
	}
	return false
}

// FuzzJSONUnmarshal: see checkUnmarshal.
func FuzzJSONUnmarshal(f *testing.F) { fuzzUnmarshal(f, "json") }

// FuzzMsgpackUnmarshal: see checkUnmarshal. The seeds include the 5-byte
// array header that makes the bare library allocate 32 GiB.
func FuzzMsgpackUnmarshal(f *testing.F) { fuzzUnmarshal(f, "msgpack") }

// FuzzCBORUnmarshal: see checkUnmarshal.
func FuzzCBORUnmarshal(f *testing.F) { fuzzUnmarshal(f, "cbor") }

// FuzzGobUnmarshal: see checkUnmarshal.
func FuzzGobUnmarshal(f *testing.F) { fuzzUnmarshal(f, "gob") }

func fuzzUnmarshal(f *testing.F, name string) {
	for _, s := range marshalSeeds(f, name) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkUnmarshal(t, name, data) })
}

// streamCodecs are the codecs FuzzMarshalStream reads with, and what it
// decodes each value into: `any` where the format describes itself, a
// type of the format's own fuzz target otherwise.
var streamCodecs = []struct {
	name   string
	target func() any
}{
	{"json", func() any { return new(any) }},
	{"msgpack", func() any { return new(any) }},
	{"cbor", func() any { return new(any) }},
	{"gob", func() any { return new(mrec) }},
	{"xdr", func() any { return new(rich) }},
	{"graph", func() any { return new(*gtree) }},
}

// readValues decodes values from dec, n bytes of input, until io.EOF or
// a final error, and lists what each Decode returned: a dump of the value
// or "error: " and the error. Errors are checked as checkMarshalError
// does.
//
// A final error is one about the bytes (see streamFinal): the next call
// must return it again, as must the call after io.EOF. Other errors (a
// value that does not fit the target) consume the value and the stream
// goes on, so every call that does not end the stream consumes at least
// one byte, and the stream ends within n+1 calls.
func readValues(t *testing.T, name string, dec marshal.Decoder, target func() any, n int) []string {
	t.Helper()
	var out []string
	for range n + 2 {
		v := target()
		err := dec.Decode(v)
		if err == nil {
			out = append(out, marshal.Dump(v))
			continue
		}
		if err != io.EOF {
			checkMarshalError(t, name, err, int64(n))
		}
		out = append(out, "error: "+err.Error())
		if err == io.EOF || streamFinal(name, err) {
			if again := dec.Decode(target()); again == nil || again.Error() != err.Error() {
				t.Fatalf("%s: after %v, Decode returns %v", name, err, again)
			}
			return out
		}
	}
	t.Fatalf("%s: decoding %d bytes did not end within %d values: %q", name, n, n+2, out)
	return nil
}

// streamFinal reports whether a Decoder of codec name can read no further
// after err. For most codecs that is any error about the bytes
// (marshal.Decoder). A graph stream frames its values, so only an error in
// the framing is final (graphcodec.go: "a frame whose value is bad is
// consumed, and the stream goes on"). XDR has no delimiters: every error
// with an offset is final (xdrcodec.go).
func streamFinal(name string, err error) bool {
	switch name {
	case "graph":
		var fe *framing.Error
		return errors.As(err, &fe)
	case "xdr":
		var me *marshal.Error
		return errors.As(err, &me) && me.Offset >= 0
	}
	return isStructural(err)
}

// FuzzMarshalStream reads arbitrary bytes as a stream of values with each
// codec's Decoder. Properties: no panic; the stream ends within one value
// per input byte; errors are *marshal.Error of the codec, and after io.EOF
// or an error about the bytes every later Decode returns the same; memory
// within decodeBudget plus the stream's buffer; the same values and errors,
// offsets included, whether the bytes arrive at once or in odd pieces; and
// for the formats whose values delimit themselves, Unmarshal succeeds
// exactly when the stream holds one value, which it decodes alike.
func FuzzMarshalStream(f *testing.F) {
	for _, s := range streamSeeds(f) {
		f.Add(s.data, s.codec, s.split)
	}
	f.Fuzz(func(t *testing.T, data []byte, which, split uint8) {
		sc := streamCodecs[int(which)%len(streamCodecs)]
		c := marshalCodec(t, sc.name)

		before := allocatedBytes()
		whole := readValues(t, sc.name, c.NewDecoder(bytes.NewReader(data)), sc.target, len(data))
		// A stream's buffer doubles up to MaxBytes, plus a little.
		budget := decodeBudget(len(data)) + 4*uint64(marshalLimits.MaxBytes)
		if used := allocatedBytes() - before; used > budget {
			used = alloc.Least(func() { readValues(t, sc.name, c.NewDecoder(bytes.NewReader(data)), sc.target, len(data)) })
			if used > budget {
				t.Fatalf("%s: reading %d bytes allocated %d", sc.name, len(data), used)
			}
		}
		odd := readValues(t, sc.name, c.NewDecoder(&stutter{r: bytes.NewReader(data), seed: split}), sc.target, len(data))
		if !slices.Equal(whole, odd) {
			t.Fatalf("%s: in odd pieces differs:\n whole %q\n odd   %q", sc.name, whole, odd)
		}

		switch sc.name {
		case "xdr", "graph":
			return // graph streams are framed; xdr is FuzzXDRUnmarshal's
		}
		v := sc.target()
		err := c.Unmarshal(data, v)
		one := len(whole) == 2 && !strings.HasPrefix(whole[0], "error: ") && whole[1] == "error: EOF"
		switch {
		case err == nil && (!one || whole[0] != marshal.Dump(v)):
			t.Fatalf("%s: Unmarshal decodes %s, the stream reads %q", sc.name, marshal.Dump(v), whole)
		case err != nil && one && len(data) <= marshalLimits.MaxBytes:
			t.Fatalf("%s: the stream reads one value, Unmarshal fails: %v", sc.name, err)
		}
	})
}

type streamSeed struct {
	data         []byte
	codec, split uint8
}

func streamSeeds(tb testing.TB) []streamSeed {
	tb.Helper()
	var seeds []streamSeed
	add := func(i int, data []byte) {
		seeds = append(seeds, streamSeed{data, uint8(i), uint8(len(seeds))})
	}
	for i, sc := range streamCodecs {
		c := marshalCodec(tb, sc.name)
		var values []any
		switch sc.name {
		case "xdr":
			values = []any{&rich{A: -1, S: "abc", Shape: &box{Kind: 3, W: 1}, Flags: []bool{true}}, &rich{Shape: noShape{}}}
		case "graph":
			a := &gtree{Name: "a", Attrs: map[string]int64{"x": 1}, When: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
			a.Kids = []*gtree{a}
			values = []any{a, (*gtree)(nil), &gtree{Name: "b", Peer: 7}}
		case "gob":
			for _, v := range marshalSamples() {
				if m, ok := v.(*mrec); ok {
					values = append(values, m)
				}
			}
		default:
			values = marshalSamples()
		}
		var buf bytes.Buffer
		enc := c.NewEncoder(&buf)
		for _, v := range values {
			_ = enc.Encode(v) // JSON refuses the sample holding -Inf
		}
		b := buf.Bytes()
		add(i, b)
		add(i, b[:len(b)-1])                        // truncated in the last value
		add(i, append(b[:len(b)/2:len(b)/2], b...)) // garbage in the middle
	}
	add(0, []byte(" 1 \"a\" [] {} null\n\t[[[[1]]]] tru"))
	add(1, []byte{0xdd, 0xff, 0xff, 0xff, 0xff, 0x01})
	add(1, []byte{0x01, 0x02, 0xd4, 0x05, 0x00, 0x03}) // an unregistered extension between values
	add(2, []byte{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	add(2, []byte{0x01, 0xc0, 0x01, 0x02}) // a tag that does not fit between values
	add(4, []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	add(5, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}) // a uvarint frame of 2^63 bytes
	return seeds
}

// FuzzDetect sniffs arbitrary bytes. Properties: no panic; the same answer
// twice; time and memory linear in the input; and, from Detect's rules
// (detect.go): a format it names, even in a tie, read the whole input as
// complete values within DefaultLimits, so that format's Decoder, with
// DefaultLimits, reads the input to a clean io.EOF without an error about
// the structure of the bytes (truncated, trailing, too deep, too many
// elements, too large). For JSON, whose rule is "values encoding/json
// accepts", that holds for every error: the values decode into `any`,
// and Unmarshal decodes a single one. For CBOR and MessagePack the rule is
// well-formedness only, and a well-formed item may still not be valid
// (CBOR tag 0 of an integer, a text string that is not UTF-8) or not
// decodable into `any` (a MessagePack map with an array key, an
// unregistered extension): such an error may occur, and must not claim the
// input is malformed (ErrMalformed), as it is well-formed.
func FuzzDetect(f *testing.F) {
	for _, s := range detectSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		before := allocatedBytes()
		start := time.Now()
		name, ok := marshal.Detect(data)
		took := time.Since(start)
		budget := 32*uint64(len(data)) + 64<<10
		if used := allocatedBytes() - before; used > budget {
			used = alloc.Least(func() { marshal.Detect(data) })
			if used > budget {
				t.Fatalf("detecting %d bytes allocated %d", len(data), used)
			}
		}
		// Generous, and measured again before failing: the fuzzing
		// workers share the machine.
		if limit := 20*time.Millisecond + time.Duration(len(data))*time.Microsecond; took > limit {
			if took = leastDuration(func() { marshal.Detect(data) }); took > limit {
				t.Fatalf("detecting %d bytes took %v", len(data), took)
			}
		}
		if n2, ok2 := marshal.Detect(data); n2 != name || ok2 != ok {
			t.Fatalf("Detect says %q %v, then %q %v", name, ok, n2, ok2)
		}
		switch {
		case name == "" && ok:
			t.Fatal(`Detect says "" with ok`)
		case name == "":
			return
		case name == "xdr" || name == "graph":
			t.Fatalf("Detect names %s, which it cannot tell from other bytes", name)
		}
		c, _ := marshal.Lookup(name)
		dec := c.NewDecoder(bytes.NewReader(data))
		values := 0
		for {
			var v any
			var err error
			if name == "gob" {
				// gob decodes only interface values into `any`.
				err = dec.Decode(new(mrec))
			} else {
				err = dec.Decode(&v)
			}
			if err == io.EOF {
				break
			}
			// Other errors are about the Go value (a JSON number beyond
			// float64, say), not the format.
			if err != nil && isStructural(err) {
				t.Fatalf("Detect says %s (%v), value %d does not decode: %v", name, ok, values, err)
			}
			if err != nil && name != "gob" {
				checkMarshalError(t, name, err, int64(len(data)))
			}
			if values++; values > len(data) {
				t.Fatalf("%s: more values than bytes", name)
			}
		}
		if values == 0 {
			t.Fatalf("Detect says %s (%v) of input with no value in it", name, ok)
		}
		if values == 1 && name != "gob" {
			var v any
			err := c.Unmarshal(data, &v)
			if err != nil && isStructural(err) {
				t.Fatalf("Detect says %s (%v) of one value, Unmarshal fails: %v", name, ok, err)
			}
		}
	})
}

// leastDuration is the shortest of three runs of f.
func leastDuration(f func()) time.Duration {
	least := time.Duration(math.MaxInt64)
	for range 3 {
		start := time.Now()
		f()
		least = min(least, time.Since(start))
	}
	return least
}

func detectSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	var seeds [][]byte
	for _, name := range []string{"json", "msgpack", "cbor", "gob"} {
		c := marshalCodec(tb, name)
		for _, v := range marshalSamples() {
			if b, err := c.Marshal(v); err == nil {
				seeds = append(seeds, b)
			}
		}
	}
	return append(seeds,
		nil,
		[]byte("1"),                             // JSON, MessagePack and CBOR alike: a tie
		[]byte("[1, 2]\n{\"a\": 3}\n"),          // two JSON values
		[]byte{0xd9, 0xd9, 0xf7, 0x83, 1, 2, 3}, // self-described CBOR
		[]byte{0x92, 0x01, 0x02, 0x81, 0xa1, 'a', 0x03},                             // a sequence of MessagePack containers
		[]byte{0x01, 0x02, 0x03},                                                    // scalars: a sequence says nothing
		bytes.Repeat([]byte{0x91}, 2000),                                            // nesting beyond DefaultLimits, unfinished
		append(bytes.Repeat([]byte{'['}, 1001), bytes.Repeat([]byte{']'}, 1001)...), // JSON deeper than DefaultLimits
		[]byte{0xc0, 0x01},                                                          // CBOR tag 0 of an integer: well-formed, not valid
		[]byte{0x81, 0x90, 0xc0},                                                    // MessagePack map with an array key
		[]byte("\x00\x00\x00\x09sillyprog\x00\x00\x00"),                             // XDR looks like anything
	)
}

// writeSeedCorpus writes one seed file per entry of bodies (the values of
// one input, one per line, in the corpus file format) into
// testdata/fuzz/<target>, replacing the seeds that were there.
func writeSeedCorpus(t *testing.T, target string, bodies []string) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "seed-*"))
	for _, p := range old {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	for i, b := range bodies {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte("go test fuzz v1\n"+b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func bytesBodies(seeds [][]byte) []string {
	bodies := make([]string, len(seeds))
	for i, s := range seeds {
		bodies[i] = fmt.Sprintf("[]byte(%q)\n", s)
	}
	return bodies
}

func writeUnmarshalSeeds(t *testing.T, target, name string) {
	if !*writeSeeds {
		t.Skip("run with -write-seeds to rewrite the corpus")
	}
	writeSeedCorpus(t, target, bytesBodies(marshalSeeds(t, name)))
}

// TestWriteJSONSeeds and the functions below keep testdata/fuzz/FuzzX in
// step with the seeds above: go test ./fuzz -run 'Write.*Seeds' -write-seeds.
func TestWriteJSONSeeds(t *testing.T)    { writeUnmarshalSeeds(t, "FuzzJSONUnmarshal", "json") }
func TestWriteMsgpackSeeds(t *testing.T) { writeUnmarshalSeeds(t, "FuzzMsgpackUnmarshal", "msgpack") }
func TestWriteCBORSeeds(t *testing.T)    { writeUnmarshalSeeds(t, "FuzzCBORUnmarshal", "cbor") }
func TestWriteGobSeeds(t *testing.T)     { writeUnmarshalSeeds(t, "FuzzGobUnmarshal", "gob") }

func TestWriteStreamSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -write-seeds to rewrite the corpus")
	}
	var bodies []string
	for _, s := range streamSeeds(t) {
		bodies = append(bodies, fmt.Sprintf("[]byte(%q)\nbyte(%q)\nbyte(%q)\n", s.data, s.codec, s.split))
	}
	writeSeedCorpus(t, "FuzzMarshalStream", bodies)
}

func TestWriteDetectSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -write-seeds to rewrite the corpus")
	}
	writeSeedCorpus(t, "FuzzDetect", bytesBodies(detectSeeds(t)))
}

// FuzzGobValues reads arbitrary bytes as a gob stream without Go types.
// Properties: no panic (reflect's type constructors included), memory
// within decodeBudget, errors are *marshal.Error of gob, and every value
// it returns encodes as JSON.
func FuzzGobValues(f *testing.F) {
	for _, s := range marshalSeeds(f, "gob") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		read := func() {
			gv := marshalLimits.NewGobValues(bytes.NewReader(data))
			for range len(data) + 1 {
				v, err := gv.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					checkMarshalError(t, "gob", err, int64(len(data)))
					break
				}
				if _, err := json.Marshal(v); err != nil {
					t.Fatalf("a value does not encode as JSON: %v\n%s", err, marshal.Dump(v))
				}
			}
		}
		before := allocatedBytes()
		read()
		// A stream's buffers, plus gob's and reflect's per-type work.
		budget := decodeBudget(len(data)) + 4*uint64(marshalLimits.MaxBytes)
		if used := allocatedBytes() - before; used > budget {
			if used = alloc.Least(read); used > budget {
				t.Fatalf("reading %d bytes allocated %d", len(data), used)
			}
		}
	})
}

// FuzzMarshalXDRUnmarshal: see checkUnmarshal; the xdr codec through
// marshal (targets XDR has no form for fail with a *marshal.Error).
func FuzzMarshalXDRUnmarshal(f *testing.F) { fuzzUnmarshal(f, "xdr") }

// FuzzMarshalGraphUnmarshal: see checkUnmarshal; the graph codec through
// marshal.
func FuzzMarshalGraphUnmarshal(f *testing.F) { fuzzUnmarshal(f, "graph") }
