package idl

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
)

// maxErrors is how many errors Check reports, the first in source order.
const maxErrors = 10

// MaxFixedLength bounds the length of a fixed array or opaque, so that
// a schema cannot declare a value larger than memory.
const MaxFixedLength = 1 << 24

// Spec is a checked set of .x files: every name resolves, every constant
// has its value, and every type has a finite encoding.
type Spec struct {
	Files []*File
	// Defs are the definitions of all files in order.
	Defs []*Def
	syms map[string]symbol
}

// A symbol is what a global name stands for: a definition, an enum value,
// or a program's version or procedure (which rpcgen makes constants).
type symbol struct {
	pos  Pos
	def  *Def
	ev   *EnumValue
	ver  *Version
	proc *Proc
}

// Lookup returns the type, constant or program definition named name.
func (s *Spec) Lookup(name string) *Def { return s.syms[name].def }

// Constant returns the value of a constant, enum value, version or
// procedure name.
func (s *Spec) Constant(name string) (int64, bool) {
	sym, ok := s.syms[name]
	switch {
	case !ok:
		return 0, false
	case sym.ev != nil:
		return sym.ev.Val, true
	case sym.ver != nil:
		return sym.ver.Number.Val, true
	case sym.proc != nil:
		return sym.proc.Number.Val, true
	case sym.def.Kind == ConstDef && !sym.def.Value.IsString():
		return sym.def.Value.Val, true
	case sym.def.Kind == ProgramDef:
		return sym.def.Program.Number.Val, true
	}
	return 0, false
}

// Check resolves the names of the files against each other and checks
// what the grammar cannot: undefined and duplicate names, constant values
// and their ranges, bounds that are constants, union discriminants and
// case values, and that no type contains itself except through
// optional-data or a variable-length array. It reports the first errors
// in source order (up to ten) as an ErrorList.
func Check(files ...*File) (*Spec, error) {
	c := &checker{spec: &Spec{Files: files, syms: map[string]symbol{}},
		state: map[any]evalState{}, enumIndex: map[*EnumValue]int{}, names: map[*Type]string{},
		cyclic: map[*Def]bool{}, enumSets: map[*Type]map[int64]bool{}}
	for _, f := range files {
		c.spec.Defs = append(c.spec.Defs, f.Defs...)
	}
	c.declare()
	// Names resolve and constants evaluate first, in any order (a
	// definition may use what a later one defines); what needs whole
	// types (typedef chains, enums' values, finiteness) comes after.
	for _, d := range c.spec.Defs {
		if !d.Define { // a %#define counts when something uses it
			c.def(d)
		}
	}
	c.unusedDefines()
	c.typedefCycles()
	for _, u := range c.unions {
		c.cases(u)
	}
	if len(c.errs) == 0 {
		c.finite()
	}
	if len(c.errs) > 0 {
		return nil, c.sorted()
	}
	return c.spec, nil
}

type evalState int

const (
	unvisited evalState = iota
	evaluating
	done
	failed // evaluated, with an error already reported
)

type checker struct {
	spec      *Spec
	errs      ErrorList
	quiet     bool               // while trying unused %#defines: errors only fail them
	state     map[any]evalState  // of const Defs and EnumValues
	enumIndex map[*EnumValue]int // where each value is in its enum
	names     map[*Type]string   // struct and union bodies' names, for messages
	bodies    []*Type            // every struct and union body, for finite
	unions    []unionToCheck     // checked once all types are resolved
	cyclic    map[*Def]bool      // typedefs defined in terms of themselves
	enumSets  map[*Type]map[int64]bool
	builtins  int // how many rpcgen library definitions lead Spec.Defs
}

type unionToCheck struct {
	body   *UnionBody
	name   string
	failed map[*Value]bool // case values that did not evaluate
}

func (c *checker) errorf(pos Pos, format string, args ...any) {
	if !c.quiet {
		c.errs = append(c.errs, &Error{pos, fmt.Sprintf(format, args...)})
	}
}

