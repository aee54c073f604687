package marshal

import (
	"fmt"
	"io"
	"math"
	"reflect"
	"sync"
)

// This file checks gob streams before encoding/gob reads them. encoding/gob
// trusts what it reads: a map count goes straight to
// reflect.MakeMapWithSize (a ten-byte message can declare 1<<28 pairs and
// cost gigabytes), recursive types decode by Go recursion (a few megabytes
// of a deep list can reach the 1 GB stack limit, a fatal error that recover
// cannot catch), and nothing it does can be configured. The checker walks
// each message against the type definitions the stream has sent, on an
// explicit stack, and refuses a message before gob allocates anything for
// it.
//
// The wire format (see encoding/gob's doc.go; decode.go is the truth) is a
// sequence of messages, each an unsigned byte count and that many bytes.
// A message holds either a type definition, int(-id) and a wireType value,
// or a value, int(id) and its encoding. For type Point struct{ X, Y int }
// and Point{22, 33}:
//
//	1e                    message of 30 bytes
//	   7f                 int(-64): defines type 64
//	   03 01 01 05 'Point' 01 ff 80 00 01 02 01 01 'X' 01 04 00 01 01 'Y' 01 04 00 00 00
//	                      wireType{StructT: {CommonType{"Point", 64}, [{"X", int}, {"Y", int}]}}
//	07                    message of 7 bytes
//	   ff 80              int(64): a value of type 64
//	   01 2c 01 42 00     field +1 = 22, field +1 = 33, end of struct
//
// An unsigned integer below 0x80 is one byte; otherwise the byte is a
// negated count (1 to 8) of big-endian bytes that follow. An int is a uint
// whose low bit says to complement the rest. A top-level value that is not
// a struct is sent as a struct of one field: a zero byte, then the value.
//
// An interface value is its concrete type's registered name, any type
// definitions the value needs, the concrete type id, a byte count and the
// concrete value (again as a top-level value). The type definitions are
// what makes a value span messages: when an interface that is not inside
// another interface value needs a new type, gob's Encoder ends the message
// after the name and the first definition, sends the other definitions as
// messages of their own, and goes on with the concrete type id in a new
// message. Inside an interface value the definitions stay inline, each
// followed by a byte count.

// Builtin type ids of encoding/gob (type.go).
const (
	gobTBool       = 1
	gobTInt        = 2
	gobTUint       = 3
	gobTFloat      = 4
	gobTBytes      = 5
	gobTString     = 6
	gobTComplex    = 7
	gobTInterface  = 8
	gobFirstUserID = 64   // the lowest id a stream may define
	gobMaxNameLen  = 1024 // decodeInterface refuses longer concrete-type names
)

type gobKind uint8

const (
	gkStruct gobKind = iota + 1
	gkSlice
	gkArray
	gkMap
	gkOpaque // GobEncoder, BinaryMarshaler or TextMarshaler: a byte string
)

// gobType is a type definition the stream has sent, reduced to what the
// walk needs: names are checked and dropped.
type gobType struct {
	kind   gobKind
	elem   int32    // slice, array, map
	key    int32    // map
	len    int64    // array
	fields []int32  // struct: the type id of each field, in wire order
	names  []string // struct: the name of each field
	opaque string   // gkOpaque: which interface made it, for messages
	// iface: a value of this type may hold an interface value, so (outside
	// any interface value) it may go on in the next message.
	iface bool
	holds int8 // see holdsStruct: 0 not known yet, 1 no, 2 yes
}

type gobFrameKind uint8

const (
	gfStruct gobFrameKind = iota + 1
	gfList                // slice or array
	gfMap
	gfIface
)

// gobFrame is one open container of the walk.
type gobFrame struct {
	kind   gobFrameKind
	fields []int32 // struct
	field  int     // struct: the last field number read, -1 at the start
	elem   int32   // list, map
	key    int32   // map
	// list: the definition of elem, looked up when the frame is pushed
	// (nil for a builtin type, or one not defined then)
	et   *gobType
	n    uint64 // list: elements left; map: pairs left
	half bool   // map: the key of the current pair has been read
	// Interface: seq while reading the type definitions and concrete type
	// id; then countEnd is where its byte count says the concrete value
	// ends, and defEnd, when not -1, is where the first type definition
	// inlined at this level of its value ends. gob's Encoder ends the byte
	// count there (it flushes the value's buffer when a nested interface
	// defines a type).
	seq      bool
	countEnd int64
	defEnd   int64
	name     string // the concrete type's registered name
}

