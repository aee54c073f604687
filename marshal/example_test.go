package marshal_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/wirekit/wirekit/marshal"
)

func ExampleLookup() {
	type Point struct{ X, Y int32 }
	for _, name := range []string{"json", "msgpack", "cbor", "xdr"} {
		c, _ := marshal.Lookup(name)
		b, _ := c.Marshal(Point{3, -4})
		var p Point
		err := c.Unmarshal(b, &p)
		fmt.Printf("%-7s % x -> %+v %v\n", name, b, p, err)
	}
	// Output:
	// json    7b 22 58 22 3a 33 2c 22 59 22 3a 2d 34 7d -> {X:3 Y:-4} <nil>
	// msgpack 82 a1 58 d2 00 00 00 03 a1 59 d2 ff ff ff fc -> {X:3 Y:-4} <nil>
	// cbor    a2 61 58 03 61 59 23 -> {X:3 Y:-4} <nil>
	// xdr     00 00 00 03 ff ff ff fc -> {X:3 Y:-4} <nil>
}

// The issue that made the msgpack codec validate first: five bytes that
// ask the library for 32 GiB.
func ExampleLimits() {
	c, _ := marshal.Limits{MaxElements: math.MaxInt}.Lookup("msgpack")
	var v []int64
	err := c.Unmarshal([]byte{0xdd, 0xff, 0xff, 0xff, 0xff}, &v)
	fmt.Println(err)
	fmt.Println(errors.Is(err, io.ErrUnexpectedEOF))
	// Output:
	// marshal: msgpack: array of 4294967295 elements cannot fit in the 0 bytes left at offset 0
	// true
}

func ExampleCodec_NewDecoder() {
	c, _ := marshal.Lookup("cbor")
	var stream bytes.Buffer
	enc := c.NewEncoder(&stream)
	for _, word := range []string{"one", "two"} {
		_ = enc.Encode(word)
	}
	dec := c.NewDecoder(&stream)
	for {
		var s string
		if err := dec.Decode(&s); err == io.EOF {
			break
		} else if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(s)
	}
	// Output:
	// one
	// two
}

func ExampleDetect() {
	for _, data := range [][]byte{
		[]byte(`{"compact": true}`),
		{0x81, 0xa7, 'c', 'o', 'm', 'p', 'a', 'c', 't', 0xc3},
		{0xa1, 0x67, 'c', 'o', 'm', 'p', 'a', 'c', 't', 0xf5},
		[]byte("1"),
	} {
		fmt.Println(marshal.Detect(data))
	}
	// Output:
	// json true
	// msgpack true
	// cbor true
	// json false
}

func ExampleDump() {
	type Pair struct {
		Key   string
		Count *int
	}
	n := 2
	fmt.Print(marshal.Dump(map[string]Pair{"b": {"b", &n}, "a": {"a", nil}}))
	// Output:
	// (map[string]marshal_test.Pair) (len=2) {
	//   (string) (len=1) "a": (marshal_test.Pair) {
	//     Key: (string) (len=1) "a",
	//     Count: (*int)(<nil>)
	//   },
	//   (string) (len=1) "b": (marshal_test.Pair) {
	//     Key: (string) (len=1) "b",
	//     Count: (*int)(2)
	//   }
	// }
}
