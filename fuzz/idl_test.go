package fuzz

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wirekit/wirekit/internal/alloc"
	"github.com/wirekit/wirekit/xdr/idl"
)

// idlSeeds are small .x texts that between them use every construct of
// the rpcgen language, with testdata/xdr/*.x and testdata/xdr/gen/*.x
// added by FuzzIDLParse. (The corpus's files are too large to fuzz well.)
var idlSeeds = []string{
	"",
	`const A = 10; const B = 0x1F; const C = 017; const D = -5; const S = "text";`,
	`typedef int a; typedef unsigned b; typedef unsigned hyper c; typedef quadruple d; typedef bool e;
	typedef long f; typedef short g; typedef char h; typedef unsigned char i; typedef float j; typedef double k;`,
	`enum color { RED, GREEN = 5, BLUE, }; const X = BLUE;`,
	`struct s { opaque a[4]; opaque b<8>; opaque c<>; string d<N>; string e<>; int f[2]; hyper g<>; s *next; }; const N = 3;`,
	`union u switch (int d) { case 0: case 1: int a; default: void; case 2: u *more; };`,
	`union r switch (status s) { case OK: opaque data<>; case ERR: void; }; typedef stat status; enum stat { OK, ERR };`,
	`union b switch (bool f) { case TRUE: int v; case FALSE: void; };`,
	`program P { version V1 { void NULLPROC(void) = 0; int ADD(int, int) = 1; } = 1;
	version V2 { args SUM(args) = 2; } = 2; } = 0x20000001; struct args { int n<>; };`,
	`struct o { struct { int a; } in; union switch (int d) { case 0: void; } ch; enum { R, G } c; struct o *next; };`,
	`struct node; struct list { node *head; }; struct node { int v; node *next; };`,
	"namespace stellar { typedef opaque Hash[32]; namespace inner { typedef Hash PoolID; }; }",
	"/* comment */ // line\n#ifdef RPC_HDR\n%#define LM_MAXSTRLEN\t1024\n%#define MAXNAMELEN LM_MAXSTRLEN+1\n#endif\n" +
		"typedef string name<MAXNAMELEN>; struct lock { netobj oh; des_block k; u_int n; };",
	"%#define FSHIFT 8\n%#define FSCALE (1<<FSHIFT)\n%#define opaque char\n%#define X c_macro\ntypedef int avenrun[3];",
	`struct bad { bad again; }; typedef t t; union all switch (int d) { case 0: all a; };`,
	`enum e { A = B, B }; const C = C; union u switch (hyper h) { case 0: void; case 0: void; };`,
	`program P { version V { void F(void) = 1; int F(int) = 1; } = 1; version W { void G(void) = 1; } = 1; } = 1;`,
	"struct s { string x[3]; opaque y; void; };",
	"const A = 1; /* unterminated",
}

// idlTimeLimit is far more than any input the fuzzer makes should take:
// the parser and checker are linear (TestHostileInputs in xdr/idl checks
// long inputs), so an input that takes this long has found a hang.
const idlTimeLimit = 2 * time.Second

// idlBudget is how much parsing and checking n bytes of .x text may
// allocate. The costliest input per byte is a long enum (each two-byte
// value becomes a constant, a scope entry and a position: about 130 bytes
// of heap per byte of text); the bound is twice that, plus a constant for
// the builtin types and scopes every file starts with. A quadratic
// structure anywhere in the parser or checker blows through it.
func idlBudget(n int) uint64 { return 256*uint64(n) + 64<<10 }

// FuzzIDLParse parses and checks arbitrary text as a .x file.
// Properties:
//   - no panic, no hang, memory within idlBudget;
//   - a Parse error is an *idl.Error, a Check error a non-empty
//     idl.ErrorList of at most 10 *idl.Error, each at a position inside
//     the input (line and column from 1, within the text or just past its
//     end) in the file that was parsed;
//   - both are deterministic: the same text gives the same errors;
//   - what checks is consistent: every named type resolves (and Resolve
//     ends), every integer constant has its value.
//
// Regression inputs found by fuzzing are kept in
// testdata/fuzz/FuzzIDLParse/regress-*.
func FuzzIDLParse(f *testing.F) {
	for _, s := range idlSeeds {
		f.Add([]byte(s))
	}
	files, err := filepath.Glob(filepath.Join("..", "testdata", "xdr", "*.x"))
	if err != nil {
		f.Fatal(err)
	}
	gen, err := filepath.Glob(filepath.Join("..", "testdata", "xdr", "gen", "*.x"))
	if err != nil {
		f.Fatal(err)
	}
	files = append(files, gen...)
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		before := allocatedBytes()
		spec, err := parseCheckIDL(data)
		used := allocatedBytes() - before
		if elapsed := time.Since(start); elapsed > idlTimeLimit {
			t.Fatalf("parsing and checking %d bytes took %v", len(data), elapsed)
		}
		if budget := idlBudget(len(data)); used > budget {
			// The cheap counter is coarse: measure precisely before failing.
			if used = alloc.Least(func() { _, _ = parseCheckIDL(data) }); used > budget {
				t.Fatalf("parsing and checking %d bytes allocated %d, over %d", len(data), used, budget)
			}
		}
		_, again := parseCheckIDL(data)
		if errString(err) != errString(again) {
			t.Fatalf("errors differ between runs:\n%v\n----\n%v", err, again)
		}
		if err != nil {
			checkIDLError(t, err, data)
			return
		}
		checkIDLSpec(t, spec)
	})
}