// gobChecker follows a gob stream message by message, remembering the type
// definitions it has seen, and checks each message before encoding/gob
// reads it. It enforces:
//
//   - unsigned integers: a lead byte 0x80-0xf7 (a byte count over 8) is
//     ErrMalformed; one that runs past its message is io.ErrUnexpectedEOF;
//   - an empty message is ErrMalformed (gob would report a clean io.EOF);
//   - type definitions: the wireType struct exactly as gob encodes it
//     (field numbers in range, each struct ending in its 0 delta, exactly
//     one kind, type ids within int32, non-empty field names); an id below
//     64 or one already defined is ErrMalformed, and so are bytes after the
//     definition in its message (gob: "extra data in buffer");
//   - values are walked against their types; an id that is not defined
//     when a value uses it is ErrMalformed; struct field deltas must stay
//     inside the struct; a top-level value that is not a struct starts
//     with a zero byte; an array's count must equal its length;
//   - every count or length must fit in the bytes left (an element takes at
//     least a byte, a map pair two), else ErrTooLarge, before anything is
//     allocated; then a count over MaxElements is ErrElements;
//   - each struct, slice, array, map and interface value entered is one
//     level; deeper than MaxDepth is ErrDepth;
//   - an interface's type name is at most 1024 bytes (as gob requires); its
//     byte count must fit in the message and must end where its concrete
//     value ends (or where gob's Encoder ends it, at the first type
//     definition inlined in the value), else ErrMalformed: gob skips an
//     interface value it has no field for by that count, so a count that
//     disagrees with the value would make gob read bytes this walk did not
//     check as something else;
//   - a message with bytes after its value is ErrTrailingData (gob drops
//     them silently).
//
// A value may only go on in the next message where gob's decoder would read
// one: in the type definitions of an interface value that is not inside
// another interface value. A count outside interface values whose elements
// may hold interfaces may therefore be backed by bytes of later messages:
// for those, the bound is the bytes left in the message plus more.
//
// The walk uses an explicit stack of at most MaxDepth frames; time is
// linear in the input and memory proportional to it (type table included).
// After an error the stream cannot be followed: a checker that returned
// one must not be used again.
type gobChecker struct {
	lim Limits
	// The type definitions by id (see typeOf): dense[id-gobFirstUserID]
	// for the ids near the first one, which is where gob's Encoder
	// assigns them, and sparse for the others.
	dense  []*gobType
	sparse map[int32]*gobType
	ntypes int
	// rev[id] lists the defined types that refer to id while id is not yet
	// known to hold interfaces; see link.
	rev map[int32][]int32

	// more is how many bytes may still follow the current message within
	// the same value: the rest of the input for Unmarshal, what is left of
	// MaxBytes for a Decoder. The caller sets it before each message.
	more int64

	stack    []gobFrame
	ifaces   []int // indices in stack of the interface frames
	inValue  int   // interface frames walking their concrete value
	midValue bool  // the current value goes on in the next message
	defsSeen bool  // type definitions arrived since the last value

	// Of the current value, for maySkip: its type id; whether it holds
	// a shape gob misreads when it skips it (a nil interface value, or
	// an interface value that defines types); and the concrete types of
	// its interface values.
	valueID   int32
	ambiguous bool
	concrete  map[gobConcrete]bool
	ifaceSkip int8              // of maySkip: 0 not known yet, 1 no, 2 yes, 3 being found
	names     map[string]string // see intern

	body []byte
	pos  int
	base int64 // stream offset of body[0]
	last int   // where the last field delta of a wireType struct began

	// Storage that definitions take their gobType, field ids and field
	// names from, a chunk at a time, so that a definition costs few
	// allocations.
	typeSlab []gobType
	idSlab   []int32
	nameSlab []string
	interned int // bytes held by names
}

func newGobChecker(lim Limits) *gobChecker {
	return &gobChecker{lim: lim, rev: make(map[int32][]int32)}
}

// gobCheckers holds checkers for Unmarshal, which needs a fresh one per
// call: see getGobChecker.
var gobCheckers sync.Pool

// getGobChecker returns a checker for a new stream, reusing one a
// finished Unmarshal gave back with putGobChecker.
func getGobChecker(lim Limits) *gobChecker {
	c, _ := gobCheckers.Get().(*gobChecker)
	if c == nil {
		return newGobChecker(lim)
	}
	c.lim = lim
	return c
}

// putGobChecker resets c to the state of a new checker, keeping its
// storage (and its interned names, within bounds), and pools it.
func putGobChecker(c *gobChecker) {
	clear(c.dense)
	clear(c.rev)
	clear(c.concrete)
	if c.sparse != nil || len(c.dense) > 4096 {
		c.dense, c.sparse = nil, nil
	}
	if c.interned > 64<<10 {
		c.names, c.interned = nil, 0
	}
	clear(c.typeSlab)
	clear(c.nameSlab)
	*c = gobChecker{
		dense: c.dense[:0], sparse: c.sparse, rev: c.rev, concrete: c.concrete, names: c.names, interned: c.interned,
		stack: c.stack[:0], ifaces: c.ifaces[:0],
		typeSlab: c.typeSlab[:0], idSlab: c.idSlab[:0], nameSlab: c.nameSlab[:0],
	}
	gobCheckers.Put(c)
}

// typeOf returns the definition of type id, or nil.
func (c *gobChecker) typeOf(id int32) *gobType {
	if i := uint32(id) - gobFirstUserID; i < uint32(len(c.dense)) {
		return c.dense[i]
	}
	return c.sparse[id]
}

// setType records t as the definition of id (at least gobFirstUserID).
// dense grows only in proportion to the count of definitions, however
// large the ids.
func (c *gobChecker) setType(id int32, t *gobType) {
	c.ntypes++
	i := int(id) - gobFirstUserID
	switch {
	case i < len(c.dense):
		c.dense[i] = t
	case i < 4*c.ntypes+256:
		c.dense = append(c.dense, make([]*gobType, i+1-len(c.dense))...)
		c.dense[i] = t
	default:
		if c.sparse == nil {
			c.sparse = make(map[int32]*gobType)
		}
		c.sparse[id] = t
	}
}

// newType returns a zero gobType from c's storage.
func (c *gobChecker) newType() *gobType {
	if len(c.typeSlab) == cap(c.typeSlab) {
		c.typeSlab = make([]gobType, 0, min(max(2*cap(c.typeSlab), 2), 32))
	}
	c.typeSlab = c.typeSlab[:len(c.typeSlab)+1]
	return &c.typeSlab[len(c.typeSlab)-1]
}

