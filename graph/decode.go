package graph

import (
	"encoding"
	"encoding/binary"
	"io"
	"math"
	"reflect"
	"unsafe"
)

// A decoder reads values with the same explicit work stack as the encoder
// (see encoder). In Graph mode it registers each new object before reading
// its contents, so that references back to it, cycles included, resolve.
type decoder struct {
	data  []byte
	off   int
	mode  Mode
	lim   Limits
	objs  []objKey // Graph: id-1 → object
	stack []dtask
	temps map[tempKey]reflect.Value // a variable per map key or value type
	alloc int64                     // what decoding may still allocate (see spend)
	strs  []byte                    // room for short strings (see str)
}

type dtask struct {
	c     *gcodec
	p     unsafe.Pointer
	i, n  int
	kind  taskKind
	phase uint8         // gMap: 0 key next, 1 value next, 2 insert
	m     reflect.Value // gMap: the map being filled
	k, v  reflect.Value // gMap: the entry being read
}

func (d *decoder) fail(sentinel error, format string, args ...any) error {
	return newError(int64(d.off), sentinel, format, args...)
}

func (d *decoder) short(need int) error {
	return d.fail(io.ErrUnexpectedEOF, "unexpected end of input: need %d bytes, have %d", need, len(d.data)-d.off)
}

func (d *decoder) u32() (uint32, error) {
	if len(d.data)-d.off < 4 {
		return 0, d.short(4)
	}
	v := binary.BigEndian.Uint32(d.data[d.off:])
	d.off += 4
	return v, nil
}

func (d *decoder) u64() (uint64, error) {
	if len(d.data)-d.off < 8 {
		return 0, d.short(8)
	}
	v := binary.BigEndian.Uint64(d.data[d.off:])
	d.off += 8
	return v, nil
}

// bytes reads an XDR string or opaque and returns its bytes in the input.
func (d *decoder) bytes() ([]byte, error) {
	n, err := d.u32()
	if err != nil {
		return nil, err
	}
	padded := (int64(n) + 3) &^ 3
	if padded > int64(len(d.data)-d.off) {
		d.off -= 4
		return nil, d.fail(io.ErrUnexpectedEOF, "length %d exceeds the %d bytes left", n, len(d.data)-d.off-4)
	}
	b := d.data[d.off : d.off+int(n)]
	for _, c := range d.data[d.off+int(n) : d.off+int(padded)] {
		if c != 0 {
			return nil, d.fail(ErrInvalid, "non-zero padding")
		}
	}
	d.off += int(padded)
	return b, nil
}

// count reads an element count and checks it against MaxElements and the
// input left, given that every element takes at least min bytes.
func (d *decoder) count(min int) (int, error) {
	n, err := d.u32()
	if err != nil {
		return 0, err
	}
	if int64(n) > int64(d.lim.MaxElements) {
		d.off -= 4
		return 0, d.fail(ErrLimit, "count %d exceeds MaxElements (%d)", n, d.lim.MaxElements)
	}
	if need := int64(n) * int64(min); need > int64(len(d.data)-d.off) {
		d.off -= 4
		return 0, d.fail(io.ErrUnexpectedEOF, "count %d needs at least %d bytes, %d left", n, need, len(d.data)-d.off-4)
	}
	return int(n), nil
}

func (d *decoder) push(t dtask) error {
	if len(d.stack) >= d.lim.MaxDepth {
		return d.fail(ErrDepth, "nesting exceeds MaxDepth (%d)", d.lim.MaxDepth)
	}
	d.stack = append(d.stack, t)
	return nil
}

func (d *decoder) run() error {
	for len(d.stack) > 0 {
		top := len(d.stack) - 1
		t := &d.stack[top]
		if t.kind == tValue {
			c, p := t.c, t.p
			d.stack = d.stack[:top]
			if err := d.value(c, p); err != nil {
				return err
			}
			continue
		}
		var c *gcodec
		var p unsafe.Pointer
		switch t.c.op {
		case gStruct:
			f := &t.c.fields[t.i]
			c, p = f.c, unsafe.Add(t.p, f.off)
		case gArray, gSlice:
			c, p = t.c.elem, unsafe.Add(t.p, uintptr(t.i)*t.c.elem.size)
		case gMap:
			if err := d.entry(top); err != nil {
				return err
			}
			continue
		}
		if t.i++; t.i == t.n {
			d.stack = d.stack[:top] // done before its last part starts
		}
		if err := d.value(c, p); err != nil {
			return err
		}
	}
	return nil
}

