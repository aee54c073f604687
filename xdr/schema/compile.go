package schema

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/wirekit/wirekit/xdr/idl"
)

// Type is a compiled .x type: what Decode, Unmarshal, Encode and Marshal
// follow. It is immutable and safe for concurrent use.
type Type struct {
	name string
	root *decl
}

// Name returns the .x name the Type was compiled from.
func (t *Type) Name() string { return t.name }

// node is a type after typedefs are followed: how its values are read
// and written.
type node struct {
	kind  Kind
	fixed bool   // Opaque, Array: fixed length (else variable)
	n     uint32 // the fixed length, or the bound of a variable one
	elem  *decl  // Array, Optional
	// fields are the members of a Struct, in .x order.
	fields []*decl
	enum   *enumType
	union  *unionType
	// emin is the fewest bytes an element of an Array takes (what
	// ArrayLen needs).
	emin int
	// min is the fewest bytes an encoding takes; minState tracks its
	// computation through recursive types. Both are set by Compile only.
	min      int64
	minState uint8
}

// void is the kind of void arms, which have no Value.
const void Kind = 255

// decl is a type in a place: a member, arm, discriminant, element or the
// root, with its .x name ("" for elements and the root) and the type as
// the declaration spells it ("string<255>", "filetype", "entry*").
type decl struct {
	name string
	typ  string
	n    *node
}

type enumType struct {
	byVal  map[int32]string
	byName map[string]int32
	names  []string // in .x order, for messages
}

func (e *enumType) valid(v int32) bool { _, ok := e.byVal[v]; return ok }

type unionType struct {
	disc *decl
	arms map[int64]*decl // by case value; a void arm's node has kind void
	def  *decl           // the default arm, or nil
	// byName are the arms by name, for messages about a JSON object that
	// names the wrong one.
	byName map[string]bool
}

// Compile returns the Type called name in spec: a typedef, enum, struct or
// union. An unknown name is an error that lists the names close to it, or
// the types there are.
func Compile(spec *idl.Spec, name string) (*Type, error) {
	def := spec.Lookup(name)
	if def == nil {
		return nil, unknownType(spec, name)
	}
	c := &compiler{bodies: map[*idl.Type]*node{}, typedefs: map[*idl.Decl]*node{}, following: map[*idl.Def]bool{}}
	var n *node
	var err error
	switch def.Kind {
	case idl.TypedefDef:
		n, err = c.declNode(def.Decl, def.Name)
	case idl.EnumDef, idl.StructDef, idl.UnionDef:
		n, err = c.typeNode(def.Type, def.Name)
	default:
		return nil, fmt.Errorf("schema: %s is a %s, not a type", name, def.Kind)
	}
	if err != nil {
		return nil, err
	}
	for _, n := range c.arrays {
		n.emin = int(minSize(n.elem.n))
		if n.emin == 0 && (!n.fixed || n.n > 0) {
			return nil, fmt.Errorf("schema: %s: an array of %s, whose values take no bytes: a count alone could make any number of them", name, n.elem.typ)
		}
	}
	return &Type{name: name, root: &decl{typ: name, n: n}}, nil
}

// unknownType is the error for a name that is not in spec.
func unknownType(spec *idl.Spec, name string) error {
	var types, close []string
	for _, d := range spec.Defs {
		switch d.Kind {
		case idl.TypedefDef, idl.EnumDef, idl.StructDef, idl.UnionDef:
		default:
			continue
		}
		types = append(types, d.Name)
		if strings.EqualFold(d.Name, name) || distance(strings.ToLower(d.Name), strings.ToLower(name)) <= max(1, len(name)/4) ||
			len(name) >= 3 && strings.Contains(strings.ToLower(d.Name), strings.ToLower(name)) {
			close = append(close, d.Name)
		}
	}
	switch {
	case len(types) == 0:
		return fmt.Errorf("schema: no type %s: the schema defines no types", name)
	case len(close) > 0:
		if len(close) > 10 {
			close = append(close[:10], "…")
		}
		return fmt.Errorf("schema: no type %s; did you mean %s?", name, strings.Join(close, ", "))
	}
	if len(types) > 20 {
		types = append(types[:20], fmt.Sprintf("… (%d in all)", len(types)))
	}
	return fmt.Errorf("schema: no type %s; the types are %s", name, strings.Join(types, ", "))
}

