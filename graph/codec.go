package graph

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// A gcodec describes how one Go type is serialized: the encoder and
// decoder (encode.go, decode.go) walk these descriptions with an explicit
// work stack, so that no input, however deep, grows Go's stack.

type gop uint8

const (
	gInt32      gop = iota + 1 // int8, int16, int32: an XDR int
	gUint32                    // uint8, uint16, uint32: an XDR unsigned int
	gInt64                     // int, int64: an XDR hyper
	gUint64                    // uint, uint64, uintptr: an XDR unsigned hyper
	gFloat32                   // an XDR float
	gFloat64                   // an XDR double
	gComplex64                 // two XDR floats
	gComplex128                // two XDR doubles
	gBool                      // an XDR bool
	gString                    // an XDR string
	gBytes                     // []byte: XDR variable-length opaque
	gFixedBytes                // [n]byte: XDR fixed-length opaque
	gBinary                    // encoding.BinaryMarshaler: its bytes as opaque
	gArray                     // [n]T: n values
	gSlice                     // []T: a count and the values
	gStruct                    // exported fields in order
	gPtr                       // by mode: nil flag, optional-data or object id
	gMap                       // by mode, then a count and key/value pairs
	gIface                     // registered type name, then the value
)

type gcodec struct {
	op      gop
	typ     reflect.Type
	size    uintptr // Go size
	min     int     // fewest bytes an encoding takes
	n       int     // gArray, gFixedBytes: length
	elem    *gcodec // gArray, gSlice, gPtr: element; gMap: value
	key     *gcodec // gMap
	fields  []gfield
	isFlat  bool           // gStruct, gArray: made of scalars only
	word    unsafe.Pointer // type word of typ
	ptrWord unsafe.Pointer // type word of *typ

	keySlice, valSlice reflect.Type // gMap: []K and []V, to hold entries while encoding
	fast               mapClass     // gMap: handled as a native map (see maps.go)
	keyIface           bool         // gMap: keys hold interfaces (which may not hash)
	elemLayout         layout       // gSlice: how to allocate elements (see makeArray)

	hints atomic.Pointer[sizeHint] // as a Marshal root: what it took last time
}

type gfield struct {
	name string
	off  uintptr
	c    *gcodec
}

// scalar reports whether values of c are written without pushing work:
// numbers, bools, strings, opaques and structs and arrays made of them.
func (c *gcodec) scalar() bool { return c.op <= gBinary || c.isFlat }

// flat reports a struct or array of scalars, written in one go.
func (c *gcodec) flat() bool {
	switch c.op {
	case gArray:
		return c.elem.scalar()
	case gStruct:
		for _, f := range c.fields {
			if !f.c.scalar() {
				return false
			}
		}
		return true
	}
	return false
}

var (
	gcodecs   sync.Map // reflect.Type → *gcodec
	compileMu sync.Mutex

	binaryMarshaler   = reflect.TypeFor[encoding.BinaryMarshaler]()
	binaryUnmarshaler = reflect.TypeFor[encoding.BinaryUnmarshaler]()
)

func codecOf(t reflect.Type) (*gcodec, error) {
	if c, ok := gcodecs.Load(t); ok {
		return c.(*gcodec), nil
	}
	compileMu.Lock()
	defer compileMu.Unlock()
	b := gbuilder{pending: map[reflect.Type]*gcodec{}}
	c, err := b.build(t)
	if err != nil {
		return nil, err
	}
	// Checks that need every type finished (a recursive type's size is
	// known only at the end).
	for _, pc := range b.pending {
		if pc.op == gSlice && pc.elem.min == 0 && pc.elem.size > 0 {
			return nil, &Error{Offset: -1, Msg: fmt.Sprintf("elements of %s take no bytes but memory: a count could not be bounded by the input", pc.typ), Err: ErrUnsupportedType}
		}
	}
	for t, c := range b.pending {
		gcodecs.Store(t, c)
	}
	return c, nil
}

type gbuilder struct {
	pending map[reflect.Type]*gcodec
	path    []string
}

func (b *gbuilder) unsupported(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if len(b.path) > 0 {
		msg = strings.Join(b.path, ".") + ": " + msg
	}
	return &Error{Offset: -1, Msg: msg, Err: ErrUnsupportedType}
}

func (b *gbuilder) build(t reflect.Type) (*gcodec, error) {
	if c, ok := gcodecs.Load(t); ok {
		return c.(*gcodec), nil
	}
	if c, ok := b.pending[t]; ok {
		return c, nil // recursive type: completed further up
	}
	c := &gcodec{typ: t, size: t.Size(), word: typeWord(t), ptrWord: typeWord(reflect.PointerTo(t))}
	b.pending[t] = c
	if err := b.fill(c, t); err != nil {
		return nil, err
	}
	c.isFlat = c.flat()
	return c, nil
}

