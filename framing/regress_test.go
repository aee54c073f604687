package framing_test

// Regression tests for bugs found in review.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/wirekit/wirekit/framing"
)

// hiccup returns no data and no error on every other call, and at most
// 100 bytes otherwise: legal for an io.Reader.
type hiccup struct {
	r io.Reader
	n int
}

func (h *hiccup) Read(p []byte) (int, error) {
	h.n++
	if h.n%2 == 0 {
		return 0, nil
	}
	return h.r.Read(p[:min(len(p), 100)])
}

// TestEmptyReadsInLargeFrames: a read returning nothing while a frame
// larger than the buffer is read lost that frame's bytes.
func TestEmptyReadsInLargeFrames(t *testing.T) {
	var stream bytes.Buffer
	w := framing.NewWriter(&stream, framing.BE32)
	big := payload(10000)
	w.WriteFrame(big)
	w.WriteFrame([]byte("next"))
	frames, err := readAll(framing.NewReader(&hiccup{r: bytes.NewReader(stream.Bytes())}, framing.BE32))
	if err != io.EOF || len(frames) != 2 || !bytes.Equal(frames[0], big) || string(frames[1]) != "next" {
		t.Errorf("read %d frames, %v", len(frames), err)
	}
}

// TestBE64PositiveAdjustment: the limit of BE64 with a positive adjustment
// overflowed to 0.
func TestBE64PositiveAdjustment(t *testing.T) {
	var buf bytes.Buffer
	if err := framing.NewWriter(&buf, framing.BE64, framing.LengthAdjustment(1)).WriteFrame([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes()[:8], binary.BigEndian.AppendUint64(nil, 2)) {
		t.Errorf("header %x", buf.Bytes()[:8])
	}
	if f, err := framing.NewReader(&buf, framing.BE64, framing.LengthAdjustment(1)).ReadFrame(); err != nil || string(f) != "abc" {
		t.Errorf("read %q, %v", f, err)
	}
}

// TestLengthsPastInt64: lengths no int64 holds are too large (final, as
// they cannot be skipped), with the size the header announced.
func TestLengthsPastInt64(t *testing.T) {
	stream := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'x'}
	for _, opts := range [][]framing.Option{nil, {framing.MaxFrame(math.MaxInt)}, {framing.DiscardTooLarge()}} {
		r := framing.NewReader(bytes.NewReader(stream), framing.BE64, opts...)
		_, err := r.ReadFrame()
		var fe *framing.Error
		if !errors.As(err, &fe) || !errors.Is(err, framing.ErrFrameTooLarge) || fe.Size != math.MaxUint64 {
			t.Errorf("BE64 2^64-1: %v, want ErrFrameTooLarge of size 2^64-1", err)
		}
		if _, again := r.ReadFrame(); again != err {
			t.Errorf("not final: then %v", again)
		}
	}
	_, err := framing.NewReader(bytes.NewReader(binary.AppendUvarint(nil, math.MaxInt64)), framing.Uvarint, framing.LengthAdjustment(1)).ReadFrame()
	if !errors.Is(err, framing.ErrFrameTooLarge) {
		t.Errorf("uvarint 2^63-1 plus 1: %v, want ErrFrameTooLarge", err)
	}
}

// TestDiscardErrorsNameTheSkippedFrame: input that ends while an oversized
// frame is skipped is an error of that frame, at its offset.
func TestDiscardErrorsNameTheSkippedFrame(t *testing.T) {
	for name, tc := range map[string]struct {
		kind   framing.Kind
		stream []byte
	}{
		"be32": {framing.BE32, []byte{0, 0, 0, 2, 'a', 'b', 0, 0, 0, 10, 1, 2, 3}},
		"rm":   {framing.RecordMarking, []byte{0x80, 0, 0, 2, 'o', 'k', 0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 1, 'd'}},
	} {
		r := framing.NewReader(bytes.NewReader(tc.stream), tc.kind, framing.MaxFrame(2), framing.DiscardTooLarge())
		r.ReadFrame()
		r.ReadFrame()
		_, err := r.ReadFrame()
		var fe *framing.Error
		if !errors.As(err, &fe) || !errors.Is(err, io.ErrUnexpectedEOF) || fe.Frame != 1 || fe.Offset != 6 {
			t.Errorf("%s: %v, want io.ErrUnexpectedEOF in frame 1 at offset 6", name, err)
		}
	}
}

func TestFragmentSizeOutsideRecords(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("FragmentSize(2^31-1) with BE32: no panic")
		}
	}()
	framing.NewWriter(io.Discard, framing.BE32, framing.FragmentSize(math.MaxInt32))
}
