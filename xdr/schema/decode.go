package schema

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/wirekit/wirekit/xdr"
)

// MaxItems bounds the items of one Value, as inspect.MaxItems bounds an
// inspect.Item tree. It is twice xdr.DefaultMaxElements, so that an array
// of as many elements as xdr allows decodes, with room for more; at about
// 120 bytes an item, 2M items are some 250 MB, where a tool should stream
// instead.
const MaxItems = 2 << 20

// maxItems is MaxItems, lowered by tests.
var maxItems = MaxItems

// Decode reads the next value of t from d. It is read as a Go type with
// an UnmarshalXDR method would be, so d's Limits hold for it: at a clean
// end of a stream, before any byte of a value, it returns io.EOF; input
// that ends inside a value, or breaks a limit or a rule of XDR, is an
// *xdr.Error with the offset and the .x path.
func (t *Type) Decode(d *xdr.Decoder) (*Value, error) {
	r := &reading{t: t}
	if err := d.Decode(r); err != nil {
		return nil, r.fail(err)
	}
	return r.v, nil
}

// Unmarshal decodes the one value of t that is all of data, within lim
// (zero fields mean xdr's defaults): trailing bytes are
// xdr.ErrTrailingData, as for xdr.Unmarshal. Offsets count from the start
// of data.
func (t *Type) Unmarshal(data []byte, lim xdr.Limits) (*Value, error) {
	r := &reading{t: t}
	if err := lim.Unmarshal(data, r); err != nil {
		return nil, r.fail(err)
	}
	return r.v, nil
}

// reading is a value of a Type, decoded by the xdr package as any type
// with an UnmarshalXDR method: that puts the value under the Decoder's
// rules (MaxBytes a value, MaxDepth, io.EOF only between values).
type reading struct {
	t   *Type
	v   *Value
	err error // what UnmarshalXDR returned
}

func (r *reading) UnmarshalXDR(d *xdr.Decoder) error {
	c := decoder{d: d}
	r.v, r.err = c.value(r.t.root)
	if r.err != nil {
		r.err = withPath(r.err, r.t.name)
	}
	return r.err
}

// fail is the error of a Decode or Unmarshal that failed with err: the one
// UnmarshalXDR returned, or else the xdr package's own (the end of the
// stream, data beyond the value, input over MaxBytes), which names the Go
// type reading where it should name the .x one.
func (r *reading) fail(err error) error {
	if r.err != nil {
		return r.err
	}
	var xe *xdr.Error
	if errors.As(err, &xe) {
		xe.Path = r.t.name
	}
	return err
}

type decoder struct {
	d     *xdr.Decoder
	items int
}

// value reads the value of dl.
func (c *decoder) value(dl *decl) (*Value, error) {
	d, n := c.d, dl.n
	if c.items++; c.items > maxItems {
		return nil, &xdr.Error{Offset: d.Offset(), Msg: fmt.Sprintf("value holds more than %d items", maxItems), Err: xdr.ErrLimit}
	}
	v := &Value{Kind: n.kind, Offset: d.Offset(), decl: dl}
	var err error
	switch n.kind {
	case Int:
		var x int32
		x, err = d.Int32()
		v.Int = int64(x)
	case Uint:
		var x uint32
		x, err = d.Uint32()
		v.Uint = uint64(x)
	case Hyper:
		v.Int, err = d.Int64()
	case Uhyper:
		v.Uint, err = d.Uint64()
	case Float:
		var x uint32
		x, err = d.Uint32()
		v.Uint, v.Float = uint64(x), float64(math.Float32frombits(x))
	case Double:
		v.Uint, err = d.Uint64()
		v.Float = math.Float64frombits(v.Uint)
	case Quadruple:
		v.Bytes = make([]byte, 16)
		err = d.FixedOpaque(v.Bytes)
	case Bool:
		v.Bool, err = d.Bool()
	case Enum:
		var x int32
		x, err = d.Enum(n.enum.valid)
		v.Int = int64(x)
	case String:
		var s string
		s, err = d.String(n.n)
		v.Bytes = []byte(s)
	case Opaque:
		if n.fixed {
			v.Bytes, err = c.fixedOpaque(int(n.n))
		} else {
			v.Bytes, err = d.Opaque(n.n)
		}
	case Array:
		err = c.array(v, n)
	case Optional:
		if v.Bool, err = d.Optional(); err == nil && v.Bool {
			if err = d.Enter(); err == nil {
				var x *Value
				x, err = c.value(n.elem)
				d.Leave()
				v.Elems = []*Value{x}
			}
		}
	case Struct:
		v.Elems = make([]*Value, len(n.fields))
		for i, f := range n.fields {
			if v.Elems[i], err = c.value(f); err != nil {
				return nil, withPath(err, f.name)
			}
		}
	case Union:
		err = c.union(v, dl)
	}
	if err != nil {
		return nil, err
	}
	v.Len = d.Offset() - v.Offset
	return v, nil
}

