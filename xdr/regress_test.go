package xdr_test

// Regression tests for bugs found in review. Each type here is used by one
// test only: some of these bugs poisoned the process-wide codec cache.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/wirekit/wirekit/xdr"
)

// A type with its own methods whose reflection form fails to compile (for
// the direction it does not implement) must not leave half-built codecs
// behind for other types to pick up.

type poisonS struct { // no XDR form: a map field
	A int32
	M map[string]int32
	B int32
}
type poisonT struct{ S poisonS }

func (*poisonT) MarshalXDR(e *xdr.Encoder) error   { e.PutInt32(1); return nil }
func (*poisonT) UnmarshalXDR(d *xdr.Decoder) error { _, err := d.Int32(); return err }

type poisonU16 struct{ X []uint16 }

func (*poisonU16) MarshalXDR(e *xdr.Encoder) error   { e.PutInt32(1); return nil }
func (*poisonU16) UnmarshalXDR(d *xdr.Decoder) error { _, err := d.Int32(); return err }

type zeroSized struct{}
type poisonZero struct{ X []zeroSized }

func (*poisonZero) MarshalXDR(e *xdr.Encoder) error   { e.PutInt32(1); return nil }
func (*poisonZero) UnmarshalXDR(d *xdr.Decoder) error { _, err := d.Int32(); return err }

type marshalOnlyInt8 struct{ N int8 }

func (*marshalOnlyInt8) MarshalXDR(e *xdr.Encoder) error { e.PutInt32(0); return nil }

func TestFailedFallbackDoesNotPoisonCache(t *testing.T) {
	for _, v := range []any{&poisonT{}, &poisonU16{}, &poisonZero{}, &marshalOnlyInt8{}} {
		if _, err := xdr.Marshal(v); err != nil {
			t.Fatalf("%T has MarshalXDR: %v", v, err)
		}
	}
	if b, err := xdr.Marshal(&poisonS{A: 1, M: map[string]int32{"x": 1}, B: 2}); !errors.Is(err, xdr.ErrUnsupportedType) {
		t.Errorf("a struct with a map field encodes as %x, %v; want ErrUnsupportedType", b, err)
	}
	var u16 []uint16
	if err := xdr.Unmarshal([]byte{0, 0x10, 0, 0}, &u16); !errors.Is(err, xdr.ErrUnsupportedType) {
		t.Errorf("[]uint16 decodes (%d elements): %v; want ErrUnsupportedType", len(u16), err)
	}
	var zs [][]zeroSized
	if err := xdr.Unmarshal([]byte{0, 0, 0, 1, 0, 0x10, 0, 0}, &zs); !errors.Is(err, xdr.ErrUnsupportedType) {
		t.Errorf("[][]struct{} decodes: %v; want ErrUnsupportedType", err)
	}
	type withU16 struct {
		A int32
		B uint16
	}
	if _, err := xdr.Marshal(&withU16{}); !errors.Is(err, xdr.ErrUnsupportedType) {
		t.Errorf("a struct with a uint16 field: %v; want ErrUnsupportedType", err)
	}
	type withI8 struct {
		A int32
		B int8
	}
	if err := xdr.Unmarshal([]byte{0, 0, 0, 1}, new(withI8)); !errors.Is(err, xdr.ErrUnsupportedType) {
		t.Errorf("a struct with an int8 field: %v; want ErrUnsupportedType", err)
	}
}

type marshalOnlyInt struct{ N int }

func (*marshalOnlyInt) MarshalXDR(e *xdr.Encoder) error { e.PutInt32(0); return nil }

type holdsMarshalOnly struct {
	A int32
	M marshalOnlyInt
}