// entry advances the map task at stack index top by one step: read a key,
// read a value, or insert the pair. The key and value variables are reused
// for every entry: the map copies them in.
func (d *decoder) entry(top int) error {
	t := &d.stack[top]
	switch t.phase {
	case 0:
		t.phase = 1
		return d.value(t.c.key, t.k.UnsafePointer())
	case 1:
		t.phase = 2
		return d.value(t.c.elem, t.v.UnsafePointer())
	}
	if err := d.insert(t.c, t.m, t.k, t.v); err != nil {
		return err
	}
	t.phase = 0
	if t.i++; t.i == t.n {
		d.stack = d.stack[:top]
	}
	return nil
}

// plain reads a number, bool, string or opaque into p. It only writes
// through p, so the compiler can keep what p points to on the stack.
func (d *decoder) plain(c *gcodec, p unsafe.Pointer) error {
	switch c.op {
	case gInt32, gUint32:
		v, err := d.u32()
		if err != nil {
			return err
		}
		return d.small(c, p, v)
	case gInt64:
		v, err := d.u64()
		if err != nil {
			return err
		}
		if c.size == 4 {
			if int64(v) != int64(int32(int64(v))) {
				return d.fail(ErrInvalid, "%d does not fit in a 32-bit int", int64(v))
			}
			*(*int32)(p) = int32(int64(v))
		} else {
			*(*uint64)(p) = v
		}
	case gUint64:
		v, err := d.u64()
		if err != nil {
			return err
		}
		if c.size == 4 {
			if v > math.MaxUint32 {
				return d.fail(ErrInvalid, "%d does not fit in a 32-bit uint", v)
			}
			*(*uint32)(p) = uint32(v)
		} else {
			*(*uint64)(p) = v
		}
	case gFloat32:
		v, err := d.u32()
		*(*uint32)(p) = v
		return err
	case gFloat64:
		v, err := d.u64()
		*(*uint64)(p) = v
		return err
	case gComplex64:
		if len(d.data)-d.off < 8 {
			return d.short(8)
		}
		*(*uint32)(p) = binary.BigEndian.Uint32(d.data[d.off:])
		*(*uint32)(unsafe.Add(p, 4)) = binary.BigEndian.Uint32(d.data[d.off+4:])
		d.off += 8
	case gComplex128:
		if len(d.data)-d.off < 16 {
			return d.short(16)
		}
		*(*uint64)(p) = binary.BigEndian.Uint64(d.data[d.off:])
		*(*uint64)(unsafe.Add(p, 8)) = binary.BigEndian.Uint64(d.data[d.off+8:])
		d.off += 16
	case gBool:
		v, err := d.u32()
		if err != nil {
			return err
		}
		if v > 1 {
			d.off -= 4
			return d.fail(ErrInvalid, "bool value %d is not 0 or 1", v)
		}
		*(*bool)(p) = v == 1
	case gString:
		b, err := d.bytes()
		if err != nil {
			return err
		}
		*(*string)(p) = d.str(b)
	case gBytes:
		b, err := d.bytes()
		if err != nil {
			return err
		}
		if len(b) > d.lim.MaxElements {
			return newError(int64(d.off-len(b)-4), ErrLimit, "%d bytes exceed MaxElements (%d)", len(b), d.lim.MaxElements)
		}
		if len(b) == 0 {
			*(*[]byte)(p) = nil
		} else {
			*(*[]byte)(p) = append([]byte(nil), b...)
		}
	case gFixedBytes:
		padded := (c.n + 3) &^ 3
		if len(d.data)-d.off < padded {
			return d.short(padded)
		}
		copy(unsafe.Slice((*byte)(p), c.n), d.data[d.off:])
		for _, b := range d.data[d.off+c.n : d.off+padded] {
			if b != 0 {
				return d.fail(ErrInvalid, "non-zero padding")
			}
		}
		d.off += padded
	}
	return nil
}

