package xdr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The reflection path compiles, once per Go type, a codec: a small tree of
// operations over raw addresses that encodeValue and decodeValue interpret.
// Reflection is used only to build the tree and to allocate. Structs walk a
// precomputed field table in which consecutive fixed-size fields form one
// run (one bounds check, one buffer grow). Because the interpreter calls
// only itself, the Encoder or Decoder of Marshal and Unmarshal stays on the
// stack; user Marshalers and Unmarshalers get a heap helper (see custom).

type op uint8

const (
	op4           op = iota + 1 // int32, uint32, float32
	op8                         // int64, uint64, float64
	opBool                      // bool
	opString                    // string
	opOpaque                    // []byte
	opFixedOpaque               // [n]byte
	opEnum                      // int32 with ValidEnum
	opArray                     // [n]T
	opSlice                     // []T
	opOptional                  // *T
	opStruct                    // struct
	opUnion                     // registered interface
	opCustom                    // Marshaler and/or Unmarshaler
	opRun                       // struct fields only: consecutive op4/op8/opBool
)

type codec struct {
	op    op
	bound uint32 // opString, opOpaque, opSlice: the max= bound

	n     int     // opFixedOpaque: bytes; opArray: elements
	elem  *codec  // opArray, opSlice, opOptional
	esize uintptr // opArray, opSlice: Go size of an element
	emin  int     // opSlice: fewest encoded bytes of an element

	alloc   reflect.Type   // opOptional: the type pointed to
	ptrWord unsafe.Pointer // opSlice: type word of *[]T; opCustom: of *T

	fields []field     // opStruct
	union  *unionCodec // opUnion

	valid func(int32) bool // opEnum
	name  string           // opEnum: type name, for errors

	sizeHint atomic.Int64 // length of the last top-level Marshal of this type

	marshal, unmarshal bool   // opCustom: which methods the type has
	base               *codec // opCustom: reflection codec for the other direction
	baseErr            *Error // opCustom: why there is no base codec
}

// A field is one step of a struct codec: a field, or (op == opRun) a run of
// consecutive fixed-size scalar fields.
type field struct {
	name  string
	off   uintptr
	op    op
	bound uint32
	c     *codec
	run   []runField
	size  int // encoded bytes of the run
}

type runField struct {
	name string
	off  uintptr // in the struct
	at   int     // in the run's bytes
	op   op      // op4, op8 or opBool
}

// noBound is the bound of a string, opaque or array declared with <>.
const noBound = math.MaxUint32

type codecKey struct {
	t     reflect.Type
	bound uint32
}

var (
	codecs    sync.Map // codecKey → *codec, complete and immutable
	compileMu sync.Mutex

	marshalerType   = reflect.TypeFor[Marshaler]()
	unmarshalerType = reflect.TypeFor[Unmarshaler]()
	enumType        = reflect.TypeFor[interface{ ValidEnum(int32) bool }]()
)

func codecOf(t reflect.Type) (*codec, error) {
	if c, ok := codecs.Load(codecKey{t, noBound}); ok {
		return c.(*codec), nil
	}
	compileMu.Lock()
	defer compileMu.Unlock()
	b := builder{pending: map[codecKey]*codec{}}
	c, err := b.build(t, noBound)
	if err != nil {
		return nil, err // not cached: a union registered later is picked up
	}
	for _, k := range b.order {
		codecs.Store(k, b.pending[k])
	}
	return c, nil
}

type builder struct {
	pending map[codecKey]*codec // built in this run, possibly unfinished (recursive types)
	order   []codecKey          // keys of pending, in the order they were begun
	path    []string
}

func (b *builder) unsupported(format string, args ...any) error {
	var s strings.Builder
	for _, e := range b.path {
		if s.Len() > 0 && e[0] != '[' && e[0] != '(' {
			s.WriteByte('.')
		}
		s.WriteString(e)
	}
	return &Error{Offset: -1, Path: s.String(), Msg: fmt.Sprintf(format, args...), Err: ErrUnsupportedType}
}

