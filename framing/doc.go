// Package framing reads and writes length-prefixed frames: the layer every
// wirekit protocol reads and writes through.
//
//	w := framing.NewWriter(conn, framing.BE16)
//	err := w.WriteFrame([]byte(`["describe"]`)) // header and payload in one Write
//
//	r := framing.NewReader(conn, framing.BE16)
//	for {
//		frame, err := r.ReadFrame() // valid until the next ReadFrame
//		if err == io.EOF {
//			break // the peer closed between frames
//		}
//		...
//	}
//
// # Kinds
//
// Each frame is a length followed by that many bytes. BE8, BE16, BE32 and
// BE64 write the length as a 1-, 2-, 4- or 8-byte big-endian integer;
// Uvarint as an unsigned LEB128 varint (encoding/binary's AppendUvarint).
// The store protocol uses BE16:
//
//	BEFORE ENCODE (12 bytes)       AFTER ENCODE (14 bytes)
//	+----------------+             +--------+----------------+
//	| "HELLO, WORLD" |    ---->    | 0x000C | "HELLO, WORLD" |
//	+----------------+             +--------+----------------+
//
// RecordMarking is ONC RPC's record marking (RFC 5531 §11): a record is
// sent as fragments, each with a 4-byte header whose top bit marks the last
// fragment and whose low 31 bits are the fragment's length. ReadFrame
// returns whole records:
//
//	+------------+-------+------------+-------+
//	| 0x00000004 | "abcd"| 0x80000002 | "ef"  |   ---->   "abcdef"
//	+------------+-------+------------+-------+
//	 not last,     4 bytes  last, 2 bytes
//
// # Options
//
// Modelled on Netty's LengthFieldBasedFrameDecoder and LengthFieldPrepender.
// MaxFrame bounds frames (DefaultMaxFrame, 16 MiB, applies when it is not
// given; for RecordMarking it bounds the whole record). LengthIncludesHeader
// and LengthAdjustment describe protocols whose length field counts more or
// less than the payload:
//
//	LengthIncludesHeader(), or equally LengthAdjustment(-2), with BE16:
//
//	BEFORE DECODE (14 bytes)                 AFTER DECODE (12 bytes)
//	+--------+----------------+              +----------------+
//	| 0x000E | "HELLO, WORLD" |    ---->     | "HELLO, WORLD" |
//	+--------+----------------+              +----------------+
//
// FragmentSize splits long records into fragments when writing.
// DiscardTooLarge lets a Reader skip an oversized frame and go on (Netty's
// discard mode).
//
// # Hostile input
//
// A Reader never buffers more than it has received (its buffer grows by
// doubling as a frame's bytes arrive, up to the frame), so a header that
// announces gigabytes and sends nothing costs nothing; a frame over the
// limit is refused before any of it is read; a prefix that arrives a byte
// at a time is read correctly; a reader that returns nothing forever ends
// in io.ErrNoProgress. Errors are *Error, naming the frame's index and
// offset, and wrap io.ErrUnexpectedEOF, ErrFrameTooLarge, ErrBadHeader or
// the underlying I/O error.
package framing
