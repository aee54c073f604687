package framing_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/wirekit/wirekit/framing"
)

// The store protocol: JSON messages behind a 2-byte big-endian length.
func Example() {
	var conn bytes.Buffer
	w := framing.NewWriter(&conn, framing.BE16)
	w.WriteFrame([]byte(`["insert","users",{"name":"a"}]`))
	w.WriteFrame([]byte(`["describe"]`))
	fmt.Printf("% x ...\n", conn.Bytes()[:4])

	r := framing.NewReader(&conn, framing.BE16)
	for {
		frame, err := r.ReadFrame()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s\n", frame)
	}
	// Output:
	// 00 1f 5b 22 ...
	// ["insert","users",{"name":"a"}]
	// ["describe"]
}

// Record marking splits a record into fragments and reassembles it.
func ExampleFragmentSize() {
	var conn bytes.Buffer
	framing.NewWriter(&conn, framing.RecordMarking, framing.FragmentSize(4)).WriteFrame([]byte("abcdef"))
	fmt.Printf("% x\n", conn.Bytes())

	record, err := framing.NewReader(&conn, framing.RecordMarking).ReadFrame()
	fmt.Printf("%q %v\n", record, err)
	// Output:
	// 00 00 00 04 61 62 63 64 80 00 00 02 65 66
	// "abcdef" <nil>
}

// In discard mode a Reader reports an oversized frame and goes on after it.
func ExampleDiscardTooLarge() {
	var conn bytes.Buffer
	w := framing.NewWriter(&conn, framing.BE32)
	for _, msg := range []string{"small", "far too long for the limit", "fine"} {
		w.WriteFrame([]byte(msg))
	}

	r := framing.NewReader(&conn, framing.BE32, framing.MaxFrame(10), framing.DiscardTooLarge())
	for {
		frame, err := r.ReadFrame()
		var fe *framing.Error
		switch {
		case err == io.EOF:
			return
		case errors.As(err, &fe) && errors.Is(err, framing.ErrFrameTooLarge):
			fmt.Printf("skipped frame %d: %d bytes > %d\n", fe.Frame, fe.Size, fe.Limit)
		case err != nil:
			fmt.Println(err)
			return
		default:
			fmt.Printf("%s\n", frame)
		}
	}
	// Output:
	// small
	// skipped frame 1: 26 bytes > 10
	// fine
}