func parseCheckIDL(data []byte) (*idl.Spec, error) {
	f, err := idl.Parse("fuzz.x", data)
	if err != nil {
		return nil, err
	}
	return idl.Check(f)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func checkIDLError(t *testing.T, err error, data []byte) {
	t.Helper()
	var list idl.ErrorList
	var one *idl.Error
	switch {
	case errors.As(err, &list):
		if len(list) == 0 || len(list) > 10 {
			t.Fatalf("ErrorList of %d errors: %v", len(list), err)
		}
	case errors.As(err, &one):
		if error(one) != err {
			t.Fatalf("error %v (%T) wraps an *idl.Error instead of being one", err, err)
		}
		list = idl.ErrorList{one}
	default:
		t.Fatalf("error %v is a %T, neither *idl.Error nor idl.ErrorList", err, err)
	}
	lines := bytes.Split(data, []byte("\n"))
	for _, e := range list {
		p := e.Pos
		if e.Msg == "" {
			t.Fatalf("error without a message at %s", p)
		}
		if p.File != "fuzz.x" {
			t.Fatalf("error %q is not in the parsed file", e)
		}
		if p.Line < 1 || p.Line > len(lines) || p.Col < 1 || p.Col > len(lines[p.Line-1])+1 {
			t.Fatalf("error %q is outside the input (%d lines)", e, len(lines))
		}
	}
}

// checkIDLSpec checks what Check accepted: every reference resolves to a
// definition, following typedefs ends, and constants have values.
func checkIDLSpec(t *testing.T, spec *idl.Spec) {
	t.Helper()
	var typ func(ty *idl.Type, depth int)
	decl := func(d *idl.Decl, depth int) {
		typ(d.Type, depth)
		if d.Shape == idl.Fixed || d.Shape == idl.Variable && d.Size != nil {
			n, ok := d.Bound()
			if !ok || d.Shape == idl.Fixed && n > idl.MaxFixedLength {
				t.Fatalf("%s: bound %d, %t", d.Name, n, ok)
			}
		}
	}
	typ = func(ty *idl.Type, depth int) {
		if depth > 200 {
			t.Fatalf("types nest deeper than the parser allows")
		}
		switch ty.Kind {
		case idl.Named:
			if ty.Def == nil {
				t.Fatalf("%s: named type %s does not resolve", ty.Pos, ty.Name)
			}
			ty.Resolve() // must end
		case idl.Struct:
			for _, f := range ty.Fields {
				decl(f, depth+1)
			}
		case idl.Union:
			decl(ty.Union.Disc, depth+1)
			for _, c := range ty.Union.Cases {
				decl(c.Arm, depth+1)
			}
			if ty.Union.Default != nil {
				decl(ty.Union.Default, depth+1)
				if ty.Union.DefaultIndex < 0 || ty.Union.DefaultIndex > len(ty.Union.Cases) {
					t.Fatalf("%s: DefaultIndex %d of %d cases", ty.Pos, ty.Union.DefaultIndex, len(ty.Union.Cases))
				}
			}
		}
	}
	for _, d := range spec.Defs {
		if spec.Lookup(d.Name) != d {
			t.Fatalf("%s: Lookup(%q) is not its definition", d.Pos, d.Name)
		}
		switch d.Kind {
		case idl.ConstDef:
			v, ok := spec.Constant(d.Name)
			if ok == d.Value.IsString() || ok && v != d.Value.Val {
				t.Fatalf("%s: Constant(%q) = %d, %t", d.Pos, d.Name, v, ok)
			}
		case idl.TypedefDef:
			decl(d.Decl, 0)
		case idl.EnumDef, idl.StructDef, idl.UnionDef:
			typ(d.Type, 0)
		case idl.ProgramDef:
			for _, v := range d.Program.Versions {
				for _, p := range v.Procs {
					typ(p.Result, 0)
					for _, a := range p.Args {
						typ(a, 0)
					}
				}
			}
		}
	}
}
