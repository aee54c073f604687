package xdr_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/wirekit/wirekit/internal/alloc"
	"github.com/wirekit/wirekit/internal/xdrcorpus/benchref"
	"github.com/wirekit/wirekit/xdr"
)

// wantErr checks that err is an *xdr.Error wrapping sentinel, at offset off
// (-2: any) and path path.
func wantErr(t *testing.T, err, sentinel error, off int64, path string) *xdr.Error {
	t.Helper()
	var xe *xdr.Error
	if !errors.As(err, &xe) {
		t.Fatalf("err = %v, want an *xdr.Error", err)
	}
	if !errors.Is(err, sentinel) {
		t.Errorf("err = %v, want it to wrap %v", err, sentinel)
	}
	if off != -2 && xe.Offset != off {
		t.Errorf("err = %v: offset %d, want %d", err, xe.Offset, off)
	}
	if xe.Path != path {
		t.Errorf("err = %v: path %q, want %q", err, xe.Path, path)
	}
	return xe
}

// TestHugeLengthPrefix: a length of 0xFFFFFFFF followed by 4 bytes is an
// error, and the attempt allocates in proportion to the 8 bytes of input,
// not to the 4 GiB announced.
func TestHugeLengthPrefix(t *testing.T) {
	input := mustHex(t, "ffffffff 00000000")
	targets := map[string]func() any{
		"opaque":        func() any { return new([]byte) },
		"string":        func() any { return new(string) },
		"[]int32":       func() any { return new([]int32) },
		"[]Item":        func() any { return new([]Item) },
		"[]Shape":       func() any { return new([]Shape) },
		"[][]string":    func() any { return new([][]string) },
		"[]*Nested":     func() any { return new([]*Nested) },
		"struct{[]int}": func() any { return new(struct{ A []int64 }) },
	}
	for name, target := range targets {
		t.Run(name, func(t *testing.T) {
			v := target()
			err := xdr.Unmarshal(input, v)
			var xe *xdr.Error
			if !errors.As(err, &xe) || !errors.Is(err, io.ErrUnexpectedEOF) || xe.Offset != 0 {
				t.Fatalf("err = %v, want io.ErrUnexpectedEOF at offset 0", err)
			}
			if n := alloc.PerCall(200, func() { _ = xdr.Unmarshal(input, v) }); n > 512 {
				t.Errorf("a failed decode of 8 bytes allocated %d bytes", n)
			}

			// A stream cannot know how much input is left: with MaxBytes out
			// of the way, memory must follow the bytes that arrive.
			lim := xdr.Limits{MaxBytes: math.MaxInt, MaxElements: math.MaxInt}
			err = lim.NewDecoder(bytes.NewReader(input)).Decode(v)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("stream err = %v, want io.ErrUnexpectedEOF", err)
			}
			n := alloc.PerCall(50, func() { _ = lim.NewDecoder(bytes.NewReader(input)).Decode(v) })
			if n > 16<<10 {
				t.Errorf("a failed stream decode of 8 bytes allocated %d bytes", n)
			}
			// With default limits the announced length is refused outright.
			err = xdr.NewDecoder(bytes.NewReader(input)).Decode(v)
			if !errors.Is(err, xdr.ErrLimit) {
				t.Errorf("stream err with default limits = %v, want ErrLimit", err)
			}
		})
	}
}

// TestStreamMemoryFollowsInput: a peer that announces a long opaque and
// then sends it slowly costs memory in proportion to what it sent.
func TestStreamMemoryFollowsInput(t *testing.T) {
	const sent = 100 << 10
	input := binary.BigEndian.AppendUint32(nil, 60<<20)
	input = append(input, make([]byte, sent)...)
	var b []byte
	n := alloc.PerCall(5, func() {
		err := xdr.NewDecoder(iotest.HalfReader(bytes.NewReader(input))).Decode(&b)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("err = %v", err)
		}
	})
	if n > 4*sent {
		t.Errorf("%d bytes sent of a 60 MiB opaque cost %d bytes", sent, n)
	}
}

func TestLengthAboveMax(t *testing.T) {
	type bounded struct {
		S string  `xdr:"max=3"`
		B []byte  `xdr:"max=2"`
		A []int32 `xdr:"max=1"`
	}
	tests := []struct {
		name, hex, path, msg string
		off                  int64
	}{
		{"string", "00000004 61626364", "bounded.S", "string length 4 exceeds max 3", 0},
		{"opaque", "00000000 00000003 01020300", "bounded.B", "opaque length 3 exceeds max 2", 4},
		{"array", "00000000 00000000 00000002 00000001 00000002", "bounded.A", "array length 2 exceeds max 1", 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xe := wantErr(t, xdr.Unmarshal(mustHex(t, tt.hex), new(bounded)), xdr.ErrMaxLength, tt.off, tt.path)
			if xe.Msg != tt.msg {
				t.Errorf("msg %q, want %q", xe.Msg, tt.msg)
			}
		})
	}
	// Encoding refuses what decoding would refuse.
	_, err := xdr.Marshal(&bounded{S: "four"})
	wantErr(t, err, xdr.ErrMaxLength, 0, "bounded.S")
	_, err = xdr.Marshal(&bounded{A: []int32{1, 2}})
	wantErr(t, err, xdr.ErrMaxLength, 8, "bounded.A")
}

