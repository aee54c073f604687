package marshal_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/wirekit/wirekit/internal/alloc"
	"github.com/wirekit/wirekit/marshal"
)

// The five bytes: a MessagePack array32 header announcing 2^32-1
// elements. msgpack.Unmarshal preallocates the slice it announces (32 GiB
// for []int64); the codec must refuse it having allocated almost nothing,
// also when MaxElements would allow the count.
func TestMsgpackAllocationBombIsRefused(t *testing.T) {
	bomb := []byte{0xdd, 0xff, 0xff, 0xff, 0xff}
	for _, lim := range []marshal.Limits{{}, {MaxElements: math.MaxInt}} {
		c := lookup(t, lim, "msgpack")
		var err error
		used := alloc.Least(func() {
			var v []int64
			err = c.Unmarshal(bomb, &v)
		})
		if err == nil {
			t.Fatalf("%+v: the bomb decoded", lim)
		}
		checkError(t, err, "msgpack")
		if used >= 64<<10 {
			t.Errorf("%+v: refusing the bomb allocated %d bytes", lim, used)
		}
		if lim.MaxElements > 0 && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%+v: %v, want io.ErrUnexpectedEOF (the count cannot fit in the input)", lim, err)
		}
		t.Logf("%+v: %v (%d bytes allocated)", lim, err, used)
	}

	// The same attack at a size that is safe to run shows what the codec
	// prevents: three bytes make the library allocate half a megabyte.
	small := []byte{0xdc, 0xff, 0xff}
	raw := alloc.Least(func() {
		var v []int64
		_ = msgpack.Unmarshal(small, &v)
	})
	ours := alloc.Least(func() {
		var v []int64
		_ = lookup(t, marshal.Limits{}, "msgpack").Unmarshal(small, &v)
	})
	if raw < 512<<10 || ours >= 64<<10 {
		t.Errorf("array16 of 65535: the library allocated %d bytes, the codec %d", raw, ours)
	}
}

// The library decodes an extension into a Go map by reading a map from
// its payload, which the structural check treats as opaque bytes: ten
// bytes (fixext 8 holding a map32 header of 2^32-1 pairs) would make it
// allocate a map of a million entries. The codec checks such payloads as
// maps when the destination has maps.
func TestMsgpackExtensionReadAsAMapIsChecked(t *testing.T) {
	bomb := []byte{0xd7, 0x00, 0xdf, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00}
	raw := alloc.Least(func() {
		var m map[string]int
		_ = msgpack.Unmarshal(bomb, &m)
	})
	c := lookup(t, marshal.Limits{}, "msgpack")
	var err error
	ours := alloc.Least(func() {
		var m map[string]int
		err = c.Unmarshal(bomb, &m)
	})
	if !errors.Is(err, marshal.ErrMalformed) || !strings.Contains(err.Error(), "extension payload at offset 2") {
		t.Errorf("%v, want ErrMalformed naming the payload", err)
	}
	checkError(t, err, "msgpack")
	if raw < 1<<20 || ours >= 64<<10 {
		t.Errorf("the library allocated %d bytes, the codec %d", raw, ours)
	}
	// A struct with a map field, through a stream, is checked too.
	type holder struct{ M map[string][]int64 }
	var h holder
	in := append([]byte{0x81, 0xa1, 'M'}, 0xd8, 0x00, 0x81, 0xa1, 'k', 0xdd, 0xff, 0xff, 0xff, 0xff)
	in = append(in, make([]byte, 8)...)
	if err := c.NewDecoder(bytes.NewReader(in)).Decode(&h); !errors.Is(err, marshal.ErrMalformed) {
		t.Errorf("in a struct, through a Decoder: %v, want ErrMalformed", err)
	}
	// Without a map to land in, an extension is left to the library: a
	// timestamp whose seconds start with a map header byte decodes.
	stamp := []byte{0xd6, 0xff, 0x8f, 0x00, 0x00, 0x00}
	var at time.Time
	if err := c.Unmarshal(stamp, &at); err != nil || at.Unix() != 0x8f000000 {
		t.Errorf("timestamp: %v, %v", at, err)
	}
	// A sound map inside an extension decodes into a map, as the
	// library does it.
	ok := []byte{0xd6, 0x05, 0x81, 0xa1, 'a', 0x07}
	var m map[string]int
	if err := c.Unmarshal(ok, &m); err != nil || m["a"] != 7 {
		t.Errorf("sound map in an extension: %v, %v", m, err)
	}
}

