package marshal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
)

// randomJSON appends a random JSON value of at most depth levels to b,
// with strings that hold brackets and commas (which the lazy counts
// count) and, now and then, a broken token.
func randomJSON(b *strings.Builder, r *rand.Rand, depth int) {
	switch k := r.IntN(10); {
	case k < 2 && depth > 0:
		b.WriteByte('[')
		for i := range r.IntN(6) {
			if i > 0 {
				b.WriteByte(',')
			}
			randomJSON(b, r, depth-1)
		}
		b.WriteByte(']')
	case k < 4 && depth > 0:
		b.WriteByte('{')
		for i := range r.IntN(5) {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(b, `"k%d":`, i)
			randomJSON(b, r, depth-1)
		}
		b.WriteByte('}')
	case k < 6:
		b.WriteString([]string{`"a[b{c,d"`, `"\"]},"`, `"plain"`, `""`}[r.IntN(4)])
	case k < 9:
		fmt.Fprintf(b, "%d", r.IntN(1000))
	default:
		b.WriteString([]string{"true", "null", "nope", "]"}[r.IntN(4)])
	}
}

type jsonOutcome struct {
	value  string
	err    string
	offset int64
}

// decodeAll decodes every value of stream through a reader that hands
// out chunk bytes at a time, and what each Decode returned.
func decodeAll(t *testing.T, lim Limits, stream string, chunk int) []jsonOutcome {
	t.Helper()
	var r io.Reader = strings.NewReader(stream)
	if chunk > 0 {
		r = iotest.OneByteReader(r)
		if chunk > 1 {
			r = bufioChunks(r, chunk)
		}
	}
	c, _ := lim.Lookup("json")
	dec := c.NewDecoder(r)
	var out []jsonOutcome
	for range 10_000 {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			return out
		}
		o := jsonOutcome{value: fmt.Sprint(v)}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode error %T is not *Error: %v", err, err)
			}
			o = jsonOutcome{err: e.Error(), offset: e.Offset}
		}
		out = append(out, o)
		if errors.Is(err, ErrMalformed) || errors.Is(err, ErrDepth) ||
			errors.Is(err, ErrElements) || errors.Is(err, ErrTooLarge) || errors.Is(err, io.ErrUnexpectedEOF) {
			return out // sticky
		}
	}
	t.Fatal("the stream did not end")
	return nil
}

// bufioChunks reads up to n bytes at a time from a one-byte reader.
func bufioChunks(r io.Reader, n int) io.Reader {
	return readerFunc(func(p []byte) (int, error) {
		k := 0
		for k < len(p) && k < n {
			m, err := r.Read(p[k : k+1])
			k += m
			if err != nil {
				return k, err
			}
		}
		return k, nil
	})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// TestJSONLazyScanAgreesWithTheFullScan checks that the JSON Decoder,
// which lets bytes that cannot break a limit pass unscanned, returns what
// scanning every byte returns: the same values, and the same errors at the
// same offsets, for streams that break every limit, however the bytes
// arrive.
func TestJSONLazyScanAgreesWithTheFullScan(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	limits := []Limits{
		DefaultLimits,
		{MaxDepth: 2, MaxElements: 4, MaxBytes: 60},
		{MaxDepth: 3, MaxElements: 1 << 20, MaxBytes: 1 << 20},
		{MaxDepth: 1000, MaxElements: 3, MaxBytes: 1 << 20},
		{MaxDepth: 1000, MaxElements: 1 << 20, MaxBytes: 25},
	}
	saved := maxPending
	defer func() { maxPending = saved }()
	for i := range 400 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			randomJSON(&b, r, 1+r.IntN(5))
			b.WriteString([]string{" ", "\n", "", "\t "}[r.IntN(4)])
		}
		stream := b.String()
		lim := limits[i%len(limits)]
		for _, chunk := range []int{0, 1, 3, 17} {
			maxPending = 0
			want := decodeAll(t, lim, stream, chunk)
			maxPending = saved
			got := decodeAll(t, lim, stream, chunk)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("limits %+v, chunks of %d, stream %q:\nlazy %v\nfull %v", lim, chunk, stream, got, want)
			}
		}
	}
}

// TestJSONLazyScanPassesBytesUnscanned checks that the lazy path is taken:
// a stream of small values well within the limits leaves the scanner at
// the last value's end, with nothing scanned in between.
func TestJSONLazyScanPassesBytesUnscanned(t *testing.T) {
	stream := strings.Repeat(`{"a":[1,2,3],"b":"x"} `, 100)
	jr := &jsonReader{r: strings.NewReader(stream), s: jsonScanner{lim: DefaultLimits}}
	dec := &jsonDecoder{dec: json.NewDecoder(jr), r: jr}
	for i := range 100 {
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		// The scanner was moved to the value's end, not walked there.
		if jr.s.off != dec.InputOffset() || jr.s.state != jsBetween {
			t.Fatalf("value %d: scanner at %d (state %d), value ends at %d", i, jr.s.off, jr.s.state, dec.InputOffset())
		}
	}
	if p := jr.buf[jr.skip:]; !bytes.Equal(p, []byte(" ")) && len(p) != 0 {
		t.Errorf("pending after the last value = %q, want at most the trailing space", jr.buf[jr.skip:])
	}
}