// build returns the codec of t with a max= bound. A type met again while it
// is being built (a recursive type) gets its unfinished codec, which is
// complete by the time anything runs it.
func (b *builder) build(t reflect.Type, bound uint32) (*codec, error) {
	key := codecKey{t, bound}
	if c, ok := codecs.Load(key); ok {
		return c.(*codec), nil
	}
	if c, ok := b.pending[key]; ok {
		return c, nil
	}
	c := &codec{bound: bound}
	b.pending[key] = c
	b.order = append(b.order, key)
	return c, b.fill(c, t, bound)
}

func (b *builder) fill(c *codec, t reflect.Type, bound uint32) error {
	pt := reflect.PointerTo(t)
	if t.Kind() != reflect.Interface && (pt.Implements(marshalerType) || pt.Implements(unmarshalerType)) {
		base := &codec{bound: bound}
		c.op, c.base, c.ptrWord = opCustom, base, typeWord(pt)
		c.marshal, c.unmarshal = pt.Implements(marshalerType), pt.Implements(unmarshalerType)
		// The reflection codec serves a direction the type does not
		// implement. It may fail (the type may have no XDR form); then
		// that direction reports the error, and every codec begun while
		// trying is discarded, as it may be half built.
		mark, path := len(b.order), b.path
		b.path = nil // the error's path is relative to this type
		err := b.fillBase(base, t, bound)
		b.path = path
		if err != nil {
			for _, k := range b.order[mark:] {
				delete(b.pending, k)
			}
			b.order = b.order[:mark]
			c.base, c.baseErr = nil, err.(*Error)
		}
		return nil
	}
	return b.fillBase(c, t, bound)
}

// fillBase builds the reflection codec of t.
func (b *builder) fillBase(c *codec, t reflect.Type, bound uint32) error {
	if bound != noBound {
		switch t.Kind() {
		case reflect.String, reflect.Slice, reflect.Pointer:
		default:
			return b.unsupported("max= bounds strings, opaques and variable-length arrays, not %s", t)
		}
	}
	switch t.Kind() {
	case reflect.Int32:
		c.op = op4
		if t.Implements(enumType) {
			c.op, c.name = opEnum, t.Name()
			c.valid = reflect.Zero(t).Interface().(interface{ ValidEnum(int32) bool }).ValidEnum
		} else if reflect.PointerTo(t).Implements(enumType) {
			c.op, c.name = opEnum, t.Name()
			c.valid = reflect.New(t).Interface().(interface{ ValidEnum(int32) bool }).ValidEnum
		}
	case reflect.Uint32, reflect.Float32:
		c.op = op4
	case reflect.Int64, reflect.Uint64, reflect.Float64:
		c.op = op8
	case reflect.Bool:
		c.op = opBool
	case reflect.String:
		c.op = opString
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			c.op = opOpaque
			return nil
		}
		return b.slice(c, t)
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			c.op, c.n = opFixedOpaque, t.Len()
			return nil
		}
		c.op, c.n, c.esize = opArray, t.Len(), t.Elem().Size()
		return b.elem(c, t.Elem(), noBound)
	case reflect.Pointer:
		c.op, c.alloc = opOptional, t.Elem()
		elem, err := b.build(t.Elem(), c.bound) // a bound applies to what is pointed to
		c.elem = elem
		return err
	case reflect.Struct:
		return b.structure(c, t)
	case reflect.Interface:
		return b.union(c, t)
	default:
		return b.unsupported("%s has no XDR encoding%s", t, hint(t))
	}
	return nil
}

func hint(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16:
		return " (use int32 or int64)"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uintptr:
		return " (use uint32 or uint64)"
	case reflect.Map:
		return " (use a slice of key/value structs)"
	}
	return ""
}

func (b *builder) elem(c *codec, t reflect.Type, bound uint32) error {
	b.path = append(b.path, "[]")
	elem, err := b.build(t, bound)
	b.path = b.path[:len(b.path)-1]
	c.elem = elem
	return err
}

func (b *builder) slice(c *codec, t reflect.Type) error {
	c.op, c.esize, c.emin = opSlice, t.Elem().Size(), minSize(t.Elem())
	c.ptrWord = typeWord(reflect.PointerTo(t))
	if err := b.elem(c, t.Elem(), noBound); err != nil {
		return err
	}
	if c.emin == 0 {
		// Nothing would bound the count by the input: refuse the type.
		return b.unsupported("elements of %s take no bytes; a variable-length array of them is not XDR", t)
	}
	return nil
}