// nestedArrays returns n MessagePack arrays, each holding the next, around
// a nil.
func nestedArrays(n int) []byte { return append(bytes.Repeat([]byte{0x91}, n), 0xc0) }

// 100,000 nested arrays are refused without recursing that deep: the
// MessagePack and JSON checks walk on an explicit stack, and the CBOR
// library stops recursing at MaxNestedLevels (the default MaxDepth, 1000).
// The test runs in a child process whose goroutines may not grow their
// stacks past 1 MiB (room for 1000 levels of the CBOR library's recursion
// even under the race detector), where the MessagePack library alone dies.
func TestDeepNestingIsRefusedWithoutStackGrowth(t *testing.T) {
	inputs := map[string][]byte{
		"msgpack": nestedArrays(100_000),
		"cbor":    append(bytes.Repeat([]byte{0x81}, 100_000), 0xf6),
		"json":    []byte(strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)),
	}
	switch mode := os.Getenv("MARSHAL_DEEP"); mode {
	case "codec":
		debug.SetMaxStack(1 << 20)
		for name, data := range inputs {
			c, _ := marshal.Lookup(name)
			var v, w any
			if err := c.Unmarshal(data, &v); !errors.Is(err, marshal.ErrDepth) {
				t.Errorf("%s: %v, want ErrDepth", name, err)
			}
			if err := c.NewDecoder(bytes.NewReader(data)).Decode(&w); !errors.Is(err, marshal.ErrDepth) {
				t.Errorf("%s Decoder: %v, want ErrDepth", name, err)
			}
		}
		return
	case "library":
		debug.SetMaxStack(1 << 20)
		var v any
		_ = msgpack.Unmarshal(inputs["msgpack"], &v)
		return
	}
	run := func(mode string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDeepNestingIsRefusedWithoutStackGrowth$", "-test.v")
		cmd.Env = append(os.Environ(), "MARSHAL_DEEP="+mode)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("codec"); err != nil {
		t.Fatalf("the codecs in a 1 MiB stack: %v\n%.2000s", err, out)
	}
	if out, err := run("library"); err == nil || !strings.Contains(out, "stack exceeds") {
		t.Errorf("msgpack alone in a 1 MiB stack: %v; expected it to die of stack exhaustion:\n%.400s", err, out)
	}
}

// Valid input is unaffected by the checks: nesting and counts right at
// the limits decode.
func TestInputAtTheLimitsDecodes(t *testing.T) {
	lim := marshal.Limits{MaxDepth: 50, MaxElements: 100}
	deep := any(nil)
	for range 50 {
		deep = []any{deep}
	}
	wide := make([]any, 100)
	for i := range wide {
		wide[i] = int64(i)
	}
	for _, name := range []string{"json", "msgpack", "cbor"} {
		for what, v := range map[string]any{"deep": deep, "wide": wide} {
			c := lookup(t, lim, name)
			data, err := c.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			var out, out2 any
			if err := c.Unmarshal(data, &out); err != nil {
				t.Errorf("%s %s: %v", name, what, err)
			}
			if err := c.NewDecoder(bytes.NewReader(data)).Decode(&out2); err != nil {
				t.Errorf("%s %s Decoder: %v", name, what, err)
			}
		}
	}
	// One more level or element is refused.
	for _, name := range []string{"json", "msgpack", "cbor"} {
		for what, v := range map[string]any{"deep": []any{deep}, "wide": append(wide, 0)} {
			c := lookup(t, lim, name)
			data, err := c.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			want := marshal.ErrDepth
			if what == "wide" {
				want = marshal.ErrElements
			}
			var out, out2 any
			if err := c.Unmarshal(data, &out); !errors.Is(err, want) {
				t.Errorf("%s %s over the limit: %v, want %v", name, what, err, want)
			}
			if err := c.NewDecoder(bytes.NewReader(data)).Decode(&out2); !errors.Is(err, want) {
				t.Errorf("%s %s over the limit, Decoder: %v, want %v", name, what, err, want)
			}
		}
	}
}

