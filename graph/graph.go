package graph

import (
	"fmt"
	"reflect"
	"sync"
	"unsafe"
)

// Mode says how pointers and maps are written.
type Mode int

const (
	// Shallow writes the value itself; every pointer and map inside it is
	// written as nil, so the receiver gets the value with those references
	// empty. A root that is a pointer or a map counts as present.
	Shallow Mode = iota
	// Tree writes what pointers and maps refer to in place, behind an XDR
	// optional-data flag: shared objects are written once per reference,
	// and a cycle is ErrCycle.
	Tree
	// Graph writes every pointer and map as an object id: the first
	// reference to an object writes the id and the object, later ones the
	// id alone. Sharing and cycles survive the round trip.
	Graph
)

func (m Mode) String() string {
	switch m {
	case Shallow:
		return "shallow"
	case Tree:
		return "tree"
	case Graph:
		return "graph"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Limits bounds what Unmarshal accepts. A zero field means its default.
type Limits struct {
	// MaxDepth bounds how much unfinished work decoding may hold: how
	// deeply containers nest. A linked list takes constant depth, however
	// long.
	MaxDepth int
	// MaxBytes bounds the input.
	MaxBytes int
	// MaxElements bounds the count of any one slice or map.
	MaxElements int
}

// Defaults of the Limits fields.
const (
	DefaultMaxDepth    = 1 << 20
	DefaultMaxBytes    = 256 << 20
	DefaultMaxElements = 1 << 24
)

func (l Limits) resolve() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxElements <= 0 {
		l.MaxElements = DefaultMaxElements
	}
	return l
}

// Marshal serializes v, which may hold cycles in Graph mode. A pointer
// passed as v is itself written as a reference (a flag or an id), as the
// seed's examples write a pointer to the head of a list.
func Marshal(v any, mode Mode) ([]byte, error) {
	if mode < Shallow || mode > Graph {
		return nil, &Error{Offset: -1, Msg: fmt.Sprintf("unknown %v", mode), Err: ErrUnsupportedType}
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return nil, &Error{Offset: -1, Msg: "cannot marshal nil", Err: ErrUnsupportedType}
	}
	// Work on addressed memory: a value passed by value is copied once.
	root := reflect.New(rv.Type())
	root.Elem().Set(rv)
	c, err := codecOf(rv.Type())
	if err != nil {
		return nil, err
	}
	e := encoders.Get().(*encoder)
	defer e.release()
	e.mode = mode
	// Size the output as this type needed last time.
	hint := c.hints.Load()
	if hint != nil {
		e.buf = make([]byte, 0, hint.size)
	}
	p := root.UnsafePointer()
	if mode == Shallow && (c.op == gPtr || c.op == gMap) {
		// The root reference counts as present; what it leads to is
		// written with its own references nil.
		ref := *(*unsafe.Pointer)(p)
		if ref == nil {
			e.put32(0)
			return e.buf, nil
		}
		e.put32(1)
		var err error
		if c.op == gMap {
			err = e.entries(c, ref)
		} else {
			err = e.value(c.elem, ref)
		}
		if err != nil {
			return nil, err
		}
	} else if err := e.value(c, p); err != nil {
		return nil, err
	}
	if err := e.run(); err != nil {
		return nil, err
	}
	if hint == nil || hint.size != len(e.buf) {
		c.hints.Store(&sizeHint{size: len(e.buf)})
	}
	out := e.buf
	e.buf = nil
	if len(out) < cap(out)/2 {
		return append([]byte(nil), out...), nil // do not hand out a mostly empty buffer
	}
	return out, nil
}

// sizeHint is what a Marshal of a type took last time.
type sizeHint struct{ size int }

// Encoders and decoders keep their tables, stacks and scratch space from
// call to call, unless a call made them unusually large.
var (
	encoders = sync.Pool{New: func() any {
		return &encoder{ids: map[objKey]uint32{}, active: map[objKey]struct{}{}}
	}}
	decoders = sync.Pool{New: func() any { return new(decoder) }}
)

const keepTables = 1 << 16

func (e *encoder) release() {
	if len(e.ids) > keepTables || len(e.active) > keepTables || cap(e.stack) > keepTables || cap(e.scratch) > keepTables {
		return
	}
	clear(e.ids)
	clear(e.active)
	e.iter.Reset(reflect.Value{}) // after a panic it may still hold a map
	clear(e.stack[:cap(e.stack)]) // drop what the tasks pointed at
	e.stack = e.stack[:0]
	for _, v := range e.temps {
		v.SetZero()
	}
	e.buf = nil
	encoders.Put(e)
}

func (d *decoder) release() {
	if cap(d.objs) > keepTables || cap(d.stack) > keepTables {
		return
	}
	clear(d.objs[:cap(d.objs)])
	clear(d.stack[:cap(d.stack)])
	for _, v := range d.temps {
		v.Elem().SetZero()
	}
	d.objs, d.stack, d.data, d.strs = d.objs[:0], d.stack[:0], nil, nil
	decoders.Put(d)
}

// Unmarshal reads the value in data, written by Marshal in the same mode,
// into the value v points to. Objects are always newly allocated: v's
// existing pointers and maps are replaced, never written through.
func Unmarshal(data []byte, v any, mode Mode) error { return Limits{}.Unmarshal(data, v, mode) }

// Unmarshal is the package-level Unmarshal with these limits.
func (l Limits) Unmarshal(data []byte, v any, mode Mode) error {
	if mode < Shallow || mode > Graph {
		return &Error{Offset: -1, Msg: fmt.Sprintf("unknown %v", mode), Err: ErrUnsupportedType}
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &Error{Offset: -1, Msg: fmt.Sprintf("Unmarshal needs a non-nil pointer, got %T", v), Err: ErrUnsupportedType}
	}
	c, err := codecOf(rv.Type().Elem())
	if err != nil {
		return err
	}
	d := decoders.Get().(*decoder)
	defer d.release()
	d.data, d.off, d.mode, d.lim = data, 0, mode, l.resolve()
	d.alloc = allocFactor*int64(len(data)) + allocBase
	if len(data) > d.lim.MaxBytes {
		return newError(0, ErrLimit, "input of %d bytes exceeds MaxBytes (%d)", len(data), d.lim.MaxBytes)
	}
	if err := d.value(c, rv.UnsafePointer()); err != nil {
		return err
	}
	if err := d.run(); err != nil {
		return err
	}
	if d.off != len(data) {
		return d.fail(ErrTrailingData, "%d trailing bytes after the value", len(data)-d.off)
	}
	return nil
}
