package idl

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// parseCheck parses src as the file t.x and checks it alone.
func parseCheck(src string) (*Spec, error) {
	f, err := Parse("t.x", []byte(src))
	if err != nil {
		return nil, err
	}
	return Check(f)
}

// describe renders a checked definition in one canonical line, so that a
// table can say exactly what the parser and the checker made of the text:
// every value shows what was written and, where that differs, what it
// evaluated to (0x1F=31); implicit enum values show as NAME:value; an
// unresolved name is marked with "?".
func describe(d *Def) string {
	switch d.Kind {
	case ConstDef:
		return "const " + d.Name + " = " + describeValue(d.Value)
	case TypedefDef:
		return "typedef " + describeDecl(d.Decl)
	case EnumDef, StructDef, UnionDef:
		return d.Kind.String() + " " + d.Name + " " + describeBody(d.Type)
	}
	p := d.Program
	var b strings.Builder
	fmt.Fprintf(&b, "program %s = %s {", p.Name, describeValue(p.Number))
	for _, v := range p.Versions {
		fmt.Fprintf(&b, " version %s = %s {", v.Name, describeValue(v.Number))
		for _, proc := range v.Procs {
			args := make([]string, len(proc.Args))
			for i, a := range proc.Args {
				args[i] = describeType(a)
			}
			fmt.Fprintf(&b, " %s %s(%s) = %s;", describeType(proc.Result), proc.Name, strings.Join(args, ", "), describeValue(proc.Number))
		}
		b.WriteString(" }")
	}
	return b.String() + " }"
}

func describeValue(v *Value) string {
	s, n := v.String(), strconv.FormatInt(v.Val, 10)
	if v.IsString() || s == n {
		return s
	}
	return s + "=" + n
}

func describeType(t *Type) string {
	switch t.Kind {
	case Named:
		if t.Def == nil {
			return t.Name + "?"
		}
		return t.Name
	case Enum, Struct, Union:
		return t.Kind.String() + " " + describeBody(t)
	}
	return t.Kind.String()
}

