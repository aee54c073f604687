package framing

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Writer writes frames.
type Writer interface {
	// WriteFrame writes p as one frame (for RecordMarking, one record),
	// header and payload in a single Write call: some peers (rpcbind among
	// them) drop a connection whose message arrives in pieces. A frame
	// over the limit is refused with ErrFrameTooLarge and nothing is
	// written.
	WriteFrame(p []byte) error
}

// NewWriter returns a Writer of frames of kind k to w. A Writer is not safe
// for concurrent use.
func NewWriter(w io.Writer, k Kind, opts ...Option) Writer {
	return &writer{w: w, kind: k, o: configure(k, opts)}
}

type writer struct {
	w       io.Writer
	kind    Kind
	o       options
	buf     []byte
	frames  int64
	written int64
}

// keepBuf is the largest buffer a Writer keeps between frames.
const keepBuf = 1 << 20

func (w *writer) fail(size uint64, err error, format string, args ...any) error {
	return &Error{Frame: w.frames, Offset: w.written, Size: size, Limit: w.o.maxFrame, Err: err, msg: fmt.Sprintf(format, args...)}
}

func (w *writer) WriteFrame(p []byte) error {
	if len(p) > w.o.maxFrame {
		return w.fail(uint64(len(p)), ErrFrameTooLarge, "%d-byte %s exceeds the limit of %d", len(p), w.kindNoun(), w.o.maxFrame)
	}
	b := w.buf[:0]
	if w.kind == RecordMarking {
		// RFC 5531: fragments of at most FragmentSize bytes, the last
		// marked by the top bit; an empty record is one empty fragment.
		for i := 0; ; i += w.o.fragmentSize {
			frag := p[i:min(i+w.o.fragmentSize, len(p))]
			hdr := uint32(len(frag))
			if i+len(frag) == len(p) {
				hdr |= 1 << 31
			}
			b = binary.BigEndian.AppendUint32(b, hdr)
			b = append(b, frag...)
			if hdr>>31 == 1 {
				break
			}
		}
	} else {
		field, hlen, err := w.field(len(p))
		if err != nil {
			return err
		}
		b = w.appendHeader(b, field, hlen)
		b = append(b, p...)
	}
	n, err := w.w.Write(b)
	w.written += int64(n)
	if cap(b) <= keepBuf {
		w.buf = b[:0]
	} else {
		w.buf = nil
	}
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return w.fail(uint64(len(p)), err, "write: %v", err)
	}
	w.frames++
	return nil
}

func (w *writer) kindNoun() string {
	if w.kind == RecordMarking {
		return "record"
	}
	return "frame"
}

// field returns the length field for an n-byte payload, and the header's
// size.
func (w *writer) field(n int) (uint64, int, error) {
	v := int64(n) - w.o.adjust
	hlen := w.kind.headerLen()
	switch {
	case w.o.includesHeader && w.kind == Uvarint:
		// The header counts itself: find the size h whose uvarint of
		// v+h takes h bytes. There may be none (v+h < 0 for every h).
		hlen = 0
		for h := 1; h <= binary.MaxVarintLen64; h++ {
			if f := v + int64(h); f >= 0 && uvarintLen(uint64(f)) == h {
				hlen = h
				break
			}
		}
		if hlen == 0 {
			return 0, 0, w.fail(uint64(n), ErrBadHeader, "a %d-byte frame cannot be framed with a length adjustment of %d", n, w.o.adjust)
		}
		v += int64(hlen)
	case w.o.includesHeader:
		v += int64(hlen)
	case w.kind == Uvarint && v >= 0:
		hlen = uvarintLen(uint64(v))
	}
	if v < 0 {
		return 0, 0, w.fail(uint64(n), ErrBadHeader, "a %d-byte frame is shorter than the length adjustment (%d)", n, w.o.adjust)
	}
	if uint64(v) > w.kind.maxField() {
		return 0, 0, w.fail(uint64(n), ErrFrameTooLarge, "%d-byte frame does not fit a %s length", n, w.kind)
	}
	return uint64(v), hlen, nil
}

func uvarintLen(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

func (w *writer) appendHeader(b []byte, field uint64, hlen int) []byte {
	switch w.kind {
	case BE8:
		return append(b, byte(field))
	case BE16:
		return binary.BigEndian.AppendUint16(b, uint16(field))
	case BE32:
		return binary.BigEndian.AppendUint32(b, uint32(field))
	case BE64:
		return binary.BigEndian.AppendUint64(b, field)
	}
	return binary.AppendUvarint(b, field)
}