// sorted returns the first maxErrors errors in source order: files in the
// order given to Check, then line and column. (The checker finds errors
// in the order of its passes, not of the text.)
func (c *checker) sorted() ErrorList {
	fileIndex := map[string]int{}
	for i := len(c.spec.Files) - 1; i >= 0; i-- {
		fileIndex[c.spec.Files[i].Name] = i
	}
	errs := c.errs
	slices.SortStableFunc(errs, func(a, b *Error) int {
		fa, oka := fileIndex[a.Pos.File]
		fb, okb := fileIndex[b.Pos.File]
		if !oka {
			fa = len(c.spec.Files)
		}
		if !okb {
			fb = len(c.spec.Files)
		}
		return cmp.Or(cmp.Compare(fa, fb), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	if len(errs) > maxErrors {
		errs = errs[:maxErrors]
	}
	return errs
}

// declare enters every global name: definitions, enum values (global, as
// in C, including those of inline enums), versions and procedures.
func (c *checker) declare() {
	add := func(name string, sym symbol) {
		if prev, dup := c.spec.syms[name]; dup {
			// rpcgen writes procedures as #defines: the same name in two
			// versions with the same number is fine.
			if prev.proc != nil && sym.proc != nil && prev.proc.Number.String() == sym.proc.Number.String() {
				return
			}
			c.errorf(sym.pos, "%s redeclared; previous declaration at %s", name, prev.pos)
			return
		}
		c.spec.syms[name] = sym
	}
	var defines []*Def
	for _, d := range c.spec.Defs {
		if d.Define {
			defines = append(defines, d)
			continue
		}
		add(d.Name, symbol{pos: d.Pos, def: d})
		walkDef(d, func(t *Type) {
			for i, ev := range t.Enum {
				c.enumIndex[ev] = i
				add(ev.Name, symbol{pos: ev.Pos, ev: ev})
			}
		})
		if d.Kind == ProgramDef {
			for _, v := range d.Program.Versions {
				add(v.Name, symbol{pos: v.Pos, ver: v})
				for _, p := range v.Procs {
					add(p.Name, symbol{pos: p.Pos, proc: p})
				}
			}
		}
	}
	// %#define constants count only where the .x files leave the name free
	// (rusers.x #defines its own version names again).
	dropped := map[*Def]bool{}
	for _, d := range defines {
		if _, taken := c.spec.syms[d.Name]; taken {
			dropped[d] = true
			continue
		}
		c.spec.syms[d.Name] = symbol{pos: d.Pos, def: d}
	}
	c.drop(dropped)
}

// drop removes definitions from the Spec.
func (c *checker) drop(dropped map[*Def]bool) {
	if len(dropped) == 0 {
		return
	}
	defs := c.spec.Defs[:0:0]
	for _, d := range c.spec.Defs {
		if !dropped[d] {
			defs = append(defs, d)
		}
	}
	c.spec.Defs = defs
}

// unusedDefines evaluates the %#define constants that nothing in the .x
// files used. One that is not an integer constant here (it names a C
// macro, or divides by zero) is C's business, not an error: it is
// dropped from the Spec. One that the .x files use was evaluated, with
// its errors reported, when it was used.
func (c *checker) unusedDefines() {
	dropped := map[*Def]bool{}
	c.quiet = true
	for _, d := range c.spec.Defs {
		if d.Define && c.state[d] == unvisited {
			c.named(d.Name, d.Pos)
		}
	}
	c.quiet = false
	for _, d := range c.spec.Defs {
		if d.Define && c.state[d] == failed {
			dropped[d] = true
			delete(c.spec.syms, d.Name)
		}
	}
	c.drop(dropped)
}

// rpcgenTypes are the types and constants that rpcgen's .x files take
// from the C RPC library rather than define (the lock and key managers'
// files use them): a name that is nowhere defined is looked up here.
const rpcgenTypes = `
typedef opaque netobj<1024>;   /* MAX_NETOBJ_SZ */
typedef opaque des_block[8];
typedef unsigned int u_int;
typedef unsigned int u_long;
typedef unsigned int u_short;
typedef unsigned int u_char;
typedef hyper quad_t;
typedef unsigned hyper u_quad_t;
const MAX_NETOBJ_SZ = 1024;
const MAXNETNAMELEN = 255;
`

var rpcgenDefs = func() map[string]*Def {
	f, err := Parse("<rpcgen>", []byte(rpcgenTypes))
	if err != nil {
		panic(err)
	}
	m := map[string]*Def{}
	for _, d := range f.Defs {
		m[d.Name] = d
	}
	return m
}()

// builtin declares the rpcgen library name, if there is one, and reports
// whether it did. Its definition is added to the Spec (so that generated
// code has the type), once per Spec, ahead of the files' definitions.
func (c *checker) builtin(name string) (symbol, bool) {
	proto, ok := rpcgenDefs[name]
	if !ok {
		return symbol{}, false
	}
	d := *proto
	if d.Decl != nil {
		decl := *d.Decl
		decl.Type = &Type{Pos: d.Pos, Kind: decl.Type.Kind}
		if decl.Size != nil {
			decl.Size = &Value{Pos: d.Pos, Lit: decl.Size.Lit}
		}
		d.Decl = &decl
	} else {
		d.Value = &Value{Pos: d.Pos, Lit: d.Value.Lit}
	}
	sym := symbol{pos: d.Pos, def: &d}
	c.spec.syms[name] = sym
	// Before the files' definitions, in the order they were needed.
	// (A new slice: Check is ranging over the old one.)
	c.spec.Defs = slices.Concat(c.spec.Defs[:c.builtins], []*Def{&d}, c.spec.Defs[c.builtins:])
	c.builtins++
	c.def(&d)
	return sym, true
}

// walkDef calls f for every type specifier in d, outer before inner.
func walkDef(d *Def, f func(*Type)) {
	switch d.Kind {
	case TypedefDef:
		walkType(d.Decl.Type, f)
	case EnumDef, StructDef, UnionDef:
		walkType(d.Type, f)
	case ProgramDef:
		for _, v := range d.Program.Versions {
			for _, p := range v.Procs {
				walkType(p.Result, f)
				for _, a := range p.Args {
					walkType(a, f)
				}
			}
		}
	}
}

func walkType(t *Type, f func(*Type)) {
	f(t)
	switch t.Kind {
	case Struct:
		for _, fd := range t.Fields {
			walkType(fd.Type, f)
		}
	case Union:
		walkType(t.Union.Disc.Type, f)
		for _, cs := range t.Union.Cases {
			walkType(cs.Arm.Type, f)
		}
		if t.Union.Default != nil {
			walkType(t.Union.Default.Type, f)
		}
	}
}

func (c *checker) def(d *Def) {
	switch d.Kind {
	case ConstDef:
		if !d.Value.IsString() {
			c.named(d.Name, d.Pos)
		}
	case TypedefDef:
		c.decl(d.Decl, d.Name)
	case EnumDef, StructDef, UnionDef:
		c.typ(d.Type, d.Name)
	case ProgramDef:
		c.program(d.Program)
	}
}

// value evaluates v (a literal or a constant's name) into v.Val and
// reports whether it could.
func (c *checker) value(v *Value) bool {
	if v.Op != "" {
		return c.expr(v)
	}
	if v.IsString() {
		c.errorf(v.Pos, "string %s where an integer constant is needed", v.Lit)
		return false
	}
	if v.Name == "" {
		n, err := parseLiteral(v.Lit)
		if err != nil {
			c.errorf(v.Pos, "%v", err)
			return false
		}
		v.Val = n
		return true
	}
	n, ok := c.named(v.Name, v.Pos)
	v.Val = n
	return ok
}

// parseLiteral reads a decimal, hex (0x) or octal (leading 0) integer,
// optionally negative, as C does.
func parseLiteral(lit string) (int64, error) {
	s := lit
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	base, digits := 10, s
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, digits = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, digits = 8, s[1:]
	}
	u, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("constant %s out of range", lit)
		}
		return 0, fmt.Errorf("malformed constant %s", lit)
	}
	switch {
	case neg && u <= 1<<63:
		return -int64(u), nil
	case !neg && u <= math.MaxInt64:
		return int64(u), nil
	}
	return 0, fmt.Errorf("constant %s out of range", lit)
}