func describeBody(t *Type) string {
	var parts []string
	switch t.Kind {
	case Enum:
		for _, ev := range t.Enum {
			if ev.Value == nil {
				parts = append(parts, fmt.Sprintf("%s:%d", ev.Name, ev.Val))
			} else {
				parts = append(parts, ev.Name+" = "+describeValue(ev.Value))
			}
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	case Struct:
		for _, f := range t.Fields {
			parts = append(parts, describeDecl(f)+";")
		}
		return "{ " + strings.Join(parts, " ") + " }"
	}
	u := t.Union
	for i := 0; i <= len(u.Cases); i++ {
		if i == u.DefaultIndex {
			parts = append(parts, "default: "+describeDecl(u.Default)+";")
		}
		if i < len(u.Cases) {
			for _, v := range u.Cases[i].Values {
				parts = append(parts, "case "+describeValue(v)+":")
			}
			parts = append(parts, describeDecl(u.Cases[i].Arm)+";")
		}
	}
	return "switch (" + describeDecl(u.Disc) + ") { " + strings.Join(parts, " ") + " }"
}

func describeDecl(d *Decl) string {
	if d.Type.Kind == Void {
		return "void"
	}
	s := describeType(d.Type) + " "
	switch d.Shape {
	case Optional:
		return s + "*" + d.Name
	case Fixed:
		return s + d.Name + "[" + describeValue(d.Size) + "]"
	case Variable:
		if d.Size == nil {
			return s + d.Name + "<>"
		}
		return s + d.Name + "<" + describeValue(d.Size) + ">"
	}
	return s + d.Name
}

func describeSpec(s *Spec) []string {
	var lines []string
	for _, d := range s.Defs {
		lines = append(lines, describe(d))
	}
	return lines
}

// TestParseConstructs parses and checks each construct of the rpcgen
// language and compares what comes out with what was meant.
func TestParseConstructs(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "constants in decimal, hex, octal and negative, and named",
			src: `const A = 10; const B = 0x1F; const C = 017; const D = -5; const E = -0x10;
				const F = B; const G = 0; const H = 0X7fffffff; const I = -9223372036854775808;`,
			want: []string{"const A = 10", "const B = 0x1F=31", "const C = 017=15", "const D = -5",
				"const E = -0x10=-16", "const F = B=31", "const G = 0", "const H = 0X7fffffff=2147483647",
				"const I = -9223372036854775808"},
		},
		{
			name: "string constants are kept as written",
			src:  `const GREETING = "hi \"there\"";`,
			want: []string{`const GREETING = "hi \"there\""`},
		},
		{
			name: "every base type, and long, short and char as 4-byte integers",
			src: `typedef int a; typedef unsigned int b; typedef unsigned c; typedef hyper d;
				typedef unsigned hyper e; typedef float f; typedef double g; typedef quadruple h;
				typedef bool i; typedef long j; typedef short k; typedef char l;
				typedef unsigned long m; typedef unsigned short n; typedef unsigned char o;`,
			want: []string{"typedef int a", "typedef unsigned int b", "typedef unsigned int c", "typedef hyper d",
				"typedef unsigned hyper e", "typedef float f", "typedef double g", "typedef quadruple h",
				"typedef bool i", "typedef int j", "typedef int k", "typedef int l",
				"typedef unsigned int m", "typedef unsigned int n", "typedef unsigned int o"},
		},
		{
			name: "enum values implicit, explicit and counting on from an explicit one",
			src:  `enum color { RED, GREEN, BLUE = 10, PURPLE, DEEP = -3, DEEPER, LAST = TOP, }; const TOP = 0x20;`,
			want: []string{"enum color { RED:0, GREEN:1, BLUE = 10, PURPLE:11, DEEP = -3, DEEPER:-2, LAST = TOP=32 }", "const TOP = 0x20=32"},
		},
		{
			name: "enum values count on from a later constant",
			src:  `enum e { A = N, B }; const N = 2147483646;`,
			want: []string{"enum e { A = N=2147483646, B:2147483647 }", "const N = 2147483646"},
		},
		{
			name: "declarations of every shape",
			src: `const N = 4;
				struct s {
					opaque fixed[16]; opaque bounded<N>; opaque any<>;
					string name<255>; string text<>;
					int ints[N]; hyper some<3>; unsigned many<>;
					s *next;
				};`,
			want: []string{"const N = 4", "struct s { opaque fixed[16]; opaque bounded<N=4>; opaque any<>; " +
				"string name<255>; string text<>; int ints[N=4]; hyper some<3>; unsigned int many<>; s *next; }"},
		},
		{
			name: "typedefs of every shape",
			src: `typedef opaque hash[32]; typedef string str<>; typedef int ints<10>;
				typedef hash *maybe; typedef hash hashes[2];`,
			want: []string{"typedef opaque hash[32]", "typedef string str<>", "typedef int ints<10>",
				"typedef hash *maybe", "typedef hash hashes[2]"},
		},
		{
			name: "union with case lists and the default last",
			src:  `union u switch (int d) { case 0: case 1: int a; case -2: void; default: hyper h; };`,
			want: []string{"union u switch (int d) { case 0: case 1: int a; case -2: void; default: hyper h; }"},
		},
		{
			name: "union with the default first",
			src:  `union u switch (unsigned d) { default: void; case 1: int a; case 0x2: int b; };`,
			want: []string{"union u switch (unsigned int d) { default: void; case 1: int a; case 0x2=2: int b; }"},
		},
		{
			name: "union with the default in the middle",
			src:  `union u switch (unsigned int d) { case 1: int a; default: void; case 2: int b; };`,
			want: []string{"union u switch (unsigned int d) { case 1: int a; default: void; case 2: int b; }"},
		},
		{
			name: "union over an enum, through a typedef, with a later enum",
			src: `union r switch (status s) { case OK: opaque data<>; case ERR: void; };
				typedef stat status; enum stat { OK, ERR };`,
			want: []string{"union r switch (status s) { case OK=0: opaque data<>; case ERR=1: void; }",
				"typedef stat status", "enum stat { OK:0, ERR:1 }"},
		},
		{
			name: "union over bool with TRUE and FALSE",
			src:  `union opt switch (bool present) { case TRUE: int v; case FALSE: void; };`,
			want: []string{"union opt switch (bool present) { case TRUE=1: int v; case FALSE=0: void; }"},
		},
		{
			name: "program with versions, several arguments and void",
			src: `program CALC { version CALC_V1 { void NULLPROC(void) = 0; int ADD(int, int) = 1; } = 1;
				version CALC_V2 { void NULLPROC(void) = 0; hyper ADD(hyper, hyper, bool) = 1; args SUM(args) = 2; } = 2;
				} = 0x20000001; struct args { int n<>; };`,
			want: []string{"program CALC = 0x20000001=536870913 { version CALC_V1 = 1 { void NULLPROC(void) = 0; int ADD(int, int) = 1; }" +
				" version CALC_V2 = 2 { void NULLPROC(void) = 0; hyper ADD(hyper, hyper, bool) = 1; args SUM(args) = 2; } }",
				"struct args { int n<>; }"},
		},
		{
			name: "inline struct, union and enum bodies",
			src: `struct outer {
					struct { int a; } in;
					union switch (int d) { case 0: void; default: int x; } choice;
					enum { RED, GREEN = 5 } color;
				};
				typedef struct { int b; } pair;
				const G = GREEN;`,
			want: []string{"struct outer { struct { int a; } in; union switch (int d) { case 0: void; default: int x; } choice; " +
				"enum { RED:0, GREEN = 5 } color; }", "typedef struct { int b; } pair", "const G = GREEN=5"},
		},
		{
			name: "C-style struct, union and enum references",
			src: `struct lock { int a; }; union res switch (int d) { case 0: void; }; enum kind { K };
				struct s { struct lock l; union res r; enum kind k; struct lock *next; };`,
			want: []string{"struct lock { int a; }", "union res switch (int d) { case 0: void; }", "enum kind { K:0 }",
				"struct s { lock l; res r; kind k; lock *next; }"},
		},
		{
			name: "forward declarations",
			src:  `struct node; union tree; enum e; struct list { node *head; }; struct node { int v; node *next; };`,
			want: []string{"struct list { node *head; }", "struct node { int v; node *next; }"},
		},
		{
			name: "recursion through optional-data, variable arrays and empty fixed arrays",
			src: `struct entry { int v; entry *next; }; typedef entry *list;
				struct tree { int v; tree kids<>; }; struct odd { odd none[0]; int v; };
				union chain switch (bool more) { case TRUE: chain next<1>; case FALSE: void; };`,
			want: []string{"struct entry { int v; entry *next; }", "typedef entry *list",
				"struct tree { int v; tree kids<>; }", "struct odd { odd none[0]; int v; }",
				"union chain switch (bool more) { case TRUE=1: chain next<1>; case FALSE=0: void; }"},
		},
		{
			name: "a union with one arm that ends may recurse in the others",
			src:  `union u switch (int d) { case 0: u again; case 1: int done; default: u more; };`,
			want: []string{"union u switch (int d) { case 0: u again; case 1: int done; default: u more; }"},
		},
		{
			name: "comments, # lines and % lines are not definitions",
			src: "/* a comment\n   over lines */ const A = 1; // to the end of the line\n" +
				"#ifdef RPC_HDR\n#define NOT_A_CONSTANT 7\n#endif\n" +
				"%#include <stdio.h>\n%/* copied to C */\n" +
				"const B = 2;/**/const C = 3; /* ** / */",
			want: []string{"const A = 1", "const B = 2", "const C = 3"},
		},
		{
			name: "form feeds and vertical tabs are blanks before % and # lines",
			src:  "\f%#define X 1\n\v#define Y 2\n \t\r%#define Z X\ntypedef int a[Z];",
			want: []string{"typedef int a[Z=1]", "const X = 1", "const Z = X=1"},
		},
		{
			name: "%#define integer expressions become constants",
			src: "%#define SHIFT 8\n%#define SCALE (1<<SHIFT) /* a comment */\n%#define LEN\tSCALE+1 // another\n" +
				"%#define MASK ~0 & 0xff\n%#define NEG -(3*4)/2%5\n%#define BITS 1|2^8\n%#define SUFFIXED 10UL\n" +
				"typedef opaque buf<LEN>;",
			want: []string{"typedef opaque buf<LEN=257>", "const SHIFT = 8", "const SCALE = (1 << SHIFT)=256",
				"const LEN = (SCALE + 1)=257", "const MASK = (~0 & 0xff)=255", "const NEG = ((-(3 * 4) / 2) % 5)=-1",
				"const BITS = (1 | (2 ^ 8))=11", "const SUFFIXED = 10"},
		},
		{
			name: "%#define lines that are not integer constants are C's business",
			src: "%#define opaque char\n%#define xdr_name xdr_wrapstring\n%#define TOO_BIG 0x1ffffffffffffffff\n" +
				"%#define HALF 1/0\n%#define STR \"text\"\n%#define F(x) x\n%#define\n%#ifdef X\n" +
				"const A = 1;",
			want: []string{"const A = 1"},
		},
		{
			name: "a %#define gives way to a .x definition of the same name",
			src:  "%#define VERS 9\n%#define VERS 8\nconst VERS = 3; const V = VERS;",
			want: []string{"const VERS = 3", "const V = VERS=3"},
		},
		{
			name: "namespaces, nested, with and without a semicolon",
			src:  `namespace stellar { const A = 1; namespace inner { typedef int T; }; } typedef T U;`,
			want: []string{"const A = 1", "typedef int T", "typedef T U"},
		},
		{
			name: "rpcgen's library types when a file does not define them",
			src:  `struct lock { netobj oh; des_block key; u_int n; u_long l; quad_t q; u_quad_t uq; }; const M = MAX_NETOBJ_SZ;`,
			want: []string{"typedef opaque netobj<1024>", "typedef opaque des_block[8]", "typedef unsigned int u_int",
				"typedef unsigned int u_long", "typedef hyper quad_t", "typedef unsigned hyper u_quad_t", "const MAX_NETOBJ_SZ = 1024",
				"struct lock { netobj oh; des_block key; u_int n; u_long l; quad_t q; u_quad_t uq; }",
				"const M = MAX_NETOBJ_SZ=1024"},
		},
		{
			name: "a file's own definition of a library type wins",
			src:  `typedef opaque netobj<64>; struct s { netobj o; };`,
			want: []string{"typedef opaque netobj<64>", "struct s { netobj o; }"},
		},
		{
			name: "a file's own TRUE wins",
			src:  `const TRUE = 7; const T = TRUE;`,
			want: []string{"const TRUE = 7", "const T = TRUE=7"},
		},
		{
			name: "names may be used before they are defined",
			src:  `typedef later x[N]; struct later { x *again; }; const N = M; const M = 2;`,
			want: []string{"typedef later x[N=2]", "struct later { x *again; }", "const N = M=2", "const M = 2"},
		},
		{
			name: "an empty file",
			src:  "/* nothing */\n",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := parseCheck(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got := describeSpec(spec)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
		})
	}
}

