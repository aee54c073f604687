package framing

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Reader reads frames one after another.
type Reader interface {
	// ReadFrame returns the next frame's payload (for RecordMarking, the
	// whole record). The slice points into the Reader's buffer and is
	// valid until the next call. At a clean end of the stream, between
	// frames, it returns io.EOF; a frame cut short is an *Error wrapping
	// io.ErrUnexpectedEOF.
	ReadFrame() ([]byte, error)
}

// NewReader returns a Reader of frames of kind k from r. It reads ahead:
// bytes after the last frame returned may already have been read from r.
// A Reader is not safe for concurrent use.
func NewReader(r io.Reader, k Kind, opts ...Option) Reader {
	return &reader{r: r, kind: k, o: configure(k, opts)}
}

// firstBuf is the reader's first buffer. It grows only when a frame does
// not fit, and then as the frame's bytes arrive.
const firstBuf = 4 << 10

type reader struct {
	r    io.Reader
	kind Kind
	o    options

	buf  []byte // read from r: buf[off:] is not consumed yet
	off  int
	pos  int64 // stream offset of buf[0]
	rerr error // sticky error from r

	err    error // sticky: the stream cannot be read further
	frames int64
	rec    []byte // RecordMarking: a record assembled from fragments
	big    []byte // a frame larger than buf (see payload)

	skip       int64 // discard mode: payload bytes still to skip
	skipRecord bool  // discard mode: fragments of an oversized record still to skip
	skipFrame  int64 // discard mode: index of the frame being skipped
	skipStart  int64 // discard mode: its offset
}

func (r *reader) offset() int64 { return r.pos + int64(r.off) }

// fill makes at least n unconsumed bytes available, reading from r. The
// buffer grows by doubling, and only when it is full of bytes that have
// arrived, so memory follows the input, not what a header announced.
func (r *reader) fill(n int) error {
	for len(r.buf)-r.off < n {
		if r.rerr != nil {
			return r.rerr
		}
		if len(r.buf) == cap(r.buf) {
			// No room: move what is unread to the front, or, if it fills
			// more than half the buffer, into one twice the size.
			have := len(r.buf) - r.off
			if r.off > 0 && have <= cap(r.buf)/2 {
				copy(r.buf, r.buf[r.off:])
				r.buf = r.buf[:have]
			} else {
				nb := make([]byte, have, max(2*cap(r.buf), firstBuf))
				copy(nb, r.buf[r.off:])
				r.buf = nb
			}
			r.pos += int64(r.off)
			r.off = 0
		}
		m, err := r.readSome(r.buf[len(r.buf):cap(r.buf)])
		r.buf = r.buf[:len(r.buf)+m]
		if err != nil {
			r.rerr = err
		}
	}
	return nil
}

// readSome reads into dst. A reader that returns no data and no error gets
// a few more chances, as in bufio, before it is called stuck
// (io.ErrNoProgress); so m == 0 only with an error.
func (r *reader) readSome(dst []byte) (m int, err error) {
	for range 100 {
		m, err = r.r.Read(dst)
		if m < 0 || m > len(dst) {
			return 0, errors.New("framing: io.Reader returned an invalid count")
		}
		if m > 0 || err != nil {
			return m, err
		}
	}
	return 0, io.ErrNoProgress
}

func (r *reader) fail(start int64, size uint64, limit int, err error, format string, args ...any) *Error {
	return &Error{Frame: r.frames, Offset: start, Size: size, Limit: limit, Err: err, msg: fmt.Sprintf(format, args...)}
}

// short reports input that ended (or failed) inside a frame.
func (r *reader) short(start int64, size uint64, what string) error {
	err := r.rerr
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	e := r.fail(start, size, 0, err, "%s: %v", what, err)
	if err == io.ErrUnexpectedEOF {
		e.msg = fmt.Sprintf("%s: unexpected end of input", what)
	}
	r.err = e
	return e
}

