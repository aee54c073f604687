package marshal_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/wirekit/wirekit/marshal"
)

func TestValueReaderSplitsAStream(t *testing.T) {
	for _, name := range []string{"msgpack", "cbor"} {
		t.Run(name, func(t *testing.T) {
			c := lookup(t, marshal.Limits{}, name)
			var stream bytes.Buffer
			var offs []int64
			for i := range 3 {
				offs = append(offs, int64(stream.Len()))
				if err := c.NewEncoder(&stream).Encode(sampleOrder(int64(i))); err != nil {
					t.Fatal(err)
				}
			}
			vr, err := marshal.Limits{}.NewValueReader(name, iotest.OneByteReader(bytes.NewReader(stream.Bytes())))
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range offs {
				raw, off, err := vr.Next()
				if err != nil || off != want {
					t.Fatalf("value %d: offset %d, %v; want offset %d", i, off, err, want)
				}
				var o Order
				if err := c.Unmarshal(raw, &o); err != nil || o.ID != int64(i) {
					t.Fatalf("value %d: %v, %+v", i, err, o)
				}
			}
			if _, _, err := vr.Next(); err != io.EOF {
				t.Fatalf("after the last value: %v, want io.EOF", err)
			}

			// Cut short: io.ErrUnexpectedEOF, with the offset, every time.
			vr, _ = marshal.Limits{}.NewValueReader(name, bytes.NewReader(stream.Bytes()[:stream.Len()-2]))
			for range 2 {
				_, _, _ = vr.Next()
			}
			_, _, err = vr.Next()
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("cut short: %v", err)
			}
			checkError(t, err, name)
			if _, _, again := vr.Next(); again != err {
				t.Errorf("not sticky: then %v", again)
			}
		})
	}
	if _, err := (marshal.Limits{}).NewValueReader("json", nil); err == nil {
		t.Error("a ValueReader for json")
	}
}

func TestDetectPrefixAllowsTheLastValueCut(t *testing.T) {
	for _, name := range []string{"json", "msgpack", "cbor", "gob"} {
		c := lookup(t, marshal.Limits{}, name)
		var stream bytes.Buffer
		enc := c.NewEncoder(&stream)
		for i := range 20 {
			if err := enc.Encode(sampleOrder(int64(i))); err != nil {
				t.Fatal(err)
			}
		}
		prefix := stream.Bytes()[:stream.Len()*2/3]
		if got, _ := marshal.Detect(prefix); got == name {
			t.Errorf("%s: Detect takes a cut stream for %s", name, got)
		}
		if got, ok := marshal.DetectPrefix(prefix); got != name || !ok {
			t.Errorf("%s: DetectPrefix = %q, %v", name, got, ok)
		}
	}
}

// A prefix that ends inside its first value: a JSON object longer than
// the prefix is still JSON.
func TestDetectPrefixInsideTheFirstValue(t *testing.T) {
	for _, prefix := range []string{"[1, 2, 3, 4, 5", `{"k0": 0, "k1": 1, "k2": `} {
		if got, ok := marshal.DetectPrefix([]byte(prefix)); got != "json" || !ok {
			t.Errorf("%q: %q, %v; want json", prefix, got, ok)
		}
	}
}

func TestObjectKeepsKeyOrder(t *testing.T) {
	v, err := marshal.DecodeJSONOrdered([]byte(`{"z": 1, "a": [true, {"m": null, "b": 2.5}], "k": 18446744073709551615}`), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ codec, want string }{
		{"json", `{"z":1,"a":[true,{"m":null,"b":2.5}],"k":18446744073709551615}`},
		// The libraries write int64 (MessagePack) and float64 (CBOR) at full width.
		{"msgpack", "83a17ad30000000000000001a16192c382a16dc0a162cb4004000000000000a16bcfffffffffffffffff"},
		{"cbor", "a3617a01616182f5a2616df66162fb4004000000000000616b1bffffffffffffffff"},
	} {
		c := lookup(t, marshal.Limits{}, tt.codec)
		b, err := c.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", tt.codec, err)
		}
		got := string(b)
		if tt.codec != "json" {
			got = hex.EncodeToString(b)
		}
		if got != tt.want {
			t.Errorf("%s: %s\n want %s", tt.codec, got, tt.want)
		}
	}
	if _, err := marshal.DecodeJSONOrdered([]byte(`{"a": 1} 2`), true); !errors.Is(err, marshal.ErrTrailingData) {
		t.Errorf("trailing data: %v", err)
	}
	if _, err := marshal.DecodeJSONOrdered([]byte(`[1e400]`), true); err == nil {
		t.Error("1e400 decoded")
	}
}