// fixedOpaque reads n bytes of fixed-length opaque data into a buffer
// that doubles as they arrive, so that memory follows the input rather
// than the length the schema declares (up to 16 MiB: idl.MaxFixedLength).
func (c *decoder) fixedOpaque(n int) ([]byte, error) {
	const first = 4 << 10
	if n <= first {
		b := make([]byte, n)
		return b, c.d.FixedOpaque(b)
	}
	b := make([]byte, 0, first)
	for len(b) < n {
		if len(b) == cap(b) {
			b = append(make([]byte, 0, min(n, 2*cap(b))), b...)
		}
		// Every read but the last ends at a multiple of 4 KiB, so only
		// the last has padding, which FixedOpaque checks.
		k := cap(b) - len(b)
		if err := c.d.FixedOpaque(b[len(b) : len(b)+k]); err != nil {
			return nil, err
		}
		b = b[:len(b)+k]
	}
	return b, nil
}

// array reads the elements of an Array. A variable one is a level of
// nesting, as in package xdr; its count is checked against the input
// left, given the fewest bytes an element takes, before anything is
// allocated, and the elements are appended as they are read, so that
// memory follows the input.
func (c *decoder) array(v *Value, n *node) error {
	count := int(n.n)
	if !n.fixed {
		var err error
		if count, err = c.d.ArrayLen(n.n, n.emin); err != nil || count == 0 {
			return err
		}
		if err := c.d.Enter(); err != nil {
			return err
		}
		defer c.d.Leave()
	}
	v.Elems = make([]*Value, 0, min(count, 256))
	for i := range count {
		x, err := c.value(n.elem)
		if err != nil {
			return withPath(err, "["+strconv.Itoa(i)+"]")
		}
		v.Elems = append(v.Elems, x)
	}
	return nil
}

// union reads a Union's discriminant and arm; the arm is a level of
// nesting, as in package xdr.
func (c *decoder) union(v *Value, dl *decl) error {
	u := dl.n.union
	disc, err := c.value(u.disc)
	if err != nil {
		return withPath(err, u.disc.name)
	}
	v.Elems = append(make([]*Value, 0, 2), disc)
	arm := u.arm(disc)
	if arm == nil {
		return &xdr.Error{Offset: disc.Offset, Path: u.disc.name, Err: xdr.ErrUnionArm,
			Msg: fmt.Sprintf("union %s has no arm for discriminant %s", dl.typ, discString(disc))}
	}
	if err := c.d.Enter(); err != nil {
		return err
	}
	defer c.d.Leave()
	if arm.n.kind == void {
		return nil
	}
	x, err := c.value(arm)
	if err != nil {
		return withPath(err, arm.name)
	}
	v.Elems = append(v.Elems, x)
	return nil
}

// arm is the arm a discriminant selects: its case, or the default; nil
// if there is neither.
func (u *unionType) arm(disc *Value) *decl {
	if a, ok := u.arms[discKey(disc)]; ok {
		return a
	}
	return u.def
}

// discKey is a discriminant as a case value.
func discKey(disc *Value) int64 {
	switch disc.Kind {
	case Uint:
		return int64(disc.Uint)
	case Bool:
		if disc.Bool {
			return 1
		}
		return 0
	}
	return disc.Int
}

func discString(disc *Value) string {
	switch disc.Kind {
	case Uint:
		return strconv.FormatUint(disc.Uint, 10)
	case Bool:
		return strconv.FormatBool(disc.Bool)
	case Enum:
		return disc.EnumName()
	}
	return strconv.FormatInt(disc.Int, 10)
}

// withPath puts elem (a name or "[3]") in front of the path of err, an
// *xdr.Error made by this decode or encode; any other error is wrapped
// in one.
func withPath(err error, elem string) error {
	if err == nil || elem == "" {
		return err
	}
	e, ok := err.(*xdr.Error)
	if !ok {
		return &xdr.Error{Offset: -1, Path: elem, Msg: err.Error(), Err: err}
	}
	switch {
	case e.Path == "":
		e.Path = elem
	case e.Path[0] == '[':
		e.Path = elem + e.Path
	default:
		e.Path = elem + "." + e.Path
	}
	return err
}