// newFields returns zeroed field ids and names for a struct type of n
// fields from c's storage.
func (c *gobChecker) newFields(n int) ([]int32, []string) {
	// Chunks start small, for a stream of few types, and double.
	if cap(c.idSlab)-len(c.idSlab) < n {
		c.idSlab = make([]int32, 0, max(n, min(2*cap(c.idSlab), 256), 8))
	}
	if cap(c.nameSlab)-len(c.nameSlab) < n {
		c.nameSlab = make([]string, 0, max(n, min(2*cap(c.nameSlab), 256), 8))
	}
	i, j := len(c.idSlab), len(c.nameSlab)
	c.idSlab, c.nameSlab = c.idSlab[:i+n], c.nameSlab[:j+n]
	ids, names := c.idSlab[i:i+n:i+n], c.nameSlab[j:j+n:j+n]
	clear(ids)
	return ids, names
}

// pending reports whether the stream may not end here: a value has begun,
// or type definitions announce one.
func (c *gobChecker) pending() bool { return c.midValue || c.defsSeen }

// message checks one message; body is the bytes after its length count
// and off is the stream offset of body[0] (for error offsets). It records
// a type definition, or walks a value against the recorded types.
// isValue is true when the message completes a value; a value whose
// interface values define types may need several messages, and message
// returns false, nil until the last one.
func (c *gobChecker) message(body []byte, off int64) (isValue bool, err error) {
	c.body, c.pos, c.base = body, 0, off
	if len(body) == 0 {
		// gob's decoder reads a type id from it and fails (mid-value, or
		// at the top, reports a clean io.EOF).
		return false, c.fail(ErrMalformed, "empty message")
	}
	if c.midValue {
		c.midValue = false
		return c.walk()
	}
	u, err := c.uint("a type id")
	if err != nil {
		return false, err
	}
	id := int32(gobToInt(u)) // gob truncates ids to its 32-bit typeId
	if id < 0 {
		if err := c.define(-id, 0); err != nil {
			return false, err
		}
		if left := c.left(); left > 0 {
			return false, c.fail(ErrMalformed, fmt.Sprintf("%d bytes after the definition of type %d in its message", left, -id))
		}
		c.defsSeen = true
		return false, nil
	}
	c.valueID, c.ambiguous, c.ifaceSkip = id, false, 0
	clear(c.concrete)
	if t := c.typeOf(id); t != nil && t.kind == gkStruct {
		// The fast path: a struct of scalar fields that fills the rest
		// of the message, walked without a frame on the stack (one
		// level, within any MaxDepth). Anything else goes the general
		// way, from the start of the struct.
		f := gobFrame{kind: gfStruct, fields: t.fields, field: -1}
		at := c.pos
		c.scalarFields(&f)
		if c.pos == len(c.body)-1 && c.body[c.pos] == 0 {
			c.pos++
			c.defsSeen = false
			return true, nil
		}
		c.pos = at
	}
	if err := c.enterTop(id, 0); err != nil {
		return false, err
	}
	return c.walk()
}

// walk runs the work stack until the value is complete or, in the type
// definitions of an interface value outside any other, the message ends.
func (c *gobChecker) walk() (bool, error) {
	for len(c.stack) > 0 {
		i := len(c.stack) - 1
		f := &c.stack[i]
		switch f.kind {
		case gfStruct:
			c.scalarFields(f)
			at := c.pos
			d, err := c.uint("a struct field number")
			if err != nil {
				return false, err
			}
			if d == 0 {
				c.stack = c.stack[:i]
				continue
			}
			if d > uint64(len(f.fields)-1-f.field) {
				return false, c.failAt(at, ErrMalformed, fmt.Sprintf("field delta %d after field %d is out of range: the struct has %d fields", d, f.field, len(f.fields)))
			}
			f.field += int(d)
			if err := c.enter(f.fields[f.field]); err != nil {
				return false, err
			}
		case gfList:
			if f.n > 0 && f.elem < gobFirstUserID {
				c.scalarElems(f)
			} else if f.et != nil && f.et.kind == gkStruct && len(c.stack) < c.lim.MaxDepth {
				// The fast path for structs of scalar fields, as in
				// message: each walked without a frame, one level below
				// the list (within MaxDepth), or, at the first that is
				// anything else, the general way from its start.
				for f.n > 0 {
					e := gobFrame{kind: gfStruct, fields: f.et.fields, field: -1}
					at := c.pos
					c.scalarFields(&e)
					if c.pos >= len(c.body) || c.body[c.pos] != 0 {
						c.pos = at
						break
					}
					c.pos++
					f.n--
				}
			}
			if f.n == 0 {
				c.stack = c.stack[:i]
				continue
			}
			f.n--
			var err error
			if f.et != nil {
				err = c.enterType(f.elem, f.et)
			} else {
				err = c.enter(f.elem)
			}
			if err != nil {
				return false, err
			}
		case gfMap:
			if !f.half {
				if f.n == 0 {
					c.stack = c.stack[:i]
					continue
				}
				f.half = true
				if err := c.enter(f.key); err != nil {
					return false, err
				}
				continue
			}
			f.half = false
			f.n--
			if err := c.enter(f.elem); err != nil {
				return false, err
			}
		case gfIface:
			if f.seq {
				suspended, err := c.typeSequence(i)
				if err != nil {
					return false, err
				}
				if suspended {
					c.midValue = true
					return false, nil
				}
				continue
			}
			// The concrete value is complete.
			want := c.off()
			if f.defEnd >= 0 {
				want = f.defEnd
			}
			if f.countEnd != want {
				return false, c.fail(ErrMalformed, fmt.Sprintf("interface value's byte count ends at offset %d, its value at %d", f.countEnd, want))
			}
			c.inValue--
			c.ifaces = c.ifaces[:len(c.ifaces)-1]
			c.stack = c.stack[:i]
		}
	}
	if left := c.left(); left > 0 {
		return false, c.fail(ErrTrailingData, fmt.Sprintf("%d bytes after the value in its message", left))
	}
	c.defsSeen = false
	return true, nil
}