// value reads a value of c into p, or pushes the work to read it.
func (d *decoder) value(c *gcodec, p unsafe.Pointer) error {
	if c.op < gBinary {
		return d.plain(c, p)
	}
	switch c.op {
	case gBinary:
		at := d.off
		b, err := d.bytes()
		if err != nil {
			return err
		}
		v := valueAt(c.ptrWord, p)
		v.Elem().SetZero() // UnmarshalBinary may merge into what is there
		if err := v.Interface().(encoding.BinaryUnmarshaler).UnmarshalBinary(b); err != nil {
			return newError(int64(at), ErrInvalid, "%s.UnmarshalBinary: %v", c.typ, err)
		}
	case gStruct:
		if len(c.fields) == 0 {
			return nil
		}
		if c.isFlat {
			for i := range c.fields {
				if err := d.value(c.fields[i].c, unsafe.Add(p, c.fields[i].off)); err != nil {
					return err
				}
			}
			return nil
		}
		return d.push(dtask{c: c, p: p, n: len(c.fields)})
	case gArray:
		return d.elements(c, p, c.n)
	case gSlice:
		return d.slice(c, p)
	case gPtr:
		ptr, err := d.pointer(c.elem)
		*(*unsafe.Pointer)(p) = ptr
		return err
	case gMap:
		hp, err := d.mapRef(c)
		*(*unsafe.Pointer)(p) = hp
		return err
	case gIface:
		return d.iface(c, p)
	}
	return nil
}

// small stores a 4-byte integer into a Go integer of c's width, checking
// that it fits.
func (d *decoder) small(c *gcodec, p unsafe.Pointer, v uint32) error {
	fits := true
	switch {
	case c.op == gInt32 && c.size == 1:
		fits = int32(v) == int32(int8(v))
		*(*int8)(p) = int8(v)
	case c.op == gInt32 && c.size == 2:
		fits = int32(v) == int32(int16(v))
		*(*int16)(p) = int16(v)
	case c.op == gUint32 && c.size == 1:
		fits = v <= math.MaxUint8
		*(*uint8)(p) = uint8(v)
	case c.op == gUint32 && c.size == 2:
		fits = v <= math.MaxUint16
		*(*uint16)(p) = uint16(v)
	default:
		*(*uint32)(p) = v
	}
	if !fits {
		d.off -= 4
		return d.fail(ErrInvalid, "%d does not fit in a %s", int64(int32(v)), c.typ)
	}
	return nil
}

// elements reads n elements of the array or slice c into data.
func (d *decoder) elements(c *gcodec, data unsafe.Pointer, n int) error {
	if n == 0 || c.elem.size == 0 && c.elem.min == 0 {
		return nil
	}
	if c.elem.scalar() {
		for i := range n {
			if err := d.value(c.elem, unsafe.Add(data, uintptr(i)*c.elem.size)); err != nil {
				return err
			}
		}
		return nil
	}
	return d.push(dtask{c: c, p: data, n: n})
}

func (d *decoder) slice(c *gcodec, p unsafe.Pointer) error {
	n, err := d.count(c.elem.min)
	h := (*sliceHeader)(p)
	*h = sliceHeader{}
	if err != nil || n == 0 {
		return err
	}
	if err := d.spend(int64(n) * int64(c.elem.size)); err != nil {
		return err
	}
	h.Data, h.Len, h.Cap = makeArray(c, n), n, n
	return d.elements(c, h.Data, n)
}

// makeArray allocates n zero elements of the slice c. Element types whose
// memory is all plain data, all pointers, all strings or all interfaces
// get a typed make of the same layout (what the garbage collector needs
// to know); others go through reflect.
func makeArray(c *gcodec, n int) unsafe.Pointer {
	switch c.elemLayout {
	case layoutPlain:
		return unsafe.Pointer(unsafe.SliceData(make([]uint64, (uintptr(n)*c.elem.size+7)/8)))
	case layoutPointers:
		return unsafe.Pointer(unsafe.SliceData(make([]unsafe.Pointer, n)))
	case layoutStrings:
		return unsafe.Pointer(unsafe.SliceData(make([]string, n)))
	case layoutIfaces:
		return unsafe.Pointer(unsafe.SliceData(make([]any, n)))
	}
	return reflect.MakeSlice(c.typ, n, n).UnsafePointer()
}

