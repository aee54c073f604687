package xdr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"testing"
)

func TestNextReadsInPlaceWithinLimits(t *testing.T) {
	var d Decoder
	if err := d.Reset([]byte{1, 2, 3, 4, 5, 6, 7, 8}, DefaultLimits); err != nil {
		t.Fatal(err)
	}
	b, err := d.Next(4)
	if err != nil || string(b) != "\x01\x02\x03\x04" || d.Offset() != 4 {
		t.Fatalf("Next(4) = % x, %v at %d", b, err, d.Offset())
	}
	if _, err := d.Next(8); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Next past the end: %v", err)
	}
	if _, err := d.Next(2000); !errors.Is(err, ErrLimit) {
		t.Fatalf("Next(2000): %v", err)
	}
	if err := d.Done(); !errors.Is(err, ErrTrailingData) {
		t.Fatalf("Done with 4 bytes left: %v", err)
	}
	if _, err := d.Next(4); err != nil || d.Done() != nil {
		t.Fatalf("Done at the end: %v", d.Done())
	}
	// On a stream, Next waits for the bytes.
	sd := NewDecoder(&slowReader{data: []byte{9, 9, 9, 9, 8, 8, 8, 8}})
	sd.begin()
	if b, err := sd.Next(8); err != nil || b[7] != 8 {
		t.Fatalf("stream Next(8) = % x, %v", b, err)
	}
}

type slowReader struct{ data []byte }

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	p[0] = r.data[0]
	r.data = r.data[1:]
	return 1, nil
}

func TestResetRefusesInputOverMaxBytes(t *testing.T) {
	var d Decoder
	err := d.Reset(make([]byte, 16), Limits{MaxBytes: 8})
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("16 bytes with MaxBytes 8: %v", err)
	}
	var e Encoder
	e.Reset([]byte{0xaa}, DefaultLimits)
	e.PutUint32(1)
	if got := e.Bytes(); len(got) != 5 || got[0] != 0xaa || got[4] != 1 || e.Offset() != 4 {
		t.Fatalf("Encoder.Reset appends: % x, offset %d", got, e.Offset())
	}
}

func TestWithFieldBuildsThePath(t *testing.T) {
	err := WithField(WithField(NewError(12, ErrMaxLength, "string length %d exceeds max %d", 300, 255), "interpretor"), "type")
	if err.Error() != "xdr: type.interpretor: string length 300 exceeds max 255 at offset 12" || !errors.Is(err, ErrMaxLength) {
		t.Fatalf("got %v", err)
	}
	plain := WithField(io.ErrClosedPipe, "[3]")
	var xe *Error
	if !errors.As(plain, &xe) || xe.Path != "[3]" || !errors.Is(plain, io.ErrClosedPipe) {
		t.Fatalf("a plain error: %#v", plain)
	}
	if WithField(nil, "x") != nil {
		t.Fatal("WithField(nil) is not nil")
	}
}

func TestPeekAndSkip(t *testing.T) {
	var d Decoder
	if err := d.Reset(append(make([]byte, 0, 16), 1, 2, 3, 4, 5, 6), DefaultLimits); err != nil { // room after the input
		t.Fatal(err)
	}
	if p := d.Peek(); string(p) != "\x01\x02\x03\x04\x05\x06" {
		t.Fatalf("Peek = % x", p)
	}
	// An append to what Peek or PeekBytes returns cannot overwrite input
	// still to be decoded.
	if p := d.Peek(); cap(p[:2]) != len(p) {
		t.Errorf("Peek's capacity %d goes past its %d bytes", cap(p), len(p))
	}
	var pb Decoder
	if err := pb.Reset([]byte{0, 0, 0, 1, 'a', 0, 0, 0, 9}, DefaultLimits); err != nil {
		t.Fatal(err)
	}
	if b, size, ok := pb.PeekBytes(8); !ok || string(b) != "a" || size != 8 || cap(b) != 1 {
		t.Errorf("PeekBytes = %q (cap %d), %d, %v; want \"a\" (cap 1), 8, true", b, cap(b), size, ok)
	}
	d.Skip(4)
	if p := d.Peek(); string(p) != "\x05\x06" || d.Offset() != 4 {
		t.Fatalf("after Skip(4): Peek = % x at %d", p, d.Offset())
	}
	d.Skip(2)
	if len(d.Peek()) != 0 || d.Done() != nil {
		t.Fatalf("at the end: Peek = % x, Done = %v", d.Peek(), d.Done())
	}

	// On a stream, Peek holds what is buffered, up to where MaxBytes ends
	// the value being decoded.
	sd := Limits{MaxBytes: 6}.NewDecoder(bytes.NewReader(make([]byte, 100)))
	if len(sd.Peek()) != 0 {
		t.Fatalf("a new stream Decoder peeks % x", sd.Peek())
	}
	sd.begin()
	if _, err := sd.Uint32(); err != nil {
		t.Fatal(err)
	}
	if p := sd.Peek(); len(p) != 2 {
		t.Fatalf("stream Peek after 4 of MaxBytes 6: %d bytes", len(p))
	}

	// Reset makes a stream Decoder one of a byte slice.
	if err := sd.Reset([]byte{7, 8}, DefaultLimits); err != nil || string(sd.Peek()) != "\x07\x08" || sd.Offset() != 0 {
		t.Fatalf("Reset of a stream Decoder: %v, Peek % x at %d", err, sd.Peek(), sd.Offset())
	}
	if _, err := sd.Uint32(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("reading past a Reset slice: %v", err)
	}
}

