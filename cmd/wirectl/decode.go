package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wirekit/wirekit/framing"
	"github.com/wirekit/wirekit/inspect"
	"github.com/wirekit/wirekit/marshal"
	"github.com/wirekit/wirekit/xdr/schema"
)

var outputModes = []string{"text", "json", "diag", "spew", "annotate"}

type decodeFlags struct {
	format, proto, frame, output, typ string
	schema                            []string
}

func decodeCommand() *cobra.Command {
	var f decodeFlags
	cmd := &cobra.Command{
		Use:   "decode [FILE]",
		Short: "Print the values in a capture, value after value",
		Long: `decode reads values from FILE (stdin when there is none) and prints them,
one after another as they arrive: a capture of many frames or many
concatenated values is never read into memory whole.

Without --format, decode sniffs the input (CBOR, MessagePack, JSON, gob) from its
first bytes, says on stderr what it chose, and fails when it cannot tell.

XDR is not self-describing: --schema F.x --type T decodes values of the type T
that the .x file defines, straight from the file (no generated code). Give
--schema once for each file, or a comma-separated list, when types refer to
other files' (Stellar's). As JSON, structs are objects with their members in .x
order, enums their identifiers, unions {"<discriminant>": ..., "<arm>": ...},
optional-data null or the value, opaques lowercase hex, hypers exact numbers.
A string that is not UTF-8 shows U+FFFD in JSON (decode warns; -o annotate
shows its bytes).

Output (-o):
  text      a readable default
  json      one JSON value per line: maps as objects, byte strings as lowercase hex
  diag      RFC 8949 diagnostic notation (CBOR and MessagePack), the lossless view
  spew      the Go value, as marshal.Dump prints it (not for XDR)
  annotate  every item with its byte offset, length and raw hex, as a tree
            (CBOR, MessagePack, and XDR with a schema, each field by its .x name)

Exit status: 0 on success, 1 on malformed input (the message names the byte
offset), 2 on usage errors.`,
		Example: `  wirectl decode < capture.bin
  wirectl decode -o diag testdata/wirectl/cbor.bin
  wirectl decode --frame be32 -o annotate testdata/wirectl/cbor-be32.bin
  wirectl decode --format json -o json values.json
  wirectl decode --schema testdata/xdr/file.x --type file -o json testdata/xdr/file.bin
  wirectl decode --schema a.x,b.x --type T --frame rm -o annotate capture.bin`,
		Args: atMostOneFile,
		RunE: func(cmd *cobra.Command, args []string) error {
			return decode(cmd, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "auto", "auto, or one of "+strings.Join(formatNames(), ", "))
	fl.StringVar(&f.proto, "proto", "", "a protocol: "+strings.Join(formatNames(true), ", ")+" (store and oncrpc arrive with their packages)")
	fl.StringVar(&f.frame, "frame", "none", "none, be8, be16, be32, be64, uvarint or rm (ONC RPC record marking)")
	fl.StringVarP(&f.output, "output", "o", "text", strings.Join(outputModes, ", "))
	fl.StringSliceVar(&f.schema, "schema", nil, "XDR .x files, loaded together (repeat the flag or separate with commas)")
	fl.StringVar(&f.typ, "type", "", "the type in --schema to decode")
	return cmd
}

func decode(cmd *cobra.Command, f decodeFlags, args []string) error {
	if !slices.Contains(outputModes, f.output) {
		return usagef("-o %q: want one of %s", f.output, strings.Join(outputModes, ", "))
	}
	var chosen *format
	if len(f.schema) > 0 || f.typ != "" {
		switch {
		case f.proto != "":
			return usagef("--schema reads XDR, --proto a protocol: one or the other")
		case f.format != "auto" && f.format != "xdr":
			return usagef("--schema reads XDR, not --format %s", f.format)
		case f.output == "diag" || f.output == "spew":
			return usagef("-o %s: XDR with a schema prints text, json or annotate", f.output)
		}
		t, err := compileSchema(f.schema, f.typ)
		if err != nil {
			return err
		}
		chosen = xdrFormat(t)
	} else if f.proto != "" {
		if chosen = formats[f.proto]; chosen == nil || chosen.proto == nil {
			return usagef("--proto %q: want one of %s", f.proto, strings.Join(formatNames(true), ", "))
		}
		if f.format != "auto" {
			return usagef("--proto and --format: one or the other")
		}
	} else if f.format != "auto" {
		chosen = formats[f.format]
		switch {
		case chosen == nil || chosen.proto != nil:
			return usagef("--format %q: want auto or one of %s", f.format, strings.Join(formatNames(), ", "))
		case chosen.why != "":
			return usagef("--format %s: %s", f.format, chosen.why)
		}
	}
	kind := framing.Kind(-1)
	if f.frame != "none" {
		k, err := framing.ParseKind(f.frame)
		if err != nil {
			return usagef("--frame %q: want none, be8, be16, be32, be64, uvarint or rm", f.frame)
		}
		kind = k
	}
	if f.output == "annotate" && chosen != nil && !chosen.annotate {
		return usagef("-o annotate: %s has no items to annotate (CBOR and MessagePack do)", chosen.name)
	}

	in, closeIn, err := openInput(cmd, args)
	if err != nil {
		return err
	}
	defer closeIn()
	lim := marshal.DefaultLimits
	out := bufio.NewWriter(cmd.OutOrStdout())
	defer out.Flush()

	var src source
	if kind >= 0 {
		src = &frameSource{fr: framing.NewReader(in, kind, framing.MaxFrame(lim.MaxBytes)), kind: kind, lim: lim, f: chosen, stderr: cmd.ErrOrStderr()}
	} else {
		br := bufio.NewReaderSize(in, sniffSize)
		if chosen == nil {
			if chosen, err = sniff(br, cmd.ErrOrStderr()); chosen == nil {
				return err // nil: empty input, nothing to decode
			}
			if f.output == "annotate" && !chosen.annotate {
				return usagef("-o annotate: %s has no items to annotate (CBOR and MessagePack do)", chosen.name)
			}
		}
		if src, err = chosen.stream(br, lim); err != nil {
			return err
		}
	}
	warned := false
	for {
		v, err := src.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if v.xdr != nil && f.output != "annotate" && !warned {
			if x := v.xdr.Lossy(); x != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "wirectl: warning:", lossy(x))
				warned = true
			}
		}
		if err := writeValue(out, f.output, v, lim); err != nil {
			return err
		}
		if err := out.WriteByte('\n'); err != nil {
			return err
		}
		// Each value as it is decoded: decode may be reading a live
		// connection.
		if err := out.Flush(); err != nil {
			return err
		}
	}
}

