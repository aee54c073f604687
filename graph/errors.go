package graph

import (
	"errors"
	"fmt"
)

// Sentinel errors, wrapped in *Error.
var (
	// ErrCycle: Tree mode met an object inside itself.
	ErrCycle = errors.New("cycle")
	// ErrBadID: a Graph-mode id beyond the next unassigned one, or one that
	// names an object of another type than the reference needs.
	ErrBadID = errors.New("bad object id")
	// ErrUnregistered: an interface holds, or the input names, a type that
	// was not registered with Register.
	ErrUnregistered = errors.New("unregistered type")
	// ErrUnsupportedType: the Go type cannot be serialized (channels,
	// funcs, unsafe pointers, ...).
	ErrUnsupportedType = errors.New("unsupported type")
	// ErrInvalid: a value the encoding cannot hold: a bool or flag other
	// than 0 or 1, an integer out of its Go type's range.
	ErrInvalid = errors.New("invalid value")
	// ErrDepth: decoding nests deeper than Limits.MaxDepth.
	ErrDepth = errors.New("nesting too deep")
	// ErrLimit: input over Limits.MaxBytes, or a count over
	// Limits.MaxElements.
	ErrLimit = errors.New("size limit exceeded")
	// ErrTrailingData: Unmarshal found bytes after the value.
	ErrTrailingData = errors.New("trailing data")
)

// Error describes a failure to serialize or deserialize: what and where.
// Err is one of the sentinels above or io.ErrUnexpectedEOF.
type Error struct {
	Offset int64 // byte offset in the input or output; -1 when about a type
	Msg    string
	Err    error
}

func (e *Error) Error() string {
	if e.Offset < 0 {
		return "graph: " + e.Msg
	}
	return fmt.Sprintf("graph: %s at offset %d", e.Msg, e.Offset)
}

func (e *Error) Unwrap() error { return e.Err }

func newError(off int64, sentinel error, format string, args ...any) *Error {
	return &Error{Offset: off, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}
