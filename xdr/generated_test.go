package xdr

import (
	"errors"
	"io"
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