// TestPositions checks that definitions, declarations, values and errors
// point at the right line and column (columns count bytes; a tab is one).
func TestPositions(t *testing.T) {
	src := "/* header */\r\n" +
		"const N = 0x10;\r\n" +
		"\tstruct s {\n" +
		"\t\tint a[N];\n" +
		"\t};\n" +
		"union u switch (int d) {\n" +
		"  case 1: case 2:\n" +
		"    void;\n" +
		"  default: int x;\n" +
		"};\n" +
		"enum e {\n  A,\n  B = 3\n};\n" +
		"program P { version V { void F(void) = 1; } = 1; } = 2;\n" +
		"%#define D 5\n"
	f, err := Parse("pos.x", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := Check(f)
	if err != nil {
		t.Fatal(err)
	}
	s := spec.Lookup("s")
	u := spec.Lookup("u").Type.Union
	e := spec.Lookup("e").Type
	p := spec.Lookup("P").Program
	for _, tt := range []struct {
		what string
		got  Pos
		want string
	}{
		{"const N", spec.Lookup("N").Pos, "pos.x:2:1"},
		{"N's value", spec.Lookup("N").Value.Pos, "pos.x:2:11"},
		{"struct s", s.Pos, "pos.x:3:2"},
		{"s's body", s.Type.Pos, "pos.x:3:2"},
		{"member a", s.Type.Fields[0].Pos, "pos.x:4:3"},
		{"a's type", s.Type.Fields[0].Type.Pos, "pos.x:4:3"},
		{"a's length", s.Type.Fields[0].Size.Pos, "pos.x:4:9"},
		{"u's discriminant", u.Disc.Pos, "pos.x:6:17"},
		{"u's first case", u.Cases[0].Pos, "pos.x:7:3"},
		{"u's second case value", u.Cases[0].Values[1].Pos, "pos.x:7:16"},
		{"u's void arm", u.Cases[0].Arm.Pos, "pos.x:8:5"},
		{"u's default arm", u.Default.Pos, "pos.x:9:12"},
		{"enum value A", e.Enum[0].Pos, "pos.x:12:3"},
		{"enum value B's value", e.Enum[1].Value.Pos, "pos.x:13:7"},
		{"program P", p.Pos, "pos.x:15:1"},
		{"version V", p.Versions[0].Pos, "pos.x:15:13"},
		{"procedure F", p.Versions[0].Procs[0].Pos, "pos.x:15:25"},
		{"F's argument", p.Versions[0].Procs[0].Args[0].Pos, "pos.x:15:32"},
		{"%#define D", spec.Lookup("D").Pos, "pos.x:16:1"},
	} {
		if tt.got.String() != tt.want {
			t.Errorf("%s at %s, want %s", tt.what, tt.got, tt.want)
		}
	}
	if want := []string{"#define D 5"}; strings.Join(f.Passthrough, "|") != strings.Join(want, "|") {
		t.Errorf("Passthrough = %q, want %q", f.Passthrough, want)
	}
	if u.DefaultIndex != 1 {
		t.Errorf("DefaultIndex = %d, want 1", u.DefaultIndex)
	}
}

// TestSpecAccessors covers Spec.Lookup and Spec.Constant for every kind of
// name, Type.Resolve, Decl.Bound and the String methods.
func TestSpecAccessors(t *testing.T) {
	spec, err := parseCheck(`const N = 8; const S = "text"; enum e { A = 3 }; typedef e alias; typedef alias again;
		typedef int arr[N]; typedef arr arr2; struct s { int x<>; int y<N>; int z[2]; int *o; int w; };
		program P { version V { void F(void) = 7; } = 2; } = 99;`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		want int64
		ok   bool
	}{
		{"N", 8, true}, {"A", 3, true}, {"P", 99, true}, {"V", 2, true}, {"F", 7, true},
		{"S", 0, false}, {"e", 0, false}, {"s", 0, false}, {"missing", 0, false},
	} {
		got, ok := spec.Constant(tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Constant(%q) = %d, %t; want %d, %t", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if d := spec.Lookup("A"); d != nil {
		t.Errorf("Lookup of an enum value = %v, want nil", d)
	}
	if d := spec.Lookup("missing"); d != nil {
		t.Errorf("Lookup of a missing name = %v, want nil", d)
	}

	// Resolve goes through typedefs to the enum body, and stops at a
	// typedef that names an array.
	again := spec.Lookup("again").Decl.Type
	if body, decl := again.Resolve(); body != spec.Lookup("e").Type || decl != nil {
		t.Errorf("again.Resolve() = %v, %v; want the enum body", body, decl)
	}
	arr2 := spec.Lookup("arr2").Decl.Type
	if body, decl := arr2.Resolve(); decl != spec.Lookup("arr").Decl || body.Kind != Int {
		t.Errorf("arr2.Resolve() = %v, %v; want int and arr's declaration", body, decl)
	}
	if body, decl := spec.Lookup("arr").Decl.Type.Resolve(); body.Kind != Int || decl != nil {
		t.Errorf("int.Resolve() = %v, %v; want itself", body, decl)
	}

	bounds := map[string]string{}
	for _, f := range spec.Lookup("s").Type.Fields {
		n, ok := f.Bound()
		bounds[f.Name] = fmt.Sprint(n, ok)
	}
	if got, want := fmt.Sprint(bounds), "map[o:0 false w:0 false x:0 false y:8 true z:2 true]"; got != want {
		t.Errorf("Bounds = %s, want %s", got, want)
	}

	for _, tt := range []struct{ got, want string }{
		{Pos{Line: 3, Col: 4}.String(), "3:4"},
		{Pos{File: "a.x", Line: 3, Col: 4}.String(), "a.x:3:4"},
		{StructDef.String(), "struct"},
		{ProgramDef.String(), "program"},
		{Uhyper.String(), "unsigned hyper"},
		{Named.String(), "named type"},
		{(&Error{Pos{File: "a.x", Line: 1, Col: 2}, "oops"}).Error(), "a.x:1:2: oops"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestParseErrors checks the message and position of each syntax error.
// Parse stops at the first one and returns it as an *Error.
func TestParseErrors(t *testing.T) {
	deepStructs := "struct s { " + strings.Repeat("struct { ", 70) + "int x;"
	deepNamespaces := strings.Repeat("namespace n { ", 70)
	tests := []struct {
		name, src, want string
	}{
		{"unexpected token", "struct s { int x }", `t.x:1:18: expected ";", found "}"`},
		{"not a definition", "\n  foo bar;", `t.x:2:3: expected a definition (const, typedef, enum, struct, union or program), found identifier "foo"`},
		{"a number where a definition goes", "42", `t.x:1:1: expected a definition (const, typedef, enum, struct, union or program), found number 42`},
		{"a stray semicolon", "const A = 1;;", `t.x:1:13: expected a definition (const, typedef, enum, struct, union or program), found ";"`},
		{"end of file in a definition", "const A = 1", `t.x:1:12: expected ";", found end of file`},
		{"end of file in a namespace", "namespace n {\nconst A = 1;\n", `t.x:3:1: expected "}" closing the namespace, found end of file`},
		{"a keyword as a name", "struct int { int a; };", `t.x:1:8: expected struct name, found identifier "int"`},
		{"a keyword as a member name", "struct s { int case; };", `t.x:1:16: expected declaration name, found identifier "case"`},
		{"a keyword as a constant", "typedef int a<void>;", `t.x:1:15: expected a constant, found identifier "void"`},
		{"a string as a bound", `typedef int a<"x">;`, `t.x:1:15: expected a constant, found string "x"`},
		{"minus before a name", "const A = -B;", `t.x:1:12: expected a number after -, found identifier "B"`},
		{"unterminated comment", "const A = 1;\n  /* open\n", `t.x:2:3: comment not terminated`},
		{"unterminated string", `const S = "abc`, `t.x:1:11: string not terminated`},
		{"string across a line", "const S = \"abc\n\";", `t.x:1:11: string not terminated`},
		{"a NUL byte", "const A = 1;\x00", `t.x:1:13: unexpected byte 0x00`},
		{"a non-ASCII byte", "const Ä = 1;", `t.x:1:7: unexpected byte 0xc3`},
		{"an operator outside %#define", "const A = 1 + 2;", `t.x:1:13: unexpected character '+'`},
		{"a % line not at the start of a line", "const A = 1; %x", `t.x:1:14: unexpected character '%'`},
		{"a # line not at the start of a line", "const A = 1; #x", `t.x:1:14: unexpected character '#'`},
		{"string with a fixed length", "typedef string s[3];", `t.x:1:17: string s needs a variable-length bound <n> or <>, not [n]`},
		{"string without a length", "struct s { string name; };", `t.x:1:12: string name needs a length: [n] or <n>`},
		{"opaque without a length", "struct s {\n\topaque o;\n};", `t.x:2:2: opaque o needs a length: [n] or <n>`},
		{"optional opaque", "struct s { opaque *o; };", `t.x:1:19: opaque cannot be optional-data`},
		{"optional string", "typedef string *s;", `t.x:1:16: string cannot be optional-data`},
		{"optional array", "struct s { int *x<>; };", `t.x:1:18: expected ";", found "<"`},
		{"void struct member", "struct s { int a; void; };", `t.x:1:19: void struct member`},
		{"typedef of void", "typedef void;", `t.x:1:9: typedef of void`},
		{"empty struct", "struct s { };", `t.x:1:12: struct has no members`},
		{"empty enum", "enum e { };", `t.x:1:10: expected enum value name, found "}"`},
		{"union without arms", "union u switch (int d) { };", `t.x:1:26: union has no arms`},
		{"union without switch", "union u { int a; };", `t.x:1:9: expected "switch", found "{"`},
		{"second default", "union u switch (int d) {\n default: void;\n case 1: int a;\n default: int b;\n};", `t.x:4:2: second default in union`},
		{"default sharing a case's arm", "union u switch (int d) { case 1: default: void; };", `t.x:1:34: default shares an arm with a case; give it its own`},
		{"a declaration in place of a case", "union u switch (int d) { int a; };", `t.x:1:26: expected "case", "default" or "}", found identifier "int"`},
		{"opaque as a type specifier", "void F(opaque) = 1;", `t.x:1:1: expected a definition (const, typedef, enum, struct, union or program), found identifier "void"`},
		{"opaque as a procedure argument", "program P { version V { void F(opaque) = 1; } = 1; } = 1;", `t.x:1:32: opaque is not allowed here`},
		{"inline struct as a procedure argument", "program P { version V { void F(struct { int a; }) = 1; } = 1; } = 1;", `t.x:1:32: inline struct in a procedure: define it and use its name`},
		{"inline enum as a procedure result", "program P { version V { enum { A } F(void) = 1; } = 1; } = 1;", `t.x:1:25: inline enum in a procedure: define it and use its name`},
		{"void among several arguments", "program P { version V { void F(int, void) = 1; } = 1; } = 1;", `t.x:1:37: procedure F: void must be the only argument`},
		{"version without procedures", "program P { version V { } = 1; } = 1;", `t.x:1:25: version V has no procedures`},
		{"program without versions", "program P { } = 1;", `t.x:1:13: program P has no versions`},
		{"procedure without a number", "program P { version V { void F(void); } = 1; } = 1;", `t.x:1:37: expected "=", found ";"`},
		{"struct nesting deeper than 64", deepStructs, `t.x:1:579: nesting deeper than 64 levels`},
		{"namespace nesting deeper than 64", deepNamespaces, `t.x:1:897: nesting deeper than 64 levels`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.x", []byte(tt.src))
			if err == nil {
				t.Fatalf("parsed: %v", f)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is a %T, not an *Error", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n\t%s\nwant\n\t%s", err, tt.want)
			}
		})
	}
}

// TestCheckErrors checks the message and position of each error Check
// reports. Check reports every error it finds, in source order.
func TestCheckErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"undefined type", "struct s {\n  int a;\n  missing b;\n};",
			[]string{"t.x:3:3: undefined type missing"}},
		{"undefined type in a procedure", "program P { version V { missing F(void) = 1; } = 1; } = 1;",
			[]string{"t.x:1:25: undefined type missing"}},
		{"undefined constant", "typedef int a<MAX>; const B = C;",
			[]string{"t.x:1:15: undefined constant MAX", "t.x:1:31: undefined constant C"}},
		{"a constant that is a type", "struct s { int a; }; const B = s;",
			[]string{"t.x:1:32: s is a struct, not a constant"}},
		{"a type that is a constant", "const N = 1; typedef N x;",
			[]string{"t.x:1:22: N is not a type"}},
		{"a type that is an enum value", "enum e { A }; typedef A x;",
			[]string{"t.x:1:23: A is not a type"}},
		{"a constant that is a procedure", "program P { version V { void F(void) = 1; } = 1; } = 1; const N = F;",
			[]string{"t.x:1:67: F is a version or procedure, not a constant"}},
		{"redeclared name", "const A = 1;\nstruct A { int x; };",
			[]string{"t.x:2:1: A redeclared; previous declaration at t.x:1:1"}},
		{"enum value redeclaring a type", "typedef int T; enum e { T };",
			[]string{"t.x:1:25: T redeclared; previous declaration at t.x:1:1"}},
		{"the same procedure name with different numbers", "program P { version V1 { void F(void) = 1; } = 1;\n version V2 { void F(void) = 2; } = 2; } = 1;",
			[]string{"t.x:2:15: F redeclared; previous declaration at t.x:1:26"}},
		{"duplicate struct member", "struct s { int a; hyper a; };",
			[]string{"t.x:1:19: struct s: member a redeclared; previous declaration at t.x:1:12"}},
		{"duplicate union arm", "union u switch (int d) { case 0: int a; case 1: hyper a; };",
			[]string{"t.x:1:49: union u: arm a redeclared; previous declaration at t.x:1:34"}},
		{"union arm named like the discriminant", "union u switch (int d) { case 0: int d; };",
			[]string{"t.x:1:34: union u: arm d redeclared; previous declaration at t.x:1:17"}},
		{"enum value above the int range", "enum e { A = 2147483648 };",
			[]string{"t.x:1:10: enum value A = 2147483648 does not fit in an XDR int"}},
		{"implicit enum value above the int range", "enum e { A = 2147483647, B };",
			[]string{"t.x:1:26: enum value B = 2147483648 does not fit in an XDR int"}},
		{"enum value below the int range", "enum e { A = -2147483649 };",
			[]string{"t.x:1:10: enum value A = -2147483649 does not fit in an XDR int"}},
		{"duplicate enum value", "enum e { A, B, C = 1 };",
			[]string{"t.x:1:16: enum e: C has the value 1 of B"}},
		{"constant defined in terms of itself", "const A = A;",
			[]string{"t.x:1:11: constant A is defined in terms of itself"}},
		{"constants defined in terms of each other", "const A = B;\nconst B = A;",
			[]string{"t.x:2:11: constant A is defined in terms of itself"}},
		{"enum value defined in terms of itself", "enum e { A = B, B };",
			[]string{"t.x:1:10: enum value A is defined in terms of itself"}},
		{"%#define defined in terms of itself, and used", "%#define X (X+1)\ntypedef int a<X>;",
			[]string{"t.x:1:1: constant X is defined in terms of itself"}},
		{"bad %#define that is used", "%#define X 0x\n%#define Y 1/0\n%#define Z c_macro\ntypedef int a<X>; typedef int b<Y>; typedef int c<Z>;",
			[]string{"t.x:1:1: malformed constant 0x", "t.x:2:1: division by zero in (1 / 0)", "t.x:3:1: undefined constant c_macro"}},
		{"bad %#define used as a case", "%#define X c_macro\nunion u switch (int d) { case X: void; };",
			[]string{"t.x:1:1: undefined constant c_macro"}},
		{"%#define overflowing", "%#define X 0x7fffffffffffffff+1\n%#define Y 1<<64\ntypedef int a<X>; typedef int b<Y>;",
			[]string{"t.x:1:1: constant (0x7fffffffffffffff + 1) out of range", "t.x:2:1: shift count out of range in (1 << 64)"}},
		{"bound from a string constant", `const S = "abc"; typedef opaque x<S>;`,
			[]string{`t.x:1:35: S is a string constant, not an integer`}},
		{"malformed literals", "typedef int a[08]; typedef int b<0x>; typedef int c<12ab>;",
			[]string{"t.x:1:15: malformed constant 08", "t.x:1:34: malformed constant 0x", "t.x:1:53: malformed constant 12ab"}},
		{"literal out of range", "const A = 18446744073709551616; const B = 9223372036854775808; const C = -9223372036854775809;",
			[]string{"t.x:1:11: constant 18446744073709551616 out of range", "t.x:1:43: constant 9223372036854775808 out of range",
				"t.x:1:74: constant -9223372036854775809 out of range"}},
		{"fixed length too large", "typedef int a[16777217]; struct s { opaque b[-1]; };",
			[]string{"t.x:1:15: a: fixed length 16777217 is outside 0..16777216", "t.x:1:46: s.b: fixed length -1 is outside 0..16777216"}},
		{"variable bound out of range", "typedef int a<4294967296>; typedef string b<-1>;",
			[]string{"t.x:1:15: a: bound 4294967296 is outside 0..4294967295", "t.x:1:45: b: bound -1 is outside 0..4294967295"}},
		{"hyper discriminant", "union u switch (hyper d) { case 0: void; };",
			[]string{"t.x:1:17: union u: discriminant d must be int, unsigned int, bool or an enum"}},
		{"struct discriminant", "struct s { int a; }; union u switch (s d) { case 0: void; };",
			[]string{"t.x:1:38: union u: discriminant d must be int, unsigned int, bool or an enum"}},
		{"array discriminant", "union u switch (int d<>) { case 0: void; };",
			[]string{"t.x:1:17: union u: discriminant d must be int, unsigned int, bool or an enum"}},
		{"discriminant typedef'd to an array", "typedef int ints[2]; union u switch (ints d) { case 0: void; };",
			[]string{"t.x:1:38: union u: discriminant d must be int, unsigned int, bool or an enum"}},
		{"void discriminant", "union u switch (void) { case 0: void; };",
			[]string{"t.x:1:17: union u: void discriminant"}},
		{"undefined discriminant type", "union u switch (missing d) { case 0: void; };",
			[]string{"t.x:1:17: undefined type missing"}},
		{"case not in the enum", "enum e { A, B }; const C = 7; union u switch (e d) { case A: void; case C: void; };",
			[]string{"t.x:1:73: union u: case C is not a value of the discriminant's enum"}},
		{"case not in a later enum", "union u switch (e d) { case X: void; }; const X = 0; enum e { A = 1 };",
			[]string{"t.x:1:29: union u: case X is not a value of the discriminant's enum"}},
		{"duplicate case", "union u switch (int d) {\n case 1: void;\n case 2: case 0x1: int a;\n};",
			[]string{"t.x:3:15: union u: case 0x1 repeats case 1 at t.x:2:7"}},
		{"case out of range for bool", "union u switch (bool d) { case 2: void; };",
			[]string{"t.x:1:32: union u: case 2 is not a bool (TRUE or FALSE)"}},
		{"case out of range for unsigned", "union u switch (unsigned d) { case -1: void; case 4294967296: void; };",
			[]string{"t.x:1:36: union u: case -1 does not fit in an unsigned int", "t.x:1:51: union u: case 4294967296 does not fit in an unsigned int"}},
		{"case out of range for int", "union u switch (int d) { case 2147483648: void; case -2147483649: void; };",
			[]string{"t.x:1:31: union u: case 2147483648 does not fit in an int", "t.x:1:54: union u: case -2147483649 does not fit in an int"}},
		{"duplicate version number", "program P {\n version A { void F(void) = 1; } = 1;\n version B { void G(void) = 2; } = 0x1;\n} = 1;",
			[]string{"t.x:3:2: version B repeats number 1 of version A at t.x:2:2"}},
		{"duplicate procedure number", "program P { version V {\n void F(void) = 1;\n int G(int) = 1;\n} = 1; } = 1;",
			[]string{"t.x:3:2: procedure G repeats number 1 of procedure F at t.x:2:2"}},
		{"program number out of range", "program P { version V { void F(void) = -1; } = 4294967296; } = -1;",
			[]string{"t.x:1:40: procedure F number -1 does not fit in an unsigned int",
				"t.x:1:48: version V number 4294967296 does not fit in an unsigned int",
				"t.x:1:64: program P number -1 does not fit in an unsigned int"}},
		{"struct that contains itself", "struct s {\n  int a;\n  s again;\n};",
			[]string{"t.x:1:1: struct s contains itself with no way to end: recursion must go through optional-data (*) or a variable-length array (<>)"}},
		{"struct that contains itself in a fixed array", "struct s { s again[2]; };",
			[]string{"t.x:1:1: struct s contains itself with no way to end: recursion must go through optional-data (*) or a variable-length array (<>)"}},
		{"structs that contain each other", "struct a { b x; };\nstruct b { a y; };",
			[]string{"t.x:1:1: struct a contains itself with no way to end: recursion must go through optional-data (*) or a variable-length array (<>)",
				"t.x:2:1: struct b contains itself with no way to end: recursion must go through optional-data (*) or a variable-length array (<>)"}},
		{"only the struct on the cycle, not one that contains it", "struct outer { inner i; };\nstruct inner { inner again; };",
			[]string{"t.x:2:1: struct inner contains itself with no way to end: recursion must go through optional-data (*) or a variable-length array (<>)"}},
		{"struct that contains itself through a typedef", "typedef struct { t again; } t;",
			[]string{"t.x:1:9: struct t contains itself with no way to end: recursion must go through optional-data (*) or a variable-length array (<>)"}},
		{"union all of whose arms recurse", "union u switch (int d) { case 0: u a; default: u b; };",
			[]string{"t.x:1:1: union u contains itself with no way to end: recursion must go through optional-data (*) or a variable-length array (<>)"}},
		{"typedef defined in terms of itself", "typedef a a;",
			[]string{"t.x:1:1: typedef a is defined in terms of itself"}},
		{"typedefs defined in terms of each other", "typedef a b<>;\ntypedef b a;\nunion u switch (a d) { case 0: void; };\nstruct s { a x; };",
			[]string{"t.x:1:1: typedef b is defined in terms of itself"}},
		{"errors after a use of a library type", "struct a { netobj x; u_int y; };\ntypedef int b; typedef int c; typedef int d;\ntypedef missing m;",
			[]string{"t.x:3:9: undefined type missing"}},
		{"errors from every pass, in source order", "union u switch (int d) { case 1: void; case 1: void; };\ntypedef missing m;\nconst A = A;",
			[]string{"t.x:1:45: union u: case 1 repeats case 1 at t.x:1:31", "t.x:2:9: undefined type missing", "t.x:3:11: constant A is defined in terms of itself"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.x", []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			spec, err := Check(f)
			if err == nil {
				t.Fatalf("checked: %q", describeSpec(spec))
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %v is a %T, not an ErrorList", err, err)
			}
			if got, want := err.Error(), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("errors\n\t%s\nwant\n\t%s", strings.ReplaceAll(got, "\n", "\n\t"), strings.Join(tt.want, "\n\t"))
			}
		})
	}
}