// distance is the edit distance between a and b (short names):
// insertions, deletions, substitutions and transpositions of neighbours.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return math.MaxInt
	}
	prevprev := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prevprev[j-2]+1) // a transposition
			}
		}
		prevprev, prev, cur = prev, cur, prevprev
	}
	return prev[len(b)]
}

type compiler struct {
	bodies    map[*idl.Type]*node // enum, struct and union bodies
	typedefs  map[*idl.Decl]*node // typedefs with a shape
	following map[*idl.Def]bool   // typedefs being followed, against cycles
	arrays    []*node             // checked once every node is complete
}

// scalars are the nodes of the base types, shared.
var scalars = map[idl.TypeKind]*node{
	idl.Int: {kind: Int}, idl.Uint: {kind: Uint}, idl.Hyper: {kind: Hyper}, idl.Uhyper: {kind: Uhyper},
	idl.Float: {kind: Float}, idl.Double: {kind: Double}, idl.Quadruple: {kind: Quadruple},
	idl.Bool: {kind: Bool}, idl.Void: {kind: void},
}

// typeNode compiles a type specifier; name names it in messages.
func (c *compiler) typeNode(t *idl.Type, name string) (*node, error) {
	if n, ok := scalars[t.Kind]; ok {
		return n, nil
	}
	if n, ok := c.bodies[t]; ok {
		return n, nil // done, or being built: a recursive type
	}
	switch t.Kind {
	case idl.Named:
		def := t.Def
		if def == nil {
			return nil, fmt.Errorf("schema: %s: type %s is not resolved (is the spec checked?)", name, t.Name)
		}
		switch def.Kind {
		case idl.TypedefDef:
			if def.Decl.Shape != idl.Scalar {
				return c.declNode(def.Decl, def.Name) // compiled once: recursion through it ends
			}
			// A typedef of a typedef makes no node of its own: a cycle of
			// them (which idl.Check refuses) would not end.
			if c.following[def] {
				return nil, fmt.Errorf("schema: typedef %s is defined in terms of itself", def.Name)
			}
			c.following[def] = true
			n, err := c.declNode(def.Decl, def.Name)
			delete(c.following, def)
			return n, err
		case idl.EnumDef, idl.StructDef, idl.UnionDef:
			return c.typeNode(def.Type, def.Name)
		}
		return nil, fmt.Errorf("schema: %s: %s is a %s, not a type", name, t.Name, def.Kind)
	case idl.Enum:
		e := &enumType{byVal: map[int32]string{}, byName: map[string]int32{}}
		for _, ev := range t.Enum {
			e.byVal[int32(ev.Val)] = ev.Name
			e.byName[ev.Name] = int32(ev.Val)
			e.names = append(e.names, ev.Name)
		}
		n := &node{kind: Enum, enum: e}
		c.bodies[t] = n
		return n, nil
	case idl.Struct:
		n := &node{kind: Struct}
		c.bodies[t] = n
		for _, f := range t.Fields {
			d, err := c.decl(f, name+"."+f.Name)
			if err != nil {
				return nil, err
			}
			if d.n.kind != void {
				n.fields = append(n.fields, d)
			}
		}
		return n, nil
	case idl.Union:
		u := &unionType{arms: map[int64]*decl{}, byName: map[string]bool{}}
		n := &node{kind: Union, union: u}
		c.bodies[t] = n
		disc, err := c.decl(t.Union.Disc, name+"."+t.Union.Disc.Name)
		if err != nil {
			return nil, err
		}
		switch disc.n.kind {
		case Int, Uint, Bool, Enum:
		default:
			return nil, fmt.Errorf("schema: %s: discriminant %s is not int, unsigned int, bool or an enum", name, disc.name)
		}
		u.disc = disc
		for _, cs := range t.Union.Cases {
			arm, err := c.decl(cs.Arm, name+"."+cs.Arm.Name)
			if err != nil {
				return nil, err
			}
			for _, v := range cs.Values {
				u.arms[v.Val] = arm
			}
			if arm.name != "" {
				u.byName[arm.name] = true
			}
		}
		if t.Union.Default != nil {
			if u.def, err = c.decl(t.Union.Default, name+"."+t.Union.Default.Name); err != nil {
				return nil, err
			}
			if u.def.name != "" {
				u.byName[u.def.name] = true
			}
		}
		return n, nil
	}
	return nil, fmt.Errorf("schema: %s: %s cannot stand alone", name, t.Kind)
}

