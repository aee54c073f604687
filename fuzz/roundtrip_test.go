package fuzz

// Randomized round trips through every codec of package marshal.
//
// Support matrix, as this suite establishes it. "in": values of the type
// round-trip (TestRoundTrip, and several per stream in
// TestRoundTripStream), equal exactly but for the equivalences listed for
// the codec, defined at the equiv constants below; "out": Marshal and
// Encode fail with a *marshal.Error of the codec
// (TestRoundTripUnsupported). "struct" is structs in structs with arrays,
// slices, []byte and strings; "pointers" is *int64, *string, *struct,
// **int32 and a recursive pointer, each nil or not; times are UTC with
// nanoseconds, or the zero time. TestSupportMatrixDoc keeps the table in
// step with rtSupport.
//
//	type                 json     gob      msgpack  cbor     xdr      graph
//	bool                 in       in       in       in       in       in
//	int                  in       in       in       in       out      in
//	int8                 in       in       in       in       out      in
//	int16                in       in       in       in       out      in
//	int32                in       in       in       in       in       in
//	int64                in       in       in       in       in       in
//	uint                 in       in       in       in       out      in
//	uint8                in       in       in       in       out      in
//	uint16               in       in       in       in       out      in
//	uint32               in       in       in       in       in       in
//	uint64               in       in       in       in       in       in
//	float32              in       in       in       in       in       in
//	float64              in       in       in       in       in       in
//	string               in       in       in       in       in       in
//	[]byte               in       in       in       in       in       in
//	struct               in       in       in       in       in       in
//	[]struct             in       in       in       in       in       in
//	map[string]struct    in       in       in       in       out      in
//	map[int64]string     in       in       in       in       out      in
//	map[int32][]uint32   in       in       in       in       out      in
//	pointers             in       in       in       in       in       in
//	time.Time            in       in       in       in       out      in
//	struct with time     in       in       in       in       out      in
//	NaN, ±Inf            out      in       in       in       in       in
//
//	equivalences allowed:
//	  json     nilThroughPointer
//	  gob      emptySliceNil, zeroPointerNil, negativeZero, nilMapEmpty
//	  msgpack  nilThroughPointer, timeLocal
//	  cbor     nilThroughPointer, nanPayload
//	  xdr      emptySliceNil
//	  graph    emptySliceNil

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	fuzz "github.com/google/gofuzz"

	"github.com/wirekit/wirekit/marshal"
)

// equiv names one way a decoded value may differ from the value encoded;
// the comparison allows only the ones a codec's matrix entry names.
type equiv uint16

const (
	// emptySliceNil: an empty slice or []byte comes back nil.
	emptySliceNil equiv = 1 << iota
	// nilThroughPointer: a pointer to a nil pointer comes back nil (the
	// format has one null, not one per level of indirection).
	nilThroughPointer
	// zeroPointerNil: a pointer to a zero value that is not a struct (0,
	// "", an empty slice, a nil pointer) comes back nil: gob leaves zero
	// values out of a struct, and what is left out decodes as nil.
	zeroPointerNil
	// timeLocal: a time.Time comes back as the same instant in time.Local
	// (the zero time comes back as it was).
	timeLocal
	// nanPayload: a NaN comes back a NaN, with another payload.
	nanPayload
	// looseNumbers: in an `any`, integers of different types (int8,
	// uint64, *big.Int, ...) are equal when their values are.
	looseNumbers
	// timeOffset: a time.Time comes back as the same instant with the
	// same offset from UTC, in another *time.Location.
	timeOffset
	// negativeZero: a -0 float comes back +0 (gob leaves a field equal to
	// zero out of a struct, and -0 == 0).
	negativeZero
	// nilMapEmpty: a nil map comes back empty (gob sends a top-level
	// value even when it is zero, and has no nil for maps).
	nilMapEmpty
	// zeroTimeNull: in an `any`, the zero time.Time comes back nil (CBOR
	// writes the zero time as null; a tag 1 time of NaN or ±Inf decodes as
	// the zero time, RFC 8949 §3.4.2).
	zeroTimeNull
)

var equivNames = []string{"emptySliceNil", "nilThroughPointer", "zeroPointerNil", "timeLocal", "nanPayload", "looseNumbers",
	"timeOffset", "negativeZero", "nilMapEmpty", "zeroTimeNull"}