// named evaluates the constant or enum value called name.
func (c *checker) named(name string, pos Pos) (int64, bool) {
	sym, ok := c.spec.syms[name]
	if !ok {
		sym, ok = c.builtin(name)
	}
	if !ok {
		switch name { // rpcgen's bool constants, unless a file defines them
		case "TRUE":
			return 1, true
		case "FALSE":
			return 0, true
		}
		c.errorf(pos, "undefined constant %s", name)
		return 0, false
	}
	switch {
	case sym.ev != nil:
		return c.enumValue(sym.ev)
	case sym.def != nil && sym.def.Kind == ConstDef:
		d := sym.def
		switch c.state[d] {
		case evaluating:
			c.errorf(pos, "constant %s is defined in terms of itself", name)
			return 0, false
		case done:
			return d.Value.Val, true
		case failed:
			return 0, false
		}
		if d.Value.IsString() {
			c.errorf(pos, "%s is a string constant, not an integer", name)
			return 0, false
		}
		c.state[d] = evaluating
		ok := c.value(d.Value)
		c.state[d] = outcome(ok)
		return d.Value.Val, ok
	case sym.def != nil:
		c.errorf(pos, "%s is a %s, not a constant", name, sym.def.Kind)
	default:
		c.errorf(pos, "%s is a version or procedure, not a constant", name)
	}
	return 0, false
}

