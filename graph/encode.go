package graph

import (
	"cmp"
	"encoding"
	"encoding/binary"
	"reflect"
	"slices"
	"unsafe"
)

// objKey identifies an object: its address and its type, so that a struct
// and its first field, which share an address, are different objects.
type objKey struct {
	p unsafe.Pointer
	c *gcodec
}

// An encoder writes values with an explicit stack of work (etask) instead
// of recursion: a value that needs more than a few bytes pushes a task, and
// the loop in run takes tasks from the top. A container's task leaves the
// stack before its last element is started, so a linked list of any length
// takes constant stack; deep trees take heap, not Go stack.
type encoder struct {
	buf    []byte
	mode   Mode
	ids    map[objKey]uint32   // Graph: ids given so far
	active map[objKey]struct{} // Tree: objects being written (a cycle meets one)
	stack  []etask
}

type etask struct {
	c    *gcodec
	p    unsafe.Pointer
	i, n int
	kind taskKind
	perm []int          // gMap: the order of the entries
	vals unsafe.Pointer // gMap: the entries' values; p holds their keys
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
			delete(e.active, objKey{t.p, t.c})
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
			entry := t.perm[t.i/2]
			if t.i%2 == 0 {
				c, p = t.c.key, unsafe.Add(t.p, uintptr(entry)*t.c.key.size)
			} else {
				c, p = t.c.elem, unsafe.Add(t.vals, uintptr(entry)*t.c.elem.size)
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

// value writes the value of c at p, or pushes the work to write it.
func (e *encoder) value(c *gcodec, p unsafe.Pointer) error {
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
	follow, err := e.enter(objKey{ptr, elem})
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
	e.stack = append(e.stack, etask{c: key.c, p: key.p, kind: tExit})
	return true, nil
}

// mapRef writes a reference to the map whose header is at hp, and then
// (unless it was written already) its entries.
func (e *encoder) mapRef(c *gcodec, hp unsafe.Pointer) error {
	if hp == nil || e.mode == Shallow {
		e.put32(0)
		return nil
	}
	follow, err := e.enter(objKey{hp, c})
	if follow {
		e.entries(c, hp)
	}
	return err
}

// entries writes the count of the map at hp and pushes its entries: key,
// value, key, value, in key order when the keys are numbers, strings or
// bools (in Go's map order otherwise).
func (e *encoder) entries(c *gcodec, hp unsafe.Pointer) {
	var x any
	ef := (*eface)(unsafe.Pointer(&x))
	ef.typ, ef.data = c.word, hp
	m := reflect.ValueOf(x)
	n := m.Len()
	e.put32(uint32(n))
	if n == 0 {
		return
	}
	// Copy the entries out, so that the work pushed for them has stable
	// addresses, and put them in a repeatable order.
	keys := reflect.MakeSlice(c.keySlice, n, n)
	vals := reflect.MakeSlice(c.valSlice, n, n)
	it := m.MapRange()
	for i := 0; it.Next(); i++ {
		keys.Index(i).SetIterKey(it)
		vals.Index(i).SetIterValue(it)
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	sortEntries(keys, perm)
	e.stack = append(e.stack, etask{c: c, p: keys.UnsafePointer(), vals: vals.UnsafePointer(), n: 2 * n, perm: perm})
}

// sortEntries orders perm by key, for keys that have an order.
func sortEntries(keys reflect.Value, perm []int) {
	switch keys.Type().Elem().Kind() {
	case reflect.String:
		slices.SortFunc(perm, func(a, b int) int { return cmp.Compare(keys.Index(a).String(), keys.Index(b).String()) })
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		slices.SortFunc(perm, func(a, b int) int { return cmp.Compare(keys.Index(a).Int(), keys.Index(b).Int()) })
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		slices.SortFunc(perm, func(a, b int) int { return cmp.Compare(keys.Index(a).Uint(), keys.Index(b).Uint()) })
	case reflect.Float32, reflect.Float64:
		slices.SortFunc(perm, func(a, b int) int { return cmp.Compare(keys.Index(a).Float(), keys.Index(b).Float()) })
	case reflect.Bool:
		slices.SortFunc(perm, func(a, b int) int {
			x, y := keys.Index(a).Bool(), keys.Index(b).Bool()
			return cmp.Compare(boolInt(x), boolInt(y))
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
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