func (r *reader) ReadFrame() ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	if err := r.discard(); err != nil {
		return nil, err
	}
	if r.kind == RecordMarking {
		return r.readRecord()
	}
	start := r.offset()
	size, hlen, err := r.header(start)
	if err != nil {
		return nil, err
	}
	n, err := r.payloadLen(start, size, hlen)
	if err != nil {
		return nil, err
	}
	r.off += hlen
	if n > int64(r.o.maxFrame) {
		return nil, r.tooLarge(start, uint64(n), n, false)
	}
	p, err := r.payload(start, int(n), "frame")
	if err != nil {
		return nil, err
	}
	r.frames++
	return p, nil
}

// payload returns the next n bytes. When they are buffered it returns them
// in place. A frame larger than the buffer is read straight into a frame
// buffer of its own, with no read-ahead past it, so that its bytes are
// copied once and no partial next frame has to be moved afterwards; that
// buffer, too, grows only as the bytes arrive.
func (r *reader) payload(start int64, n int, what string) ([]byte, error) {
	if len(r.buf)-r.off < n && n > cap(r.buf)/2 && n >= firstBuf {
		big := append(r.big[:0], r.buf[r.off:]...)
		r.pos += int64(len(r.buf))
		r.buf, r.off = r.buf[:0], 0
		for len(big) < n {
			if r.rerr != nil {
				r.big = big
				return nil, r.short(start, uint64(n), fmt.Sprintf("%d-byte %s, %d bytes of it read", n, what, len(big)))
			}
			if len(big) == cap(big) {
				big = append(make([]byte, 0, min(n, max(2*cap(big), firstBuf))), big...)
			}
			m, err := r.readSome(big[len(big):min(n, cap(big))])
			big = big[:len(big)+m]
			r.pos += int64(m)
			if err != nil {
				r.rerr = err
			}
		}
		r.big = big
		return big[:n:n], nil
	}
	if err := r.fill(n); err != nil {
		return nil, r.short(start, uint64(n), fmt.Sprintf("%d-byte %s, %d bytes of it read", n, what, len(r.buf)-r.off))
	}
	p := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return p, nil
}

// header reads the length field at the front of the buffer without
// consuming it; hlen is its size in bytes.
func (r *reader) header(start int64) (field uint64, hlen int, err error) {
	if r.kind == Uvarint {
		return r.uvarint(start)
	}
	hlen = r.kind.headerLen()
	if err := r.fill(hlen); err != nil {
		return 0, 0, r.atHeader(start, hlen)
	}
	b := r.buf[r.off:]
	switch r.kind {
	case BE8:
		field = uint64(b[0])
	case BE16:
		field = uint64(binary.BigEndian.Uint16(b))
	case BE32, RecordMarking:
		field = uint64(binary.BigEndian.Uint32(b))
	case BE64:
		field = binary.BigEndian.Uint64(b)
	}
	return field, hlen, nil
}

// atHeader reports the end of input (or an error) where a header should
// be: io.EOF if no byte of it arrived.
func (r *reader) atHeader(start int64, hlen int) error {
	if len(r.buf) == r.off && r.rerr == io.EOF {
		r.err = io.EOF
		return io.EOF
	}
	return r.short(start, 0, fmt.Sprintf("%d-byte length of which %d arrived", hlen, len(r.buf)-r.off))
}

func (r *reader) uvarint(start int64) (uint64, int, error) {
	var v uint64
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if err := r.fill(i + 1); err != nil {
			if i == 0 {
				return 0, 0, r.atHeader(start, 1)
			}
			return 0, 0, r.short(start, 0, fmt.Sprintf("uvarint length cut after %d bytes", i))
		}
		c := r.buf[r.off+i]
		if i == binary.MaxVarintLen64-1 && c > 1 {
			break
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			if v > maxFieldUvarint {
				break
			}
			return v, i + 1, nil
		}
	}
	r.err = r.fail(start, 0, 0, ErrBadHeader, "uvarint length does not fit in 63 bits")
	return 0, 0, r.err
}

const maxFieldUvarint = math.MaxInt64