func (b *builder) structure(c *codec, t reflect.Type) error {
	c.op = opStruct
	hidden := 0 // unexported fields, skipped
	for i := range t.NumField() {
		sf := t.Field(i)
		b.path = append(b.path, sf.Name)
		opts, err := parseTag(sf)
		if err != nil {
			return b.unsupported("%v", err)
		}
		if opts.skip || opts.discriminant {
			if !sf.IsExported() {
				hidden++
			}
			b.path = b.path[:len(b.path)-1]
			continue // the discriminant of a union arm is written by the union
		}
		fc, err := b.build(sf.Type, opts.bound)
		if err != nil {
			return err
		}
		b.path = b.path[:len(b.path)-1]
		c.fields = append(c.fields, field{name: sf.Name, off: sf.Offset, op: fc.op, bound: opts.bound, c: fc})
	}
	if len(c.fields) == 0 && hidden > 0 && !hasDiscriminant(t) {
		// All its state is unexported (time.Time, say): encoding it as
		// nothing would lose it without a word.
		return b.unsupported("%s has only unexported fields; XDR cannot encode it", t)
	}
	c.fields = mergeRuns(c.fields)
	return nil
}

func hasDiscriminant(t reflect.Type) bool {
	for i := range t.NumField() {
		if opts, err := parseTag(t.Field(i)); err == nil && opts.discriminant {
			return true
		}
	}
	return false
}

// mergeRuns replaces each stretch of two or more fixed-size scalar fields
// with one opRun step.
func mergeRuns(fields []field) []field {
	fixed := func(o op) bool { return o == op4 || o == op8 || o == opBool }
	var out []field
	for i := 0; i < len(fields); {
		j := i
		for j < len(fields) && fixed(fields[j].op) {
			j++
		}
		if j-i < 2 {
			out = append(out, fields[i])
			i++
			continue
		}
		run := field{name: fields[i].name, op: opRun}
		for _, f := range fields[i:j] {
			run.run = append(run.run, runField{name: f.name, off: f.off, at: run.size, op: f.op})
			if f.op == op8 {
				run.size += 8
			} else {
				run.size += 4
			}
		}
		out = append(out, run)
		i = j
	}
	return out
}

type tagOptions struct {
	skip         bool
	discriminant bool
	bound        uint32
}

// parseTag reads `xdr:"-"`, `xdr:"max=N"` and `xdr:"discriminant"`.
// Unexported fields are skipped unless they embed a struct.
func parseTag(sf reflect.StructField) (tagOptions, error) {
	opts := tagOptions{bound: noBound}
	tag, ok := sf.Tag.Lookup("xdr")
	if tag == "-" || (!sf.IsExported() && !(sf.Anonymous && sf.Type.Kind() == reflect.Struct)) {
		opts.skip = true
		return opts, nil
	}
	if !ok || tag == "" {
		return opts, nil
	}
	for _, opt := range strings.Split(tag, ",") {
		switch name, val, _ := strings.Cut(strings.TrimSpace(opt), "="); name {
		case "max":
			n, err := strconv.ParseUint(val, 0, 32)
			if err != nil {
				return opts, fmt.Errorf("tag %q: max must be a number from 0 to 4294967295", tag)
			}
			opts.bound = uint32(n)
		case "discriminant":
			switch sf.Type.Kind() {
			case reflect.Int32, reflect.Uint32, reflect.Bool:
			default:
				return opts, fmt.Errorf("discriminant field must be an int32, uint32, bool or enum, not %s", sf.Type)
			}
			opts.discriminant = true
		default:
			return opts, fmt.Errorf("tag %q: unknown option %q (want max=N, discriminant or -)", tag, name)
		}
	}
	return opts, nil
}