func (b *gbuilder) fill(c *gcodec, t reflect.Type) error {
	pt := reflect.PointerTo(t)
	if t.Kind() != reflect.Interface && t.Kind() != reflect.Pointer &&
		t.Implements(binaryMarshaler) && pt.Implements(binaryUnmarshaler) {
		c.op, c.min = gBinary, 4
		return nil
	}
	switch t.Kind() {
	case reflect.Int8, reflect.Int16, reflect.Int32:
		c.op, c.min = gInt32, 4
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		c.op, c.min = gUint32, 4
	case reflect.Int, reflect.Int64:
		c.op, c.min = gInt64, 8
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		c.op, c.min = gUint64, 8
	case reflect.Float32:
		c.op, c.min = gFloat32, 4
	case reflect.Float64:
		c.op, c.min = gFloat64, 8
	case reflect.Complex64:
		c.op, c.min = gComplex64, 8
	case reflect.Complex128:
		c.op, c.min = gComplex128, 16
	case reflect.Bool:
		c.op, c.min = gBool, 4
	case reflect.String:
		c.op, c.min = gString, 4
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			c.op, c.min = gBytes, 4
			return nil
		}
		c.op, c.min = gSlice, 4
		if err := b.elem(c, t.Elem(), "[]"); err != nil {
			return err
		}
		c.elemLayout = layoutOf(t.Elem()) // its element size is checked in codecOf
	case reflect.Array:
		c.n = t.Len()
		if t.Elem().Kind() == reflect.Uint8 {
			c.op, c.min = gFixedBytes, (c.n+3)&^3
			return nil
		}
		c.op = gArray
		if err := b.elem(c, t.Elem(), "[]"); err != nil {
			return err
		}
		c.min = c.n * c.elem.min
	case reflect.Pointer:
		c.op, c.min = gPtr, 4
		return b.elem(c, t.Elem(), "*")
	case reflect.Map:
		c.op, c.min = gMap, 4
		b.path = append(b.path, "[key]")
		key, err := b.build(t.Key())
		b.path = b.path[:len(b.path)-1]
		if err != nil {
			return err
		}
		c.key = key
		c.keySlice, c.valSlice = reflect.SliceOf(t.Key()), reflect.SliceOf(t.Elem())
		if err := b.elem(c, t.Elem(), "[value]"); err != nil {
			return err
		}
		c.fast = classifyMap(c)
		c.keyIface = holdsIface(t.Key())
	case reflect.Struct:
		c.op = gStruct
		for i := range t.NumField() {
			sf := t.Field(i)
			if tag := sf.Tag.Get("graph"); tag == "-" || (!sf.IsExported() && !(sf.Anonymous && sf.Type.Kind() == reflect.Struct)) {
				continue
			}
			b.path = append(b.path, sf.Name)
			fc, err := b.build(sf.Type)
			b.path = b.path[:len(b.path)-1]
			if err != nil {
				return err
			}
			c.fields = append(c.fields, gfield{name: sf.Name, off: sf.Offset, c: fc})
			c.min += fc.min
		}
	case reflect.Interface:
		c.op, c.min = gIface, 4
	default:
		return b.unsupported("%s cannot be serialized", t)
	}
	return nil
}

func (b *gbuilder) elem(c *gcodec, t reflect.Type, step string) error {
	b.path = append(b.path, step)
	e, err := b.build(t)
	b.path = b.path[:len(b.path)-1]
	c.elem = e
	return err
}

// holdsIface reports whether values of t hold an interface inline.
func holdsIface(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Array:
		return holdsIface(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsIface(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// layout classifies element types for allocation by a typed make.
type layout uint8

const (
	layoutOther    layout = iota
	layoutPlain           // no pointers at all
	layoutPointers        // one pointer: pointers, maps, channels, funcs
	layoutStrings         // a string
	layoutIfaces          // an interface
)

func layoutOf(t reflect.Type) layout {
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return layoutPointers
	case reflect.String:
		return layoutStrings
	case reflect.Interface:
		return layoutIfaces
	}
	if !hasPointers(t) {
		return layoutPlain
	}
	return layoutOther
}

type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// typeWord is the type word of interface values holding a t.
func typeWord(t reflect.Type) unsafe.Pointer {
	x := reflect.Zero(t).Interface()
	return (*eface)(unsafe.Pointer(&x)).typ
}

// mapValue is the map whose header is hp, of the map type whose type word
// is word.
func mapValue(word, hp unsafe.Pointer) reflect.Value {
	var x any
	ef := (*eface)(unsafe.Pointer(&x))
	ef.typ, ef.data = word, hp
	return reflect.ValueOf(x)
}

// valueAt is the interface value holding the pointer p of the pointer type
// whose type word is ptrWord: reflect.NewAt without its per-call lookup.
func valueAt(ptrWord, p unsafe.Pointer) reflect.Value {
	var x any
	ef := (*eface)(unsafe.Pointer(&x))
	ef.typ, ef.data = ptrWord, p
	return reflect.ValueOf(x)
}

type sliceHeader struct {
	Data unsafe.Pointer
	Len  int
	Cap  int
}

// direct reports a type stored in an interface's data word itself
// (pointers, maps, channels, funcs and structs or arrays of one such).
func direct(t reflect.Type) bool {
	x := reflect.Zero(t).Interface()
	return (*eface)(unsafe.Pointer(&x)).data == nil
}
