package fuzz

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/inspect"
	"github.com/wirekit/wirekit/internal/alloc"
)

// inspectBase is the stream offset the fuzz target parses at, so that
// offsets that forget the base show up.
const inspectBase = 1 << 20

// inspectBudget is how much parsing n bytes may allocate. The most an
// input byte can cost is one Item (208 bytes) and its slot in a parent's
// Children (8, doubled by append's growth): measured at 250 bytes a byte
// for arrays of 0x00, of empty arrays, and for chunks of empty strings.
func inspectBudget(n int) uint64 { return 512*uint64(n) + 64<<10 }

var inspectSentinels = []error{io.ErrUnexpectedEOF, inspect.ErrMalformed, inspect.ErrDepth, inspect.ErrTrailingData}

// FuzzInspect parses arbitrary bytes as CBOR and as MessagePack.
// Properties:
//   - no panic, no hang, memory within inspectBudget;
//   - every error is an *inspect.Error wrapping a documented sentinel, at
//     an offset within the input;
//   - a value that parses spans the whole input, and all four writers
//     write it: WriteJSON valid JSON, WriteDiag one line.
func FuzzInspect(f *testing.F) {
	for _, s := range inspectSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []struct {
			name  string
			parse func([]byte, int64, int) (*inspect.Item, error)
		}{{"cbor", inspect.ParseCBOR}, {"msgpack", inspect.ParseMsgpack}} {
			before := allocatedBytes()
			it, err := format.parse(data, inspectBase, 16)
			budget := inspectBudget(len(data))
			if used := allocatedBytes() - before; used > budget {
				used = alloc.Least(func() { _, _ = format.parse(data, inspectBase, 16) })
				if used > budget {
					t.Fatalf("%s: parsing %d bytes allocated %d", format.name, len(data), used)
				}
			}
			if err != nil {
				checkInspectError(t, format.name, err, len(data))
				continue
			}
			if it.Offset != inspectBase || it.Len != int64(len(data)) {
				t.Fatalf("%s: item at %d of %d bytes, input at %d of %d", format.name, it.Offset, it.Len, inspectBase, len(data))
			}
			var out bytes.Buffer
			if err := inspect.WriteDiag(&out, it); err != nil {
				t.Fatalf("%s: WriteDiag: %v", format.name, err)
			}
			if bytes.ContainsRune(out.Bytes(), '\n') {
				t.Fatalf("%s: WriteDiag wrote more than one line: %q", format.name, out.Bytes())
			}
			out.Reset()
			if err := inspect.WriteJSON(&out, it); err != nil {
				t.Fatalf("%s: WriteJSON: %v", format.name, err)
			}
			if !json.Valid(out.Bytes()) {
				t.Fatalf("%s: WriteJSON wrote invalid JSON: %s", format.name, out.Bytes())
			}
			for _, w := range []func(io.Writer, *inspect.Item) error{inspect.WriteText, inspect.WriteAnnotate} {
				if err := w(io.Discard, it); err != nil {
					t.Fatalf("%s: %v", format.name, err)
				}
			}
		}
	})
}

func checkInspectError(t *testing.T, name string, err error, n int) {
	t.Helper()
	var ie *inspect.Error
	if !errors.As(err, &ie) {
		t.Fatalf("%s: error %v (%T) is not an *inspect.Error", name, err, err)
	}
	if ie.Offset < inspectBase || ie.Offset > inspectBase+int64(n) {
		t.Fatalf("%s: error %v: offset outside the %d bytes of input at %d", name, err, n, inspectBase)
	}
	for _, s := range inspectSentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("%s: error %v wraps no documented sentinel", name, err)
}

// inspectSeeds are RFC 8949 Appendix A's examples, MessagePack of every
// kind, and hostile inputs of both.
func inspectSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "inspect", "rfc8949-appendix-a.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var seeds [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		h, _, ok := strings.Cut(sc.Text(), "\t")
		if !ok || strings.HasPrefix(h, "#") {
			continue
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return append(seeds,
		// MessagePack: {"a": [1, -1, 1.5, "s", bin, ext, timestamp32, timestamp96]}
		[]byte("\x81\xa1a\x98\x01\xff\xca\x3f\xc0\x00\x00\xa1s\xc4\x01\x00\xd4\x05\x01\xd6\xff\x5f\x5e\x10\x00\xc7\x0c\xff\x00\x00\x00\x01\xff\xff\xff\xff\xff\xff\xff\xff"),
		[]byte("\xdc\x00\x02\xd3\x80\x00\x00\x00\x00\x00\x00\x00\xcb\x7f\xf8\x00\x00\x00\x00\x00\x01"),
		[]byte("\xde\x00\x01\x92\xc0\xc3\xd8\x01\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"),
		nil,
		bytes.Repeat([]byte{0x81}, 40), // CBOR nesting beyond 16
		append(bytes.Repeat([]byte{0x91}, 20), 0),                          // MessagePack nesting beyond 16
		[]byte{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},       // array of 2^64-1 items
		[]byte{0xdd, 0xff, 0xff, 0xff, 0xff},                               // array32 of 4 Gi items
		[]byte{0x5f, 0x41, 0x00, 0x61, 0x61, 0xff},                         // text chunk in a byte string
		[]byte{0xbf, 0x00, 0xff},                                           // map ends after a key
		[]byte{0xf8, 0x10},                                                 // simple value in two bytes
		[]byte{0xc1, 0xfb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0},                   // epoch time +Inf
		[]byte{0xa1, 0xa1, 0x80, 0x5f, 0xff, 0x7f, 0x62, 0xc3, 0xbc, 0xff}, // nested map key, empty chunked strings
		[]byte{0x62, 0xff, 0xfe},                                           // invalid UTF-8
		[]byte{0x00, 0x00},                                                 // trailing data
	)
}

// TestWriteInspectSeeds keeps testdata/fuzz/FuzzInspect in step with
// inspectSeeds: go test ./fuzz -run WriteInspectSeeds -write-seeds.
func TestWriteInspectSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -write-seeds to rewrite the corpus")
	}
	writeSeedCorpus(t, "FuzzInspect", bytesBodies(inspectSeeds(t)))
}