// typeSequence reads, for the interface frame at i, type definitions up to
// the concrete type id and the value's byte count, then enters the value.
// It reports suspended when the message ends where gob's decoder reads the
// next message.
func (c *gobChecker) typeSequence(i int) (suspended bool, err error) {
	for {
		if c.left() == 0 {
			if c.inValue == 0 {
				return true, nil
			}
			return false, c.fail(ErrMalformed, "message ends inside the type definitions of an interface value nested in another")
		}
		at := c.pos
		u, err := c.uint("a type id")
		if err != nil {
			return false, err
		}
		id := int32(gobToInt(u))
		if id < 0 {
			if err := c.define(-id, at); err != nil {
				return false, err
			}
			if c.inValue > 0 {
				// gob's Encoder ends the byte count of the interface
				// value around this one here, so skipping that value
				// by its count would stop short.
				c.ambiguous = true
				// The definition is inline in the value of the interface
				// around this one.
				o := &c.stack[c.ifaces[len(c.ifaces)-2]]
				if o.defEnd < 0 {
					o.defEnd = c.off()
				}
			}
			if c.left() > 0 {
				// gob reads and ignores the byte count of what follows.
				at := c.pos
				n, err := c.uint("a byte count after a type definition")
				if err != nil {
					return false, err
				}
				if left := c.left(); n > uint64(left) {
					return false, c.failAt(at, ErrTooLarge, fmt.Sprintf("byte count %d after a type definition needs more than the %d bytes left", n, left))
				}
			}
			continue
		}
		if id == gobTInterface {
			return false, c.failAt(at, ErrMalformed, "interface value whose concrete type is interface")
		}
		idAt := at
		at = c.pos
		n, err := c.uint("an interface value's byte count")
		if err != nil {
			return false, err
		}
		if left := c.left(); n > uint64(left) {
			return false, c.failAt(at, ErrTooLarge, fmt.Sprintf("interface value of %d bytes needs more than the %d bytes left", n, left))
		}
		f := &c.stack[i]
		if c.holdsStruct(id) {
			if c.concrete == nil {
				c.concrete = make(map[gobConcrete]bool)
			}
			c.concrete[gobConcrete{f.name, id}] = true
		}
		f.seq = false
		f.countEnd = c.off() + int64(n)
		c.inValue++
		return false, c.enterTop(id, idAt)
	}
}

// scalarFields is the fast path of a struct frame: it consumes the fields
// that follow while they are of builtin scalar types (numbers, strings,
// byte slices) in their common, well-formed encodings, and stops at the
// first that is not, at its field delta, for walk's general code to
// handle or report. It accepts nothing that code would refuse.
func (c *gobChecker) scalarFields(f *gobFrame) {
	body, pos, field, fields := c.body, c.pos, f.field, f.fields
	for pos < len(body) {
		d := int(body[pos]) // a one-byte field delta; 0 ends the struct
		if d == 0 || d >= 0x80 || d > len(fields)-1-field {
			break
		}
		p := pos + 1
		switch fields[field+d] {
		case gobTBool, gobTInt, gobTUint, gobTFloat:
			p = gobUintEnd(body, p)
		case gobTString, gobTBytes:
			p = gobShortBytesEnd(body, p)
		default:
			p = -1
		}
		if p < 0 {
			break
		}
		pos, field = p, field+d
	}
	c.pos, f.field = pos, field
}

// scalarElems is the fast path of a list frame whose elements are of a
// builtin type: as scalarFields, for elements.
func (c *gobChecker) scalarElems(f *gobFrame) {
	body, pos, n := c.body, c.pos, f.n
	switch f.elem {
	case gobTBool, gobTInt, gobTUint, gobTFloat:
		for n > 0 {
			p := gobUintEnd(body, pos)
			if p < 0 {
				break
			}
			pos, n = p, n-1
		}
	case gobTString, gobTBytes:
		for n > 0 {
			p := gobShortBytesEnd(body, pos)
			if p < 0 {
				break
			}
			pos, n = p, n-1
		}
	}
	c.pos, f.n = pos, n
}

// gobUintEnd returns where the gob unsigned integer at b[p:] ends, or -1
// if b does not hold a well-formed one there.
func gobUintEnd(b []byte, p int) int {
	if p < len(b) {
		if b[p] < 0x80 {
			return p + 1
		}
		if n := -int(int8(b[p])); n <= 8 && n < len(b)-p {
			return p + 1 + n
		}
	}
	return -1
}

// gobShortBytesEnd returns where the byte string at b[p:] ends when its
// length takes one byte and it fits in b, or -1.
func gobShortBytesEnd(b []byte, p int) int {
	if p < len(b) && b[p] < 0x80 && int(b[p]) < len(b)-p {
		return p + 1 + int(b[p])
	}
	return -1
}