func (e equiv) String() string {
	var names []string
	for i, n := range equivNames {
		if e&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "exact"
	}
	return strings.Join(names, ", ")
}

// Types of the round trips. rtInner and rtNested use only what every
// codec, XDR included, can encode.

type rtInner struct {
	N    int32
	On   bool
	S    string
	F    float64
	Raw  []byte
	Tags []string
}

type rtMiddle struct {
	Inner rtInner
	Count uint32
	Pair  [2]int64
}

type rtNested struct {
	ID     uint64
	Inner  rtInner
	Middle rtMiddle
	List   []rtInner
	Small  float32
}

type rtPointers struct {
	I   *int64
	S   *string
	In  *rtInner
	PP  **int32
	Opt *rtPointers
}

type rtStamped struct {
	At  time.Time
	Seq int32
}

// rtCase is one type of the round trips.
type rtCase struct {
	name string
	new  func() any // a pointer to a fresh zero value
}

func rtType[T any](name string) rtCase { return rtCase{name, func() any { return new(T) }} }

var rtCases = []rtCase{
	rtType[bool]("bool"),
	rtType[int]("int"),
	rtType[int8]("int8"),
	rtType[int16]("int16"),
	rtType[int32]("int32"),
	rtType[int64]("int64"),
	rtType[uint]("uint"),
	rtType[uint8]("uint8"),
	rtType[uint16]("uint16"),
	rtType[uint32]("uint32"),
	rtType[uint64]("uint64"),
	rtType[float32]("float32"),
	rtType[float64]("float64"),
	rtType[string]("string"),
	rtType[[]byte]("[]byte"),
	rtType[rtNested]("struct"),
	rtType[[]rtInner]("[]struct"),
	rtType[map[string]rtInner]("map[string]struct"),
	rtType[map[int64]string]("map[int64]string"),
	rtType[map[int32][]uint32]("map[int32][]uint32"),
	rtType[rtPointers]("pointers"),
	rtType[time.Time]("time.Time"),
	rtType[rtStamped]("struct with time"),
}

// codecSupport is one codec's row of the support matrix.
type codecSupport struct {
	name string
	// out lists the types the codec cannot encode; Marshal must say so.
	out []string
	// equiv is what the comparison allows.
	equiv equiv
	// nonFinite: NaN and ±Inf are encoded. Without it the generated
	// floats are finite and encoding a NaN or an infinity must fail.
	nonFinite bool
}

var rtSupport = []codecSupport{
	{name: "json", equiv: nilThroughPointer},
	{name: "gob", equiv: emptySliceNil | zeroPointerNil | negativeZero | nilMapEmpty, nonFinite: true},
	{name: "msgpack", equiv: nilThroughPointer | timeLocal, nonFinite: true},
	{name: "cbor", equiv: nilThroughPointer | nanPayload, nonFinite: true},
	{name: "xdr", out: []string{"int", "int8", "int16", "uint", "uint8", "uint16",
		"map[string]struct", "map[int64]string", "map[int32][]uint32", "time.Time", "struct with time"},
		equiv: emptySliceNil, nonFinite: true},
	{name: "graph", equiv: emptySliceNil, nonFinite: true},
}

// rtValues is how many values of each type each codec round-trips: enough
// to meet every special value the generators make, few enough for CI.
const rtValues = 120

// rtStrings covers ASCII with control characters, two- and three-byte
// UTF-8, the line separators JSON escapes, and four-byte emoji.
var rtStrings = fuzz.UnicodeRanges{
	{First: 0x00, Last: 0x7f},
	{First: 0xa0, Last: 0x2af},
	{First: 0x2028, Last: 0x2029},
	{First: 0x4e00, Last: 0x9fff},
	{First: 0x1f600, Last: 0x1f64f},
}.CustomStringFuzzFunc()