// payloadLen applies the length options to a length field. A length no
// int64 can hold (a BE64 field past 2^63, or one the adjustment pushes
// past it) is too large, and too large to skip: final.
func (r *reader) payloadLen(start int64, field uint64, hlen int) (int64, error) {
	n := int64(field)
	if r.o.includesHeader {
		n -= int64(hlen)
	}
	if field > math.MaxInt64 || r.o.adjust > 0 && n > math.MaxInt64-r.o.adjust {
		r.err = r.fail(start, field, r.o.maxFrame, ErrFrameTooLarge,
			"length %d exceeds the limit of %d and cannot be skipped", field, r.o.maxFrame)
		return 0, r.err
	}
	n += r.o.adjust
	if n < 0 {
		r.err = r.fail(start, field, 0, ErrBadHeader, "length %d leaves a frame of %d bytes", field, n)
		return 0, r.err
	}
	return n, nil
}

// tooLarge reports an oversized frame whose header has been consumed. In
// discard mode the next call skips its skip payload bytes (and, for a
// record, the fragments after them); otherwise the error is final.
func (r *reader) tooLarge(start int64, size uint64, skip int64, record bool) error {
	e := r.fail(start, size, r.o.maxFrame, ErrFrameTooLarge, "%d-byte %s exceeds the limit of %d", size, r.what(), r.o.maxFrame)
	if !r.o.discardTooLarge {
		r.err = e
		return e
	}
	r.skip, r.skipRecord = skip, record
	r.skipFrame, r.skipStart = r.frames, start
	r.frames++
	return e
}

// skipError reports input that ended while skipping an oversized frame: an
// error of that frame, at its offset.
func (r *reader) skipError(size uint64, what string) error {
	err := r.short(r.skipStart, size, what)
	err.(*Error).Frame = r.skipFrame
	return err
}

func (r *reader) what() string {
	if r.kind == RecordMarking {
		return "record"
	}
	return "frame"
}

// discard skips what is left of an oversized frame, without buffering it.
func (r *reader) discard() error {
	for r.skip > 0 || r.skipRecord {
		for r.skip > 0 {
			if len(r.buf) == r.off {
				r.pos += int64(r.off)
				r.buf, r.off = r.buf[:0], 0
				if err := r.fill(1); err != nil {
					return r.skipError(uint64(r.skip), fmt.Sprintf("skipping an oversized %s, %d bytes short", r.what(), r.skip))
				}
			}
			m := int(min(r.skip, int64(len(r.buf)-r.off)))
			r.off += m
			r.skip -= int64(m)
		}
		if r.skipRecord {
			// The rest of an oversized record: fragment after fragment.
			start := r.offset()
			field, hlen, err := r.header(start)
			if err == io.EOF {
				r.err = nil
				return r.skipError(0, "skipping an oversized record: its last fragment is missing")
			}
			if err != nil {
				if fe, ok := err.(*Error); ok {
					fe.Frame, fe.Offset = r.skipFrame, r.skipStart
				}
				return err
			}
			r.off += hlen
			r.skip, r.skipRecord = int64(field&maxFragment), field>>31 == 0
		}
	}
	return nil
}

// readRecord reads RFC 5531 fragments up to the one marked last. A record
// of one fragment is returned from the buffer; longer ones are assembled.
func (r *reader) readRecord() ([]byte, error) {
	start := r.offset()
	r.rec = r.rec[:0]
	for first := true; ; first = false {
		fragStart := r.offset()
		field, _, err := r.header(fragStart)
		if err != nil {
			if err == io.EOF && !first {
				return nil, r.short(start, uint64(len(r.rec)), fmt.Sprintf("record of %d bytes so far: its last fragment is missing", len(r.rec)))
			}
			return nil, err
		}
		last, n := field>>31 == 1, int64(field&maxFragment)
		if total := int64(len(r.rec)) + n; total > int64(r.o.maxFrame) {
			r.off += 4
			return nil, r.tooLarge(start, uint64(total), n, !last)
		}
		r.off += 4
		frag, err := r.payload(start, int(n), "fragment")
		if err != nil {
			return nil, err
		}
		if last && first {
			r.frames++
			return frag, nil
		}
		r.rec = append(r.rec, frag...)
		if last {
			r.frames++
			return r.rec[:len(r.rec):len(r.rec)], nil
		}
	}
}