// enterTop enters a value sent as a top-level value (a message's value or
// an interface's concrete value) of type id, read at idAt: a struct, or the
// singleton form, a zero delta and the value.
func (c *gobChecker) enterTop(id int32, idAt int) error {
	if t := c.typeOf(id); t != nil && t.kind == gkStruct {
		return c.openStruct(t, c.pos)
	}
	if id <= 0 || id > gobTInterface && c.typeOf(id) == nil {
		return c.failAt(idAt, ErrMalformed, fmt.Sprintf("value of unknown type id %d", id))
	}
	at := c.pos
	d, err := c.uint("a value's zero delta")
	if err != nil {
		return err
	}
	if d != 0 {
		return c.failAt(at, ErrMalformed, fmt.Sprintf("non-struct value starts with field delta %d, not 0", d))
	}
	return c.enter(id)
}

// enter consumes a value of type id, or pushes a frame for it.
func (c *gobChecker) enter(id int32) error {
	switch id {
	case gobTBool, gobTInt, gobTUint, gobTFloat:
		_, err := c.uint("a number")
		return err
	case gobTComplex:
		if _, err := c.uint("a complex number"); err != nil {
			return err
		}
		_, err := c.uint("a complex number")
		return err
	case gobTBytes:
		return c.skip("[]byte")
	case gobTString:
		return c.skip("string")
	case gobTInterface:
		return c.enterInterface()
	}
	return c.enterType(id, c.typeOf(id))
}

// enterType is enter for a type id of the stream's, whose definition is t
// (nil if there is none).
func (c *gobChecker) enterType(id int32, t *gobType) error {
	if t == nil {
		return c.fail(ErrMalformed, fmt.Sprintf("value of unknown type id %d", id))
	}
	at := c.pos
	switch t.kind {
	case gkOpaque:
		return c.skip(t.opaque)
	case gkStruct:
		return c.openStruct(t, at)
	case gkSlice, gkArray:
		what := "slice"
		if t.kind == gkArray {
			what = "array"
		}
		if err := c.depth(what, at); err != nil {
			return err
		}
		n, err := c.uintOf("the length of a ", what)
		if err != nil {
			return err
		}
		if t.kind == gkArray && (t.len < 0 || n != uint64(t.len)) {
			return c.failAt(at, ErrMalformed, fmt.Sprintf("array of length %d sent with %d elements", t.len, n))
		}
		if err := c.count(at, what, "elements", n, 1, c.mayHold(t.elem)); err != nil {
			return err
		}
		f, err := c.open(gfList, what, at)
		if err != nil {
			return err
		}
		f.elem, f.n, f.et = t.elem, n, c.typeOf(t.elem)
		return nil
	case gkMap:
		if err := c.depth("map", at); err != nil {
			return err
		}
		n, err := c.uintOf("the length of a ", "map")
		if err != nil {
			return err
		}
		if err := c.count(at, "map", "pairs", n, 2, c.mayHold(t.key) || c.mayHold(t.elem)); err != nil {
			return err
		}
		f, err := c.open(gfMap, "map", at)
		if err != nil {
			return err
		}
		f.key, f.elem, f.n, f.half = t.key, t.elem, n, false
		return nil
	}
	return c.fail(ErrMalformed, fmt.Sprintf("value of unknown type id %d", id))
}

// enterInterface reads an interface value's type name: an empty name is a
// nil interface, anything else opens a frame for the type definitions and
// concrete value that follow.
func (c *gobChecker) enterInterface() error {
	at := c.pos
	if err := c.depth("interface value", at); err != nil {
		return err
	}
	n, err := c.uint("an interface type name length")
	if err != nil {
		return err
	}
	if left := c.left(); n > uint64(left) {
		return c.failAt(at, ErrTooLarge, fmt.Sprintf("interface type name of %d bytes needs more than the %d bytes left", n, left))
	}
	if n == 0 {
		c.ambiguous = true // a nil interface value
		return nil
	}
	if n > gobMaxNameLen {
		return c.failAt(at, ErrMalformed, fmt.Sprintf("interface type name of %d bytes is longer than gob's %d", n, gobMaxNameLen))
	}
	name := c.body[c.pos : c.pos+int(n)]
	c.pos += int(n)
	c.ifaces = append(c.ifaces, len(c.stack))
	f, err := c.open(gfIface, "interface value", at)
	if err != nil {
		return err
	}
	f.seq, f.defEnd, f.name = true, -1, c.intern(name)
	return nil
}

// count checks n elements of at least per bytes each against the bytes
// left and MaxElements. lax allows bytes of later messages (see
// gobChecker).
func (c *gobChecker) count(at int, what, unit string, n, per uint64, lax bool) error {
	bound := uint64(c.left())
	if lax && c.inValue == 0 && c.more > 0 {
		bound += uint64(c.more)
	}
	if n > bound/per {
		return c.failAt(at, ErrTooLarge, fmt.Sprintf("%s of %d %s needs more than the %d bytes left", what, n, unit, bound))
	}
	if n > uint64(c.lim.MaxElements) {
		return c.failAt(at, ErrElements, fmt.Sprintf("%s of %d %s exceeds MaxElements %d", what, n, unit, c.lim.MaxElements))
	}
	return nil
}

// mayHold reports whether a value of type id may hold an interface value.
func (c *gobChecker) mayHold(id int32) bool {
	if id == gobTInterface {
		return true
	}
	t := c.typeOf(id)
	return t != nil && t.iface
}