func outcome(ok bool) evalState {
	if ok {
		return done
	}
	return failed
}

// enumValue evaluates an enum identifier: its explicit value, or one more
// than the previous identifier's (0 for the first).
func (c *checker) enumValue(ev *EnumValue) (int64, bool) {
	switch c.state[ev] {
	case evaluating:
		c.errorf(ev.Pos, "enum value %s is defined in terms of itself", ev.Name)
		return 0, false
	case done:
		return ev.Val, true
	case failed:
		return 0, false
	}
	if ev.Value != nil {
		c.state[ev] = evaluating
		ok := c.value(ev.Value)
		ev.Val = ev.Value.Val
		ok = c.enumInRange(ev, ok)
		return ev.Val, ok
	}
	// An implicit value: walk back over the implicit values not yet
	// evaluated (iteratively: an enum may have very many), then count up.
	values := ev.Enum.Enum
	i := c.enumIndex[ev]
	j := i
	for j > 0 && values[j-1].Value == nil && c.state[values[j-1]] == unvisited {
		j--
	}
	prev, ok := int64(-1), true
	if j > 0 {
		prev, ok = c.enumValue(values[j-1])
	}
	for _, e := range values[j : i+1] {
		e.Val = prev + 1
		ok = c.enumInRange(e, ok)
		prev = e.Val
	}
	return ev.Val, ok
}

// enumInRange settles ev's evaluation: ok, if its value fits in an int.
func (c *checker) enumInRange(ev *EnumValue, ok bool) bool {
	if ok && (ev.Val < math.MinInt32 || ev.Val > math.MaxInt32) {
		c.errorf(ev.Pos, "enum value %s = %d does not fit in an XDR int", ev.Name, ev.Val)
		ok = false
	}
	c.state[ev] = outcome(ok)
	return ok
}

// typ checks a type specifier; name names it in messages.
func (c *checker) typ(t *Type, name string) {
	switch t.Kind {
	case Named:
		sym, ok := c.spec.syms[t.Name]
		if !ok {
			sym, ok = c.builtin(t.Name)
		}
		switch {
		case !ok:
			c.errorf(t.Pos, "undefined type %s", t.Name)
		case sym.def == nil || sym.def.Kind == ConstDef || sym.def.Kind == ProgramDef:
			c.errorf(t.Pos, "%s is not a type", t.Name)
		default:
			t.Def = sym.def
		}
	case Enum:
		seen := map[int64]*EnumValue{}
		for _, ev := range t.Enum {
			v, ok := c.enumValue(ev)
			if !ok {
				continue
			}
			if prev, dup := seen[v]; dup {
				c.errorf(ev.Pos, "enum %s: %s has the value %d of %s", name, ev.Name, v, prev.Name)
			}
			seen[v] = ev
		}
	case Struct:
		c.bodies = append(c.bodies, t)
		c.names[t] = name
		seen := map[string]*Decl{}
		for _, f := range t.Fields {
			if prev, dup := seen[f.Name]; dup {
				c.errorf(f.Pos, "struct %s: member %s redeclared; previous declaration at %s", name, f.Name, prev.Pos)
			}
			seen[f.Name] = f
			c.decl(f, name+"."+f.Name)
		}
	case Union:
		c.bodies = append(c.bodies, t)
		c.names[t] = name
		c.union(t.Union, name)
	}
}