// rtFuzzer generates the values of seed for codec s: nil one time in
// five, up to four elements, integers and floats at their edges half the
// time, times in UTC between 1900 and 2200 with nanoseconds and no
// monotonic reading (or the zero time), and floats finite unless the codec
// encodes NaN and infinities.
func rtFuzzer(seed int64, s codecSupport) *fuzz.Fuzzer {
	return fuzz.NewWithSeed(seed).NilChance(0.2).NumElements(0, 4).MaxDepth(12).Funcs(
		rtStrings,
		rtInt[int], rtInt[int8], rtInt[int16], rtInt[int32], rtInt[int64],
		rtInt[uint], rtInt[uint8], rtInt[uint16], rtInt[uint32], rtInt[uint64],
		func(f *float64, c fuzz.Continue) { *f = rtFloat(c, s.nonFinite, 64) },
		func(f *float32, c fuzz.Continue) { *f = float32(rtFloat(c, s.nonFinite, 32)) },
		func(t *time.Time, c fuzz.Continue) {
			if c.Intn(10) == 0 {
				*t = time.Time{}
				return
			}
			lo := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
			hi := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
			*t = time.Unix(lo+c.Int63n(hi-lo), c.Int63n(1e9)).UTC()
		},
	)
}

type integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// rtInt fills an integer: zero, a small number, the least or the greatest
// value of its type, or random bits.
func rtInt[T integer](v *T, c fuzz.Continue) {
	bits := reflect.TypeFor[T]().Bits()
	ones := ^T(0) // -1 when signed
	signed := ones < 0
	switch c.Intn(8) {
	case 0:
		*v = 0
	case 1:
		*v = T(c.Intn(7)) - 3 // wraps for unsigned types: near the top
	case 2: // least
		if signed {
			*v = ones << (bits - 1)
		} else {
			*v = 0
		}
	case 3: // greatest
		if signed {
			*v = ^(ones << (bits - 1))
		} else {
			*v = ones
		}
	default:
		*v = T(c.Uint64())
	}
}

// rtFloat returns a float64 (one that a float32 holds exactly when bits
// is 32): a special value a quarter of the time, random bits otherwise.
func rtFloat(c fuzz.Continue, nonFinite bool, bits int) float64 {
	specials := []float64{0, math.Copysign(0, -1), 1, -1.5, 1e-300, math.MaxFloat64, math.SmallestNonzeroFloat64}
	if bits == 32 {
		specials = []float64{0, math.Copysign(0, -1), 1, -1.5, math.MaxFloat32, math.SmallestNonzeroFloat32}
	}
	if nonFinite {
		specials = append(specials, math.NaN(), math.Inf(1), math.Inf(-1))
	}
	for {
		var f float64
		switch {
		case c.Intn(4) == 0:
			f = specials[c.Intn(len(specials))]
		case bits == 32:
			f = float64(math.Float32frombits(c.Uint32()))
		default:
			f = math.Float64frombits(c.Uint64())
		}
		if nonFinite || !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	}
}

// rtValue is seed's value of case tc for codec s, as a pointer to it.
func rtValue(tc rtCase, s codecSupport, seed int64) any {
	p := tc.new()
	rtFuzzer(seed, s).Fuzz(p)
	return p
}

// TestRoundTrip marshals values of every type with every codec that
// supports it, unmarshals them into fresh values and compares, exactly
// but for the codec's named equivalences. A failure names the codec, the
// type and the seed, which regenerates the value (see rtValue).
func TestRoundTrip(t *testing.T) {
	for _, s := range rtSupport {
		t.Run(s.name, func(t *testing.T) {
			c, _ := marshal.Lookup(s.name)
			for _, tc := range rtCases {
				if slices.Contains(s.out, tc.name) {
					continue // TestRoundTripUnsupported
				}
				for seed := range int64(rtValues) {
					p := rtValue(tc, s, seed)
					v := reflect.ValueOf(p).Elem()
					data, err := c.Marshal(v.Interface())
					if err != nil {
						t.Fatalf("%s %s seed %d: Marshal: %v\n%s", s.name, tc.name, seed, err, marshal.Dump(p))
					}
					q := tc.new()
					if err := c.Unmarshal(data, q); err != nil {
						t.Fatalf("%s %s seed %d: Unmarshal: %v\n%s\n%x", s.name, tc.name, seed, err, marshal.Dump(p), data)
					}
					if d := diff(v, reflect.ValueOf(q).Elem(), s.equiv); d != "" {
						t.Fatalf("%s %s seed %d: %s (allowed: %v)\nsent %s\ngot  %s", s.name, tc.name, seed, d, s.equiv,
							marshal.Dump(p), marshal.Dump(q))
					}
				}
			}
		})
	}
}

