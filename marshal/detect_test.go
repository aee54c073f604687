package marshal_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/wirekit/wirekit/marshal"
)

func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	var b []byte
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			i++
			continue
		}
		var v byte
		for _, c := range s[i : i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			case c >= 'a' && c <= 'f':
				v |= byte(c - 'a' + 10)
			default:
				t.Fatalf("bad hex %q", s)
			}
		}
		b = append(b, v)
		i += 2
	}
	return b
}

func TestDetectRealSamples(t *testing.T) {
	file, err := os.ReadFile("../testdata/xdr/file.bin") // RFC 4506 §7
	if err != nil {
		t.Fatal(err)
	}
	encoded := func(name string, values ...any) []byte {
		var buf bytes.Buffer
		enc := lookup(t, marshal.Limits{}, name).NewEncoder(&buf)
		for _, v := range values {
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
		}
		return buf.Bytes()
	}
	marshaled := func(name string, v any) []byte {
		b, err := lookup(t, marshal.Limits{}, name).Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name   string
		data   []byte
		format string
		ok     bool
	}{
		{"JSON object", []byte(`{"id": 1, "tags": ["a", "b"], "owner": {"login": "ann"}}`), "json", true},
		{"JSON lines", []byte("{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n"), "json", true},
		{"JSON, pretty", []byte("\n  [\n    1,\n    2.5e3,\n    \"x\"\n  ]\n"), "json", true},
		{"JSON string", []byte(`"hello"`), "json", true},
		{"JSON literal", []byte(`true`), "json", true},
		{"JSON numbers", []byte(`1 2 3`), "json", true},
		{"JSON from the codec", marshaled("json", sampleOrder(1)), "json", true},

		{"MessagePack, msgpack.org's example", hexBytes(t, "82 a7 636f6d70616374 c3 a6 736368656d61 00"), "msgpack", true},
		{"MessagePack from the codec", marshaled("msgpack", sampleOrder(1)), "msgpack", true},
		{"MessagePack stream of maps", encoded("msgpack", sampleOrder(1), sampleOrder(2), sampleOrder(3)), "msgpack", true},
		{"MessagePack string", hexBytes(t, "a5 68656c6c6f"), "msgpack", true},

		{"CBOR, RFC 8949 A: {\"a\": 1, \"b\": [2, 3]}", hexBytes(t, "a2 6161 01 6162 82 02 03"), "cbor", true},
		{"CBOR, RFC 8949 A: [\"a\", {\"b\": \"c\"}]", hexBytes(t, "82 6161 a1 6162 6163"), "cbor", true},
		{"CBOR, RFC 8949 A: indefinite lengths", hexBytes(t, "bf 6161 01 6162 9f 02 03 ff ff"), "cbor", true},
		{"CBOR, self-described", hexBytes(t, "d9d9f7 a1 6161 01"), "cbor", true},
		{"CBOR from the codec", marshaled("cbor", sampleOrder(1)), "cbor", true},
		{"CBOR sequence", encoded("cbor", sampleOrder(1), sampleOrder(2)), "cbor", true},

		{"gob from the codec", marshaled("gob", sampleOrder(1)), "gob", true},
		{"gob stream", encoded("gob", sampleOrder(1), sampleOrder(2)), "gob", true},

		// The same bytes read as one value in several formats.
		{"ambiguous: 1", []byte("1"), "json", false},
		{"ambiguous: byte 01", []byte{0x01}, "cbor", false},
		{"ambiguous: msgpack uint8 or CBOR tag 12", []byte{0xcc, 0x05}, "cbor", false},

		{"empty", nil, "", false},
		{"whitespace", []byte(" \n\t"), "", false},
		{"text", []byte("hello, world"), "", false},
		{"XDR, RFC 4506's file", file, "", false},
		{"XDR from the codec", marshaled("xdr", sampleOrder(1)), "", false},
		{"graph from the codec", marshaled("graph", sampleOrder(1)), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			format, ok := marshal.Detect(tt.data)
			if format != tt.format || ok != tt.ok {
				t.Errorf("Detect(% x) = %q, %v, want %q, %v", tt.data, format, ok, tt.format, tt.ok)
			}
		})
	}
}

// Random bytes are almost never a format; whatever Detect is sure of must
// decode with that codec.
func TestDetectOnRandomBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sure := 0
	for range 2000 {
		data := make([]byte, 8+r.IntN(64))
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		name, ok := marshal.Detect(data)
		if !ok {
			continue
		}
		sure++
		dec := lookup(t, marshal.Limits{}, name).NewDecoder(bytes.NewReader(data))
		for {
			var v any
			err := dec.Decode(&v)
			if err != nil && err.Error() != "EOF" {
				t.Fatalf("Detect(% x) = %s, but: %v", data, name, err)
			}
			if err != nil {
				break
			}
		}
	}
	if sure > 20 {
		t.Errorf("Detect was sure of %d of 2000 random inputs", sure)
	}
}
