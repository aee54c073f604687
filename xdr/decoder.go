package xdr

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"unsafe"
)

// A Decoder reads XDR values from a byte slice (inside Unmarshal) or from an
// io.Reader (NewDecoder). Besides Decode it offers the primitive reads that
// Unmarshaler implementations and generated code use; every primitive
// enforces the Decoder's Limits and reports failures as *Error with the
// offset at which they happened.
//
// A stream Decoder buffers: it may read from r beyond the value it returns.
// A Decoder is not safe for concurrent use.
type Decoder struct {
	buf []byte // input (slice mode) or buffered window of the stream
	off int    // read position in buf
	end int    // the current value may read buf[off:end] without fill
	pos int64  // stream offset of buf[0]

	r    io.Reader // nil when decoding a byte slice
	rerr error     // sticky error from r

	lim       Limits   // resolved: no zero fields
	helper    *Decoder // heap Decoder lent to Unmarshalers (see custom)
	depthLeft int      // levels of nesting still allowed
	start     int64    // stream offset of the value being decoded
	active    bool     // a Decode or Unmarshal is in progress
}

// minStreamBuf is the first buffer of a stream Decoder; it grows only to
// hold the largest single item (at most 8 bytes) or what MaxBytes allows.
const minStreamBuf = 4 << 10

// NewDecoder returns a Decoder that reads values from r with DefaultLimits.
func NewDecoder(r io.Reader) *Decoder { return DefaultLimits.NewDecoder(r) }

// NewDecoder returns a Decoder that reads values from r within l.
func (l Limits) NewDecoder(r io.Reader) *Decoder {
	lim := l.resolve()
	return &Decoder{r: r, lim: lim, depthLeft: lim.MaxDepth}
}

// Decode reads the next XDR value from the stream into the value pointed to
// by v. At a clean end of input, before any byte of a new value, it returns
// io.EOF; input that ends inside a value is an error wrapping
// io.ErrUnexpectedEOF. Called from an Unmarshaler, it decodes the next value
// of the enclosing one.
func (d *Decoder) Decode(v any) error {
	c, t, p, err := pointerTarget(v, "Decode")
	if err != nil {
		return err
	}
	if d.active {
		// Called from an Unmarshaler: one more level, so that a type that
		// recurses through Decode is held to MaxDepth.
		if err := d.Enter(); err != nil {
			return err
		}
		defer d.Leave()
		return decodeValue(d, c, p)
	}
	if d.r != nil && d.off == len(d.buf) {
		// Tell a clean end of the stream from a truncated value.
		if d.fill(1) != nil && d.off == len(d.buf) {
			if d.rerr == io.EOF {
				return io.EOF
			}
			return readError(d.Offset(), d.rerr)
		}
	}
	d.begin()
	defer d.finish() // also if an Unmarshaler panics and the caller recovers
	return rootPath(decodeValue(d, c, p), t)
}

func (d *Decoder) finish() {
	d.active = false
	d.end = len(d.buf)
}

func (d *Decoder) begin() {
	d.active = true
	d.depthLeft = d.lim.MaxDepth
	d.start = d.Offset()
	d.setEnd()
}

// setEnd stops the fast paths at the end of the buffer or, on a stream, at
// MaxBytes into the current value, whichever comes first.
func (d *Decoder) setEnd() {
	d.end = len(d.buf)
	if d.r != nil && d.active {
		// What MaxBytes leaves of this value; Offset() >= start, so no
		// overflow even for MaxBytes = math.MaxInt.
		if left := int64(d.lim.MaxBytes) - (d.Offset() - d.start); left < int64(d.end-d.off) {
			d.end = d.off + int(left)
		}
	}
}

// Offset returns the number of bytes consumed so far: the stream offset of
// the next byte the Decoder will read.
func (d *Decoder) Offset() int64 { return d.pos + int64(d.off) }

// Buffered returns the bytes read from the stream but not yet decoded.
func (d *Decoder) Buffered() []byte { return d.buf[d.off:] }

// fill makes at least n bytes available at d.buf[d.off:d.end], reading from
// the stream when there is one. Callers ask for at most 8 bytes at a time,
// so the buffer never grows beyond its first size.
func (d *Decoder) fill(n int) error {
	if d.end-d.off >= n {
		return nil
	}
	if d.r == nil {
		return d.truncated(n, d.end-d.off)
	}
	if d.active && d.Offset()+int64(n)-d.start > int64(d.lim.MaxBytes) {
		return newError(d.Offset(), ErrLimit, "value exceeds MaxBytes (%d)", d.lim.MaxBytes)
	}
	have := len(d.buf) - d.off
	if d.off > 0 {
		copy(d.buf, d.buf[d.off:])
		d.pos += int64(d.off)
		d.buf = d.buf[:have]
		d.off = 0
	}
	if cap(d.buf) < n {
		nb := make([]byte, have, max(n, 2*cap(d.buf), minStreamBuf))
		copy(nb, d.buf)
		d.buf = nb
	}
	for empty := 0; len(d.buf) < n && d.rerr == nil; {
		m, err := d.r.Read(d.buf[len(d.buf):cap(d.buf)])
		if m < 0 || m > cap(d.buf)-len(d.buf) {
			d.rerr = errors.New("xdr: io.Reader returned an invalid count")
			break
		}
		d.buf = d.buf[:len(d.buf)+m]
		switch {
		case err != nil:
			d.rerr = err
		case m > 0:
			empty = 0
		default:
			if empty++; empty >= 100 {
				d.rerr = io.ErrNoProgress
			}
		}
	}
	d.setEnd()
	if d.end-d.off >= n {
		return nil
	}
	if d.rerr == io.EOF {
		return d.truncated(n, d.end-d.off)
	}
	return readError(d.Offset(), d.rerr)
}

