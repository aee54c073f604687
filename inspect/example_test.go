package inspect_test

import (
	"fmt"
	"os"

	"github.com/wirekit/wirekit/inspect"
)

func ExampleWriteDiag() {
	// {_ "a": 1, "b": [_ 2, 3]}, an RFC 8949 Appendix A example
	data := []byte{0xbf, 0x61, 'a', 0x01, 0x61, 'b', 0x9f, 0x02, 0x03, 0xff, 0xff}
	it, err := inspect.ParseCBOR(data, 0, inspect.DefaultMaxDepth)
	if err != nil {
		fmt.Println(err)
		return
	}
	inspect.WriteDiag(os.Stdout, it)
	fmt.Println()

	_, err = inspect.ParseCBOR(data[:8], 100, inspect.DefaultMaxDepth)
	fmt.Println(err)
	// Output:
	// {_ "a": 1, "b": [_ 2, 3]}
	// inspect: indefinite-length array ends after 1 items at offset 106
}

func ExampleWriteAnnotate() {
	// MessagePack {"id": 7, "at": timestamp 2020-09-13T12:26:40Z}
	data := []byte{0x82, 0xa2, 'i', 'd', 0x07, 0xa2, 'a', 't', 0xd6, 0xff, 0x5f, 0x5e, 0x10, 0x00}
	it, err := inspect.ParseMsgpack(data, 0, inspect.DefaultMaxDepth)
	if err != nil {
		fmt.Println(err)
		return
	}
	inspect.WriteAnnotate(os.Stdout, it)
	// Output:
	// 0000  14  82                 fixmap(2)
	// 0001   3  a2 69 64             key: fixstr(2) "id"
	// 0004   1  07                   value: positive fixint 7
	// 0005   3  a2 61 74             key: fixstr(2) "at"
	// 0008   6  d6 ff 5f 5e 10 00    value: timestamp 2020-09-13T12:26:40Z (fixext4 type -1)
}
