package xdr

import "fmt"

// The functions here are for Marshalers and Unmarshalers, such as the code
// xdr/gen writes, that report errors the way the reflection codec does.

// WithField puts a field name (or an index such as "[3]") in front of the
// field path of err, which a primitive method of Encoder or Decoder or a
// nested Marshaler returned, so that the final error names the whole path:
//
//	if err := e.PutString(v.Owner, 32); err != nil {
//		return xdr.WithField(err, "owner")
//	}
//
// An error that is not an *Error is wrapped in one.
func WithField(err error, name string) error {
	if err == nil {
		return nil
	}
	return withPath(err, name, -1)
}

// NewError returns an *Error at the byte offset, wrapping the sentinel
// (ErrUnionArm, ErrInvalidEnum, ...) with a message made as by fmt.Sprintf.
func NewError(offset int64, sentinel error, format string, args ...any) error {
	return &Error{Offset: offset, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}
