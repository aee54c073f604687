package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wirekit/wirekit/framing"
)

const xdrDir = "../../testdata/xdr"

// fileType decodes and encodes the RFC 4506 §7 file structure.
var fileType = []string{"--schema", filepath.Join(xdrDir, "file.x"), "--type", "file"}

func xdrArgs(cmd string, args ...string) []string {
	return append(append([]string{cmd}, fileType...), args...)
}

func readXDR(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(xdrDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The RFC's 48 bytes, in every output mode XDR has.
func TestDecodeXDRWithASchema(t *testing.T) {
	for _, mode := range []string{"json", "text", "annotate"} {
		t.Run(mode, func(t *testing.T) {
			out, errs, code := wirectl(t, nil, xdrArgs("decode", "-o", mode, filepath.Join(xdrDir, "file.bin"))...)
			if code != 0 || errs != "" {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden(t, "xdr-file.bin."+mode, out)
		})
	}
	// The JSON mapping of DESIGN.md §3, to the byte.
	out, _, _ := wirectl(t, nil, xdrArgs("decode", "-o", "json", "--format", "xdr", filepath.Join(xdrDir, "file.bin"))...)
	const want = `{"filename":"sillyprog","type":{"kind":"EXEC","interpretor":"lisp"},"owner":"john","data":"287175697429"}` + "\n"
	if out != want {
		t.Errorf("got %s, want %s", out, want)
	}
}

// Values follow each other on stdin until its end, plain or framed; every
// cut inside a value is exit 1 naming the offset, and a cut between
// values is the values before it.
func TestDecodeXDRStream(t *testing.T) {
	file := readXDR(t, "file.bin")
	one, _, _ := wirectl(t, file, xdrArgs("decode", "-o", "json")...)
	stream := bytes.Repeat(file, 3)
	out, errs, code := wirectl(t, stream, xdrArgs("decode", "-o", "json")...)
	if code != 0 || out != strings.Repeat(one, 3) {
		t.Fatalf("three values: exit %d %s\n%s", code, errs, out)
	}
	for n := 1; n < len(stream); n++ {
		out, errs, code := wirectl(t, stream[:n], xdrArgs("decode", "-o", "json")...)
		if n%48 == 0 {
			if code != 0 || out != strings.Repeat(one, n/48) {
				t.Fatalf("cut to %d: exit %d %s", n, code, errs)
			}
			continue
		}
		if code != 1 || !strings.Contains(errs, "offset") || !strings.HasPrefix(errs, "wirectl: xdr: file") || strings.Count(out, "\n") != n/48 {
			t.Fatalf("cut to %d: exit %d, %q, %d values", n, code, errs, strings.Count(out, "\n"))
		}
	}

	// Framed: each value in a frame, its offsets those of the stream.
	var framed bytes.Buffer
	fw := framing.NewWriter(&framed, framing.BE32)
	for range 2 {
		if err := fw.WriteFrame(file); err != nil {
			t.Fatal(err)
		}
	}
	out, errs, code = wirectl(t, framed.Bytes(), xdrArgs("decode", "--frame", "be32", "-o", "json")...)
	if code != 0 || out != strings.Repeat(one, 2) {
		t.Fatalf("framed: exit %d %s\n%s", code, errs, out)
	}
	out, _, _ = wirectl(t, framed.Bytes(), xdrArgs("decode", "--frame", "be32", "-o", "annotate")...)
	if !strings.Contains(out, "0004  48") || !strings.Contains(out, "0056  48") || !strings.Contains(out, "0084   8  00 00 00 04 6a 6f 68 6e") {
		t.Errorf("framed annotate does not give stream offsets:\n%s", out)
	}
	// A frame that holds more than the value, or less.
	for _, frame := range [][]byte{append(file[:48:48], 0, 0, 0, 0), file[:44]} {
		var b bytes.Buffer
		framing.NewWriter(&b, framing.BE32).WriteFrame(frame)
		_, errs, code := wirectl(t, b.Bytes(), xdrArgs("decode", "--frame", "be32")...)
		if code != 1 || !strings.Contains(errs, "frame at offset 0: xdr: file") || !strings.Contains(errs, "at offset") {
			t.Errorf("a frame of %d bytes: exit %d %q", len(frame), code, errs)
		}
	}
}

// decode -o json, then encode, gives the bytes back, plain and framed.
func TestEncodeXDRRoundTrips(t *testing.T) {
	stream := bytes.Repeat(readXDR(t, "file.bin"), 2)
	js, errs, code := wirectl(t, stream, xdrArgs("decode", "-o", "json")...)
	if code != 0 {
		t.Fatalf("decode: %s", errs)
	}
	for _, args := range [][]string{xdrArgs("encode"), xdrArgs("encode", "--format", "xdr")} {
		out, errs, code := wirectl(t, []byte(js), args...)
		if code != 0 || out != string(stream) {
			t.Errorf("%q: exit %d %s\n got %x\nwant %x", args, code, errs, out, stream)
		}
	}
	out, errs, code := wirectl(t, []byte(js), xdrArgs("encode", "--frame", "rm")...)
	if code != 0 {
		t.Fatalf("framed: %s", errs)
	}
	back, errs, code := wirectl(t, []byte(out), xdrArgs("decode", "--frame", "rm", "-o", "json")...)
	if code != 0 || back != js {
		t.Errorf("framed and back: exit %d %s\n%s", code, errs, back)
	}
	// A value that does not fit is exit 1 naming its number and .x path.
	bad := strings.Replace(js, `"interpretor"`, `"creator"`, 1)
	_, errs, code = wirectl(t, []byte(bad), xdrArgs("encode")...)
	if code != 1 || !strings.Contains(errs, `value 1: xdr: file.type: discriminant kind EXEC selects arm "interpretor", not "creator"`) {
		t.Errorf("a wrong arm: exit %d %q", code, errs)
	}
	long := `{"filename":"f","type":{"kind":"EXEC","interpretor":"` + strings.Repeat("x", 300) + `"},"owner":"","data":""}`
	_, errs, code = wirectl(t, []byte(js+long), xdrArgs("encode")...)
	if code != 1 || !strings.Contains(errs, "value 3: xdr: file.type.interpretor: string length 300 exceeds max 255") {
		t.Errorf("too long: exit %d %q", code, errs)
	}
}

// Types that span files: --schema repeated or as a list.
func TestXDRSchemaOfSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.x"), filepath.Join(dir, "b.x")
	os.WriteFile(a, []byte("enum color { RED = 1, BLUE = 2 };"), 0o644)
	os.WriteFile(b, []byte("struct pixel { color c; unsigned hyper n; };"), 0o644)
	in := "\x00\x00\x00\x02\xff\xff\xff\xff\xff\xff\xff\xff"
	for _, args := range [][]string{
		{"--schema", a, "--schema", b, "--type", "pixel"},
		{"--schema", a + "," + b, "--type", "pixel"},
	} {
		out, errs, code := wirectl(t, []byte(in), append([]string{"decode", "-o", "json"}, args...)...)
		if code != 0 || out != `{"c":"BLUE","n":18446744073709551615}`+"\n" {
			t.Errorf("%q: exit %d %s %s", args, code, errs, out)
		}
	}
	_, errs, code := wirectl(t, []byte(in), "decode", "--schema", b, "--type", "pixel")
	if code != 2 || !strings.Contains(errs, "undefined type color") {
		t.Errorf("one file of two: exit %d %q", code, errs)
	}
}

// JSON cannot show a string that is not UTF-8: decode says so, once.
func TestDecodeXDRWarnsOfLossyJSON(t *testing.T) {
	file := readXDR(t, "file.bin")
	file[4] = 0xff // "\xffillyprog"
	out, errs, code := wirectl(t, bytes.Repeat(file, 2), xdrArgs("decode", "-o", "json")...)
	if code != 0 || !strings.Contains(out, `"filename":"\ufffdillyprog"`) || strings.Count(errs, "warning") != 1 ||
		!strings.Contains(errs, "filename (string<255>) at offset 0 is not valid UTF-8") {
		t.Errorf("exit %d %q\n%s", code, errs, out)
	}
	out, errs, _ = wirectl(t, file, xdrArgs("decode", "-o", "annotate")...)
	if errs != "" || !strings.Contains(out, `filename: string<255> "\xffillyprog"`) {
		t.Errorf("annotate: %q\n%s", errs, out)
	}
}

func TestXDRUsageErrorsExit2(t *testing.T) {
	x := filepath.Join(xdrDir, "file.x")
	for _, args := range [][]string{
		{"decode", "--schema", x},
		{"decode", "--type", "file"},
		{"decode", "--schema", x, "--type", "fiel"},
		{"decode", "--schema", x, "--type", "MAXNAMELEN"},
		{"decode", "--schema", filepath.Join(xdrDir, "no-such.x"), "--type", "file"},
		{"decode", "--schema", x, "--type", "file", "-o", "diag"},
		{"decode", "--schema", x, "--type", "file", "-o", "spew"},
		{"decode", "--schema", x, "--type", "file", "--format", "cbor"},
		{"decode", "--schema", x, "--type", "file", "--proto", "sqtime"},
		{"decode", "--format", "xdr"},
		{"encode", "--schema", x},
		{"encode", "--schema", x, "--type", "file", "--format", "cbor"},
		{"encode", "--schema", x, "--type", "file", "--frame", "be24"},
		{"convert", "--from", "xdr", "--to", "json"},
	} {
		_, errs, code := wirectl(t, nil, args...)
		if code != 2 || !strings.HasPrefix(errs, "wirectl: ") {
			t.Errorf("%q: exit %d, %q", args, code, errs)
		}
	}
	_, errs, _ := wirectl(t, nil, "decode", "--schema", x, "--type", "fiel")
	if !strings.Contains(errs, "no type fiel; did you mean file?") {
		t.Errorf("a misspelt type: %q", errs)
	}
}

// Each value is printed as soon as its bytes arrive, before the input
// ends.
func TestDecodeXDRLive(t *testing.T) {
	file := readXDR(t, "file.bin")
	pr, pw := io.Pipe()
	stdout := &lockedBuffer{}
	done := make(chan int)
	go func() { done <- run(xdrArgs("decode", "-o", "json"), pr, stdout, io.Discard) }()
	if _, err := pw.Write(file); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(stdout.String(), `"sillyprog"`) {
		if time.Now().After(deadline) {
			t.Fatalf("the first value was not printed before the input ended: %q", stdout.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	pw.Write(file)
	pw.Close()
	if code := <-done; code != 0 || strings.Count(stdout.String(), "\n") != 2 {
		t.Errorf("exit %d, output %q", code, stdout.String())
	}
}
