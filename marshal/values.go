package marshal

import (
	"fmt"
	"io"
)

// ValueReader reads the raw bytes of one value after another from a
// stream of MessagePack or CBOR, checked against the limits as a Decoder
// checks them, without decoding them: what a tool that shows the bytes
// themselves needs (wirectl decode -o annotate, say). It reads from r only
// as bytes arrive and buffers at most MaxBytes for one value.
type ValueReader struct {
	d   *streamDecoder
	err error
}

// NewValueReader returns a ValueReader for the named format, "msgpack" or
// "cbor".
func (l Limits) NewValueReader(name string, r io.Reader) (*ValueReader, error) {
	lim := l.resolve()
	var sc valueScanner
	switch name {
	case "msgpack":
		sc = &mpScanner{lim: lim}
	case "cbor":
		sc = &cborScanner{lim: lim}
	default:
		return nil, fmt.Errorf("marshal: no ValueReader for %q (want msgpack or cbor)", name)
	}
	return &ValueReader{d: &streamDecoder{codec: name, window: window{r: r}, lim: lim, sc: sc}}, nil
}

// Next returns the bytes of the next value, valid until the next call, and
// the stream offset of its first byte. At a clean end of the stream it
// returns io.EOF; an error about the bytes (an *Error) is returned again
// by every later call.
func (v *ValueReader) Next() (raw []byte, off int64, err error) {
	if v.err != nil {
		return nil, v.d.off, v.err
	}
	off = v.d.off
	raw, err = v.d.next()
	if err != nil {
		v.err = err
		return nil, off, err
	}
	return raw, off, nil
}
