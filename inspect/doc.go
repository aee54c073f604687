// Package inspect shows what one CBOR or MessagePack value holds and
// where each part of it lies: it parses the value into a tree of Items
// that keep their byte offsets, and writes the tree four ways, for
// `wirectl decode -o diag|json|annotate|text`.
//
//	it, err := inspect.ParseCBOR(frame, streamOffset, 32) // or ParseMsgpack
//	if err != nil {
//		return err // an *inspect.Error naming the offset
//	}
//	inspect.WriteDiag(os.Stdout, it) // [1, {"a": h'00ff'}]    RFC 8949 §8, lossless
//	inspect.WriteJSON(os.Stdout, it) // [1,{"a":"00ff"}]       DESIGN §3 -o json
//	inspect.WriteText(os.Stdout, it) // diag, broken into lines when long
//	inspect.WriteAnnotate(os.Stdout, it)
//	// 0000  8  82        array(2)
//	// 0001  1  01          uint 1
//	// 0002  6  a1          map(1)
//	// 0003  2  61 61         key: text(1) "a"
//	// 0005  3  42 00 ff      value: bytes(2) h'00ff'
//
// # Input
//
// The parsers take exactly one item, already cut from its stream (by a
// framing.Reader, or marshal's scanners): bytes after it are an error,
// ErrTrailingData. They still trust nothing in it. They never panic,
// never recurse (open containers are kept on a heap stack; the writers do
// recurse, a call per level of a tree the parser kept shallow), refuse
// arrays, maps and tags nested deeper than maxDepth (ErrDepth), check
// every declared length against the bytes left before allocating for it,
// and allocate a bounded amount per input byte: Items alias the input
// rather than copy it. Input that ends inside an item is an error
// wrapping io.ErrUnexpectedEOF whose offset is that of the item cut
// short; anything else wrong is ErrMalformed. All errors are *Error:
//
//	inspect: text string is not valid UTF-8 at offset 17
//
// # Offsets
//
// An Item's Offset is base plus its position in the input, so a caller
// that passes the frame's offset in the stream gets stream offsets
// back, in the tree and in errors alike. Head and Len split the item's
// bytes, Raw, into its head and the rest:
//
//	CBOR 0x62 0x61 0x62  (text "ab")        MessagePack 0xc7 0x02 0x05 0x01 0x02  (ext8)
//	+------+-----------+                    +----------------+-----------+
//	| 0x62 | 0x61 0x62 |                    | 0xc7 0x02 0x05 | 0x01 0x02 |
//	+------+-----------+                    +----------------+-----------+
//	 Head 1  payload: Bytes                  Head 3: type, length, ext type; payload: Bytes
//	<----- Len 3 ----->                     <------------ Len 5 ------------>
package inspect