// sniffSize is how much of a stream decode looks at to tell its format.
const sniffSize = 64 << 10

// sniff tells the format of the stream in br from its first bytes, and
// says on stderr what it chose; nil for empty input. It decides as soon
// as the values that have arrived whole settle it (a live peer sends a
// message and waits), and reads on, up to sniffSize, while they do not.
func sniff(br *bufio.Reader, stderr io.Writer) (*format, error) {
	tried := 0
	for {
		_, err := br.Peek(br.Buffered() + 1) // wait for more
		prefix, _ := br.Peek(br.Buffered())
		ended := err == io.EOF
		if err != nil && !ended && err != bufio.ErrBufferFull {
			return nil, err
		}
		if len(prefix) == 0 {
			return nil, nil
		}
		full := ended || len(prefix) >= sniffSize
		// Each try is a pass over the prefix: past a few KiB, only when
		// it has doubled, so input that trickles in costs linear time.
		if !full && len(prefix) > 4<<10 && len(prefix) < 2*tried {
			continue
		}
		tried = len(prefix)
		what := fmt.Sprintf("the %d bytes so far", len(prefix))
		if ended {
			what = fmt.Sprintf("all %d bytes", len(prefix))
		}
		for _, name := range formatNames(true) {
			if formats[name].proto(prefix) {
				fmt.Fprintf(stderr, "wirectl: decoding %s: %s read as %s messages\n", name, what, name)
				return formats[name], nil
			}
		}
		if name, ok := marshal.Detect(prefix); ok && formats[name] != nil {
			return chosen(name, what, stderr)
		}
		if full {
			// The last value may be cut short, or broken: decoding says
			// where.
			if !ended {
				what = fmt.Sprintf("the first %d bytes", len(prefix))
			}
			return pick(prefix, marshal.DetectPrefix, what, stderr)
		}
	}
}

// pick names the format of prefix by detect; what names prefix in
// messages.
func pick(prefix []byte, detect func([]byte) (string, bool), what string, stderr io.Writer) (*format, error) {
	name, ok := detect(prefix)
	switch {
	case name == "":
		return nil, fmt.Errorf("cannot tell the format: %s read as none of %s; use --format", what, strings.Join(sniffable(), ", "))
	case !ok:
		return nil, fmt.Errorf("cannot tell the format: %s read as %s and as another format just as well; use --format", what, name)
	}
	return chosen(name, what, stderr)
}

func chosen(name, what string, stderr io.Writer) (*format, error) {
	f := formats[name]
	if f == nil || f.why != "" {
		return nil, fmt.Errorf("%s read as %s, which wirectl cannot decode without its Go types; use package marshal", what, name)
	}
	fmt.Fprintf(stderr, "wirectl: decoding %s: %s read as %s values better than as any other format (--format to choose)\n", name, what, name)
	return f, nil
}

