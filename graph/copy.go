package graph

import (
	"reflect"
	"sync"
	"unsafe"
)

// ShallowCopy returns a copy of v's top level: a struct, array or scalar is
// copied as Go copies it; a pointer, slice or map gets a new object, array
// or map holding the same elements (pointers in them are shared, not
// followed); an interface gets the shallow copy of what it holds.
// Channels and funcs are returned as they are.
func ShallowCopy[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	out := shallow(rv)
	if !out.IsValid() {
		return v
	}
	reflect.ValueOf(&v).Elem().Set(out)
	return v
}

// shallow returns the shallow copy of rv, or the invalid Value when a Go
// copy is already one.
func shallow(rv reflect.Value) reflect.Value {
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return reflect.Value{}
		}
		n := reflect.New(rv.Type().Elem())
		n.Elem().Set(rv.Elem())
		return n
	case reflect.Slice:
		if rv.IsNil() {
			return reflect.Value{}
		}
		n := reflect.MakeSlice(rv.Type(), rv.Len(), rv.Cap())
		reflect.Copy(n, rv)
		return n
	case reflect.Map:
		if rv.IsNil() {
			return reflect.Value{}
		}
		n := reflect.MakeMapWithSize(rv.Type(), rv.Len())
		for it := rv.MapRange(); it.Next(); {
			n.SetMapIndex(it.Key(), it.Value())
		}
		return n
	case reflect.Interface:
		if rv.IsNil() {
			return reflect.Value{}
		}
		inner := shallow(rv.Elem())
		if !inner.IsValid() {
			return reflect.Value{}
		}
		n := reflect.New(rv.Type()).Elem()
		n.Set(inner)
		return n
	}
	return reflect.Value{}
}

// DeepCopy returns a copy of v that shares no mutable memory with it.
//
// Everything reachable is copied, unexported fields included, and the copy
// has the shape of the original: two pointers to one object point to one
// new object, a map reachable twice is one new map, and cycles are cycles
// again. Slices keep their length and capacity (the elements past the
// length are not copied); two slices that share an array get arrays of
// their own, and a pointer into an array, slice or struct field gets an
// object of its own. Depth costs heap, not Go stack: however deep v is, the
// copy does not overflow the stack.
//
// Some values are not copied:
//   - strings, funcs and unsafe.Pointer values are shared (strings are
//     immutable; the others are opaque);
//   - channels are shared: a channel's contents cannot be copied, and a
//     new empty one would quietly cut the copy off from its peers;
//   - time.Time is copied as a value, its *Location shared, as the time
//     package uses it;
//   - reflect.Type values are shared: they are the types themselves;
//   - sync.Mutex, RWMutex, WaitGroup, Cond, Map and Pool become zero values
//     (a fresh, unlocked lock; an empty map or pool); a copy of a held lock
//     could never be unlocked. sync.Once keeps whether it has run.
//     sync/atomic values are copied by value (atomic.Pointer's target is
//     shared).
func DeepCopy[T any](v T) T {
	c := copierOf(reflect.TypeFor[T]())
	if c.plain {
		return v // a Go copy is a deep copy
	}
	var out T
	st := copyState{}
	st.copy(c, unsafe.Pointer(&out), unsafe.Pointer(&v))
	st.drain()
	return out
}

type ckind uint8

const (
	cPlain  ckind = iota // a Go copy is a deep copy
	cZero                // left zero (sync types)
	cPtr                 // a new object, or the copy made already
	cSlice               // a new array, same length and capacity
	cMap                 // a new map, or the copy made already
	cIface               // a copy of the dynamic value
	cStruct              // field by field
	cArray               // element by element
)

type copier struct {
	kind    ckind
	typ     reflect.Type
	size    uintptr
	plain   bool    // kind == cPlain
	noscan  bool    // no pointers at all: a byte copy will do
	elem    *copier // cPtr, cSlice, cArray; cMap: values
	key     *copier // cMap
	n       int     // cArray
	fields  []cfield
	word    unsafe.Pointer // type word of typ
	ptrWord unsafe.Pointer // type word of *typ
}