// TestCheckErrorList checks that Check reports several errors at once, at
// most ten, the first in source order across the files, and that
// errors.As finds the first one.
func TestCheckErrorList(t *testing.T) {
	var a, b strings.Builder
	for i := range 8 {
		fmt.Fprintf(&a, "typedef missing%d a%d;\n", i, i)
		fmt.Fprintf(&b, "const B%d = undefined%d;\n", i, i)
	}
	fa, err := Parse("a.x", []byte(a.String()))
	if err != nil {
		t.Fatal(err)
	}
	fb, err := Parse("b.x", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Check(fb, fa)
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error %v is a %T, not an ErrorList", err, err)
	}
	if len(list) != 10 {
		t.Fatalf("%d errors, want 10:\n%v", len(list), err)
	}
	for i, e := range list {
		want := fmt.Sprintf("b.x:%d:12: undefined constant undefined%d", i+1, i)
		if i >= 8 {
			want = fmt.Sprintf("a.x:%d:9: undefined type missing%d", i-7, i-8)
		}
		if e.Error() != want {
			t.Errorf("error %d: %s, want %s", i, e, want)
		}
	}
	var first *Error
	if !errors.As(err, &first) || first != list[0] {
		t.Errorf("errors.As found %v, want the first error", first)
	}
	if lines := strings.Count(err.Error(), "\n"); lines != 9 {
		t.Errorf("Error() has %d newlines, want 9", lines)
	}
}