// stringEncodings are a string or opaque encoding of every length up to
// 9 and some longer ones, valid and broken: each truncation, nonzero
// padding, a byte after it and lengths beyond the input.
func stringEncodings() [][]byte {
	var out [][]byte
	for _, n := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 31, 300} {
		b := binary.BigEndian.AppendUint32(nil, uint32(n))
		b = append(b, bytes.Repeat([]byte{'x'}, n)...)
		b = append(b, make([]byte, (4-n%4)%4)...)
		out = append(out, b, append(bytes.Clone(b), 0))
		for i := range len(b) {
			out = append(out, b[:i])
		}
		for i := 4 + n; i < len(b); i++ {
			bad := bytes.Clone(b)
			bad[i] = 1
			out = append(out, bad)
		}
	}
	for _, n := range []uint32{0xfffffffc, 0xfffffffd, 0xffffffff, 1 << 31} {
		out = append(out, binary.BigEndian.AppendUint32(nil, n), binary.BigEndian.AppendUint32(make([]byte, 0, 12), n)[:4:12])
	}
	return out
}

// PeekBytes accepts exactly what String and Opaque read from a byte slice
// without error, with the same contents and size; on a stream, what it
// accepts they read too.
func TestPeekBytesAgreesWithStringAndOpaque(t *testing.T) {
	for _, data := range stringEncodings() {
		for _, bound := range []uint32{0, 3, 8, 300, math.MaxUint32} {
			var d Decoder
			d.Reset(data, DefaultLimits)
			b, size, ok := d.PeekBytes(bound)
			if d.Offset() != 0 {
				t.Fatalf("% x: PeekBytes(%d) moved to %d", data, bound, d.Offset())
			}
			var s, o Decoder
			s.Reset(data, DefaultLimits)
			o.Reset(data, DefaultLimits)
			str, serr := s.String(bound)
			op, oerr := o.Opaque(bound)
			if ok != (serr == nil) || ok != (oerr == nil) {
				t.Fatalf("% x, bound %d: PeekBytes ok %v; String %v; Opaque %v", data, bound, ok, serr, oerr)
			}
			if ok && (string(b) != str || !bytes.Equal(b, op) || int64(size) != s.Offset() || int64(size) != o.Offset()) {
				t.Fatalf("% x, bound %d: PeekBytes = % x, %d; String = %q at %d", data, bound, b, size, str, s.Offset())
			}

			sd := NewDecoder(bytes.NewReader(data))
			sd.begin()
			sd.fill(len(data) / 2)
			if b, size, ok := sd.PeekBytes(bound); ok {
				str, err := sd.String(bound)
				if err != nil || str != string(b) || int64(size) != sd.Offset() {
					t.Fatalf("% x, bound %d: on a stream PeekBytes = % x, %d; String = %q, %v at %d",
						data, bound, b, size, str, err, sd.Offset())
				}
			}
		}
	}
}

// PeekArrayLen accepts exactly what ArrayLen reads from a byte slice
// without error, with the same count; on a stream, what it accepts
// ArrayLen accepts too, and a stream Decoder outside Decode (whose
// primitives are values of their own, with MaxBytes each) leaves the
// count to ArrayLen.
func TestPeekArrayLenAgreesWithArrayLen(t *testing.T) {
	for _, count := range []uint32{0, 1, 2, 3, 5, 1 << 20, 1<<20 + 1, math.MaxUint32} {
		for body := range 24 {
			data := append(binary.BigEndian.AppendUint32(nil, count), make([]byte, body)...)
			for _, lim := range []Limits{{}, {MaxElements: 2}, {MaxBytes: 12}} {
				for _, bound := range []uint32{0, 2, 5, math.MaxUint32} {
					for _, minSize := range []int{0, 1, 4, 8} {
						var d, a Decoder
						if d.Reset(data, lim) != nil {
							continue
						}
						a.Reset(data, lim)
						n, ok := d.PeekArrayLen(bound, minSize)
						m, err := a.ArrayLen(bound, minSize)
						if ok != (err == nil) || ok && n != m || d.Offset() != 0 {
							t.Fatalf("count %d, %d bytes, %+v, bound %d, min %d: PeekArrayLen = %d, %v; ArrayLen = %d, %v",
								count, body, lim, bound, minSize, n, ok, m, err)
						}

						sd := lim.NewDecoder(bytes.NewReader(data))
						sd.fill(len(data))
						if _, ok := sd.PeekArrayLen(bound, minSize); ok {
							t.Fatalf("count %d: PeekArrayLen outside Decode accepts it", count)
						}
						sd.begin()
						if n, ok := sd.PeekArrayLen(bound, minSize); ok {
							if m, err := sd.ArrayLen(bound, minSize); err != nil || m != n {
								t.Fatalf("count %d, %d bytes, %+v, bound %d, min %d: on a stream PeekArrayLen = %d; ArrayLen = %d, %v",
									count, body, lim, bound, minSize, n, m, err)
							}
						}
					}
				}
			}
		}
	}
}
