package marshal

import (
	"bytes"
	"encoding/json"
	"io"
)

// Detect guesses which format data is in, for data whose format is not
// known (a capture from a socket, a file without an extension). It
// reports the codec's name, and ok when the guess is unambiguous.
//
// The rules, in order:
//
//  1. Each self-describing format is tried on the whole input as a
//     sequence of one or more complete values, with DefaultLimits: JSON
//     (whitespace-separated values that encoding/json accepts), gob (a
//     stream of type definitions and values that the gob checker
//     accepts), CBOR (well-formed data items, RFC 8949) and MessagePack.
//     A format that leaves bytes over, or finds an error, is out.
//  2. For CBOR and MessagePack, a sequence of more than one value counts
//     only if every value is an array or a map: any bytes at all read as
//     a sequence of small integers in MessagePack (every byte below 0x80
//     is one), so a sequence of scalars says nothing.
//  3. CBOR that starts with the self-described CBOR tag (d9 d9 f7) is
//     CBOR.
//  4. Otherwise the format that reads the input as the fewest values
//     wins: a real sample is one value, or a few, in its own format, and
//     many small values in the others. A tie is ambiguous: Detect returns
//     the first of the tied formats in the order json, gob, cbor,
//     msgpack, with ok false. The single byte "1" is a JSON number, the
//     MessagePack integer 49 and the CBOR integer -18, for instance.
//  5. Nothing fits: "" and false.
//
// XDR and graph data carry no type information and look like any other
// bytes, so Detect never reports them.
func Detect(data []byte) (name string, ok bool) {
	type candidate struct {
		name   string
		values int
	}
	var found []candidate
	if n := jsonValues(data); n > 0 {
		found = append(found, candidate{"json", n})
	}
	if n := gobValues(data); n > 0 {
		found = append(found, candidate{"gob", n})
	}
	if n := binaryValues(data, func() valueScanner { return &cborScanner{lim: DefaultLimits.resolve()} }, cborContainer); n > 0 {
		if bytes.HasPrefix(data, []byte{0xd9, 0xd9, 0xf7}) {
			return "cbor", true
		}
		found = append(found, candidate{"cbor", n})
	}
	if n := binaryValues(data, func() valueScanner { return &mpScanner{lim: DefaultLimits.resolve()} }, mpContainer); n > 0 {
		found = append(found, candidate{"msgpack", n})
	}
	if len(found) == 0 {
		return "", false
	}
	best, tied := found[0], false
	for _, c := range found[1:] {
		switch {
		case c.values < best.values:
			best, tied = c, false
		case c.values == best.values:
			tied = true
		}
	}
	return best.name, !tied
}

// jsonValues counts the JSON values data holds, or returns 0 if it is not
// a sequence of JSON values.
func jsonValues(data []byte) int {
	dec, _ := DefaultLimits.Lookup("json")
	d := dec.NewDecoder(bytes.NewReader(data))
	for n := 0; ; n++ {
		var v json.RawMessage
		switch err := d.Decode(&v); err {
		case nil:
		case io.EOF:
			return n
		default:
			return 0
		}
	}
}

// binaryValues counts the values of a binary format data holds, or
// returns 0 if it is not a sequence of them or (rule 2) holds several and
// one is not a container.
func binaryValues(data []byte, scanner func() valueScanner, container func(byte) bool) int {
	s := scanner()
	n, scalars := 0, false
	for len(data) > 0 {
		s.reset(0)
		end, _, err := s.scan(data, true)
		if err != nil {
			return 0
		}
		if !container(data[0]) {
			scalars = true
		}
		data = data[end:]
		n++
	}
	if n > 1 && scalars {
		return 0
	}
	return n
}

func cborContainer(b byte) bool { return b>>5 == cborArray || b>>5 == cborMap }

func mpContainer(b byte) bool {
	return b&0xe0 == 0x80 || b >= 0xdc && b <= 0xdf // fixmap, fixarray, array/map 16/32
}