// TestMissingDirectionErrorIsFresh: the error for a direction a type cannot
// serve names the right path every time, and concurrent calls do not share
// it (run with -race).
func TestMissingDirectionErrorIsFresh(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				var xe *xdr.Error
				err := xdr.Unmarshal(make([]byte, 8), &holdsMarshalOnly{})
				if !errors.As(err, &xe) || xe.Path != "holdsMarshalOnly.M.N" || !errors.Is(err, xdr.ErrUnsupportedType) {
					t.Errorf("err = %v, want ErrUnsupportedType at holdsMarshalOnly.M.N", err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestPrimitiveReadsOnAStream: primitives read outside Decode are each
// their own value for MaxBytes, however the reader splits the input.
func TestPrimitiveReadsOnAStream(t *testing.T) {
	var stream []byte
	stream, _ = xdr.MarshalAppend(stream, "abcdefgh") // 12 bytes, read with Decode
	for range 10 {
		stream, _ = xdr.MarshalAppend(stream, "abcd") // 8 bytes each, read with String
	}
	dec := xdr.Limits{MaxBytes: 16}.NewDecoder(iotest.OneByteReader(bytes.NewReader(stream)))
	var s string
	if err := dec.Decode(&s); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if s, err := dec.String(10); err != nil || s != "abcd" {
			t.Fatalf("string %d: %q, %v", i, s, err)
		}
	}
	if _, err := dec.String(10); err != io.ErrUnexpectedEOF && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("past the end: %v", err)
	}
}

// selfNode recurses through Encode and Decode in its own methods.
type selfNode struct {
	V    int32
	Next *selfNode
}

func (n *selfNode) MarshalXDR(e *xdr.Encoder) error {
	e.PutInt32(n.V)
	e.PutOptional(n.Next != nil)
	if n.Next != nil {
		return e.Encode(n.Next)
	}
	return nil
}

func (n *selfNode) UnmarshalXDR(d *xdr.Decoder) error {
	v, err := d.Int32()
	if err != nil {
		return err
	}
	n.V = v
	more, err := d.Optional()
	if err != nil || !more {
		n.Next = nil
		return err
	}
	n.Next = new(selfNode)
	return d.Decode(n.Next)
}

// TestDepthThroughUserMethods: recursion through Encode and Decode from
// user methods is held to MaxDepth (without it, a deep input or a cycle
// overflowed the stack and killed the process).
func TestDepthThroughUserMethods(t *testing.T) {
	var n selfNode
	if err := xdr.Unmarshal(list(100), &n); err != nil {
		t.Fatalf("100 levels: %v", err)
	}
	if err := xdr.Unmarshal(list(1_000_000), &n); !errors.Is(err, xdr.ErrDepth) {
		t.Errorf("a million levels: err = %v, want ErrDepth", err)
	}
	a := &selfNode{V: 1}
	a.Next = &selfNode{V: 2, Next: a}
	if _, err := xdr.Marshal(a); !errors.Is(err, xdr.ErrDepth) {
		t.Errorf("a cycle: err = %v, want ErrDepth", err)
	}
}

type hintMsg struct {
	Payload []byte
	When    Stamp // a Marshaler: the size pass cannot measure it
}

// TestMarshalForgetsLargeSizes: after a large value, a small one of the
// same type does not get a buffer as large as the previous value.
func TestMarshalForgetsLargeSizes(t *testing.T) {
	if _, err := xdr.Marshal(&hintMsg{Payload: make([]byte, 8<<20)}); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b, err := xdr.Marshal(&hintMsg{Payload: []byte("hi")})
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; err != nil || n > 1<<20 {
		t.Errorf("a %d-byte Marshal allocated %d bytes (%v)", len(b), n, err)
	}
	if cap(b) > 2*len(b)+64 {
		t.Errorf("result of %d bytes has capacity %d", len(b), cap(b))
	}
}

// A union with only a Default arm, switched by a bool.
type onlyDefault interface{ isOnlyDefault() }
type onlyDefaultArm struct {
	On bool `xdr:"discriminant"`
	X  int32
}

func (*onlyDefaultArm) isOnlyDefault() {}

func init() { xdr.RegisterUnion[onlyDefault](xdr.Default[*onlyDefaultArm]()) }

func TestDefaultOnlyBoolUnion(t *testing.T) {
	var u onlyDefault
	if err := xdr.Unmarshal([]byte{0, 0, 0, 5, 0, 0, 0, 9}, &u); !errors.Is(err, xdr.ErrInvalidBool) {
		t.Errorf("bool discriminant 5: err = %v, want ErrInvalidBool", err)
	}
	in := []byte{0, 0, 0, 1, 0, 0, 0, 9}
	if err := xdr.Unmarshal(in, &u); err != nil {
		t.Fatal(err)
	}
	if out, err := xdr.Marshal(&u); err != nil || !bytes.Equal(out, in) {
		t.Errorf("round trip %x -> %x (%v)", in, out, err)
	}
}

type outerU interface{ isOuterU() }
type innerU interface {
	isOuterU()
	isInnerU()
}

func TestInterfaceArmRefused(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "is an interface") {
			t.Errorf("panic = %v, want a refusal of the interface arm", r)
		}
	}()
	xdr.RegisterUnion[outerU](xdr.Case[innerU](int32(1)))
}

type wrapsXDRError struct{}

func (*wrapsXDRError) UnmarshalXDR(d *xdr.Decoder) error {
	if _, err := d.String(2); err != nil {
		return fmt.Errorf("reading name: %w", err)
	}
	return nil
}

