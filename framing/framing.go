package framing

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Kind is a framing: how the length of each frame is written in front of
// it.
type Kind int

const (
	BE8           Kind = iota // 1-byte big-endian length
	BE16                      // 2-byte big-endian length (the store protocol)
	BE32                      // 4-byte big-endian length
	BE64                      // 8-byte big-endian length
	Uvarint                   // unsigned LEB128 varint length, as encoding/binary writes it
	RecordMarking             // ONC RPC record marking (RFC 5531 §11)
)

var kindNames = [...]string{"be8", "be16", "be32", "be64", "uvarint", "rm"}

// String returns the kind's name as wirectl's --frame flag spells it.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// ParseKind returns the Kind a name ("be8", "be16", "be32", "be64",
// "uvarint", "rm") stands for.
func ParseKind(name string) (Kind, error) {
	for k, n := range kindNames {
		if n == name {
			return Kind(k), nil
		}
	}
	return 0, fmt.Errorf("framing: unknown kind %q (want be8, be16, be32, be64, uvarint or rm)", name)
}

// headerLen is the size of a fixed-size length field; 0 for Uvarint.
func (k Kind) headerLen() int {
	switch k {
	case BE8:
		return 1
	case BE16:
		return 2
	case BE32, RecordMarking:
		return 4
	case BE64:
		return 8
	}
	return 0
}

// HeaderLen is the length of the header in front of a payload of n
// bytes: the fixed length field, or the uvarint of n. For RecordMarking
// it is that of a record sent as one fragment (with the default
// FragmentSize, every record up to 2 GiB); a record of several fragments
// has a header per fragment.
func (k Kind) HeaderLen(n int) int {
	if k == Uvarint {
		return len(binary.AppendUvarint(nil, uint64(n)))
	}
	return k.headerLen()
}

// maxField is the largest value the length field can hold.
func (k Kind) maxField() uint64 {
	switch k {
	case BE8:
		return math.MaxUint8
	case BE16:
		return math.MaxUint16
	case BE32:
		return math.MaxUint32
	case RecordMarking:
		return maxFragment
	}
	return math.MaxInt64
}

// maxFragment is the largest fragment RFC 5531 can express (31 bits).
const maxFragment = 1<<31 - 1

// DefaultMaxFrame bounds frames (records, for RecordMarking) when no
// MaxFrame option is given; kinds whose field cannot express it are
// bounded by their field instead (255 for BE8, 65535 for BE16).
const DefaultMaxFrame = 16 << 20

// An Option configures a Reader or Writer. Options a kind cannot honour
// make NewReader and NewWriter panic: they are programming errors, not
// input errors.
type Option func(*options)

type options struct {
	maxFrame        int
	adjust          int64
	includesHeader  bool
	fragmentSize    int
	fragmentSet     bool
	discardTooLarge bool
}

// MaxFrame bounds the payload of a frame (for RecordMarking, the whole
// record across its fragments). Readers refuse larger frames with
// ErrFrameTooLarge before buffering any of them; writers refuse to write
// them, so a peer with the same limit never sees one.
func MaxFrame(n int) Option { return func(o *options) { o.maxFrame = n } }

// LengthAdjustment is added to the length field to get the payload length
// (Netty's lengthAdjustment): a protocol whose length also counts a 2-byte
// trailer not in the frame uses LengthAdjustment(-2). Writers subtract it.
func LengthAdjustment(n int) Option { return func(o *options) { o.adjust = int64(n) } }

// LengthIncludesHeader says the length field counts the header itself, as
// in protocols where the length is the size of the whole message.
func LengthIncludesHeader() Option { return func(o *options) { o.includesHeader = true } }

// FragmentSize is the largest fragment a RecordMarking writer emits: longer
// records are split. The default puts a record in one fragment when it fits
// (up to 2^31-1 bytes).
func FragmentSize(n int) Option {
	return func(o *options) { o.fragmentSize, o.fragmentSet = n, true }
}

// DiscardTooLarge puts a Reader in Netty's discard mode: after reporting an
// oversized frame with ErrFrameTooLarge, the next ReadFrame skips it,
// without buffering it, and returns the frame after it. Without it the
// error is final, as the stream cannot be trusted past a frame that was not
// read.
func DiscardTooLarge() Option { return func(o *options) { o.discardTooLarge = true } }

func configure(k Kind, opts []Option) options {
	if k < BE8 || k > RecordMarking {
		panic(fmt.Sprintf("framing: unknown %v", k))
	}
	o := options{maxFrame: DefaultMaxFrame, fragmentSize: maxFragment}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case o.maxFrame < 0:
		panic(fmt.Sprintf("framing: MaxFrame(%d) is negative", o.maxFrame))
	case o.fragmentSize <= 0 || o.fragmentSize > maxFragment:
		panic(fmt.Sprintf("framing: FragmentSize(%d) is not between 1 and 2^31-1", o.fragmentSize))
	case k == RecordMarking && (o.adjust != 0 || o.includesHeader):
		panic("framing: RecordMarking lengths are fixed by RFC 5531: no LengthAdjustment or LengthIncludesHeader")
	case k != RecordMarking && o.fragmentSet:
		panic("framing: FragmentSize applies to RecordMarking only")
	}
	if k != RecordMarking && k != Uvarint {
		// The limit of a kind whose field is small is what its field
		// can hold, whatever MaxFrame says.
		most := int64(k.maxField())
		if o.includesHeader {
			most -= int64(k.headerLen())
		}
		if o.adjust > 0 && most > math.MaxInt64-o.adjust {
			most = math.MaxInt64 // BE64: no cap beyond MaxFrame
		} else {
			most += o.adjust
		}
		if most < int64(o.maxFrame) {
			o.maxFrame = int(max(most, 0))
		}
	}
	return o
}

// Sentinel errors, wrapped in *Error.
var (
	// ErrFrameTooLarge: a frame's length is over the limit (MaxFrame, or
	// what the length field can hold).
	ErrFrameTooLarge = errors.New("frame too large")
	// ErrBadHeader: a length field that cannot be right: a uvarint longer
	// than 64 bits, or a length that the adjustment makes negative.
	ErrBadHeader = errors.New("bad frame header")
)

// Error describes a frame that could not be read or written.
type Error struct {
	Frame  int64  // index of the frame in the stream, from 0
	Offset int64  // stream offset of the frame's header
	Size   uint64 // payload length the header announced or the caller gave, if known
	Limit  int    // the limit that was broken, for ErrFrameTooLarge
	Err    error  // ErrFrameTooLarge, ErrBadHeader, io.ErrUnexpectedEOF, or an I/O error
	msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("framing: frame %d at offset %d: %s", e.Frame, e.Offset, e.msg)
}

func (e *Error) Unwrap() error { return e.Err }
