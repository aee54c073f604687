package framing_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/wirekit/wirekit/framing"
	"github.com/wirekit/wirekit/internal/alloc"
)

var kinds = []framing.Kind{framing.BE8, framing.BE16, framing.BE32, framing.BE64, framing.Uvarint, framing.RecordMarking}

// readers wrap a stream the ways a network delivers it.
var readers = map[string]func(io.Reader) io.Reader{
	"whole":     func(r io.Reader) io.Reader { return r },
	"one byte":  iotest.OneByteReader,
	"half":      iotest.HalfReader,
	"data+err":  iotest.DataErrReader,
	"one+error": func(r io.Reader) io.Reader { return iotest.DataErrReader(iotest.OneByteReader(r)) },
}

// readAll reads frames until an error and returns copies of them and the
// error.
func readAll(r framing.Reader) ([][]byte, error) {
	var frames [][]byte
	for {
		f, err := r.ReadFrame()
		if err != nil {
			return frames, err
		}
		frames = append(frames, bytes.Clone(f))
	}
}

func payload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + n)
	}
	return p
}

// limitOf is the largest frame each kind carries in these tests: what the
// field holds for BE8 and BE16, 1 MiB for the others.
func limitOf(k framing.Kind) int {
	switch k {
	case framing.BE8:
		return 255
	case framing.BE16:
		return 65535
	}
	return 1 << 20
}

func TestRoundTripSizes(t *testing.T) {
	for _, k := range kinds {
		limit := limitOf(k)
		var sizes []int
		for _, n := range []int{0, 1, 127, 128, 255, 256, 16383, 16384, 65535, 65536, limit} {
			if n <= limit {
				sizes = append(sizes, n)
			}
		}
		var stream bytes.Buffer
		w := framing.NewWriter(&stream, k, framing.MaxFrame(limit))
		for _, n := range sizes {
			if err := w.WriteFrame(payload(n)); err != nil {
				t.Fatalf("%v: write %d bytes: %v", k, n, err)
			}
		}
		for name, wrap := range readers {
			t.Run(k.String()+"/"+name, func(t *testing.T) {
				frames, err := readAll(framing.NewReader(wrap(bytes.NewReader(stream.Bytes())), k, framing.MaxFrame(limit)))
				if err != io.EOF {
					t.Fatalf("after %d frames: %v, want io.EOF", len(frames), err)
				}
				if len(frames) != len(sizes) {
					t.Fatalf("read %d frames, want %d", len(frames), len(sizes))
				}
				for i, n := range sizes {
					if !bytes.Equal(frames[i], payload(n)) {
						t.Errorf("frame %d (%d bytes) differs", i, n)
					}
				}
			})
		}
	}
}

// header writes a length field by hand.
func header(k framing.Kind, n uint64) []byte {
	switch k {
	case framing.BE8:
		return []byte{byte(n)}
	case framing.BE16:
		return binary.BigEndian.AppendUint16(nil, uint16(n))
	case framing.BE32:
		return binary.BigEndian.AppendUint32(nil, uint32(n))
	case framing.BE64:
		return binary.BigEndian.AppendUint64(nil, n)
	case framing.Uvarint:
		return binary.AppendUvarint(nil, n)
	}
	return binary.BigEndian.AppendUint32(nil, uint32(n)|1<<31)
}

func TestOneOverTheLimit(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.String(), func(t *testing.T) {
			limit := limitOf(k)
			if k == framing.BE8 || k == framing.BE16 {
				limit -= 5 // so that one more is expressible
			}
			w := framing.NewWriter(io.Discard, k, framing.MaxFrame(limit))
			err := w.WriteFrame(payload(limit + 1))
			var fe *framing.Error
			if !errors.As(err, &fe) || !errors.Is(err, framing.ErrFrameTooLarge) || fe.Size != uint64(limit+1) || fe.Limit != limit {
				t.Errorf("write: %v, want ErrFrameTooLarge naming %d and %d", err, limit+1, limit)
			}
			stream := append(header(k, uint64(limit+1)), payload(limit+1)...)
			_, err = framing.NewReader(bytes.NewReader(stream), k, framing.MaxFrame(limit)).ReadFrame()
			if !errors.As(err, &fe) || !errors.Is(err, framing.ErrFrameTooLarge) || fe.Size != uint64(limit+1) || fe.Limit != limit || fe.Offset != 0 {
				t.Errorf("read: %v, want ErrFrameTooLarge naming %d and %d", err, limit+1, limit)
			}
			want := fmt.Sprintf("framing: frame 0 at offset 0: %d-byte %s exceeds the limit of %d", limit+1, noun(k), limit)
			if err == nil || err.Error() != want {
				t.Errorf("message %q, want %q", err, want)
			}
		})
	}
}