// minSize is the fewest bytes an XDR encoding of t takes. It looks only at
// the type, so it is defined while recursive codecs are still being built:
// recursion always passes through a pointer, slice or interface, whose
// minimum does not depend on the element.
func minSize(t reflect.Type) int {
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return 4
	}
	switch t.Kind() {
	case reflect.Int32, reflect.Uint32, reflect.Float32, reflect.Bool,
		reflect.String, reflect.Slice, reflect.Pointer, reflect.Interface:
		return 4
	case reflect.Int64, reflect.Uint64, reflect.Float64:
		return 8
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return (t.Len() + 3) &^ 3
		}
		return t.Len() * minSize(t.Elem())
	case reflect.Struct:
		n := 0
		for i := range t.NumField() {
			if opts, err := parseTag(t.Field(i)); err == nil && !opts.skip && !opts.discriminant {
				n += minSize(t.Field(i).Type)
			}
		}
		return n
	}
	return 0
}

// typeWord is the type word of interface values holding a t.
func typeWord(t reflect.Type) unsafe.Pointer {
	x := reflect.Zero(t).Interface()
	return (*eface)(unsafe.Pointer(&x)).typ
}

// pointerAt is the interface value holding the pointer p, of the pointer
// type whose type word is ptrWord.
func pointerAt(ptrWord, p unsafe.Pointer) any {
	var x any
	ef := (*eface)(unsafe.Pointer(&x))
	ef.typ, ef.data = ptrWord, p
	return x
}

type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

type sliceHeader struct {
	Data unsafe.Pointer
	Len  int
	Cap  int
}

// encodeValue appends the encoding of the value of codec c at p.
func encodeValue(e *Encoder, c *codec, p unsafe.Pointer) error {
	switch c.op {
	case op4:
		e.buf = binary.BigEndian.AppendUint32(e.buf, *(*uint32)(p))
	case op8:
		e.buf = binary.BigEndian.AppendUint64(e.buf, *(*uint64)(p))
	case opBool:
		e.PutBool(*(*bool)(p))
	case opString:
		return e.PutString(*(*string)(p), c.bound)
	case opOpaque:
		return e.PutOpaque(*(*[]byte)(p), c.bound)
	case opFixedOpaque:
		e.PutFixedOpaque(unsafe.Slice((*byte)(p), c.n))
	case opEnum:
		v := *(*int32)(p)
		if !c.valid(v) {
			return newError(e.Offset(), ErrInvalidEnum, "%s value %d is not valid", c.name, v)
		}
		e.PutInt32(v)
	case opStruct:
		return encodeStruct(e, c, p)
	case opArray:
		return encodeElems(e, c, p, c.n)
	case opSlice:
		h := (*sliceHeader)(p)
		if err := e.PutArrayLen(h.Len, c.bound); err != nil {
			return err
		}
		if h.Len == 0 {
			return nil
		}
		if err := e.Enter(); err != nil {
			return err
		}
		err := encodeElems(e, c, h.Data, h.Len)
		e.Leave()
		return err
	case opOptional:
		ptr := *(*unsafe.Pointer)(p)
		if ptr == nil {
			e.PutUint32(0)
			return nil
		}
		e.PutUint32(1)
		if err := e.Enter(); err != nil {
			return err
		}
		err := encodeValue(e, c.elem, ptr)
		e.Leave()
		return err
	case opUnion:
		return c.union.encode(e, p)
	case opCustom:
		if c.marshal {
			return e.custom(c, p)
		}
		if c.base == nil {
			return c.missingBase()
		}
		return encodeValue(e, c.base, p)
	}
	return nil
}

func encodeStruct(e *Encoder, c *codec, p unsafe.Pointer) error {
	for i := range c.fields {
		f := &c.fields[i]
		var err error
		switch f.op {
		case opRun:
			buf := e.grow(f.size)
			for _, r := range f.run {
				rp := unsafe.Add(p, r.off)
				switch r.op {
				case op4:
					binary.BigEndian.PutUint32(buf[r.at:], *(*uint32)(rp))
				case op8:
					binary.BigEndian.PutUint64(buf[r.at:], *(*uint64)(rp))
				default:
					binary.BigEndian.PutUint32(buf[r.at:], uint32(*(*uint8)(rp)&1))
				}
			}
			continue
		case op4:
			e.buf = binary.BigEndian.AppendUint32(e.buf, *(*uint32)(unsafe.Add(p, f.off)))
			continue
		case op8:
			e.buf = binary.BigEndian.AppendUint64(e.buf, *(*uint64)(unsafe.Add(p, f.off)))
			continue
		case opString:
			s := *(*string)(unsafe.Add(p, f.off))
			if uint64(len(s)) <= uint64(f.bound) {
				e.putString(s)
				continue
			}
			err = e.PutString(s, f.bound)
		default:
			err = encodeValue(e, f.c, unsafe.Add(p, f.off))
		}
		if err != nil {
			return withPath(err, f.name, e.Offset())
		}
	}
	return nil
}

