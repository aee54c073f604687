package xdr

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Sentinel errors. Every error the package returns for bad data or a bad
// value is an *Error whose Err field is one of these (or io.ErrUnexpectedEOF
// for truncated input), so callers branch with errors.Is and read the offset
// and field path with errors.As.
var (
	// ErrMaxLength: a string, opaque or variable-length array is longer than
	// the bound of its field (xdr:"max=N").
	ErrMaxLength = errors.New("length exceeds bound")
	// ErrPadding: a padding byte after a string or opaque is not zero.
	ErrPadding = errors.New("non-zero padding")
	// ErrInvalidBool: a bool or optional-data flag is neither 0 nor 1.
	ErrInvalidBool = errors.New("invalid bool")
	// ErrInvalidEnum: an enum value its type's ValidEnum method rejects.
	ErrInvalidEnum = errors.New("invalid enum value")
	// ErrUnionArm: a union discriminant with no arm and no default arm, a nil
	// union, or an arm value whose discriminant belongs to another arm.
	ErrUnionArm = errors.New("no union arm")
	// ErrTrailingData: Unmarshal found bytes after the value.
	ErrTrailingData = errors.New("trailing data")
	// ErrDepth: optional-data, arrays and unions nest deeper than
	// Limits.MaxDepth.
	ErrDepth = errors.New("nesting too deep")
	// ErrLimit: a value is larger than Limits.MaxBytes or an array has more
	// elements than Limits.MaxElements.
	ErrLimit = errors.New("size limit exceeded")
	// ErrUnsupportedType: the Go type has no XDR mapping (maps, channels,
	// int, unregistered interfaces, ...).
	ErrUnsupportedType = errors.New("unsupported type")
)

// Error describes a failure to encode or decode a value: what went wrong,
// where in the bytes, and in which field.
//
//	xdr: File.Type.Interpretor: string length 300 exceeds max 255 at offset 20
type Error struct {
	// Offset is the byte offset in the input (decoding) or in the value's
	// encoding (encoding) where the problem was found; -1 when the error is
	// about a type rather than about bytes.
	Offset int64
	// Path names the field: the Go type name, then field names and
	// [indexes], e.g. "File.Type.Interpretor" or "Dir.Entries[3].Name".
	Path string
	// Msg says what is wrong, e.g. "string length 300 exceeds max 255".
	Msg string
	// Err is the sentinel (ErrMaxLength, io.ErrUnexpectedEOF, ...) or the
	// error returned by a Marshaler, Unmarshaler or io.Reader.
	Err error

	offsetInMsg bool // Msg is a user error that already names the offset
}

func (e *Error) Error() string {
	s := "xdr: "
	if e.Path != "" {
		s += e.Path + ": "
	}
	s += e.Msg
	if e.Offset >= 0 && !e.offsetInMsg {
		s += " at offset " + strconv.FormatInt(e.Offset, 10)
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func newError(off int64, sentinel error, format string, args ...any) *Error {
	return &Error{Offset: off, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

// withPath puts elem ("Name" or "[3]") in front of the path of err, which
// this call made (see ownError); any other error is wrapped in an *Error at
// offset off.
func withPath(err error, elem string, off int64) error {
	e, ok := err.(*Error)
	if !ok {
		return &Error{Offset: off, Path: elem, Msg: err.Error(), Err: err}
	}
	switch {
	case e.Path == "":
		e.Path = elem
	case e.Path[0] == '[' || e.Path[0] == '(':
		e.Path = elem + e.Path
	default:
		e.Path = elem + "." + e.Path
	}
	return err
}

func indexPath(i int) string { return "[" + strconv.Itoa(i) + "]" }

// readError wraps a failure of the underlying io.Reader.
func readError(off int64, err error) *Error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err == io.ErrUnexpectedEOF {
		return &Error{Offset: off, Msg: "unexpected end of input", Err: err}
	}
	return &Error{Offset: off, Msg: "read: " + err.Error(), Err: err}
}