func (c *checker) decl(d *Decl, name string) {
	c.typ(d.Type, name)
	if d.Size == nil {
		return
	}
	if !c.value(d.Size) {
		return
	}
	n := d.Size.Val
	switch {
	case d.Shape == Fixed && (n < 0 || n > MaxFixedLength):
		c.errorf(d.Size.Pos, "%s: fixed length %d is outside 0..%d", name, n, MaxFixedLength)
	case d.Shape == Variable && (n < 0 || n > math.MaxUint32):
		c.errorf(d.Size.Pos, "%s: bound %d is outside 0..%d", name, n, uint32(math.MaxUint32))
	}
}

// union checks the declarations of a union's discriminant and arms,
// evaluates its case values, and queues the rest (which needs every type
// resolved) for cases.
func (c *checker) union(u *UnionBody, name string) {
	c.decl(u.Disc, name+" discriminant")
	seen := map[string]*Decl{}
	if u.Disc.Name != "" {
		seen[u.Disc.Name] = u.Disc
	}
	arm := func(d *Decl) {
		if d.Name != "" {
			if prev, dup := seen[d.Name]; dup {
				c.errorf(d.Pos, "union %s: arm %s redeclared; previous declaration at %s", name, d.Name, prev.Pos)
			}
			seen[d.Name] = d
		}
		c.decl(d, name+"."+d.Name)
	}
	var failed map[*Value]bool
	for _, cs := range u.Cases {
		for _, v := range cs.Values {
			if !c.value(v) {
				if failed == nil {
					failed = map[*Value]bool{}
				}
				failed[v] = true
			}
		}
		arm(cs.Arm)
	}
	if u.Default != nil {
		arm(u.Default)
	}
	c.unions = append(c.unions, unionToCheck{u, name, failed})
}

// cases checks a union's discriminant type and case values.
func (c *checker) cases(check unionToCheck) {
	u, name := check.body, check.name
	if u.Disc.Type.Kind == Void {
		c.errorf(u.Disc.Pos, "union %s: void discriminant", name)
		return
	}
	// The discriminant must be int, unsigned int, bool or an enum, maybe
	// through typedefs.
	t := u.Disc.Type
	scalar := u.Disc.Shape == Scalar
	for t.Kind == Named {
		d := t.Def
		if d == nil || c.cyclic[d] {
			return // undefined or circular: already reported
		}
		if d.Kind != TypedefDef {
			t = d.Type
			break
		}
		scalar = scalar && d.Decl.Shape == Scalar
		t = d.Decl.Type
	}
	kind := t.Kind
	if !scalar {
		kind = Void // an array or optional-data
	}
	switch kind {
	case Int, Uint, Bool, Enum:
	default:
		c.errorf(u.Disc.Pos, "union %s: discriminant %s must be int, unsigned int, bool or an enum", name, u.Disc.Name)
		return
	}
	var enum map[int64]bool
	if kind == Enum {
		enum = c.enumSet(t)
	}
	seen := map[int64]*Value{}
	for _, cs := range u.Cases {
		for _, v := range cs.Values {
			if check.failed[v] {
				continue
			}
			switch {
			case kind == Enum && !enum[v.Val]:
				c.errorf(v.Pos, "union %s: case %s is not a value of the discriminant's enum", name, v)
			case kind == Bool && v.Val != 0 && v.Val != 1:
				c.errorf(v.Pos, "union %s: case %s is not a bool (TRUE or FALSE)", name, v)
			case kind == Uint && (v.Val < 0 || v.Val > math.MaxUint32):
				c.errorf(v.Pos, "union %s: case %s does not fit in an unsigned int", name, v)
			case kind == Int && (v.Val < math.MinInt32 || v.Val > math.MaxInt32):
				c.errorf(v.Pos, "union %s: case %s does not fit in an int", name, v)
			}
			if prev, dup := seen[v.Val]; dup {
				c.errorf(v.Pos, "union %s: case %s repeats case %s at %s", name, v, prev, prev.Pos)
			}
			seen[v.Val] = v
		}
	}
}

