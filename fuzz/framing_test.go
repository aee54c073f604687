package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/wirekit/wirekit/framing"
	"github.com/wirekit/wirekit/internal/alloc"
)

var framingKinds = []framing.Kind{framing.BE8, framing.BE16, framing.BE32, framing.BE64, framing.Uvarint, framing.RecordMarking}

// framingOptions decodes a fuzzed byte into options: a small limit
// always, discard mode, and for kinds other than record marking a length
// adjustment or a length that counts its header.
func framingOptions(k framing.Kind, sel uint8) (opts []framing.Option, discard bool) {
	opts = []framing.Option{framing.MaxFrame(64)}
	discard = sel&1 != 0
	if discard {
		opts = append(opts, framing.DiscardTooLarge())
	}
	if k == framing.RecordMarking {
		if sel&2 != 0 {
			opts = append(opts, framing.FragmentSize(3))
		}
		return opts, discard
	}
	if sel&2 != 0 {
		opts = append(opts, framing.LengthIncludesHeader())
	}
	if adj := int(sel>>2&3) - 1; adj != 0 {
		opts = append(opts, framing.LengthAdjustment(adj))
	}
	return opts, discard
}

type framingResult struct {
	frames [][]byte
	errs   []string // non-final errors (discard mode), then the final one
}

// readFrames reads until a final error (in discard mode an oversized frame
// is not final). It fails the test if the reader does not end within one
// frame per input byte.
func readFrames(t *testing.T, r framing.Reader, limit int, discard bool) framingResult {
	var res framingResult
	var last error
	for range limit + 2 {
		f, err := r.ReadFrame()
		if err == nil {
			res.frames = append(res.frames, bytes.Clone(f))
			continue
		}
		if err == last {
			return res // an oversized frame that cannot be skipped is final too
		}
		last = err
		res.errs = append(res.errs, describe(t, err))
		if !discard || !errors.Is(err, framing.ErrFrameTooLarge) {
			if again, err2 := r.ReadFrame(); again != nil || err2 != err {
				t.Fatalf("after final error %v: %q, %v", err, again, err2)
			}
			return res
		}
	}
	t.Fatalf("reader did not end within %d frames", limit+2)
	return res
}

// describe checks an error is documented and names it.
func describe(t *testing.T, err error) string {
	t.Helper()
	if err == io.EOF {
		return "EOF"
	}
	var fe *framing.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *framing.Error", err, err)
	}
	for _, s := range []error{io.ErrUnexpectedEOF, framing.ErrFrameTooLarge, framing.ErrBadHeader} {
		if errors.Is(err, s) {
			return fmt.Sprintf("%v@%d/%d", s, fe.Frame, fe.Offset)
		}
	}
	t.Fatalf("error %v wraps no documented sentinel", err)
	return ""
}

