package marshal

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"os/exec"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/wirekit/wirekit/internal/alloc"
)

// Test types. Names start with gobT: this package's other tests live in
// the same binary.

type gobTPoint struct{ X, Y int }

type gobTNode struct {
	Val  int
	Next *gobTNode
}

type gobTInner struct {
	Name string
	Vals []float64
	M    map[string]int
}

type gobTOuter struct {
	ID     int64
	Inner  gobTInner
	Inners []gobTInner
	Ptr    *gobTInner
	Arr    [3]uint16
	Bytes  [4]byte
	C      complex128
	OK     bool
	Blob   []byte
	Lists  map[string][]int
	Temp   gobTTemp
	When   time.Time
}

type gobTShape interface{ Area() float64 }

type gobTSquare struct{ Side float64 }

func (s gobTSquare) Area() float64 { return s.Side * s.Side }

type gobTCircle struct{ R float64 }

func (c gobTCircle) Area() float64 { return 3 * c.R * c.R }

type gobTShapes struct {
	Name   string
	Shapes []gobTShape
	Main   gobTShape
}

// gobTWrap and gobTLeaf nest an interface value in an interface value, so
// that the first value sent defines types inline.
type gobTWrap struct{ In any }

type gobTLeaf struct{ Z int }

type gobTHolder struct {
	X any
	B int
}

// gobTTemp is a GobEncoder whose state is an unexported field.
type gobTTemp struct{ deci int }

func (t gobTTemp) GobEncode() ([]byte, error) { return []byte(strconv.Itoa(t.deci)), nil }

func (t *gobTTemp) GobDecode(b []byte) error {
	n, err := strconv.Atoi(string(b))
	t.deci = n
	return err
}

// gobTBin is a BinaryMarshaler (time.Time is one too, but gob prefers its
// GobEncode).
type gobTBin struct{ hi, lo byte }

func (b gobTBin) MarshalBinary() ([]byte, error) { return []byte{b.hi, b.lo}, nil }

func (b *gobTBin) UnmarshalBinary(p []byte) error {
	if len(p) != 2 {
		return errors.New("gobTBin: want 2 bytes")
	}
	b.hi, b.lo = p[0], p[1]
	return nil
}

type gobTUnregistered struct{ A int }

func init() {
	gob.Register(gobTSquare{})
	gob.Register(gobTCircle{})
	gob.Register(gobTWrap{})
	gob.Register(gobTLeaf{})
	gob.Register(gobTPoint{})
	gob.Register(map[string]any{})
	gob.Register([]any{})
}

func gobTList(n int) *gobTNode {
	var head *gobTNode
	for i := n; i > 0; i-- {
		head = &gobTNode{Val: i, Next: head}
	}
	return head
}

func gobTManyShapes(n int) []any {
	s := make([]any, n)
	for i := range s {
		s[i] = gobTCircle{float64(i)}
	}
	return s
}

func gobTCodec(t *testing.T, lim Limits) Codec {
	t.Helper()
	c, ok := lim.Lookup("gob")
	if !ok {
		t.Fatal("no gob codec")
	}
	return c
}

// gobTSample is a value, with how to make a destination for it and how to
// compare.
type gobTSample struct {
	name string
	lim  Limits
	in   any
	out  func() any // a pointer to decode into
	eq   func(in, out any) bool
}

func gobTSamples() []gobTSample {
	when := time.Date(2024, 2, 29, 12, 30, 45, 123456789, time.UTC)
	two100 := new(big.Int).Exp(big.NewInt(2), big.NewInt(100), nil)
	outer := gobTOuter{
		ID:     -42,
		Inner:  gobTInner{Name: "in", Vals: []float64{1.5, -2}, M: map[string]int{"a": 1, "b": 2}},
		Inners: []gobTInner{{Name: "x"}, {Name: "y", Vals: []float64{3}}},
		Ptr:    &gobTInner{Name: "p", M: map[string]int{"z": 26}},
		Arr:    [3]uint16{1, 0, 65535},
		Bytes:  [4]byte{9, 8, 7, 6},
		C:      complex(1.5, -2),
		OK:     true,
		Blob:   []byte{0, 1, 2, 255},
		Lists:  map[string][]int{"a": {1, 2}, "b": {3}},
		Temp:   gobTTemp{215},
		When:   when,
	}
	deref := func(out any) any { return reflect.ValueOf(out).Elem().Interface() }
	return []gobTSample{
		{name: "int", in: -1234567, out: func() any { return new(int) }},
		{name: "uint64", in: uint64(math.MaxUint64), out: func() any { return new(uint64) }},
		{name: "float", in: 3.25, out: func() any { return new(float64) }},
		{name: "complex", in: complex(1.5, -2), out: func() any { return new(complex128) }},
		{name: "bool", in: true, out: func() any { return new(bool) }},
		{name: "string", in: "héllo, wörld", out: func() any { return new(string) }},
		{name: "[]byte", in: []byte{0, 1, 2, 255}, out: func() any { return new([]byte) }},
		{name: "array", in: [3]int{1, -2, 3}, out: func() any { return new([3]int) }},
		{name: "byte array", in: [4]byte{9, 8, 7, 6}, out: func() any { return new([4]byte) }},
		{name: "map of slices", in: map[string][]int{"a": {1, 2}, "b": {3}}, out: func() any { return new(map[string][]int) }},
		{name: "nested structs", in: outer, out: func() any { return new(gobTOuter) },
			eq: func(in, out any) bool {
				a, b := in.(gobTOuter), deref(out).(gobTOuter)
				if !a.When.Equal(b.When) {
					return false
				}
				a.When, b.When = time.Time{}, time.Time{}
				return reflect.DeepEqual(a, b)
			}},
		{name: "slice of structs", in: []gobTPoint{{1, 2}, {3, 4}}, out: func() any { return new([]gobTPoint) }},
		{name: "pointer", in: &gobTPoint{5, 6}, out: func() any { return new(gobTPoint) },
			eq: func(in, out any) bool { return reflect.DeepEqual(*in.(*gobTPoint), deref(out)) }},
		{name: "recursive list of 1,000 nodes", in: gobTList(1000), out: func() any { return new(gobTNode) },
			eq: func(in, out any) bool { return reflect.DeepEqual(*in.(*gobTNode), deref(out)) }},
		{name: "list at MaxDepth", lim: Limits{MaxDepth: 10}, in: gobTList(10), out: func() any { return new(gobTNode) },
			eq: func(in, out any) bool { return reflect.DeepEqual(*in.(*gobTNode), deref(out)) }},
		{name: "registered types in interfaces", in: gobTShapes{Name: "s", Shapes: []gobTShape{gobTSquare{2}, gobTCircle{1}, gobTSquare{3}}, Main: gobTCircle{4}},
			out: func() any { return new(gobTShapes) }},
		{name: "interface in an interface, types new", in: gobTHolder{X: gobTWrap{In: gobTLeaf{Z: 5}}, B: 9}, out: func() any { return new(gobTHolder) }},
		{name: "slice of interfaces, types new", in: []any{gobTSquare{1}, gobTCircle{2}, gobTLeaf{3}, nil, 4}, out: func() any { return new([]any) }},
		// The first message ends after the first element's type definition,
		// long before the 200 elements its count announces.
		{name: "200 interfaces, the first defining a type", in: gobTManyShapes(200), out: func() any { return new([]any) }},
		{name: "JSON-like", in: map[string]any{"a": 1, "b": []any{"x", 2.5, map[string]any{"c": nil}}, "n": nil},
			out: func() any { return new(map[string]any) }},
		{name: "time.Time (BinaryMarshaler)", in: when, out: func() any { return new(time.Time) },
			eq: func(in, out any) bool { return in.(time.Time).Equal(deref(out).(time.Time)) }},
		{name: "GobEncoder", in: gobTTemp{-17}, out: func() any { return new(gobTTemp) }},
		{name: "BinaryMarshaler", in: []gobTBin{{1, 2}, {3, 4}}, out: func() any { return new([]gobTBin) }},
		{name: "big.Int", in: two100, out: func() any { return new(big.Int) },
			eq: func(in, out any) bool { return in.(*big.Int).Cmp(out.(*big.Int)) == 0 }},
	}
}