// TestLoad reads .x files from disk: errors name the file, and a missing
// file is the operating system's error.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("good.x", "typedef other_t mine;\n")
	other := write("other.x", "typedef int other_t;\n")
	bad := write("bad.x", "const A = ;\n")
	undefined := write("undefined.x", "typedef nowhere_t mine;\n")

	spec, err := Load(good, other)
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Files) != 2 || spec.Lookup("mine").Decl.Type.Def != spec.Lookup("other_t") {
		t.Errorf("the files were not checked together")
	}
	if _, err := Load(bad); err == nil || err.Error() != bad+`:1:11: expected a constant, found ";"` {
		t.Errorf("Load(bad.x): %v", err)
	}
	if _, err := Load(undefined); err == nil || err.Error() != undefined+":1:9: undefined type nowhere_t" {
		t.Errorf("Load(undefined.x): %v", err)
	}
	if _, err := Load(filepath.Join(dir, "absent.x")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(absent.x): %v, want os.ErrNotExist", err)
	}
}

// TestTestdata loads the .x files under testdata/xdr that the examples
// and the other packages use.
func TestTestdata(t *testing.T) {
	others, err := filepath.Glob("../../testdata/xdr/gen/*.x")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range others {
		if _, err := Load(path); err != nil {
			t.Error(err)
		}
	}

	spec, err := Load("../../testdata/xdr/file.x")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"const MAXUSERNAME = 32", "const MAXFILELEN = 65535", "const MAXNAMELEN = 255",
		"enum filekind { TEXT = 0, DATA = 1, EXEC = 2 }",
		"union filetype switch (filekind kind) { case TEXT=0: void; case DATA=1: string creator<MAXNAMELEN=255>; " +
			"case EXEC=2: string interpretor<MAXNAMELEN=255>; }",
		"struct file { string filename<MAXNAMELEN=255>; filetype type; string owner<MAXUSERNAME=32>; opaque data<MAXFILELEN=65535>; }"}
	if got := describeSpec(spec); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("file.x:\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}

	spec, err = Load("../../testdata/xdr/square.x")
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"struct square_in { int arg1; }", "struct square_out { int res1; }",
		"program SQUARE_PROG = 0x31230000=824377344 { version SQUARE_VERS = 1 { square_out SQUAREPROC(square_in) = 1; } }"}
	if got := describeSpec(spec); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("square.x:\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// TestCorpus loads the real-world .x files in testdata/xdr/corpus:
// Stellar's together (they refer to each other) and each rpcsvc file
// alone, and spot-checks what came out.
func TestCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "xdr", "corpus")
	load := func(t *testing.T, pattern string) *Spec {
		t.Helper()
		files, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil || len(files) == 0 {
			t.Fatalf("no files %s: %v", pattern, err)
		}
		start := time.Now()
		spec, err := Load(files...)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d files, %d definitions in %v", len(files), len(spec.Defs), time.Since(start))
		return spec
	}
	constant := func(t *testing.T, spec *Spec, name string, want int64) {
		t.Helper()
		if got, ok := spec.Constant(name); !ok || got != want {
			t.Errorf("%s = %d, %t; want %d", name, got, ok, want)
		}
	}
	lookup := func(t *testing.T, spec *Spec, name string) *Def {
		t.Helper()
		d := spec.Lookup(name)
		if d == nil {
			t.Fatalf("%s is not defined", name)
		}
		return d
	}

	t.Run("stellar", func(t *testing.T) {
		spec := load(t, "stellar/*.x")
		constant(t, spec, "MASK_ACCOUNT_FLAGS_V17", 0xF)
		constant(t, spec, "MAX_OPS_PER_TX", 100)
		constant(t, spec, "ENVELOPE_TYPE_TX", 2)
		if got := describe(lookup(t, spec, "Hash")); got != "typedef opaque Hash[32]" {
			t.Errorf("Hash: %s", got)
		}
		// PoolID (in Stellar-ledger-entries.x) is a Hash (in Stellar-types.x).
		if pool := lookup(t, spec, "PoolID"); pool.Decl.Type.Def != lookup(t, spec, "Hash") {
			t.Errorf("PoolID does not resolve to Hash across files")
		}
		if u := lookup(t, spec, "ExtensionPoint").Type.Union; u.Disc.Type.Kind != Int || u.DefaultIndex != -1 {
			t.Errorf("ExtensionPoint: %s", describe(lookup(t, spec, "ExtensionPoint")))
		}
	})
	for _, name := range []string{"bootparam_prot.x", "key_prot.x", "klm_prot.x", "mount.x", "nfs_prot.x", "nlm_prot.x",
		"rex.x", "rquota.x", "rstat.x", "rusers.x", "sm_inter.x", "spray.x"} {
		t.Run(name, func(t *testing.T) {
			spec := load(t, "rpcsvc/"+name)
			switch name {
			case "nlm_prot.x":
				constant(t, spec, "LM_MAXSTRLEN", 1024)
				constant(t, spec, "MAXNAMELEN", 1025) // %#define MAXNAMELEN LM_MAXSTRLEN+1
				if got := describe(lookup(t, spec, "netobj")); got != "typedef opaque netobj<1024>" {
					t.Errorf("netobj: %s", got)
				}
				constant(t, spec, "nlm_denied_grace_period", 4)
			case "rstat.x":
				constant(t, spec, "FSCALE", 256) // %#define FSCALE (1<<FSHIFT)
			case "rusers.x":
				constant(t, spec, "RUSERSVERS_IDLE", 2)
				constant(t, spec, "MAXUSERS", 100)
			case "key_prot.x":
				if spec.Lookup("opaque") != nil {
					t.Errorf("%%#define opaque char became a definition")
				}
			case "nfs_prot.x":
				if u := lookup(t, spec, "attrstat").Type.Union; u.DefaultIndex != 1 || u.Default.Type.Kind != Void {
					t.Errorf("attrstat: %s", describe(lookup(t, spec, "attrstat")))
				}
				constant(t, spec, "NFS_PROGRAM", 100003)
			case "mount.x":
				if got := describe(lookup(t, spec, "fhstatus")); got != "union fhstatus switch (unsigned int fhs_status) { case 0: fhandle fhs_fhandle; default: void; }" {
					t.Errorf("fhstatus: %s", got)
				}
			}
		})
	}
}