// decl compiles a declaration in its place.
func (c *compiler) decl(d *idl.Decl, name string) (*decl, error) {
	n, err := c.declNode(d, name)
	if err != nil {
		return nil, err
	}
	return &decl{name: d.Name, typ: declType(d), n: n}, nil
}

// declNode compiles the type a declaration gives its name: its type
// specifier repeated by its shape. Typedefs are compiled once, so that
// recursion through them ends.
func (c *compiler) declNode(d *idl.Decl, name string) (*node, error) {
	if d.Shape == idl.Scalar {
		return c.typeNode(d.Type, name)
	}
	if n, ok := c.typedefs[d]; ok {
		return n, nil
	}
	n := &node{}
	c.typedefs[d] = n
	bound, bounded := d.Bound()
	if !bounded {
		bound = math.MaxUint32
	}
	n.n = bound
	n.fixed = d.Shape == idl.Fixed
	switch {
	case d.Type.Kind == idl.Opaque && d.Shape != idl.Optional:
		n.kind = Opaque
		return n, nil
	case d.Type.Kind == idl.String && d.Shape == idl.Variable:
		n.kind = String
		return n, nil
	case d.Type.Kind == idl.Opaque || d.Type.Kind == idl.String:
		return nil, fmt.Errorf("schema: %s: %s cannot be %s", name, d.Type.Kind, shapeNames[d.Shape])
	}
	elem, err := c.typeNode(d.Type, name)
	if err != nil {
		return nil, err
	}
	if elem.kind == void {
		return nil, fmt.Errorf("schema: %s: void cannot be %s", name, shapeNames[d.Shape])
	}
	n.elem = &decl{typ: typeName(d.Type), n: elem}
	if d.Shape == idl.Optional {
		n.kind = Optional
		return n, nil
	}
	n.kind = Array
	c.arrays = append(c.arrays, n)
	return n, nil
}

var shapeNames = map[idl.Shape]string{idl.Scalar: "a scalar", idl.Fixed: "a fixed-length array",
	idl.Variable: "a variable-length array", idl.Optional: "optional-data"}

// typeName spells a type specifier: the name it refers to, or the base
// type or kind of body.
func typeName(t *idl.Type) string {
	if t.Kind == idl.Named {
		return t.Name
	}
	return t.Kind.String()
}

// declType spells the type of a declaration: "string<255>", "int[3]",
// "entry<>", "entry*", "filetype".
func declType(d *idl.Decl) string {
	s := typeName(d.Type)
	bound := ""
	if b, ok := d.Bound(); ok {
		bound = strconv.FormatUint(uint64(b), 10)
	}
	switch d.Shape {
	case idl.Fixed:
		return s + "[" + bound + "]"
	case idl.Variable:
		return s + "<" + bound + ">"
	case idl.Optional:
		return s + "*"
	}
	return s
}

// minSize is the fewest bytes an encoding of n takes, saturating at
// math.MaxInt32. Recursion goes through optional-data or variable arrays
// (4 bytes whatever follows) or through union arms, of which one at
// least ends (idl.Check makes sure), so an arm met again while its size
// is being found does not count.
func minSize(n *node) int64 {
	switch n.kind {
	case Int, Uint, Float, Bool:
		return 4 // shared nodes (scalars), never written
	case Hyper, Uhyper, Double:
		return 8
	case Quadruple:
		return 16
	case void:
		return 0
	}
	const (
		unknown = iota
		finding
		found
	)
	switch n.minState {
	case found:
		return n.min
	case finding:
		return math.MaxInt32
	}
	n.minState = finding
	var m int64
	switch n.kind {
	case Enum, String, Optional:
		m = 4
	case Opaque:
		if n.fixed {
			m = (int64(n.n) + 3) &^ 3
		} else {
			m = 4
		}
	case Array:
		if n.fixed {
			m = int64(n.n) * minSize(n.elem.n)
		} else {
			m = 4
		}
	case Struct:
		for _, f := range n.fields {
			m += minSize(f.n)
		}
	case Union:
		arms := math.MaxInt32
		for _, a := range n.union.arms {
			arms = min(arms, int(minSize(a.n)))
		}
		if n.union.def != nil {
			arms = min(arms, int(minSize(n.union.def.n)))
		}
		m = 4 + int64(arms)
	}
	n.min, n.minState = min(m, math.MaxInt32), found
	return n.min
}

// list is the enum's names for a message, the first few.
func (e *enumType) list() string {
	names := e.names
	if len(names) > 12 {
		names = append(slices.Clip(names[:12]), "…")
	}
	return strings.Join(names, ", ")
}
