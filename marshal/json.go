package marshal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// jsonCodec is encoding/json with limits. encoding/json checks the
// grammar and has a fixed nesting limit of 10000, but no element limit, no
// size limit and, on a stream, buffers a value of any size; jsonScanner
// delimits each value and enforces all three limits first.
type jsonCodec struct{ lim Limits }

func (jsonCodec) Name() string { return "json" }

func (c jsonCodec) Marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, libError("json", -1, err)
	}
	return b, nil
}

func (c jsonCodec) Unmarshal(data []byte, v any) error {
	if len(data) > c.lim.MaxBytes {
		return tooLarge("json", len(data), c.lim.MaxBytes)
	}
	// Nesting d deep takes d opening brackets and n elements n-1 commas,
	// so input with few of them cannot break a limit and needs no scan
	// (counting bytes is many times faster than scanning).
	if jsonMayBreak(data, c.lim) {
		s := jsonScanner{lim: c.lim}
		if _, err := s.feed(data); err != nil {
			return err
		}
	}
	return jsonDecode(data, v)
}

// jsonMayBreak reports whether data has enough brackets or commas to
// nest deeper than MaxDepth or hold more than MaxElements in one array or
// object. Brackets and commas inside strings count too, which only makes
// it cautious.
func jsonMayBreak(data []byte, lim Limits) bool {
	if len(data) <= lim.MaxDepth && len(data) < 2*lim.MaxElements {
		return false
	}
	return bytes.Count(data, []byte{'['})+bytes.Count(data, []byte{'{'}) > lim.MaxDepth ||
		bytes.Count(data, []byte{','}) >= lim.MaxElements
}

// jsonDecode is json.Unmarshal with its errors as *Error.
func jsonDecode(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		err = jsonError(err)
		// encoding/json can put the offset of a type error one past
		// the end of the input (for a number that ends it).
		if e, ok := err.(*Error); ok && e.Offset > int64(len(data)) {
			e.Offset = int64(len(data))
		}
		return err
	}
	return nil
}

// jsonError wraps an error of encoding/json.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		kind := ErrMalformed
		switch msg := se.Error(); {
		case msg == "unexpected end of JSON input":
			kind = io.ErrUnexpectedEOF
		case strings.HasSuffix(msg, "after top-level value"):
			kind = ErrTrailingData
		}
		return &Error{Codec: "json", Offset: se.Offset, Msg: se.Error(), Err: err, kind: kind}
	case errors.As(err, &te):
		e := libError("json", te.Offset, err)
		return e
	}
	return libError("json", -1, err)
}

func (c jsonCodec) NewEncoder(w io.Writer) Encoder {
	return jsonEncoder{json.NewEncoder(w)}
}

type jsonEncoder struct{ e *json.Encoder }

// Encode writes v's JSON and a newline, in one Write.
func (e jsonEncoder) Encode(v any) error { return libError("json", -1, e.e.Encode(v)) }

// NewDecoder reads JSON values one after another, as json.Decoder does.
// The json.Decoder reads through a jsonScanner, which fails the read at
// the first byte that breaks a limit, before the value is complete and
// anything is decoded.
func (c jsonCodec) NewDecoder(r io.Reader) Decoder {
	jr := &jsonReader{r: r, s: jsonScanner{lim: c.lim}}
	return &jsonDecoder{dec: json.NewDecoder(jr), r: jr}
}

type jsonReader struct {
	r   io.Reader
	s   jsonScanner
	err error
}

func (r *jsonReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.r.Read(p)
	if k, serr := r.s.feed(p[:n]); serr != nil {
		r.err = serr
		return k, serr
	}
	return n, err
}

type jsonDecoder struct {
	dec *json.Decoder
	r   *jsonReader
	err error // sticky: the stream is broken or over a limit
}

// Decode decodes the next value. As with json.Decoder, a value that does
// not fit v is skipped and the stream goes on; a malformed or cut-short
// stream, or one over a limit, fails every later call the same way.
func (d *jsonDecoder) Decode(v any) error {
	if d.err != nil {
		return d.err
	}
	err := d.dec.Decode(v)
	var se *json.SyntaxError
	switch {
	case err == nil, err == io.EOF:
		return err
	case err == io.ErrUnexpectedEOF:
		d.err = newError("json", d.dec.InputOffset(), io.ErrUnexpectedEOF, "input ends inside a value")
	case err == d.r.err:
		d.err = err
	case errors.As(err, &se):
		d.err = jsonError(err)
	}
	if d.err != nil {
		return d.err
	}
	// A value that does not fit v: the stream goes on. encoding/json can
	// put the offset one past the value's end.
	err = jsonError(err)
	if e, ok := err.(*Error); ok {
		e.Offset = min(e.Offset, d.dec.InputOffset())
	}
	return err
}

// InputOffset returns the input offset just past the last value Decode
// read, as json.Decoder's InputOffset does; wirectl uses it to place
// what it finds inside a value.
func (d *jsonDecoder) InputOffset() int64 { return d.dec.InputOffset() }

// tooLarge is the error for input over MaxBytes.
func tooLarge(codec string, n, limit int) error {
	return newError(codec, 0, ErrTooLarge, fmt.Sprintf("%d bytes of input exceed the limit of %d", n, limit))
}