// TestRoundTripStream writes one value of every supported type per round
// on one stream with NewEncoder, and reads them back in order with
// NewDecoder, which then reports io.EOF.
func TestRoundTripStream(t *testing.T) {
	const rounds = 20
	for _, s := range rtSupport {
		t.Run(s.name, func(t *testing.T) {
			c, _ := marshal.Lookup(s.name)
			var cases []rtCase
			for _, tc := range rtCases {
				if !slices.Contains(s.out, tc.name) {
					cases = append(cases, tc)
				}
			}
			var buf bytes.Buffer
			enc := c.NewEncoder(&buf)
			var sent []any
			for seed := range int64(rounds) {
				for _, tc := range cases {
					p := rtValue(tc, s, 1000+seed)
					if err := enc.Encode(reflect.ValueOf(p).Elem().Interface()); err != nil {
						t.Fatalf("%s %s seed %d: Encode: %v\n%s", s.name, tc.name, 1000+seed, err, marshal.Dump(p))
					}
					sent = append(sent, p)
				}
			}
			dec := c.NewDecoder(&stutter{r: bytes.NewReader(buf.Bytes()), seed: 7})
			for i, p := range sent {
				tc, seed := cases[i%len(cases)], 1000+i/len(cases)
				q := tc.new()
				if err := dec.Decode(q); err != nil {
					t.Fatalf("%s %s seed %d (value %d of the stream): Decode: %v\n%s", s.name, tc.name, seed, i, err, marshal.Dump(p))
				}
				if d := diff(reflect.ValueOf(p).Elem(), reflect.ValueOf(q).Elem(), s.equiv); d != "" {
					t.Fatalf("%s %s seed %d (value %d of the stream): %s (allowed: %v)\nsent %s\ngot  %s", s.name, tc.name, seed, i, d, s.equiv,
						marshal.Dump(p), marshal.Dump(q))
				}
			}
			if err := dec.Decode(cases[0].new()); err != io.EOF {
				t.Fatalf("%s: after the last value, Decode returns %v, not io.EOF", s.name, err)
			}
		})
	}
}

// TestRoundTripUnsupported checks that what the matrix leaves out fails
// to encode, with an error of the codec, rather than encoding as
// something else: each type in a codec's out list, and NaN and infinities
// where the codec has no encoding for them.
func TestRoundTripUnsupported(t *testing.T) {
	for _, s := range rtSupport {
		t.Run(s.name, func(t *testing.T) {
			c, _ := marshal.Lookup(s.name)
			var values []any
			for _, tc := range rtCases {
				if slices.Contains(s.out, tc.name) {
					values = append(values, reflect.ValueOf(rtValue(tc, s, 1)).Elem().Interface())
				}
			}
			if !s.nonFinite {
				values = append(values, math.NaN(), math.Inf(1), float32(math.Inf(-1)), rtInner{F: math.NaN()})
			}
			for _, v := range values {
				data, err := c.Marshal(v)
				if err == nil {
					t.Errorf("%s: Marshal(%T) succeeds, with %d bytes (%x), for a value it cannot encode:\n%s",
						s.name, v, len(data), data, marshal.Dump(v))
					continue
				}
				checkMarshalError(t, s.name, err, -1)
				if err := c.NewEncoder(io.Discard).Encode(v); err == nil {
					t.Errorf("%s: Encode(%T) succeeds for a value it cannot encode", s.name, v)
				} else {
					checkMarshalError(t, s.name, err, -1)
				}
			}
		})
	}
}

// diff describes the first difference between a (sent) and b (received)
// that eq does not allow, or returns "" when there is none.
func diff(a, b reflect.Value, eq equiv) string { return diffAt(a, b, eq, "value") }

