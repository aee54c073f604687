package gen

import (
	"bytes"
	"fmt"
	"go/format"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/wirekit/wirekit/xdr/idl"
)

// Options configure Generate.
type Options struct {
	// Package is the Go package name of the generated files.
	Package string
}

// File is one generated Go source file.
type File struct {
	Name   string // e.g. "file_xdr.go" for file.x
	Source []byte // gofmt-formatted
}

// Generate writes Go code for every definition of spec: one file per .x
// file, all in one package (files refer to each other's types, as
// Stellar's do). Types rpcgen takes from its C library (netobj, u_int, ...)
// go into the first file.
func Generate(spec *idl.Spec, opt Options) ([]File, error) {
	if !isIdent(opt.Package) {
		return nil, fmt.Errorf("gen: %q is not a Go package name", opt.Package)
	}
	g := newGenerator(spec)

	var order []string
	byFile := map[string][]*idl.Def{}
	for _, d := range spec.Defs {
		f := d.Pos.File
		if f == "<rpcgen>" {
			continue
		}
		if _, seen := byFile[f]; !seen {
			order = append(order, f)
		}
		byFile[f] = append(byFile[f], d)
	}
	if len(order) == 0 {
		order = []string{""}
	}
	for _, d := range spec.Defs {
		if d.Pos.File == "<rpcgen>" {
			byFile[order[0]] = append([]*idl.Def{d}, byFile[order[0]]...)
		}
	}
	var files []File
	taken := scope{}
	for _, src := range order {
		base := strings.TrimSuffix(filepath.Base(src), ".x")
		if base == "" || base == "." {
			base = "xdr"
		}
		name := taken.take(strings.ReplaceAll(strings.ToLower(base), "-", "_")) + "_xdr.go"
		out, err := g.file(opt.Package, src, byFile[src])
		if err != nil {
			return nil, fmt.Errorf("gen: %s: %w", name, err)
		}
		files = append(files, File{Name: name, Source: out})
	}
	return files, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// newGenerator returns a generator for spec with every Go name assigned.
func newGenerator(spec *idl.Spec) *generator {
	g := &generator{spec: spec, names: map[any]string{}, global: scope{},
		fieldNames: map[*idl.Decl]string{}, arms: map[*idl.Type][]*arm{}, minSizes: map[*idl.Type]int{}}
	g.name()
	return g
}

type generator struct {
	spec       *idl.Spec
	names      map[any]string // Go names of Defs, bodies, enum values, versions, procedures
	global     scope
	fieldNames map[*idl.Decl]string
	arms       map[*idl.Type][]*arm // union body → its arms
	minSizes   map[*idl.Type]int
	bodies     []body // named and inline bodies, in order of appearance

	buf     *bytes.Buffer
	imports map[string]bool
	tmp     int
	needErr bool // the decoding function being written assigns err with =

	retPrefix string // results before the error in the function's returns
}

// body is a struct, union or enum body and the Go name it is emitted as.
type body struct {
	t     *idl.Type
	name  string
	xname string // the .x name, or a description for an inline body
	pos   idl.Pos
}

// arm is one arm of a union as Go sees it: a type named union name +
// suffix, holding the arm's member and, when the arm is shared by several
// case values or is the default, the discriminant.
type arm struct {
	name    string // Go type name
	c       *idl.Case
	decl    *idl.Decl
	def     bool   // the default arm
	disc    string // Go name of the discriminant field, "" if none
	field   string // Go name of the member, "" for void
	discTyp string
}

// name assigns every Go name up front, in definition order, so that
// references can be written in any order.
func (g *generator) name() {
	for _, d := range g.spec.Defs {
		goN := g.global.take(goName(d.Name))
		g.names[d] = goN
		switch d.Kind {
		case idl.EnumDef, idl.StructDef, idl.UnionDef:
			g.nameBody(d.Type, goN, d.Name, d.Pos)
		case idl.TypedefDef:
			if isBody(d.Decl.Type) {
				n := goN
				if d.Decl.Shape != idl.Scalar {
					n = g.global.take(goN + "Elem")
				}
				g.nameBody(d.Decl.Type, n, d.Name, d.Pos)
			}
		case idl.ProgramDef:
			for _, v := range d.Program.Versions {
				g.names[v] = g.global.take(goName(v.Name))
				for _, p := range v.Procs {
					if _, dup := g.names[p.Name]; dup {
						continue // the same procedure in another version
					}
					g.names[p.Name] = g.global.take(goName(p.Name))
				}
			}
		}
	}
}

func isBody(t *idl.Type) bool {
	return t.Kind == idl.Enum || t.Kind == idl.Struct || t.Kind == idl.Union
}

// nameBody names a body and everything inline in it: enum values, union
// arms, and inline bodies of members (parent name + member name).
func (g *generator) nameBody(t *idl.Type, goN, xname string, pos idl.Pos) {
	g.names[t] = goN
	g.bodies = append(g.bodies, body{t, goN, xname, pos})
	inner := func(d *idl.Decl, suffix string) {
		if isBody(d.Type) {
			g.nameBody(d.Type, g.global.take(goN+suffix), xname+"."+d.Name, d.Pos)
		}
	}
	switch t.Kind {
	case idl.Enum:
		for _, ev := range t.Enum {
			g.names[ev] = g.global.take(goName(ev.Name))
		}
	case idl.Struct:
		fields := scope{"MarshalXDR": true, "UnmarshalXDR": true}
		for _, f := range t.Fields {
			g.fieldNames[f] = fields.take(goName(f.Name))
			inner(f, goName(f.Name))
		}
	case idl.Union:
		u := t.Union
		inner(u.Disc, goName(u.Disc.Name))
		discTyp := g.scalarType(u.Disc.Type)
		add := func(c *idl.Case, d *idl.Decl, def bool) {
			a := &arm{name: g.global.take(goN + armName(c, def)), c: c, decl: d, def: def, discTyp: discTyp}
			fields := scope{"MarshalXDR": true, "UnmarshalXDR": true}
			if d.Type.Kind != idl.Void {
				a.field = fields.take(goName(d.Name))
				g.fieldNames[d] = a.field
				inner(d, armName(c, def))
			}
			if def || len(c.Values) > 1 {
				a.disc = fields.take(goName(u.Disc.Name))
			}
			g.arms[t] = append(g.arms[t], a)
		}
		for i, c := range u.Cases {
			if i == u.DefaultIndex {
				add(nil, u.Default, true)
			}
			add(c, c.Arm, false)
		}
		if u.Default != nil && u.DefaultIndex == len(u.Cases) {
			add(nil, u.Default, true)
		}
	}
}

// scalarType is the Go type of one value of t (without a declaration's
// array or optional shape).
func (g *generator) scalarType(t *idl.Type) string {
	switch t.Kind {
	case idl.Int:
		return "int32"
	case idl.Uint:
		return "uint32"
	case idl.Hyper:
		return "int64"
	case idl.Uhyper:
		return "uint64"
	case idl.Float:
		return "float32"
	case idl.Double:
		return "float64"
	case idl.Quadruple:
		return "xdr.Quadruple"
	case idl.Bool:
		return "bool"
	case idl.String:
		return "string"
	case idl.Opaque:
		return "byte"
	case idl.Named:
		return g.names[t.Def]
	}
	return g.names[t]
}

// goType is the Go type of a declaration.
func (g *generator) goType(d *idl.Decl) string {
	elem := g.scalarType(d.Type)
	switch d.Shape {
	case idl.Fixed:
		n, _ := d.Bound()
		return "[" + strconv.FormatUint(uint64(n), 10) + "]" + elem
	case idl.Variable:
		if d.Type.Kind == idl.String {
			return "string"
		}
		return "[]" + elem
	case idl.Optional:
		if g.isInterface(d.Type) {
			return elem // a nil union is the absent value
		}
		return "*" + elem
	}
	return elem
}

// isInterface reports whether values of t are a Go interface: a union, or
// a typedef that names one.
func (g *generator) isInterface(t *idl.Type) bool {
	r, shaped := t.Resolve()
	return shaped == nil && r.Kind == idl.Union
}

// isAlias reports whether typedef d becomes a Go alias rather than a new
// type: an optional (Go cannot put methods on a named pointer) or a union
// (nor on an interface).
func (g *generator) isAlias(d *idl.Def) bool {
	return d.Decl.Shape == idl.Optional || d.Decl.Shape == idl.Scalar && g.isInterface(d.Decl.Type) && !isBody(d.Decl.Type)
}

// minSize is a lower bound on the encoded size of a value of decl d,
// which bounds what decoding a variable-length array may allocate.
func (g *generator) minSize(d *idl.Decl) int {
	switch d.Shape {
	case idl.Optional, idl.Variable:
		return 4
	case idl.Fixed:
		n, _ := d.Bound()
		if d.Type.Kind == idl.Opaque {
			return (int(n) + 3) &^ 3
		}
		return int(n) * g.minTypeSize(d.Type)
	}
	return g.minTypeSize(d.Type)
}

func (g *generator) minTypeSize(t *idl.Type) int {
	switch t.Kind {
	case idl.Void:
		return 0
	case idl.Hyper, idl.Uhyper, idl.Double:
		return 8
	case idl.Quadruple:
		return 16
	case idl.Named:
		if t.Def.Kind == idl.TypedefDef {
			return g.minSize(t.Def.Decl)
		}
		return g.minTypeSize(t.Def.Type)
	case idl.Struct, idl.Union:
		if n, ok := g.minSizes[t]; ok {
			return n
		}
		// A body met again while it is measured is on a recursive path;
		// 4 (its discriminant or a flag) is a safe lower bound there.
		g.minSizes[t] = 4
		n := 0
		if t.Kind == idl.Struct {
			for _, f := range t.Fields {
				n += g.minSize(f)
			}
		} else {
			arms := -1
			for _, c := range t.Union.Cases {
				if m := g.minSize(c.Arm); arms < 0 || m < arms {
					arms = m
				}
			}
			if t.Union.Default != nil {
				if m := g.minSize(t.Union.Default); arms < 0 || m < arms {
					arms = m
				}
			}
			n = 4 + max(arms, 0)
		}
		g.minSizes[t] = n
		return n
	}
	return 4
}

func (g *generator) p(format string, args ...any) {
	fmt.Fprintf(g.buf, format, args...)
	g.buf.WriteByte('\n')
}

// temp returns a fresh local variable name with the prefix.
func (g *generator) temp(prefix string) string {
	g.tmp++
	return prefix + strconv.Itoa(g.tmp)
}

func (g *generator) file(pkg, src string, defs []*idl.Def) ([]byte, error) {
	g.buf = new(bytes.Buffer)
	g.imports = map[string]bool{}
	for _, d := range defs {
		g.def(d)
	}
	code := g.buf.Bytes()

	var head bytes.Buffer
	fmt.Fprintf(&head, "// Code generated by wirectl gen from %s. DO NOT EDIT.\n\n", filepath.Base(src))
	fmt.Fprintf(&head, "package %s\n\n", pkg)
	var imps []string
	for imp := range g.imports {
		imps = append(imps, strconv.Quote(imp))
	}
	sort.Strings(imps)
	if len(imps) > 0 {
		fmt.Fprintf(&head, "import (\n%s\n)\n\n", strings.Join(imps, "\n"))
	}
	head.Write(code)
	out, err := format.Source(head.Bytes())
	if err != nil {
		return head.Bytes(), fmt.Errorf("generated code does not parse (a bug in xdr/gen): %w", err)
	}
	return out, nil
}

func (g *generator) def(d *idl.Def) {
	switch d.Kind {
	case idl.ConstDef:
		g.p("// %s is const %s from %s.", g.names[d], d.Name, where(d.Pos))
		g.p("const %s = %s\n", g.names[d], constValue(d.Value))
	case idl.EnumDef, idl.StructDef, idl.UnionDef:
		g.bodiesOf(d.Type)
	case idl.TypedefDef:
		g.typedef(d)
	case idl.ProgramDef:
		g.program(d.Program)
	}
}

// where is a position for a comment: file name and line.
func where(p idl.Pos) string {
	return filepath.Base(p.File) + ":" + strconv.Itoa(p.Line)
}

// constValue is a constant as Go source: a decimal or hex literal as the
// .x file wrote it, anything else (octal, names, expressions) by value.
func constValue(v *idl.Value) string {
	if v.IsString() {
		if s, err := strconv.Unquote(v.Lit); err == nil {
			return strconv.Quote(s)
		}
		return strconv.Quote(v.Lit[1 : len(v.Lit)-1])
	}
	digits := strings.TrimPrefix(v.Lit, "-")
	octal := len(digits) > 1 && digits[0] == '0' && digits[1] != 'x' && digits[1] != 'X'
	if v.Name == "" && v.Op == "" && !octal {
		return v.Lit
	}
	return strconv.FormatInt(v.Val, 10)
}

// bodiesOf emits the body t and the inline bodies within it.
func (g *generator) bodiesOf(t *idl.Type) {
	for _, b := range g.bodies {
		if b.t == t {
			g.body(b)
		}
	}
	inner := func(d *idl.Decl) {
		if isBody(d.Type) {
			g.bodiesOf(d.Type)
		}
	}
	switch t.Kind {
	case idl.Struct:
		for _, f := range t.Fields {
			inner(f)
		}
	case idl.Union:
		inner(t.Union.Disc)
		for _, c := range t.Union.Cases {
			inner(c.Arm)
		}
		if t.Union.Default != nil {
			inner(t.Union.Default)
		}
	}
}

func (g *generator) body(b body) {
	switch b.t.Kind {
	case idl.Enum:
		g.enum(b)
	case idl.Struct:
		g.structure(b)
	case idl.Union:
		g.union(b)
	}
}

func (g *generator) enum(b body) {
	n := b.name
	g.imports["strconv"] = true
	g.p("// %s is enum %s from %s.", n, b.xname, where(b.pos))
	g.p("type %s int32\n", n)
	g.p("const (")
	for _, ev := range b.t.Enum {
		g.p("%s %s = %d", g.names[ev], n, ev.Val)
	}
	g.p(")\n")
	g.p("// String returns the .x name of the value.")
	g.p("func (v %s) String() string {", n)
	g.p("switch v {")
	for _, ev := range b.t.Enum {
		g.p("case %s: return %q", g.names[ev], ev.Name)
	}
	g.p("}")
	g.p("return %q + strconv.FormatInt(int64(v), 10) + \")\"", n+"(")
	g.p("}\n")
	g.p("// Valid reports whether v is one of the enum's values.")
	g.p("func (v %s) Valid() bool { return valid%s(int32(v)) }\n", n, n)
	g.p("// ValidEnum is Valid for the xdr package's reflection codec.")
	g.p("func (%s) ValidEnum(v int32) bool { return valid%s(v) }\n", n, n)
	g.p("func valid%s(v int32) bool {", n)
	g.p("switch v {")
	var vals []string
	for _, ev := range b.t.Enum {
		vals = append(vals, strconv.FormatInt(ev.Val, 10))
	}
	g.p("case %s: return true", strings.Join(vals, ", "))
	g.p("}")
	g.p("return false")
	g.p("}\n")
	g.methods(n, b.xname, &idl.Decl{Name: "", Type: b.t})
}

// methods emits MarshalXDR and UnmarshalXDR for the named type n whose
// encoding is that of decl d (d's name is not a path element), and the
// binary methods; xname is the .x name.
func (g *generator) methods(n, xname string, d *idl.Decl) {
	g.p("// MarshalXDR appends the XDR encoding of v to e.")
	g.p("func (v *%s) MarshalXDR(e *xdr.Encoder) error {", n)
	g.enc("(*v)", n, d, "")
	g.p("return nil")
	g.p("}\n")
	g.p("// UnmarshalXDR reads v's XDR encoding from d.")
	g.p("func (v *%s) UnmarshalXDR(d *xdr.Decoder) error {", n)
	g.decBody(func() { g.dec("(*v)", n, d, "") })
	g.p("return nil")
	g.p("}\n")
	g.binary(n, xname)
}

// binary emits the encoding.BinaryMarshaler, BinaryAppender and
// BinaryUnmarshaler methods: the fast way in and out, without reflection
// (and, for AppendBinary into a buffer with room, without allocation).
func (g *generator) binary(n, xname string) {
	g.imports["github.com/wirekit/wirekit/xdr"] = true
	g.imports["sync/atomic"] = true
	g.p("// xdrSize%s is the size of the last value MarshalBinary wrote: the", n)
	g.p("// capacity it starts with.")
	g.p("var xdrSize%s atomic.Int64\n", n)
	g.p("// MarshalBinary returns the XDR encoding of v.")
	g.p("func (v *%s) MarshalBinary() ([]byte, error) {", n)
	g.p("hint := xdrSize%s.Load()", n)
	g.p("b, err := v.AppendBinary(make([]byte, 0, hint))")
	g.p("if err == nil && int64(len(b)) != hint {")
	g.p("xdrSize%s.Store(int64(len(b)))", n)
	g.p("}")
	g.p("return b, err")
	g.p("}\n")
	g.p("// AppendBinary appends the XDR encoding of v to b.")
	g.p("func (v *%s) AppendBinary(b []byte) ([]byte, error) {", n)
	g.p("var e xdr.Encoder")
	g.p("e.Reset(b, xdr.DefaultLimits)")
	g.p("if err := v.MarshalXDR(&e); err != nil {")
	g.p("return b, xdr.WithField(err, %q)", xname)
	g.p("}")
	g.p("return e.Bytes(), nil")
	g.p("}\n")
	g.p("// UnmarshalBinary decodes data, which must hold exactly one XDR value, into v.")
	g.p("func (v *%s) UnmarshalBinary(data []byte) error {", n)
	g.p("var d xdr.Decoder")
	g.p("if err := d.Reset(data, xdr.DefaultLimits); err != nil {")
	g.p("return xdr.WithField(err, %q)", xname)
	g.p("}")
	g.p("if err := v.UnmarshalXDR(&d); err != nil {")
	g.p("return xdr.WithField(err, %q)", xname)
	g.p("}")
	g.p("return d.Done()")
	g.p("}\n")
}

func (g *generator) structure(b body) {
	g.p("// %s is struct %s from %s.", b.name, b.xname, where(b.pos))
	g.p("type %s struct {", b.name)
	for _, f := range b.t.Fields {
		g.p("%s %s %s", g.fieldNames[f], g.goType(f), tag(f))
	}
	g.p("}\n")
	g.p("// MarshalXDR appends the XDR encoding of v to e.")
	g.p("func (v *%s) MarshalXDR(e *xdr.Encoder) error {", b.name)
	for _, f := range b.t.Fields {
		g.enc("v."+g.fieldNames[f], g.goType(f), f, f.Name)
	}
	g.p("return nil")
	g.p("}\n")
	g.p("// UnmarshalXDR reads v's XDR encoding from d.")
	g.p("func (v *%s) UnmarshalXDR(d *xdr.Decoder) error {", b.name)
	g.decBody(func() {
		fields := b.t.Fields
		for len(fields) > 0 {
			// Members of fixed size in a row are read with one bounds
			// check. A fixed opaque alone is left to dec, so that on a
			// stream it fails where FixedOpaque does.
			run, size := 0, 0
			for run < len(fields) {
				n, ok := g.fixedSize(fields[run])
				if !ok || size+n > maxRun {
					break
				}
				size += n
				run++
			}
			if run >= 2 || run == 1 && !(fields[0].Shape == idl.Fixed && fields[0].Type.Kind == idl.Opaque) {
				g.decRun(fields[:run], size)
				fields = fields[run:]
				continue
			}
			f := fields[0]
			g.dec("v."+g.fieldNames[f], g.goType(f), f, f.Name)
			fields = fields[1:]
		}
	})
	g.p("return nil")
	g.p("}\n")
	g.binary(b.name, b.xname)
}

// tag is the struct tag that tells the reflection codec a member's bound.
func tag(d *idl.Decl) string {
	if n, ok := d.Bound(); ok && d.Shape == idl.Variable {
		return fmt.Sprintf("`xdr:\"max=%d\"`", n)
	}
	return ""
}

func (g *generator) typedef(d *idl.Def) {
	n := g.names[d]
	decl := d.Decl
	if isBody(decl.Type) && decl.Shape == idl.Scalar {
		g.bodiesOf(decl.Type) // typedef struct { ... } name;
		return
	}
	if isBody(decl.Type) {
		g.bodiesOf(decl.Type)
	}
	g.p("// %s is typedef %s from %s.", n, d.Name, where(d.Pos))
	if g.isAlias(d) {
		// Go has no methods on named pointers or interfaces: an alias.
		g.p("type %s = %s\n", n, g.goType(decl))
		return
	}
	g.p("type %s %s\n", n, g.goType(decl))
	g.methods(n, d.Name, decl)
}

func (g *generator) program(p *idl.Program) {
	g.p("// Program %s, its versions and procedures.", p.Name)
	g.p("const (")
	g.p("%s = %s", g.names[g.spec.Lookup(p.Name)], constValue(p.Number))
	done := map[string]bool{}
	for _, v := range p.Versions {
		g.p("%s = %s", g.names[v], constValue(v.Number))
		for _, proc := range v.Procs {
			if done[proc.Name] {
				continue
			}
			done[proc.Name] = true
			g.p("%s = %s // %s", g.names[proc.Name], constValue(proc.Number), procSignature(proc))
		}
	}
	g.p(")\n")
}

func procSignature(p *idl.Proc) string {
	typeName := func(t *idl.Type) string {
		if t.Kind == idl.Named {
			return t.Name
		}
		return t.Kind.String()
	}
	args := make([]string, len(p.Args))
	for i, a := range p.Args {
		args[i] = typeName(a)
	}
	return fmt.Sprintf("%s %s(%s)", typeName(p.Result), p.Name, strings.Join(args, ", "))
}

// ret writes the statement that returns err from a method, naming the
// path element, which may be an index path.
func (g *generator) ret(err, path string) {
	if strings.HasPrefix(path, "\x00") {
		parts := strings.SplitN(path[1:], "\x00", 2)
		g.imports["strconv"] = true
		err = fmt.Sprintf("xdr.WithField(%s, \"[\"+strconv.Itoa(%s)+\"]\")", err, parts[1])
		path = parts[0]
	}
	if path == "" {
		g.p("return %s%s", g.retPrefix, err)
		return
	}
	g.p("return %sxdr.WithField(%s, %q)", g.retPrefix, err, path)
}

// enc writes statements that encode the value expr (an addressable
// expression of Go type typ) as declaration d; errors name path.
func (g *generator) enc(expr, typ string, d *idl.Decl, path string) {
	switch d.Shape {
	case idl.Optional:
		elem := g.scalarType(d.Type)
		g.p("if %s == nil {", expr)
		g.p("e.PutOptional(false)")
		g.p("} else {")
		g.p("e.PutOptional(true)")
		g.p("if err := e.Enter(); err != nil {")
		g.ret("err", path)
		g.p("}")
		if g.isInterface(d.Type) {
			g.encScalar(expr, elem, d.Type, path)
		} else {
			g.encScalar("(*"+expr+")", elem, d.Type, path)
		}
		g.p("e.Leave()")
		g.p("}")
	case idl.Fixed:
		if d.Type.Kind == idl.Opaque {
			g.p("e.PutFixedOpaque(%s[:])", expr)
			return
		}
		i := g.temp("i")
		g.p("for %s := range %s {", i, expr)
		g.encScalar(expr+"["+i+"]", g.scalarType(d.Type), d.Type, indexPath(path, i))
		g.p("}")
	case idl.Variable:
		bound := g.boundOf(d)
		switch d.Type.Kind {
		case idl.String:
			str := expr
			if typ != "string" {
				str = "string(" + expr + ")"
			}
			g.p("if err := e.PutString(%s, %s); err != nil {", str, bound)
			g.ret("err", path)
			g.p("}")
			return
		case idl.Opaque:
			g.p("if err := e.PutOpaque(%s, %s); err != nil {", expr, bound)
			g.ret("err", path)
			g.p("}")
			return
		}
		g.p("if err := e.PutArrayLen(len(%s), %s); err != nil {", expr, bound)
		g.ret("err", path)
		g.p("}")
		g.p("if err := e.Enter(); err != nil {")
		g.ret("err", path)
		g.p("}")
		i := g.temp("i")
		g.p("for %s := range %s {", i, expr)
		g.encScalar(expr+"["+i+"]", g.scalarType(d.Type), d.Type, indexPath(path, i))
		g.p("}")
		g.p("e.Leave()")
	default:
		g.encScalar(expr, typ, d.Type, path)
	}
}

// indexPath is the Go expression of a path element for element i: the
// error names "[3]" after the member's name.
func indexPath(path, i string) string {
	return "\x00" + path + "\x00" + i
}

// boundOf is the Go expression of d's bound.
func (g *generator) boundOf(d *idl.Decl) string {
	if n, ok := d.Bound(); ok {
		return strconv.FormatUint(uint64(n), 10)
	}
	g.imports["math"] = true
	return "math.MaxUint32"
}

// encScalar encodes expr (of Go type typ) as one value of t.
func (g *generator) encScalar(expr, typ string, t *idl.Type, path string) {
	call := func(format string, args ...any) {
		g.p("if err := "+format+"; err != nil {", args...)
		g.ret("err", path)
		g.p("}")
	}
	switch t.Kind {
	case idl.Int:
		g.p("e.PutInt32(int32(%s))", expr)
	case idl.Uint:
		g.p("e.PutUint32(uint32(%s))", expr)
	case idl.Hyper:
		g.p("e.PutInt64(int64(%s))", expr)
	case idl.Uhyper:
		g.p("e.PutUint64(uint64(%s))", expr)
	case idl.Float:
		g.p("e.PutFloat32(float32(%s))", expr)
	case idl.Double:
		g.p("e.PutFloat64(float64(%s))", expr)
	case idl.Bool:
		g.p("e.PutBool(bool(%s))", expr)
	case idl.Quadruple:
		g.p("e.PutFixedOpaque(%s[:])", expr)
	case idl.Enum:
		n := g.names[t]
		g.p("if !valid%s(int32(%s)) {", n, expr)
		g.ret(fmt.Sprintf("xdr.NewError(e.Offset(), xdr.ErrInvalidEnum, \"enum value %%d is not valid for %s\", %s)", n, expr), path)
		g.p("}")
		g.p("e.PutInt32(int32(%s))", expr)
	case idl.Struct:
		n := g.names[t]
		call("%s.MarshalXDR(e)", convertPtr(expr, typ, n))
	case idl.Union:
		call("encode%s(e, %s)", g.names[t], expr)
	case idl.Named:
		def := t.Def
		if def.Kind == idl.TypedefDef {
			if g.isAlias(def) || !isBody(def.Decl.Type) || def.Decl.Shape != idl.Scalar {
				g.enc(expr, typ, def.Decl, path)
				return
			}
			g.encScalar(expr, typ, def.Decl.Type, path)
			return
		}
		g.encScalar(expr, typ, def.Type, path)
	}
}

// conv is x, of Go type natural, converted to typ.
func conv(typ, natural, x string) string {
	if typ == natural {
		return x
	}
	return typ + "(" + x + ")"
}

// convertPtr is &expr as a *n: expr's type typ may be a typedef of n.
func convertPtr(expr, typ, n string) string {
	if typ == n {
		return "(" + addr(expr) + ")"
	}
	return "(*" + n + ")(" + addr(expr) + ")"
}

// addr is &expr, written p for an expr (*p).
func addr(expr string) string {
	if strings.HasPrefix(expr, "(*") && strings.HasSuffix(expr, ")") && !strings.ContainsAny(expr[2:len(expr)-1], "()[] ") {
		return expr[2 : len(expr)-1]
	}
	return "&" + expr
}

// dec writes statements that decode declaration d into lhs (an
// addressable expression of Go type typ).
func (g *generator) dec(lhs, typ string, d *idl.Decl, path string) {
	switch d.Shape {
	case idl.Optional:
		elem := g.scalarType(d.Type)
		b, x := g.temp("b"), g.temp("x")
		g.peek(b, "4", path, false)
		g.p("switch %s := binary.BigEndian.Uint32(%s); %s {", x, b, x)
		g.p("case 0:")
		g.p("%s = nil", lhs)
		g.p("case 1:")
		g.p("if err := d.Enter(); err != nil {")
		g.ret("err", path)
		g.p("}")
		if g.isInterface(d.Type) {
			g.decScalar(lhs, elem, d.Type, path)
		} else {
			p := g.temp("p")
			g.p("%s := new(%s)", p, elem)
			g.decScalar("(*"+p+")", elem, d.Type, path)
			g.p("%s = %s", lhs, p)
		}
		g.p("d.Leave()")
		g.p("default:")
		g.ret(fmt.Sprintf("xdr.NewError(d.Offset()-4, xdr.ErrInvalidBool, \"optional-data flag %%d is not 0 or 1\", %s)", x), path)
		g.p("}")
	case idl.Fixed:
		if d.Type.Kind == idl.Opaque {
			// In place when Peek holds it and its padding is zero.
			n, _ := d.Bound()
			cond := fmt.Sprintf("len(b) >= %d", (n+3)&^3)
			for i := n; i&3 != 0; i++ {
				cond += fmt.Sprintf(" && b[%d] == 0", i)
			}
			g.p("if b := d.Peek(); %s {", cond)
			g.p("copy(%s[:], b)", lhs)
			g.p("d.Skip(%d)", (n+3)&^3)
			g.p("} else if err := d.FixedOpaque(%s[:]); err != nil {", lhs)
			g.ret("err", path)
			g.p("}")
			return
		}
		i := g.temp("i")
		g.p("for %s := range %s {", i, lhs)
		g.decScalar(lhs+"["+i+"]", g.scalarType(d.Type), d.Type, indexPath(path, i))
		g.p("}")
	case idl.Variable:
		bound := g.boundOf(d)
		switch d.Type.Kind {
		case idl.String, idl.Opaque:
			// In place when Peek holds it all and it is valid; else the
			// primitive, which reads more input or reports the error.
			fn, natural := "String", "string"
			if d.Type.Kind == idl.Opaque {
				fn, natural = "Opaque", "[]byte"
			}
			x := g.temp("x")
			g.needErr = true
			g.p("var %s %s", x, natural)
			g.p("if b, n, ok := d.PeekBytes(%s); ok {", bound)
			g.p("d.Skip(n)")
			if d.Type.Kind == idl.Opaque {
				g.p("if len(b) > 0 {") // an empty opaque is nil
				g.p("%s = make([]byte, len(b))", x)
				g.p("copy(%s, b)", x)
				g.p("}")
			} else {
				g.p("%s = string(b)", x)
			}
			g.p("} else if %s, err = d.%s(%s); err != nil {", x, fn, bound)
			g.ret("err", path)
			g.p("}")
			g.p("%s = %s", lhs, conv(typ, natural, x))
			return
		}
		n, s, i := g.temp("n"), g.temp("s"), g.temp("i")
		g.needErr = true
		g.p("%s, ok := d.PeekArrayLen(%s, %d)", n, bound, g.minTypeSize(d.Type))
		g.p("if ok {")
		g.p("d.Skip(4)")
		g.p("} else if %s, err = d.ArrayLen(%s, %d); err != nil {", n, bound, g.minTypeSize(d.Type))
		g.ret("err", path)
		g.p("}")
		g.p("if err := d.Enter(); err != nil {")
		g.ret("err", path)
		g.p("}")
		g.p("var %s %s", s, typ)
		g.p("if %s > 0 {", n)
		g.p("%s = make(%s, %s)", s, typ, n)
		g.p("}")
		if k, enum, ok := fixedBase(d.Type); ok {
			// Elements of fixed size are read a block e at a time.
			per := baseSize(k)
			j, e, b := g.temp("j"), g.temp("e"), g.temp("b")
			g.p("for %s := 0; %s < %s; {", i, i, n)
			g.p("%s := %s[%s:min(%s+%d, %s)]", e, s, i, i, 1024/per, n)
			g.peek(b, fmt.Sprintf("len(%s)*%d", e, per), indexPath(path, i), false)
			g.p("for %s := range %s {", j, e)
			at := fmt.Sprintf("%d*%s", per, j)
			g.decFixed(e+"["+j+"]", g.scalarType(d.Type), k, enum, fmt.Sprintf("%s[%s:%s+%d]", b, at, at, per),
				fmt.Sprintf("d.Offset()-int64(len(%s)*%d-%s)", e, per, at), indexPath(path, i+"+"+j))
			g.p("}")
			g.p("%s += len(%s)", i, e)
			g.p("}")
		} else {
			g.p("for %s := range %s {", i, s)
			g.decScalar(s+"["+i+"]", g.scalarType(d.Type), d.Type, indexPath(path, i))
			g.p("}")
		}
		g.p("%s = %s", lhs, s)
		g.p("d.Leave()")
	default:
		g.decScalar(lhs, typ, d.Type, path)
	}
}

// decScalar decodes one value of t into lhs (of Go type typ).
func (g *generator) decScalar(lhs, typ string, t *idl.Type, path string) {
	switch t.Kind {
	case idl.Int, idl.Uint, idl.Hyper, idl.Uhyper, idl.Float, idl.Double, idl.Bool:
		// As a run of one member.
		b, size := g.temp("b"), baseSize(t.Kind)
		g.peek(b, strconv.Itoa(size), path, false)
		expr, where := word(b, 0, size)
		g.decFixed(lhs, typ, t.Kind, nil, expr, where, path)
	case idl.Quadruple:
		g.p("if err := d.FixedOpaque(%s[:]); err != nil {", lhs)
		g.ret("err", path)
		g.p("}")
	case idl.Enum:
		b := g.temp("b")
		g.peek(b, "4", path, false)
		expr, where := word(b, 0, 4)
		g.decFixed(lhs, typ, idl.Enum, t, expr, where, path)
	case idl.Struct:
		g.p("if err := %s.UnmarshalXDR(d); err != nil {", convertPtr(lhs, typ, g.names[t]))
		g.ret("err", path)
		g.p("}")
	case idl.Union:
		x := g.temp("u")
		g.p("%s, err := decode%s(d)", x, g.names[t])
		g.p("if err != nil {")
		g.ret("err", path)
		g.p("}")
		g.p("%s = %s", lhs, x)
	case idl.Named:
		def := t.Def
		if def.Kind == idl.TypedefDef {
			if g.isAlias(def) || !isBody(def.Decl.Type) || def.Decl.Shape != idl.Scalar {
				g.dec(lhs, typ, def.Decl, path)
				return
			}
			g.decScalar(lhs, typ, def.Decl.Type, path)
			return
		}
		g.decScalar(lhs, typ, def.Type, path)
	}
}

// maxRun bounds the bytes of a run of fixed-size members decoded at once
// (xdr.Decoder.Next's limit is 1 KiB).
const maxRun = 256

// fixedBase resolves t through typedefs without a shape to a base kind
// that has a fixed 4- or 8-byte encoding, with the enum body for enums.
func fixedBase(t *idl.Type) (idl.TypeKind, *idl.Type, bool) {
	r, shaped := t.Resolve()
	if shaped != nil {
		return 0, nil, false
	}
	switch r.Kind {
	case idl.Int, idl.Uint, idl.Float, idl.Bool, idl.Enum, idl.Hyper, idl.Uhyper, idl.Double:
		return r.Kind, r, true
	}
	return 0, nil, false
}

func baseSize(k idl.TypeKind) int {
	switch k {
	case idl.Hyper, idl.Uhyper, idl.Double:
		return 8
	}
	return 4
}

// fixedSize is the encoded size of a member that a run can decode: a
// scalar of a fixed-size base type, a fixed array of one, or a fixed
// opaque, written in the member itself.
func (g *generator) fixedSize(d *idl.Decl) (int, bool) {
	switch d.Shape {
	case idl.Scalar:
		if k, _, ok := fixedBase(d.Type); ok {
			return baseSize(k), true
		}
	case idl.Fixed:
		n, _ := d.Bound()
		if d.Type.Kind == idl.Opaque {
			return (int(n) + 3) &^ 3, n <= maxRun
		}
		if k, _, ok := fixedBase(d.Type); ok && int(n)*8 <= maxRun {
			return int(n) * baseSize(k), true
		}
	}
	return 0, false
}

// decBody writes the statements of a decoding function, with body, and
// declares err for them if they assign it.
func (g *generator) decBody(body func()) {
	at := g.buf.Len()
	g.needErr = false
	body()
	if g.needErr {
		rest := bytes.Clone(g.buf.Bytes()[at:])
		g.buf.Truncate(at)
		g.p("var err error")
		g.buf.Write(rest)
	}
	g.needErr = false
}

// peek writes statements that set the new variable b to the next size
// bytes of input (size is a Go expression) and consume them: in place when
// Decoder.Peek holds them, else through Next, which reads more input or
// fails. b may hold more unless exact, which cuts it to size so that the
// compiler knows its length where several values are read from it.
func (g *generator) peek(b, size, path string, exact bool) {
	g.needErr = true
	g.imports["encoding/binary"] = true // to decode b
	g.p("%s := d.Peek()", b)
	g.p("if len(%s) >= %s {", b, size)
	g.p("d.Skip(%s)", size)
	g.p("} else if %s, err = d.Next(%s); err != nil {", b, size)
	g.ret("err", path)
	g.p("}")
	if exact {
		g.p("%s = %s[:%s]", b, b, size)
	}
}

// word is the Go expression of b from byte at of a run of size bytes that
// ends at d.Offset(), and of that byte's offset, for errors.
func word(b string, at, size int) (expr, where string) {
	if at == 0 {
		expr = b
	} else {
		expr = fmt.Sprintf("%s[%d:]", b, at)
	}
	return expr, fmt.Sprintf("d.Offset()-%d", size-at)
}

// decRun decodes the members fields, all of fixed size, from one slice
// of size bytes.
func (g *generator) decRun(fields []*idl.Decl, size int) {
	b := g.temp("b")
	g.peek(b, strconv.Itoa(size), fields[0].Name, len(fields) > 1 || fields[0].Shape == idl.Fixed)
	off := 0
	for _, f := range fields {
		lhs, typ := "v."+g.fieldNames[f], g.goType(f)
		switch {
		case f.Shape == idl.Fixed && f.Type.Kind == idl.Opaque:
			n, _ := f.Bound()
			g.p("copy(%s[:], %s[%d:%d])", lhs, b, off, off+int(n))
			if pad := (int(n)+3)&^3 - int(n); pad > 0 {
				j, c := g.temp("j"), g.temp("c")
				g.p("for %s, %s := range %s[%d:%d] {", j, c, b, off+int(n), off+int(n)+pad)
				g.p("if %s != 0 {", c)
				g.ret(fmt.Sprintf("xdr.NewError(d.Offset()-%d+int64(%s), xdr.ErrPadding, \"padding byte is 0x%%02x, not zero\", %s)", size-off-int(n), j, c), f.Name)
				g.p("}")
				g.p("}")
			}
			off += (int(n) + 3) &^ 3
		case f.Shape == idl.Fixed:
			n, _ := f.Bound()
			k, enum, _ := fixedBase(f.Type)
			i := g.temp("i")
			g.p("for %s := range %d {", i, n)
			at := fmt.Sprintf("%d*%s", baseSize(k), i)
			if off > 0 {
				at = fmt.Sprintf("%d+%s", off, at)
			}
			g.decFixed(fmt.Sprintf("%s[%s]", lhs, i), g.scalarType(f.Type), k, enum, fmt.Sprintf("%s[%s:]", b, at),
				fmt.Sprintf("d.Offset()-int64(%d-(%s))", size, at), indexPath(f.Name, i))
			g.p("}")
			off += int(n) * baseSize(k)
		default:
			k, enum, _ := fixedBase(f.Type)
			expr, where := word(b, off, size)
			g.decFixed(lhs, typ, k, enum, expr, where, f.Name)
			off += baseSize(k)
		}
	}
}

// decFixed decodes one value of base kind k from the bytes b (a Go
// expression of a []byte that starts with it) into lhs of Go type typ;
// where is the Go expression of its offset, for errors.
func (g *generator) decFixed(lhs, typ string, k idl.TypeKind, enum *idl.Type, b, where string, path string) {
	u32 := fmt.Sprintf("binary.BigEndian.Uint32(%s)", b)
	u64 := fmt.Sprintf("binary.BigEndian.Uint64(%s)", b)
	g.imports["encoding/binary"] = true
	switch k {
	case idl.Int:
		g.p("%s = %s", lhs, conv(typ, "int32", "int32("+u32+")"))
	case idl.Uint:
		g.p("%s = %s", lhs, conv(typ, "uint32", u32))
	case idl.Hyper:
		g.p("%s = %s", lhs, conv(typ, "int64", "int64("+u64+")"))
	case idl.Uhyper:
		g.p("%s = %s", lhs, conv(typ, "uint64", u64))
	case idl.Float:
		g.imports["math"] = true
		g.p("%s = %s", lhs, conv(typ, "float32", "math.Float32frombits("+u32+")"))
	case idl.Double:
		g.imports["math"] = true
		g.p("%s = %s", lhs, conv(typ, "float64", "math.Float64frombits("+u64+")"))
	case idl.Bool:
		x := g.temp("x")
		g.p("switch %s := %s; %s {", x, u32, x)
		g.p("case 0, 1:")
		g.p("%s = %s == 1", lhs, x)
		g.p("default:")
		g.ret(fmt.Sprintf("xdr.NewError(%s, xdr.ErrInvalidBool, \"bool value %%d is not 0 or 1\", %s)", where, x), path)
		g.p("}")
	case idl.Enum:
		x := g.temp("x")
		g.p("%s := int32(%s)", x, u32)
		g.p("if !valid%s(%s) {", g.names[enum], x)
		g.ret(fmt.Sprintf("xdr.NewError(%s, xdr.ErrInvalidEnum, \"enum value %%d is not valid\", %s)", where, x), path)
		g.p("}")
		g.p("%s = %s(%s)", lhs, typ, x)
	}
}

// union emits the interface, one type per arm with its methods (the arm's
// body only, as the xdr package's union scheme has it), the encode and
// decode functions that add the discriminant, and the registration that
// lets the reflection codec handle the interface too.
func (g *generator) union(b body) {
	u := b.t.Union
	n := b.name
	arms := g.arms[b.t]
	g.imports["github.com/wirekit/wirekit/xdr"] = true
	g.p("// %s is union %s from %s, switched on %s. It holds one of", n, b.xname, where(b.pos), u.Disc.Name)
	var names []string
	for _, a := range arms {
		names = append(names, "*"+a.name)
	}
	g.p("// %s; nil is not a valid value.", strings.Join(names, ", "))
	g.p("type %s interface{ is%s() }\n", n, n)

	for _, a := range arms {
		switch {
		case a.def:
			g.p("// %s is the default arm of %s.", a.name, n)
		default:
			var labels []string
			for _, v := range a.c.Values {
				labels = append(labels, v.String())
			}
			g.p("// %s is the arm of %s for %s.", a.name, n, strings.Join(labels, ", "))
		}
		g.p("type %s struct {", a.name)
		if a.disc != "" {
			g.p("%s %s `xdr:\"discriminant\"`", a.disc, a.discTyp)
		}
		if a.field != "" {
			g.p("%s %s %s", a.field, g.goType(a.decl), tag(a.decl))
		}
		g.p("}\n")
		g.p("func (*%s) is%s() {}\n", a.name, n)
		g.p("// MarshalXDR appends the arm's body (without the discriminant) to e.")
		g.p("func (v *%s) MarshalXDR(e *xdr.Encoder) error {", a.name)
		if a.field != "" {
			g.enc("v."+a.field, g.goType(a.decl), a.decl, a.decl.Name)
		}
		g.p("return nil")
		g.p("}\n")
		g.p("// UnmarshalXDR reads the arm's body (after the discriminant) from d.")
		g.p("func (v *%s) UnmarshalXDR(d *xdr.Decoder) error {", a.name)
		if a.field != "" {
			g.decBody(func() { g.dec("v."+a.field, g.goType(a.decl), a.decl, a.decl.Name) })
		}
		g.p("return nil")
		g.p("}\n")
	}

	discKind, enumBody := g.discKind(u.Disc.Type)
	label := func(v *idl.Value) string {
		switch discKind {
		case idl.Bool:
			return strconv.FormatBool(v.Val != 0)
		case idl.Enum:
			for _, ev := range enumBody.Enum {
				if ev.Val == v.Val {
					return g.names[ev]
				}
			}
		}
		return strconv.FormatInt(v.Val, 10)
	}
	put := map[idl.TypeKind]string{idl.Int: "e.PutInt32(int32(%s))", idl.Uint: "e.PutUint32(uint32(%s))",
		idl.Enum: "e.PutInt32(int32(%s))", idl.Bool: "e.PutBool(bool(%s))"}[discKind]
	// The discriminant field may be of a typedef of the discriminant's
	// type: switches convert it to the type of the case labels.
	base := map[idl.TypeKind]string{idl.Int: "int32", idl.Uint: "uint32", idl.Bool: "bool"}[discKind]
	if discKind == idl.Enum {
		base = g.names[enumBody]
	}
	var allLabels []string
	for _, c := range u.Cases {
		for _, v := range c.Values {
			allLabels = append(allLabels, label(v))
		}
	}

	// encode
	g.p("func encode%s(e *xdr.Encoder, u %s) error {", n, n)
	g.p("if err := e.Enter(); err != nil {")
	g.p("return err")
	g.p("}")
	g.p("defer e.Leave()")
	g.p("switch a := u.(type) {")
	for _, a := range arms {
		g.p("case *%s:", a.name)
		g.p("if a == nil {")
		g.p("return xdr.NewError(e.Offset(), xdr.ErrUnionArm, \"union %s holds a nil *%s\")", n, a.name)
		g.p("}")
		switch {
		case a.disc == "":
			g.p(put, label(a.c.Values[0]))
		case a.def:
			if discKind == idl.Enum {
				g.p("if !valid%s(int32(a.%s)) {", g.names[enumBody], a.disc)
				g.p("return xdr.NewError(e.Offset(), xdr.ErrInvalidEnum, \"union %s: enum value %%d is not valid\", a.%s)", n, a.disc)
				g.p("}")
			}
			if len(allLabels) > 0 {
				g.p("switch %s(a.%s) {", base, a.disc)
				g.p("case %s:", strings.Join(allLabels, ", "))
				g.p("return xdr.NewError(e.Offset(), xdr.ErrUnionArm, \"union %s: the default arm holds discriminant %%v, which selects another arm\", a.%s)", n, a.disc)
				g.p("}")
			}
			g.p(put, "a."+a.disc)
		default:
			var labels []string
			for _, v := range a.c.Values {
				labels = append(labels, label(v))
			}
			g.p("switch %s(a.%s) {", base, a.disc)
			g.p("case %s:", strings.Join(labels, ", "))
			g.p("default:")
			g.p("return xdr.NewError(e.Offset(), xdr.ErrUnionArm, \"union %s: %s holds discriminant %%v, which selects another arm\", a.%s)", n, a.name, a.disc)
			g.p("}")
			g.p(put, "a."+a.disc)
		}
		if a.field != "" {
			g.p("return a.MarshalXDR(e)")
		} else {
			g.p("return nil")
		}
	}
	g.p("case nil:")
	g.p("return xdr.NewError(e.Offset(), xdr.ErrUnionArm, \"union %s is nil\")", n)
	g.p("}")
	g.p("return xdr.NewError(e.Offset(), xdr.ErrUnionArm, \"%%T is not an arm of union %s\", u)", n)
	g.p("}\n")

	// decode
	g.p("func decode%s(d *xdr.Decoder) (%s, error) {", n, n)
	g.p("if err := d.Enter(); err != nil {")
	g.p("return nil, err")
	g.p("}")
	if u.Default == nil {
		g.p("at := d.Offset()")
	}
	g.p("var err error")
	g.p("var disc %s", base)
	g.retPrefix = "nil, "
	g.peek("b", "4", u.Disc.Name, false)
	g.decFixed("disc", base, discKind, enumBody, "b", "d.Offset()-4", u.Disc.Name)
	g.retPrefix = ""
	g.p("switch disc {")
	var def *arm
	for _, a := range arms {
		if a.def {
			def = a
			continue
		}
		var labels []string
		for _, v := range a.c.Values {
			labels = append(labels, label(v))
		}
		g.p("case %s:", strings.Join(labels, ", "))
		g.decodeArm(a)
	}
	g.p("}")
	if def != nil {
		g.decodeArm(def)
	} else {
		g.p("return nil, xdr.NewError(at, xdr.ErrUnionArm, \"union %s has no arm for discriminant %%v\", disc)", n)
	}
	g.p("}\n")

	// registration for the reflection codec
	g.p("func init() {")
	g.p("xdr.RegisterUnion[%s](", n)
	for _, a := range arms {
		if a.def {
			g.p("xdr.Default[*%s](),", a.name)
			continue
		}
		var vals []string
		for _, v := range a.c.Values {
			switch discKind {
			case idl.Int:
				vals = append(vals, "int32("+label(v)+")")
			case idl.Uint:
				vals = append(vals, "uint32("+label(v)+")")
			default:
				vals = append(vals, label(v))
			}
		}
		g.p("xdr.Case[*%s](%s),", a.name, strings.Join(vals, ", "))
	}
	g.p(")")
	g.p("}\n")
}

func (g *generator) decodeArm(a *arm) {
	if a.disc != "" {
		g.p("a := &%s{%s: %s(disc)}", a.name, a.disc, a.discTyp)
	} else {
		g.p("a := &%s{}", a.name)
	}
	if a.field != "" {
		g.p("if err := a.UnmarshalXDR(d); err != nil {")
		g.p("return nil, err")
		g.p("}")
	}
	g.p("d.Leave()")
	g.p("return a, nil")
}

// discKind is the kind of a union's discriminant through typedefs, and
// its enum body if it is an enum.
func (g *generator) discKind(t *idl.Type) (idl.TypeKind, *idl.Type) {
	r, _ := t.Resolve()
	if r.Kind == idl.Enum {
		return idl.Enum, r
	}
	return r.Kind, nil
}