// within fails the test if f has not returned after d: the parser and
// checker must take time roughly linear in their input, whatever it is.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
		t.Logf("%v", time.Since(start))
	case <-time.After(d):
		t.Fatalf("still running after %v", d)
	}
}

// TestHostileInputs feeds inputs built to make a careless parser or
// checker recurse without bound or take quadratic time. Each must return
// (an error or a spec) quickly.
func TestHostileInputs(t *testing.T) {
	const n = 50000
	var reversedStructs, reversedConsts, bigUnion strings.Builder
	for i := range n {
		fmt.Fprintf(&reversedStructs, "struct s%d { s%d next; };\n", i, i+1)
		fmt.Fprintf(&reversedConsts, "const c%d = c%d;\n", i, i+1)
	}
	fmt.Fprintf(&reversedStructs, "struct s%d { int end; };\n", n)
	fmt.Fprintf(&reversedConsts, "const c%d = 1;\n", n)
	bigUnion.WriteString("union u switch (e d) {\n")
	for i := range n {
		fmt.Fprintf(&bigUnion, "case V%d: void;\n", i)
	}
	bigUnion.WriteString("};\nconst LAST = V49999;\nenum e { V0")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&bigUnion, ", V%d", i)
	}
	bigUnion.WriteString(" };\n")

	tests := []struct {
		name, src string
		wantErr   string // a prefix of the error, or "" for none
	}{
		{"deeply nested structs", "struct s { " + strings.Repeat("struct { ", 1e5), "t.x:1:579: nesting deeper than 64 levels"},
		{"deeply nested unions", "union u switch (int d) { case 0: " + strings.Repeat("union switch (int d) { case 0: ", 1e5), "t.x:1:"},
		{"deeply nested namespaces", strings.Repeat("namespace n {", 1e5), "t.x:1:833: nesting deeper than 64 levels"},
		{"deeply nested %#define parentheses", "%#define X " + strings.Repeat("(", 1e5) + "1" + strings.Repeat(")", 1e5) + "\n", ""},
		{"deeply nested %#define minuses", "%#define X " + strings.Repeat("-", 1e5) + "1\n", ""},
		{"a long %#define expression", "%#define X " + strings.Repeat("1+", 1e5) + "1\n", ""},
		{"a long chain of structs, each needing the next", reversedStructs.String(), ""},
		{"a long chain of constants, each needing the next", reversedConsts.String(), ""},
		{"a large union over a large later enum", bigUnion.String(), ""},
		{"a long comment", "/*" + strings.Repeat("* /", 1e5), "t.x:1:1: comment not terminated"},
		{"many comments", strings.Repeat("/**/", 1e5), ""},
		{"many % lines", strings.Repeat("%#define X 1\n", 1e5), ""},
		{"a long identifier", "typedef int " + strings.Repeat("a", 1e6) + ";", ""},
		{"a long number", "const A = " + strings.Repeat("1", 1e6) + ";", "t.x:1:11: constant 1111"},
		{"many errors", strings.Repeat("typedef missing m;\n", 1e5), "t.x:1:9: undefined type missing\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			within(t, 20*time.Second, func() {
				_, err := parseCheck(tt.src)
				switch {
				case tt.wantErr == "" && err != nil:
					t.Errorf("error: %.200s", err)
				case tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)):
					t.Errorf("error %.200v, want %s...", err, tt.wantErr)
				}
			})
		})
	}
}