func gobTSampleNamed(t *testing.T, name string) gobTSample {
	for _, s := range gobTSamples() {
		if s.name == name {
			return s
		}
	}
	t.Fatalf("no sample %q", name)
	return gobTSample{}
}

func (s gobTSample) equal(out any) bool {
	if s.eq != nil {
		return s.eq(s.in, out)
	}
	return reflect.DeepEqual(s.in, reflect.ValueOf(out).Elem().Interface())
}

func TestGobRoundTripsThroughUnmarshal(t *testing.T) {
	for _, s := range gobTSamples() {
		t.Run(s.name, func(t *testing.T) {
			c := gobTCodec(t, s.lim)
			data, err := c.Marshal(s.in)
			if err != nil {
				t.Fatal(err)
			}
			out := s.out()
			if err := c.Unmarshal(data, out); err != nil {
				t.Fatal(err)
			}
			if !s.equal(out) {
				t.Fatalf("round trip changed the value:\n in  %#v\n out %#v", s.in, out)
			}
		})
	}
}

func TestGobRoundTripsThroughAStream(t *testing.T) {
	for _, oneByte := range []bool{false, true} {
		for _, s := range gobTSamples() {
			t.Run(fmt.Sprintf("%s/oneByte=%v", s.name, oneByte), func(t *testing.T) {
				c := gobTCodec(t, s.lim)
				var buf bytes.Buffer
				enc := c.NewEncoder(&buf)
				for range 3 {
					if err := enc.Encode(s.in); err != nil {
						t.Fatal(err)
					}
				}
				var r io.Reader = bytes.NewReader(buf.Bytes())
				if oneByte {
					r = iotest.OneByteReader(r)
				}
				dec := c.NewDecoder(r)
				for i := range 3 {
					out := s.out()
					if err := dec.Decode(out); err != nil {
						t.Fatalf("value %d: %v", i, err)
					}
					if !s.equal(out) {
						t.Fatalf("value %d changed:\n in  %#v\n out %#v", i, s.in, out)
					}
				}
				if err := dec.Decode(s.out()); err != io.EOF {
					t.Fatalf("after the last value: %v, want io.EOF", err)
				}
			})
		}
	}
}

// gobTMessages splits a stream into its messages: each message's offset,
// body start and end.
func gobTMessages(t *testing.T, stream []byte) [][3]int {
	t.Helper()
	var msgs [][3]int
	for end := 0; end < len(stream); {
		start, stop, err := gobMessage(stream, end)
		if err != nil {
			t.Fatalf("splitting % x: %v", stream, err)
		}
		msgs = append(msgs, [3]int{end, start, stop})
		end = stop
	}
	return msgs
}

// gobTIsDef reports whether a message body is a type definition.
func gobTIsDef(body []byte) bool {
	u, _, err := gobUint(body, 0)
	return err == nil && gobToInt(u) < 0
}

func TestGobStreamSendsEachTypeOnce(t *testing.T) {
	c := gobTCodec(t, Limits{})
	var buf bytes.Buffer
	enc := c.NewEncoder(&buf)
	var ends []int
	for i := range 3 {
		v := gobTSampleNamed(t, "nested structs").in.(gobTOuter)
		v.ID = int64(i)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		ends = append(ends, buf.Len())
	}
	stream := buf.Bytes()
	defs := 0
	for _, m := range gobTMessages(t, stream) {
		if gobTIsDef(stream[m[1]:m[2]]) {
			defs++
			if m[0] >= ends[0] {
				t.Errorf("a type definition at offset %d, after the first value", m[0])
			}
		}
	}
	if defs < 3 {
		t.Errorf("%d type definitions for gobTOuter and its parts", defs)
	}
	dec := c.NewDecoder(bytes.NewReader(stream))
	for i := range 3 {
		var out gobTOuter
		if err := dec.Decode(&out); err != nil || out.ID != int64(i) {
			t.Fatalf("value %d: %v, ID %d", i, err, out.ID)
		}
	}
}