func (c *gobChecker) depth(what string, at int) error {
	if len(c.stack) >= c.lim.MaxDepth {
		return c.failAt(at, ErrDepth, fmt.Sprintf("%s nested deeper than MaxDepth %d", what, c.lim.MaxDepth))
	}
	return nil
}

// open pushes a frame of kind k and returns it, for the caller to set
// every other field its kind uses (the others hold stale values); what and
// at are for the error when it would nest too deep. The frame is built in
// place: copying one in after building it on the Go stack costs more than
// the rest of a small struct's walk.
func (c *gobChecker) open(k gobFrameKind, what string, at int) (*gobFrame, error) {
	if len(c.stack) >= c.lim.MaxDepth {
		return nil, c.depth(what, at)
	}
	if len(c.stack) < cap(c.stack) {
		c.stack = c.stack[:len(c.stack)+1]
	} else {
		c.stack = append(c.stack, gobFrame{})
	}
	f := &c.stack[len(c.stack)-1]
	f.kind = k
	return f, nil
}

// openStruct pushes the frame of a struct value of type t.
func (c *gobChecker) openStruct(t *gobType, at int) error {
	f, err := c.open(gfStruct, "struct", at)
	if err != nil {
		return err
	}
	f.fields, f.field = t.fields, -1
	return nil
}

// skip consumes a byte string: a length and that many bytes.
func (c *gobChecker) skip(what string) error {
	_, err := c.skipLen(what)
	return err
}

// skipLen is skip, returning the string's length.
func (c *gobChecker) skipLen(what string) (uint64, error) {
	at := c.pos
	n, err := c.uintOf("the length of a ", what)
	if err != nil {
		return 0, err
	}
	if left := c.left(); n > uint64(left) {
		return 0, c.failAt(at, ErrTooLarge, fmt.Sprintf("%s of %d bytes needs more than the %d bytes left", what, n, left))
	}
	c.pos += int(n)
	return n, nil
}

// define reads the wireType for type id (whose int(-id) started at at) and
// records it.
func (c *gobChecker) define(id int32, at int) error {
	if id < gobFirstUserID {
		return c.failAt(at, ErrMalformed, fmt.Sprintf("definition of type id %d, below gob's first user id %d", id, gobFirstUserID))
	}
	if c.typeOf(id) != nil {
		return c.failAt(at, ErrMalformed, fmt.Sprintf("duplicate definition of type id %d", id))
	}
	t, err := c.wireType()
	if err != nil {
		return err
	}
	c.setType(id, t)
	c.link(id, t)
	return nil
}

// wireType parses encoding/gob's wireType struct, itself gob-encoded with
// builtin type ids:
//
//	wireType       {ArrayT *arrayType; SliceT *sliceType; StructT *structType;
//	                MapT *mapType; GobEncoderT, BinaryMarshalerT, TextMarshalerT *gobEncoderType}
//	arrayType      {CommonType; Elem typeId; Len int}
//	sliceType      {CommonType; Elem typeId}
//	structType     {CommonType; Field []fieldType}
//	fieldType      {Name string; Id typeId}
//	mapType        {CommonType; Key, Elem typeId}
//	gobEncoderType {CommonType}
//	CommonType     {Name string; Id typeId}
//
// The schema is fixed, so the Go recursion here is at most four deep
// whatever the input.
func (c *gobChecker) wireType() (*gobType, error) {
	start := c.pos
	var t *gobType
	err := c.wireStruct("type definition", 7, func(field int) error {
		if t != nil {
			return c.failAt(c.last, ErrMalformed, "type definition of more than one kind")
		}
		var err error
		switch field {
		case 0:
			t = c.newType()
			t.kind = gkArray
			return c.wireStruct("array type", 3, func(f int) error {
				switch f {
				case 0:
					return c.commonType()
				case 1:
					t.elem, err = c.wireID()
				default:
					var u uint64
					u, err = c.uint("an array length")
					t.len = gobToInt(u)
				}
				return err
			})
		case 1:
			t = c.newType()
			t.kind = gkSlice
			return c.wireStruct("slice type", 2, func(f int) error {
				if f == 0 {
					return c.commonType()
				}
				t.elem, err = c.wireID()
				return err
			})
		case 2:
			t = c.newType()
			t.kind = gkStruct
			return c.wireStruct("struct type", 2, func(f int) error {
				if f == 0 {
					return c.commonType()
				}
				t.fields, t.names, err = c.wireFields()
				return err
			})
		case 3:
			t = c.newType()
			t.kind = gkMap
			return c.wireStruct("map type", 3, func(f int) error {
				switch f {
				case 0:
					return c.commonType()
				case 1:
					t.key, err = c.wireID()
				default:
					t.elem, err = c.wireID()
				}
				return err
			})
		default:
			t = c.newType()
			t.kind, t.opaque = gkOpaque, [...]string{"GobEncoder", "BinaryMarshaler", "TextMarshaler"}[field-4]
			return c.wireStruct("encoder type", 1, func(int) error { return c.commonType() })
		}
	})
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, c.failAt(start, ErrMalformed, "type definition of no kind")
	}
	return t, nil
}