// encodeElems encodes n elements of the array (c is the opArray or opSlice
// codec) at data.
func encodeElems(e *Encoder, c *codec, data unsafe.Pointer, n int) error {
	switch c.elem.op {
	case op4:
		buf := e.grow(4 * n)
		for i, v := range unsafe.Slice((*uint32)(data), n) {
			binary.BigEndian.PutUint32(buf[4*i:], v)
		}
		return nil
	case op8:
		buf := e.grow(8 * n)
		for i, v := range unsafe.Slice((*uint64)(data), n) {
			binary.BigEndian.PutUint64(buf[8*i:], v)
		}
		return nil
	}
	for i := range n {
		if err := encodeValue(e, c.elem, unsafe.Add(data, uintptr(i)*c.esize)); err != nil {
			return withPath(err, indexPath(i), e.Offset())
		}
	}
	return nil
}

// sizeValue returns the length of the encoding of the value of codec c at
// p, or -1 if it cannot tell without encoding (a Marshaler decides its own
// size; a value nested deeper than depth may be cyclic; an invalid union is
// for encodeValue to report).
func sizeValue(c *codec, p unsafe.Pointer, depth int) int {
	switch c.op {
	case op4, opBool, opEnum:
		return 4
	case op8:
		return 8
	case opString:
		return 4 + (len(*(*string)(p))+3)&^3
	case opOpaque:
		return 4 + (len(*(*[]byte)(p))+3)&^3
	case opFixedOpaque:
		return (c.n + 3) &^ 3
	case opStruct:
		n := 0
		for i := range c.fields {
			f := &c.fields[i]
			switch f.op {
			case opRun:
				n += f.size
			case opString:
				n += 4 + (len(*(*string)(unsafe.Add(p, f.off)))+3)&^3
			default:
				m := sizeValue(f.c, unsafe.Add(p, f.off), depth)
				if m < 0 {
					return -1
				}
				n += m
			}
		}
		return n
	case opArray:
		return sizeElems(c, p, c.n, depth)
	case opSlice:
		h := (*sliceHeader)(p)
		if depth == 0 {
			return -1
		}
		if m := sizeElems(c, h.Data, h.Len, depth-1); m >= 0 {
			return 4 + m
		}
	case opOptional:
		ptr := *(*unsafe.Pointer)(p)
		if ptr == nil {
			return 4
		}
		if depth == 0 {
			return -1
		}
		if m := sizeValue(c.elem, ptr, depth-1); m >= 0 {
			return 4 + m
		}
	case opUnion:
		a, ptr, _, err := c.union.held(p)
		if err != nil || depth == 0 {
			return -1
		}
		if m := sizeValue(a.body, ptr, depth-1); m >= 0 {
			return 4 + m
		}
	case opCustom:
		if !c.marshal && c.base != nil {
			return sizeValue(c.base, p, depth)
		}
	}
	return -1
}

func sizeElems(c *codec, data unsafe.Pointer, n, depth int) int {
	switch c.elem.op {
	case op4, opBool, opEnum:
		return 4 * n
	case op8:
		return 8 * n
	}
	total := 0
	for i := range n {
		m := sizeValue(c.elem, unsafe.Add(data, uintptr(i)*c.esize), depth)
		if m < 0 {
			return -1
		}
		total += m
	}
	return total
}

