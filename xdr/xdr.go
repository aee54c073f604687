package xdr

import (
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Marshaler is implemented by types that write their own XDR encoding, such
// as the types xdr/gen generates. MarshalXDR appends the encoding of the
// receiver to e with e's primitive methods (or e.Encode for parts that the
// reflection codec should handle).
type Marshaler interface {
	MarshalXDR(e *Encoder) error
}

// Unmarshaler is implemented by types that read their own XDR encoding.
// UnmarshalXDR reads the receiver's fields from d with d's primitive methods,
// which enforce d's limits, or with d.Decode for parts the reflection codec
// should handle (each such call counts one level of nesting). A type that
// recurses by calling its own method directly should bracket each level
// with d.Enter and d.Leave. A type used inside a variable-length array is
// assumed to take at least 4 bytes, as every non-void XDR item does.
type Unmarshaler interface {
	UnmarshalXDR(d *Decoder) error
}

// Quadruple is the XDR quadruple-precision float, carried as its 16 bytes
// (IEEE 754 binary128, big-endian): Go has no 128-bit float.
type Quadruple [16]byte

// Void is the empty XDR type; use it (or any empty struct) for void union
// arms.
type Void struct{}

// Limits bounds what a Decoder accepts, so that hostile input costs at most
// a fixed multiple of its own size. A zero field means its default. Limits
// is a plain value: its methods are safe for concurrent use.
type Limits struct {
	// MaxDepth bounds how deeply optional-data, variable-length arrays and
	// unions may nest (struct and fixed-array nesting is fixed by the Go
	// type and not counted). A linked list through optional-data of n nodes
	// nests n deep. Also applied when encoding, so that cyclic values fail.
	MaxDepth int
	// MaxBytes bounds the encoded size of one decoded value.
	MaxBytes int
	// MaxElements bounds the element count of any one variable-length array.
	MaxElements int
}

// Defaults of the Limits fields.
const (
	DefaultMaxDepth    = 200
	DefaultMaxBytes    = 64 << 20
	DefaultMaxElements = 1 << 20
)

// DefaultLimits are the limits of the package-level functions.
var DefaultLimits = Limits{}

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

// Marshal returns the XDR encoding of v (a value or a pointer to one).
func Marshal(v any) ([]byte, error) { return DefaultLimits.Marshal(v) }

// MarshalAppend appends the XDR encoding of v to dst and returns the
// extended slice. When dst has room and v is a pointer it does not allocate.
func MarshalAppend(dst []byte, v any) ([]byte, error) { return DefaultLimits.MarshalAppend(dst, v) }

// Unmarshal decodes the XDR value in data into the value pointed to by v.
// data must hold exactly one value: trailing bytes are ErrTrailingData.
//
// Unmarshal overwrites every XDR field of v and never writes through
// pointers v already holds: pointers, slices, strings and union arms are
// freshly allocated, and zero-length arrays and opaques decode as nil.
// Allocation is bounded by len(data) times a constant that depends on the
// type.
func Unmarshal(data []byte, v any) error { return DefaultLimits.Unmarshal(data, v) }

// Marshal is the package-level Marshal with these limits.
func (l Limits) Marshal(v any) ([]byte, error) {
	c, t, p, err := encodeTarget(v)
	if err != nil {
		return nil, err
	}
	// Allocate what this type took last time: one allocation of the right
	// size, and no copy, when sizes are steady. A large hint is checked
	// with a size pass first, and a result that uses less than half of its
	// buffer is copied into an exact one, so callers never hold much spare
	// capacity.
	hint := int(c.sizeHint.Load())
	var e Encoder
	e.lim = l.resolve()
	if hint > bigValue {
		hint = sizeValue(c, p, e.lim.MaxDepth)
		if hint < 0 {
			hint = bigValue // cannot measure: grow from a moderate start
		}
	}
	e.buf = make([]byte, 0, hint)
	b, err := e.run(c, t, p)
	if err != nil {
		return nil, err
	}
	if len(b) != hint {
		c.sizeHint.Store(int64(len(b)))
	}
	if len(b) < cap(b)/2 {
		b = append([]byte(nil), b...)
	}
	return b, nil
}

// bigValue is the size hint above which Marshal measures before it
// allocates.
const bigValue = 64 << 10

// MarshalAppend is the package-level MarshalAppend with these limits.
func (l Limits) MarshalAppend(dst []byte, v any) ([]byte, error) {
	c, t, p, err := encodeTarget(v)
	if err != nil {
		return dst, err
	}
	var e Encoder
	e.buf, e.lim = dst, l.resolve()
	b, err := e.run(c, t, p)
	if err != nil {
		return dst, err
	}
	return b, nil
}

// run encodes one top-level value onto e.buf and returns the result.
func (e *Encoder) run(c *codec, t reflect.Type, p unsafe.Pointer) ([]byte, error) {
	e.begin()
	err := encodeValue(e, c, p)
	e.active = false
	if e.helper != nil {
		*e.helper = Encoder{}
		encoders.Put(e.helper)
		e.helper = nil
	}
	if err != nil {
		return e.buf, rootPath(err, t)
	}
	return e.buf, nil
}

// Helpers for user Marshalers and Unmarshalers, which need a heap pointer.
var (
	encoders = sync.Pool{New: func() any { return new(Encoder) }}
	decoders = sync.Pool{New: func() any { return new(Decoder) }}
)

// Unmarshal is the package-level Unmarshal with these limits.
func (l Limits) Unmarshal(data []byte, v any) error {
	c, t, p, err := pointerTarget(v, "Unmarshal")
	if err != nil {
		return err
	}
	var d Decoder
	d.buf, d.lim = data, l.resolve()
	if len(data) > d.lim.MaxBytes {
		return &Error{Offset: 0, Path: t.Name(), Msg: fmt.Sprintf("input of %d bytes exceeds MaxBytes (%d)", len(data), d.lim.MaxBytes), Err: ErrLimit}
	}
	d.begin()
	err = decodeValue(&d, c, p)
	if err == nil && d.off != len(data) {
		err = newError(int64(d.off), ErrTrailingData, "%d trailing bytes after the value", len(data)-d.off)
	}
	if d.helper != nil {
		*d.helper = Decoder{}
		decoders.Put(d.helper)
	}
	if err != nil {
		return rootPath(err, t)
	}
	return nil
}

// pointerTargets caches, by the runtime type of a pointer *T held in an
// interface, the codec of T: the hot path of every call is one map lookup,
// without reflect. It is copied on write.
var (
	pointerTargets   atomic.Pointer[map[unsafe.Pointer]*target]
	pointerTargetsMu sync.Mutex
	lastTarget       atomic.Pointer[target] // the most recent hit, checked first
)

type target struct {
	typ  unsafe.Pointer
	c    *codec
	elem reflect.Type
}

// cachedTarget is the fast path of pointerTarget: v's target if v is a
// non-nil pointer of a type seen before.
func cachedTarget(v any) (*target, unsafe.Pointer) {
	ef := (*eface)(unsafe.Pointer(&v))
	if ef.data == nil {
		return nil, nil
	}
	if last := lastTarget.Load(); last != nil && last.typ == ef.typ {
		return last, ef.data
	}
	if m := pointerTargets.Load(); m != nil {
		if tg, ok := (*m)[ef.typ]; ok {
			lastTarget.Store(tg)
			return tg, ef.data
		}
	}
	return nil, nil
}

// pointerTarget resolves v, which must be a non-nil pointer, to the codec of
// what it points to and the address.
func pointerTarget(v any, op string) (*codec, reflect.Type, unsafe.Pointer, error) {
	if tg, p := cachedTarget(v); tg != nil {
		return tg.c, tg.elem, p, nil
	}
	ef := (*eface)(unsafe.Pointer(&v))
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, nil, nil, &Error{Offset: -1, Msg: op + " needs a non-nil pointer, got " + typeString(v), Err: ErrUnsupportedType}
	}
	elem := rv.Type().Elem()
	c, err := codecOf(elem)
	if err != nil {
		return nil, nil, nil, rootPath(err, elem)
	}
	pointerTargetsMu.Lock()
	m := map[unsafe.Pointer]*target{ef.typ: {ef.typ, c, elem}}
	if old := pointerTargets.Load(); old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	pointerTargets.Store(&m)
	pointerTargetsMu.Unlock()
	return c, elem, ef.data, nil
}

// rootPath names the top-level type at the front of an error's path.
func rootPath(err error, t reflect.Type) error {
	if err == nil || t.Name() == "" {
		return err
	}
	return withPath(err, t.Name(), -1)
}

func typeString(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}
