package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/wirekit/wirekit/framing"
	"github.com/wirekit/wirekit/marshal"
	"github.com/wirekit/wirekit/protocol/sqtime"
	"github.com/wirekit/wirekit/protocol/store"
)

var update = flag.Bool("update", false, "rewrite the captures and golden files in testdata/wirectl")

const dir = "../../testdata/wirectl"

// wirectl runs the command in-process.
func wirectl(t *testing.T, stdin []byte, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, bytes.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

// captures are the example inputs: values.json encoded by wirectl encode
// itself, in each format, plain and framed.
var captures = []struct {
	name   string
	encode []string // wirectl encode arguments that make it from values.json
	decode []string // wirectl decode arguments that read it
}{
	{"cbor.bin", []string{"--format", "cbor"}, []string{"--format", "cbor"}},
	{"msgpack.bin", []string{"--format", "msgpack"}, []string{"--format", "msgpack"}},
	{"json.txt", []string{"--format", "json"}, []string{"--format", "json"}},
	{"cbor-be32.bin", []string{"--format", "cbor", "--frame", "be32"}, []string{"--format", "cbor", "--frame", "be32"}},
	{"msgpack-uvarint.bin", []string{"--format", "msgpack", "--frame", "uvarint"}, []string{"--format", "msgpack", "--frame", "uvarint"}},
	{"msgpack-rm.bin", []string{"--format", "msgpack", "--frame", "rm"}, []string{"--frame", "rm"}}, // sniffed inside the frame
	{"json-be16.bin", []string{"--format", "json", "--frame", "be16"}, []string{"--frame", "be16"}},
	{"gob.bin", []string{"--format", "gob"}, []string{"--format", "gob"}},
	// Every MessagePack type family, written from msgpackFamilies.
	{"msgpack-families.bin", nil, []string{"--format", "msgpack"}},
	// Both directions of a sqtime conversation, written from sqtimeCapture.
	{"sqtime-requests.bin", nil, []string{"--proto", "sqtime"}},
	{"sqtime-responses.bin", nil, []string{"--proto", "sqtime"}},
	// A store session, seed 001's, both directions.
	{"store-requests.bin", nil, []string{"--proto", "store"}},
	{"store-responses.bin", nil, []string{"--proto", "store"}},
}

// handMade are the captures not made by wirectl encode.
var handMade = map[string]func() []byte{
	"msgpack-families.bin": func() []byte {
		b, err := hex.DecodeString(msgpackFamilies)
		if err != nil {
			panic(err)
		}
		return b
	},
	"sqtime-requests.bin": func() []byte {
		return sqtimeCapture(
			sqtime.Message{Type: sqtime.SqrtRequest, ID: 1, Value: 2},
			sqtime.Message{Type: sqtime.TimeRequest, ID: 2},
			sqtime.Message{Type: sqtime.SqrtRequest, ID: 3, Value: -1},
		)
	},
	"store-requests.bin": func() []byte {
		return storeCapture(
			`["create","users",{"email":"*str","name":"str","age":"*int"}]`,
			`["insert","users",{"email":"a","name":"a","age":18}]`,
			`["search","users",{"age":{"$gt":10,"$lt":20}}]`,
			`["update","users",{"_id":"6f1c2d4e-0b7a-4c55-9e21-3a8f5d0c9b11"},{"email":"c","age":19}]`,
			`["describe"]`,
		)
	},
	"store-responses.bin": func() []byte {
		return storeCapture(
			`["ok",null]`,
			`["ok","6f1c2d4e-0b7a-4c55-9e21-3a8f5d0c9b11"]`,
			`["ok",[{"_id":"6f1c2d4e-0b7a-4c55-9e21-3a8f5d0c9b11","age":18,"email":"a","name":"a"}]]`,
			`["ok",1]`,
			`["ok",{"users":{"count":1,"schema":{"age":"*int","email":"*str","name":"str"}}}]`,
		)
	},
	"sqtime-responses.bin": func() []byte {
		// Answered out of order, as the protocol allows.
		return sqtimeCapture(
			sqtime.Message{Type: sqtime.TimeResponse, ID: 2, Time: sqtime.FormatTime(time.Date(2026, 11, 22, 10, 0, 0, 123456789, time.UTC))},
			sqtime.Message{Type: sqtime.SqrtResponse, ID: 3, Value: math.NaN()},
			sqtime.Message{Type: sqtime.SqrtResponse, ID: 1, Value: math.Sqrt2},
		)
	},
}

func storeCapture(msgs ...string) []byte {
	var b []byte
	for _, m := range msgs {
		b = append(b, byte(len(m)>>8), byte(len(m)))
		b = append(b, m...)
	}
	return b
}

func sqtimeCapture(ms ...sqtime.Message) []byte {
	var b []byte
	for _, m := range ms {
		var err error
		if b, err = sqtime.AppendMessage(b, m); err != nil {
			panic(err)
		}
	}
	return b
}

// msgpackFamilies is one value of every MessagePack type family, by hand.
var msgpackFamilies = strings.Join([]string{
	"c0", "c2", "c3", // nil, false, true
	"00", "7f", "e0", "ff", // positive and negative fixint
	"ccff", "cdffff", "ceffffffff", "cfffffffffffffffff", // uint 8-64
	"d080", "d18000", "d280000000", "d38000000000000000", // int 8-64
	"ca3fc00000", "cb3ff8000000000000", // float 32, 64
	"a3616263", "d903616263", "da0003616263", "db00000003616263", // fixstr, str 8-32
	"c4020102", "c500020102", "c6000000020102", // bin 8-32
	"920102", "dc00020102", "dd000000020102", // fixarray, array 16, 32
	"81a16101", "de0001a16101", "df00000001a16101", // fixmap, map 16, 32
	"d40501", "d5050102", "d60501020304", "d7050102030405060708", "d805" + strings.Repeat("ab", 16), // fixext 1-16
	"c70305010203", "c8000305010203", "c90000000305010203", // ext 8-32
	"d6ff5f5e1000",                   // timestamp 32
	"d7ff000000045f5e1000",           // timestamp 64: 1 ns after 2020-09-13T12:26:40Z
	"c70cff000000010000000000000001", // timestamp 96: 1 s and 1 ns after the epoch
}, "")

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMain(m *testing.M) {
	flag.Parse()
	if *update {
		values, err := os.ReadFile(filepath.Join(dir, "values.json"))
		if err != nil {
			panic(err)
		}
		for _, c := range captures {
			if c.encode == nil {
				if err := os.WriteFile(filepath.Join(dir, c.name), handMade[c.name](), 0o644); err != nil {
					panic(err)
				}
				continue
			}
			var out, errb bytes.Buffer
			if code := run(append([]string{"encode"}, c.encode...), bytes.NewReader(values), &out, &errb); code != 0 {
				panic(fmt.Sprintf("encode %s: %s", c.name, errb.String()))
			}
			if err := os.WriteFile(filepath.Join(dir, c.name), out.Bytes(), 0o644); err != nil {
				panic(err)
			}
		}
	}
	os.Exit(m.Run())
}

// golden compares got with testdata/wirectl/golden/name, or rewrites it
// with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(dir, "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/wirectl -update to make it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestDecodeEveryCaptureInEveryMode(t *testing.T) {
	for _, c := range captures {
		for _, mode := range outputModes {
			if mode == "annotate" && (strings.HasPrefix(c.name, "json") || strings.HasPrefix(c.name, "gob") || strings.HasPrefix(c.name, "sqtime") || strings.HasPrefix(c.name, "store")) {
				continue
			}
			t.Run(c.name+"/"+mode, func(t *testing.T) {
				out, errs, code := wirectl(t, nil, append(append([]string{"decode"}, c.decode...), "-o", mode, filepath.Join(dir, c.name))...)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errs)
				}
				golden(t, c.name+"."+mode, out)
			})
		}
	}
}