func diffAt(a, b reflect.Value, eq equiv, path string) string {
	if a.Type() != b.Type() {
		return fmt.Sprintf("%s: %v, got %v", path, a.Type(), b.Type())
	}
	switch a.Kind() {
	case reflect.Bool:
		if a.Bool() != b.Bool() {
			return fmt.Sprintf("%s: %v, got %v", path, a.Bool(), b.Bool())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if a.Int() != b.Int() {
			return fmt.Sprintf("%s: %d, got %d", path, a.Int(), b.Int())
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if a.Uint() != b.Uint() {
			return fmt.Sprintf("%s: %d, got %d", path, a.Uint(), b.Uint())
		}
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		if eq&nanPayload != 0 && math.IsNaN(x) && math.IsNaN(y) ||
			eq&negativeZero != 0 && x == 0 && y == 0 && math.Signbit(x) && !math.Signbit(y) {
			return ""
		}
		if a.Kind() == reflect.Float32 && math.Float32bits(float32(x)) != math.Float32bits(float32(y)) ||
			a.Kind() == reflect.Float64 && math.Float64bits(x) != math.Float64bits(y) {
			return fmt.Sprintf("%s: %v (%#x), got %v (%#x)", path, x, math.Float64bits(x), y, math.Float64bits(y))
		}
	case reflect.Complex64, reflect.Complex128:
		if a.Complex() != b.Complex() {
			return fmt.Sprintf("%s: %v, got %v", path, a.Complex(), b.Complex())
		}
	case reflect.String:
		if a.String() != b.String() {
			return fmt.Sprintf("%s: %q, got %q", path, a.String(), b.String())
		}
	case reflect.Pointer:
		switch {
		case a.IsNil() && b.IsNil():
		case !a.IsNil() && b.IsNil() && eq&nilThroughPointer != 0 && a.Elem().Kind() == reflect.Pointer && a.Elem().IsNil():
		case !a.IsNil() && b.IsNil() && eq&zeroPointerNil != 0 && gobOmits(a.Elem()):
		case a.IsNil() || b.IsNil():
			return fmt.Sprintf("%s: nil is %v, got nil %v", path, a.IsNil(), b.IsNil())
		case a.Type() == reflect.TypeFor[*big.Int]():
			return diffNumber(a, b, path)
		default:
			return diffAt(a.Elem(), b.Elem(), eq, "(*"+path+")")
		}
	case reflect.Interface:
		switch {
		case a.IsNil() && b.IsNil():
			return ""
		case eq&zeroTimeNull != 0 && b.IsNil() && a.Elem().Type() == reflect.TypeFor[time.Time]() && a.Elem().Interface().(time.Time).IsZero():
			return ""
		case a.IsNil() || b.IsNil():
			return fmt.Sprintf("%s: nil is %v, got nil %v", path, a.IsNil(), b.IsNil())
		case eq&looseNumbers != 0 && isInteger(a.Elem()) && isInteger(b.Elem()):
			return diffNumber(a.Elem(), b.Elem(), path)
		}
		return diffAt(a.Elem(), b.Elem(), eq, path)
	case reflect.Slice:
		if a.IsNil() != b.IsNil() && !(eq&emptySliceNil != 0 && b.IsNil() && a.Len() == 0) {
			return fmt.Sprintf("%s: nil is %v, got nil %v", path, a.IsNil(), b.IsNil())
		}
		fallthrough
	case reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d elements, got %d", path, a.Len(), b.Len())
		}
		for i := range a.Len() {
			if d := diffAt(a.Index(i), b.Index(i), eq, fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	case reflect.Map:
		return diffMap(a, b, eq, path)
	case reflect.Struct:
		if a.Type() == reflect.TypeFor[time.Time]() {
			return diffTime(a.Interface().(time.Time), b.Interface().(time.Time), eq, path)
		}
		for i := range a.NumField() {
			if d := diffAt(a.Field(i), b.Field(i), eq, path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
	default:
		return fmt.Sprintf("%s: cannot compare a %v", path, a.Type())
	}
	return ""
}

// gobOmits reports whether gob leaves v out of a struct: a zero value,
// but for structs, which gob sends even when all their fields are zero.
func gobOmits(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Struct:
		return false
	case reflect.Pointer:
		return v.IsNil() || gobOmits(v.Elem())
	case reflect.Slice:
		return v.Len() == 0
	}
	return v.IsZero()
}

func diffTime(x, y time.Time, eq equiv, path string) string {
	switch {
	case x == y:
	case eq&timeLocal != 0 && x.Equal(y) && y.Location() == time.Local:
	case eq&timeOffset != 0 && x.Equal(y) && offset(x) == offset(y):
	default:
		return fmt.Sprintf("%s: %v, got %v", path, x, y)
	}
	return ""
}

func offset(t time.Time) int {
	_, off := t.Zone()
	return off
}

func isInteger(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return v.Type() == reflect.TypeFor[big.Int]() || v.Type() == reflect.TypeFor[*big.Int]() && !v.IsNil()
}

// bigOf is the value of an integer isInteger accepts.
func bigOf(v reflect.Value) *big.Int {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return big.NewInt(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return new(big.Int).SetUint64(v.Uint())
	case reflect.Struct:
		b := v.Interface().(big.Int)
		return &b
	}
	return v.Interface().(*big.Int)
}

func diffNumber(a, b reflect.Value, path string) string {
	if x, y := bigOf(a), bigOf(b); x.Cmp(y) != 0 {
		return fmt.Sprintf("%s: %v, got %v", path, x, y)
	}
	return ""
}

// diffMap pairs the entries of a and b by their keys' keyString, so that
// keys Go cannot look up (NaN) or that eq lets differ in type still pair.
func diffMap(a, b reflect.Value, eq equiv, path string) string {
	if a.IsNil() != b.IsNil() && !(eq&nilMapEmpty != 0 && a.IsNil() && b.Len() == 0) {
		return fmt.Sprintf("%s: nil is %v, got nil %v", path, a.IsNil(), b.IsNil())
	}
	if a.Len() != b.Len() {
		return fmt.Sprintf("%s: %d entries, got %d", path, a.Len(), b.Len())
	}
	byKey := map[string][]reflect.Value{}
	for it := b.MapRange(); it.Next(); {
		k := keyString(it.Key(), eq)
		byKey[k] = append(byKey[k], it.Value())
	}
	for it := a.MapRange(); it.Next(); {
		k := keyString(it.Key(), eq)
		at := fmt.Sprintf("%s[%s]", path, k)
		cands := byKey[k]
		if len(cands) == 0 {
			return fmt.Sprintf("%s: missing", at)
		}
		var first string
		found := -1
		for i, c := range cands {
			d := diffAt(it.Value(), c, eq, at)
			if d == "" {
				found = i
				break
			}
			if first == "" {
				first = d
			}
		}
		if found < 0 {
			return first
		}
		byKey[k] = slices.Delete(cands, found, found+1)
	}
	return ""
}

// keyString renders a map key so that keys diffAt finds equal under eq
// render alike.
func keyString(v reflect.Value, eq equiv) string {
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return "nil"
		}
		if eq&looseNumbers != 0 && isInteger(v.Elem()) {
			return "integer " + bigOf(v.Elem()).String()
		}
		return keyString(v.Elem(), eq)
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) {
			if eq&nanPayload != 0 {
				return v.Type().String() + " NaN"
			}
			return fmt.Sprintf("%v NaN %#x", v.Type(), math.Float64bits(f))
		}
	case reflect.Pointer:
		if eq&looseNumbers != 0 && isInteger(v) {
			return "integer " + bigOf(v).String()
		}
		if !v.IsNil() {
			return "&" + keyString(v.Elem(), eq)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			t := v.Interface().(time.Time)
			return fmt.Sprintf("time %d %d", t.UnixNano(), offset(t))
		}
		parts := make([]string, v.NumField())
		for i := range parts {
			parts[i] = keyString(v.Field(i), eq)
		}
		return v.Type().String() + "{" + strings.Join(parts, ", ") + "}"
	case reflect.Array:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = keyString(v.Index(i), eq)
		}
		return v.Type().String() + "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf("%v %#v", v.Type(), v)
}

// TestRoundTripCompare checks the comparison itself: it tells apart what
// it must, and allows only what it is told to.
func TestRoundTripCompare(t *testing.T) {
	zero, one := int64(0), int64(1)
	var nilInt *int32
	local := time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC).In(time.Local)
	tests := []struct {
		name string
		a, b any
		eq   equiv
		same bool
	}{
		{"NaN bits", math.NaN(), math.Float64frombits(0x7ff8000000000000), 0, false},
		{"NaN any payload", math.NaN(), math.Float64frombits(0x7ff8000000000000), nanPayload, true},
		{"negative zero", math.Copysign(0, -1), 0.0, 0, false},
		{"empty slice", []int{}, []int(nil), 0, false},
		{"empty slice nil", []int{}, []int(nil), emptySliceNil, true},
		{"nil slice empty", []int(nil), []int{}, emptySliceNil, false},
		{"empty map", map[string]int{}, map[string]int(nil), emptySliceNil | nilMapEmpty, false},
		{"nil map empty", map[string]int(nil), map[string]int{}, nilMapEmpty, true},
		{"negative zero allowed", math.Copysign(0, -1), 0.0, negativeZero, true},
		{"positive zero", 0.0, math.Copysign(0, -1), negativeZero, false},
		{"zero pointer", rtPointers{I: &zero}, rtPointers{}, 0, false},
		{"zero pointer nil", rtPointers{I: &zero}, rtPointers{}, zeroPointerNil, true},
		{"pointer nil", rtPointers{I: &one}, rtPointers{}, zeroPointerNil, false},
		{"struct pointer", rtPointers{In: &rtInner{}}, rtPointers{}, zeroPointerNil, false},
		{"pointer to nil", rtPointers{PP: &nilInt}, rtPointers{}, nilThroughPointer, true},
		{"pointer to nil exact", rtPointers{PP: &nilInt}, rtPointers{}, 0, false},
		{"time in Local", local.UTC(), local, 0, false},
		{"time in Local allowed", local.UTC(), local, timeLocal, true},
		{"time another instant", local.UTC(), local.Add(1), timeLocal | timeOffset, false},
		{"loose numbers", []any{int8(5), map[any]any{uint8(1): "a"}, *big.NewInt(7)}, []any{uint64(5), map[any]any{int64(1): "a"}, int64(7)}, looseNumbers, true},
		{"loose numbers differ", []any{*big.NewInt(7)}, []any{uint64(8)}, looseNumbers, false},
		{"zero time null", []any{time.Time{}}, []any{nil}, zeroTimeNull, true},
		{"time null", []any{local}, []any{nil}, zeroTimeNull, false},
		{"strict numbers", []any{int8(5)}, []any{uint64(5)}, 0, false},
		{"NaN keys", map[any]any{math.NaN(): 1, 1.0: 2}, map[any]any{math.NaN(): 1, 1.0: 2}, nanPayload, true},
		{"NaN keys differ", map[any]any{math.NaN(): 1}, map[any]any{math.NaN(): 2}, nanPayload, false},
	}
	for _, tt := range tests {
		d := diff(reflect.ValueOf(tt.a), reflect.ValueOf(tt.b), tt.eq)
		if (d == "") != tt.same {
			t.Errorf("%s: diff = %q, want same = %v", tt.name, d, tt.same)
		}
	}
}

