package gen_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/wirekit/wirekit/xdr/gen"
	"github.com/wirekit/wirekit/xdr/idl"
)

func Example() {
	const squareX = `
struct square_in { long arg1; };
struct square_out { long res1; };
program SQUARE_PROG {
	version SQUARE_VERS {
		square_out SQUAREPROC(square_in) = 1;
	} = 1;
} = 0x31230000;
`
	f, err := idl.Parse("square.x", []byte(squareX))
	if err != nil {
		log.Fatal(err)
	}
	spec, err := idl.Check(f)
	if err != nil {
		log.Fatal(err)
	}
	files, err := gen.Generate(spec, gen.Options{Package: "square"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(files[0].Name)
	for _, line := range strings.Split(string(files[0].Source), "\n") {
		if strings.HasPrefix(line, "type ") || strings.HasPrefix(line, "\tSQUARE") || strings.HasPrefix(line, "\tArg1") {
			fmt.Println(line)
		}
	}
	// Output:
	// square_xdr.go
	// type SquareIn struct {
	// 	Arg1 int32
	// type SquareOut struct {
	// 	SQUARE_PROG = 0x31230000
	// 	SQUARE_VERS = 1
	// 	SQUAREPROC  = 1 // square_out SQUAREPROC(square_in)
}
