package fuzz

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"testing"
	"testing/iotest"

	"github.com/wirekit/wirekit/internal/alloc"
	"github.com/wirekit/wirekit/xdr"
)

// Types the XDR fuzz target decodes into: between them they use every
// kind of value the codec supports.

type fileKind int32

func (fileKind) ValidEnum(v int32) bool { return v >= 0 && v <= 2 }

type fileType interface{ isFileType() }
type textFile struct{}
type dataFile struct {
	Creator string `xdr:"max=255"`
}
type execFile struct {
	Interpretor string `xdr:"max=255"`
}

func (*textFile) isFileType() {}
func (*dataFile) isFileType() {}
func (*execFile) isFileType() {}

type file struct {
	Filename string `xdr:"max=255"`
	Type     fileType
	Owner    string `xdr:"max=32"`
	Data     []byte `xdr:"max=65535"`
}

type shape interface{ isShape() }
type noShape struct{}
type circle struct{ R float64 }
type box struct {
	Kind int32 `xdr:"discriminant"`
	W, H float32
}
type blob struct {
	Kind int32 `xdr:"discriminant"`
	Data [3]byte
}

func (noShape) isShape() {}
func (circle) isShape()  {}
func (*box) isShape()    {}
func (blob) isShape()    {}

type node struct {
	Val  int32
	Next *node
}

// stamp encodes itself: a hyper, with a bound of its own.
type stamp struct{ N int64 }

func (s *stamp) MarshalXDR(e *xdr.Encoder) error {
	e.PutInt64(s.N)
	return nil
}

func (s *stamp) UnmarshalXDR(d *xdr.Decoder) error {
	n, err := d.Int64()
	if err == nil && n < 0 {
		return errNegativeStamp
	}
	s.N = n
	return err
}

var errNegativeStamp = errors.New("negative stamp")

// chain recurses through Decode from its own method, as user code may.
type chain struct {
	V    string
	Next *chain
}

func (c *chain) MarshalXDR(e *xdr.Encoder) error {
	if err := e.PutString(c.V, 8); err != nil {
		return err
	}
	e.PutOptional(c.Next != nil)
	if c.Next != nil {
		return e.Encode(c.Next)
	}
	return nil
}

func (c *chain) UnmarshalXDR(d *xdr.Decoder) error {
	v, err := d.String(8)
	if err != nil {
		return err
	}
	more, err := d.Optional()
	if err != nil {
		return err
	}
	c.V, c.Next = v, nil
	if more {
		c.Next = new(chain)
		return d.Decode(c.Next)
	}
	return nil
}

type rich struct {
	When  stamp
	A     int32
	B     uint64
	C     bool
	D     float32
	K     fileKind
	S     string `xdr:"max=16"`
	O     []byte
	F     [5]byte
	Q     xdr.Quadruple
	Grid  [2][2]int64
	Shape shape
	Many  []shape `xdr:"max=4"`
	Opt   *rich
	List  *node
	Words [][]string
	Flags []bool
}

func init() {
	xdr.RegisterUnion[fileType](xdr.Case[*textFile](fileKind(0)), xdr.Case[*dataFile](fileKind(1)), xdr.Case[*execFile](fileKind(2)))
	xdr.RegisterUnion[shape](xdr.Case[noShape](int32(0)), xdr.Case[circle](int32(1)),
		xdr.Case[*box](int32(2), int32(3)), xdr.Default[blob]())
}

var xdrTargets = []func() any{
	func() any { return new(file) },
	func() any { return new(rich) },
	func() any { return new([]shape) },
	func() any { return new(node) },
	func() any { return new([]string) },
	func() any { return new([]chain) },
}

// xdrLimits are small, so the fuzzer reaches every limit.
var xdrLimits = xdr.Limits{MaxDepth: 8, MaxBytes: 4096, MaxElements: 64}

func xdrSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	values := []any{
		&file{"sillyprog", &execFile{"lisp"}, "john", []byte("(quit)")},
		&file{"notes", &textFile{}, "", nil},
		&rich{A: -1, S: "abc", O: []byte{1, 2, 3, 4, 5}, Shape: &box{Kind: 3, W: 1},
			Many: []shape{noShape{}, circle{2}, blob{Kind: 9}}, Opt: &rich{Shape: noShape{}},
			List: &node{1, &node{2, nil}}, Words: [][]string{{"a", "bc"}}, Flags: []bool{true}},
		&[]shape{circle{1}, &box{Kind: 2}},
		&node{1, &node{2, &node{3, nil}}},
		&[]string{"", "a", "abcde"},
		&[]chain{{V: "a", Next: &chain{V: "bc"}}, {V: "d"}},
	}
	var seeds [][]byte
	for _, v := range values {
		b, err := xdr.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return append(seeds,
		nil,
		[]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, // 4 GiB length, 4 bytes
		[]byte{0, 0, 0, 3, 'a', 'b', 'c', 1},       // non-zero padding
		bytes.Repeat([]byte{0, 0, 0, 1}, 100),      // deep optional-data
	)
}

