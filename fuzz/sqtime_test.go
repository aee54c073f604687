package fuzz

import (
	"bytes"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/wirekit/wirekit/internal/alloc"
	"github.com/wirekit/wirekit/protocol/sqtime"
)

// FuzzSqtimeReader reads arbitrary bytes as a stream of sqtime messages.
// Properties: no panic; an error is a final *sqtime.Error whose offset is
// that of a message within the input; every message read re-encodes to
// exactly its bytes; Sniff accepts a stream of whole messages; and
// memory stays in proportion to the input.
func FuzzSqtimeReader(f *testing.F) {
	seed := func(ms ...sqtime.Message) []byte {
		var b []byte
		for _, m := range ms {
			b, _ = sqtime.AppendMessage(b, m)
		}
		return b
	}
	f.Add(seed(sqtime.Message{Type: sqtime.SqrtRequest, ID: 1, Value: 2}, sqtime.Message{Type: sqtime.TimeRequest, ID: 2}))
	f.Add(seed(sqtime.Message{Type: sqtime.SqrtResponse, ID: 1, Value: math.Sqrt2},
		sqtime.Message{Type: sqtime.TimeResponse, ID: 2, Time: "2026-11-22T10:00:00.123456789Z"}))
	f.Add([]byte{0, 0, 0, 9, 0, 0, 0, 1})                         // unknown type
	f.Add([]byte{1, 0, 0, 2, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff}) // a 4 GiB time text
	f.Fuzz(func(t *testing.T, data []byte) {
		// Memory: the reader's buffer and the messages, in proportion to
		// the input (a 4 GiB length costs nothing until bytes arrive).
		used := alloc.Least(func() {
			r := sqtime.NewReader(bytes.NewReader(data))
			for {
				if _, err := r.Read(); err != nil {
					return
				}
			}
		})
		if budget := uint64(16*len(data) + 128<<10); used > budget {
			t.Fatalf("reading %d bytes allocated %d (budget %d)", len(data), used, budget)
		}
		r := sqtime.NewReader(bytes.NewReader(data))
		var again []byte
		messages := 0
		for {
			off := r.Offset()
			m, err := r.Read()
			if err == io.EOF {
				if !bytes.Equal(again, data) {
					t.Fatalf("re-encoded % x, read % x", again, data)
				}
				if messages > 0 && !sqtime.Sniff(data) {
					t.Fatalf("Sniff refuses %d whole messages", messages)
				}
				return
			}
			if err != nil {
				var e *sqtime.Error
				if !errors.As(err, &e) || e.Offset != off || e.Offset > int64(len(data)) {
					t.Fatalf("error %v (%T) at offset %d", err, err, off)
				}
				if _, again := r.Read(); again != err {
					t.Fatalf("the error is not final: then %v", again)
				}
				return
			}
			messages++
			b, err := sqtime.AppendMessage(nil, m)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, data[off:r.Offset()]) {
				t.Fatalf("message %+v re-encodes to % x, read from % x", m, b, data[off:r.Offset()])
			}
			again = append(again, b...)
		}
	})
}