func TestNonZeroPadding(t *testing.T) {
	type padded struct {
		S string
		B []byte
		F [3]byte
	}
	tests := []struct {
		name, hex string
		off       int64
		path      string
	}{
		{"string", "00000003 61626301 00000000 00000000", 7, "padded.S"},
		{"opaque", "00000000 00000001 ff000100 00000000", 10, "padded.B"},
		{"fixed opaque", "00000000 00000000 010203ff", 11, "padded.F"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := mustHex(t, tt.hex)
			wantErr(t, xdr.Unmarshal(data, new(padded)), xdr.ErrPadding, tt.off, tt.path)
			err := xdr.NewDecoder(iotestOneByte(bytes.NewReader(data))).Decode(new(padded))
			wantErr(t, err, xdr.ErrPadding, tt.off, tt.path)
		})
	}
}

func TestInvalidBool(t *testing.T) {
	type flags struct {
		A int32
		B bool // in a run of fixed-size fields
		C *int32
		D bool // alone
		E string
	}
	wantErr(t, xdr.Unmarshal(mustHex(t, "00000001 00000002"), new(flags)), xdr.ErrInvalidBool, 4, "flags.B")
	wantErr(t, xdr.Unmarshal(mustHex(t, "00000001 00000001 00000002"), new(flags)), xdr.ErrInvalidBool, 8, "flags.C")
	wantErr(t, xdr.Unmarshal(mustHex(t, "00000001 00000001 00000000 00000007 00000000"), new(flags)), xdr.ErrInvalidBool, 12, "flags.D")
	var f Flag
	wantErr(t, xdr.Unmarshal(mustHex(t, "00000002"), &f), xdr.ErrInvalidBool, 0, "Flag")
	var b bool
	xe := wantErr(t, xdr.Unmarshal(mustHex(t, "00000002"), &b), xdr.ErrInvalidBool, 0, "bool")
	if xe.Msg != "bool value 2 is not 0 or 1" {
		t.Errorf("msg %q", xe.Msg)
	}
}

func TestInvalidEnum(t *testing.T) {
	var k FileKind
	xe := wantErr(t, xdr.Unmarshal(mustHex(t, "00000003"), &k), xdr.ErrInvalidEnum, 0, "FileKind")
	if xe.Msg != "FileKind value 3 is not valid" {
		t.Errorf("msg %q", xe.Msg)
	}
	k = -1
	_, err := xdr.Marshal(&k)
	wantErr(t, err, xdr.ErrInvalidEnum, 0, "FileKind")
}

func TestUnionWithoutArm(t *testing.T) {
	var f File
	data := mustHex(t, "00000001 61000000 00000005 00000000 00000000")
	xe := wantErr(t, xdr.Unmarshal(data, &f), xdr.ErrUnionArm, 8, "File.Type")
	if xe.Msg != "union FileType has no arm for discriminant 5" {
		t.Errorf("msg %q", xe.Msg)
	}
	// A union with a default arm takes any value.
	var s Shape
	if err := xdr.Unmarshal(mustHex(t, "00000005 01020300"), &s); err != nil || s.(Blob).Kind != 5 {
		t.Errorf("default arm: %v, %#v", err, s)
	}
}

func TestTrailingData(t *testing.T) {
	data := append(mustHex(t, rfcFile), 0, 0, 0, 0, 1)
	xe := wantErr(t, xdr.Unmarshal(data, new(File)), xdr.ErrTrailingData, 48, "File")
	if xe.Msg != "5 trailing bytes after the value" {
		t.Errorf("msg %q", xe.Msg)
	}
}

