package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/internal/alloc"
)

// FuzzWirectlDecode runs `wirectl decode` on arbitrary input, as an
// operator piping a capture would: sniffing (or a given format or
// protocol), framing and every output mode. It must exit 0 or 1 (the
// arguments are valid, so 2 only for an output mode the sniffed format
// has not), never panic, name an offset when it
// fails on the bytes, and allocate in proportion to the input.
func FuzzWirectlDecode(f *testing.F) {
	for _, c := range captures {
		data, err := os.ReadFile(filepath.Join(dir, c.name))
		if err == nil && len(data) <= 4<<10 {
			f.Add(uint8(0), data)
		}
	}
	f.Add(uint8(1), []byte{0xa1, 0x61, 0x61, 0x01})
	f.Add(uint8(2), []byte(`{"a":[1,2,{"b":null}]}`))
	f.Add(uint8(3), []byte{0x82, 0xa1, 'x', 0xc0})
	f.Add(uint8(4), []byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x40, 0, 0, 0, 0, 0, 0, 0})
	modes := [][]string{
		{"decode"},
		{"decode", "-o", "json"},
		{"decode", "-o", "diag"},
		{"decode", "-o", "annotate"},
		{"decode", "--proto", "sqtime", "-o", "json"},
		{"decode", "--proto", "store"},
		{"decode", "--frame", "be16", "-o", "json"},
		{"decode", "--frame", "rm", "-o", "annotate"},
		{"decode", "--format", "gob", "-o", "json"},
		{"decode", "--format", "msgpack", "-o", "diag"},
		{"decode", "--schema", filepath.Join("..", "..", "testdata", "xdr", "file.x"), "--type", "file", "-o", "annotate"},
	}
	f.Fuzz(func(t *testing.T, mode uint8, data []byte) {
		args := modes[int(mode)%len(modes)]
		var stdout, stderr bytes.Buffer
		var code int
		allocated := alloc.Least(func() {
			stdout.Reset()
			stderr.Reset()
			code = run(args, bytes.NewReader(data), &stdout, &stderr)
		})
		switch code {
		case 0:
		case 1:
			if !strings.Contains(stderr.String(), "offset") && !strings.Contains(stderr.String(), "cannot tell") {
				t.Fatalf("%v: exit 1 without an offset: %s", args, stderr.String())
			}
		case 2:
			// A sniffed format the output mode does not apply to (-o diag
			// or annotate on JSON or gob) is the one usage error the
			// bytes can cause.
			if !strings.Contains(stderr.String(), "wirectl: -o ") {
				t.Fatalf("%v: exit 2: %s", args, stderr.String())
			}
		default:
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		// The output (text, annotate lines with hex) is a few times the
		// input; a constant covers cobra and the sniffing window.
		if limit := uint64(256*len(data) + 8<<20); allocated > limit {
			t.Fatalf("%v: %d input bytes allocated %d (limit %d)", args, len(data), allocated, limit)
		}
	})
}
