package marshal

import (
	"errors"
	"fmt"
	"io"
)

// valueScanner finds where one value ends in a stream of a self-delimiting
// format (JSON, MessagePack, CBOR) while checking it against the limits.
// reset starts a value at stream offset base; scan then continues over the
// value's bytes so far (see mpScanner.scan).
type valueScanner interface {
	reset(base int64)
	scan(buf []byte, complete bool) (end, need int, err error)
}

// streamDecoder is the Decoder of the self-delimiting formats. It reads
// from r only as bytes arrive, so a value that declares a huge length
// costs memory for the bytes actually received, and never more than
// MaxBytes; lets the scanner delimit and check each value; and only then
// hands the value's bytes to the library.
type streamDecoder struct {
	codec string
	lim   Limits
	sc    valueScanner
	space func([]byte) int // leading bytes that belong to no value (JSON whitespace), or nil
	// decode decodes one value the scanner delimited; the offsets of its
	// errors are relative to the value.
	decode func(raw []byte, v any) error

	window
	off     int64 // stream offset of buf[start]
	inValue bool  // a value starts at buf[start] and the scanner holds its state
	err     error // sticky
}

// window is the buffered bytes of a stream, buf[start:end], read as the
// decoders need them.
type window struct {
	r          io.Reader
	buf        []byte
	start, end int
	eof        bool  // r has reported io.EOF
	rerr       error // another error from r, returned once the buffer is used up
}

const firstStreamBuf = 4 << 10

// maxEmptyReads bounds how many times a reader may return (0, nil) in a row
// before Decode gives up with io.ErrNoProgress.
const maxEmptyReads = 100

func (d *streamDecoder) Decode(v any) error {
	if d.err != nil {
		return d.err
	}
	off := d.off
	raw, err := d.next()
	if err != nil {
		d.err = err
		return err
	}
	if err := d.decode(raw, v); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Offset >= 0 {
			e.Offset += off
		}
		if errors.Is(err, ErrMalformed) {
			d.err = err
		}
		return err
	}
	return nil
}

// next returns the bytes of the next value, which stay valid until the
// next call.
func (d *streamDecoder) next() ([]byte, error) {
	for {
		if !d.inValue {
			if d.space != nil {
				n := d.space(d.buf[d.start:d.end])
				d.start += n
				d.off += int64(n)
			}
			if d.start < d.end {
				d.sc.reset(d.off)
				d.inValue = true
			}
		}
		if d.inValue {
			end, need, err := d.sc.scan(d.buf[d.start:d.end], d.eof)
			if err != nil {
				return nil, err
			}
			if end > 0 {
				raw := d.buf[d.start : d.start+end]
				d.start += end
				d.off += int64(end)
				d.inValue = false
				return raw, nil
			}
			if d.end-d.start+need > d.lim.MaxBytes {
				return nil, newError(d.codec, d.off, ErrTooLarge,
					fmt.Sprintf("value is larger than the limit of %d bytes", d.lim.MaxBytes))
			}
		}
		if d.eof || d.rerr != nil {
			if d.rerr != nil {
				return nil, libError(d.codec, d.off+int64(d.end-d.start), d.rerr)
			}
			// Between values (scan was told the input is complete, so a
			// value in progress has already failed).
			return nil, io.EOF
		}
		// No value may exceed MaxBytes; a little more lets the next
		// value's first bytes in.
		d.fill(d.lim.MaxBytes + firstStreamBuf)
	}
}

// fill reads once into the free end of the buffer, first making room:
// buffered bytes move to the front, and the buffer doubles when they fill
// it, up to limit bytes, so it never holds much more than what has
// arrived or what the caller allows.
func (w *window) fill(limit int) {
	if w.start == w.end {
		w.start, w.end = 0, 0
	}
	if w.end == len(w.buf) {
		n := w.end - w.start
		if w.start == 0 || n > len(w.buf)/2 {
			size := min(max(2*len(w.buf), firstStreamBuf), limit)
			nb := make([]byte, max(size, len(w.buf)))
			copy(nb, w.buf[w.start:w.end])
			w.buf = nb
		} else {
			copy(w.buf, w.buf[w.start:w.end])
		}
		w.start, w.end = 0, n
	}
	n, eof, err := readSome(w.r, w.buf[w.end:])
	w.end += n
	w.eof = w.eof || eof
	if err != nil {
		w.rerr = err
	}
}

// grow moves the buffered bytes into a buffer of size bytes, if that is
// larger than the buffer.
func (w *window) grow(size int) {
	if size <= len(w.buf) {
		return
	}
	nb := make([]byte, size)
	w.start, w.end = 0, copy(nb, w.buf[w.start:w.end])
	w.buf = nb
}

// readSome reads into buf once, retrying reads that return nothing (at
// most maxEmptyReads times, then io.ErrNoProgress), and reports the count,
// whether the reader is at its end, and any other error.
func readSome(r io.Reader, buf []byte) (n int, eof bool, err error) {
	for range maxEmptyReads {
		n, err := r.Read(buf)
		switch {
		case err == io.EOF:
			return n, true, nil
		case n > 0 || err != nil:
			return n, false, err
		}
	}
	return 0, false, io.ErrNoProgress
}