// TestWrappedErrorFromUserMethod: a user method that wraps an xdr error
// still yields an *xdr.Error with the field path, its own words, and the
// offset of the original.
func TestWrappedErrorFromUserMethod(t *testing.T) {
	type outer struct {
		A int32
		W wrapsXDRError
	}
	err := xdr.Unmarshal([]byte{0, 0, 0, 1, 0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e', 0, 0, 0}, &outer{})
	xe, ok := err.(*xdr.Error)
	want := "xdr: outer.W: reading name: xdr: string length 5 exceeds max 2 at offset 4"
	if !ok || err.Error() != want || xe.Offset != 4 || !errors.Is(err, xdr.ErrMaxLength) {
		t.Errorf("err = %T %q\nwant *xdr.Error %q (offset 4, ErrMaxLength)", err, err, want)
	}
}

// TestUserErrorIsNotModified: an *xdr.Error a user method returns (perhaps
// a shared variable) is copied before the path is added.
func TestUserErrorIsNotModified(t *testing.T) {
	type outer struct{ F sharedErr }
	for range 2 {
		_, err := xdr.Marshal(&outer{})
		if err == nil || err.Error() != "xdr: outer.F: refused" {
			t.Errorf("err = %v", err)
		}
	}
	if errShared.Path != "" {
		t.Errorf("the user's error was changed: path %q", errShared.Path)
	}
}

var errShared = &xdr.Error{Offset: -1, Msg: "refused", Err: errors.New("refused")}

type sharedErr struct{}

func (*sharedErr) MarshalXDR(*xdr.Encoder) error { return errShared }

// TestDepthErrorOffsetsAgree: the same too-deep optional-data is reported
// at the same offset by the encoder and the decoder.
func TestDepthErrorOffsetsAgree(t *testing.T) {
	lim := xdr.Limits{MaxDepth: 1}
	in := &node{1, &node{2, &node{3, nil}}}
	_, eerr := lim.Marshal(in)
	b, _ := xdr.Marshal(in)
	derr := lim.Unmarshal(b, new(node))
	var e1, e2 *xdr.Error
	if !errors.As(eerr, &e1) || !errors.As(derr, &e2) || e1.Offset != e2.Offset || e1.Path != e2.Path {
		t.Errorf("encode: %v\ndecode: %v", eerr, derr)
	}
}

// TestUnionPathsAgree: a compile error inside an arm names the arm the
// same way whether the union is the value or a field.
func TestUnionPathsAgree(t *testing.T) {
	var u pathU = &pathBad{}
	_, err := xdr.Marshal(&u)
	wantErr(t, err, xdr.ErrUnsupportedType, -1, "pathU(*xdr_test.pathBad).N")
	type wrap struct{ U pathU }
	_, err = xdr.Marshal(&wrap{U: &pathBad{}})
	wantErr(t, err, xdr.ErrUnsupportedType, -1, "wrap.U(*xdr_test.pathBad).N")
}

type pathU interface{ isPathU() }
type pathBad struct{ N uintptr }

func (*pathBad) isPathU() {}

func init() { xdr.RegisterUnion[pathU](xdr.Case[*pathBad](int32(1))) }

// stamped is a value arm whose MarshalXDR (pointer receiver) writes to its
// receiver; the codec must hand it a copy, not the interface's own memory.
type stampU interface{ isStampU() }
type stamped struct{ N int32 }

func (stamped) isStampU() {}

func (s *stamped) MarshalXDR(e *xdr.Encoder) error {
	e.PutInt32(s.N)
	s.N = -1 // a careless method
	return nil
}

func init() { xdr.RegisterUnion[stampU](xdr.Case[stamped](int32(0))) }

func TestValueArmWithUserMethodGetsACopy(t *testing.T) {
	var u stampU = stamped{N: 7}
	for range 2 {
		b, err := xdr.Marshal(&u)
		if err != nil || !bytes.Equal(b, []byte{0, 0, 0, 0, 0, 0, 0, 7}) {
			t.Fatalf("Marshal = %x, %v", b, err)
		}
	}
	var zero stampU = stamped{} // may live in read-only memory
	if _, err := xdr.Marshal(&zero); err != nil {
		t.Fatal(err)
	}
}

// badReader claims more bytes than it was given.
type badReader struct{}

func (badReader) Read(p []byte) (int, error) { return len(p) + 1, nil }

func TestMisbehavingReader(t *testing.T) {
	var p Point
	if err := xdr.NewDecoder(badReader{}).Decode(&p); err == nil {
		t.Error("a reader returning an impossible count: no error")
	}
}

// TestStreamStateAfterPanic: a user method that panics, recovered by the
// caller, leaves the stream Decoder usable.
func TestStreamStateAfterPanic(t *testing.T) {
	var stream []byte
	stream, _ = xdr.MarshalAppend(stream, int32(1))
	stream, _ = xdr.MarshalAppend(stream, &Point{2, 3})
	dec := xdr.NewDecoder(bytes.NewReader(stream))
	func() {
		defer func() { _ = recover() }()
		_ = dec.Decode(new(panicky))
	}()
	var p Point
	if err := dec.Decode(&p); err != nil || p != (Point{2, 3}) {
		t.Errorf("after a recovered panic: %+v, %v", p, err)
	}
	if err := dec.Decode(&p); err != io.EOF {
		t.Errorf("at the end: %v, want io.EOF", err)
	}
}

type panicky struct{}

func (*panicky) UnmarshalXDR(d *xdr.Decoder) error {
	if _, err := d.Int32(); err != nil {
		return err
	}
	panic("user bug")
}

func TestEncoderFlush(t *testing.T) {
	var w bytes.Buffer
	enc := xdr.NewEncoder(&w)
	enc.PutUint32(7)
	if w.Len() != 0 {
		t.Fatal("primitives outside Encode are buffered")
	}
	if err := enc.Flush(); err != nil || !bytes.Equal(w.Bytes(), []byte{0, 0, 0, 7}) {
		t.Errorf("after Flush: %x, %v", w.Bytes(), err)
	}
}
