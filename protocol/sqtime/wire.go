// Package sqtime is seed 002's square-root/time protocol: a client sends
// requests tagged with ids over one TCP connection, several may be in
// flight, and the server answers each, in any order, with the same id.
//
// All integers are big-endian. Four messages:
//
//	sqrt request    00 00 00 01 | id u32 | value float64 (IEEE 754)
//	sqrt response   01 00 00 01 | id u32 | sqrt(value) float64 (NaN for negatives)
//	time request    00 00 00 02 | id u32
//	time response   01 00 00 02 | id u32 | n u32 | n bytes of RFC 3339 text, nanoseconds, UTC
//
// For example, sqrt(2) as request 1 and its answer:
//
//	00000001 00000001 4000000000000000
//	01000001 00000001 3ff6a09e667f3bcd
//
// A type word that is none of these means the stream cannot be
// resynchronised: the server closes that connection (and only that one).
package sqtime

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// Type is a message's type word.
type Type uint32

// The four type words. A response's word is its request's with 0x01 in the
// top byte.
const (
	SqrtRequest  Type = 0x00000001 // id, float64 operand
	TimeRequest  Type = 0x00000002 // id only
	SqrtResponse Type = 0x01000001 // id, float64 root
	TimeResponse Type = 0x01000002 // id, length, RFC 3339 text
)

// String names t as the CLI prints it, or shows an unknown word in hex.
func (t Type) String() string {
	switch t {
	case SqrtRequest:
		return "sqrt-request"
	case TimeRequest:
		return "time-request"
	case SqrtResponse:
		return "sqrt-response"
	case TimeResponse:
		return "time-response"
	}
	return fmt.Sprintf("type 0x%08x", uint32(t))
}

// MaxTimeText bounds the text of a time response. RFC 3339 with
// nanoseconds is 30 bytes; anything much longer is not a time.
const MaxTimeText = 64

// Message is one message of either direction.
type Message struct {
	Type  Type
	ID    uint32
	Value float64 // sqrt request: the operand; sqrt response: the root
	Time  string  // time response: RFC 3339 text
}

// AppendMessage appends m's encoding to b. On error it returns b as it was
// given, so a caller's buffer never holds half a message.
func AppendMessage(b []byte, m Message) ([]byte, error) {
	orig := b
	b = binary.BigEndian.AppendUint32(b, uint32(m.Type))
	b = binary.BigEndian.AppendUint32(b, m.ID)
	switch m.Type {
	case SqrtRequest, SqrtResponse:
		return binary.BigEndian.AppendUint64(b, math.Float64bits(m.Value)), nil
	case TimeRequest:
		return b, nil
	case TimeResponse:
		if len(m.Time) > MaxTimeText {
			return orig, fmt.Errorf("sqtime: time text of %d bytes exceeds %d", len(m.Time), MaxTimeText)
		}
		b = binary.BigEndian.AppendUint32(b, uint32(len(m.Time)))
		return append(b, m.Time...), nil
	}
	return orig, fmt.Errorf("sqtime: cannot encode %v", m.Type)
}

// Errors of a Reader. ErrUnknownType is final: without a known type the
// reader cannot tell where the next message starts.
var (
	ErrUnknownType = errors.New("unknown message type")
	ErrTimeText    = errors.New("bad time text")
)

// Error is a malformed or truncated message at a stream offset.
type Error struct {
	Offset int64 // of the message's first byte
	Msg    string
	Err    error // ErrUnknownType, ErrTimeText or io.ErrUnexpectedEOF
}

// Error describes the message and where it starts.
func (e *Error) Error() string { return fmt.Sprintf("sqtime: %s at offset %d", e.Msg, e.Offset) }

// Unwrap returns ErrUnknownType, ErrTimeText, io.ErrUnexpectedEOF or the
// underlying read error, for errors.Is.
func (e *Error) Unwrap() error { return e.Err }

// Reader reads messages one after another from a stream of either
// direction (or both mixed, as a capture of one direction is not).
type Reader struct {
	r   *bufio.Reader
	off int64
	err error
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: bufio.NewReader(r)}
}

// Offset is the stream offset of the next message.
func (r *Reader) Offset() int64 { return r.off }

