package idl

import (
	"fmt"
	"strings"
)

// Pos is a position in a .x file: line and column count from 1, columns in
// bytes.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	if p.File == "" {
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is a syntax or semantic error at a position:
//
//	file.x:12:5: undefined type filekind
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is the semantic errors Check found: the first ten in source
// order (files in the order given to Check, then line and column).
type ErrorList []*Error

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the errors, so that errors.As finds the first *Error.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// File is one parsed .x file.
type File struct {
	Name string
	Defs []*Def
	// Passthrough holds the text of the %-lines, which rpcgen copies into
	// its C output. Of these, "%#define NAME value" lines whose value is an
	// integer expression also become constants (rpcsvc's nlm_prot.x sizes
	// strings with them); the rest are kept only for reference.
	Passthrough []string
}

// DefKind says what a top-level definition defines.
type DefKind int

const (
	ConstDef   DefKind = iota // const NAME = value;
	TypedefDef                // typedef declaration;
	EnumDef                   // enum NAME { ... };
	StructDef                 // struct NAME { ... };
	UnionDef                  // union NAME switch (...) { ... };
	ProgramDef                // program NAME { version ... } = n;
)

var defKindNames = [...]string{"const", "typedef", "enum", "struct", "union", "program"}

func (k DefKind) String() string { return defKindNames[k] }

// Def is a top-level definition.
type Def struct {
	Pos
	Kind DefKind
	Name string
	// Value is the value of a ConstDef.
	Value *Value
	// Decl is the declaration of a TypedefDef; its Name is the new type's.
	Decl *Decl
	// Type is the body of an EnumDef, StructDef or UnionDef (Type.Kind
	// Enum, Struct or Union).
	Type *Type
	// Program is the body of a ProgramDef.
	Program *Program
	// Define marks a ConstDef taken from a "%#define NAME value" line,
	// which only counts when nothing in the .x files declares NAME. One
	// whose value is not an integer constant (it names a C macro, say) is
	// C's business and is left out of the Spec, unless the .x files use
	// it, which is an error.
	Define bool
}

// TypeKind is the kind of a type specifier.
type TypeKind int

const (
	Int       TypeKind = iota // int, long, short, char (4 bytes, signed)
	Uint                      // unsigned, unsigned int/long/short/char
	Hyper                     // hyper
	Uhyper                    // unsigned hyper
	Float                     // float
	Double                    // double
	Quadruple                 // quadruple
	Bool                      // bool
	Opaque                    // opaque (only in a fixed or variable declaration)
	String                    // string (only in a variable declaration)
	Void                      // void (union arms and procedures)
	Enum                      // an enum body
	Struct                    // a struct body
	Union                     // a union body
	Named                     // a reference to a typedef, enum, struct or union
)

var typeKindNames = [...]string{"int", "unsigned int", "hyper", "unsigned hyper", "float", "double",
	"quadruple", "bool", "opaque", "string", "void", "enum", "struct", "union", "named type"}

func (k TypeKind) String() string { return typeKindNames[k] }

// Type is a type specifier: a base type, an (inline or defined) enum,
// struct or union body, or a reference to a defined type.
type Type struct {
	Pos
	Kind TypeKind
	// Name is the referenced name of a Named type.
	Name string
	// Def is what a Named type refers to; Check sets it.
	Def *Def
	// Enum lists the values of an Enum.
	Enum []*EnumValue
	// Fields are the members of a Struct.
	Fields []*Decl
	// Union is the body of a Union.
	Union *UnionBody
}

// Resolve follows a Named type through definitions to the declaration or
// body it stands for: it returns the body Type of an enum, struct or union
// definition, or, for a typedef, its Decl (whose Shape matters: a typedef
// can name an array). For any other type it returns t itself and a nil
// Decl. It needs a checked Spec.
func (t *Type) Resolve() (*Type, *Decl) {
	for t.Kind == Named && t.Def != nil {
		d := t.Def
		if d.Kind != TypedefDef {
			return d.Type, nil
		}
		if d.Decl.Shape != Scalar {
			return d.Decl.Type, d.Decl
		}
		t = d.Decl.Type
	}
	return t, nil
}

// UnionBody is the body of a union: the discriminant declaration, the
// cases in source order and the default arm (nil when there is none).
type UnionBody struct {
	Disc    *Decl
	Cases   []*Case
	Default *Decl
	// DefaultIndex is where "default:" appeared among the cases (it may
	// appear anywhere); -1 without a default.
	DefaultIndex int
}

// Case is one arm of a union: the values that select it and the arm's
// declaration (of Kind Void for a void arm).
type Case struct {
	Pos
	Values []*Value
	Arm    *Decl
}

// Shape is how a declaration repeats its type.
type Shape int

const (
	Scalar   Shape = iota // T x
	Fixed                 // T x[n], opaque x[n]
	Variable              // T x<n>, T x<>, opaque x<n>, string x<n>
	Optional              // T *x
)

// Decl is a declaration: a struct member, union arm or discriminant, or a
// typedef's body.
type Decl struct {
	Pos
	Name  string // "" for void
	Type  *Type
	Shape Shape
	// Size is the length of a Fixed declaration or the bound of a
	// Variable one; nil for an unbounded Variable (x<>).
	Size *Value
}

// Bound returns the length of a Fixed declaration or the maximum of a
// bounded Variable one, and false for an unbounded x<> (and for Scalar and
// Optional declarations). It needs a checked Spec.
func (d *Decl) Bound() (uint32, bool) {
	if d.Size == nil || (d.Shape != Fixed && d.Shape != Variable) {
		return 0, false
	}
	return uint32(d.Size.Val), true
}

// Value is an integer constant as written: a literal (decimal, hex 0x...,
// octal 0..., optionally negative), the name of a constant or enum value,
// or, in a %#define line, an expression of them. Check sets Val. A const
// definition may also be a string literal, which rpcgen copies into C and
// which has no integer value (IsString).
type Value struct {
	Pos
	Lit  string // the literal ("12", "0x1f", "-1", or a quoted string), or ""
	Name string // the referenced name, or ""
	// Op is an operator of a %#define expression ("+", "<<", "~", ...)
	// applied to X and, for binary operators, Y.
	Op   string
	X, Y *Value
	Val  int64
}

// IsString reports whether v is a string literal.
func (v *Value) IsString() bool { return len(v.Lit) > 0 && v.Lit[0] == '"' }

func (v *Value) String() string {
	switch {
	case v.Name != "":
		return v.Name
	case v.Op != "" && v.Y == nil:
		return v.Op + v.X.String()
	case v.Op != "":
		return "(" + v.X.String() + " " + v.Op + " " + v.Y.String() + ")"
	}
	return v.Lit
}

// EnumValue is one identifier of an enum. Value is nil when the .x file
// leaves it implicit (one more than the previous, starting at 0).
type EnumValue struct {
	Pos
	Name  string
	Value *Value
	Val   int64 // set by Check
	Enum  *Type // the enum body it belongs to
}

// Program is an ONC RPC program definition.
type Program struct {
	Pos
	Name     string
	Number   *Value
	Versions []*Version
}

// Version is one version of a program.
type Version struct {
	Pos
	Name   string
	Number *Value
	Procs  []*Proc
}

// Proc is one remote procedure: its result type, argument types (one, or
// several in rpcgen's -N style; a single Void for none) and number.
type Proc struct {
	Pos
	Name   string
	Result *Type
	Args   []*Type
	Number *Value
}
