package marshal

import (
	"bytes"
	"encoding/json"
	"errors"
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
func Detect(data []byte) (name string, ok bool) { return detect(data, false) }

// DetectPrefix is Detect for the first bytes of a longer stream, as a tool
// that must not read all of its input first sees it: the last value may
// be cut short by the end of prefix, and counts as a value as long as
// what there is of it is sound. Rule 4 then ranks the formats by the bytes
// their complete values span, then by the bytes they checked at all, and
// only then by the fewest values: a stray byte read as the header of a
// huge string would otherwise swallow any prefix as one value.
func DetectPrefix(prefix []byte) (name string, ok bool) { return detect(prefix, true) }

func detect(data []byte, cut bool) (name string, ok bool) {
	type candidate struct {
		name string
		seen
	}
	var found []candidate
	add := func(name string, s seen) {
		if s.values > 0 {
			found = append(found, candidate{name, s})
		}
	}
	add("json", jsonValues(data, cut))
	add("gob", gobValues(data, cut))
	cb := binaryValues(data, func() valueScanner { return &cborScanner{lim: DefaultLimits.resolve()} }, cborContainer, cut)
	if cb.values > 0 && bytes.HasPrefix(data, []byte{0xd9, 0xd9, 0xf7}) {
		return "cbor", true
	}
	add("cbor", cb)
	add("msgpack", binaryValues(data, func() valueScanner { return &mpScanner{lim: DefaultLimits.resolve()} }, mpContainer, cut))
	if len(found) == 0 {
		return "", false
	}
	// For whole input every candidate accounts for all of it, and the
	// fewest values win. For a prefix, first the most bytes in complete
	// values, then the most bytes checked at all.
	best, tied := found[0], false
	for _, c := range found[1:] {
		switch cmp := c.seen.compare(best.seen); {
		case cmp > 0:
			best, tied = c, false
		case cmp == 0:
			tied = true
		}
	}
	return best.name, !tied
}

// seen is what a format made of the input: how many values, how many
// bytes the complete ones span, and how many bytes were checked (the same
// unless the last value is cut short).
type seen struct{ values, complete, covered int }

func (a seen) compare(b seen) int {
	switch {
	case a.complete != b.complete:
		return a.complete - b.complete
	case a.covered != b.covered:
		return a.covered - b.covered
	}
	return b.values - a.values
}

// cutAt reports whether err is the end of a prefix cutting a value short,
// and how far into the value the check got.
func cutAt(err error, start int) (int, bool) {
	var e *Error
	if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.As(err, &e) || e.Offset < int64(start) {
		return 0, false
	}
	return int(e.Offset), true
}

// jsonValues counts the JSON values data holds, and how many of its bytes
// they account for, or returns 0 if it is not a sequence of JSON values.
// With cut, the last may be cut short (and accounts for the bytes before
// the point where it was found short).
func jsonValues(data []byte, cut bool) seen {
	dec, _ := DefaultLimits.Lookup("json")
	jd := dec.NewDecoder(bytes.NewReader(data)).(*jsonDecoder)
	for n := 0; ; n++ {
		done := int(jd.dec.InputOffset())
		var v json.RawMessage
		switch err := jd.Decode(&v); err {
		case nil:
		case io.EOF:
			return seen{n, len(data), len(data)}
		default:
			// A JSON value is found cut short only at the end of the
			// input: all of it was checked.
			if _, ok := cutAt(err, 0); cut && ok {
				return seen{n + 1, done, len(data)}
			}
			return seen{}
		}
	}
}

// binaryValues counts the values of a binary format data holds, and how
// many of its bytes they account for, or returns 0 if it is not a sequence
// of them or (rule 2) holds several and one is not a container. With cut,
// the last may be cut short.
func binaryValues(data []byte, scanner func() valueScanner, container func(byte) bool, cut bool) seen {
	s := scanner()
	n, scalars, pos, done := 0, false, 0, 0
	for pos < len(data) {
		s.reset(int64(pos))
		end, _, err := s.scan(data[pos:], true)
		if !container(data[pos]) {
			scalars = true
		}
		n++
		if err != nil {
			at, ok := cutAt(err, pos)
			if !cut || !ok {
				return seen{}
			}
			pos = at
			break
		}
		pos += end
		done = pos
	}
	if n > 1 && scalars {
		return seen{}
	}
	return seen{n, done, pos}
}

func cborContainer(b byte) bool { return b>>5 == cborArray || b>>5 == cborMap }

func mpContainer(b byte) bool {
	return b&0xe0 == 0x80 || b >= 0xdc && b <= 0xdf // fixmap, fixarray, array/map 16/32
}