// Read returns the next message. At a clean end of the stream, between
// messages, it returns io.EOF; a message cut short is an *Error wrapping
// io.ErrUnexpectedEOF. Errors are final.
func (r *Reader) Read() (Message, error) {
	if r.err != nil {
		return Message{}, r.err
	}
	m, n, err := r.read()
	if err != nil {
		if err != io.EOF {
			var e *Error
			if !errors.As(err, &e) {
				err = &Error{Offset: r.off, Msg: "read: " + err.Error(), Err: err}
			}
		}
		r.err = err
		return Message{}, err
	}
	r.off += int64(n)
	return m, nil
}

func (r *Reader) read() (Message, int, error) {
	var head [8]byte
	if n, err := io.ReadFull(r.r, head[:]); err != nil {
		if err == io.EOF {
			return Message{}, 0, io.EOF
		}
		return Message{}, 0, r.short(err, "message header", n, 8)
	}
	m := Message{Type: Type(binary.BigEndian.Uint32(head[:4])), ID: binary.BigEndian.Uint32(head[4:])}
	switch m.Type {
	case TimeRequest:
		return m, 8, nil
	case SqrtRequest, SqrtResponse:
		var v [8]byte
		if n, err := io.ReadFull(r.r, v[:]); err != nil {
			return m, 0, r.short(err, m.Type.String(), 8+n, 16)
		}
		m.Value = math.Float64frombits(binary.BigEndian.Uint64(v[:]))
		return m, 16, nil
	case TimeResponse:
		var l [4]byte
		if n, err := io.ReadFull(r.r, l[:]); err != nil {
			return m, 0, r.short(err, "time-response length", 8+n, 12)
		}
		n := binary.BigEndian.Uint32(l[:])
		if n > MaxTimeText {
			return m, 0, &Error{Offset: r.off, Msg: fmt.Sprintf("time text of %d bytes exceeds %d", n, MaxTimeText), Err: ErrTimeText}
		}
		text := make([]byte, n)
		if k, err := io.ReadFull(r.r, text); err != nil {
			return m, 0, r.short(err, "time-response text", 12+k, 12+int(n))
		}
		if _, err := time.Parse(time.RFC3339Nano, string(text)); err != nil {
			return m, 0, &Error{Offset: r.off, Msg: fmt.Sprintf("time text %q is not RFC 3339", text), Err: ErrTimeText}
		}
		m.Time = string(text)
		return m, 12 + int(n), nil
	}
	return m, 0, &Error{Offset: r.off, Msg: fmt.Sprintf("unknown type word %08x", uint32(m.Type)), Err: ErrUnknownType}
}

func (r *Reader) short(err error, what string, have, want int) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &Error{Offset: r.off, Msg: fmt.Sprintf("%s cut short: %d of %d bytes", what, have, want), Err: io.ErrUnexpectedEOF}
	}
	return err
}

// FormatTime is t as a time response carries it: RFC 3339 in UTC with
// all nine digits of nanoseconds.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") }

// Sniff reports whether data, the start of a stream, reads as sqtime
// messages: at least one whole message, every type word known, and what
// is left the start of a message. A tool uses it to tell a capture of
// this protocol from other data.
func Sniff(data []byte) bool {
	whole := 0
	for len(data) > 0 {
		if len(data) < 8 {
			return whole > 0 && isType(data)
		}
		n := 0
		switch Type(binary.BigEndian.Uint32(data)) {
		case TimeRequest:
			n = 8
		case SqrtRequest, SqrtResponse:
			n = 16
		case TimeResponse:
			if len(data) < 12 {
				return whole > 0
			}
			l := binary.BigEndian.Uint32(data[8:])
			if l > MaxTimeText {
				return false
			}
			n = 12 + int(l)
		default:
			return false
		}
		if len(data) < n {
			return whole > 0
		}
		data = data[n:]
		whole++
	}
	return whole > 0
}

// isType reports whether b is the start of a known type word.
func isType(b []byte) bool {
	for _, t := range []Type{SqrtRequest, TimeRequest, SqrtResponse, TimeResponse} {
		var w [4]byte
		binary.BigEndian.PutUint32(w[:], uint32(t))
		if len(b) >= 4 && [4]byte(b[:4]) == w || len(b) < 4 && string(b) == string(w[:len(b)]) {
			return true
		}
	}
	return false
}
