package xdr_test

import (
	"fmt"
	"log"

	"github.com/wirekit/wirekit/xdr"
)

// The RFC 4506 §7 example, in Go:
//
//	const MAXUSERNAME = 32;     /* max length of a user name */
//	const MAXFILELEN = 65535;   /* max length of a file      */
//	const MAXNAMELEN = 255;     /* max length of a file name */
//
//	enum filekind { TEXT = 0, DATA = 1, EXEC = 2 };
//
//	union filetype switch (filekind kind) {
//	case TEXT: void;                            /* no extra information */
//	case DATA: string creator<MAXNAMELEN>;      /* data creator         */
//	case EXEC: string interpretor<MAXNAMELEN>;  /* program interpretor  */
//	};
//
//	struct file {
//	    string filename<MAXNAMELEN>; /* name of file    */
//	    filetype type;               /* info about file */
//	    string owner<MAXUSERNAME>;   /* owner of file   */
//	    opaque data<MAXFILELEN>;     /* file data       */
//	};

type FileKind int32

const (
	Text FileKind = iota
	Data
	Exec
)

// ValidEnum makes the codec reject values outside the enum.
func (FileKind) ValidEnum(v int32) bool { return v >= int32(Text) && v <= int32(Exec) }

// FileType is the union: one Go type per arm.
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

func Example() {
	in := File{
		Filename: "sillyprog",
		Type:     &ExecFile{Interpretor: "lisp"},
		Owner:    "john",
		Data:     []byte("(quit)"),
	}
	b, err := xdr.Marshal(&in)
	if err != nil {
		log.Fatal(err)
	}
	for i := 0; i < len(b); i += 16 {
		fmt.Printf("% x\n", b[i:min(i+16, len(b))])
	}

	var out File
	if err := xdr.Unmarshal(b, &out); err != nil {
		log.Fatal(err)
	}
	fmt.Println(out.Filename, out.Type.(*ExecFile).Interpretor, out.Owner, string(out.Data))
	// Output:
	// 00 00 00 09 73 69 6c 6c 79 70 72 6f 67 00 00 00
	// 00 00 00 02 00 00 00 04 6c 69 73 70 00 00 00 04
	// 6a 6f 68 6e 00 00 00 06 28 71 75 69 74 29 00 00
	// sillyprog lisp john (quit)
}