func noun(k framing.Kind) string {
	if k == framing.RecordMarking {
		return "record"
	}
	return "frame"
}

// TestKindLimits: BE8 and BE16 carry what their field holds, whatever
// MaxFrame says.
func TestKindLimits(t *testing.T) {
	for k, most := range map[framing.Kind]int{framing.BE8: 255, framing.BE16: 65535} {
		w := framing.NewWriter(io.Discard, k, framing.MaxFrame(1<<30))
		if err := w.WriteFrame(payload(most)); err != nil {
			t.Errorf("%v: %d bytes: %v", k, most, err)
		}
		if err := w.WriteFrame(payload(most + 1)); !errors.Is(err, framing.ErrFrameTooLarge) {
			t.Errorf("%v: %d bytes: %v, want ErrFrameTooLarge", k, most+1, err)
		}
	}
}

func TestTruncatedEverywhere(t *testing.T) {
	for _, k := range kinds {
		var stream bytes.Buffer
		w := framing.NewWriter(&stream, k, fragOpts(k, 3)...)
		sizes := []int{0, 5, 130}
		boundaries := map[int]bool{0: true}
		for _, n := range sizes {
			if err := w.WriteFrame(payload(n)); err != nil {
				t.Fatal(err)
			}
			boundaries[stream.Len()] = true
		}
		full := stream.Bytes()
		for cut := range len(full) {
			frames, err := readAll(framing.NewReader(iotest.OneByteReader(bytes.NewReader(full[:cut])), k))
			if boundaries[cut] {
				if err != io.EOF {
					t.Fatalf("%v cut at frame boundary %d: %v, want io.EOF", k, cut, err)
				}
				continue
			}
			var fe *framing.Error
			if !errors.As(err, &fe) || !errors.Is(err, io.ErrUnexpectedEOF) || fe.Frame != int64(len(frames)) {
				t.Fatalf("%v cut at %d: after %d frames: %v, want io.ErrUnexpectedEOF in frame %d", k, cut, len(frames), err, len(frames))
			}
		}
	}
}