// TestTruncationEverywhere cuts a rich message at every byte offset: each
// prefix is an io.ErrUnexpectedEOF error at or before the cut, and never a
// panic, from a byte slice and from a stream.
func TestTruncationEverywhere(t *testing.T) {
	full, err := xdr.Marshal(richValue())
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(full) {
		var out Nested
		err := xdr.Unmarshal(full[:i], &out)
		var xe *xdr.Error
		if !errors.As(err, &xe) || !errors.Is(err, io.ErrUnexpectedEOF) || xe.Offset > int64(i) {
			t.Fatalf("cut at %d: err = %v, want io.ErrUnexpectedEOF at or before %d", i, err, i)
		}
		err = xdr.NewDecoder(iotest.DataErrReader(bytes.NewReader(full[:i]))).Decode(&out)
		if i == 0 && err != io.EOF {
			t.Fatalf("empty stream: err = %v, want io.EOF", err)
		}
		if i > 0 && (!errors.As(err, &xe) || !errors.Is(err, io.ErrUnexpectedEOF) || xe.Offset > int64(i)) {
			t.Fatalf("stream cut at %d: err = %v, want io.ErrUnexpectedEOF", i, err)
		}
	}
}

// list builds the encoding of a linked list of n nodes (node: int val;
// node *next).
func list(n int) []byte {
	var b []byte
	for i := range n {
		if i > 0 {
			b = binary.BigEndian.AppendUint32(b, 1)
		}
		b = binary.BigEndian.AppendUint32(b, uint32(i))
	}
	return binary.BigEndian.AppendUint32(b, 0)
}

func TestDepthLimit(t *testing.T) {
	// The head is the value itself; each further node is one level of
	// optional-data.
	limit := xdr.DefaultMaxDepth
	var head node
	if err := xdr.Unmarshal(list(limit+1), &head); err != nil {
		t.Fatalf("%d levels (the limit): %v", limit, err)
	}
	n, nodes := &head, 0
	for ; n != nil; n = n.Next {
		nodes++
	}
	if nodes != limit+1 {
		t.Fatalf("decoded %d nodes, want %d", nodes, limit+1)
	}
	if b, err := xdr.Marshal(&head); err != nil || !bytes.Equal(b, list(limit+1)) {
		t.Errorf("Marshal at the limit: %v", err)
	}

	err := xdr.Unmarshal(list(limit+2), &head)
	// The path names the optional-data that went one level too deep.
	xe := wantErr(t, err, xdr.ErrDepth, -2, "node"+strings.Repeat(".Next", limit+1))
	if xe.Msg != "nesting exceeds MaxDepth (200)" {
		t.Errorf("msg %q", xe.Msg)
	}

	// A million levels: an error, quickly, without growing the stack.
	deep := list(1_000_000)
	wantErr(t, xdr.Unmarshal(deep, &head), xdr.ErrDepth, -2, "node"+strings.Repeat(".Next", limit+1))
	err = xdr.NewDecoder(bytes.NewReader(deep)).Decode(&head)
	if !errors.Is(err, xdr.ErrDepth) {
		t.Errorf("stream: err = %v", err)
	}

	// Limits change the bound both ways.
	lim := xdr.Limits{MaxDepth: 3}
	if err := lim.Unmarshal(list(4), &head); err != nil {
		t.Errorf("MaxDepth 3, 3 levels: %v", err)
	}
	if err := lim.Unmarshal(list(5), &head); !errors.Is(err, xdr.ErrDepth) {
		t.Errorf("MaxDepth 3, 4 levels: %v", err)
	}
	if err := (xdr.Limits{MaxDepth: 5000}).Unmarshal(list(5001), &head); err != nil {
		t.Errorf("MaxDepth 5000: %v", err)
	}
}

// TestDepthLimitThroughArraysAndUnions: recursion through variable arrays
// and unions counts too.
func TestDepthLimitThroughArraysAndUnions(t *testing.T) {
	type tree struct{ Kids []tree }
	var b []byte
	for range 300 {
		b = binary.BigEndian.AppendUint32(b, 1)
	}
	b = binary.BigEndian.AppendUint32(b, 0)
	var tr tree
	if err := xdr.Unmarshal(b, &tr); !errors.Is(err, xdr.ErrDepth) {
		t.Errorf("300 nested arrays: %v", err)
	}
	var chain Expr
	b = nil
	for range 300 {
		b = binary.BigEndian.AppendUint32(b, 1) // negate: another Expr follows
	}
	b = append(binary.BigEndian.AppendUint32(b, 0), 0, 0, 0, 7)
	if err := xdr.Unmarshal(b, &chain); !errors.Is(err, xdr.ErrDepth) {
		t.Errorf("300 nested unions: %v", err)
	}
}

// Expr is a recursive union: union expr switch (int op) { case 0: int lit;
// case 1: expr negate; }.
type Expr interface{ isExpr() }
type Lit struct{ V int32 }
type Neg struct{ E Expr }

func (*Lit) isExpr() {}
func (*Neg) isExpr() {}

func init() { xdr.RegisterUnion[Expr](xdr.Case[*Lit](int32(0)), xdr.Case[*Neg](int32(1))) }

