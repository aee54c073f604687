package marshal

import (
	"errors"
	"io"
	"strings"

	"github.com/wirekit/wirekit/xdr"
)

// xdrCodec is package xdr with the same limits (its own Limits have the
// same three fields; depth counts optional-data, variable-length arrays
// and unions). XDR is not self-describing: it decodes only into Go types
// that say what to expect.
type xdrCodec struct{ lim Limits }

func (xdrCodec) Name() string { return "xdr" }

func (c xdrCodec) limits() xdr.Limits {
	return xdr.Limits{MaxDepth: c.lim.MaxDepth, MaxBytes: c.lim.MaxBytes, MaxElements: c.lim.MaxElements}
}

func (c xdrCodec) Marshal(v any) ([]byte, error) {
	b, err := c.limits().Marshal(v)
	if err != nil {
		return nil, xdrError(err)
	}
	return b, nil
}

func (c xdrCodec) Unmarshal(data []byte, v any) error {
	return xdrError(c.limits().Unmarshal(data, v))
}

// NewEncoder writes each value in one Write.
func (c xdrCodec) NewEncoder(w io.Writer) Encoder { return xdrEncoder{c.limits().NewEncoder(w)} }

type xdrEncoder struct{ e *xdr.Encoder }

func (e xdrEncoder) Encode(v any) error { return xdrError(e.e.Encode(v)) }

// NewDecoder reads values one after another; XDR has no delimiters, so
// each is as long as its Go type makes it.
// Any error about the bytes is final: without delimiters, the stream
// cannot be resynchronised.
func (c xdrCodec) NewDecoder(r io.Reader) Decoder { return &xdrDecoder{d: c.limits().NewDecoder(r)} }

type xdrDecoder struct {
	d   *xdr.Decoder
	err error
}

func (d *xdrDecoder) Decode(v any) error {
	if d.err != nil {
		return d.err
	}
	err := d.d.Decode(v)
	if err == nil || err == io.EOF {
		return err
	}
	err = xdrError(err)
	if e := err.(*Error); e.Offset >= 0 {
		d.err = err
	}
	return err
}

// xdrError wraps an *xdr.Error, keeping its offset and field path.
func xdrError(err error) error {
	if err == nil {
		return nil // before a variable whose address escapes
	}
	var xe *xdr.Error
	if !errors.As(err, &xe) {
		return libError("xdr", -1, err)
	}
	msg := xe.Msg
	if xe.Path != "" {
		msg = xe.Path + ": " + msg
	}
	return &Error{Codec: "xdr", Offset: xe.Offset, Msg: msg, Err: err, kind: limitKind(xe.Err, xe.Msg,
		xdr.ErrDepth, xdr.ErrLimit, xdr.ErrTrailingData,
		xdr.ErrPadding, xdr.ErrInvalidBool, xdr.ErrInvalidEnum, xdr.ErrUnionArm, xdr.ErrMaxLength)}
}

// limitKind maps the sentinel of package xdr or graph onto this package's:
// depth, limit (elements or bytes, by what the message names), trailing
// data, and the rest of the given sentinels mean malformed input.
func limitKind(err error, msg string, depth, limit, trailing error, malformed ...error) error {
	switch {
	case err == io.ErrUnexpectedEOF:
		return io.ErrUnexpectedEOF
	case err == depth:
		return ErrDepth
	case err == limit && strings.Contains(msg, "MaxElements"):
		return ErrElements
	case err == limit:
		return ErrTooLarge
	case err == trailing:
		return ErrTrailingData
	}
	for _, m := range malformed {
		if err == m {
			return ErrMalformed
		}
	}
	return nil
}