func TestRecordMarking(t *testing.T) {
	rec := func(last bool, frag string) []byte {
		h := uint32(len(frag))
		if last {
			h |= 1 << 31
		}
		return append(binary.BigEndian.AppendUint32(nil, h), frag...)
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

	t.Run("multi-fragment records", func(t *testing.T) {
		var stream bytes.Buffer
		w := framing.NewWriter(&stream, framing.RecordMarking, framing.FragmentSize(4))
		for _, s := range []string{"abcdefghij", "", "abcd", "xyz"} {
			if err := w.WriteFrame([]byte(s)); err != nil {
				t.Fatal(err)
			}
		}
		want := cat(rec(false, "abcd"), rec(false, "efgh"), rec(true, "ij"), rec(true, ""), rec(true, "abcd"), rec(true, "xyz"))
		if !bytes.Equal(stream.Bytes(), want) {
			t.Fatalf("wrote %x\n want %x", stream.Bytes(), want)
		}
		frames, err := readAll(framing.NewReader(&stream, framing.RecordMarking))
		if err != io.EOF || len(frames) != 4 || string(frames[0]) != "abcdefghij" || len(frames[1]) != 0 || string(frames[3]) != "xyz" {
			t.Errorf("read %q, %v", frames, err)
		}
	})
	t.Run("zero-length fragments", func(t *testing.T) {
		stream := cat(rec(false, ""), rec(false, "ab"), rec(false, ""), rec(true, "c"), rec(false, ""), rec(true, ""))
		frames, err := readAll(framing.NewReader(bytes.NewReader(stream), framing.RecordMarking))
		if err != io.EOF || len(frames) != 2 || string(frames[0]) != "abc" || len(frames[1]) != 0 {
			t.Errorf("read %q, %v", frames, err)
		}
	})
	t.Run("last fragment missing at EOF", func(t *testing.T) {
		stream := cat(rec(true, "ok"), rec(false, "abc"), rec(false, "de"))
		frames, err := readAll(framing.NewReader(bytes.NewReader(stream), framing.RecordMarking))
		var fe *framing.Error
		if len(frames) != 1 || !errors.As(err, &fe) || !errors.Is(err, io.ErrUnexpectedEOF) || fe.Frame != 1 || fe.Offset != 6 {
			t.Errorf("read %q, %v; want io.ErrUnexpectedEOF in record 1 at offset 6", frames, err)
		}
		if !strings.Contains(err.Error(), "last fragment is missing") {
			t.Errorf("message %q should say the last fragment is missing", err)
		}
	})
	t.Run("record over the maximum", func(t *testing.T) {
		stream := cat(rec(false, "abcd"), rec(false, "efgh"), rec(true, "ij"), rec(true, "next"))
		_, err := framing.NewReader(bytes.NewReader(stream), framing.RecordMarking, framing.MaxFrame(9)).ReadFrame()
		var fe *framing.Error
		if !errors.As(err, &fe) || !errors.Is(err, framing.ErrFrameTooLarge) || fe.Size != 10 || fe.Limit != 9 {
			t.Fatalf("err = %v, want ErrFrameTooLarge for 10 > 9", err)
		}
		// In discard mode the rest of the record is skipped, fragment by
		// fragment, and the next record reads.
		r := framing.NewReader(bytes.NewReader(stream), framing.RecordMarking, framing.MaxFrame(9), framing.DiscardTooLarge())
		if _, err := r.ReadFrame(); !errors.Is(err, framing.ErrFrameTooLarge) {
			t.Fatal(err)
		}
		if f, err := r.ReadFrame(); err != nil || string(f) != "next" {
			t.Errorf("after the oversized record: %q, %v", f, err)
		}
	})
	t.Run("oversized record cut short while discarding", func(t *testing.T) {
		stream := cat(rec(false, "abcd"), rec(false, "efgh"))
		r := framing.NewReader(bytes.NewReader(stream), framing.RecordMarking, framing.MaxFrame(3), framing.DiscardTooLarge())
		if _, err := r.ReadFrame(); !errors.Is(err, framing.ErrFrameTooLarge) {
			t.Fatal(err)
		}
		if _, err := r.ReadFrame(); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("err = %v, want io.ErrUnexpectedEOF", err)
		}
	})
}

func TestDiscardMode(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.String(), func(t *testing.T) {
			var stream bytes.Buffer
			w := framing.NewWriter(&stream, k)
			for _, n := range []int{3, 200, 4} {
				if err := w.WriteFrame(payload(n)); err != nil {
					t.Fatal(err)
				}
			}
			for name, wrap := range readers {
				r := framing.NewReader(wrap(bytes.NewReader(stream.Bytes())), k, framing.MaxFrame(100), framing.DiscardTooLarge())
				f, err := r.ReadFrame()
				if err != nil || !bytes.Equal(f, payload(3)) {
					t.Fatalf("%s: frame 0: %v", name, err)
				}
				_, err = r.ReadFrame()
				var fe *framing.Error
				if !errors.As(err, &fe) || !errors.Is(err, framing.ErrFrameTooLarge) || fe.Frame != 1 || fe.Size != 200 {
					t.Fatalf("%s: frame 1: %v, want ErrFrameTooLarge", name, err)
				}
				f, err = r.ReadFrame()
				if err != nil || !bytes.Equal(f, payload(4)) {
					t.Fatalf("%s: frame 2 after the skipped one: %v", name, err)
				}
				if _, err := r.ReadFrame(); err != io.EOF {
					t.Fatalf("%s: end: %v", name, err)
				}
			}
			// Without discard mode the error is final.
			r := framing.NewReader(bytes.NewReader(stream.Bytes()), k, framing.MaxFrame(100))
			r.ReadFrame()
			_, err1 := r.ReadFrame()
			_, err2 := r.ReadFrame()
			if !errors.Is(err1, framing.ErrFrameTooLarge) || err2 != err1 {
				t.Errorf("without discard mode: %v then %v, want the same error twice", err1, err2)
			}
		})
	}
}

