package inspect_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/inspect"
	"github.com/wirekit/wirekit/internal/alloc"
)

var update = flag.Bool("update", false, "rewrite golden files from the current output")

// appendixA is RFC 8949 Appendix A as transcribed in
// testdata/inspect/rfc8949-appendix-a.txt.
type example struct {
	hex, diag string
	data      []byte
}

func appendixA(t *testing.T) []example {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "inspect", "rfc8949-appendix-a.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []example
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		h, d, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("no tab in %q", line)
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out = append(out, example{h, d, b})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) != 81 {
		t.Fatalf("%d examples, want the 81 rows of Table 6", len(out))
	}
	return out
}

func diag(t *testing.T, it *inspect.Item) string {
	t.Helper()
	var b strings.Builder
	if err := inspect.WriteDiag(&b, it); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func jsonOf(t *testing.T, it *inspect.Item) string {
	t.Helper()
	var b strings.Builder
	if err := inspect.WriteJSON(&b, it); err != nil {
		t.Fatal(err)
	}
	if !json.Valid([]byte(b.String())) {
		t.Fatalf("WriteJSON wrote invalid JSON: %s", b.String())
	}
	return b.String()
}

func TestDiagMatchesRFC8949AppendixA(t *testing.T) {
	for _, ex := range appendixA(t) {
		it, err := inspect.ParseCBOR(ex.data, 0, 0)
		if err != nil {
			t.Errorf("%s: %v", ex.hex, err)
			continue
		}
		if got := diag(t, it); got != ex.diag {
			t.Errorf("%s:\n got %s\nwant %s", ex.hex, got, ex.diag)
		}
		if it.Offset != 0 || it.Len != int64(len(ex.data)) || !bytes.Equal(it.Raw, ex.data) {
			t.Errorf("%s: Offset %d Len %d Raw %x", ex.hex, it.Offset, it.Len, it.Raw)
		}
	}
}

// TestViewsGolden keeps every view of every Appendix A example, and of
// the MessagePack samples, in testdata/inspect/views.golden (go test
// ./inspect -run ViewsGolden -update rewrites it).
func TestViewsGolden(t *testing.T) {
	var out bytes.Buffer
	render := func(format string, data []byte, it *inspect.Item) {
		fmt.Fprintf(&out, "=== %s %x\n", format, data)
		for _, w := range []struct {
			name  string
			write func(io.Writer, *inspect.Item) error
		}{{"diag", inspect.WriteDiag}, {"json", inspect.WriteJSON}, {"text", inspect.WriteText}, {"annotate", inspect.WriteAnnotate}} {
			fmt.Fprintf(&out, "--- %s\n", w.name)
			var b bytes.Buffer
			if err := w.write(&b, it); err != nil {
				t.Fatalf("%s %x: %v", w.name, data, err)
			}
			out.Write(b.Bytes())
			if !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
				out.WriteString("\n")
			}
		}
	}
	for _, ex := range appendixA(t) {
		it, err := inspect.ParseCBOR(ex.data, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		render("cbor", ex.data, it)
	}
	for _, data := range textSamples {
		it, err := inspect.ParseCBOR(data, 1000, 0)
		if err != nil {
			t.Fatal(err)
		}
		render("cbor@1000", data, it)
	}
	for _, c := range msgpackCases {
		it, err := inspect.ParseMsgpack(c.data, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		render("msgpack", c.data, it)
	}
	golden := filepath.Join("..", "testdata", "inspect", "views.golden")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("views differ from %s (run with -update and review the diff):\n%s", golden, out.Bytes())
	}
}

// textSamples exercise WriteText's line breaking and the JSON of tags.
var textSamples = [][]byte{
	// {"name": "wirekit", "tags": ["a", "b", "c", "d", "e"], 1: -2, h'00': 1(1.5), "t": 0("x")}
	{0xa5, 0x64, 'n', 'a', 'm', 'e', 0x67, 'w', 'i', 'r', 'e', 'k', 'i', 't',
		0x64, 't', 'a', 'g', 's', 0x85, 0x61, 'a', 0x61, 'b', 0x61, 'c', 0x61, 'd', 0x61, 'e',
		0x01, 0x21, 0x41, 0x00, 0xc1, 0xf9, 0x3e, 0x00, 0x61, 't', 0xc0, 0x61, 'x'},
	// [_ "a long text string that does not fit on one line of sixty-four bytes", 3(h'00ff'), simple(99), undefined]
	append(append([]byte{0x9f, 0x78, 68}, "a long text string that does not fit on one line of sixty-four bytes"...),
		0xc3, 0x42, 0x00, 0xff, 0xf8, 99, 0xf7, 0xff),
	// 1(-1), 1(1e300), "\x01\u00fc\u2028"
	{0x83, 0xc1, 0x20, 0xc1, 0xfb, 0x7e, 0x37, 0xe4, 0x3c, 0x88, 0x00, 0x75, 0x9c, 0x66, 0x01, 0xc3, 0xbc, 0xe2, 0x80, 0xa8},
	// (_ ), ""_ and a map key that is an array
	{0x83, 0x5f, 0xff, 0x7f, 0xff, 0xa1, 0x82, 0x01, 0x02, 0xf6},
}

func TestJSON(t *testing.T) {
	for _, c := range []struct{ hex, json string }{
		{"1bffffffffffffffff", "18446744073709551615"},
		{"3bffffffffffffffff", "-18446744073709551616"},
		{"c249010000000000000000", "18446744073709551616"},
		{"c349010000000000000000", "-18446744073709551617"},
		{"fa7fc00000", `"NaN"`},
		{"f9fc00", `"-Infinity"`},
		{"f97c00", `"Infinity"`},
		{"f98000", "-0.0"},
		{"c074323031332d30332d32315432303a30343a30305a", `"2013-03-21T20:04:00Z"`},
		{"c11a514b67b0", `"2013-03-21T20:04:00Z"`},
		{"c1fb41d452d9ec200000", `"2013-03-21T20:04:00.5Z"`},
		{"c11b7fffffffffffffff", "9223372036854775807"}, // beyond RFC 3339: the number
		{"c1fa7fc00000", `"NaN"`},
		{"d74401020304", `"01020304"`},
		{"7f657374726561646d696e67ff", `"streaming"`},
		{"a201020304", `{"1":2,"3":4}`},
		{"a1a1616101f6", `{"{\"a\": 1}":null}`},
		{"f7", "null"},
		{"f0", `"simple(16)"`},
		{"62225c", `"\"\\"`},
		{"6101", `"\u0001"`},
		{"64f0908591", `"𐅑"`},
	} {
		it, err := inspect.ParseCBOR(mustHex(t, c.hex), 0, 0)
		if err != nil {
			t.Errorf("%s: %v", c.hex, err)
			continue
		}
		if got := jsonOf(t, it); got != c.json {
			t.Errorf("%s: got %s, want %s", c.hex, got, c.json)
		}
	}
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// msgpackCases cover every MessagePack type family, written out by hand.
var msgpackCases = []struct {
	name       string
	data       []byte
	diag, json string
}{
	{"nil", h("c0"), "null", "null"},
	{"false", h("c2"), "false", "false"},
	{"true", h("c3"), "true", "true"},
	{"positive fixint 0", h("00"), "0", "0"},
	{"positive fixint 127", h("7f"), "127", "127"},
	{"negative fixint -1", h("ff"), "-1", "-1"},
	{"negative fixint -32", h("e0"), "-32", "-32"},
	{"uint8", h("cc ff"), "255", "255"},
	{"uint16", h("cd 01 00"), "256", "256"},
	{"uint32", h("ce 00 01 00 00"), "65536", "65536"},
	{"uint64", h("cf ff ff ff ff ff ff ff ff"), "18446744073709551615", "18446744073709551615"},
	{"int8 -128", h("d0 80"), "-128", "-128"},
	{"int8 5", h("d0 05"), "5", "5"},
	{"int16", h("d1 ff 00"), "-256", "-256"},
	{"int32", h("d2 80 00 00 00"), "-2147483648", "-2147483648"},
	{"int64 min", h("d3 80 00 00 00 00 00 00 00"), "-9223372036854775808", "-9223372036854775808"},
	{"int64 max", h("d3 7f ff ff ff ff ff ff ff"), "9223372036854775807", "9223372036854775807"},
	{"float32", h("ca 3f c0 00 00"), "1.5_2", "1.5"},
	{"float32 1.1", h("ca 3f 8c cc cd"), "1.100000023841858_2", "1.100000023841858"},
	{"float32 NaN", h("ca 7f c0 00 00"), "NaN_2", `"NaN"`},
	{"float64", h("cb 3f f1 99 99 99 99 99 9a"), "1.1_3", "1.1"},
	{"float64 -Inf", h("cb ff f0 00 00 00 00 00 00"), "-Infinity_3", `"-Infinity"`},
	{"float64 100", h("cb 40 59 00 00 00 00 00 00"), "100.0_3", "100.0"},
	{"fixstr", h("a3 61 62 63"), `"abc"`, `"abc"`},
	{"fixstr empty", h("a0"), `""`, `""`},
	{"fixstr non-ASCII", h("a2 c3 bc"), `"\u00fc"`, `"ü"`},
	{"str8", h("d9 03 61 62 63"), `"abc"`, `"abc"`},
	{"str16", h("da 00 02 22 5c"), `"\"\\"`, `"\"\\"`},
	{"str32", h("db 00 00 00 01 0a"), `"\n"`, `"\n"`},
	{"bin8", h("c4 02 01 02"), "h'0102'", `"0102"`},
	{"bin8 empty", h("c4 00"), "h''", `""`},
	{"bin16", h("c5 00 01 ff"), "h'ff'", `"ff"`},
	{"bin32", h("c6 00 00 00 03 0a 0b 0c"), "h'0a0b0c'", `"0a0b0c"`},
	{"fixarray", h("93 01 02 03"), "[1, 2, 3]", "[1,2,3]"},
	{"fixarray empty", h("90"), "[]", "[]"},
	{"array16", h("dc 00 02 c2 c3"), "[false, true]", "[false,true]"},
	{"array32", h("dd 00 00 00 01 c0"), "[null]", "[null]"},
	{"fixmap", h("82 a1 61 01 a1 62 92 02 03"), `{"a": 1, "b": [2, 3]}`, `{"a":1,"b":[2,3]}`},
	{"fixmap int key", h("81 01 02"), "{1: 2}", `{"1":2}`},
	{"map16", h("de 00 01 a1 61 c0"), `{"a": null}`, `{"a":null}`},
	{"map32 bin key", h("df 00 00 00 01 c4 01 ff 01"), "{h'ff': 1}", `{"h'ff'":1}`},
	{"fixext1", h("d4 05 01"), "ext(5, h'01')", `{"ext":5,"data":"01"}`},
	{"fixext2", h("d5 05 01 02"), "ext(5, h'0102')", `{"ext":5,"data":"0102"}`},
	{"fixext4", h("d6 7f 01 02 03 04"), "ext(127, h'01020304')", `{"ext":127,"data":"01020304"}`},
	{"fixext8", h("d7 80 01 02 03 04 05 06 07 08"), "ext(-128, h'0102030405060708')", `{"ext":-128,"data":"0102030405060708"}`},
	{"fixext16", h("d8 01 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"), "ext(1, h'000102030405060708090a0b0c0d0e0f')",
		`{"ext":1,"data":"000102030405060708090a0b0c0d0e0f"}`},
	{"ext8", h("c7 03 05 01 02 03"), "ext(5, h'010203')", `{"ext":5,"data":"010203"}`},
	{"ext8 empty", h("c7 00 05"), "ext(5, h'')", `{"ext":5,"data":""}`},
	{"ext16", h("c8 00 02 05 01 02"), "ext(5, h'0102')", `{"ext":5,"data":"0102"}`},
	{"ext32", h("c9 00 00 00 01 05 ff"), "ext(5, h'ff')", `{"ext":5,"data":"ff"}`},
	{"timestamp32", h("d6 ff 5f 5e 10 00"), "ext(-1, h'5f5e1000') / 2020-09-13T12:26:40Z /", `"2020-09-13T12:26:40Z"`},
	{"timestamp64", h("d7 ff 77 35 94 00 5f 5e 10 00"), "ext(-1, h'773594005f5e1000') / 2020-09-13T12:26:40.5Z /", `"2020-09-13T12:26:40.5Z"`},
	{"timestamp96", h("c7 0c ff 00 00 00 01 ff ff ff ff ff ff ff ff"), "ext(-1, h'00000001ffffffffffffffff') / 1969-12-31T23:59:59.000000001Z /",
		`"1969-12-31T23:59:59.000000001Z"`},
	{"timestamp of a bad length", h("d4 ff 00"), "ext(-1, h'00')", `{"ext":-1,"data":"00"}`},
	{"timestamp96 beyond year 9999", h("c7 0c ff 00 00 00 00 7f ff ff ff ff ff ff ff"), "ext(-1, h'000000007fffffffffffffff')",
		`{"ext":-1,"data":"000000007fffffffffffffff"}`},
	{"nested", h("92 81 a1 6b 93 cb 7f f8 00 00 00 00 00 00 c4 00 d6 ff 00 00 00 00 c0"),
		`[{"k": [NaN_3, h'', ext(-1, h'00000000') / 1970-01-01T00:00:00Z /]}, null]`,
		`[{"k":["NaN","","1970-01-01T00:00:00Z"]},null]`},
}

func TestMsgpackTypeFamilies(t *testing.T) {
	for _, c := range msgpackCases {
		t.Run(c.name, func(t *testing.T) {
			it, err := inspect.ParseMsgpack(c.data, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if it.Len != int64(len(c.data)) {
				t.Errorf("Len %d, want %d", it.Len, len(c.data))
			}
			if got := diag(t, it); got != c.diag {
				t.Errorf("diag:\n got %s\nwant %s", got, c.diag)
			}
			if got := jsonOf(t, it); got != c.json {
				t.Errorf("json:\n got %s\nwant %s", got, c.json)
			}
		})
	}
}

func TestItemsKeepTheirPositions(t *testing.T) {
	// 1000 bytes into a stream: [1, {"a": h'00ff'}]
	it, err := inspect.ParseCBOR(h("82 01 a1 61 61 42 00 ff"), 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	m := it.Children[1]
	v := m.Children[1]
	for _, c := range []struct {
		name      string
		it        *inspect.Item
		off, len  int64
		head      int
		kind      inspect.Kind
		rawPrefix string
	}{
		{"array", it, 1000, 8, 1, inspect.Array, "82"},
		{"uint", it.Children[0], 1001, 1, 1, inspect.Uint, "01"},
		{"map", m, 1002, 6, 1, inspect.Map, "a1"},
		{"key", m.Children[0], 1003, 2, 1, inspect.Text, "6161"},
		{"value", v, 1005, 3, 1, inspect.Bytes, "4200ff"},
	} {
		if c.it.Offset != c.off || c.it.Len != c.len || c.it.Head != c.head || c.it.Kind != c.kind ||
			!strings.HasPrefix(hex.EncodeToString(c.it.Raw), c.rawPrefix) {
			t.Errorf("%s: Offset %d Len %d Head %d Kind %v Raw %x", c.name, c.it.Offset, c.it.Len, c.it.Head, c.it.Kind, c.it.Raw)
		}
	}
	// MessagePack: ext8 with its 3-byte head after a uint16.
	mp, err := inspect.ParseMsgpack(h("92 cd 01 00 c7 02 05 01 02"), 7, 0)
	if err != nil {
		t.Fatal(err)
	}
	if u := mp.Children[0]; u.Offset != 8 || u.Head != 3 || u.Len != 3 {
		t.Errorf("uint16: Offset %d Head %d Len %d", u.Offset, u.Head, u.Len)
	}
	if e := mp.Children[1]; e.Offset != 11 || e.Head != 3 || e.Len != 5 || e.ExtType != 5 || string(e.Bytes) != "\x01\x02" {
		t.Errorf("ext8: Offset %d Head %d Len %d Type %d Bytes %x", e.Offset, e.Head, e.Len, e.ExtType, e.Bytes)
	}
}

type parseFunc func([]byte, int64, int) (*inspect.Item, error)

var parsers = map[string]parseFunc{"cbor": inspect.ParseCBOR, "msgpack": inspect.ParseMsgpack}

// checkError fails unless err is an *inspect.Error wrapping want, at an
// offset within the n bytes of input that start at base.
func checkError(t *testing.T, err error, want error, base int64, n int) *inspect.Error {
	t.Helper()
	var ie *inspect.Error
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *inspect.Error", err, err)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %v does not wrap %v", err, want)
	}
	if ie.Offset < base || ie.Offset > base+int64(n) || (n > 0 && ie.Offset == base+int64(n)) {
		t.Fatalf("error %v: offset outside the %d bytes of input at %d", err, n, base)
	}
	if !strings.HasPrefix(err.Error(), "inspect: ") || !strings.HasSuffix(err.Error(), fmt.Sprintf(" at offset %d", ie.Offset)) {
		t.Fatalf("error text %q", err.Error())
	}
	return ie
}

func TestEveryTruncationIsUnexpectedEOF(t *testing.T) {
	var samples []struct {
		format string
		data   []byte
	}
	for _, ex := range appendixA(t) {
		samples = append(samples, struct {
			format string
			data   []byte
		}{"cbor", ex.data})
	}
	for _, d := range textSamples {
		samples = append(samples, struct {
			format string
			data   []byte
		}{"cbor", d})
	}
	for _, c := range msgpackCases {
		samples = append(samples, struct {
			format string
			data   []byte
		}{"msgpack", c.data})
	}
	const base = 500
	for _, s := range samples {
		for n := range len(s.data) {
			_, err := parsers[s.format](s.data[:n], base, 0)
			if err == nil {
				t.Fatalf("%s %x cut to %d bytes: no error", s.format, s.data, n)
			}
			checkError(t, err, io.ErrUnexpectedEOF, base, n)
		}
	}
}

func TestNestingBeyondMaxDepth(t *testing.T) {
	for _, c := range []struct {
		format      string
		open, inner []byte
	}{
		{"cbor", h("81"), h("00")},    // [[[…0…]]]
		{"cbor", h("9f"), nil},        // [_ [_ [_ … (never closed)
		{"cbor", h("c1"), h("00")},    // 1(1(1(…0…)))
		{"cbor", h("a1 00"), h("00")}, // {0: {0: …0…}}
		{"msgpack", h("91"), h("00")},
		{"msgpack", h("81 00"), h("00")},
	} {
		for _, maxDepth := range []int{1, 5, 32} {
			ok := append(bytes.Repeat(c.open, maxDepth), c.inner...)
			if c.inner != nil {
				if _, err := parsers[c.format](ok, 0, maxDepth); err != nil {
					t.Errorf("%s %x: %d levels with maxDepth %d: %v", c.format, c.open, maxDepth, maxDepth, err)
				}
			}
			// A million levels: the error comes at level maxDepth+1,
			// having used no Go stack per level.
			deep := append(bytes.Repeat(c.open, 1_000_000), c.inner...)
			_, err := parsers[c.format](deep, 0, maxDepth)
			ie := checkError(t, err, inspect.ErrDepth, 0, len(deep))
			if want := int64(maxDepth * len(c.open)); ie.Offset != want {
				t.Errorf("%s %x maxDepth %d: error at %d, want %d", c.format, c.open, maxDepth, ie.Offset, want)
			}
		}
	}
	// The default applies to maxDepth <= 0.
	if _, err := inspect.ParseCBOR(append(bytes.Repeat(h("81"), inspect.DefaultMaxDepth+1), 0), 0, 0); !errors.Is(err, inspect.ErrDepth) {
		t.Errorf("default depth: %v", err)
	}
}

func TestDeclaredLengthBeyondInputAllocatesNothing(t *testing.T) {
	for _, c := range []struct{ format, hex string }{
		{"cbor", "9b ffffffffffffffff"},                    // array of 2^64-1 items
		{"cbor", "bb 7fffffffffffffff"},                    // map of 2^63-1 pairs
		{"cbor", "bb ffffffffffffffff"},                    // map of 2^64-1 pairs
		{"cbor", "5b ffffffffffffffff"},                    // byte string of 2^64-1 bytes
		{"cbor", "7a ffffffff 00"},                         // text of 4 GiB
		{"cbor", "5f 5b ffffffffffffffff ff"},              // chunk of 2^64-1 bytes
		{"msgpack", "dd ffffffff"},                         // array32 of 4 Gi items
		{"msgpack", "df ffffffff 00 00"},                   // map32
		{"msgpack", "db ffffffff"},                         // str32 of 4 GiB
		{"msgpack", "c6 ffffffff"},                         // bin32
		{"msgpack", "c9 ffffffff 01"},                      // ext32
		{"msgpack", "dc ffff" + strings.Repeat("00", 100)}, // array16 of 65535, 100 there
	} {
		data := mustHex(t, c.hex)
		parse := parsers[c.format]
		var err error
		used := alloc.Least(func() { _, err = parse(data, 0, 0) })
		checkError(t, err, io.ErrUnexpectedEOF, 0, len(data))
		if used > 64<<10 {
			t.Errorf("%s %s: allocated %d bytes", c.format, c.hex, used)
		}
	}
}

func TestMalformed(t *testing.T) {
	for _, c := range []struct {
		format, hex string
		want        error
		offset      int64
		msg         string
	}{
		{"cbor", "1c", inspect.ErrMalformed, 0, "reserved additional information 28"},
		{"cbor", "81 3f", inspect.ErrMalformed, 1, "major type 1 has no indefinite length"},
		{"cbor", "1f", inspect.ErrMalformed, 0, "major type 0 has no indefinite length"},
		{"cbor", "df 00", inspect.ErrMalformed, 0, "major type 6 has no indefinite length"},
		{"cbor", "ff", inspect.ErrMalformed, 0, "break outside"},
		{"cbor", "82 01 ff", inspect.ErrMalformed, 2, "break outside"},
		{"cbor", "f8 10", inspect.ErrMalformed, 0, "simple value 16 in two bytes"},
		{"cbor", "5f 41 00 61 61 ff", inspect.ErrMalformed, 3, "chunk 0x61"},
		{"cbor", "5f 5f ff ff", inspect.ErrMalformed, 1, "chunk 0x5f"},
		{"cbor", "7f 61 ff ff", inspect.ErrMalformed, 1, "text chunk is not valid UTF-8"},
		{"cbor", "82 00 62 ff fe", inspect.ErrMalformed, 2, "text string is not valid UTF-8"},
		{"cbor", "bf 00 ff", inspect.ErrMalformed, 2, "break after a map key"},
		{"cbor", "00 00", inspect.ErrTrailingData, 1, "1 bytes after the item"},
		{"msgpack", "c1", inspect.ErrMalformed, 0, "0xc1"},
		{"msgpack", "91 a2 ff fe", inspect.ErrMalformed, 1, "str is not valid UTF-8"},
		{"msgpack", "c0 c0", inspect.ErrTrailingData, 1, "after the item"},
	} {
		data := mustHex(t, c.hex)
		_, err := parsers[c.format](data, 0, 0)
		if err == nil {
			t.Errorf("%s %s: no error", c.format, c.hex)
			continue
		}
		ie := checkError(t, err, c.want, 0, len(data))
		if ie.Offset != c.offset || !strings.Contains(ie.Msg, c.msg) {
			t.Errorf("%s %s: %v, want %q at offset %d", c.format, c.hex, err, c.msg, c.offset)
		}
	}
}

func TestFloatLayout(t *testing.T) {
	// Edges of the ECMAScript layout: plain from 1e-6 up to below 1e21.
	for _, c := range []struct {
		f    float64
		want string
	}{
		{1e21, "1.0e+21"},
		{1e20, "100000000000000000000.0"},
		{123456789012345680000, "123456789012345680000.0"},
		{1e-6, "0.000001"},
		{1e-7, "1.0e-7"},
		{1.5e-7, "1.5e-7"},
		{-2.5, "-2.5"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{5e-324, "5.0e-324"},
		{0.1, "0.1"},
		{123.456, "123.456"},
	} {
		data := append([]byte{0xfb}, make([]byte, 8)...)
		bits := math.Float64bits(c.f)
		for i := range 8 {
			data[1+i] = byte(bits >> (56 - 8*i))
		}
		it, err := inspect.ParseCBOR(data, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := diag(t, it); got != c.want {
			t.Errorf("%g: got %s, want %s", c.f, got, c.want)
		}
		if got := jsonOf(t, it); got != c.want {
			t.Errorf("%g: JSON %s, want %s", c.f, got, c.want)
		}
	}
}

// The writers take trees built by hand too, and must not panic on ones
// the parsers would never produce.
func TestWritersTolerateOddTrees(t *testing.T) {
	odd := []*inspect.Item{
		{Kind: inspect.Tag, Tag: 1},
		{Kind: inspect.Map, Children: []*inspect.Item{{Kind: inspect.Uint}}},
		{Kind: inspect.Text, Bytes: []byte{0xff, 'a'}},
		{Kind: inspect.Text, Indefinite: true},
		{Kind: inspect.Array, Indefinite: true, Head: 5},
		{Kind: inspect.Kind(200)},
		{Kind: inspect.Uint, Format: inspect.MessagePack},
	}
	for _, it := range odd {
		for _, w := range []func(io.Writer, *inspect.Item) error{inspect.WriteDiag, inspect.WriteJSON, inspect.WriteText, inspect.WriteAnnotate} {
			var b bytes.Buffer
			if err := w(&b, it); err != nil {
				t.Errorf("%+v: %v", it, err)
			}
		}
		jsonOf(t, it)
	}
	if err := inspect.WriteDiag(io.Discard, nil); err == nil {
		t.Error("WriteDiag(nil): no error")
	}
}

type failingWriter struct{}

func (w *failingWriter) Write(p []byte) (int, error) {
	return 0, errors.New("disk full")
}

func TestWritersReturnWriteErrors(t *testing.T) {
	it, err := inspect.ParseCBOR(h("83 01 02 03"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []func(io.Writer, *inspect.Item) error{inspect.WriteDiag, inspect.WriteJSON, inspect.WriteText, inspect.WriteAnnotate} {
		if err := w(&failingWriter{}, it); err == nil || err.Error() != "disk full" {
			t.Errorf("got %v, want disk full", err)
		}
	}
}

func TestValueKeepsWhatTheFormatsHold(t *testing.T) {
	tests := []struct {
		name string
		cbor bool
		hex  string
		want any
	}{
		{"uint", true, "1bffffffffffffffff", uint64(math.MaxUint64)},
		{"negint", true, "3bffffffffffffffff", new(big.Int).Sub(big.NewInt(math.MinInt64), new(big.Int).SetUint64(1<<63))},
		{"small negint", true, "20", int64(-1)},
		{"text and bytes", true, "82616142abcd", []any{"a", []byte{0xab, 0xcd}}},
		{"map with an array key", true, "a1820102f5", map[any]any{inspect.DiagKey("[1, 2]"): true}},
		{"array key and its text", true, "a2810101635b315d02", map[any]any{inspect.DiagKey("[1]"): uint64(1), "[1]": uint64(2)}},
		{"tag", true, "c11a514b67b0", inspect.Tagged{Number: 1, Content: uint64(1363896240)}},
		{"simple, undefined", true, "82f0f7", []any{inspect.SimpleValue(16), inspect.UndefinedValue{}}},
		{"msgpack ext", false, "d40501", inspect.Extension{Type: 5, Data: []byte{1}}},
		{"msgpack int keys", false, "8201a16102c0", map[any]any{uint64(1): "a", uint64(2): nil}},
	}
	for _, tt := range tests {
		parse := inspect.ParseMsgpack
		if tt.cbor {
			parse = inspect.ParseCBOR
		}
		it, err := parse(h(tt.hex), 0, 0)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := inspect.Value(it)
		if gb, ok := got.(*big.Int); ok {
			if gb.Cmp(tt.want.(*big.Int)) != 0 {
				t.Errorf("%s: %v, want %v", tt.name, gb, tt.want)
			}
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %#v, want %#v", tt.name, got, tt.want)
		}
	}
}

func TestItemsAreBounded(t *testing.T) {
	// An array of MaxItems small integers is one item too many.
	data := append([]byte{0x9a}, binary.BigEndian.AppendUint32(nil, inspect.MaxItems)...)
	data = append(data, make([]byte, inspect.MaxItems)...)
	_, err := inspect.ParseCBOR(data, 0, 0)
	var e *inspect.Error
	if !errors.Is(err, inspect.ErrTooManyItems) || !errors.As(err, &e) || e.Offset != int64(len(data)-1) {
		t.Fatalf("%v, want ErrTooManyItems at offset %d", err, len(data)-1)
	}
	if _, err := inspect.ParseCBOR(data[:len(data)-1], 0, 0); err == nil {
		t.Fatal("the cut array parsed")
	}
	// MaxItems-1 elements: with the array, MaxItems items.
	binary.BigEndian.PutUint32(data[1:], inspect.MaxItems-1)
	if _, err := inspect.ParseCBOR(data[:len(data)-1], 0, 0); err != nil {
		t.Fatalf("MaxItems items: %v", err)
	}
}
