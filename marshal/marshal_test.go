package marshal_test

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/wirekit/wirekit/graph"
	"github.com/wirekit/wirekit/marshal"
)

// Order is a value every codec can carry: fixed-size integers for XDR,
// exported fields for gob.
type Order struct {
	ID     int64
	Item   string
	Qty    uint32
	Price  float64
	Paid   bool
	Tags   []string
	Blob   []byte
	Lines  []Line
	Parent *Line
}

type Line struct {
	SKU   string
	Count int32
}

func sampleOrder(id int64) Order {
	return Order{
		ID: id, Item: "widget ✓", Qty: 3, Price: 9.75, Paid: true,
		Tags:   []string{"a", "b"},
		Blob:   []byte{0, 1, 2, 255},
		Lines:  []Line{{"x-1", 2}, {"y-2", -1}},
		Parent: &Line{"p", 7},
	}
}

func init() { graph.Register("marshal_test.Line", Line{}) }

func lookup(t *testing.T, l marshal.Limits, name string) marshal.Codec {
	t.Helper()
	c, ok := l.Lookup(name)
	if !ok {
		t.Fatalf("Lookup(%q) failed", name)
	}
	return c
}

func TestLookupKnowsEveryName(t *testing.T) {
	want := []string{"json", "gob", "msgpack", "cbor", "xdr", "graph"}
	if got := marshal.Names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for _, name := range want {
		c, ok := marshal.Lookup(name)
		if !ok || c.Name() != name {
			t.Errorf("Lookup(%q) = %v, %v", name, c, ok)
		}
	}
	for _, name := range []string{"", "JSON", "protobuf"} {
		if _, ok := marshal.Lookup(name); ok {
			t.Errorf("Lookup(%q) succeeded", name)
		}
	}
}

func TestEveryCodecRoundTrips(t *testing.T) {
	for _, name := range marshal.Names() {
		t.Run(name, func(t *testing.T) {
			c := lookup(t, marshal.Limits{}, name)
			in := sampleOrder(42)
			data, err := c.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			var out Order
			if err := c.Unmarshal(data, &out); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(in, out) {
				t.Fatalf("round trip changed the value:\n in  %+v\n out %+v", in, out)
			}
		})
	}
}

// Streams: several values on one connection, read back through a reader
// that returns one byte at a time, then a clean io.EOF.
func TestEveryCodecStreams(t *testing.T) {
	for _, name := range marshal.Names() {
		for _, oneByte := range []bool{false, true} {
			t.Run(name, func(t *testing.T) {
				c := lookup(t, marshal.Limits{}, name)
				var buf bytes.Buffer
				enc := c.NewEncoder(&buf)
				for i := range 3 {
					if err := enc.Encode(sampleOrder(int64(i))); err != nil {
						t.Fatal(err)
					}
				}
				var r io.Reader = bytes.NewReader(buf.Bytes())
				if oneByte {
					r = iotest.OneByteReader(r)
				}
				dec := c.NewDecoder(r)
				for i := range 3 {
					var out Order
					if err := dec.Decode(&out); err != nil {
						t.Fatalf("value %d: %v", i, err)
					}
					if want := sampleOrder(int64(i)); !reflect.DeepEqual(out, want) {
						t.Fatalf("value %d:\n got  %+v\n want %+v", i, out, want)
					}
				}
				var out Order
				if err := dec.Decode(&out); err != io.EOF {
					t.Fatalf("after the last value: %v, want io.EOF", err)
				}
			})
		}
	}
}

func TestStreamCutShortIsUnexpectedEOF(t *testing.T) {
	for _, name := range marshal.Names() {
		t.Run(name, func(t *testing.T) {
			c := lookup(t, marshal.Limits{}, name)
			var buf bytes.Buffer
			enc := c.NewEncoder(&buf)
			for i := range 2 {
				if err := enc.Encode(sampleOrder(int64(i))); err != nil {
					t.Fatal(err)
				}
			}
			cut := buf.Bytes()[:buf.Len()-3] // past JSON's newline
			dec := c.NewDecoder(bytes.NewReader(cut))
			var out Order
			if err := dec.Decode(&out); err != nil {
				t.Fatalf("first value: %v", err)
			}
			err := dec.Decode(&out)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("second value cut short: %v, want io.ErrUnexpectedEOF", err)
			}
			checkError(t, err, name)
			if again := dec.Decode(&out); again != err {
				t.Errorf("the error is not sticky: then %v", again)
			}
		})
	}
}

// writeCounter counts the Write calls a value takes.
type writeCounter struct{ writes int }

func (w *writeCounter) Write(p []byte) (int, error) { w.writes++; return len(p), nil }

// Peers that read a message per segment need each value in one Write;
// gob is the exception: it writes a type definition as a message of its
// own before the first value of that type.
func TestEncoderWritesEachValueOnce(t *testing.T) {
	for _, name := range []string{"json", "msgpack", "cbor", "xdr", "graph"} {
		t.Run(name, func(t *testing.T) {
			var w writeCounter
			enc := lookup(t, marshal.Limits{}, name).NewEncoder(&w)
			for i := range 3 {
				if err := enc.Encode(sampleOrder(int64(i))); err != nil {
					t.Fatal(err)
				}
				if w.writes != i+1 {
					t.Fatalf("after %d values, %d writes", i+1, w.writes)
				}
			}
		})
	}
}