// enumSet is the set of an enum body's values (evaluated by then).
func (c *checker) enumSet(t *Type) map[int64]bool {
	if set, ok := c.enumSets[t]; ok {
		return set
	}
	set := map[int64]bool{}
	for _, ev := range t.Enum {
		if c.state[ev] == done {
			set[ev.Val] = true
		}
	}
	c.enumSets[t] = set
	return set
}

// typedefCycles reports typedefs that name themselves through a chain of
// typedefs (typedef a b; typedef b a;), which no type ends.
func (c *checker) typedefCycles() {
	const visiting, visited = 1, 2
	state := map[*Def]int{}
	for _, d := range c.spec.Defs {
		var path []*Def
		cur := d
		for cur != nil && cur.Kind == TypedefDef && state[cur] == 0 {
			state[cur] = visiting
			path = append(path, cur)
			cur = cur.Decl.Type.Def // nil unless a Named type
		}
		if cur != nil && state[cur] == visiting {
			c.errorf(cur.Pos, "typedef %s is defined in terms of itself", cur.Name)
			for i := slices.Index(path, cur); i < len(path); i++ {
				c.cyclic[path[i]] = true
			}
		}
		for _, p := range path {
			state[p] = visited
		}
	}
}

func (c *checker) program(p *Program) {
	number := func(v *Value, what string) bool {
		if !c.value(v) {
			return false
		}
		if v.Val < 0 || v.Val > math.MaxUint32 {
			c.errorf(v.Pos, "%s number %s does not fit in an unsigned int", what, v)
			return false
		}
		return true
	}
	number(p.Number, "program "+p.Name)
	versions := map[int64]*Version{}
	for _, v := range p.Versions {
		if number(v.Number, "version "+v.Name) {
			if prev, dup := versions[v.Number.Val]; dup {
				c.errorf(v.Pos, "version %s repeats number %d of version %s at %s", v.Name, v.Number.Val, prev.Name, prev.Pos)
			}
			versions[v.Number.Val] = v
		}
		procs := map[int64]*Proc{}
		for _, proc := range v.Procs {
			if number(proc.Number, "procedure "+proc.Name) {
				if prev, dup := procs[proc.Number.Val]; dup {
					c.errorf(proc.Pos, "procedure %s repeats number %d of procedure %s at %s", proc.Name, proc.Number.Val, prev.Name, prev.Pos)
				}
				procs[proc.Number.Val] = proc
			}
			c.typ(proc.Result, proc.Name)
			for _, a := range proc.Args {
				c.typ(a, proc.Name)
			}
		}
	}
}

