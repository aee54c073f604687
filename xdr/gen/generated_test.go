package gen_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/internal/alloc"
	"github.com/wirekit/wirekit/internal/xdrcorpus/benchref"
	"github.com/wirekit/wirekit/internal/xdrcorpus/benchx"
	"github.com/wirekit/wirekit/internal/xdrcorpus/features"
	"github.com/wirekit/wirekit/internal/xdrcorpus/rfcfile"
	"github.com/wirekit/wirekit/xdr"
)

// These tests hold the code xdr/gen writes (the packages under
// internal/xdrcorpus, kept up to date by TestCorpusGenerated) to the
// xdr package's contract: exact bytes, errors that name the field path
// and the offset, and hostile input refused without panics or big
// allocations.

func rfcFile() *rfcfile.File {
	return &rfcfile.File{Filename: "sillyprog", Type: &rfcfile.FiletypeInterpretor{Interpretor: "lisp"},
		Owner: "john", Data: []byte("(quit)")}
}

func rfcBytes(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "xdr", "file.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGeneratedRFCExampleBytes(t *testing.T) {
	want := rfcBytes(t)
	got, err := rfcFile().MarshalBinary()
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("MarshalBinary = % x, %v; want the RFC's 48 bytes % x", got, err, want)
	}
	// The reflection entry point calls the generated methods.
	if got, err := xdr.Marshal(rfcFile()); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("xdr.Marshal = % x, %v", got, err)
	}
	var f rfcfile.File
	if err := f.UnmarshalBinary(want); err != nil {
		t.Fatal(err)
	}
	if arm, ok := f.Type.(*rfcfile.FiletypeInterpretor); !ok || arm.Interpretor != "lisp" || f.Filename != "sillyprog" ||
		f.Owner != "john" || string(f.Data) != "(quit)" {
		t.Fatalf("decoded %+v (type %#v)", f, f.Type)
	}
	// A union alone goes through the registration the generated init makes.
	var u rfcfile.Filetype = &rfcfile.FiletypeCreator{Creator: "x"}
	b, err := xdr.Marshal(&u)
	if err != nil || !bytes.Equal(b, []byte{0, 0, 0, 1, 0, 0, 0, 1, 'x', 0, 0, 0}) {
		t.Fatalf("xdr.Marshal(&union) = % x, %v", b, err)
	}
}

func TestGeneratedErrorsNameThePathAndOffset(t *testing.T) {
	long := rfcFile()
	long.Type = &rfcfile.FiletypeInterpretor{Interpretor: strings.Repeat("x", 300)}
	_, err := long.MarshalBinary()
	const want = "xdr: file.type.interpretor: string length 300 exceeds max 255 at offset 20"
	if err == nil || err.Error() != want || !errors.Is(err, xdr.ErrMaxLength) {
		t.Fatalf("encoding a 300-byte interpretor: %v; want %q", err, want)
	}

	data := rfcBytes(t)
	tests := []struct {
		name    string
		corrupt func(b []byte) []byte
		want    string
		is      error
	}{
		{"enum discriminant out of range", func(b []byte) []byte { b[19] = 7; return b },
			"xdr: file.type.kind: enum value 7 is not valid at offset 16", xdr.ErrInvalidEnum},
		{"non-zero padding", func(b []byte) []byte { b[15] = 1; return b },
			"xdr: file.filename: padding byte is 0x01, not zero at offset 15", xdr.ErrPadding},
		{"owner over its bound", func(b []byte) []byte { binary.BigEndian.PutUint32(b[28:], 33); return b },
			"xdr: file.owner: string length 33 exceeds max 32 at offset 28", xdr.ErrMaxLength},
		{"trailing data", func(b []byte) []byte { return append(b, 0, 0, 0, 0) },
			"xdr: 4 trailing bytes after the value at offset 48", xdr.ErrTrailingData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f rfcfile.File
			err := f.UnmarshalBinary(tt.corrupt(bytes.Clone(data)))
			if err == nil || err.Error() != tt.want || !errors.Is(err, tt.is) {
				t.Fatalf("got %v; want %q", err, tt.want)
			}
		})
	}
}

func TestGeneratedTruncatedInputFailsEverywhere(t *testing.T) {
	data := rfcBytes(t)
	for n := range len(data) {
		var f rfcfile.File
		err := f.UnmarshalBinary(data[:n])
		var xe *xdr.Error
		if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.As(err, &xe) || xe.Offset > int64(n) {
			t.Fatalf("%d of %d bytes: %v; want io.ErrUnexpectedEOF at an offset within the input", n, len(data), err)
		}
	}
	// On a stream, a clean end before a value is io.EOF; the values
	// before it decode.
	stream := append(bytes.Clone(data), data...)
	d := xdr.NewDecoder(bytes.NewReader(stream))
	for i := range 2 {
		var f rfcfile.File
		if err := d.Decode(&f); err != nil || f.Owner != "john" {
			t.Fatalf("value %d: %v", i, err)
		}
	}
	var f rfcfile.File
	if err := d.Decode(&f); err != io.EOF {
		t.Fatalf("after the last value: %v; want io.EOF", err)
	}
}