// The checker accepts every message of every valid sample, and completes a
// value exactly where one ends.
func TestGobCheckerAcceptsEveryValidMessage(t *testing.T) {
	for _, s := range gobTSamples() {
		t.Run(s.name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := gob.NewEncoder(&buf)
			var valueEnds []int
			for range 2 {
				if err := enc.Encode(s.in); err != nil {
					t.Fatal(err)
				}
				valueEnds = append(valueEnds, buf.Len())
			}
			stream := buf.Bytes()
			chk := newGobChecker(gobTCodec(t, s.lim).(gobCodec).lim)
			var got []int
			for _, m := range gobTMessages(t, stream) {
				chk.more = int64(len(stream) - m[2])
				isValue, err := chk.message(stream[m[1]:m[2]], int64(m[1]))
				if err != nil {
					t.Fatalf("message at %d: %v", m[0], err)
				}
				if isValue {
					got = append(got, m[2])
				}
			}
			if !reflect.DeepEqual(got, valueEnds) {
				t.Fatalf("values end at %v, want %v", got, valueEnds)
			}
			if chk.pending() {
				t.Fatal("the checker still expects a value")
			}
		})
	}
}

// Every prefix of a valid encoding is refused, by Unmarshal and by a
// Decoder, and never panics.
func TestGobEveryTruncationIsRefused(t *testing.T) {
	for _, s := range gobTSamples() {
		t.Run(s.name, func(t *testing.T) {
			c := gobTCodec(t, s.lim)
			data, err := c.Marshal(s.in)
			if err != nil {
				t.Fatal(err)
			}
			for n := range len(data) {
				err := c.Unmarshal(data[:n], s.out())
				var e *Error
				if !errors.As(err, &e) || e.Codec != "gob" {
					t.Fatalf("Unmarshal of %d of %d bytes: %v", n, len(data), err)
				}
				if n > 0 {
					err = c.NewDecoder(bytes.NewReader(data[:n])).Decode(s.out())
					if !errors.Is(err, io.ErrUnexpectedEOF) {
						t.Fatalf("Decoder on %d of %d bytes: %v, want io.ErrUnexpectedEOF", n, len(data), err)
					}
				}
			}
		})
	}
}

// A gob stream for map[string]int{"a": 1} whose count says 1<<28 pairs.
// encoding/gob alone passes the count to reflect.MakeMapWithSize before
// reading a pair:
//
//	var m map[string]int
//	gob.NewDecoder(bytes.NewReader(bomb)).Decode(&m) // allocates gigabytes
//
// (not run here). The codec refuses it having allocated almost nothing.
func TestGobMapCountBombIsRefused(t *testing.T) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	stream := buf.Bytes()
	msgs := gobTMessages(t, stream)
	last := msgs[len(msgs)-1]
	body := stream[last[1]:last[2]]
	// body: type id, 00 (singleton), 01 (one pair), 01 'a', 02 (1)
	id, w, _ := gobUint(body, 0)
	if !bytes.Equal(body[w:], []byte{0, 1, 1, 'a', 2}) {
		t.Fatalf("unexpected encoding % x", body)
	}
	bombBody := gobTCat(gobTU(id), gobTU(0), gobTU(1<<28), []byte{1, 'a', 2})
	bomb := append(append([]byte(nil), stream[:last[0]]...), gobTMsg(bombBody)...)
	countAt := int64(last[0] + 1 + w + 1)

	c := gobTCodec(t, Limits{})
	var err error
	used := alloc.Least(func() {
		var m map[string]int
		err = c.Unmarshal(bomb, &m)
	})
	gobTWant(t, err, ErrTooLarge, countAt)
	if !strings.Contains(err.Error(), "map of 268435456 pairs needs more than the 3 bytes left") {
		t.Errorf("message: %v", err)
	}
	if used >= 64<<10 {
		t.Errorf("refusing the bomb allocated %d bytes", used)
	}
	used = alloc.Least(func() {
		var m map[string]int
		err = c.NewDecoder(bytes.NewReader(bomb)).Decode(&m)
	})
	gobTWant(t, err, ErrTooLarge, countAt)
	if used >= 64<<10 {
		t.Errorf("the Decoder refusing the bomb allocated %d bytes", used)
	}
	t.Logf("%v (%d bytes allocated)", err, used)
}

// gobTWant checks that err is a gob *Error wrapping want at offset at
// (-1: any offset).
func gobTWant(t *testing.T, err, want error, at int64) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if e.Codec != "gob" || !strings.HasPrefix(err.Error(), "marshal: gob: ") {
		t.Fatalf("error %q names codec %q", err, e.Codec)
	}
	if !errors.Is(err, want) {
		t.Fatalf("%v, want %v", err, want)
	}
	if at >= 0 && e.Offset != at {
		t.Fatalf("offset %d, want %d (%v)", e.Offset, at, err)
	}
}

// gobTDeepList returns gob's encoding of a list of n nodes with Val 1, and
// the stream offset where node k (1-based) begins.
func gobTDeepList(t *testing.T, n int) ([]byte, func(k int) int64) {
	t.Helper()
	head := &gobTNode{Val: 1}
	for range n - 1 {
		head = &gobTNode{Val: 1, Next: head}
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(head); err != nil {
		t.Fatal(err)
	}
	stream := buf.Bytes()
	msgs := gobTMessages(t, stream)
	last := msgs[len(msgs)-1]
	_, w, _ := gobUint(stream, last[1])
	first := last[1] + w
	// Each node but the last: 01 02 (Val 1) 01 (Next), then the next node.
	if !bytes.Equal(stream[first:first+3], []byte{1, 2, 1}) {
		t.Fatalf("unexpected encoding % x", stream[first:first+6])
	}
	return stream, func(k int) int64 { return int64(first + 3*(k-1)) }
}

func TestGobDeepListIsRefused(t *testing.T) {
	tests := []struct {
		name  string
		lim   Limits
		nodes int
		at    int // the first node too deep
	}{
		{"1,000 nodes with MaxDepth 100", Limits{MaxDepth: 100}, 1000, 101},
		{"100,000 nodes with the default", Limits{}, 100_000, DefaultMaxDepth + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream, node := gobTDeepList(t, tt.nodes)
			c := gobTCodec(t, tt.lim)
			var out gobTNode
			gobTWant(t, c.Unmarshal(stream, &out), ErrDepth, node(tt.at))
			gobTWant(t, c.NewDecoder(bytes.NewReader(stream)).Decode(&out), ErrDepth, node(tt.at))
		})
	}
}