// allocatedBytes is the runtime's running total of heap allocation. It is
// updated a span at a time, so it is coarse; the bound allows for that.
func allocatedBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

var xdrSentinels = []error{io.ErrUnexpectedEOF, xdr.ErrMaxLength, xdr.ErrPadding, xdr.ErrInvalidBool,
	xdr.ErrInvalidEnum, xdr.ErrUnionArm, xdr.ErrTrailingData, xdr.ErrDepth, xdr.ErrLimit}

// FuzzXDRUnmarshal decodes arbitrary bytes into several types. Properties:
//   - no panic, no hang, memory within a multiple of the input;
//   - every error is an *xdr.Error wrapping a documented sentinel;
//   - XDR encodings are canonical (zero padding, bools 0 or 1), so whatever
//     decodes re-encodes to exactly the input;
//   - a stream Decoder fed one byte at a time agrees with Unmarshal.
//
// Regression seeds found by fuzzing are kept in
// testdata/fuzz/FuzzXDRUnmarshal/regress-*.
func FuzzXDRUnmarshal(f *testing.F) {
	for _, s := range xdrSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, target := range xdrTargets {
			v := target()
			before := allocatedBytes()
			err := xdrLimits.Unmarshal(data, v)
			budget := 64*uint64(len(data)) + 64<<10
			if used := allocatedBytes() - before; used > budget {
				// The cheap counter is coarse and counts the fuzzing
				// worker too: measure again, precisely, before failing.
				used = alloc.Least(func() { _ = xdrLimits.Unmarshal(data, target()) })
				if used > budget {
					t.Fatalf("%T: decoding %d bytes allocated %d", v, len(data), used)
				}
			}
			checkXDRError(t, err)

			// The stream decodes one value from the front of data; it must
			// succeed where Unmarshal does, and where it consumes all of
			// data (within MaxBytes), Unmarshal must succeed too.
			w := target()
			dec := xdrLimits.NewDecoder(iotest.OneByteReader(bytes.NewReader(data)))
			serr := dec.Decode(w)
			if err == nil && serr != nil {
				t.Fatalf("%T: Unmarshal succeeds, stream Decode fails: %v", v, serr)
			}
			if serr == nil && dec.Offset() == int64(len(data)) && len(data) <= xdrLimits.MaxBytes && err != nil {
				t.Fatalf("%T: stream Decode succeeds on all %d bytes, Unmarshal fails: %v", v, len(data), err)
			}
			if err != nil {
				continue
			}
			// Equality is by encoding: values may hold NaNs, which
			// reflect.DeepEqual never finds equal.
			for _, decoded := range []any{v, w} {
				again, err := xdrLimits.Marshal(decoded)
				if err != nil {
					t.Fatalf("%T: decoded value does not re-encode: %v", v, err)
				}
				if !bytes.Equal(again, data) {
					t.Fatalf("%T: re-encoding differs:\n in  %x\n out %x", v, data, again)
				}
			}
		}
	})
}

func checkXDRError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var xe *xdr.Error
	if !errors.As(err, &xe) {
		t.Fatalf("error %v (%T) is not an *xdr.Error", err, err)
	}
	for _, s := range xdrSentinels {
		if errors.Is(err, s) {
			return
		}
	}
	if errors.Is(err, errNegativeStamp) {
		return // stamp's own error, wrapped with its offset
	}
	t.Fatalf("error %v wraps no documented sentinel", err)
}

var writeSeeds = flag.Bool("write-seeds", false, "rewrite the seed corpus files under testdata/fuzz")

// TestWriteXDRSeeds keeps testdata/fuzz/FuzzXDRUnmarshal in step with
// xdrSeeds: go test ./fuzz -run WriteXDRSeeds -write-seeds.
func TestWriteXDRSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -write-seeds to rewrite the corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzXDRUnmarshal")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range xdrSeeds(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
