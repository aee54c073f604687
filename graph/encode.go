package graph

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"math"
	"reflect"
	"slices"
	"unsafe"
)

// objKey identifies an object: its address and its type, so that a struct
// and its first field, which share an address, are different objects.
// tempKey names a reused variable: a type, as a map's key or its value.
type tempKey struct {
	c     *gcodec
	value bool
}

type objKey struct {
	p    unsafe.Pointer
	c    *gcodec
	kind objKind
}

// objKind tells apart what can sit at one address with one codec: an
// object a pointer points to (a map variable, for a pointer to a map), a
// map's header, and a slice's array.
type objKind uint8

const (
	objPointee objKind = iota
	objMap
	objArray
)

// An encoder writes values with an explicit stack of work (etask) instead
// of recursion: a value that needs more than a few bytes pushes a task, and
// the loop in run takes tasks from the top. A container's task leaves the
// stack before its last element is started, so a linked list of any length
// takes constant stack; deep trees take heap, not Go stack.
type encoder struct {
	buf     []byte
	scratch []byte                    // map entries are encoded here to be sorted
	mw      mapWork                   // bookkeeping of maps written at once
	iter    reflect.MapIter           // reused for every map
	keys    []string                  // reused for string-keyed maps
	temps   map[tempKey]reflect.Value // a variable per map key or value type
	mode    Mode
	ids     map[objKey]uint32   // Graph: ids given so far
	active  map[objKey]struct{} // Tree: objects being written (a cycle meets one)
	stack   []etask
}

type etask struct {
	c    *gcodec
	p    unsafe.Pointer
	i, n int
	kind taskKind
	obj  objKind  // tExit
	m    *mapWork // gMap
}

type taskKind uint8

const (
	tContainer taskKind = iota // walk the fields or elements of c at p
	tValue                     // write one value of c at p
	tExit                      // Tree: the object (p, c) is written
)

func (e *encoder) put32(v uint32) { e.buf = binary.BigEndian.AppendUint32(e.buf, v) }
func (e *encoder) put64(v uint64) { e.buf = binary.BigEndian.AppendUint64(e.buf, v) }

// putBytes writes an XDR string or variable-length opaque.
func (e *encoder) putBytes(s string) {
	e.put32(uint32(len(s)))
	e.buf = append(e.buf, s...)
	e.buf = append(e.buf, make([]byte, (4-len(s)&3)&3)...)
}

func (e *encoder) fail(sentinel error, format string, args ...any) error {
	return newError(int64(len(e.buf)), sentinel, format, args...)
}

