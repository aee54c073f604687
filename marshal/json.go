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

// jsonReader is what json.Decoder reads through: it hands on the stream's
// bytes only once they are known to keep within the limits, and stops the
// stream (with the scanner's error) at the first byte that breaks one.
//
// Scanning every byte would cost a few percent of decoding them, so it
// scans lazily. Bytes that cannot break a limit pass unscanned and wait
// in pending: a chunk can only nest as deep as the scanner's depth where
// pending starts plus the brackets in pending, hold as many elements as
// the largest open container there plus the commas, and belong to a value
// as long as pending, and bytes.Count counts those bytes many times
// faster than the scanner walks them. Strings make the counts too high,
// never too low. Once a chunk could break a limit, pending and the chunk
// go through the scanner, which finds the exact byte. After each value
// json.Decoder returns, resync moves the scanner to where the value ended
// (between values, no container open) and drops pending up to there, so
// the counts cover the bytes that follow the last value and not the
// stream so far.
type jsonReader struct {
	r   io.Reader
	s   jsonScanner
	err error

	// buf[skip:] holds the bytes read since s.off that s has not
	// scanned (pending); opens and commas count their brackets and commas.
	buf            []byte
	skip           int
	opens, commas  int
	depth0, elems0 int // s's open containers, and the most commas in one
}

// maxPending bounds the bytes a jsonReader holds unscanned; a value
// longer than this is scanned as it arrives.
var maxPending = 64 << 10 // a variable for tests

func (r *jsonReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.r.Read(p)
	if n == 0 {
		return n, err
	}
	b := p[:n]
	opens, commas := jsonCounts(b)
	from := r.s.off // where the value in progress, if any, began
	if r.s.state != jsBetween {
		from = r.s.start
	}
	pending := len(r.buf) - r.skip
	if pending+n <= maxPending &&
		r.depth0+r.opens+opens <= r.s.lim.MaxDepth &&
		r.elems0+r.commas+commas < r.s.lim.MaxElements &&
		r.s.off+int64(pending+n)-from <= int64(r.s.lim.MaxBytes) {
		if r.skip > 0 && len(r.buf)+n > cap(r.buf) {
			r.buf = r.buf[:copy(r.buf, r.buf[r.skip:])]
			r.skip = 0
		}
		r.buf = append(r.buf, b...)
		r.opens += opens
		r.commas += commas
		return n, err
	}
	// The bounds held for pending, so scanning it finds nothing wrong.
	if _, serr := r.s.feed(r.buf[r.skip:]); serr != nil {
		r.err = serr
		return 0, serr
	}
	r.buf, r.skip, r.opens, r.commas = r.buf[:0], 0, 0, 0
	if k, serr := r.s.feed(b); serr != nil {
		r.err = serr
		return k, serr
	}
	r.depth0, r.elems0 = len(r.s.commas), 0
	for _, c := range r.s.commas {
		r.elems0 = max(r.elems0, c)
	}
	return n, err
}

// jsonCounts counts the bytes of b that open a container, and the commas.
func jsonCounts(b []byte) (opens, commas int) {
	return bytes.Count(b, []byte{'['}) + bytes.Count(b, []byte{'{'}), bytes.Count(b, []byte{','})
}

// resync tells r that a value ended at stream offset end, where nothing
// is open.
func (r *jsonReader) resync(end int64) {
	cut := end - r.s.off
	if cut < 0 || cut > int64(len(r.buf)-r.skip) {
		return // the scanner is past end already
	}
	opens, commas := jsonCounts(r.buf[r.skip : r.skip+int(cut)])
	r.opens -= opens
	r.commas -= commas
	r.skip += int(cut)
	r.s.off, r.s.state, r.s.commas = end, jsBetween, r.s.commas[:0]
	r.depth0, r.elems0 = 0, 0
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
	if err == nil {
		d.r.resync(d.dec.InputOffset())
		return nil
	}
	return d.failed(err)
}

// failed is Decode's error path, apart so that the variable errors.As
// fills does not cost every Decode an allocation.
func (d *jsonDecoder) failed(err error) error {
	var se *json.SyntaxError
	switch {
	case err == io.EOF:
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
	d.r.resync(d.dec.InputOffset())
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