// The deep list is refused without the Go stack growing: in a child
// process whose goroutines may not grow their stacks past 256 KiB, the
// codec refuses it and encoding/gob alone dies.
func TestGobDeepListIsRefusedWithoutStackGrowth(t *testing.T) {
	if path := os.Getenv("MARSHAL_GOB_DEEP"); path != "" {
		stream, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		debug.SetMaxStack(256 << 10)
		var out gobTNode
		if os.Getenv("MARSHAL_GOB_MODE") == "library" {
			_ = gob.NewDecoder(bytes.NewReader(stream)).Decode(&out)
			return
		}
		c := gobTCodec(t, Limits{})
		if err := c.Unmarshal(stream, &out); !errors.Is(err, ErrDepth) {
			t.Errorf("Unmarshal: %v, want ErrDepth", err)
		}
		if err := c.NewDecoder(bytes.NewReader(stream)).Decode(&out); !errors.Is(err, ErrDepth) {
			t.Errorf("Decoder: %v, want ErrDepth", err)
		}
		return
	}
	stream, _ := gobTDeepList(t, 100_000)
	path := t.TempDir() + "/deep.gob"
	if err := os.WriteFile(path, stream, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(mode string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestGobDeepListIsRefusedWithoutStackGrowth$", "-test.v")
		cmd.Env = append(os.Environ(), "MARSHAL_GOB_DEEP="+path, "MARSHAL_GOB_MODE="+mode)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("codec"); err != nil {
		t.Fatalf("the codec in a 256 KiB stack: %v\n%.2000s", err, out)
	}
	if out, err := run("library"); err == nil || !strings.Contains(out, "stack exceeds") {
		t.Errorf("encoding/gob alone in a 256 KiB stack: %v; expected it to die of stack exhaustion:\n%.400s", err, out)
	}
}

// Builders of gob bytes, as encoding/gob's Encoder writes them (see
// TestGobBuildersWriteWhatGobWrites).

func gobTU(x uint64) []byte {
	if x < 0x80 {
		return []byte{byte(x)}
	}
	var b [8]byte
	n := 0
	for v := x; v > 0; v >>= 8 {
		n++
	}
	for i := range n {
		b[i] = byte(x >> (8 * (n - 1 - i)))
	}
	return append([]byte{byte(-n)}, b[:n]...)
}

func gobTI(x int64) []byte {
	if x < 0 {
		return gobTU(uint64(^x)<<1 | 1)
	}
	return gobTU(uint64(x) << 1)
}

func gobTS(s string) []byte { return append(gobTU(uint64(len(s))), s...) }

func gobTCat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func gobTMsg(parts ...[]byte) []byte {
	body := gobTCat(parts...)
	return append(gobTU(uint64(len(body))), body...)
}

// gobTCommon is a CommonType's fields and end, with a zero Name omitted.
func gobTCommon(name string, id int64) []byte {
	if name == "" {
		return gobTCat(gobTU(2), gobTI(id), gobTU(0))
	}
	return gobTCat(gobTU(1), gobTS(name), gobTU(1), gobTI(id), gobTU(0))
}

// gobTDef is the definition message of type id: wireType field kind
// holding a struct of the given fields, the first of them CommonType.
func gobTDef(id int64, kind int, name string, rest ...[]byte) []byte {
	return gobTMsg(gobTI(-id), gobTU(uint64(kind+1)), gobTU(1), gobTCommon(name, id), gobTCat(rest...), gobTU(0), gobTU(0))
}

func gobTSliceDef(id, elem int64) []byte {
	return gobTDef(id, 1, "", gobTU(1), gobTI(elem))
}

func gobTArrayDef(id, elem, n int64) []byte {
	return gobTDef(id, 0, "", gobTU(1), gobTI(elem), gobTU(1), gobTI(n))
}

func gobTMapDef(id, key, elem int64) []byte {
	return gobTDef(id, 3, "", gobTU(1), gobTI(key), gobTU(1), gobTI(elem))
}

type gobTField struct {
	name string
	id   int64
}

func gobTStructDef(id int64, name string, fields ...gobTField) []byte {
	if len(fields) == 0 {
		return gobTDef(id, 2, name)
	}
	b := gobTCat(gobTU(1), gobTU(uint64(len(fields))))
	for _, f := range fields {
		b = gobTCat(b, gobTU(1), gobTS(f.name), gobTU(1), gobTI(f.id), gobTU(0))
	}
	return gobTDef(id, 2, name, b)
}

// gobTFirstDef returns the first message of a stream gob writes for v, and
// the id it defines.
func gobTFirstDef(t *testing.T, v any) ([]byte, int64) {
	t.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		t.Fatal(err)
	}
	stream := buf.Bytes()
	m := gobTMessages(t, stream)[0]
	u, _, _ := gobUint(stream, m[1])
	return stream[:m[2]], -gobToInt(u)
}

func TestGobBuildersWriteWhatGobWrites(t *testing.T) {
	tests := []struct {
		name string
		v    any
		def  func(id int64) []byte
	}{
		// gob names a type after the first place it met it (a struct
		// field's type gets a name), and its type table is global: these
		// types appear nowhere else.
		{"slice", []uint16{1}, func(id int64) []byte { return gobTSliceDef(id, gobTUint) }},
		{"array", [3]int8{}, func(id int64) []byte { return gobTArrayDef(id, gobTInt, 3) }},
		{"map", map[int8]bool{}, func(id int64) []byte { return gobTMapDef(id, gobTInt, gobTBool) }},
		{"struct", gobTPoint{}, func(id int64) []byte {
			return gobTStructDef(id, "gobTPoint", gobTField{"X", gobTInt}, gobTField{"Y", gobTInt})
		}},
		{"GobEncoder", gobTTemp{}, func(id int64) []byte { return gobTDef(id, 4, "gobTTemp") }},
		{"GobEncoder time.Time", time.Time{}, func(id int64) []byte { return gobTDef(id, 4, "Time") }},
		{"BinaryMarshaler", gobTBin{}, func(id int64) []byte { return gobTDef(id, 5, "gobTBin") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, id := gobTFirstDef(t, tt.v)
			if want := tt.def(id); !bytes.Equal(got, want) {
				t.Fatalf("gob wrote % x\nthe builder   % x", got, want)
			}
		})
	}
}

// gobTAt marks the part of a crafted stream whose offset a test checks.
type gobTAt []byte

// gobTStream builds a stream of messages, each a list of parts ([]byte or
// gobTAt), and returns the offset of the gobTAt part (-1 if none).
func gobTStream(msgs ...[]any) (stream []byte, at int64) {
	at = -1
	for _, parts := range msgs {
		if len(parts) == 1 {
			if whole, ok := parts[0].(gobTWhole); ok {
				stream = append(stream, whole...)
				continue
			}
		}
		var body []byte
		mark := -1
		for _, p := range parts {
			switch p := p.(type) {
			case gobTAt:
				mark = len(body)
				body = append(body, p...)
			case []byte:
				body = append(body, p...)
			}
		}
		head := gobTU(uint64(len(body)))
		if mark >= 0 {
			at = int64(len(stream) + len(head) + mark)
		}
		stream = append(append(stream, head...), body...)
	}
	return stream, at
}

// gobTDefBody is what follows the type id in a definition message.
func gobTDefBody(msg []byte) []byte {
	_, w, _ := gobUint(msg, 0)
	_, v, _ := gobUint(msg, w)
	return msg[w+v:]
}

// gobTWhole is a complete message, length count included.
type gobTWhole []byte

// gobTRaw is a complete message as a part list.
func gobTRaw(b []byte) []any { return []any{gobTWhole(b)} }

// Hostile and malformed streams: each is refused with the right sentinel
// at the right offset, by Unmarshal and by a Decoder.
func TestGobHostileInputGetsAClearError(t *testing.T) {
	u, i, s := gobTU, gobTI, gobTS
	listOfInts := gobTSliceDef(65, gobTInt)
	point := gobTStructDef(65, "P", gobTField{"X", gobTInt}, gobTField{"Y", gobTInt})
	tests := []struct {
		name          string
		lim           Limits
		msgs          [][]any
		want          error
		unmarshalOnly bool // a Decoder reads the first value fine
		atEnd         bool // the offset is the end of the input
	}{
		{name: "valid control: a crafted []int", msgs: [][]any{gobTRaw(listOfInts), {i(65), u(0), u(2), u(2), u(4)}}},
		{name: "slice of 100 elements in 2 bytes", msgs: [][]any{gobTRaw(listOfInts), {i(65), u(0), gobTAt(u(100)), u(2), u(4)}}, want: ErrTooLarge},
		{name: "slice of 2^62 elements", msgs: [][]any{gobTRaw(listOfInts), {i(65), u(0), gobTAt(u(1 << 62)), u(2)}}, want: ErrTooLarge},
		{name: "slice over MaxElements", lim: Limits{MaxElements: 2}, msgs: [][]any{gobTRaw(listOfInts), {i(65), u(0), gobTAt(u(3)), u(2), u(4), u(6)}}, want: ErrElements},
		{name: "array count is not the array's length", msgs: [][]any{gobTRaw(gobTArrayDef(65, gobTInt, 3)), {i(65), u(0), gobTAt(u(2)), u(2), u(4)}}, want: ErrMalformed},
		{name: "array of 1000 elements in 3 bytes", msgs: [][]any{gobTRaw(gobTArrayDef(65, gobTInt, 1000)), {i(65), u(0), gobTAt(u(1000)), u(2), u(4), u(6)}}, want: ErrTooLarge},
		{name: "map of 2 pairs in 3 bytes", msgs: [][]any{gobTRaw(gobTMapDef(65, gobTString, gobTInt)), {i(65), u(0), gobTAt(u(2)), s("a"), u(2)}}, want: ErrTooLarge},
		{name: "string longer than its message", msgs: [][]any{{i(gobTString), u(0), gobTAt(u(10)), []byte("abc")}}, want: ErrTooLarge},
		{name: "unknown type id", msgs: [][]any{{gobTAt(i(70)), u(0), u(2)}}, want: ErrMalformed},
		{name: "element of an unknown type", msgs: [][]any{gobTRaw(gobTSliceDef(65, 99)), {i(65), u(0), u(1), gobTAt(u(2))}}, want: ErrMalformed},
		{name: "duplicate type definition", msgs: [][]any{gobTRaw(listOfInts), {gobTAt(i(-65)), gobTDefBody(listOfInts)}, {i(65), u(0), u(0)}}, want: ErrMalformed},
		{name: "type id below gob's first user id", msgs: [][]any{{gobTAt(i(-20)), gobTDefBody(gobTSliceDef(20, gobTInt))}}, want: ErrMalformed},
		{name: "field delta out of range", msgs: [][]any{gobTRaw(point), {i(65), u(1), u(2), gobTAt(u(2)), u(4), u(0)}}, want: ErrMalformed},
		{name: "missing struct end", msgs: [][]any{gobTRaw(point), {i(65), u(1), u(2), gobTAt([]byte{})}}, want: io.ErrUnexpectedEOF},
		{name: "non-struct value without its zero delta", msgs: [][]any{{i(gobTInt), gobTAt(u(1)), u(4)}}, want: ErrMalformed},
		{name: "uint with a byte count of 9", msgs: [][]any{{i(gobTInt), u(0), gobTAt([]byte{0xf7}), make([]byte, 9)}}, want: ErrMalformed},
		{name: "uint cut off by its message", msgs: [][]any{{i(gobTInt), u(0), gobTAt([]byte{0xfe, 1})}}, want: io.ErrUnexpectedEOF},
		{name: "interface byte count beyond the message", msgs: [][]any{{i(gobTInterface), u(0), s("int"), i(gobTInt), gobTAt(u(50)), u(0), u(4)}}, want: ErrTooLarge},
		{name: "interface byte count shorter than the value", msgs: [][]any{{i(gobTInterface), u(0), s("int"), i(gobTInt), u(1), u(0), u(4), gobTAt([]byte{})}}, want: ErrMalformed},
		{name: "interface byte count longer than the value", msgs: [][]any{{i(gobTInterface), u(0), s("int"), i(gobTInt), u(3), u(0), u(4), gobTAt(u(7))}}, want: ErrMalformed},
		{name: "interface type name beyond the message", msgs: [][]any{{i(gobTInterface), u(0), gobTAt(u(9)), []byte("int")}}, want: ErrTooLarge},
		{name: "interface type name over 1024 bytes", msgs: [][]any{{i(gobTInterface), u(0), gobTAt(s(strings.Repeat("x", 1025))), i(gobTInt), u(2), u(0), u(4)}}, want: ErrMalformed},
		{name: "interface whose concrete type is interface", msgs: [][]any{{i(gobTInterface), u(0), s("x"), gobTAt(i(gobTInterface)), u(2), u(0), u(0)}}, want: ErrMalformed},
		{name: "interface of an unknown concrete type", msgs: [][]any{{i(gobTInterface), u(0), s("x"), gobTAt(i(77)), u(2), u(0), u(0)}}, want: ErrMalformed},
		{name: "nested interface's definitions cut off by the message", msgs: [][]any{
			gobTRaw(gobTStructDef(65, "W", gobTField{"In", gobTInterface})),
			{i(gobTInterface), u(0), s("W"), i(65), u(3), u(1), s("W"), gobTAt([]byte{})}}, want: ErrMalformed},
		{name: "empty message inside a value", msgs: [][]any{
			gobTRaw(gobTSliceDef(65, gobTInterface)),
			{i(65), u(0), u(1), s("x")}, {gobTAt(nil)}, {i(gobTInt), u(2), u(0), u(4)}}, want: ErrMalformed},
		{name: "message length with a byte count of 9", msgs: [][]any{{gobTAt(nil)}}, want: ErrMalformed},
		{name: "empty message", msgs: [][]any{{gobTAt(nil)}}, want: ErrMalformed},
		{name: "bytes after a type definition", msgs: [][]any{{listOfInts[1:], gobTAt(u(0))}}, want: ErrMalformed},
		{name: "type definition of two kinds", msgs: [][]any{{i(-65), u(2), u(1), gobTCommon("", 65), u(1), i(2), u(0), gobTAt(u(2)), u(1), gobTCommon("", 65), u(0), u(0)}}, want: ErrMalformed},
		{name: "type definition of no kind", msgs: [][]any{{i(-65), gobTAt(u(0))}}, want: ErrMalformed},
		{name: "struct field without a name", msgs: [][]any{{i(-65), u(3), u(1), gobTCommon("S", 65), u(1), u(1), gobTAt(u(2)), i(2), u(0), u(0), u(0)}}, want: ErrMalformed},
		{name: "type id beyond int32", msgs: [][]any{{i(-65), u(2), u(1), gobTCommon("", 65), u(1), gobTAt(i(1 << 40)), u(0), u(0)}}, want: ErrMalformed},
		{name: "bytes after the value in its message", msgs: [][]any{{i(gobTInt), u(0), u(4), gobTAt(u(0))}}, want: ErrTrailingData},
		{name: "a second value", msgs: [][]any{{i(gobTInt), u(0), u(4)}, {gobTAt(i(gobTInt)), u(0), u(4)}}, want: ErrTrailingData, unmarshalOnly: true},
		{name: "type definitions and no value", msgs: [][]any{gobTRaw(listOfInts)}, want: io.ErrUnexpectedEOF, atEnd: true},
		{name: "empty input", want: io.ErrUnexpectedEOF, atEnd: true},
		{name: "list nested past MaxDepth", lim: Limits{MaxDepth: 2}, msgs: [][]any{
			gobTRaw(gobTStructDef(65, "L", gobTField{"Next", 65})),
			{i(65), u(1), u(1), gobTAt(u(1)), u(0), u(0), u(0), u(0)}}, want: ErrDepth},
		{name: "interfaces nested past MaxDepth", lim: Limits{MaxDepth: 2}, msgs: [][]any{
			gobTRaw(gobTSliceDef(65, gobTInterface)),
			{i(65), u(0), u(1), s("x"), i(65), u(3), u(0), gobTAt(u(1)), u(0)}}, want: ErrDepth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream, at := gobTStream(tt.msgs...)
			switch tt.name {
			case "message length with a byte count of 9":
				stream, at = []byte{0xf7, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0
			case "a second value":
				at = 4 // where the second message begins
			}
			if tt.atEnd {
				at = int64(len(stream))
			}
			c := gobTCodec(t, tt.lim)
			var v any
			err := c.Unmarshal(stream, &v)
			if tt.want == nil {
				// Valid: gob itself must agree.
				var w []int
				if err := gob.NewDecoder(bytes.NewReader(stream)).Decode(&w); err != nil {
					t.Fatalf("gob refuses the control: %v", err)
				}
				if err := c.Unmarshal(stream, &w); err != nil {
					t.Fatal(err)
				}
				return
			}
			gobTWant(t, err, tt.want, at)
			if tt.unmarshalOnly {
				return
			}
			err = c.NewDecoder(bytes.NewReader(stream)).Decode(&v)
			if tt.name == "empty input" {
				if err != io.EOF {
					t.Fatalf("Decoder on no input: %v, want io.EOF", err)
				}
				return
			}
			gobTWant(t, err, tt.want, at)
		})
	}
}

func TestGobMaxBytes(t *testing.T) {
	big := []int64{}
	for i := range 500 {
		big = append(big, int64(i)<<20)
	}
	data, err := gobTCodec(t, Limits{}).Marshal(big)
	if err != nil {
		t.Fatal(err)
	}
	msgs := gobTMessages(t, data)
	valueAt := int64(msgs[len(msgs)-1][0])
	small := gobTCodec(t, Limits{MaxBytes: 1024})

	var out []int64
	gobTWant(t, small.Unmarshal(data, &out), ErrTooLarge, 0)

	dec := small.NewDecoder(bytes.NewReader(data))
	err = dec.Decode(&out)
	gobTWant(t, err, ErrTooLarge, valueAt)
	if again := dec.Decode(&out); again != err {
		t.Errorf("the error is not sticky: then %v", again)
	}

	// At the limit, it decodes.
	exact := gobTCodec(t, Limits{MaxBytes: len(data)})
	if err := exact.Unmarshal(data, &out); err != nil || len(out) != 500 {
		t.Fatalf("MaxBytes of exactly the input: %v", err)
	}
	if err := exact.NewDecoder(bytes.NewReader(data)).Decode(&out); err != nil {
		t.Fatalf("Decoder with MaxBytes of exactly the value: %v", err)
	}
}

// A stream that announces a 60 MB message and then ends costs memory for
// the bytes that arrived, not for the announcement; with a smaller
// MaxBytes the announcement alone is refused.
func TestGobDecoderBuffersOnlyWhatArrives(t *testing.T) {
	head := append(gobTU(60_000_000), 0x04, 0x00) // then EOF
	var err error
	used := alloc.Least(func() {
		var v int
		err = gobTCodec(t, Limits{}).NewDecoder(bytes.NewReader(head)).Decode(&v)
	})
	gobTWant(t, err, io.ErrUnexpectedEOF, int64(len(head)))
	if used >= 64<<10 {
		t.Errorf("allocated %d bytes for a %d-byte stream", used, len(head))
	}
	var v int
	err = gobTCodec(t, Limits{MaxBytes: 1 << 20}).NewDecoder(bytes.NewReader(head)).Decode(&v)
	gobTWant(t, err, ErrTooLarge, 0)
}

// Errors about the bytes are sticky; a value that does not fit its
// destination is consumed and the stream goes on, as with gob.Decoder.
func TestGobDecoderGoesOnAfterATypeMismatchOnly(t *testing.T) {
	c := gobTCodec(t, Limits{})
	var buf bytes.Buffer
	enc := c.NewEncoder(&buf)
	for _, v := range []any{"not a point", gobTPoint{1, 2}, 7} {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	dec := c.NewDecoder(bytes.NewReader(buf.Bytes()))
	var p gobTPoint
	err := dec.Decode(&p)
	gobTWant(t, err, err, -1)
	if err := dec.Decode(&p); err != nil || p != (gobTPoint{1, 2}) {
		t.Fatalf("the next value: %v, %+v", err, p)
	}
	var n int
	if err := dec.Decode(&n); err != nil || n != 7 {
		t.Fatalf("the last value: %v, %d", err, n)
	}

	// A destination gob refuses does not cost the value.
	var buf2 bytes.Buffer
	enc2 := c.NewEncoder(&buf2)
	for _, v := range []gobTPoint{{3, 4}, {5, 6}} {
		if err := enc2.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	dec2 := c.NewDecoder(&buf2)
	for _, dst := range []any{p, (*gobTPoint)(nil)} {
		err := dec2.Decode(dst)
		gobTWant(t, err, err, -1)
		if errors.Is(err, ErrMalformed) {
			t.Errorf("a destination error claims the input is malformed: %v", err)
		}
	}
	for _, want := range []gobTPoint{{3, 4}, {5, 6}} {
		if err := dec2.Decode(&p); err != nil || p != want {
			t.Fatalf("after refusing a destination: %v, %+v, want %+v", err, p, want)
		}
	}

	bad := append(buf.Bytes()[:len(buf.Bytes()):len(buf.Bytes())], gobTMsg(gobTI(gobTInt), gobTU(0), []byte{0xf7})...)
	dec = c.NewDecoder(bytes.NewReader(bad))
	for range 3 {
		_ = dec.Decode(nil)
	}
	err = dec.Decode(&n)
	gobTWant(t, err, ErrMalformed, int64(len(buf.Bytes())+3))
	if again := dec.Decode(&n); again != err {
		t.Errorf("the error is not sticky: then %v", again)
	}
}

// gobTWide has a []any first: when the destination has no field for
// it, gob skips it, and gob's skipping code reads a nil interface value as
// a name, a type id and a byte count (golang/go#34879).
type gobTWide struct {
	L   []any
	Pad int
	X   int
	S   string
	M   map[string]int
}

type gobTNarrow struct{ M map[string]int }

func init() {
	gob.RegisterName("marshal.gobTWide", gobTWide{})
	gob.RegisterName("marshal.gobTNarrow", gobTNarrow{})
}

// gobTMisread is a stream gob's Encoder writes, whose value gob misreads
// into a gobTNarrow: skipping L's nil element, gob takes X (1, the byte
// 02) for a byte count, skips S's length, and reads S's contents as field
// M with a map of 65536 pairs, which it allocates.
func gobTMisread(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(gobTWide{L: []any{nil}, X: 1, S: "\x04\xfd\x01\x00\x00"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGobRefusesWhatGobWouldMisread(t *testing.T) {
	stream := gobTMisread(t)
	c := gobTCodec(t, Limits{})

	// The hole: gob alone allocates megabytes for the map (with a
	// four-byte count, hundreds of megabytes).
	raw := alloc.Least(func() { _ = gob.NewDecoder(bytes.NewReader(stream)).Decode(new(gobTNarrow)) })
	var err error
	ours := alloc.Least(func() { err = c.Unmarshal(stream, new(gobTNarrow)) })
	gobTWant(t, err, ErrMalformed, 0)
	if !strings.Contains(err.Error(), "*marshal.gobTNarrow has no field for") {
		t.Errorf("the error does not say what is missing: %v", err)
	}
	if raw < 2<<20 || ours > 64<<10 {
		t.Errorf("gob allocated %d bytes, the codec %d", raw, ours)
	}

	// A Decoder refuses it before gob reads it, and cannot go on: gob
	// has not seen the value's type definitions.
	dec := c.NewDecoder(bytes.NewReader(append(bytes.Clone(stream), stream...)))
	err = dec.Decode(new(gobTNarrow))
	gobTWant(t, err, ErrMalformed, 0)
	if again := dec.Decode(new(gobTWide)); again != err {
		t.Errorf("the error is not sticky: then %v", again)
	}
	// Decode(nil) skips the whole value: refused too.
	err = c.NewDecoder(bytes.NewReader(stream)).Decode(nil)
	gobTWant(t, err, ErrMalformed, 0)

	// With a field for everything, the same stream decodes.
	var w gobTWide
	if err := c.Unmarshal(stream, &w); err != nil || w.X != 1 || len(w.L) != 1 || w.L[0] != nil {
		t.Fatalf("%v, %+v", err, w)
	}
	// Without a nil interface value, skipping is safe and allowed.
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(gobTWide{L: []any{1, "x"}, M: map[string]int{"a": 1}}); err != nil {
		t.Fatal(err)
	}
	var n gobTNarrow
	if err := c.Unmarshal(buf.Bytes(), &n); err != nil || n.M["a"] != 1 {
		t.Fatalf("no nil interface: %v, %+v", err, n)
	}
}

// Inside an interface value, the Go type is the one registered under the
// name the value is sent with; a sender can name a registered type that
// lacks its fields.
func TestGobRefusesMisreadsInsideInterfaces(t *testing.T) {
	c := gobTCodec(t, Limits{})
	var buf bytes.Buffer
	in := gobTHolder{X: gobTWide{L: []any{nil}, X: 1, S: "\x04\xfd\x01\x00\x00"}, B: 3}
	if err := gob.NewEncoder(&buf).Encode(in); err != nil {
		t.Fatal(err)
	}
	var h gobTHolder
	if err := c.Unmarshal(buf.Bytes(), &h); err != nil || h.B != 3 {
		t.Fatalf("sent under its own name: %v, %+v", err, h)
	}
	renamed, ok := gobRename(buf.Bytes(), "marshal.gobTWide", "marshal.gobTNarrow")
	if !ok {
		t.Fatal("no name to rename")
	}
	var err error
	used := alloc.Least(func() { err = c.Unmarshal(renamed, new(gobTHolder)) })
	gobTWant(t, err, ErrMalformed, 0)
	if used > 64<<10 {
		t.Errorf("refusing it allocated %d bytes", used)
	}
	// gobRegistered finds what gob has under a name.
	if typ, ok := gobRegistered("marshal.gobTNarrow"); !ok || typ != reflect.TypeFor[gobTNarrow]() {
		t.Errorf("gobRegistered: %v, %v", typ, ok)
	}
	if _, ok := gobRegistered("no such name"); ok {
		t.Error("gobRegistered finds an unregistered name")
	}
}

func TestGobEncoderKeepsTheStreamWhole(t *testing.T) {
	c := gobTCodec(t, Limits{})
	if _, err := c.Marshal((*gobTPoint)(nil)); err == nil {
		t.Error("Marshal of a nil pointer succeeded")
	}

	// The value fails after its type definitions were made: they are
	// written, the value is not, and the stream goes on.
	var buf bytes.Buffer
	enc := c.NewEncoder(&buf)
	if err := enc.Encode(gobTHolder{X: gobTUnregistered{1}, B: 1}); err == nil {
		t.Fatal("an unregistered type in an interface encoded")
	} else {
		gobTWant(t, err, err, -1)
	}
	if err := enc.Encode(gobTHolder{X: gobTLeaf{2}, B: 2}); err != nil {
		t.Fatal(err)
	}
	var h gobTHolder
	if err := c.Unmarshal(buf.Bytes(), &h); err != nil || h.B != 2 {
		t.Fatalf("the stream after a failed value: %v, %+v", err, h)
	}

	// The value fails after part of it, with a type definition, was made:
	// the stream cannot go on.
	buf.Reset()
	enc = c.NewEncoder(&buf)
	err := enc.Encode([]any{gobTCircle{1}, gobTUnregistered{2}})
	if err == nil {
		t.Fatal("an unregistered type in an interface encoded")
	}
	if again := enc.Encode(1); again != err {
		t.Errorf("the error is not sticky: then %v", again)
	}
	stream := buf.Bytes()
	for _, m := range gobTMessages(t, stream) {
		if !gobTIsDef(stream[m[1]:m[2]]) {
			t.Errorf("half a value reached the stream: % x", stream)
		}
	}
}

func TestGobValuesCountsWholeValues(t *testing.T) {
	c := gobTCodec(t, Limits{})
	var buf bytes.Buffer
	enc := c.NewEncoder(&buf)
	for i := range 3 {
		if err := enc.Encode(gobTShapes{Name: strconv.Itoa(i), Shapes: []gobTShape{gobTSquare{float64(i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	stream := buf.Bytes()
	one, _ := c.Marshal(gobTPoint{1, 2})
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"one value", one, 1},
		{"a stream of three", stream, 3},
		{"cut short", stream[:len(stream)-1], 0},
		{"type definitions only", one[:gobTMessages(t, one)[0][2]], 0},
		{"empty", nil, 0},
		{"JSON", []byte(`{"a": [1, 2]}`), 0},
	}
	for _, tt := range tests {
		if got := gobValues(tt.data, false).values; got != tt.want {
			t.Errorf("%s: gobValues = %d, want %d", tt.name, got, tt.want)
		}
	}
}