// Hostile inputs per codec: each is refused with the right sentinel and an
// offset, never a panic.
func TestHostileInputGetsAClearError(t *testing.T) {
	tests := []struct {
		codec  string
		name   string
		data   []byte
		want   error
		offset int64 // -1: not checked
	}{
		{"msgpack", "str32 longer than the input", []byte{0xdb, 0x7f, 0xff, 0xff, 0xff, 'a'}, io.ErrUnexpectedEOF, 0},
		{"msgpack", "map32 of 2^32-1 pairs", []byte{0xdf, 0xff, 0xff, 0xff, 0xff, 1, 2}, marshal.ErrElements, 0},
		{"msgpack", "array16 of 1000 elements in 3 bytes", []byte{0xdc, 0x03, 0xe8, 1, 2, 3}, io.ErrUnexpectedEOF, 0},
		{"msgpack", "array inside a map cut short", []byte{0x81, 0xa1, 'k', 0x93, 1}, io.ErrUnexpectedEOF, 5},
		{"msgpack", "the unused type byte", []byte{0x92, 0x01, 0xc1}, marshal.ErrMalformed, 2},
		{"msgpack", "empty", nil, io.ErrUnexpectedEOF, 0},
		{"msgpack", "deep", nestedArrays(2000), marshal.ErrDepth, 1000},
		{"cbor", "array of 2^64-1 elements", []byte{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, marshal.ErrElements, 0},
		{"cbor", "array of 1000 elements in 3 bytes", []byte{0x99, 0x03, 0xe8, 1, 2, 3}, io.ErrUnexpectedEOF, 0},
		{"cbor", "byte string longer than the input", []byte{0x5a, 0x7f, 0xff, 0xff, 0xff, 1}, io.ErrUnexpectedEOF, 0},
		{"cbor", "reserved additional information", []byte{0x82, 0x01, 0x1c}, marshal.ErrMalformed, 2},
		{"cbor", "break outside an indefinite item", []byte{0x82, 0x01, 0xff}, marshal.ErrMalformed, 2},
		{"cbor", "deep", append(bytes.Repeat([]byte{0x81}, 2000), 0xf6), marshal.ErrDepth, 1000},
		{"cbor", "trailing byte", []byte{0x01, 0x02}, marshal.ErrTrailingData, 1},
		{"json", "unterminated string", []byte(`{"a": "bc`), io.ErrUnexpectedEOF, -1},
		{"json", "deep", []byte(strings.Repeat("[", 2000) + strings.Repeat("]", 2000)), marshal.ErrDepth, 1000},
		{"json", "bad token", []byte(`[1, nope]`), marshal.ErrMalformed, 6}, // encoding/json: after the offending byte
		{"xdr", "string longer than the input", []byte{0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff}, io.ErrUnexpectedEOF, 8},
		{"xdr", "array of 2^32-1 elements", append(make([]byte, 28), 0xff, 0xff, 0xff, 0xff), io.ErrUnexpectedEOF, 28},
	}
	for _, tt := range tests {
		t.Run(tt.codec+"/"+tt.name, func(t *testing.T) {
			c := lookup(t, marshal.Limits{}, tt.codec)
			var err error
			if tt.codec == "xdr" {
				var o Order
				err = c.Unmarshal(tt.data, &o)
			} else {
				var v any
				err = c.Unmarshal(tt.data, &v)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("%v, want %v", err, tt.want)
			}
			checkError(t, err, tt.codec)
			var e *marshal.Error
			errors.As(err, &e)
			if tt.offset >= 0 && e.Offset != tt.offset {
				t.Errorf("offset %d, want %d (%v)", e.Offset, tt.offset, err)
			}
		})
	}
}

// Every prefix of a valid encoding is refused cleanly by Unmarshal and by
// a Decoder.
func TestEveryTruncationIsRefused(t *testing.T) {
	for _, name := range marshal.Names() {
		t.Run(name, func(t *testing.T) {
			c := lookup(t, marshal.Limits{}, name)
			data, err := c.Marshal(sampleOrder(7))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := c.NewEncoder(&buf).Encode(sampleOrder(7)); err != nil {
				t.Fatal(err)
			}
			stream := bytes.TrimRight(buf.Bytes(), "\n")
			for n := range len(data) {
				var o Order
				if err := c.Unmarshal(data[:n], &o); err == nil {
					t.Fatalf("%d of %d bytes decoded", n, len(data))
				} else {
					checkError(t, err, name)
				}
			}
			for n := 1; n < len(stream); n++ {
				var o Order
				err := c.NewDecoder(bytes.NewReader(stream[:n])).Decode(&o)
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("Decoder on %d of %d bytes: %v, want io.ErrUnexpectedEOF", n, len(stream), err)
				}
				checkError(t, err, name)
			}
		})
	}
}