// TestHostileHeaders: a header announcing gigabytes with nothing behind it
// costs nothing large, with a limit or without.
func TestHostileHeaders(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.String(), func(t *testing.T) {
			huge := header(k, math.MaxUint32)
			switch k {
			case framing.BE64, framing.Uvarint:
				huge = header(k, 1<<62)
			case framing.RecordMarking:
				huge = []byte{0xff, 0xff, 0xff, 0xff}
			}
			for _, opts := range [][]framing.Option{nil, {framing.MaxFrame(math.MaxInt)}, {framing.DiscardTooLarge()}} {
				read := func() error {
					_, err := framing.NewReader(bytes.NewReader(huge), k, opts...).ReadFrame()
					return err
				}
				err := read()
				if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, framing.ErrFrameTooLarge) {
					t.Errorf("err = %v", err)
				}
				if n := alloc.PerCall(20, func() { _ = read() }); n > 16<<10 {
					t.Errorf("a %d-byte hostile header cost %d bytes", len(huge), n)
				}
			}
		})
	}
}

// TestDiscardDoesNotBuffer: skipping a 10 MB frame costs a buffer's worth
// of memory, not 10 MB.
func TestDiscardDoesNotBuffer(t *testing.T) {
	stream := append(header(framing.BE32, 10<<20), make([]byte, 10<<20)...)
	stream = append(stream, 0, 0, 0, 2, 'o', 'k')
	n := alloc.PerCall(3, func() {
		r := framing.NewReader(bytes.NewReader(stream), framing.BE32, framing.MaxFrame(1<<10), framing.DiscardTooLarge())
		r.ReadFrame()
		if f, err := r.ReadFrame(); err != nil || string(f) != "ok" {
			t.Fatalf("%q, %v", f, err)
		}
	})
	if n > 64<<10 {
		t.Errorf("skipping a 10 MB frame allocated %d bytes", n)
	}
}

// TestReaderMemoryFollowsInput: a frame that announces 8 MB and sends 100
// KB costs memory in proportion to the 100 KB.
func TestReaderMemoryFollowsInput(t *testing.T) {
	stream := append(header(framing.BE32, 8<<20), make([]byte, 100<<10)...)
	n := alloc.PerCall(3, func() {
		_, err := framing.NewReader(iotest.HalfReader(bytes.NewReader(stream)), framing.BE32).ReadFrame()
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatal(err)
		}
	})
	if n > 4*100<<10 {
		t.Errorf("100 KB of an 8 MB frame cost %d bytes", n)
	}
}

func TestLengthOptions(t *testing.T) {
	hello := []byte("HELLO, WORLD")
	tests := []struct {
		name string
		kind framing.Kind
		opts []framing.Option
		want string // hex of the frame
	}{
		// Netty's LengthFieldBasedFrameDecoder examples.
		{"plain", framing.BE16, nil, "000c"},
		{"length counts the header", framing.BE16, []framing.Option{framing.LengthIncludesHeader()}, "000e"},
		{"the same with an adjustment", framing.BE16, []framing.Option{framing.LengthAdjustment(-2)}, "000e"},
		{"length counts a trailer", framing.BE32, []framing.Option{framing.LengthAdjustment(-4)}, "00000010"},
		{"length leaves out part", framing.BE8, []framing.Option{framing.LengthAdjustment(2)}, "0a"},
		{"uvarint counts itself", framing.Uvarint, []framing.Option{framing.LengthIncludesHeader()}, "0d"},
		{"be64 counts itself", framing.BE64, []framing.Option{framing.LengthIncludesHeader()}, "0000000000000014"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := framing.NewWriter(&buf, tt.kind, tt.opts...).WriteFrame(hello); err != nil {
				t.Fatal(err)
			}
			want := append(mustHex(t, tt.want), hello...)
			if !bytes.Equal(buf.Bytes(), want) {
				t.Fatalf("wrote %x, want %x", buf.Bytes(), want)
			}
			f, err := framing.NewReader(&buf, tt.kind, tt.opts...).ReadFrame()
			if err != nil || !bytes.Equal(f, hello) {
				t.Errorf("read %q, %v", f, err)
			}
		})
	}
	// A uvarint that counts itself across a size boundary: 126 bytes and
	// a 1-byte header make 127, which fits one byte; 127 bytes would make
	// 128, which does not, so the header takes 2 bytes and says 129.
	for n, want := range map[int][]byte{126: {0x7f}, 127: {0x81, 0x01}} {
		var buf bytes.Buffer
		w := framing.NewWriter(&buf, framing.Uvarint, framing.LengthIncludesHeader())
		if err := w.WriteFrame(payload(n)); err != nil || !bytes.Equal(buf.Bytes()[:len(want)], want) {
			t.Errorf("%d bytes: wrote %x..., %v; want %x", n, buf.Bytes()[:2], err, want)
		}
		if f, err := framing.NewReader(&buf, framing.Uvarint, framing.LengthIncludesHeader()).ReadFrame(); err != nil || len(f) != n {
			t.Errorf("%d bytes: read %d, %v", n, len(f), err)
		}
	}
}