// FuzzFramingReader reads arbitrary bytes as frames of every kind, with
// small limits and fuzzed options. Properties: no panic or hang; memory
// within a multiple of the input; errors documented; the same frames and
// errors whether the bytes arrive at once or one at a time; and frames
// written back with the same options read back the same.
func FuzzFramingReader(f *testing.F) {
	for _, s := range framingSeeds(f) {
		f.Add(s.data, s.kind, s.sel)
	}
	f.Fuzz(func(t *testing.T, data []byte, kind, sel uint8) {
		k := framingKinds[int(kind)%len(framingKinds)]
		opts, discard := framingOptions(k, sel)

		before := allocatedBytes()
		whole := readFrames(t, framing.NewReader(bytes.NewReader(data), k, opts...), len(data), discard)
		budget := 64*uint64(len(data)) + 64<<10
		if used := allocatedBytes() - before; used > budget {
			used = alloc.Least(func() { readFrames(t, framing.NewReader(bytes.NewReader(data), k, opts...), len(data), discard) })
			if used > budget {
				t.Fatalf("%v: reading %d bytes allocated %d", k, len(data), used)
			}
		}

		slow := readFrames(t, framing.NewReader(iotest.OneByteReader(bytes.NewReader(data)), k, opts...), len(data), discard)
		if fmt.Sprint(slow) != fmt.Sprint(whole) {
			t.Fatalf("%v: one byte at a time differs:\n whole %v\n slow  %v", k, whole, slow)
		}
		odd := readFrames(t, framing.NewReader(&stutter{r: bytes.NewReader(data), seed: sel}, k, opts...), len(data), discard)
		if fmt.Sprint(odd) != fmt.Sprint(whole) {
			t.Fatalf("%v: in odd pieces differs:\n whole %v\n odd   %v", k, whole, odd)
		}

		var out bytes.Buffer
		w := framing.NewWriter(&out, k, opts...)
		written := 0
		for _, frame := range whole.frames {
			err := w.WriteFrame(frame)
			if err != nil && k == framing.Uvarint && errors.Is(err, framing.ErrBadHeader) {
				// A reader accepts a uvarint padded to more bytes than it
				// needs, which can express a frame that a writer, always
				// writing the shortest form, cannot: refused, not garbled.
				continue
			}
			if err != nil {
				t.Fatalf("%v: a frame that was read cannot be written: %v", k, err)
			}
			whole.frames[written] = frame
			written++
		}
		whole.frames = whole.frames[:written]
		again := readFrames(t, framing.NewReader(&out, k, opts...), out.Len(), discard)
		if fmt.Sprint(again.frames) != fmt.Sprint(whole.frames) || len(again.errs) != 1 || again.errs[0] != "EOF" {
			t.Fatalf("%v: round trip:\n read    %v\n re-read %v", k, whole, again)
		}
	})
}

// stutter delivers its input in pieces of varying size, with reads that
// return nothing in between: all legal for an io.Reader.
type stutter struct {
	r    io.Reader
	seed uint8
	n    int
}

func (s *stutter) Read(p []byte) (int, error) {
	s.n++
	if s.n%3 == 0 {
		return 0, nil
	}
	size := 1 + (s.n*int(s.seed|1)*37)%5000
	return s.r.Read(p[:min(len(p), size)])
}

type framingSeed struct {
	data      []byte
	kind, sel uint8
}

func framingSeeds(tb testing.TB) []framingSeed {
	var seeds []framingSeed
	for i, k := range framingKinds {
		for _, sel := range []uint8{0, 1, 2, 5} {
			var buf bytes.Buffer
			opts, _ := framingOptions(k, sel)
			w := framing.NewWriter(&buf, k, opts...)
			for _, p := range []string{"", "a", "hello, world", "0123456789012345678901234567890123456789"} {
				if err := w.WriteFrame([]byte(p)); err != nil {
					tb.Fatal(err)
				}
			}
			seeds = append(seeds, framingSeed{buf.Bytes(), uint8(i), sel})
		}
	}
	return append(seeds,
		framingSeed{[]byte{0xff, 0xff, 0xff, 0xff}, 2, 0},                      // 4 GiB, nothing behind
		framingSeed{[]byte{0x00, 0x00, 0x00, 0x03, 'a', 'b', 'c', 0x80}, 5, 1}, // record missing its last fragment
		framingSeed{bytes.Repeat([]byte{0xff}, 11), 4, 0},                      // uvarint too long
		framingSeed{[]byte{0, 1, 'x', 0, 100, 1, 2}, 1, 1},                     // oversized BE16 frame, discarded
	)
}

// TestWriteFramingSeeds rewrites testdata/fuzz/FuzzFramingReader from
// framingSeeds: go test ./fuzz -run WriteFramingSeeds -write-seeds.
func TestWriteFramingSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -write-seeds to rewrite the corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzFramingReader")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range framingSeeds(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\nbyte(%q)\nbyte(%q)\n", s.data, s.kind, s.sel)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
