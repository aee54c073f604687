package schema

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// Kind is what a Value is.
type Kind uint8

const (
	Int       Kind = iota // int (and rpcgen's long, short, char): Int
	Uint                  // unsigned int: Uint
	Hyper                 // hyper: Int
	Uhyper                // unsigned hyper: Uint
	Float                 // float: Float, and its bits in Uint
	Double                // double: Float, and its bits in Uint
	Quadruple             // quadruple: its 16 bytes in Bytes
	Bool                  // bool: Bool
	Enum                  // enum: Int, and its identifier (EnumName)
	String                // string: Bytes
	Opaque                // fixed or variable-length opaque: Bytes
	Array                 // fixed or variable-length array: Elems
	Optional              // optional-data: Bool (present), and the value in Elems
	Struct                // struct: Elems, the members in .x order
	Union                 // union: Elems, the discriminant and the arm (none for a void arm)
)

var kindNames = [...]string{"int", "unsigned int", "hyper", "unsigned hyper", "float", "double",
	"quadruple", "bool", "enum", "string", "opaque", "array", "optional", "struct", "union"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Value is one decoded XDR item and where it lies in the input: a tree
// that keeps each item's .x name. Void items (void arms) have no Value.
type Value struct {
	Kind   Kind
	Offset int64 // stream offset of the item's first byte
	Len    int64 // the item's bytes, everything inside it included

	Int   int64   // Int, Hyper, Enum
	Uint  uint64  // Uint, Uhyper; Float and Double: the bits on the wire
	Float float64 // Float, Double
	Bool  bool    // Bool; Optional: whether the value is present
	Bytes []byte  // String, Opaque, Quadruple
	// Elems are what a Struct, Union, Array or present Optional holds.
	Elems []*Value

	decl *decl
}

// Name returns the item's .x name: the member, arm or discriminant it
// is; "" for array elements, the value of an Optional, and the top-level
// value.
func (v *Value) Name() string { return v.decl.name }

// Type returns the item's type as its declaration spells it: "int",
// "string<255>", "opaque<>", "filetype", "entry*", "int[3]"; the type's
// own name for the top-level value.
func (v *Value) Type() string { return v.decl.typ }

// EnumName returns the identifier of an Enum value ("" for other kinds).
func (v *Value) EnumName() string {
	if v.Kind != Enum {
		return ""
	}
	return v.decl.n.enum.byVal[int32(v.Int)]
}

// Field returns the member of a Struct, or the discriminant or arm of a
// Union, called name; nil if there is none.
func (v *Value) Field(name string) *Value {
	if v.Kind != Struct && v.Kind != Union {
		return nil
	}
	for _, e := range v.Elems {
		if e.decl.name == name {
			return e
		}
	}
	return nil
}

// Walk calls fn for v and, where fn returns true, for everything inside
// it, in wire order.
func (v *Value) Walk(fn func(*Value) bool) {
	if fn(v) {
		for _, e := range v.Elems {
			e.Walk(fn)
		}
	}
}

// Lossy returns the first item in v (in wire order) whose JSON form does
// not keep its bytes: a String that is not valid UTF-8, or a Float or
// Double NaN other than the one Encode writes for "NaN". It returns nil
// when JSON keeps everything.
func (v *Value) Lossy() *Value {
	var lossy *Value
	v.Walk(func(x *Value) bool {
		switch {
		case lossy != nil:
			return false
		case x.Kind == String && !utf8.Valid(x.Bytes),
			x.Kind == Float && math.IsNaN(x.Float) && x.Uint != nan32,
			x.Kind == Double && math.IsNaN(x.Float) && x.Uint != nan64:
			lossy = x
			return false
		}
		return true
	})
	return lossy
}

// The NaNs Encode writes for "NaN": quiet, positive, no payload.
const (
	nan32 = 0x7fc00000
	nan64 = 0x7ff8000000000000
)