// -o json is one JSON value per line, and the same values for every
// format: those of values.json.
func TestJSONOutputIsTheSameForEveryFormat(t *testing.T) {
	want := jsonLines(t, string(readFile(t, "values.json")))
	for _, c := range captures {
		if c.encode == nil {
			continue
		}
		got, errs, code := wirectl(t, nil, append(append([]string{"decode"}, c.decode...), "-o", "json", filepath.Join(dir, c.name))...)
		if code != 0 {
			t.Fatalf("%s: exit %d %s", c.name, code, errs)
		}
		w := any(want)
		if c.name == "gob.bin" {
			w = emptyNil(want) // gob returns empty slices as nil (see package marshal)
		}
		if g := jsonLines(t, got); !reflect.DeepEqual(any(g), w) {
			t.Errorf("%s:\n got %v\nwant %v", c.name, g, w)
		}
	}
}

// jsonLines parses one JSON value per line.
func jsonLines(t *testing.T, s string) []any {
	t.Helper()
	var vs []any
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		var v any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		vs = append(vs, v)
	}
	return vs
}

func TestDecodeSniffsTheFormat(t *testing.T) {
	for _, c := range []struct{ capture, format string }{{"cbor.bin", "cbor"}, {"msgpack.bin", "msgpack"}, {"json.txt", "json"}, {"gob.bin", "gob"}, {"sqtime-requests.bin", "sqtime"}, {"sqtime-responses.bin", "sqtime"},
		{"store-requests.bin", "store"}, {"store-responses.bin", "store"}} {
		data := readFile(t, c.capture)
		out, errs, code := wirectl(t, data, "decode", "-o", "diag")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.capture, code, errs)
		}
		if !strings.Contains(errs, "decoding "+c.format) {
			t.Errorf("%s: stderr does not say it chose %s: %q", c.capture, c.format, errs)
		}
		flag := "--format"
		if c.format == "sqtime" || c.format == "store" {
			flag = "--proto"
		}
		want, _, _ := wirectl(t, data, "decode", flag, c.format, "-o", "diag")
		if out != want {
			t.Errorf("%s: sniffed output differs from --format %s", c.capture, c.format)
		}
	}
	// A stream longer than what sniffing looks at.
	big := bytes.Repeat(readFile(t, "msgpack.bin"), 2000)
	out, errs, code := wirectl(t, big, "decode", "-o", "json")
	if code != 0 || !strings.Contains(errs, "decoding msgpack") || strings.Count(out, "\n") != 8000 {
		t.Errorf("long stream: exit %d, %q, %d lines", code, errs, strings.Count(out, "\n"))
	}
}