func (d *Decoder) truncated(need, have int) error {
	return newError(d.Offset(), io.ErrUnexpectedEOF,
		"unexpected end of input: need %d bytes, have %d", need, have)
}

// budget is how many more bytes the current value may consume: what remains
// of a byte slice, or what MaxBytes leaves of a stream value.
func (d *Decoder) budget() int64 {
	switch {
	case d.r == nil:
		return int64(d.end - d.off)
	case !d.active:
		return int64(d.lim.MaxBytes) // a primitive read on its own is one value
	}
	return int64(d.lim.MaxBytes) - (d.Offset() - d.start)
}

// Uint32 reads an XDR unsigned int.
func (d *Decoder) Uint32() (uint32, error) {
	if d.end-d.off < 4 {
		if err := d.fill(4); err != nil {
			return 0, err
		}
	}
	v := binary.BigEndian.Uint32(d.buf[d.off:])
	d.off += 4
	return v, nil
}

// Uint64 reads an XDR unsigned hyper.
func (d *Decoder) Uint64() (uint64, error) {
	if d.end-d.off < 8 {
		if err := d.fill(8); err != nil {
			return 0, err
		}
	}
	v := binary.BigEndian.Uint64(d.buf[d.off:])
	d.off += 8
	return v, nil
}

// Int32 reads an XDR int.
func (d *Decoder) Int32() (int32, error) {
	v, err := d.Uint32()
	return int32(v), err
}

// Int64 reads an XDR hyper.
func (d *Decoder) Int64() (int64, error) {
	v, err := d.Uint64()
	return int64(v), err
}

// Float32 reads an XDR float; every bit pattern, NaN payloads included, is
// kept.
func (d *Decoder) Float32() (float32, error) {
	v, err := d.Uint32()
	return math.Float32frombits(v), err
}

// Float64 reads an XDR double.
func (d *Decoder) Float64() (float64, error) {
	v, err := d.Uint64()
	return math.Float64frombits(v), err
}

// Bool reads an XDR bool; values other than 0 and 1 are ErrInvalidBool.
func (d *Decoder) Bool() (bool, error) { return d.flag("bool value") }

// Optional reads the flag in front of optional-data: whether a value follows.
func (d *Decoder) Optional() (bool, error) { return d.flag("optional-data flag") }

func (d *Decoder) flag(what string) (bool, error) {
	v, err := d.Uint32()
	if err != nil {
		return false, err
	}
	if v > 1 {
		return false, newError(d.Offset()-4, ErrInvalidBool, "%s %d is not 0 or 1", what, v)
	}
	return v == 1, nil
}

// Enum reads an enum value and checks it with valid (nil accepts any value).
func (d *Decoder) Enum(valid func(int32) bool) (int32, error) {
	v, err := d.Int32()
	if err == nil && valid != nil && !valid(v) {
		return 0, newError(d.Offset()-4, ErrInvalidEnum, "enum value %d is not valid", v)
	}
	return v, err
}

// byteLen reads the length in front of a string or opaque and checks it
// against the field's bound and against the input that is left.
func (d *Decoder) byteLen(what string, bound uint32) (int, error) {
	n, err := d.Uint32()
	if err != nil {
		return 0, err
	}
	if n > bound {
		return 0, newError(d.Offset()-4, ErrMaxLength, "%s length %d exceeds max %d", what, n, bound)
	}
	if left := d.budget(); int64(n) > left {
		if d.r == nil {
			return 0, newError(d.Offset()-4, io.ErrUnexpectedEOF,
				"%s length %d exceeds the %d bytes left", what, n, max(left, 0))
		}
		return 0, newError(d.Offset()-4, ErrLimit, "%s length %d exceeds MaxBytes (%d)", what, n, d.lim.MaxBytes)
	}
	return int(n), nil
}