// TestSupportMatrixDoc keeps the matrix in the comment at the top of this
// file in step with rtSupport and rtCases; it prints the matrix to paste
// there when they differ.
func TestSupportMatrixDoc(t *testing.T) {
	src, err := os.ReadFile("roundtrip_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var doc strings.Builder
	for _, line := range strings.Split(strings.TrimRight(supportMatrix(), "\n"), "\n") {
		doc.WriteString(strings.TrimRight("//\t"+line, " \t") + "\n")
	}
	if !bytes.Contains(src, []byte(doc.String())) {
		t.Errorf("the matrix at the top of roundtrip_test.go is out of date; it is now:\n%s", doc.String())
	}
}

func supportMatrix() string {
	var b strings.Builder
	w := func(cells ...string) {
		fmt.Fprintf(&b, "%-20s", cells[0])
		for _, c := range cells[1:] {
			fmt.Fprintf(&b, " %-8s", c)
		}
		b.WriteString("\n")
	}
	head := []string{"type"}
	for _, s := range rtSupport {
		head = append(head, s.name)
	}
	w(head...)
	for _, tc := range rtCases {
		row := []string{tc.name}
		for _, s := range rtSupport {
			cell := "in"
			if slices.Contains(s.out, tc.name) {
				cell = "out"
			}
			row = append(row, cell)
		}
		w(row...)
	}
	row := []string{"NaN, ±Inf"}
	for _, s := range rtSupport {
		row = append(row, map[bool]string{true: "in", false: "out"}[s.nonFinite])
	}
	w(row...)
	b.WriteString("\nequivalences allowed:\n")
	for _, s := range rtSupport {
		fmt.Fprintf(&b, "  %-8s %v\n", s.name, s.equiv)
	}
	return b.String()
}