func TestDecodeCannotTell(t *testing.T) {
	// "1" is JSON, MessagePack and CBOR alike; c1 ff is none of them.
	for _, in := range [][]byte{[]byte("1"), {0xc1, 0xff}} {
		_, errs, code := wirectl(t, in, "decode")
		if code != 1 || !strings.Contains(errs, "cannot tell the format") || !strings.Contains(errs, "--format") {
			t.Errorf("% x: exit %d, %q", in, code, errs)
		}
	}
}

// A capture cut short is still sniffed: its whole values are printed,
// then the cut one is an error with its offset.
func TestDecodeSniffsACutCapture(t *testing.T) {
	for _, c := range []struct{ capture, format string }{{"cbor.bin", "cbor"}, {"msgpack.bin", "msgpack"}, {"json.txt", "json"}} {
		data := readFile(t, c.capture)
		out, errs, code := wirectl(t, data[:len(data)*3/4], "decode", "-o", "json")
		if code != 1 || !strings.Contains(errs, "decoding "+c.format) || !strings.Contains(errs, "offset") || strings.Count(out, "\n") < 2 {
			t.Errorf("%s cut: exit %d, %q, %d values", c.capture, code, errs, strings.Count(out, "\n"))
		}
	}
	// A JSON value longer than what sniffing looks at.
	var big strings.Builder
	big.WriteString("{")
	for i := range 20000 {
		fmt.Fprintf(&big, "%q: %d, ", fmt.Sprint("k", i), i)
	}
	big.WriteString(`"end": 0}`)
	out, errs, code := wirectl(t, []byte(big.String()), "decode", "-o", "json")
	if code != 0 || !strings.Contains(errs, "decoding json") || !strings.HasSuffix(out, "\"end\":0}\n") {
		t.Errorf("a %d-byte JSON object: exit %d, %q", big.Len(), code, errs)
	}
}