func TestBadHeaders(t *testing.T) {
	tests := []struct {
		name   string
		kind   framing.Kind
		opts   []framing.Option
		stream string
		msg    string
	}{
		{"length shorter than the header it counts", framing.BE16, []framing.Option{framing.LengthIncludesHeader()},
			"0001ff", "length 1 leaves a frame of -1 bytes"},
		{"uvarint of eleven bytes", framing.Uvarint, nil, "ffffffffffffffffffff01", "uvarint length does not fit in 63 bits"},
		{"uvarint over 63 bits", framing.Uvarint, nil, "ffffffffffffffff8001", "uvarint length does not fit in 63 bits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := framing.NewReader(bytes.NewReader(mustHex(t, tt.stream)), tt.kind, tt.opts...)
			_, err := r.ReadFrame()
			var fe *framing.Error
			if !errors.As(err, &fe) || !errors.Is(err, framing.ErrBadHeader) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %v, want ErrBadHeader saying %q", err, tt.msg)
			}
			if _, again := r.ReadFrame(); again != err {
				t.Errorf("a bad header is final: then %v", again)
			}
		})
	}
	err := framing.NewWriter(io.Discard, framing.BE8, framing.LengthAdjustment(4)).WriteFrame([]byte("ab"))
	if !errors.Is(err, framing.ErrBadHeader) {
		t.Errorf("writing a frame shorter than a positive adjustment: %v", err)
	}
	// A self-counting uvarint with an adjustment of +2 cannot express an
	// empty frame in its shortest form (it would need a length of -1):
	// refused, where it was once written as a wrong header.
	var out bytes.Buffer
	err = framing.NewWriter(&out, framing.Uvarint, framing.LengthIncludesHeader(), framing.LengthAdjustment(2)).WriteFrame(nil)
	if !errors.Is(err, framing.ErrBadHeader) || out.Len() != 0 {
		t.Errorf("empty self-counting uvarint frame with adjustment 2: wrote %x, %v", out.Bytes(), err)
	}
}

// writes counts the Write calls made to it.
type writes struct {
	n int
	bytes.Buffer
}

func (w *writes) Write(p []byte) (int, error) {
	w.n++
	return w.Buffer.Write(p)
}

func TestOneWritePerFrame(t *testing.T) {
	for _, k := range kinds {
		var w writes
		fw := framing.NewWriter(&w, k, fragOpts(k, 2)...)
		for _, n := range []int{0, 1, 7, 255} {
			if err := fw.WriteFrame(payload(n)); err != nil {
				t.Fatal(err)
			}
		}
		if w.n != 4 {
			t.Errorf("%v: 4 frames took %d writes", k, w.n)
		}
	}
}

type failingWriter struct{ short bool }

var errDisk = errors.New("disk on fire")

func (f failingWriter) Write(p []byte) (int, error) {
	if f.short {
		return len(p) / 2, nil
	}
	return 0, errDisk
}