// finite reports struct and union bodies that have no finite value: a
// struct with a member that always contains the struct again, or a union
// all of whose arms do. Recursion must go through optional-data or a
// variable-length array, which can end.
//
// A body is finite when all its members are (a struct) or one of its arms
// is (a union); a typedef when its declaration is. That is propagated
// from what is finite by itself, in time linear in the schema. What is
// left over either lies on a cycle or contains something that does; only
// the bodies on cycles are reported, since the rest follow from them.
func (c *checker) finite() {
	type node struct {
		any     bool // a union: finite when any arm is
		pending int  // a struct or typedef: members not yet known finite
		fine    bool
		deps    []*node // what it is finite only through
		users   []*node
		body    *Type // a struct or union body, or nil for a typedef
		index   int   // for strongly connected components
		low     int
		onStack bool
	}
	nodes := map[any]*node{}
	get := func(key any) *node {
		n := nodes[key]
		if n == nil {
			n = &node{}
			nodes[key] = n
		}
		return n
	}
	// target is what a declaration is finite through, or nil if it is
	// finite by itself.
	target := func(d *Decl) *node {
		if d.Shape == Optional || d.Shape == Variable || d.Shape == Fixed && d.Size.Val == 0 {
			return nil
		}
		switch t := d.Type; t.Kind {
		case Struct, Union:
			return get(t)
		case Named:
			switch t.Def.Kind {
			case TypedefDef:
				return get(t.Def)
			case StructDef, UnionDef:
				return get(t.Def.Type)
			}
		}
		return nil
	}
	var queue []*node
	settle := func(n *node) {
		if !n.fine {
			n.fine = true
			queue = append(queue, n)
		}
	}
	need := func(n *node, d *Decl) {
		switch dep := target(d); {
		case dep == nil && n.any:
			settle(n)
		case dep != nil:
			n.deps = append(n.deps, dep)
			dep.users = append(dep.users, n)
			n.pending++
		}
	}
	var all []*node
	for _, t := range c.bodies {
		n := get(t)
		n.body = t
		all = append(all, n)
		switch t.Kind {
		case Struct:
			for _, f := range t.Fields {
				need(n, f)
			}
		case Union:
			n.any = true
			for _, cs := range t.Union.Cases {
				need(n, cs.Arm)
			}
			if t.Union.Default != nil {
				need(n, t.Union.Default)
			}
		}
	}
	for _, d := range c.spec.Defs {
		if d.Kind == TypedefDef {
			n := get(d)
			all = append(all, n)
			need(n, d.Decl)
		}
	}
	for _, n := range all {
		if !n.any && n.pending == 0 {
			settle(n)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, u := range n.users {
			if u.pending--; u.any || u.pending == 0 {
				settle(u)
			}
		}
	}

	// Tarjan's algorithm over what is not finite.
	index := 0
	var stack []*node
	var connect func(n *node)
	connect = func(n *node) {
		index++
		n.index, n.low = index, index
		stack = append(stack, n)
		n.onStack = true
		selfLoop := false
		for _, m := range n.deps {
			switch {
			case m.fine:
			case m == n:
				selfLoop = true
			case m.index == 0:
				connect(m)
				n.low = min(n.low, m.low)
			case m.onStack:
				n.low = min(n.low, m.index)
			}
		}
		if n.low != n.index {
			return
		}
		i := len(stack) - 1
		for stack[i] != n {
			i--
		}
		component := stack[i:]
		stack = stack[:i]
		for _, m := range component {
			m.onStack = false
			if m.body != nil && (len(component) > 1 || selfLoop) {
				c.errorf(m.body.Pos, "%s %s contains itself with no way to end: recursion must go through optional-data (*) or a variable-length array (<>)",
					m.body.Kind, c.names[m.body])
			}
		}
	}
	for _, n := range all {
		if !n.fine && n.index == 0 {
			connect(n)
		}
	}
}

// expr evaluates a %#define expression, refusing overflow, division by
// zero and shifts out of range.
func (c *checker) expr(v *Value) bool {
	if !c.value(v.X) {
		return false
	}
	x := new(big.Int).SetInt64(v.X.Val)
	r := new(big.Int)
	if v.Y == nil {
		switch v.Op {
		case "-":
			r.Neg(x)
		case "~":
			r.Not(x)
		default:
			r.Set(x)
		}
	} else {
		if !c.value(v.Y) {
			return false
		}
		y := new(big.Int).SetInt64(v.Y.Val)
		switch v.Op {
		case "+":
			r.Add(x, y)
		case "-":
			r.Sub(x, y)
		case "*":
			r.Mul(x, y)
		case "/", "%":
			if y.Sign() == 0 {
				c.errorf(v.Pos, "division by zero in %s", v)
				return false
			}
			if v.Op == "/" {
				r.Quo(x, y)
			} else {
				r.Rem(x, y)
			}
		case "<<", ">>":
			if v.Y.Val < 0 || v.Y.Val > 63 {
				c.errorf(v.Pos, "shift count out of range in %s", v)
				return false
			}
			if v.Op == "<<" {
				r.Lsh(x, uint(v.Y.Val))
			} else {
				r.Rsh(x, uint(v.Y.Val))
			}
		case "&":
			r.And(x, y)
		case "|":
			r.Or(x, y)
		case "^":
			r.Xor(x, y)
		}
	}
	if !r.IsInt64() {
		c.errorf(v.Pos, "constant %s out of range", v)
		return false
	}
	v.Val = r.Int64()
	return true
}