// A stream that announces a 60 MB item and then ends costs memory for the
// bytes that arrived, not for the announcement; with a smaller MaxBytes
// the announcement alone is refused.
func TestDecoderBuffersOnlyWhatArrives(t *testing.T) {
	heads := map[string][]byte{
		"msgpack": {0xc6, 0x03, 0x93, 0x87, 0x00},         // bin32 of 60,000,000 bytes
		"cbor":    {0x5a, 0x03, 0x93, 0x87, 0x00},         // byte string of 60,000,000 bytes
		"json":    []byte(`"` + strings.Repeat("a", 100)), // a string that never ends
	}
	for name, head := range heads {
		t.Run(name, func(t *testing.T) {
			var err error
			used := alloc.Least(func() {
				var v any
				err = lookup(t, marshal.Limits{}, name).NewDecoder(bytes.NewReader(head)).Decode(&v)
			})
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("%v, want io.ErrUnexpectedEOF", err)
			}
			if used >= 64<<10 {
				t.Errorf("allocated %d bytes for a %d-byte stream", used, len(head))
			}
			if name == "json" {
				return
			}
			var v any
			err = lookup(t, marshal.Limits{MaxBytes: 1 << 20}, name).NewDecoder(bytes.NewReader(head)).Decode(&v)
			if !errors.Is(err, marshal.ErrTooLarge) {
				t.Fatalf("MaxBytes 1 MiB: %v, want ErrTooLarge", err)
			}
		})
	}
}

// endless is a JSON string that never ends.
type endless struct{ started bool }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	if !e.started && len(p) > 0 {
		p[0], e.started = '"', true
	}
	return len(p), nil
}

func TestEndlessValueStopsAtMaxBytes(t *testing.T) {
	const limit = 1 << 20
	var err error
	used := alloc.Least(func() {
		var v any
		err = lookup(t, marshal.Limits{MaxBytes: limit}, "json").NewDecoder(&endless{}).Decode(&v)
	})
	if !errors.Is(err, marshal.ErrTooLarge) {
		t.Fatalf("%v, want ErrTooLarge", err)
	}
	// json.Decoder doubles its buffer as a value grows, so the buffers it
	// allocated on the way to MaxBytes add up to about four times it.
	if used > 5*limit {
		t.Errorf("allocated %d bytes with MaxBytes %d", used, limit)
	}
}