// decodeValue decodes a value of codec c into p.
func decodeValue(d *Decoder, c *codec, p unsafe.Pointer) error {
	switch c.op {
	case op4:
		if d.end-d.off < 4 {
			if err := d.fill(4); err != nil {
				return err
			}
		}
		*(*uint32)(p) = binary.BigEndian.Uint32(d.buf[d.off:])
		d.off += 4
	case op8:
		if d.end-d.off < 8 {
			if err := d.fill(8); err != nil {
				return err
			}
		}
		*(*uint64)(p) = binary.BigEndian.Uint64(d.buf[d.off:])
		d.off += 8
	case opBool:
		v, err := d.Bool()
		*(*bool)(p) = v
		return err
	case opString:
		s, err := d.String(c.bound)
		*(*string)(p) = s
		return err
	case opOpaque:
		b, err := d.Opaque(c.bound)
		*(*[]byte)(p) = b
		return err
	case opFixedOpaque:
		return d.FixedOpaque(unsafe.Slice((*byte)(p), c.n))
	case opEnum:
		v, err := d.Int32()
		if err != nil {
			return err
		}
		if !c.valid(v) {
			return newError(d.Offset()-4, ErrInvalidEnum, "%s value %d is not valid", c.name, v)
		}
		*(*int32)(p) = v
	case opStruct:
		return decodeStruct(d, c, p)
	case opArray:
		return decodeElems(d, c, p, 0, c.n)
	case opSlice:
		return decodeSlice(d, c, p)
	case opOptional:
		present, err := d.Optional()
		if err != nil || !present {
			*(*unsafe.Pointer)(p) = nil
			return err
		}
		if err := d.Enter(); err != nil {
			return err
		}
		ptr := reflect.New(c.alloc).UnsafePointer()
		*(*unsafe.Pointer)(p) = ptr
		err = decodeValue(d, c.elem, ptr)
		d.Leave()
		return err
	case opUnion:
		return c.union.decode(d, p)
	case opCustom:
		if c.unmarshal {
			return d.custom(c, p)
		}
		if c.base == nil {
			return c.missingBase()
		}
		return decodeValue(d, c.base, p)
	}
	return nil
}

func decodeStruct(d *Decoder, c *codec, p unsafe.Pointer) error {
	for i := range c.fields {
		f := &c.fields[i]
		var err error
		switch f.op {
		case opRun:
			if d.end-d.off < f.size {
				// Not all in memory: field by field, reading as needed.
				for _, r := range f.run {
					if err := decodeValue(d, &scalars[r.op], unsafe.Add(p, r.off)); err != nil {
						return withPath(err, r.name, d.Offset())
					}
				}
				continue
			}
			src := d.buf[d.off : d.off+f.size]
			for _, r := range f.run {
				rp := unsafe.Add(p, r.off)
				switch r.op {
				case op4:
					*(*uint32)(rp) = binary.BigEndian.Uint32(src[r.at:])
				case op8:
					*(*uint64)(rp) = binary.BigEndian.Uint64(src[r.at:])
				default:
					v := binary.BigEndian.Uint32(src[r.at:])
					if v > 1 {
						err := newError(d.Offset()+int64(r.at), ErrInvalidBool, "bool value %d is not 0 or 1", v)
						return withPath(err, r.name, 0)
					}
					*(*bool)(rp) = v == 1
				}
			}
			d.off += f.size
			continue
		case opString:
			*(*string)(unsafe.Add(p, f.off)), err = d.String(f.bound)
		default:
			err = decodeValue(d, f.c, unsafe.Add(p, f.off))
		}
		if err != nil {
			return withPath(err, f.name, d.Offset())
		}
	}
	return nil
}

// scalars are the codecs of the ops in a run, for decoding one at a time.
var scalars = [...]codec{op4: {op: op4}, op8: {op: op8}, opBool: {op: opBool}}

// decodeSlice decodes a variable-length array into the slice at p.
func decodeSlice(d *Decoder, c *codec, p unsafe.Pointer) error {
	h := (*sliceHeader)(p)
	*h = sliceHeader{}
	n, err := d.ArrayLen(c.bound, c.emin)
	if err != nil || n == 0 {
		return err
	}
	if err := d.Enter(); err != nil {
		return err
	}
	err = fillSlice(d, c, p, n)
	d.Leave()
	return err
}

