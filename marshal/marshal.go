package marshal

import (
	"errors"
	"io"
	"strconv"
)

// Codec is one wire format behind the package's common API.
type Codec interface {
	// Name is the codec's name in Lookup: "json", "gob", "msgpack", "cbor",
	// "xdr" or "graph".
	Name() string
	// Marshal returns the encoding of v.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes the one value in data into the value v points to.
	// data must hold exactly one value: bytes after it are ErrTrailingData.
	Unmarshal(data []byte, v any) error
	// NewEncoder returns an Encoder that writes values to w, each in full
	// as Encode returns.
	NewEncoder(w io.Writer) Encoder
	// NewDecoder returns a Decoder that reads values from r.
	NewDecoder(r io.Reader) Decoder
}

// Encoder writes a stream of values.
type Encoder interface {
	Encode(v any) error
}

// Decoder reads a stream of values. Decode returns io.EOF at a clean end
// of the stream between values and an *Error wrapping io.ErrUnexpectedEOF
// when the stream ends inside one. After an error about the bytes
// themselves (malformed, truncated, beyond a limit) the stream cannot be
// resynchronised and every later call returns the same error; a value
// that is well-formed but does not fit v (a type mismatch) is consumed and
// the stream goes on.
type Decoder interface {
	Decode(v any) error
}

// Limits bounds what the decoders accept, so that hostile input costs at
// most a fixed multiple of its own size, whatever the wrapped library
// would do with it. A zero field means its default. Limits is a plain
// value; the codecs it makes are safe for concurrent use.
//
// Every codec honours every limit; what counts as one level of nesting or
// one element follows each format (see the package documentation).
type Limits struct {
	// MaxDepth bounds how deeply containers (arrays, maps, objects,
	// structs, tags, optional data) nest in one value.
	MaxDepth int
	// MaxElements bounds the element count of any one array or map (pairs
	// for a map).
	MaxElements int
	// MaxBytes bounds the encoded size of one value: the input of
	// Unmarshal, and each value a Decoder reads.
	MaxBytes int
}

// Defaults of the Limits fields.
const (
	DefaultMaxDepth    = 1000
	DefaultMaxElements = 1 << 20
	DefaultMaxBytes    = 64 << 20
)

// DefaultLimits are the limits of the codecs Lookup returns (a zero
// field of any Limits means its default too).
var DefaultLimits = Limits{MaxDepth: DefaultMaxDepth, MaxElements: DefaultMaxElements, MaxBytes: DefaultMaxBytes}

func (l Limits) resolve() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxElements <= 0 {
		l.MaxElements = DefaultMaxElements
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	return l
}

// names is the order Names reports and Detect breaks ties in.
var names = []string{"json", "gob", "msgpack", "cbor", "xdr", "graph"}

// Names returns the names Lookup knows, in a fixed order.
func Names() []string { return append([]string(nil), names...) }

// Lookup returns the codec called name with DefaultLimits.
func Lookup(name string) (Codec, bool) { return DefaultLimits.Lookup(name) }

// Lookup returns the codec called name with these limits.
func (l Limits) Lookup(name string) (Codec, bool) {
	l = l.resolve()
	switch name {
	case "json":
		return jsonCodec{l}, true
	case "gob":
		return gobCodec{l}, true
	case "msgpack":
		return msgpackCodec{l}, true
	case "cbor":
		return newCBORCodec(l), true
	case "xdr":
		return xdrCodec{l}, true
	case "graph":
		return graphCodec{l}, true
	}
	return nil, false
}

// Sentinel errors. Every error a codec returns for bad input is an *Error
// whose Err field is one of these, io.ErrUnexpectedEOF for truncated
// input, or the wrapped library's own error (a *json.SyntaxError, an
// *xdr.Error, ...), so callers branch with errors.Is and errors.As.
var (
	// ErrMalformed: the bytes are not a valid encoding in the format.
	ErrMalformed = errors.New("malformed input")
	// ErrDepth: containers nest deeper than Limits.MaxDepth.
	ErrDepth = errors.New("nesting too deep")
	// ErrElements: an array or map has more elements than
	// Limits.MaxElements.
	ErrElements = errors.New("too many elements")
	// ErrTooLarge: a value is, or declares a length that would make it,
	// larger than Limits.MaxBytes. (A length longer than the input that is
	// left is io.ErrUnexpectedEOF.)
	ErrTooLarge = errors.New("value too large")
	// ErrTrailingData: Unmarshal found bytes after the value.
	ErrTrailingData = errors.New("trailing data")
)

// Error describes input a codec refused, or a value it could not encode:
// which codec, what went wrong and where.
//
//	marshal: msgpack: array of 4294967295 elements needs more than the 0 bytes left at offset 0
type Error struct {
	// Codec names the codec ("msgpack", ...).
	Codec string
	// Offset is the byte offset in the input (in the stream, for a
	// Decoder) where the problem was found; -1 when it is unknown or the
	// error is about encoding.
	Offset int64
	// Msg says what is wrong.
	Msg string
	// Err is a sentinel (ErrDepth, io.ErrUnexpectedEOF, ...) or the wrapped
	// library's or reader's error.
	Err error

	// kind is the sentinel a library error amounts to (ErrDepth for
	// *cbor.MaxNestedLevelError, ...), so that errors.Is(err, ErrDepth)
	// holds whichever codec refused the input.
	kind error
}

func (e *Error) Error() string {
	s := "marshal: " + e.Codec + ": " + e.Msg
	if e.Offset >= 0 {
		s += " at offset " + strconv.FormatInt(e.Offset, 10)
	}
	return s
}

// Unwrap returns Err and, for a library's error, the sentinel it amounts
// to.
func (e *Error) Unwrap() []error {
	if e.kind != nil && e.kind != e.Err {
		return []error{e.Err, e.kind}
	}
	return []error{e.Err}
}

// libError wraps err, returned by a wrapped library or a reader, as an
// *Error of codec at offset off (-1 when unknown). An *Error passes
// through; io.EOF inside a value becomes io.ErrUnexpectedEOF. The
// library's own name prefix ("msgpack: ") is dropped from the message, as
// the codec name already says it.
func libError(codec string, off int64, err error) error {
	if err == nil {
		return nil
	}
	var me *Error
	if errors.As(err, &me) {
		return err
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	msg := err.Error()
	for _, p := range [...]string{codec + ": ", "gob: ", "json: "} {
		if len(msg) > len(p) && msg[:len(p)] == p {
			msg = msg[len(p):]
			break
		}
	}
	return &Error{Codec: codec, Offset: off, Msg: msg, Err: err}
}

// newError returns an *Error of codec at offset off.
func newError(codec string, off int64, sentinel error, msg string) *Error {
	return &Error{Codec: codec, Offset: off, Msg: msg, Err: sentinel}
}