func TestTrailingDataIsAnError(t *testing.T) {
	for _, name := range marshal.Names() {
		t.Run(name, func(t *testing.T) {
			c := lookup(t, marshal.Limits{}, name)
			data, err := c.Marshal(sampleOrder(1))
			if err != nil {
				t.Fatal(err)
			}
			var out Order
			err = c.Unmarshal(append(data, data...), &out)
			if !errors.Is(err, marshal.ErrTrailingData) {
				t.Fatalf("two values: %v, want ErrTrailingData", err)
			}
			checkError(t, err, name)
		})
	}
}

func TestMaxBytesBoundsEveryCodec(t *testing.T) {
	for _, name := range marshal.Names() {
		t.Run(name, func(t *testing.T) {
			big := sampleOrder(1)
			big.Blob = make([]byte, 4096)
			data, err := lookup(t, marshal.Limits{}, name).Marshal(big)
			if err != nil {
				t.Fatal(err)
			}
			c := lookup(t, marshal.Limits{MaxBytes: 1024}, name)
			var out Order
			err = c.Unmarshal(data, &out)
			if !errors.Is(err, marshal.ErrTooLarge) {
				t.Fatalf("Unmarshal of %d bytes with MaxBytes 1024: %v, want ErrTooLarge", len(data), err)
			}
			checkError(t, err, name)

			var buf bytes.Buffer
			if err := lookup(t, marshal.Limits{}, name).NewEncoder(&buf).Encode(big); err != nil {
				t.Fatal(err)
			}
			err = c.NewDecoder(&buf).Decode(&out)
			if !errors.Is(err, marshal.ErrTooLarge) {
				t.Fatalf("Decode of %d bytes with MaxBytes 1024: %v, want ErrTooLarge", buf.Len(), err)
			}
			checkError(t, err, name)
		})
	}
}

// A well-formed value of the wrong type is consumed: the next value
// decodes.
func TestDecoderGoesOnAfterATypeMismatch(t *testing.T) {
	for _, name := range []string{"json", "msgpack", "cbor"} {
		t.Run(name, func(t *testing.T) {
			c := lookup(t, marshal.Limits{}, name)
			var buf bytes.Buffer
			enc := c.NewEncoder(&buf)
			if err := enc.Encode("not an order"); err != nil {
				t.Fatal(err)
			}
			if err := enc.Encode(sampleOrder(5)); err != nil {
				t.Fatal(err)
			}
			dec := c.NewDecoder(&buf)
			var out Order
			if err := dec.Decode(&out); err == nil {
				t.Fatal("a string decoded into a struct")
			} else {
				checkError(t, err, name)
			}
			if err := dec.Decode(&out); err != nil || out.ID != 5 {
				t.Fatalf("the next value: %v, %+v", err, out)
			}
		})
	}
}

// Decoded byte slices must not alias the Decoder's buffer, which the next
// value overwrites.
func TestDecodedBytesSurviveTheNextValue(t *testing.T) {
	for _, name := range marshal.Names() {
		t.Run(name, func(t *testing.T) {
			c := lookup(t, marshal.Limits{}, name)
			var buf bytes.Buffer
			enc := c.NewEncoder(&buf)
			first, second := sampleOrder(1), sampleOrder(2)
			second.Blob = bytes.Repeat([]byte{0xee}, len(first.Blob))
			for _, v := range []Order{first, second} {
				if err := enc.Encode(v); err != nil {
					t.Fatal(err)
				}
			}
			dec := c.NewDecoder(&buf)
			var a, b Order
			if err := dec.Decode(&a); err != nil {
				t.Fatal(err)
			}
			if err := dec.Decode(&b); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Blob, first.Blob) || a.Item != first.Item {
				t.Fatalf("the first value changed when the second was read: %+v", a)
			}
		})
	}
}

// checkError asserts what every error about input is: an *Error of the
// codec whose text names the codec.
func checkError(t *testing.T, err error, codec string) {
	t.Helper()
	var e *marshal.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *marshal.Error", err, err)
	}
	if e.Codec != codec || !strings.HasPrefix(err.Error(), "marshal: "+codec+": ") {
		t.Fatalf("error %q names codec %q, want %q", err, e.Codec, codec)
	}
}

func TestMsgpackMapsWithOtherKeys(t *testing.T) {
	c := lookup(t, marshal.Limits{}, "msgpack")
	// {1: "a", "b": 2}: MessagePack maps often have integer keys.
	var v any
	if err := c.Unmarshal([]byte{0x82, 0x01, 0xa1, 'a', 0xa1, 'b', 0x02}, &v); err != nil {
		t.Fatal(err)
	}
	want := map[any]any{int8(1): "a", "b": int8(2)}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("got %#v, want %#v", v, want)
	}
	// String keys keep the library's map[string]any.
	v = nil
	if err := c.Unmarshal([]byte{0x81, 0xa1, 'b', 0x02}, &v); err != nil {
		t.Fatal(err)
	}
	if _, ok := v.(map[string]any); !ok {
		t.Errorf("string keys gave %T, want map[string]any", v)
	}
	// Keys Go cannot hash are an error, into an interface or a map.
	for _, in := range [][]byte{{0x81, 0x90, 0xc0}, {0x81, 0x80, 0xc0}, {0x82, 0x01, 0xc0, 0xc4, 0x00, 0xc0}} {
		var a any
		var m map[any]any
		for _, dst := range []any{&a, &m} {
			err := c.Unmarshal(in, dst)
			if err == nil || !strings.Contains(err.Error(), "map key") {
				t.Errorf("% x into %T: %v, want an error about the key", in, dst, err)
			}
		}
	}
}