// A cfield copies part of a struct: a run of plain bytes, one plain word
// that holds a pointer (it needs the write barrier a typed store gives), a
// plain string, or a field that needs a deep copy.
type cfield struct {
	off, len uintptr
	op       cfieldOp
	c        *copier
}

type cfieldOp uint8

const (
	fBytes cfieldOp = iota
	fWord
	fString
	fIface
	fDeep
	fZero
)

var (
	copiers  sync.Map // reflect.Type → *copier
	copierMu sync.Mutex
)

func copierOf(t reflect.Type) *copier {
	if c, ok := copiers.Load(t); ok {
		return c.(*copier)
	}
	copierMu.Lock()
	defer copierMu.Unlock()
	pending := map[reflect.Type]*copier{}
	c := buildCopier(t, pending)
	for t, c := range pending {
		copiers.Store(t, c)
	}
	return c
}

func buildCopier(t reflect.Type, pending map[reflect.Type]*copier) *copier {
	if c, ok := copiers.Load(t); ok {
		return c.(*copier)
	}
	if c, ok := pending[t]; ok {
		return c // recursive: finished further up
	}
	c := &copier{typ: t, size: t.Size(), word: typeWord(t), ptrWord: typeWord(reflect.PointerTo(t))}
	pending[t] = c
	// noscan: copied as bytes, which needs no pointers and no sync value
	// anywhere inside (those copy as zero).
	c.noscan = !hasPointers(t) && !holdsSync(t)
	switch {
	case isSyncZero(t):
		c.kind = cZero
	case c.noscan, t.PkgPath() == "time" && t.Name() == "Time", opaque(t):
		c.kind = cPlain
	default:
		switch t.Kind() {
		case reflect.String, reflect.Func, reflect.Chan, reflect.UnsafePointer:
			c.kind = cPlain
		case reflect.Pointer:
			c.kind, c.elem = cPtr, buildCopier(t.Elem(), pending)
		case reflect.Slice:
			c.kind, c.elem = cSlice, buildCopier(t.Elem(), pending)
		case reflect.Map:
			c.kind, c.key, c.elem = cMap, buildCopier(t.Key(), pending), buildCopier(t.Elem(), pending)
		case reflect.Interface:
			c.kind = cIface
		case reflect.Array:
			c.kind, c.n, c.elem = cArray, t.Len(), buildCopier(t.Elem(), pending)
			c.kind = ifPlain(c.kind, c.elem.plain && c.elem.kind == cPlain)
		case reflect.Struct:
			var allPlain bool
			c.fields, allPlain = structFields(t, pending)
			c.kind = ifPlain(cStruct, allPlain)
		}
	}
	c.plain = c.kind == cPlain
	return c
}

func ifPlain(k ckind, plain bool) ckind {
	if plain {
		return cPlain
	}
	return k
}

// structFields plans a struct copy: plain fields are merged into byte runs
// and pointer words; the rest are copied deeply. allPlain reports that no
// field needs more than a copy (then the struct is plain, and the plan
// copies it without reflect).
func structFields(t reflect.Type, pending map[reflect.Type]*copier) (out []cfield, allPlain bool) {
	allPlain = true
	for i := range t.NumField() {
		sf := t.Field(i)
		fc := buildCopier(sf.Type, pending)
		switch {
		case fc.kind == cZero:
			out = append(out, cfield{off: sf.Offset, len: fc.size, op: fZero, c: fc})
			allPlain = false
		case fc.noscan:
			if n := len(out); n > 0 && out[n-1].op == fBytes && out[n-1].off+out[n-1].len == sf.Offset {
				out[n-1].len += fc.size // extend the run (padding between fields included)
			} else if fc.size > 0 {
				out = append(out, cfield{off: sf.Offset, len: fc.size, op: fBytes})
			}
		case fc.plain && sf.Type.Kind() == reflect.String:
			out = append(out, cfield{off: sf.Offset, op: fString})
		case fc.plain && (sf.Type.Kind() == reflect.Func || sf.Type.Kind() == reflect.Chan || sf.Type.Kind() == reflect.UnsafePointer || sf.Type.Kind() == reflect.Pointer && opaque(sf.Type)):
			out = append(out, cfield{off: sf.Offset, op: fWord})
		case fc.plain && sf.Type.Kind() == reflect.Interface:
			out = append(out, cfield{off: sf.Offset, op: fIface}) // reflect.Type: shared
		default:
			// Plain but of several pointer words (time.Time, a plain
			// struct of strings): typed copy of the whole field.
			out = append(out, cfield{off: sf.Offset, op: fDeep, c: fc})
			if !fc.plain {
				allPlain = false
			}
		}
	}
	return out, allPlain
}

