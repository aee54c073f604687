package marshal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// randomCBOR appends a random CBOR item of at most depth levels to b:
// definite and indefinite arrays, maps, strings, tag chains and, now and
// then, a byte that breaks the item.
func randomCBOR(b []byte, r *rand.Rand, depth int) []byte {
	switch k := r.IntN(12); {
	case k < 2 && depth > 0:
		n := r.IntN(4)
		b = append(b, 0x80|byte(n))
		for range n {
			b = randomCBOR(b, r, depth-1)
		}
	case k < 3 && depth > 0:
		b = append(b, 0x9f)
		for range r.IntN(3) {
			b = randomCBOR(b, r, depth-1)
		}
		b = append(b, 0xff)
	case k < 4 && depth > 0:
		n := r.IntN(3)
		b = append(b, 0xa0|byte(n))
		for i := range n {
			b = append(b, 0x61, 'a'+byte(i))
			b = randomCBOR(b, r, depth-1)
		}
	case k < 5 && depth > 0:
		for range 1 + r.IntN(3) {
			b = append(b, 0xd8, 100+byte(r.IntN(50))) // tags nobody registered
		}
		b = randomCBOR(b, r, depth-1)
	case k < 6:
		b = append(b, 0x7f, 0x62, 'h', 'i', 0x60, 0xff) // indefinite text
	case k < 8:
		b = append(b, 0x63, 'a', 'b', 'c')
	case k < 11:
		b = append(b, byte(r.IntN(24)))
	default:
		b = append(b, []byte{0xff, 0x1c, 0x5b}[r.IntN(3)]) // break, reserved, huge byte string
	}
	return b
}

// decodeCBORStream decodes every value of stream and what each Decode
// returned.
func decodeCBORStream(t *testing.T, lim Limits, stream []byte, r io.Reader) []string {
	t.Helper()
	c, _ := lim.Lookup("cbor")
	dec := c.NewDecoder(r)
	var out []string
	for range 10_000 {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			return out
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode error %T is not *Error: %v", err, err)
			}
			out = append(out, fmt.Sprintf("error at %d: %v", e.Offset, e))
			if errors.Is(err, ErrMalformed) || errors.Is(err, ErrDepth) || errors.Is(err, ErrElements) ||
				errors.Is(err, ErrTooLarge) || errors.Is(err, io.ErrUnexpectedEOF) {
				return out
			}
			continue
		}
		out = append(out, fmt.Sprint(v))
	}
	t.Fatal("the stream did not end")
	return nil
}

// TestCBORStreamDoesNotDependOnChunking checks that the CBOR Decoder
// returns the same values and errors whether a value is whole in its
// buffer (the library delimits and decodes it in one call) or arrives a
// byte at a time (the scanner delimits it first): in particular, both
// count nesting as the library does, tags and indefinite-length strings
// included.
func TestCBORStreamDoesNotDependOnChunking(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	limits := []Limits{
		DefaultLimits,
		{MaxDepth: 4, MaxElements: 16, MaxBytes: 1 << 20},
		{MaxDepth: 6, MaxElements: 1 << 20, MaxBytes: 1 << 20},
		{MaxDepth: 1000, MaxElements: 1 << 20, MaxBytes: 40},
		{MaxDepth: 2, MaxElements: 3, MaxBytes: 1 << 20}, // below the library's range: checked first
	}
	deepAccepted := 0
	for i := range 600 {
		var stream []byte
		for range 1 + r.IntN(8) {
			stream = randomCBOR(stream, r, 1+r.IntN(8))
		}
		lim := limits[i%len(limits)]
		whole := decodeCBORStream(t, lim, stream, bytes.NewReader(stream))
		bytewise := decodeCBORStream(t, lim, stream, iotest.OneByteReader(bytes.NewReader(stream)))
		if fmt.Sprint(whole) != fmt.Sprint(bytewise) {
			t.Fatalf("limits %+v, stream % x:\nwhole    %q\nbytewise %q", lim, stream, whole, bytewise)
		}
		if lim.MaxDepth == 4 && len(whole) > 0 && !bytes.Contains([]byte(fmt.Sprint(whole)), []byte("error")) &&
			bytes.Count(stream, []byte{0xd8})+bytes.Count(stream, []byte{0x7f}) > 0 {
			deepAccepted++
		}
	}
	if deepAccepted == 0 {
		t.Error("no stream with tags or indefinite strings decoded under MaxDepth 4: the test does not test depth counting")
	}
}