func (e *encoder) run() error {
	for len(e.stack) > 0 {
		top := len(e.stack) - 1
		t := &e.stack[top]
		switch t.kind {
		case tExit:
			delete(e.active, objKey{t.p, t.c, t.obj})
			e.stack = e.stack[:top]
			continue
		case tValue:
			c, p := t.c, t.p
			e.stack = e.stack[:top]
			if err := e.value(c, p); err != nil {
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
			w, entry := t.m, t.m.order[t.i/2]
			switch {
			case t.i%2 == 1:
				c, p = t.c.elem, unsafe.Add(w.vals, uintptr(entry)*t.c.elem.size)
			case w.kends != nil:
				e.buf = append(e.buf, w.key(entry)...)
				if t.i++; t.i == t.n {
					e.stack = e.stack[:top]
				}
				continue
			default:
				c, p = t.c.key, unsafe.Add(w.keys, uintptr(entry)*t.c.key.size)
			}
		}
		if t.i++; t.i == t.n {
			e.stack = e.stack[:top] // done before its last part starts
		}
		if err := e.value(c, p); err != nil {
			return err
		}
	}
	return nil
}

// plain writes a number, bool, string or opaque. It only reads p, so the
// compiler can keep what p points to on the stack.
func (e *encoder) plain(c *gcodec, p unsafe.Pointer) {
	switch c.op {
	case gInt32:
		switch c.size {
		case 1:
			e.put32(uint32(int32(*(*int8)(p))))
		case 2:
			e.put32(uint32(int32(*(*int16)(p))))
		default:
			e.put32(*(*uint32)(p))
		}
	case gUint32:
		switch c.size {
		case 1:
			e.put32(uint32(*(*uint8)(p)))
		case 2:
			e.put32(uint32(*(*uint16)(p)))
		default:
			e.put32(*(*uint32)(p))
		}
	case gInt64:
		if c.size == 4 {
			e.put64(uint64(int64(*(*int32)(p))))
		} else {
			e.put64(*(*uint64)(p))
		}
	case gUint64:
		if c.size == 4 {
			e.put64(uint64(*(*uint32)(p)))
		} else {
			e.put64(*(*uint64)(p))
		}
	case gFloat32:
		e.put32(*(*uint32)(p))
	case gFloat64:
		e.put64(*(*uint64)(p))
	case gComplex64:
		e.put32(*(*uint32)(p))
		e.put32(*(*uint32)(unsafe.Add(p, 4)))
	case gComplex128:
		e.put64(*(*uint64)(p))
		e.put64(*(*uint64)(unsafe.Add(p, 8)))
	case gBool:
		if *(*bool)(p) {
			e.put32(1)
		} else {
			e.put32(0)
		}
	case gString:
		e.putBytes(*(*string)(p))
	case gBytes:
		b := *(*[]byte)(p)
		e.putBytes(unsafe.String(unsafe.SliceData(b), len(b)))
	case gFixedBytes:
		b := unsafe.Slice((*byte)(p), c.n)
		e.buf = append(e.buf, b...)
		e.buf = append(e.buf, make([]byte, (4-c.n&3)&3)...)
	}
}

// value writes the value of c at p, or pushes the work to write it.
func (e *encoder) value(c *gcodec, p unsafe.Pointer) error {
	if c.op < gBinary {
		e.plain(c, p)
		return nil
	}
	switch c.op {
	case gBinary:
		b, err := valueAt(c.ptrWord, p).Interface().(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			return e.fail(ErrInvalid, "%s.MarshalBinary: %v", c.typ, err)
		}
		e.putBytes(unsafe.String(unsafe.SliceData(b), len(b)))
	case gStruct:
		if c.isFlat {
			for i := range c.fields {
				if err := e.value(c.fields[i].c, unsafe.Add(p, c.fields[i].off)); err != nil {
					return err
				}
			}
		} else if len(c.fields) > 0 {
			e.stack = append(e.stack, etask{c: c, p: p, n: len(c.fields)})
		}
	case gArray:
		return e.elements(c, p, c.n)
	case gSlice:
		h := (*sliceHeader)(p)
		e.put32(uint32(h.Len))
		if h.Len > 0 && !c.elem.scalar() {
			// Slices are values, so an array inside itself would be
			// written forever: in every mode that is ErrCycle.
			key := objKey{h.Data, c, objArray}
			if _, on := e.active[key]; on {
				return e.fail(ErrCycle, "a %s holds itself", c.typ)
			}
			e.active[key] = struct{}{}
			e.stack = append(e.stack, etask{c: c, p: h.Data, kind: tExit, obj: objArray})
		}
		return e.elements(c, h.Data, h.Len)
	case gPtr:
		return e.pointer(c.elem, *(*unsafe.Pointer)(p))
	case gMap:
		return e.mapRef(c, *(*unsafe.Pointer)(p))
	case gIface:
		return e.iface(c, p)
	}
	return nil
}

// elements writes n elements of the array or slice c at data.
func (e *encoder) elements(c *gcodec, data unsafe.Pointer, n int) error {
	if n == 0 || c.elem.size == 0 && c.elem.min == 0 {
		return nil
	}
	if c.elem.scalar() {
		for i := range n {
			if err := e.value(c.elem, unsafe.Add(data, uintptr(i)*c.elem.size)); err != nil {
				return err
			}
		}
		return nil
	}
	e.stack = append(e.stack, etask{c: c, p: data, n: n})
	return nil
}

// pointer writes a reference to the object at ptr, of codec elem, as the
// mode says, and then (unless the object was written already) the object.
func (e *encoder) pointer(elem *gcodec, ptr unsafe.Pointer) error {
	if ptr == nil || e.mode == Shallow {
		e.put32(0)
		return nil
	}
	follow, err := e.enter(objKey{ptr, elem, objPointee})
	if !follow {
		return err
	}
	switch elem.op {
	case gPtr, gMap, gIface:
		// These would recurse: let the loop take it.
		e.stack = append(e.stack, etask{c: elem, p: ptr, kind: tValue})
		return nil
	}
	return e.value(elem, ptr)
}

// enter writes the flag or id in front of an object and reports whether
// its contents follow: in Graph mode an object met before is its id alone;
// in Tree mode meeting an object inside itself is ErrCycle.
func (e *encoder) enter(key objKey) (follow bool, err error) {
	if e.mode == Graph {
		if id, ok := e.ids[key]; ok {
			e.put32(id)
			return false, nil
		}
		id := uint32(len(e.ids) + 1)
		e.ids[key] = id
		e.put32(id)
		return true, nil
	}
	if _, on := e.active[key]; on {
		return false, e.fail(ErrCycle, "Tree mode met a %s inside itself", key.c.typ)
	}
	e.active[key] = struct{}{}
	e.put32(1)
	e.stack = append(e.stack, etask{c: key.c, p: key.p, kind: tExit, obj: key.kind})
	return true, nil
}

// mapRef writes a reference to the map whose header is at hp, and then
// (unless it was written already) its entries.
func (e *encoder) mapRef(c *gcodec, hp unsafe.Pointer) error {
	if hp == nil || e.mode == Shallow {
		e.put32(0)
		return nil
	}
	follow, err := e.enter(objKey{hp, c, objMap})
	if follow {
		return e.entries(c, hp)
	}
	return err
}

// entries writes the count of the map at hp and its entries, key, value,
// key, value. Entries with keys that encode without pushing work (numbers,
// strings, bools and structs of them) are ordered by their keys' encoding,
// so the output is repeatable; others go in Go's map order. A map whose
// keys and values are both of that kind is written at once; otherwise the
// values (and keys) are copied out, to have stable addresses, and a task
// writes them.
func (e *encoder) entries(c *gcodec, hp unsafe.Pointer) error {
	m := mapValue(c.word, hp)
	n := m.Len()
	e.put32(uint32(n))
	if n == 0 {
		return nil
	}
	if c.fast != mapGeneral {
		writeFastMap(e, c, hp)
		return nil
	}
	keyScalar, valScalar := c.key.scalar(), c.elem.scalar()
	if !keyScalar {
		if e.mode == Shallow {
			e.buf = e.buf[:len(e.buf)-4]
			return e.fail(ErrUnsupportedType, "Shallow mode writes the pointers in the keys of a %s as nil, and the keys would collide", c.typ)
		}
		valScalar = false // entries are written by a task: values need stable addresses
	}
	// The bookkeeping of a map written now is the encoder's to reuse; a
	// map left to a task gets its own.
	w := &mapWork{}
	if keyScalar && valScalar {
		e.mw = mapWork{order: e.mw.order, kends: e.mw.kends, vends: e.mw.vends} // keep the arrays
		w = &e.mw
	}
	w.order = grow32(w.order, n)
	kends, vends := w.kends, w.vends
	w.kends, w.vends = nil, nil
	var ks, vs reflect.Value
	if keyScalar {
		ks = e.temp(c.key, false)
		w.kends = grow32(kends, n)
	} else {
		keys := reflect.MakeSlice(c.keySlice, n, n)
		w.keys, ks = keys.UnsafePointer(), keys
	}
	if valScalar {
		vs = e.temp(c.elem, true)
		w.vends = grow32(vends, n)
	} else {
		vals := reflect.MakeSlice(c.valSlice, n, n)
		w.vals, vs = vals.UnsafePointer(), vals
	}
	// Encode what can be encoded now into the scratch buffer.
	out := e.buf
	e.buf = e.scratch[:0]
	e.iter.Reset(m)
	var err error
	for i := 0; err == nil && e.iter.Next(); i++ {
		w.order[i] = int32(i)
		if keyScalar {
			ks.SetIterKey(&e.iter)
			err = e.value(c.key, ks.Addr().UnsafePointer()) // only MarshalBinary can fail
			w.kends[i] = int32(len(e.buf))
		} else {
			ks.Index(i).SetIterKey(&e.iter)
		}
		if valScalar && err == nil {
			vs.SetIterValue(&e.iter)
			err = e.value(c.elem, vs.Addr().UnsafePointer())
			w.vends[i] = int32(len(e.buf))
		} else if !valScalar {
			vs.Index(i).SetIterValue(&e.iter)
		}
	}
	e.iter.Reset(reflect.Value{})
	w.enc, e.scratch, e.buf = e.buf, e.buf, out
	if err != nil {
		return err
	}
	if keyScalar {
		slices.SortFunc(w.order, func(a, b int32) int {
			if c := bytes.Compare(w.key(a), w.key(b)); c != 0 || !valScalar {
				return c
			}
			return bytes.Compare(w.val(a), w.val(b)) // NaN keys: still one order
		})
		for i := 1; i < n; i++ {
			if k := w.key(w.order[i]); bytes.Equal(k, w.key(w.order[i-1])) && !isNaN(c.key, k) {
				return e.fail(ErrInvalid, "two keys of a %s encode the same (they differ only in what is not encoded)", c.typ)
			}
		}
	}
	if keyScalar && valScalar {
		for _, i := range w.order {
			e.buf = append(e.buf, w.key(i)...)
			e.buf = append(e.buf, w.val(i)...)
		}
		return nil
	}
	w.enc = bytes.Clone(w.enc) // the scratch buffer is for the next map
	e.stack = append(e.stack, etask{c: c, n: 2 * n, m: w})
	return nil
}

// isNaN reports a float key encoded as NaN: NaN keys are all different in
// a Go map, though they encode the same.
func isNaN(c *gcodec, enc []byte) bool {
	switch c.op {
	case gFloat32:
		return math.IsNaN(float64(math.Float32frombits(binary.BigEndian.Uint32(enc))))
	case gFloat64:
		return math.IsNaN(math.Float64frombits(binary.BigEndian.Uint64(enc)))
	}
	return false
}

// temp returns a variable of c's type for map entries, one per type, role
// (key or value) and encoder.
func (e *encoder) temp(c *gcodec, value bool) reflect.Value {
	if v, ok := e.temps[tempKey{c, value}]; ok {
		return v
	}
	if e.temps == nil {
		e.temps = map[tempKey]reflect.Value{}
	}
	v := reflect.New(c.typ).Elem()
	e.temps[tempKey{c, value}] = v
	return v
}

func grow32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

// mapWork is a map's entries, ready to write.
type mapWork struct {
	order        []int32        // entries in writing order
	enc          []byte         // encoded keys and scalar values
	kends, vends []int32        // where entry i's key and value end in enc (keys first)
	keys, vals   unsafe.Pointer // arrays of the keys and values that need work to write
}

// key returns entry i's encoded key; val its encoded value.
func (w *mapWork) key(i int32) []byte { return w.enc[w.start(i):w.kends[i]] }

func (w *mapWork) val(i int32) []byte { return w.enc[w.kends[i]:w.vends[i]] }

// start is where entry i's encoding begins: after the previous entry's
// value, or key if values are not encoded here.
func (w *mapWork) start(i int32) int32 {
	switch {
	case i == 0:
		return 0
	case w.vends != nil:
		return w.vends[i-1]
	}
	return w.kends[i-1]
}

// iface writes the registered name of the interface's dynamic type, then
// the value.
func (e *encoder) iface(c *gcodec, p unsafe.Pointer) error {
	ef := (*eface)(p)
	if ef.typ == nil {
		e.putBytes("")
		return nil
	}
	t := valueAt(c.ptrWord, p).Elem().Elem().Type()
	name, ok := nameOf(t)
	if !ok {
		return e.fail(ErrUnregistered, "%s behind an interface is not registered (see Register)", t)
	}
	cc, err := codecOf(t)
	if err != nil {
		return err
	}
	e.putBytes(name)
	switch {
	case cc.op == gPtr:
		return e.pointer(cc.elem, ef.data)
	case cc.op == gMap:
		return e.mapRef(cc, ef.data)
	case direct(t):
		return e.fail(ErrUnsupportedType, "%s behind an interface: only pointers and maps of its kind are supported", t)
	}
	return e.value(cc, ef.data)
}