// hasPointers reports whether values of t hold pointers the GC follows.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface,
		reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// opaque reports types whose values are copied as they are: reflect's type
// values, which stand for types and must not be duplicated.
func opaque(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		e := t.Elem()
		return e.PkgPath() == "reflect" && e.Name() == "rtype" || e.PkgPath() == "internal/abi"
	}
	return t == reflect.TypeFor[reflect.Type]()
}

// holdsSync reports whether a value of t holds, inline, a sync value that
// is copied as zero.
func holdsSync(t reflect.Type) bool {
	switch {
	case isSyncZero(t):
		return true
	case t.Kind() == reflect.Array:
		return t.Len() > 0 && holdsSync(t.Elem())
	case t.Kind() == reflect.Struct:
		for i := range t.NumField() {
			if holdsSync(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

func isSyncZero(t reflect.Type) bool {
	if t.PkgPath() != "sync" {
		return false
	}
	switch t.Name() {
	case "Mutex", "RWMutex", "WaitGroup", "Cond", "Map", "Pool":
		return true
	}
	return false
}

// maxRecursion is how deep copying recurses before it defers work to the
// copyState's list instead.
const maxRecursion = 10000

type copyState struct {
	visited map[objKeyC]unsafe.Pointer
	slices  map[sliceKey]unsafe.Pointer
	depth   int
	pending []deferred
}

// sliceKey identifies a slice by its array, element type, length and
// capacity: the same slice met again.
type sliceKey struct {
	data     unsafe.Pointer
	c        *copier
	len, cap int
}

type objKeyC struct {
	p unsafe.Pointer
	c *copier
}

// deferred is copying left for drain: a value, a slice's elements or a
// map's entries, into memory allocated (and registered) already.
type deferred struct {
	c        *copier
	dst, src unsafe.Pointer
	n        int  // slice elements
	slice    bool // dst and src are arrays of n elements of c
	entries  bool // dst and src are map headers
}

func (st *copyState) drain() { st.drainTo(0) }

// drainTo does deferred work until only the first mark items are left.
func (st *copyState) drainTo(mark int) {
	depth := st.depth
	defer func() { st.depth = depth }()
	for len(st.pending) > mark {
		w := st.pending[len(st.pending)-1]
		st.pending = st.pending[:len(st.pending)-1]
		st.depth = 0
		switch {
		case w.slice:
			st.elements(w.c, w.dst, w.src, w.n)
		case w.entries:
			st.fillMap(w.c, mapValue(w.c.word, w.dst), mapValue(w.c.word, w.src))
		default:
			st.copy(w.c, w.dst, w.src)
		}
	}
}

// plainCopy copies one value of a plain type.
func plainCopy(c *copier, dst, src unsafe.Pointer) {
	switch {
	case c.fields != nil:
		copyFields(c, dst, src, nil)
	case c.noscan:
		copy(unsafe.Slice((*byte)(dst), c.size), unsafe.Slice((*byte)(src), c.size))
	case c.typ.Kind() == reflect.String:
		*(*string)(dst) = *(*string)(src)
	case c.size == unsafe.Sizeof(unsafe.Pointer(nil)) && c.typ.Kind() != reflect.Struct && c.typ.Kind() != reflect.Array:
		*(*unsafe.Pointer)(dst) = *(*unsafe.Pointer)(src)
	default:
		valueAt(c.ptrWord, dst).Elem().Set(valueAt(c.ptrWord, src).Elem())
	}
}

// copy makes dst, a zero value of c's type, a deep copy of src.
func (st *copyState) copy(c *copier, dst, src unsafe.Pointer) {
	switch c.kind {
	case cPlain:
		plainCopy(c, dst, src)
	case cZero:
	case cStruct:
		copyFields(c, dst, src, st)
	case cArray:
		st.elements(c.elem, dst, src, c.n)
	case cPtr:
		*(*unsafe.Pointer)(dst) = st.pointer(c.elem, *(*unsafe.Pointer)(src))
	case cSlice:
		st.slice(c, dst, src)
	case cMap:
		*(*unsafe.Pointer)(dst) = st.mapCopy(c, *(*unsafe.Pointer)(src))
	case cIface:
		st.iface(c, dst, src)
	}
}

// copyFields copies a struct by its plan; st is nil for a plain struct.
func copyFields(c *copier, dst, src unsafe.Pointer, st *copyState) {
	for i := range c.fields {
		f := &c.fields[i]
		d, s := unsafe.Add(dst, f.off), unsafe.Add(src, f.off)
		switch f.op {
		case fBytes:
			copy(unsafe.Slice((*byte)(d), f.len), unsafe.Slice((*byte)(s), f.len))
		case fWord:
			*(*unsafe.Pointer)(d) = *(*unsafe.Pointer)(s)
		case fString:
			*(*string)(d) = *(*string)(s)
		case fIface:
			*(*eface)(d) = *(*eface)(s)
		case fDeep:
			if st == nil {
				plainCopy(f.c, d, s)
			} else {
				st.copy(f.c, d, s)
			}
		}
	}
}

func (st *copyState) elements(elem *copier, dst, src unsafe.Pointer, n int) {
	if elem.noscan {
		copy(unsafe.Slice((*byte)(dst), uintptr(n)*elem.size), unsafe.Slice((*byte)(src), uintptr(n)*elem.size))
		return
	}
	for i := range n {
		off := uintptr(i) * elem.size
		st.copy(elem, unsafe.Add(dst, off), unsafe.Add(src, off))
	}
}

// pointer returns the copy of the object at p: the one made already, or a
// new one.
func (st *copyState) pointer(elem *copier, p unsafe.Pointer) unsafe.Pointer {
	if p == nil {
		return nil
	}
	key := objKeyC{p, elem}
	if q, ok := st.visited[key]; ok {
		return q
	}
	if st.visited == nil {
		st.visited = map[objKeyC]unsafe.Pointer{}
	}
	q := reflect.New(elem.typ).UnsafePointer()
	st.visited[key] = q
	st.deep(elem, q, p)
	return q
}

// deep copies src into the new object dst, now or, past maxRecursion, from
// drain: dst is registered already, so the order does not matter.
func (st *copyState) deep(c *copier, dst, src unsafe.Pointer) {
	if c.plain {
		plainCopy(c, dst, src)
		return
	}
	if st.depth >= maxRecursion {
		st.pending = append(st.pending, deferred{c: c, dst: dst, src: src})
		return
	}
	st.depth++
	st.copy(c, dst, src)
	st.depth--
}

func (st *copyState) slice(c *copier, dst, src unsafe.Pointer) {
	s := (*sliceHeader)(src)
	if s.Data == nil {
		return
	}
	d := (*sliceHeader)(dst)
	var key sliceKey
	if !c.elem.plain && s.Cap > 0 {
		// An array reached again (a slice inside its own elements, or
		// the same slice twice) is copied once.
		key = sliceKey{s.Data, c, s.Len, s.Cap}
		if q, ok := st.slices[key]; ok {
			*d = sliceHeader{q, s.Len, s.Cap}
			return
		}
	}
	if s.Cap > 0 {
		valueAt(c.ptrWord, dst).Elem().Grow(s.Cap)
	} else {
		d.Data = s.Data // a zero-capacity array holds nothing to copy
	}
	d.Len, d.Cap = s.Len, s.Cap
	if key.c != nil {
		if st.slices == nil {
			st.slices = map[sliceKey]unsafe.Pointer{}
		}
		st.slices[key] = d.Data
	}
	if c.elem.plain && !c.elem.noscan {
		reflect.Copy(valueAt(c.ptrWord, dst).Elem(), valueAt(c.ptrWord, src).Elem())
		return
	}
	if !c.elem.noscan && st.depth >= maxRecursion {
		st.pending = append(st.pending, deferred{c: c.elem, dst: d.Data, src: s.Data, n: s.Len, slice: true})
		return
	}
	st.depth++
	st.elements(c.elem, d.Data, s.Data, s.Len)
	st.depth--
}

// mapCopy returns the copy of the map whose header is hp.
func (st *copyState) mapCopy(c *copier, hp unsafe.Pointer) unsafe.Pointer {
	if hp == nil {
		return nil
	}
	key := objKeyC{hp, c}
	if q, ok := st.visited[key]; ok {
		return q
	}
	if st.visited == nil {
		st.visited = map[objKeyC]unsafe.Pointer{}
	}
	src := mapValue(c.word, hp)
	dst := reflect.MakeMapWithSize(c.typ, src.Len())
	q := dst.UnsafePointer()
	st.visited[key] = q
	if st.depth >= maxRecursion {
		st.pending = append(st.pending, deferred{c: c, dst: q, src: hp, entries: true})
		return q
	}
	st.depth++
	st.fillMap(c, dst, src)
	st.depth--
	return q
}

// fillMap copies the entries of src into dst. Keys and values that need a
// deep copy go through variables reused for every entry: the map copies
// them in, and work left for later points at new objects, never at them.
func (st *copyState) fillMap(c *copier, dst, src reflect.Value) {
	var ks, kd, vs, vd reflect.Value
	if !c.key.plain {
		ks, kd = reflect.New(c.key.typ), reflect.New(c.key.typ)
	}
	if !c.elem.plain {
		vs, vd = reflect.New(c.elem.typ), reflect.New(c.elem.typ)
	}
	for it := src.MapRange(); it.Next(); {
		key, val := it.Key(), it.Value()
		if !c.key.plain {
			ks.Elem().SetIterKey(it)
			kd.Elem().SetZero()
			// A key must be complete before the map hashes it: finish
			// what its copy left for later (an interface's contents).
			mark := len(st.pending)
			st.copy(c.key, kd.UnsafePointer(), ks.UnsafePointer())
			st.drainTo(mark)
			key = kd.Elem()
		}
		if !c.elem.plain {
			vs.Elem().SetIterValue(it)
			vd.Elem().SetZero()
			st.copy(c.elem, vd.UnsafePointer(), vs.UnsafePointer())
			val = vd.Elem()
		}
		dst.SetMapIndex(key, val)
	}
}

// iface copies an interface value of the interface copier c: a plain
// dynamic value is shared (what an interface holds cannot be changed in
// place), anything else copied.
func (st *copyState) iface(c *copier, dst, src unsafe.Pointer) {
	s := *(*eface)(src)
	if s.typ == nil {
		return
	}
	t := dynamicType(c, src)
	dc := copierOf(t)
	switch {
	case dc.plain:
		*(*eface)(dst) = s
	case dc.kind == cPtr:
		*(*eface)(dst) = eface{s.typ, st.pointer(dc.elem, s.data)}
	case dc.kind == cMap:
		*(*eface)(dst) = eface{s.typ, st.mapCopy(dc, s.data)}
	case direct(t):
		// Pointer-shaped but not a pointer (struct{ p *T }): copy through
		// a variable of its own.
		word := s.data
		n := reflect.New(t)
		st.copy(dc, n.UnsafePointer(), unsafe.Pointer(&word))
		*(*eface)(dst) = eface{s.typ, *(*unsafe.Pointer)(n.UnsafePointer())}
	default:
		q := reflect.New(t).UnsafePointer()
		*(*eface)(dst) = eface{s.typ, q}
		st.deep(dc, q, s.data)
	}
}

// dynamicTypes caches the dynamic type behind an interface's first word
// (a type for an empty interface, an itab for another; both unique).
var dynamicTypes sync.Map // first word → reflect.Type

func dynamicType(c *copier, p unsafe.Pointer) reflect.Type {
	w := (*eface)(p).typ
	if t, ok := dynamicTypes.Load(w); ok {
		return t.(reflect.Type)
	}
	t := valueAt(c.ptrWord, p).Elem().Elem().Type()
	dynamicTypes.Store(w, t)
	return t
}