func TestWriteErrors(t *testing.T) {
	err := framing.NewWriter(failingWriter{}, framing.BE32).WriteFrame([]byte("abc"))
	var fe *framing.Error
	if !errors.As(err, &fe) || !errors.Is(err, errDisk) {
		t.Errorf("err = %v, want the writer's error", err)
	}
	err = framing.NewWriter(failingWriter{short: true}, framing.BE32).WriteFrame([]byte("abc"))
	if !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("short write: %v", err)
	}
}

// TestFrameCapacity: a returned frame cannot reach into the buffered bytes
// after it, so appending to it cannot corrupt the next frame.
func TestFrameCapacity(t *testing.T) {
	var stream bytes.Buffer
	w := framing.NewWriter(&stream, framing.BE16)
	w.WriteFrame([]byte("first"))
	w.WriteFrame([]byte("second"))
	r := framing.NewReader(&stream, framing.BE16)
	f, _ := r.ReadFrame()
	if cap(f) != len(f) {
		t.Fatalf("frame has capacity %d beyond its %d bytes", cap(f), len(f))
	}
	_ = append(f, "XXXXXXXX"...)
	if g, err := r.ReadFrame(); err != nil || string(g) != "second" {
		t.Errorf("second frame %q, %v", g, err)
	}
}

// stuck returns no data and no error.
type stuck struct{}

func (stuck) Read([]byte) (int, error) { return 0, nil }

type liar struct{}

func (liar) Read(p []byte) (int, error) { return len(p) + 1, nil }

func TestMisbehavingReaders(t *testing.T) {
	if _, err := framing.NewReader(stuck{}, framing.BE32).ReadFrame(); !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("a reader that never progresses: %v", err)
	}
	if _, err := framing.NewReader(liar{}, framing.BE32).ReadFrame(); err == nil {
		t.Error("a reader returning an impossible count: no error")
	}
	_, err := framing.NewReader(iotest.TimeoutReader(iotest.OneByteReader(bytes.NewReader([]byte{0, 0, 0, 9, 1}))), framing.BE32).ReadFrame()
	if !errors.Is(err, iotest.ErrTimeout) {
		t.Errorf("the reader's error: %v", err)
	}
}

func TestKindNames(t *testing.T) {
	for _, k := range kinds {
		got, err := framing.ParseKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := framing.ParseKind("be24"); err == nil || !strings.Contains(err.Error(), "be8, be16, be32, be64, uvarint or rm") {
		t.Errorf("ParseKind(be24): %v", err)
	}
}

func TestOptionMisuse(t *testing.T) {
	tests := map[string]func(){
		"negative MaxFrame":              func() { framing.NewReader(nil, framing.BE32, framing.MaxFrame(-1)) },
		"FragmentSize outside rm":        func() { framing.NewWriter(nil, framing.BE32, framing.FragmentSize(10)) },
		"zero FragmentSize":              func() { framing.NewWriter(nil, framing.RecordMarking, framing.FragmentSize(0)) },
		"adjusting record marking":       func() { framing.NewReader(nil, framing.RecordMarking, framing.LengthAdjustment(1)) },
		"record marking counting itself": func() { framing.NewReader(nil, framing.RecordMarking, framing.LengthIncludesHeader()) },
		"unknown kind":                   func() { framing.NewReader(nil, framing.Kind(9)) },
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

// fragOpts splits records into n-byte fragments, for the kind that has
// them.
func fragOpts(k framing.Kind, n int) []framing.Option {
	if k == framing.RecordMarking {
		return []framing.Option{framing.FragmentSize(n)}
	}
	return nil
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// HeaderLen agrees with what a Writer writes in front of a payload.
func TestHeaderLen(t *testing.T) {
	for _, k := range kinds {
		for _, n := range []int{0, 1, 127, 128, 255, 300, 16383, 16384, 70000} {
			if k == framing.BE8 && n > 255 || k == framing.BE16 && n > 65535 {
				continue
			}
			var buf bytes.Buffer
			if err := framing.NewWriter(&buf, k).WriteFrame(make([]byte, n)); err != nil {
				t.Fatal(err)
			}
			if got := k.HeaderLen(n); got != buf.Len()-n {
				t.Errorf("%v: HeaderLen(%d) = %d, the Writer wrote %d", k, n, got, buf.Len()-n)
			}
		}
	}
}