// Every truncation of a capture is exit 1 with an offset, never a panic,
// except at a boundary between values (or frames), where the shorter
// input is whole and decodes to the values before it. Unframed captures
// are also cut and sniffed.
func TestEveryTruncationIsMalformed(t *testing.T) {
	for _, c := range captures {
		data := readFile(t, c.name)
		ends := valueEnds(t, c.name, data)
		full, _, _ := wirectl(t, data, append([]string{"decode", "-o", "json"}, c.decode...)...)
		lines := strings.SplitAfter(full, "\n")
		argsets := [][]string{c.decode}
		if !slices.Contains(c.decode, "--frame") {
			argsets = append(argsets, nil) // sniffed
		}
		for _, args := range argsets {
			for n := 1; n < len(data); n++ {
				out, errs, code := wirectl(t, data[:n], append([]string{"decode", "-o", "json"}, args...)...)
				if args == nil {
					// Sniffed, a few bytes of one format can be whole
					// values of another: then they decode. Otherwise the
					// error says where, or that the format is unclear.
					if code == 0 || code == 1 && (strings.Contains(errs, "offset") || strings.Contains(errs, "cannot tell the format")) {
						continue
					}
					t.Fatalf("%s sniffed, cut to %d bytes: exit %d, %q", c.name, n, code, errs)
				}
				if k, ok := ends[n]; ok {
					if code != 0 || out != strings.Join(lines[:k], "") {
						t.Fatalf("%s %q cut to %d bytes, after value %d: exit %d %q\n%s", c.name, args, n, k, code, errs, out)
					}
					continue
				}
				if code != 1 || !strings.Contains(errs, "offset") {
					t.Fatalf("%s %q cut to %d bytes: exit %d, %q", c.name, args, n, code, errs)
				}
			}
		}
	}
}

// valueEnds maps the offsets where a capture's values (or frames) end to
// how many end there.
func valueEnds(t *testing.T, name string, data []byte) map[int]int {
	t.Helper()
	ends := map[int]int{}
	switch {
	case strings.HasPrefix(name, "json."):
		// One value per line: it ends before its newline, and after it.
		k := 0
		for i, b := range data {
			if b == '\n' {
				k++
				ends[i], ends[i+1] = k, k
			}
		}
	case strings.HasPrefix(name, "store"):
		r := store.NewReader(bytes.NewReader(data))
		for k := 1; ; k++ {
			if _, err := r.Read(); err != nil {
				break
			}
			ends[int(r.Offset())] = k
		}
	case strings.HasPrefix(name, "sqtime"):
		r := sqtime.NewReader(bytes.NewReader(data))
		for k := 1; ; k++ {
			if _, err := r.Read(); err != nil {
				break
			}
			ends[int(r.Offset())] = k
		}
	case name == "gob.bin":
		// Fed a byte at a time, the reader takes no byte beyond a value.
		cr := &countingReader{r: iotest.OneByteReader(bytes.NewReader(data))}
		gv := marshal.DefaultLimits.NewGobValues(cr)
		for k := 1; ; k++ {
			if _, err := gv.Next(); err != nil {
				break
			}
			ends[cr.n] = k
		}
	case strings.Contains(name, "-") && !strings.Contains(name, "families"): // framed: cbor-be32.bin, ...
		kind, err := framing.ParseKind(strings.TrimSuffix(name[strings.LastIndex(name, "-")+1:], ".bin"))
		if err != nil {
			t.Fatal(err)
		}
		fr := framing.NewReader(bytes.NewReader(data), kind)
		pos := 0
		for k := 1; ; k++ {
			p, err := fr.ReadFrame()
			if err != nil {
				break
			}
			pos += kind.HeaderLen(len(p)) + len(p) // one fragment per record
			ends[pos] = k
		}
	default:
		format := strings.TrimSuffix(strings.TrimSuffix(name, ".bin"), "-families")
		vr, err := marshal.DefaultLimits.NewValueReader(format, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for k := 1; ; k++ {
			raw, off, err := vr.Next()
			if err != nil {
				break
			}
			ends[int(off)+len(raw)] = k
		}
	}
	return ends
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"decode", "-o", "yaml"},
		{"decode", "--format", "bson"},
		{"decode", "--frame", "be24"},
		{"decode", "--no-such-flag"},
		{"decode", "a", "b"},
		{"decode", "--format", "json", "-o", "annotate"},
		{"decode", "--proto", "oncrpc"},
		{"decode", "--proto", "cbor"},
		{"decode", "--proto", "sqtime", "--format", "cbor"},
		{"decode", "--format", "graph"},
		{"decode", filepath.Join(dir, "no-such-file")},
		{"encode"},
		{"encode", "--format", "xdr"},
		{"convert", "--from", "cbor"},
		{"frobnicate"},
		{"serve", "sqtime", "extra"},
		{"serve", "store", "--join", "127.0.0.1:1"},
		{"serve", "store", "--data", "x", "--listen", "127.0.0.1:0"},
		{"serve", "store", "--data", "x", "--listen", "127.0.0.1:60000"},
	} {
		_, errs, code := wirectl(t, nil, args...)
		if code != 2 || !strings.HasPrefix(errs, "wirectl: ") {
			t.Errorf("%q: exit %d, %q", args, code, errs)
		}
	}
}