func sniffable() []string {
	var names []string
	for _, n := range formatNames() {
		if formats[n].sniff {
			names = append(names, n)
		}
	}
	return names
}

// frameSource reads one value from each frame.
type frameSource struct {
	fr     framing.Reader
	kind   framing.Kind
	lim    marshal.Limits
	f      *format
	stderr io.Writer
	pos    int64 // stream offset of the next frame
}

func (s *frameSource) next() (*value, error) {
	p, err := s.fr.ReadFrame()
	if err != nil {
		return nil, err
	}
	start := s.pos
	head := s.kind.HeaderLen(len(p)) // offsets in a record of several fragments count its bytes without their headers
	s.pos += int64(head + len(p))
	if s.f == nil {
		if s.f, err = pick(p, marshal.Detect, fmt.Sprintf("the %d bytes of the first frame", len(p)), s.stderr); err != nil {
			return nil, fmt.Errorf("frame at offset %d: %w", start, err)
		}
	}
	v, err := s.f.frame(p, start+int64(head), s.lim)
	if err != nil {
		return nil, fmt.Errorf("frame at offset %d: %w", start, err)
	}
	return v, nil
}

func openInput(cmd *cobra.Command, args []string) (io.Reader, func(), error) {
	if len(args) == 0 || args[0] == "-" {
		return cmd.InOrStdin(), func() {}, nil
	}
	fh, err := os.Open(args[0])
	if err != nil {
		return nil, nil, usageError{err}
	}
	return fh, func() { fh.Close() }, nil
}

// writeValue prints v in the output mode, without a final newline.
func writeValue(w io.Writer, mode string, v *value, lim marshal.Limits) error {
	if v.xdr != nil {
		switch mode {
		case "text":
			return schema.WriteText(w, v.xdr)
		case "json":
			return schema.WriteJSON(w, v.xdr)
		case "annotate":
			return schema.WriteAnnotate(w, v.xdr)
		}
		return usagef("-o %s: XDR with a schema prints text, json or annotate", mode)
	}
	if v.item != nil {
		switch mode {
		case "text":
			return inspect.WriteText(w, v.item)
		case "json":
			return inspect.WriteJSON(w, v.item)
		case "diag":
			return inspect.WriteDiag(w, v.item)
		case "annotate":
			return inspect.WriteAnnotate(w, v.item)
		}
		return writeSpew(w, v, lim)
	}
	if v.isGo {
		return writeGo(w, mode, v)
	}
	switch mode {
	case "text":
		var buf bytes.Buffer
		if err := json.Indent(&buf, v.raw, "", "  "); err != nil {
			return err
		}
		_, err := w.Write(buf.Bytes())
		return err
	case "json", "diag": // JSON is diagnostic notation already
		var buf bytes.Buffer
		if err := json.Compact(&buf, v.raw); err != nil {
			return err
		}
		_, err := w.Write(buf.Bytes())
		return err
	case "annotate":
		return usagef("-o annotate: %s has no items to annotate (CBOR and MessagePack do)", v.format)
	}
	return writeSpew(w, v, lim)
}

// writeGo prints a value decoded into Go (gob): as JSON, which is also
// its diagnostic notation, indented for text.
func writeGo(w io.Writer, mode string, v *value) error {
	var b []byte
	var err error
	switch mode {
	case "spew":
		_, err = io.WriteString(w, strings.TrimSuffix(marshal.Dump(v.goVal), "\n"))
		return err
	case "annotate":
		return usagef("-o annotate: %s has no items to annotate (CBOR and MessagePack do)", v.format)
	case "text":
		b, err = json.MarshalIndent(v.goVal, "", "  ")
	default:
		b, err = json.Marshal(v.goVal)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// writeSpew dumps v as a Go value: the items' inspect.Value, which needs
// no registered types (a codec's Unmarshal into an interface fails on an
// unknown MessagePack extension), or for JSON what encoding/json makes of
// it.
func writeSpew(w io.Writer, v *value, lim marshal.Limits) error {
	var x any
	if v.item != nil {
		x = inspect.Value(v.item)
	} else {
		c, _ := lim.Lookup(v.format)
		if err := c.Unmarshal(v.raw, &x); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, strings.TrimSuffix(marshal.Dump(x), "\n"))
	return err
}

// lossy says what JSON does not show of x, an item Value.Lossy found.
func lossy(x *schema.Value) string {
	what := "is not valid UTF-8: the JSON has U+FFFD for each invalid byte"
	if x.Kind != schema.String {
		what = `is a NaN with a payload: the JSON has "NaN"`
	}
	name := x.Name()
	if name == "" {
		name = "an element"
	}
	return fmt.Sprintf("%s (%s) at offset %d %s; -o annotate shows its bytes (further ones are not reported)", name, x.Type(), x.Offset, what)
}
