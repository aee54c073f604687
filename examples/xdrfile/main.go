// Command xdrfile decodes files in the XDR format of RFC 4506's worked
// example (section 7), prints what they hold, and re-encodes them to show
// the round trip is exact. Bad input is reported with the field and the
// byte offset.
//
//	go run ./examples/xdrfile testdata/xdr/file.bin
//	go run ./examples/xdrfile < capture.bin
//
// With -demo it writes the RFC's example file to standard output instead.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wirekit/wirekit/xdr"
)

// The RFC 4506 §7 types: see the xdr package example for the .x source.

type FileKind int32

const (
	Text FileKind = iota
	Data
	Exec
)

func (FileKind) ValidEnum(v int32) bool { return v >= int32(Text) && v <= int32(Exec) }

func (k FileKind) String() string {
	switch k {
	case Text:
		return "TEXT"
	case Data:
		return "DATA"
	case Exec:
		return "EXEC"
	}
	return fmt.Sprintf("filekind(%d)", int32(k))
}

type FileType interface{ isFileType() }

type TextFile struct{}

type DataFile struct {
	Creator string `xdr:"max=255"`
}

type ExecFile struct {
	Interpretor string `xdr:"max=255"`
}

func (*TextFile) isFileType() {}
func (*DataFile) isFileType() {}
func (*ExecFile) isFileType() {}

func init() {
	xdr.RegisterUnion[FileType](
		xdr.Case[*TextFile](Text),
		xdr.Case[*DataFile](Data),
		xdr.Case[*ExecFile](Exec))
}

type File struct {
	Filename string `xdr:"max=255"`
	Type     FileType
	Owner    string `xdr:"max=32"`
	Data     []byte `xdr:"max=65535"`
}

func main() {
	demo := flag.Bool("demo", false, "write the RFC 4506 example file to standard output")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: xdrfile [-demo] [FILE...]   (standard input when no FILE)")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *demo {
		b, err := xdr.Marshal(&File{"sillyprog", &ExecFile{"lisp"}, "john", []byte("(quit)")})
		if err == nil {
			_, err = os.Stdout.Write(b)
		}
		exit(err)
		return
	}
	if flag.NArg() == 0 {
		exit(show("stdin", os.Stdin))
		return
	}
	failed := false
	for _, name := range flag.Args() {
		f, err := os.Open(name)
		if err == nil {
			err = show(name, f)
			f.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "xdrfile:", err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// show decodes every file record in r, one after another, and checks
// that each re-encodes to exactly the bytes it was read from.
func show(name string, r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(data) == 0 {
		return fmt.Errorf("%s: empty", name)
	}
	dec := xdr.NewDecoder(bytes.NewReader(data))
	for n := 1; ; n++ {
		var f File
		start := dec.Offset()
		err := dec.Decode(&f)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: record %d: %w", name, n, err)
		}
		again, err := xdr.Marshal(&f)
		if err != nil {
			return fmt.Errorf("%s: re-encoding record %d: %w", name, n, err)
		}
		fmt.Printf("%s record %d, bytes %d to %d:\n", name, n, start, dec.Offset()-1)
		fmt.Printf("  filename  %q\n", f.Filename)
		switch t := f.Type.(type) {
		case *TextFile:
			fmt.Printf("  type      %v\n", Text)
		case *DataFile:
			fmt.Printf("  type      %v, creator %q\n", Data, t.Creator)
		case *ExecFile:
			fmt.Printf("  type      %v, interpretor %q\n", Exec, t.Interpretor)
		}
		fmt.Printf("  owner     %q\n", f.Owner)
		fmt.Printf("  data      %q (%d bytes)\n", f.Data, len(f.Data))
		if !bytes.Equal(again, data[start:dec.Offset()]) {
			return fmt.Errorf("%s: record %d re-encodes differently", name, n)
		}
		fmt.Printf("  re-encodes to the same %d bytes\n", len(again))
	}
}

func exit(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "xdrfile:", err)
		os.Exit(1)
	}
}
