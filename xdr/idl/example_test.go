package idl_test

import (
	"errors"
	"fmt"

	"github.com/wirekit/wirekit/xdr/idl"
)

// The square server's interface from seed 003 (testdata/xdr/square.x):
// two structs and a program with one procedure.
func Example() {
	src := `
struct square_in {
	long arg1;
};

struct square_out {
	long res1;
};

program SQUARE_PROG {
	version SQUARE_VERS {
		square_out SQUAREPROC(square_in) = 1;
	} = 1;
} = 0x31230000;
`
	f, err := idl.Parse("square.x", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	spec, err := idl.Check(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, def := range spec.Defs {
		fmt.Printf("%s: %s %s\n", def.Pos, def.Kind, def.Name)
		switch def.Kind {
		case idl.StructDef:
			for _, field := range def.Type.Fields {
				fmt.Printf("\t%s %s\n", field.Type.Kind, field.Name)
			}
		case idl.ProgramDef:
			for _, v := range def.Program.Versions {
				for _, p := range v.Procs {
					fmt.Printf("\tversion %d: %s %s(%s) = %d\n", v.Number.Val, p.Result.Name, p.Name, p.Args[0].Name, p.Number.Val)
				}
			}
		}
	}
	prog, _ := spec.Constant("SQUARE_PROG")
	fmt.Printf("program number %#x\n", prog)
	// Output:
	// square.x:2:1: struct square_in
	// 	int arg1
	// square.x:6:1: struct square_out
	// 	int res1
	// square.x:10:1: program SQUARE_PROG
	// 	version 1: square_out SQUAREPROC(square_in) = 1
	// program number 0x31230000
}

// Check reports every error it finds, each with its position, as an
// ErrorList; errors.As finds the first.
func ExampleCheck_errors() {
	src := `
enum filekind { TEXT, DATA, EXEC };
union filetype switch (filekind kind) {
case TEXT:
	void;
case LISP:
	string interpretor<MAXNAMELEN>;
};
`
	f, err := idl.Parse("file.x", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = idl.Check(f)
	fmt.Println(err)

	var first *idl.Error
	if errors.As(err, &first) {
		fmt.Printf("first at line %d, column %d\n", first.Pos.Line, first.Pos.Col)
	}
	// Output:
	// file.x:6:6: undefined constant LISP
	// file.x:7:21: undefined constant MAXNAMELEN
	// first at line 6, column 6
}

// A syntax error stops Parse; it is an *Error with the position.
func ExampleParse_error() {
	_, err := idl.Parse("bad.x", []byte("struct s {\n\tstring name;\n};\n"))
	fmt.Println(err)
	// Output:
	// bad.x:2:2: string name needs a length: [n] or <n>
}
