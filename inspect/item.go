package inspect

import (
	"errors"
	"fmt"
	"time"
)

// Kind is what an Item is.
type Kind uint8

const (
	Uint      Kind = iota // unsigned integer: Uint
	NegInt                // negative integer -1-Uint
	Bytes                 // byte string (MessagePack bin): Bytes
	Text                  // UTF-8 text string (MessagePack str): Bytes
	Array                 // Children
	Map                   // Children: key, value, key, value…
	Tag                   // CBOR tag number Tag of its one child
	Float                 // Float, FloatBits wide on the wire
	Bool                  // Bool
	Null                  // CBOR null, MessagePack nil
	Undefined             // CBOR undefined
	Simple                // CBOR simple value Uint (other than false…undefined)
	Ext                   // MessagePack extension ExtType of payload Bytes
	Timestamp             // MessagePack extension -1 holding a valid time: Time
)

var kindNames = [...]string{"uint", "negint", "bytes", "text", "array", "map", "tag", "float",
	"bool", "null", "undefined", "simple", "ext", "timestamp"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Format is the encoding an Item was read from; the writers render a few
// things differently for each (see WriteDiag).
type Format uint8

const (
	CBOR Format = iota
	MessagePack
)

// Item is one data item and where it lies in the input. Raw, Bytes and
// the Bytes of Chunks alias the input given to the parser (except Bytes
// of an indefinite-length string, a copy of its chunks joined).
type Item struct {
	Offset int64  // stream offset of the item's first byte (base + position)
	Head   int    // bytes of the head: initial byte and argument (MessagePack: type byte, length, ext type)
	Len    int64  // all of the item's bytes, children included (and a CBOR break byte)
	Raw    []byte // the Len bytes themselves
	Kind   Kind
	Format Format

	Uint      uint64 // Uint; NegInt: n of the value -1-n; Simple: its number
	Bool      bool
	Float     float64
	FloatBits int    // Float: 16, 32 or 64, the width on the wire
	Bytes     []byte // Bytes, Text (as bytes), Ext and Timestamp payload
	Tag       uint64 // Tag number
	ExtType   int8   // Ext and Timestamp (-1) extension type
	Time      time.Time

	Indefinite bool    // CBOR indefinite-length array, map, byte or text string
	Chunks     []*Item // an indefinite-length string's chunks, each a definite string of the same kind
	Children   []*Item // Array elements; Map: key, value, key, value…; Tag: its one content item
}

// DefaultMaxDepth is the nesting limit the parsers apply when given a
// maxDepth of zero or less.
const DefaultMaxDepth = 32

// Error is a parse error: what is wrong and the stream offset (base +
// position) of the item it concerns. It wraps one of io.ErrUnexpectedEOF,
// ErrMalformed, ErrDepth, ErrTrailingData or ErrTooManyItems.
type Error struct {
	Offset int64
	Msg    string
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("inspect: %s at offset %d", e.Msg, e.Offset) }
func (e *Error) Unwrap() error { return e.Err }

var (
	// ErrMalformed: the bytes break the format's rules (a reserved
	// initial byte, a misplaced break, invalid UTF-8 in text…).
	ErrMalformed = errors.New("malformed")
	// ErrDepth: arrays, maps and tags nest deeper than maxDepth.
	ErrDepth = errors.New("nesting too deep")
	// ErrTrailingData: bytes follow the one item.
	ErrTrailingData = errors.New("trailing data")
	// ErrTooManyItems: the value holds more than MaxItems items.
	ErrTooManyItems = errors.New("too many items")
)

// MaxItems bounds the items of one value the parsers build. An Item takes
// about 200 bytes, so a value of small items costs some 200 times its
// size; a million items (200 MB) is where a tool should stream instead.
const MaxItems = 1 << 20