// pointer reads a reference to an object of codec elem, as the mode says,
// and returns the object; a new one is allocated, registered and its
// contents read.
func (d *decoder) pointer(elem *gcodec) (unsafe.Pointer, error) {
	ref, err := d.ref(elem, objPointee)
	if err != nil || ref.p != nil || !ref.fresh {
		return ref.p, err
	}
	if err := d.spend(int64(elem.size)); err != nil {
		return nil, err
	}
	obj := reflect.New(elem.typ).UnsafePointer()
	d.register(obj, elem, objPointee)
	switch elem.op {
	case gPtr, gMap, gIface:
		return obj, d.push(dtask{c: elem, p: obj, kind: tValue})
	}
	return obj, d.value(elem, obj)
}

type reference struct {
	p     unsafe.Pointer // an object read before, or nil
	fresh bool           // a new object's contents follow
}

// ref reads a flag (Shallow and Tree modes) or an id (Graph mode) for an
// object of codec c and kind k.
func (d *decoder) ref(c *gcodec, k objKind) (reference, error) {
	at := d.off
	v, err := d.u32()
	if err != nil {
		return reference{}, err
	}
	if d.mode != Graph {
		if v > 1 {
			d.off = at
			return reference{}, d.fail(ErrInvalid, "optional-data flag %d is not 0 or 1", v)
		}
		return reference{fresh: v == 1}, nil
	}
	switch next := uint32(len(d.objs) + 1); {
	case v == 0:
		return reference{}, nil
	case v == next:
		return reference{fresh: true}, nil
	case v > next:
		d.off = at
		return reference{}, d.fail(ErrBadID, "id %d is beyond the next unassigned id %d", v, next)
	}
	obj := d.objs[v-1]
	if obj.c != c || obj.kind != k {
		d.off = at
		return reference{}, d.fail(ErrBadID, "id %d names %s, not %s", v, describeObj(obj.c, obj.kind), describeObj(c, k))
	}
	return reference{p: obj.p}, nil
}

// describeObj names an object for errors: "a main.Node", "a map[string]int".
func describeObj(c *gcodec, k objKind) string {
	if k == objPointee && c.op == gMap {
		return "a variable of type " + c.typ.String() // what a *map points to
	}
	return "a " + c.typ.String()
}

// register gives a new object the next id (Graph mode).
func (d *decoder) register(p unsafe.Pointer, c *gcodec, k objKind) {
	if d.mode == Graph {
		d.objs = append(d.objs, objKey{p, c, k})
	}
}

// spend takes n bytes from what decoding may allocate: a multiple of the
// input, so that types whose Go values are much larger than their encoding
// (large fields not encoded) cannot turn a little input into a lot of
// memory.
func (d *decoder) spend(n int64) error {
	if d.alloc -= n; d.alloc < 0 {
		return d.fail(ErrLimit, "decoding would allocate more than %d bytes for %d bytes of input", allocFactor*len(d.data)+allocBase, len(d.data))
	}
	return nil
}

// Decoding may allocate up to allocFactor bytes per input byte, plus
// allocBase.
const (
	allocFactor = 64
	allocBase   = 1 << 20
)

