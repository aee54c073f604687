package marshal

import (
	"errors"
	"io"
	"sync"

	"github.com/fxamacker/cbor/v2"
)

// cborCodec is github.com/fxamacker/cbor/v2, whose decoder already checks
// that input is well-formed before decoding it; the limits map onto its
// DecOptions (MaxNestedLevels, MaxArrayElements, MaxMapPairs). Its
// options have a range, 4..65535 levels and 16..2147483647 elements: a
// limit above the range is held to its top (stricter than asked), and one
// below it is enforced by cborScanner before the library runs.
//
// Times are encoded as RFC 3339 text with nanoseconds under tag 0, so that
// they round-trip exactly (the library's default drops the fraction).
type cborCodec struct {
	lim      Limits
	em       cbor.EncMode
	dm       cbor.DecMode
	precheck bool // a limit is below the range of DecOptions
}

// cborEncMode is the codec's encoding mode; it does not depend on limits.
var cborEncMode = func() cbor.EncMode {
	em, err := cbor.EncOptions{Time: cbor.TimeRFC3339Nano, TimeTag: cbor.EncTagRequired}.EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

// cborCodecs caches a codec per Limits: a DecMode takes a little work to
// build, and Lookup is cheap enough to call per message.
var cborCodecs sync.Map // Limits → cborCodec

func newCBORCodec(l Limits) cborCodec {
	if c, ok := cborCodecs.Load(l); ok {
		return c.(cborCodec)
	}
	clamp := func(n, lo, hi int) int { return max(lo, min(n, hi)) }
	depth := clamp(l.MaxDepth, 4, 65535)
	elems := clamp(l.MaxElements, 16, 2147483647)
	dm, err := cbor.DecOptions{MaxNestedLevels: depth, MaxArrayElements: elems, MaxMapPairs: elems}.DecMode()
	if err != nil {
		panic(err) // the options are within range by construction
	}
	c := cborCodec{lim: l, em: cborEncMode, dm: dm, precheck: l.MaxDepth < 4 || l.MaxElements < 16}
	cborCodecs.Store(l, c)
	return c
}

func (cborCodec) Name() string { return "cbor" }

func (c cborCodec) Marshal(v any) ([]byte, error) {
	b, err := c.em.Marshal(v)
	if err != nil {
		return nil, libError("cbor", -1, err)
	}
	return b, nil
}

func (c cborCodec) Unmarshal(data []byte, v any) error {
	if len(data) > c.lim.MaxBytes {
		return tooLarge("cbor", len(data), c.lim.MaxBytes)
	}
	if c.precheck {
		s := cborScanner{lim: c.lim}
		s.reset(0)
		end, _, err := s.scan(data, true)
		if err != nil {
			return err
		}
		if end < len(data) {
			return trailing("cbor", end, len(data))
		}
	}
	if err := c.dm.Unmarshal(data, v); err != nil {
		return c.explain(data, err)
	}
	return nil
}

// explain turns the library's error into an *Error. The library does not
// say where in the input it failed; when the input itself is at fault,
// cborScanner finds the place.
func (c cborCodec) explain(data []byte, err error) error {
	var (
		syntax *cbor.SyntaxError
		nested *cbor.MaxNestedLevelError
		arrays *cbor.MaxArrayElementsError
		maps   *cbor.MaxMapPairsError
		kind   error
	)
	switch {
	case errors.As(err, &syntax):
		kind = ErrMalformed
	case errors.As(err, &nested):
		kind = ErrDepth
	case errors.As(err, &arrays), errors.As(err, &maps):
		kind = ErrElements
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		kind = io.ErrUnexpectedEOF
	}
	// The scanner, held to the library's limits, finds what is wrong with
	// the bytes and where; if it finds nothing, the bytes are fine and the
	// error is about the value (a type mismatch, ...).
	s := cborScanner{lim: c.lim}
	s.lim.MaxDepth = max(4, min(s.lim.MaxDepth, 65535))
	s.lim.MaxElements = max(16, min(s.lim.MaxElements, 2147483647))
	s.reset(0)
	end, _, serr := s.scan(data, true)
	switch {
	case serr != nil:
		return serr
	case end < len(data):
		return trailing("cbor", end, len(data))
	}
	e := libError("cbor", -1, err).(*Error)
	e.kind = kind
	return e
}

// NewEncoder returns an Encoder that writes each value in one Write.
func (c cborCodec) NewEncoder(w io.Writer) Encoder { return cborEncoder{w: w, em: c.em} }

type cborEncoder struct {
	w  io.Writer
	em cbor.EncMode
}

func (e cborEncoder) Encode(v any) error {
	b, err := e.em.Marshal(v)
	if err != nil {
		return libError("cbor", -1, err)
	}
	_, err = e.w.Write(b)
	return err
}

// NewDecoder reads a CBOR sequence (RFC 8742): data items one after
// another.
func (c cborCodec) NewDecoder(r io.Reader) Decoder {
	sc := &cborScanner{lim: c.lim}
	if !c.precheck {
		// The library decides on depth (as in Unmarshal); the scanner
		// only delimits values and bounds lengths, and must not refuse
		// what the library accepts. It counts every tag and each
		// indefinite-length string as a level, which the library does
		// not, so it may count up to twice the library's depth, plus two.
		sc.lim.MaxDepth = 2*max(4, min(c.lim.MaxDepth, 65535)) + 2
	}
	return &cborDecoder{c: c, streamDecoder: streamDecoder{codec: "cbor", window: window{r: r}, lim: c.lim, sc: sc,
		decode: func(raw []byte, v any) error {
			if err := c.dm.Unmarshal(raw, v); err != nil {
				return c.explain(raw, err)
			}
			return nil
		}}}
}

// cborDecoder is the CBOR stream Decoder. Most values are whole in the
// buffer when Decode starts: the library's UnmarshalFirst then checks,
// delimits and decodes each in one call, as its own Decoder would. A
// value that goes on past the buffer, or fails, takes the general path:
// the scanner delimits it as bytes arrive, within MaxBytes, and the
// library decodes the delimited bytes (and explains a failure).
type cborDecoder struct {
	streamDecoder
	c cborCodec
}

func (d *cborDecoder) Decode(v any) error {
	if d.err == nil && !d.inValue && !d.c.precheck && d.start < d.end {
		buf := d.buf[d.start:min(d.end, d.start+d.lim.MaxBytes)]
		// On an error (most often a value cut short by the buffer's end,
		// which the library finds before decoding anything) the general
		// path below decodes the value again and explains the error.
		if rest, err := d.c.dm.UnmarshalFirst(buf, v); err == nil {
			n := len(buf) - len(rest)
			d.start += n
			d.off += int64(n)
			return nil
		}
	}
	off := d.off
	err := d.streamDecoder.Decode(v)
	// A value that did not fit cost a wasted pass of the library over its
	// first part. Make room for a few values of its size, so that the
	// next ones are mostly whole in the buffer.
	if n := int(d.off - off); err == nil && 4*n > len(d.buf) {
		d.grow(min(4*n, d.lim.MaxBytes+firstStreamBuf))
	}
	return err
}
