package xdr

import (
	"encoding/binary"
	"io"
	"math"
	"reflect"
	"slices"
	"unsafe"
)

// An Encoder writes XDR values to an io.Writer (NewEncoder) or appends them
// to a byte slice (inside Marshal and MarshalAppend). Besides Encode it
// offers the primitive writes that Marshaler implementations and generated
// code use.
//
// A stream Encoder writes each value with a single Write call. An Encoder is
// not safe for concurrent use.
type Encoder struct {
	buf       []byte
	helper    *Encoder // heap Encoder lent to Marshalers (see custom)
	base      int      // len(buf) when the current value began
	w         io.Writer
	lim       Limits
	depthLeft int
	active    bool
}

// NewEncoder returns an Encoder that writes values to w with DefaultLimits.
func NewEncoder(w io.Writer) *Encoder { return DefaultLimits.NewEncoder(w) }

// NewEncoder returns an Encoder that writes values to w; of l only MaxDepth
// applies to encoding, so that a cyclic value fails instead of recursing
// forever.
func (l Limits) NewEncoder(w io.Writer) *Encoder {
	lim := l.resolve()
	return &Encoder{w: w, lim: lim, depthLeft: lim.MaxDepth}
}

// Encode writes the XDR encoding of v, which may be a value or a pointer to
// one (a top-level pointer is followed, not encoded as optional-data). On a
// stream Encoder the bytes go out in one Write; nothing is written if
// encoding fails. Called from a Marshaler, it appends to the enclosing value.
func (e *Encoder) Encode(v any) error {
	c, t, p, err := encodeTarget(v)
	if err != nil {
		return err
	}
	if e.active {
		// Called from a Marshaler: one more level, so that a type that
		// recurses through Encode (or a cycle) is held to MaxDepth.
		if err := e.Enter(); err != nil {
			return err
		}
		defer e.Leave()
		return encodeValue(e, c, p)
	}
	base := len(e.buf)
	defer func() { e.active = false }() // also if a Marshaler panics
	b, err := e.run(c, t, p)
	if err != nil {
		e.buf = b[:base]
		return err
	}
	return e.Flush()
}

// Flush writes what the primitive methods (PutUint32, ...) have buffered
// outside Encode to the stream. Encode flushes by itself.
func (e *Encoder) Flush() error {
	if e.w == nil || len(e.buf) == 0 {
		return nil
	}
	_, err := e.w.Write(e.buf)
	e.buf = e.buf[:0]
	return err
}

func (e *Encoder) begin() {
	e.active = true
	e.base = len(e.buf)
	e.depthLeft = e.lim.MaxDepth
}

// encodeTarget resolves v, a value or a pointer to one, to its codec and an
// address; a top-level pointer is followed, not encoded as optional-data.
func encodeTarget(v any) (*codec, reflect.Type, unsafe.Pointer, error) {
	if tg, p := cachedTarget(v); tg != nil {
		return tg.c, tg.elem, p, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		if !rv.IsValid() {
			return nil, nil, nil, &Error{Offset: -1, Msg: "cannot encode nil", Err: ErrUnsupportedType}
		}
		// Encoding works on addressed memory; a value passed by value is
		// copied once. Pass a pointer to avoid the copy.
		p := reflect.New(rv.Type())
		p.Elem().Set(rv)
		v = p.Interface()
	}
	return pointerTarget(v, "Encode")
}

// Offset returns the number of bytes of the current value written so far.
func (e *Encoder) Offset() int64 { return int64(len(e.buf) - e.base) }

// PutUint32 writes an XDR unsigned int.
func (e *Encoder) PutUint32(v uint32) { e.buf = binary.BigEndian.AppendUint32(e.buf, v) }

// PutUint64 writes an XDR unsigned hyper.
func (e *Encoder) PutUint64(v uint64) { e.buf = binary.BigEndian.AppendUint64(e.buf, v) }