// A run of fixed-size members is read with one bounds check; its errors
// must still say which member and where, as the reflection codec does.
func TestGeneratedRunErrorsMatchTheReflectionCodec(t *testing.T) {
	b, err := (&benchx.Small{Name: "ab", Phone: "c", Spouse: true}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	spouse := 4 + 4 + 8 + 4 + 4 + 4 // name, birthDay, phone, siblings
	bad := bytes.Clone(b)
	bad[spouse+3] = 2
	var g benchx.Small
	genErr := g.UnmarshalBinary(bad)
	var r benchref.Small
	refErr := xdr.Unmarshal(bad, &r)
	var ge, re *xdr.Error
	if !errors.As(genErr, &ge) || !errors.As(refErr, &re) || ge.Offset != re.Offset || ge.Offset != int64(spouse) ||
		!errors.Is(genErr, xdr.ErrInvalidBool) || ge.Path != "small.spouse" {
		t.Fatalf("bool 2 in spouse: generated %v, reflection %v; want both at offset %d", genErr, refErr, spouse)
	}
	// Truncated inside the run.
	if err := g.UnmarshalBinary(b[:spouse+2]); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated in the run: %v", err)
	}
}

func TestGeneratedUnionArms(t *testing.T) {
	ok := &features.NumberSmall{Small: 1}
	tests := []struct {
		name string
		v    features.Holder
		want string
	}{
		{"nil union", features.Holder{N: ok}, "xdr: holder.r: union Result is nil at offset 0"},
		{"shared arm with a discriminant of another arm", features.Holder{R: &features.ResultWhy{C: features.BLUE}, N: ok},
			"xdr: holder.r: union Result: ResultWhy holds discriminant BLUE, which selects another arm at offset 0"},
		{"default arm with a discriminant a case names", features.Holder{R: &features.ResultBLUE{}, N: &features.NumberDefault{Kind: 1}},
			"xdr: holder.n: union Number: the default arm holds discriminant 1, which selects another arm at offset 4"},
		{"nil arm pointer", features.Holder{R: (*features.ResultBLUE)(nil), N: ok},
			"xdr: holder.r: union Result holds a nil *ResultBLUE at offset 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.v.MarshalBinary()
			if err == nil || err.Error() != tt.want || !errors.Is(err, xdr.ErrUnionArm) {
				t.Fatalf("got %v; want %q", err, tt.want)
			}
		})
	}
	// Decoding: a discriminant outside the enum.
	var h features.Holder
	if err := h.UnmarshalBinary([]byte{0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 5}); err == nil ||
		err.Error() != "xdr: holder.r.c: enum value 3 is not valid at offset 0" {
		t.Fatalf("color 3: %v", err)
	}
	// An invalid enum member is refused on encoding too.
	bad := features.Color(3)
	if _, err := bad.MarshalBinary(); !errors.Is(err, xdr.ErrInvalidEnum) {
		t.Fatalf("Color(3): %v", err)
	}
	if features.Color(3).Valid() || !features.BLUE.Valid() || features.BLUE.String() != "BLUE" || features.Color(3).String() != "Color(3)" {
		t.Fatal("enum Valid/String")
	}
	// The shared arm keeps its discriminant; the default arm its own.
	var r features.Result = &features.ResultWhy{C: features.GREEN, Why: "because"}
	b, err := xdr.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	var back features.Result
	if err := xdr.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if w, ok := back.(*features.ResultWhy); !ok || w.C != features.GREEN || w.Why != "because" {
		t.Fatalf("round trip of a shared arm: %#v", back)
	}
}

func TestGeneratedDepthAndAllocationLimits(t *testing.T) {
	// A list longer than MaxDepth is refused both ways.
	var head *features.Node
	for i := range 300 {
		head = &features.Node{Value: int32(i), Next: head}
	}
	if _, err := head.MarshalBinary(); !errors.Is(err, xdr.ErrDepth) {
		t.Fatalf("encoding 300 nodes: %v; want ErrDepth", err)
	}
	var deep []byte
	for range 300 {
		deep = append(deep, 0, 0, 0, 1, 0, 0, 0, 1) // value 1, next present
	}
	deep = append(deep, 0, 0, 0, 0, 0, 0, 0, 0)
	var n features.Node
	if err := n.UnmarshalBinary(deep); !errors.Is(err, xdr.ErrDepth) {
		t.Fatalf("decoding 300 nodes: %v; want ErrDepth", err)
	}
	if err := (xdr.Limits{MaxDepth: 1000}).Unmarshal(deep, &n); err != nil {
		t.Fatalf("with MaxDepth 1000: %v", err)
	}

	// A tree's children are bounded by <3>.
	tree := []byte{0, 0, 0, 0, 0, 0, 0, 4}
	var tr features.Tree
	if err := tr.UnmarshalBinary(tree); !errors.Is(err, xdr.ErrMaxLength) {
		t.Fatalf("4 children: %v; want ErrMaxLength", err)
	}

	// An unbounded array announcing 2^28 elements in 8 bytes fails
	// before allocating for them.
	huge := []byte{0x10, 0, 0, 0, 0, 0, 0, 1}
	var err error
	perCall := alloc.PerCall(10, func() {
		var p features.Palette
		err = p.UnmarshalBinary(huge)
	})
	if !errors.Is(err, io.ErrUnexpectedEOF) || perCall > 1024 {
		t.Fatalf("2^28 colors in 8 bytes: %v after %d bytes allocated", err, perCall)
	}
	// The same count on a stream is bounded by MaxBytes instead.
	var p features.Palette
	if err := (xdr.Limits{MaxBytes: 1 << 20}).NewDecoder(bytes.NewReader(huge)).Decode(&p); !errors.Is(err, xdr.ErrLimit) {
		t.Fatalf("2^28 colors on a stream with MaxBytes 1 MiB: %v; want ErrLimit", err)
	}
}