// fillSlice allocates the slice at p for n elements and decodes them.
func fillSlice(d *Decoder, c *codec, p unsafe.Pointer, n int) error {
	h := (*sliceHeader)(p)
	if int64(n)*int64(c.emin) <= int64(d.end-d.off) {
		// The elements can all be in memory (always so for a byte slice,
		// as ArrayLen checked): allocate once.
		switch c.elem.op {
		case op4:
			h.Data = unsafe.Pointer(unsafe.SliceData(make([]uint32, n)))
		case op8:
			h.Data = unsafe.Pointer(unsafe.SliceData(make([]uint64, n)))
		case opString:
			h.Data = unsafe.Pointer(unsafe.SliceData(make([]string, n)))
		case opBool:
			h.Data = unsafe.Pointer(unsafe.SliceData(make([]bool, n)))
		default:
			reflect.ValueOf(pointerAt(c.ptrWord, p)).Elem().Grow(n)
		}
		h.Len, h.Cap = n, max(h.Cap, n)
		return decodeElems(d, c, h.Data, 0, n)
	}
	v := reflect.ValueOf(pointerAt(c.ptrWord, p)).Elem()
	// A stream announced more than is buffered: grow the slice as the
	// elements arrive, so memory follows the input actually read.
	for have := 0; have < n; {
		step := min(n-have, max(have, 16))
		v.Grow(step)
		h.Len = have + step
		if err := decodeElems(d, c, h.Data, have, have+step); err != nil {
			return err
		}
		have += step
	}
	return nil
}

// decodeElems decodes elements [from, to) of the array (c is the opArray or
// opSlice codec) at data.
func decodeElems(d *Decoder, c *codec, data unsafe.Pointer, from, to int) error {
	switch c.elem.op {
	case op4:
		if src := d.buf[d.off:d.end]; len(src) >= 4*(to-from) {
			dst := unsafe.Slice((*uint32)(data), to)[from:]
			for i := range dst {
				dst[i] = binary.BigEndian.Uint32(src[4*i:])
			}
			d.off += 4 * len(dst)
			return nil
		}
	case op8:
		if src := d.buf[d.off:d.end]; len(src) >= 8*(to-from) {
			dst := unsafe.Slice((*uint64)(data), to)[from:]
			for i := range dst {
				dst[i] = binary.BigEndian.Uint64(src[8*i:])
			}
			d.off += 8 * len(dst)
			return nil
		}
	}
	for i := from; i < to; i++ {
		if err := decodeValue(d, c.elem, unsafe.Add(data, uintptr(i)*c.esize)); err != nil {
			return withPath(err, indexPath(i), d.Offset())
		}
	}
	return nil
}

// custom runs a type's own MarshalXDR. Methods get a heap Encoder (e itself
// may live on the stack), which carries e's state in and out.
func (e *Encoder) custom(c *codec, p unsafe.Pointer) error {
	m := pointerAt(c.ptrWord, p).(Marshaler)
	h := e.helper
	if h == nil {
		h = encoders.Get().(*Encoder)
		e.helper = h
	}
	*h = *e
	at := e.Offset()
	defer func() { *e = *h }() // also if the method panics and a caller recovers
	return ownError(m.MarshalXDR(h), at)
}

// custom runs a type's own UnmarshalXDR on a heap helper, as Encoder.custom
// does.
func (d *Decoder) custom(c *codec, p unsafe.Pointer) error {
	u := pointerAt(c.ptrWord, p).(Unmarshaler)
	h := d.helper
	if h == nil {
		h = decoders.Get().(*Decoder)
		d.helper = h
	}
	*h = *d
	at := d.Offset()
	defer func() { *d = *h }() // also if the method panics and a caller recovers
	return ownError(u.UnmarshalXDR(h), at)
}

// missingBase is the error for the direction a custom type does not
// implement and the reflection codec cannot serve: a fresh copy, since
// callers add to its path.
func (c *codec) missingBase() error {
	e := *c.baseErr
	return &e
}

// ownError makes an error returned by user code an *Error of this call, so
// that adding the field path never changes an error the user may hold: an
// *Error is copied; an error that wraps one (fmt.Errorf("...: %w", err))
// keeps its text and gains the wrapped one's offset and path; any other is
// placed at offset at.
func ownError(err error, at int64) error {
	if err == nil {
		return nil
	}
	if e, ok := err.(*Error); ok {
		c := *e
		return &c
	}
	var inner *Error
	if errors.As(err, &inner) {
		return &Error{Offset: inner.Offset, Path: inner.Path, Msg: err.Error(), Err: err, offsetInMsg: true}
	}
	return &Error{Offset: at, Msg: err.Error(), Err: err}
}
