package schema_test

import (
	"encoding/hex"
	"fmt"
	"log"
	"os"

	"github.com/wirekit/wirekit/xdr"
	"github.com/wirekit/wirekit/xdr/idl"
	"github.com/wirekit/wirekit/xdr/schema"
)

// The RFC 4506 §7 example: its .x text and its 48 bytes, decoded to JSON
// and back without generated code.
func Example() {
	const fileX = `
		const MAXUSERNAME = 32;
		const MAXFILELEN = 65535;
		const MAXNAMELEN = 255;
		enum filekind { TEXT = 0, DATA = 1, EXEC = 2 };
		union filetype switch (filekind kind) {
		case TEXT: void;
		case DATA: string creator<MAXNAMELEN>;
		case EXEC: string interpretor<MAXNAMELEN>;
		};
		struct file {
			string filename<MAXNAMELEN>;
			filetype type;
			string owner<MAXUSERNAME>;
			opaque data<MAXFILELEN>;
		};`
	f, err := idl.Parse("file.x", []byte(fileX))
	if err != nil {
		log.Fatal(err)
	}
	spec, err := idl.Check(f) // idl.Load("file.x") does both
	if err != nil {
		log.Fatal(err)
	}
	t, err := schema.Compile(spec, "file")
	if err != nil {
		log.Fatal(err)
	}
	data, _ := hex.DecodeString("00000009" + "73696c6c7970726f67000000" + // filename
		"00000002" + "00000004" + "6c697370" + // type: EXEC, interpretor
		"00000004" + "6a6f686e" + // owner
		"00000006" + "287175697429" + "0000") // data
	v, err := t.Unmarshal(data, xdr.Limits{})
	if err != nil {
		log.Fatal(err)
	}
	schema.WriteJSON(os.Stdout, v)
	fmt.Println()
	fmt.Println(v.Field("type").Field("interpretor").Offset)

	// Back to XDR, from JSON as encoding/json decodes it with UseNumber.
	b, err := t.Marshal(map[string]any{
		"filename": "sillyprog",
		"type":     map[string]any{"kind": "EXEC", "interpretor": "lisp"},
		"owner":    "john",
		"data":     "287175697429",
	})
	fmt.Println(len(b), err)

	// Bad bytes are an *xdr.Error with the .x path and the offset.
	_, err = t.Unmarshal(data[:30], xdr.Limits{})
	fmt.Println(err)
	// Output:
	// {"filename":"sillyprog","type":{"kind":"EXEC","interpretor":"lisp"},"owner":"john","data":"287175697429"}
	// 20
	// 48 <nil>
	// xdr: file.owner: unexpected end of input: need 4 bytes, have 2 at offset 28
}