// wireStruct reads a struct of nfields fields of the wireType schema,
// calling field for each field present, up to its terminating 0 delta.
func (c *gobChecker) wireStruct(what string, nfields int, field func(int) error) error {
	last := -1
	for {
		at := c.pos
		d, err := c.uintOf("a field number of a ", what)
		if err != nil {
			return err
		}
		if d == 0 {
			return nil
		}
		c.last = at
		if d > uint64(nfields-1-last) {
			return c.failAt(at, ErrMalformed, fmt.Sprintf("%s: field delta %d after field %d is out of range: it has %d fields", what, d, last, nfields))
		}
		last += int(d)
		if err := field(last); err != nil {
			return err
		}
	}
}

func (c *gobChecker) commonType() error {
	return c.wireStruct("common type", 2, func(f int) error {
		if f == 0 {
			return c.skip("type name")
		}
		_, err := c.wireID()
		return err
	})
}

// wireFields reads structType.Field, a []fieldType.
func (c *gobChecker) wireFields() ([]int32, []string, error) {
	at := c.pos
	n, err := c.uint("a field count")
	if err != nil {
		return nil, nil, err
	}
	if err := c.count(at, "struct type", "fields", n, 1, false); err != nil {
		return nil, nil, err
	}
	ids, names := c.newFields(int(n))
	for k := range ids {
		start := c.pos
		err := c.wireStruct("field", 2, func(f int) error {
			if f == 0 {
				n, err := c.skipLen("field name")
				if err == nil {
					names[k] = c.intern(c.body[c.pos-int(n) : c.pos])
				}
				return err
			}
			var err error
			ids[k], err = c.wireID()
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		if names[k] == "" {
			return nil, nil, c.failAt(start, ErrMalformed, fmt.Sprintf("field %d of a struct type has no name", k))
		}
	}
	return ids, names, nil
}

// wireID reads a typeId: an int that must fit gob's int32.
func (c *gobChecker) wireID() (int32, error) {
	at := c.pos
	u, err := c.uint("a type id")
	if err != nil {
		return 0, err
	}
	v := gobToInt(u)
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, c.failAt(at, ErrMalformed, fmt.Sprintf("type id %d out of range", v))
	}
	return int32(v), nil
}

// link records which types may hold interface values, so that a count
// knows whether its elements may continue in the next message. A type is
// marked when it refers to the interface type or to a marked type; types
// that refer to one not (yet) marked wait in rev and are marked when it
// is. Each type is marked once and each reference followed once: linear.
func (c *gobChecker) link(id int32, t *gobType) {
	var refs []int32
	switch t.kind {
	case gkSlice, gkArray:
		refs = []int32{t.elem}
	case gkMap:
		refs = []int32{t.key, t.elem}
	case gkStruct:
		refs = t.fields
	}
	for _, r := range refs {
		if c.mayHold(r) {
			c.mark(id)
			return
		}
	}
	for _, r := range refs {
		if r >= gobFirstUserID {
			c.rev[r] = append(c.rev[r], id)
		}
	}
}

func (c *gobChecker) mark(id int32) {
	c.typeOf(id).iface = true
	queue := []int32{id}
	for len(queue) > 0 {
		x := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, y := range c.rev[x] {
			if t := c.typeOf(y); !t.iface {
				t.iface = true
				queue = append(queue, y)
			}
		}
		delete(c.rev, x)
	}
}

// uint reads one gob unsigned integer; what names it in errors.
func (c *gobChecker) uint(what string) (uint64, error) { return c.uintOf("", what) }

// uintOf is uint with the name pre+what, joined only for an error.
func (c *gobChecker) uintOf(pre, what string) (uint64, error) {
	if p := c.pos; p < len(c.body) {
		b := c.body[p]
		if b < 0x80 { // one byte: most of them
			c.pos++
			return uint64(b), nil
		}
		if n := -int(int8(b)); n <= 8 && n < len(c.body)-p {
			var x uint64
			for _, d := range c.body[p+1 : p+1+n] {
				x = x<<8 | uint64(d)
			}
			c.pos = p + 1 + n
			return x, nil
		}
	}
	return 0, c.uintErr(pre, what)
}

// uintErr is the error of uintOf for the bytes at c.pos.
func (c *gobChecker) uintErr(pre, what string) error {
	if _, _, err := gobUint(c.body, c.pos); err == ErrMalformed {
		return c.fail(ErrMalformed, fmt.Sprintf("%s%s with a byte count of %d (at most 8)", pre, what, -int(int8(c.body[c.pos]))))
	}
	return c.fail(io.ErrUnexpectedEOF, "message ends inside "+pre+what)
}

func (c *gobChecker) left() int { return len(c.body) - c.pos }

// off is the stream offset of the next byte.
func (c *gobChecker) off() int64 { return c.base + int64(c.pos) }

func (c *gobChecker) fail(sentinel error, msg string) error {
	return c.failAt(c.pos, sentinel, msg)
}

func (c *gobChecker) failAt(at int, sentinel error, msg string) error {
	return newError("gob", c.base+int64(at), sentinel, msg)
}

// gobUint decodes the gob unsigned integer at b[i:] and its width. A byte
// count over 8 is ErrMalformed; running past the end of b is
// io.ErrUnexpectedEOF. Like encoding/gob, it accepts non-minimal forms.
func gobUint(b []byte, i int) (x uint64, width int, err error) {
	if i >= len(b) {
		return 0, 0, io.ErrUnexpectedEOF
	}
	lead := b[i]
	if lead < 0x80 {
		return uint64(lead), 1, nil
	}
	n := -int(int8(lead))
	if n > 8 {
		return 0, 0, ErrMalformed
	}
	if len(b)-i-1 < n {
		return 0, 0, io.ErrUnexpectedEOF
	}
	for _, d := range b[i+1 : i+1+n] {
		x = x<<8 | uint64(d)
	}
	return x, 1 + n, nil
}

// gobToInt turns an encoded uint into the int it carries: bit 0 says to
// complement the rest.
func gobToInt(u uint64) int64 {
	if u&1 != 0 {
		return ^int64(u >> 1)
	}
	return int64(u >> 1)
}

// gobMessage reads the message whose length count starts at data[i:]: it
// returns the body's bounds. A count running past data, or a body longer
// than what is left, is io.ErrUnexpectedEOF.
func gobMessage(data []byte, i int) (start, end int, err error) {
	n, w, err := gobUint(data, i)
	if err == ErrMalformed {
		return 0, 0, newError("gob", int64(i), ErrMalformed, fmt.Sprintf("message length with a byte count of %d (at most 8)", -int(int8(data[i]))))
	}
	if err != nil {
		return 0, 0, newError("gob", int64(i), io.ErrUnexpectedEOF, "input ends inside a message length")
	}
	start = i + w
	if left := len(data) - start; n > uint64(left) {
		return 0, 0, newError("gob", int64(i), io.ErrUnexpectedEOF, fmt.Sprintf("message of %d bytes needs more than the %d bytes left", n, left))
	}
	return start, start + int(n), nil
}

// maySkip reports whether encoding/gob, decoding the current value into a
// Go value of type dst (nil for Decode(nil), which skips it all), may
// skip a part of it that can hold interface values: gob skips the fields
// the destination has no field for, matching by name. An interface's
// concrete value decodes into the Go type gob has registered under the
// name the value is sent with (see gobRegistered).
func (c *gobChecker) maySkip(dst reflect.Type) bool {
	return c.maySkipIn(c.valueID, dst, 0)
}

func (c *gobChecker) maySkipIn(id int32, dst reflect.Type, depth int) bool {
	if !c.mayHold(id) {
		return false
	}
	if dst == nil || depth > c.lim.MaxDepth {
		return true
	}
	for dst.Kind() == reflect.Pointer {
		dst = dst.Elem()
	}
	if id == gobTInterface {
		return c.ifaceMaySkip()
	}
	t := c.typeOf(id)
	if t == nil {
		return false
	}
	// A destination of another kind is a type mismatch: gob refuses the
	// value before reading it.
	switch t.kind {
	case gkStruct:
		if dst.Kind() != reflect.Struct {
			return false
		}
		for i, fid := range t.fields {
			sf, ok := dst.FieldByName(t.names[i])
			if !ok || !sf.IsExported() {
				if c.mayHold(fid) {
					return true
				}
				continue
			}
			if c.maySkipIn(fid, sf.Type, depth+1) {
				return true
			}
		}
	case gkSlice, gkArray:
		if k := dst.Kind(); k == reflect.Slice || k == reflect.Array {
			return c.maySkipIn(t.elem, dst.Elem(), depth+1)
		}
	case gkMap:
		if dst.Kind() == reflect.Map {
			return c.maySkipIn(t.key, dst.Key(), depth+1) || c.maySkipIn(t.elem, dst.Elem(), depth+1)
		}
	}
	return false
}

// holdsStruct is structHolds, remembered per type.
func (c *gobChecker) holdsStruct(id int32) bool {
	t := c.typeOf(id)
	if t == nil {
		return false
	}
	if t.holds == 0 {
		t.holds = 1
		if c.structHolds(id, map[int32]bool{}) {
			t.holds = 2
		}
	}
	return t.holds == 2
}

// structHolds reports whether type id is or leads to a struct with a field
// that may hold an interface value.
func (c *gobChecker) structHolds(id int32, seen map[int32]bool) bool {
	t := c.typeOf(id)
	if t == nil || seen[id] || !t.iface {
		return false
	}
	seen[id] = true
	switch t.kind {
	case gkStruct:
		return true // t.iface: one of its fields may hold one
	case gkSlice, gkArray:
		return c.structHolds(t.elem, seen)
	case gkMap:
		return c.structHolds(t.key, seen) || c.structHolds(t.elem, seen)
	}
	return false
}

// gobConcrete is a concrete type of an interface value: the name it was
// sent under and its type id.
type gobConcrete struct {
	name string
	id   int32
}

// ifaceMaySkip reports whether gob may skip part of the current value's
// interface values that can hold interface values: a concrete type's
// struct that has a field the registered Go type lacks. Only concrete
// types with such structs in them are recorded (structHolds); a name gob
// has registered as a type that gobRegistered cannot find counts as a
// skip, an unregistered name not (gob refuses the value).
func (c *gobChecker) ifaceMaySkip() bool {
	switch c.ifaceSkip {
	case 1, 3:
		return false // 3: the pairs are being checked further up
	case 2:
		return true
	}
	c.ifaceSkip = 3
	skip := false
	for k := range c.concrete {
		typ, registered := gobRegistered(k.name)
		if registered && (typ == nil || c.maySkipIn(k.id, typ, 1)) {
			skip = true
			break
		}
	}
	c.ifaceSkip = 1
	if skip {
		c.ifaceSkip = 2
	}
	return skip
}

// intern returns b as a string, allocating once per distinct name.
func (c *gobChecker) intern(b []byte) string {
	if s, ok := c.names[string(b)]; ok {
		return s
	}
	if c.names == nil {
		c.names = make(map[string]string)
	}
	s := string(b)
	c.names[s] = s
	c.interned += len(s)
	return s
}