// mapRef reads a reference to a map and returns its header; a new map is
// made, registered, and its entries read.
func (d *decoder) mapRef(c *gcodec) (unsafe.Pointer, error) {
	ref, err := d.ref(c, objMap)
	if err != nil || ref.p != nil || !ref.fresh {
		return ref.p, err
	}
	n, err := d.count(c.key.min + c.elem.min)
	if err != nil {
		return nil, err
	}
	if err := d.spend(int64(n) * int64(c.key.size+c.elem.size)); err != nil {
		return nil, err
	}
	if c.fast != mapGeneral {
		return readFastMap(d, c, n)
	}
	// Size the map for the entries the input can hold: keys and values
	// that take no bytes would otherwise let a count make a huge map.
	m := reflect.MakeMapWithSize(c.typ, min(n, (len(d.data)-d.off)/max(c.key.min+c.elem.min, 4)+1))
	hp := m.UnsafePointer()
	d.register(hp, c, objMap)
	if n == 0 {
		return hp, nil
	}
	if c.key.scalar() && c.elem.scalar() {
		// Nothing to push: read the entries here, through variables
		// reused for every such map of the type (the map copies them in).
		k, v := d.temp(c.key, false), d.temp(c.elem, true)
		for range n {
			if err := d.value(c.key, k.UnsafePointer()); err != nil {
				return hp, err
			}
			if err := d.value(c.elem, v.UnsafePointer()); err != nil {
				return hp, err
			}
			if err := d.insert(c, m, k, v); err != nil {
				return hp, err
			}
		}
		return hp, nil
	}
	return hp, d.push(dtask{c: c, n: n, m: m, k: reflect.New(c.key.typ), v: reflect.New(c.elem.typ)})
}

// temp returns a variable (as a pointer) of c's type, one per type, role
// (key or value) and decoder.
func (d *decoder) temp(c *gcodec, value bool) reflect.Value {
	if v, ok := d.temps[tempKey{c, value}]; ok {
		return v
	}
	if d.temps == nil {
		d.temps = map[tempKey]reflect.Value{}
	}
	v := reflect.New(c.typ)
	d.temps[tempKey{c, value}] = v
	return v
}

// Short strings are cut from blocks of memory shared by the strings of one
// Unmarshal: one allocation serves many. A block is at most strBlock bytes
// and never larger than the input left could fill, so memory stays in
// proportion to the input; keeping one string keeps its block alive.
const (
	strBlock = 4 << 10
	strShort = 64 // longer strings get their own allocation
)

func (d *decoder) str(b []byte) string {
	n := len(b)
	if n == 0 {
		return ""
	}
	if n > strShort {
		return string(b)
	}
	if cap(d.strs)-len(d.strs) < n {
		d.strs = make([]byte, 0, max(n, min(strBlock, len(d.data)-d.off+n)))
	}
	at := len(d.strs)
	d.strs = append(d.strs, b...)
	return unsafe.String(&d.strs[at], n)
}

// insert puts the pair read into k and v into the map m; a key met before
// is an error, as an encoder never writes one twice.
func (d *decoder) insert(c *gcodec, m, k, v reflect.Value) error {
	if c.keyIface && !k.Elem().Comparable() {
		return d.fail(ErrInvalid, "a key of a %s holds a %s, which cannot be a map key", c.typ, k.Elem().Type())
	}
	before := m.Len()
	m.SetMapIndex(k.Elem(), v.Elem())
	if m.Len() == before {
		return d.fail(ErrInvalid, "duplicate key in a %s", c.typ)
	}
	return nil
}

// iface reads a registered type name and a value of that type.
func (d *decoder) iface(c *gcodec, p unsafe.Pointer) error {
	at := d.off
	b, err := d.bytes()
	if err != nil {
		return err
	}
	if len(b) == 0 {
		*(*eface)(p) = eface{}
		return nil
	}
	t, ok := typeNamed(string(b))
	if !ok {
		d.off = at
		return d.fail(ErrUnregistered, "type name %q is not registered (see Register)", b)
	}
	if !t.Implements(c.typ) {
		d.off = at
		return d.fail(ErrUnregistered, "type %q (%s) does not implement %s", b, t, c.typ)
	}
	cc, err := codecOf(t)
	if err != nil {
		return err
	}
	tab := itabFor(c.typ, t)
	var data unsafe.Pointer
	switch {
	case cc.op == gPtr:
		data, err = d.pointer(cc.elem)
	case cc.op == gMap:
		data, err = d.mapRef(cc)
	case direct(t):
		return d.fail(ErrUnsupportedType, "%s behind an interface: only pointers and maps of its kind are supported", t)
	default:
		// The interface points at a value made for it, filled in after.
		if err := d.spend(int64(cc.size)); err != nil {
			return err
		}
		data = reflect.New(t).UnsafePointer()
		err = d.value(cc, data)
	}
	*(*eface)(p) = eface{tab, data}
	return err
}
