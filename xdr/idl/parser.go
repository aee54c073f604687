package idl

import (
	"fmt"
	"os"
)

// maxNesting bounds how deeply inline struct, union and enum bodies and
// namespaces may nest, so that hostile text cannot exhaust the stack.
const maxNesting = 64

// Parse parses the text of one .x file. name is used in positions. It
// checks syntax only; Check resolves names and checks meaning across files.
func Parse(name string, src []byte) (*File, error) {
	p := &parser{lx: newLexer(name, src), file: &File{Name: name}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.definitions(false); err != nil {
		return nil, err
	}
	for _, line := range p.lx.passthrough {
		p.file.Passthrough = append(p.file.Passthrough, line.text)
		if def := defineLine(line.text, line.pos); def != nil {
			p.file.Defs = append(p.file.Defs, def)
		}
	}
	return p.file, nil
}

// ParseFile reads and parses a .x file.
func ParseFile(path string) (*File, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src)
}

// Load parses the .x files and checks them together, as one specification
// (Stellar's files refer to each other's types).
func Load(paths ...string) (*Spec, error) {
	files := make([]*File, 0, len(paths))
	for _, path := range paths {
		f, err := ParseFile(path)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return Check(files...)
}

type parser struct {
	lx    *lexer
	tok   token
	file  *File
	depth int
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) errorf(pos Pos, format string, args ...any) error {
	return &Error{pos, fmt.Sprintf(format, args...)}
}

func (p *parser) unexpected(want string) error {
	return p.errorf(p.tok.pos, "expected %s, found %s", want, p.tok)
}

func (p *parser) is(text string) bool {
	return (p.tok.kind == tPunct || p.tok.kind == tIdent) && p.tok.text == text
}

// expect consumes the punctuation or keyword text.
func (p *parser) expect(text string) error {
	if !p.is(text) {
		return p.unexpected(fmt.Sprintf("%q", text))
	}
	return p.advance()
}

// keywords cannot name anything.
var keywords = map[string]bool{
	"bool": true, "case": true, "const": true, "default": true, "double": true, "quadruple": true,
	"enum": true, "float": true, "hyper": true, "int": true, "opaque": true, "string": true,
	"struct": true, "switch": true, "typedef": true, "union": true, "unsigned": true, "void": true,
	"program": true, "version": true, "long": true, "short": true, "char": true, "namespace": true,
}

func (p *parser) ident(what string) (string, Pos, error) {
	if p.tok.kind != tIdent || keywords[p.tok.text] {
		return "", p.tok.pos, p.unexpected(what)
	}
	name, pos := p.tok.text, p.tok.pos
	return name, pos, p.advance()
}

func (p *parser) enter(pos Pos) error {
	p.depth++
	if p.depth > maxNesting {
		return p.errorf(pos, "nesting deeper than %d levels", maxNesting)
	}
	return nil
}

// definitions parses definitions up to the end of the file or, inside a
// namespace, up to its closing brace.
func (p *parser) definitions(inNamespace bool) error {
	for {
		switch {
		case p.tok.kind == tEOF:
			if inNamespace {
				return p.unexpected(`"}" closing the namespace`)
			}
			return nil
		case inNamespace && p.is("}"):
			return p.advance()
		case p.is("namespace"):
			// Stellar's `namespace stellar { ... }`: a C++ namespace for
			// its generated code, which does not change XDR.
			if err := p.enter(p.tok.pos); err != nil {
				return err
			}
			if err := p.advance(); err != nil {
				return err
			}
			if _, _, err := p.ident("namespace name"); err != nil {
				return err
			}
			if err := p.expect("{"); err != nil {
				return err
			}
			if err := p.definitions(true); err != nil {
				return err
			}
			p.depth--
			if p.is(";") { // tolerated after the brace
				if err := p.advance(); err != nil {
					return err
				}
			}
		default:
			def, err := p.definition()
			if err != nil {
				return err
			}
			if def != nil {
				p.file.Defs = append(p.file.Defs, def)
			}
		}
	}
}

// definition parses one definition; a forward declaration (struct x;)
// returns nil.
func (p *parser) definition() (*Def, error) {
	pos := p.tok.pos
	kw := p.tok.text
	if p.tok.kind != tIdent {
		return nil, p.unexpected("a definition (const, typedef, enum, struct, union or program)")
	}
	switch kw {
	case "const":
		if err := p.advance(); err != nil {
			return nil, err
		}
		name, _, err := p.ident("constant name")
		if err != nil {
			return nil, err
		}
		if err := p.expect("="); err != nil {
			return nil, err
		}
		var v *Value
		if p.tok.kind == tString { // rpcgen copies string constants into C
			v = &Value{Pos: p.tok.pos, Lit: p.tok.text}
			err = p.advance()
		} else {
			v, err = p.value()
		}
		if err != nil {
			return nil, err
		}
		return &Def{Pos: pos, Kind: ConstDef, Name: name, Value: v}, p.expect(";")
	case "typedef":
		if err := p.advance(); err != nil {
			return nil, err
		}
		d, err := p.declaration()
		if err != nil {
			return nil, err
		}
		if d.Type.Kind == Void {
			return nil, p.errorf(d.Pos, "typedef of void")
		}
		return &Def{Pos: pos, Kind: TypedefDef, Name: d.Name, Decl: d}, p.expect(";")
	case "enum", "struct", "union":
		if err := p.advance(); err != nil {
			return nil, err
		}
		name, _, err := p.ident(kw + " name")
		if err != nil {
			return nil, err
		}
		if p.is(";") { // forward declaration: the definition comes later
			return nil, p.advance()
		}
		t, err := p.body(kw, pos)
		if err != nil {
			return nil, err
		}
		kind := map[string]DefKind{"enum": EnumDef, "struct": StructDef, "union": UnionDef}[kw]
		return &Def{Pos: pos, Kind: kind, Name: name, Type: t}, p.expect(";")
	case "program":
		prog, err := p.program()
		if err != nil {
			return nil, err
		}
		return &Def{Pos: pos, Kind: ProgramDef, Name: prog.Name, Program: prog}, nil
	}
	return nil, p.unexpected("a definition (const, typedef, enum, struct, union or program)")
}

// body parses the body of an enum, struct or union after its keyword and
// name.
func (p *parser) body(kw string, pos Pos) (*Type, error) {
	if err := p.enter(pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	switch kw {
	case "enum":
		return p.enumBody(pos)
	case "struct":
		return p.structBody(pos)
	}
	return p.unionBody(pos)
}

func (p *parser) enumBody(pos Pos) (*Type, error) {
	t := &Type{Pos: pos, Kind: Enum}
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	for {
		name, npos, err := p.ident("enum value name")
		if err != nil {
			return nil, err
		}
		ev := &EnumValue{Pos: npos, Name: name, Enum: t}
		if p.is("=") {
			if err := p.advance(); err != nil {
				return nil, err
			}
			if ev.Value, err = p.value(); err != nil {
				return nil, err
			}
		}
		t.Enum = append(t.Enum, ev)
		if p.is(",") {
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.is("}") { // trailing comma
				break
			}
			continue
		}
		break
	}
	return t, p.expect("}")
}

func (p *parser) structBody(pos Pos) (*Type, error) {
	t := &Type{Pos: pos, Kind: Struct}
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	for !p.is("}") {
		d, err := p.declaration()
		if err != nil {
			return nil, err
		}
		if d.Type.Kind == Void {
			return nil, p.errorf(d.Pos, "void struct member")
		}
		t.Fields = append(t.Fields, d)
		if err := p.expect(";"); err != nil {
			return nil, err
		}
	}
	if len(t.Fields) == 0 {
		return nil, p.errorf(p.tok.pos, "struct has no members")
	}
	return t, p.advance()
}

func (p *parser) unionBody(pos Pos) (*Type, error) {
	u := &UnionBody{DefaultIndex: -1}
	t := &Type{Pos: pos, Kind: Union, Union: u}
	if err := p.expect("switch"); err != nil {
		return nil, err
	}
	if err := p.expect("("); err != nil {
		return nil, err
	}
	disc, err := p.declaration()
	if err != nil {
		return nil, err
	}
	u.Disc = disc
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	for !p.is("}") {
		switch {
		case p.is("case"):
			c := &Case{Pos: p.tok.pos}
			for p.is("case") {
				if err := p.advance(); err != nil {
					return nil, err
				}
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				c.Values = append(c.Values, v)
				if err := p.expect(":"); err != nil {
					return nil, err
				}
			}
			if p.is("default") {
				return nil, p.errorf(p.tok.pos, "default shares an arm with a case; give it its own")
			}
			if c.Arm, err = p.declaration(); err != nil {
				return nil, err
			}
			u.Cases = append(u.Cases, c)
		case p.is("default"):
			dpos := p.tok.pos
			if u.Default != nil {
				return nil, p.errorf(dpos, "second default in union")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			if err := p.expect(":"); err != nil {
				return nil, err
			}
			if u.Default, err = p.declaration(); err != nil {
				return nil, err
			}
			u.DefaultIndex = len(u.Cases)
		default:
			return nil, p.unexpected(`"case", "default" or "}"`)
		}
		if err := p.expect(";"); err != nil {
			return nil, err
		}
	}
	if len(u.Cases) == 0 && u.Default == nil {
		return nil, p.errorf(p.tok.pos, "union has no arms")
	}
	return t, p.advance()
}

// declaration parses a declaration (RFC 4506 §6.3), including void.
func (p *parser) declaration() (*Decl, error) {
	pos := p.tok.pos
	if p.is("void") {
		return &Decl{Pos: pos, Type: &Type{Pos: pos, Kind: Void}}, p.advance()
	}
	var t *Type
	switch {
	case p.is("opaque"), p.is("string"):
		kind := Opaque
		if p.tok.text == "string" {
			kind = String
		}
		t = &Type{Pos: pos, Kind: kind}
		if err := p.advance(); err != nil {
			return nil, err
		}
	default:
		var err error
		if t, err = p.typeSpecifier(); err != nil {
			return nil, err
		}
	}
	d := &Decl{Pos: pos, Type: t}
	if p.is("*") {
		if t.Kind == Opaque || t.Kind == String {
			return nil, p.errorf(p.tok.pos, "%s cannot be optional-data", t.Kind)
		}
		d.Shape = Optional
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	name, _, err := p.ident("declaration name")
	if err != nil {
		return nil, err
	}
	d.Name = name
	if d.Shape == Optional {
		return d, nil
	}
	switch {
	case p.is("["):
		if t.Kind == String {
			return nil, p.errorf(p.tok.pos, "string %s needs a variable-length bound <n> or <>, not [n]", name)
		}
		d.Shape = Fixed
		if err := p.advance(); err != nil {
			return nil, err
		}
		if d.Size, err = p.value(); err != nil {
			return nil, err
		}
		return d, p.expect("]")
	case p.is("<"):
		d.Shape = Variable
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.is(">") {
			if d.Size, err = p.value(); err != nil {
				return nil, err
			}
		}
		return d, p.expect(">")
	}
	if t.Kind == Opaque || t.Kind == String {
		return nil, p.errorf(pos, "%s %s needs a length: [n] or <n>", t.Kind, name)
	}
	return d, nil
}

// typeSpecifier parses a type specifier: a base type, an inline or
// referenced enum/struct/union, or a type name.
func (p *parser) typeSpecifier() (*Type, error) {
	pos := p.tok.pos
	if p.tok.kind != tIdent {
		return nil, p.unexpected("a type")
	}
	base := func(k TypeKind) (*Type, error) { return &Type{Pos: pos, Kind: k}, p.advance() }
	switch p.tok.text {
	case "unsigned":
		if err := p.advance(); err != nil {
			return nil, err
		}
		switch {
		case p.is("hyper"):
			return base(Uhyper)
		case p.is("int"), p.is("long"), p.is("short"), p.is("char"):
			return base(Uint)
		}
		return &Type{Pos: pos, Kind: Uint}, nil // unsigned alone
	case "int", "long", "short", "char":
		// rpcgen maps long, short and char to 4-byte XDR integers too.
		return base(Int)
	case "hyper":
		return base(Hyper)
	case "float":
		return base(Float)
	case "double":
		return base(Double)
	case "quadruple":
		return base(Quadruple)
	case "bool":
		return base(Bool)
	case "enum", "struct", "union":
		kw := p.tok.text
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind == tIdent && !keywords[p.tok.text] {
			// C style reference: struct nlm_lock alock;
			t := &Type{Pos: pos, Kind: Named, Name: p.tok.text}
			return t, p.advance()
		}
		return p.body(kw, pos)
	case "opaque", "string", "void":
		return nil, p.errorf(pos, "%s is not allowed here", p.tok.text)
	}
	name, _, err := p.ident("a type")
	if err != nil {
		return nil, err
	}
	return &Type{Pos: pos, Kind: Named, Name: name}, nil
}

// value parses a constant: a number (optionally negative) or a name.
func (p *parser) value() (*Value, error) {
	pos := p.tok.pos
	neg := false
	if p.is("-") {
		neg = true
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind != tNumber {
			return nil, p.unexpected("a number after -")
		}
	}
	switch p.tok.kind {
	case tNumber:
		v := &Value{Pos: pos, Lit: p.tok.text}
		if neg {
			v.Lit = "-" + v.Lit
		}
		return v, p.advance()
	case tIdent:
		if keywords[p.tok.text] {
			return nil, p.unexpected("a constant")
		}
		v := &Value{Pos: pos, Name: p.tok.text}
		return v, p.advance()
	}
	return nil, p.unexpected("a constant")
}

func (p *parser) program() (*Program, error) {
	prog := &Program{Pos: p.tok.pos}
	if err := p.advance(); err != nil {
		return nil, err
	}
	var err error
	if prog.Name, _, err = p.ident("program name"); err != nil {
		return nil, err
	}
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	for !p.is("}") {
		v := &Version{Pos: p.tok.pos}
		if err := p.expect("version"); err != nil {
			return nil, err
		}
		if v.Name, _, err = p.ident("version name"); err != nil {
			return nil, err
		}
		if err := p.expect("{"); err != nil {
			return nil, err
		}
		for !p.is("}") {
			proc, err := p.procedure()
			if err != nil {
				return nil, err
			}
			v.Procs = append(v.Procs, proc)
		}
		if len(v.Procs) == 0 {
			return nil, p.errorf(p.tok.pos, "version %s has no procedures", v.Name)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.expect("="); err != nil {
			return nil, err
		}
		if v.Number, err = p.value(); err != nil {
			return nil, err
		}
		if err := p.expect(";"); err != nil {
			return nil, err
		}
		prog.Versions = append(prog.Versions, v)
	}
	if len(prog.Versions) == 0 {
		return nil, p.errorf(p.tok.pos, "program %s has no versions", prog.Name)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.expect("="); err != nil {
		return nil, err
	}
	if prog.Number, err = p.value(); err != nil {
		return nil, err
	}
	return prog, p.expect(";")
}

func (p *parser) procedure() (*Proc, error) {
	proc := &Proc{Pos: p.tok.pos}
	var err error
	if proc.Result, err = p.procType(); err != nil {
		return nil, err
	}
	if proc.Name, _, err = p.ident("procedure name"); err != nil {
		return nil, err
	}
	if err := p.expect("("); err != nil {
		return nil, err
	}
	for {
		arg, err := p.procType()
		if err != nil {
			return nil, err
		}
		proc.Args = append(proc.Args, arg)
		if !p.is(",") {
			break
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	if len(proc.Args) > 1 {
		for _, arg := range proc.Args {
			if arg.Kind == Void {
				return nil, p.errorf(arg.Pos, "procedure %s: void must be the only argument", proc.Name)
			}
		}
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	if err := p.expect("="); err != nil {
		return nil, err
	}
	if proc.Number, err = p.value(); err != nil {
		return nil, err
	}
	return proc, p.expect(";")
}

// procType is a procedure's result or argument: void or a type specifier
// (rpcgen also accepts string and opaque here, meaning string<> and
// opaque<>, but the corpus does not use that). As in rpcgen, a struct,
// union or enum must be named: an inline body would be a type without a
// name in the procedure's signature.
func (p *parser) procType() (*Type, error) {
	if p.is("void") {
		t := &Type{Pos: p.tok.pos, Kind: Void}
		return t, p.advance()
	}
	t, err := p.typeSpecifier()
	if err == nil && (t.Kind == Enum || t.Kind == Struct || t.Kind == Union) {
		return nil, p.errorf(t.Pos, "inline %s in a procedure: define it and use its name", t.Kind)
	}
	return t, err
}