func TestEveryCommandHasHelpWithExamples(t *testing.T) {
	for _, cmd := range []string{"", "decode", "encode", "convert", "serve sqtime", "call sqtime", "serve store", "store"} {
		out, _, code := wirectl(t, nil, strings.Fields(cmd+" --help")...)
		if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, strings.TrimSpace("wirectl "+cmd)) {
			t.Errorf("%s --help: exit %d\n%s", cmd, code, out)
		}
	}
}

func TestConvertRoundTrips(t *testing.T) {
	values := readFile(t, "json.txt")
	want := jsonLines(t, string(values))
	for _, f := range []string{"cbor", "msgpack", "gob", "json"} {
		bin, errs, code := wirectl(t, values, "convert", "--from", "json", "--to", f)
		if code != 0 {
			t.Fatalf("to %s: %s", f, errs)
		}
		if f == "gob" {
			continue // decode reads gob only through Go types
		}
		back, errs, code := wirectl(t, []byte(bin), "convert", "--from", f, "--to", "json")
		if code != 0 {
			t.Fatalf("%s and back: exit %d %s", f, code, errs)
		}
		if got := jsonLines(t, back); !reflect.DeepEqual(got, want) {
			t.Errorf("%s and back:\n got %v\nwant %v", f, got, want)
		}
	}
}

// Between CBOR and MessagePack, convert keeps map order and every value
// the other format can carry, and the same bytes every time.
func TestConvertBetweenBinaryFormats(t *testing.T) {
	cb := readFile(t, "cbor.bin")
	mp, errs, code := wirectl(t, cb, "convert", "--from", "cbor", "--to", "msgpack")
	if code != 0 {
		t.Fatalf("cbor to msgpack: %s", errs)
	}
	if again, _, _ := wirectl(t, cb, "convert", "--from", "cbor", "--to", "msgpack"); again != mp {
		t.Error("converting twice gives different bytes")
	}
	want, _, _ := wirectl(t, cb, "decode", "--format", "cbor", "-o", "diag")
	back, errs, code := wirectl(t, []byte(mp), "convert", "--from", "msgpack", "--to", "cbor")
	if code != 0 {
		t.Fatalf("msgpack to cbor: %s", errs)
	}
	if got, _, _ := wirectl(t, []byte(back), "decode", "--format", "cbor", "-o", "diag"); got != want {
		t.Errorf("cbor, msgpack, cbor:\n got %s\nwant %s", got, want)
	}
	// What the target cannot carry is an error naming the offset.
	for _, tt := range []struct{ in, from, to string }{
		{"\xd4\x05\x01", "msgpack", "cbor"},                         // an extension
		{"\x3b\xff\xff\xff\xff\xff\xff\xff\xff", "cbor", "msgpack"}, // -2^64
		{"\xd8\x63\x41\x01", "cbor", "msgpack"},                     // tag 99
	} {
		_, errs, code := wirectl(t, []byte(tt.in), "convert", "--from", tt.from, "--to", tt.to)
		if code != 1 || !strings.Contains(errs, "offset 0") {
			t.Errorf("% x %s to %s: exit %d, %q", tt.in, tt.from, tt.to, code, errs)
		}
	}
	// The same format is copied as it is.
	if out, _, code := wirectl(t, []byte("\xd4\x05\x01"), "convert", "--from", "msgpack", "--to", "msgpack"); code != 0 || out != "\xd4\x05\x01" {
		t.Errorf("msgpack to msgpack: exit %d, % x", code, out)
	}
}