// PutInt32 writes an XDR int (or enum).
func (e *Encoder) PutInt32(v int32) { e.PutUint32(uint32(v)) }

// PutInt64 writes an XDR hyper.
func (e *Encoder) PutInt64(v int64) { e.PutUint64(uint64(v)) }

// PutFloat32 writes an XDR float.
func (e *Encoder) PutFloat32(v float32) { e.PutUint32(math.Float32bits(v)) }

// PutFloat64 writes an XDR double.
func (e *Encoder) PutFloat64(v float64) { e.PutUint64(math.Float64bits(v)) }

// PutBool writes an XDR bool.
func (e *Encoder) PutBool(v bool) {
	var u uint32
	if v {
		u = 1
	}
	e.PutUint32(u)
}

// PutOptional writes the flag in front of optional-data.
func (e *Encoder) PutOptional(present bool) { e.PutBool(present) }

// grow extends the buffer by n bytes and returns them; their contents are
// whatever the buffer held, so callers write every byte.
func (e *Encoder) grow(n int) []byte {
	l := len(e.buf)
	if cap(e.buf)-l < n {
		e.buf = slices.Grow(e.buf, n)
	}
	e.buf = e.buf[:l+n]
	return e.buf[l:]
}

// PutString writes an XDR string; it fails with ErrMaxLength if s is longer
// than bound bytes.
func (e *Encoder) PutString(s string, bound uint32) error {
	if uint64(len(s)) > uint64(bound) {
		return newError(e.Offset(), ErrMaxLength, "string length %d exceeds max %d", len(s), bound)
	}
	e.putString(s)
	return nil
}

// putString writes the length of s and its bytes, padded with zeros to a
// multiple of four.
func (e *Encoder) putString(s string) {
	padded := (len(s) + 3) &^ 3
	buf := e.grow(4 + padded)
	binary.BigEndian.PutUint32(buf, uint32(len(s)))
	if padded > 0 {
		binary.BigEndian.PutUint32(buf[padded:], 0) // the padding, before the bytes land
	}
	copy(buf[4:], s)
}

// PutOpaque writes variable-length opaque data; it fails with ErrMaxLength
// if b is longer than bound bytes.
func (e *Encoder) PutOpaque(b []byte, bound uint32) error {
	if uint64(len(b)) > uint64(bound) {
		return newError(e.Offset(), ErrMaxLength, "opaque length %d exceeds max %d", len(b), bound)
	}
	e.PutUint32(uint32(len(b)))
	e.PutFixedOpaque(b)
	return nil
}

// PutFixedOpaque writes b as fixed-length opaque data, padded to a multiple
// of four bytes.
func (e *Encoder) PutFixedOpaque(b []byte) {
	padded := (len(b) + 3) &^ 3
	buf := e.grow(padded)
	if padded > 0 {
		binary.BigEndian.PutUint32(buf[padded-4:], 0)
	}
	copy(buf, b)
}

// PutArrayLen writes the element count of a variable-length array; it fails
// with ErrMaxLength if n exceeds bound.
func (e *Encoder) PutArrayLen(n int, bound uint32) error {
	if uint64(n) > uint64(bound) {
		return newError(e.Offset(), ErrMaxLength, "array length %d exceeds max %d", n, bound)
	}
	e.PutUint32(uint32(n))
	return nil
}

// Enter notes one more level of nesting (optional-data, array, union) and
// fails with ErrDepth beyond Limits.MaxDepth, which is how a cyclic value
// fails instead of recursing forever. Each successful Enter is paired with
// a Leave.
func (e *Encoder) Enter() error {
	if e.depthLeft <= 0 {
		return newError(e.Offset(), ErrDepth, "nesting exceeds MaxDepth (%d); is the value cyclic?", e.lim.MaxDepth)
	}
	e.depthLeft--
	return nil
}

// Leave ends a level of nesting begun with Enter.
func (e *Encoder) Leave() { e.depthLeft++ }