// ArrayLen reads the element count of a variable-length array and checks it
// against bound, MaxElements and the input left, given that every element
// takes at least minSize bytes. Callers may allocate the count it returns.
func (d *Decoder) ArrayLen(bound uint32, minSize int) (int, error) {
	n, err := d.Uint32()
	if err != nil {
		return 0, err
	}
	at := d.Offset() - 4
	if n > bound {
		return 0, newError(at, ErrMaxLength, "array length %d exceeds max %d", n, bound)
	}
	need := int64(n) * int64(minSize)
	if d.r == nil && need > d.budget() {
		return 0, newError(at, io.ErrUnexpectedEOF,
			"array length %d needs at least %d bytes, %d left", n, need, d.budget())
	}
	if int64(n) > int64(d.lim.MaxElements) {
		return 0, newError(at, ErrLimit, "array length %d exceeds MaxElements (%d)", n, d.lim.MaxElements)
	}
	if need > d.budget() {
		return 0, newError(at, ErrLimit, "array length %d needs at least %d bytes, beyond MaxBytes (%d)", n, need, d.lim.MaxBytes)
	}
	return int(n), nil
}

// padding consumes and checks the zero bytes that round n up to a multiple
// of four.
func (d *Decoder) padding(n int) error {
	p := (4 - n&3) & 3
	if p == 0 {
		return nil
	}
	if err := d.fill(p); err != nil {
		return err
	}
	for i, c := range d.buf[d.off : d.off+p] {
		if c != 0 {
			return newError(d.Offset()+int64(i), ErrPadding, "padding byte is 0x%02x, not zero", c)
		}
	}
	d.off += p
	return nil
}

// bytes returns a fresh copy of the next n bytes. On a stream it takes
// what has arrived, refill by refill, so memory grows with the bytes that
// actually arrive, not with the length a peer announced.
func (d *Decoder) bytes(n int) ([]byte, error) {
	if d.end-d.off >= n {
		b := make([]byte, n)
		d.off += copy(b, d.buf[d.off:])
		return b, nil
	}
	if d.r == nil {
		return nil, d.truncated(n, d.end-d.off)
	}
	b := make([]byte, 0, min(n, minStreamBuf))
	for len(b) < n {
		if err := d.fill(1); err != nil {
			return nil, err
		}
		take := min(n-len(b), d.end-d.off)
		if len(b)+take > cap(b) {
			// Double (append grows large slices by only a quarter, which
			// would cost five times the data in copies).
			b = append(make([]byte, 0, min(n, max(2*cap(b), len(b)+take))), b...)
		}
		b = append(b, d.buf[d.off:d.off+take]...)
		d.off += take
	}
	return b, nil
}

// String reads an XDR string of at most bound bytes. The bytes are not
// checked for UTF-8: XDR strings are byte strings.
func (d *Decoder) String(bound uint32) (string, error) {
	if b, size, ok := d.PeekBytes(bound); ok {
		d.off += size
		return string(b), nil
	}
	n, err := d.byteLen("string", bound)
	if err != nil || n == 0 {
		return "", err
	}
	b, err := d.bytes(n)
	if err != nil {
		return "", err
	}
	return unsafe.String(unsafe.SliceData(b), n), d.padding(n)
}

// Opaque reads variable-length opaque data of at most bound bytes into a new
// slice; an empty opaque is nil.
func (d *Decoder) Opaque(bound uint32) ([]byte, error) {
	if b, size, ok := d.PeekBytes(bound); ok {
		d.off += size
		if len(b) == 0 {
			return nil, nil
		}
		return append([]byte(nil), b...), nil
	}
	n, err := d.byteLen("opaque", bound)
	if err != nil || n == 0 {
		return nil, err
	}
	b, err := d.bytes(n)
	if err != nil {
		return nil, err
	}
	return b, d.padding(n)
}

// FixedOpaque reads len(dst) bytes of fixed-length opaque data, and their
// padding, into dst.
func (d *Decoder) FixedOpaque(dst []byte) error {
	if d.r == nil && d.end-d.off < len(dst) {
		return d.truncated(len(dst), d.end-d.off)
	}
	for n := 0; n < len(dst); {
		if err := d.fill(1); err != nil {
			return err
		}
		m := copy(dst[n:], d.buf[d.off:d.end])
		d.off += m
		n += m
	}
	return d.padding(len(dst))
}

// Enter notes one more level of nesting (optional-data, array, union) and
// fails with ErrDepth beyond Limits.MaxDepth. Each successful Enter is paired
// with a Leave on the way out of a value decoded without error; after an
// error the value is abandoned, and the next Decode or Reset starts again
// at full depth.
func (d *Decoder) Enter() error {
	if d.depthLeft > 0 {
		d.depthLeft--
		return nil
	}
	return d.tooDeep() // apart, so that Enter inlines
}

func (d *Decoder) tooDeep() error {
	return newError(d.Offset(), ErrDepth, "nesting exceeds MaxDepth (%d)", d.lim.MaxDepth)
}

// Leave ends a level of nesting begun with Enter.
func (d *Decoder) Leave() { d.depthLeft++ }