// The RFC 8949 Appendix A examples decode to their diagnostic notation
// through wirectl, one example at a time and all of them as one stream.
func TestRFC8949AppendixA(t *testing.T) {
	table, err := os.ReadFile("../../testdata/inspect/rfc8949-appendix-a.txt")
	if err != nil {
		t.Fatal(err)
	}
	var stream []byte
	var want strings.Builder
	n := 0
	for line := range strings.SplitSeq(string(table), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		hexText, diag, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("line %q: no tab", line)
		}
		data, err := hex.DecodeString(hexText)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out, errs, code := wirectl(t, data, "decode", "--format", "cbor", "-o", "diag")
		if code != 0 || out != diag+"\n" {
			t.Errorf("%s: exit %d %s\n got %q\nwant %q", hexText, code, errs, out, diag)
		}
		stream = append(stream, data...)
		want.WriteString(diag + "\n")
		n++
	}
	if n != 81 {
		t.Fatalf("%d examples, want Appendix A's 81", n)
	}
	out, errs, code := wirectl(t, stream, "decode", "--format", "cbor", "-o", "diag")
	if code != 0 || out != want.String() {
		t.Errorf("as one stream: exit %d %s\n%s", code, errs, out)
	}
}

// decode prints each value as it arrives, before the input ends, and
// sniffs the format from what has arrived.
func TestDecodeStreams(t *testing.T) {
	for _, args := range [][]string{{"--format", "msgpack"}, nil} {
		decodeStream(t, args)
	}
}

func decodeStream(t *testing.T, args []string) {
	pr, pw := io.Pipe()
	stdout := &lockedBuffer{}
	done := make(chan int)
	go func() { done <- run(append([]string{"decode", "-o", "json"}, args...), pr, stdout, io.Discard) }()
	values := readFile(t, "msgpack.bin")
	first := values[:53] // {"id":1,...}: see golden/msgpack.bin.annotate
	if _, err := pw.Write(first); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(stdout.String(), `"sqrt"`) {
		if time.Now().After(deadline) {
			t.Fatalf("the first value was not printed before the input ended: %q", stdout.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	pw.Write(values[53:])
	pw.Close()
	if code := <-done; code != 0 || strings.Count(stdout.String(), "\n") != 4 {
		t.Errorf("exit %d, output %q", code, stdout.String())
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// encoding/json lets invalid UTF-8 through; wirectl does not print it.
func TestJSONWithInvalidUTF8IsMalformed(t *testing.T) {
	_, errs, code := wirectl(t, []byte("\"ok\"\n\"\xff\xfe\"\n"), "decode", "--format", "json", "-o", "json")
	if code != 1 || !strings.Contains(errs, "JSON value 2 holds invalid UTF-8 at offset 6") {
		t.Errorf("exit %d, %q", code, errs)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// emptyNil is v with its empty lists as nil.
func emptyNil(v any) any {
	switch t := v.(type) {
	case []any:
		if len(t) == 0 {
			return nil
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = emptyNil(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = emptyNil(e)
		}
		return out
	}
	return v
}

// TestGobNilValueDecodes checks that a gob value that is nil (a nil
// interface value, which is all the gob stream 04 10 00 ff 00 holds)
// prints as null and as <nil>, and converts, like any other value: it
// once fell through to the path of formats that keep raw bytes, and failed
// with "unexpected end of JSON input" (found by FuzzWirectlDecode).
func TestGobNilValueDecodes(t *testing.T) {
	in := []byte("\x04\x10\x00\xff\x00")
	for mode, want := range map[string]string{"json": "null", "text": "null", "spew": "(interface {}) <nil>"} {
		out, stderr, code := wirectl(t, in, "decode", "--format", "gob", "-o", mode)
		if code != 0 || strings.TrimSpace(out) != want {
			t.Errorf("-o %s: exit %d, stdout %q (want %q), stderr %q", mode, code, out, want, stderr)
		}
	}
	out, stderr, code := wirectl(t, in, "convert", "--from", "gob", "--to", "json")
	if code != 0 || strings.TrimSpace(out) != "null" {
		t.Errorf("convert to json: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