func TestCyclicValueFailsToEncode(t *testing.T) {
	a := &node{Val: 1}
	a.Next = &node{Val: 2, Next: a}
	_, err := xdr.Marshal(a)
	xe := wantErr(t, err, xdr.ErrDepth, -2, "node"+strings.Repeat(".Next", xdr.DefaultMaxDepth+1))
	if !strings.Contains(xe.Msg, "cyclic") {
		t.Errorf("msg %q should suggest a cycle", xe.Msg)
	}
}

func TestSizeLimits(t *testing.T) {
	lim := xdr.Limits{MaxElements: 10, MaxBytes: 64}
	var a []int32
	data, _ := xdr.Marshal(make([]int32, 11))
	wantErr(t, lim.Unmarshal(data, &a), xdr.ErrLimit, 0, "")
	data, _ = xdr.Marshal(make([]int32, 10))
	if err := lim.Unmarshal(data, &a); err != nil || len(a) != 10 {
		t.Errorf("10 elements: %v", err)
	}

	var s string
	data, _ = xdr.Marshal(strings.Repeat("x", 61))
	wantErr(t, lim.Unmarshal(data, &s), xdr.ErrLimit, 0, "string")
	data, _ = xdr.Marshal(strings.Repeat("x", 60))
	if err := lim.Unmarshal(data, &s); err != nil {
		t.Errorf("64 bytes: %v", err)
	}

	// On a stream, MaxBytes bounds each value; the next value starts afresh.
	var stream []byte
	stream, _ = xdr.MarshalAppend(stream, strings.Repeat("a", 60))
	stream, _ = xdr.MarshalAppend(stream, strings.Repeat("b", 60))
	stream, _ = xdr.MarshalAppend(stream, strings.Repeat("c", 61))
	dec := lim.NewDecoder(bytes.NewReader(stream))
	for i := range 2 {
		if err := dec.Decode(&s); err != nil || len(s) != 60 {
			t.Fatalf("value %d: %v", i, err)
		}
	}
	wantErr(t, dec.Decode(&s), xdr.ErrLimit, 128, "string")

	// The largest limits do not overflow, on any value of a stream.
	huge := xdr.Limits{MaxBytes: math.MaxInt, MaxElements: math.MaxInt, MaxDepth: math.MaxInt}
	dec = huge.NewDecoder(iotest.HalfReader(bytes.NewReader(stream)))
	for _, want := range []string{strings.Repeat("a", 60), strings.Repeat("b", 60), strings.Repeat("c", 61)} {
		if err := dec.Decode(&s); err != nil || s != want {
			t.Fatalf("largest limits: %q, %v", s, err)
		}
	}
}

// stuck returns no data and no error, forever.
type stuck struct{}

func (stuck) Read([]byte) (int, error) { return 0, nil }

func TestReaderFailures(t *testing.T) {
	var p Point
	if err := xdr.NewDecoder(stuck{}).Decode(&p); !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("a reader that never progresses: err = %v, want io.ErrNoProgress", err)
	}
	data, _ := xdr.Marshal(&Point{1, 2})
	err := xdr.NewDecoder(iotest.TimeoutReader(iotest.OneByteReader(bytes.NewReader(data)))).Decode(&p)
	if !errors.Is(err, iotest.ErrTimeout) {
		t.Errorf("err = %v, want the reader's error", err)
	}
	// The error is at the offset of the item that could not be read.
	var xe *xdr.Error
	if !errors.As(err, &xe) || xe.Offset != 0 || xe.Path != "Point.X" {
		t.Errorf("err = %v, want an *xdr.Error at Point.X, offset 0", err)
	}
}

func TestAllocations(t *testing.T) {
	small := benchref.Small{Name: "Alice Liddell", BirthDay: 1, Phone: "555-0100", Siblings: 2, Spouse: true, Money: 1.5}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf, _ = xdr.MarshalAppend(buf[:0], &small) }); n != 0 {
		t.Errorf("MarshalAppend into a buffer with room: %v allocations, want 0", n)
	}
	data := bytes.Clone(buf)
	out := small
	if n := testing.AllocsPerRun(100, func() { _ = xdr.Unmarshal(data, &out) }); n != 2 {
		t.Errorf("Unmarshal of a struct with two strings: %v allocations, want 2", n)
	}
	var p Point
	pdata, _ := xdr.Marshal(&Point{1, 2})
	if n := testing.AllocsPerRun(100, func() { _ = xdr.Unmarshal(pdata, &p) }); n != 0 {
		t.Errorf("Unmarshal of a struct of ints: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = xdr.Marshal(&small) }); n != 1 {
		t.Errorf("Marshal: %v allocations, want 1 (the result)", n)
	}
}
