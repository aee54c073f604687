package main

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/fxamacker/cbor/v2"
	"github.com/spf13/cobra"

	"github.com/wirekit/wirekit/framing"
	"github.com/wirekit/wirekit/inspect"
	"github.com/wirekit/wirekit/marshal"
)

// encodable are the formats encode and convert write: those that carry
// any JSON value without Go types to guide them.
var encodable = []string{"json", "msgpack", "cbor", "gob"}

func init() {
	// gob sends interface values by registered name.
	gob.Register(map[string]any{})
	gob.Register(map[any]any{})
	gob.Register([]any{})
}

func encodeCommand() *cobra.Command {
	var to, frame, typ string
	var schemas []string
	cmd := &cobra.Command{
		Use:   "encode --format F [--schema F.x --type T] [FILE.json]",
		Short: "Encode JSON values into a format, optionally framed",
		Long: `encode reads JSON values from FILE (stdin when there is none), one per line or
any stream of them, and writes each in --format F, one after another, or each
in its own frame with --frame.

Integers become integers (int64, or uint64 above it) and other numbers
float64; JSON has no byte strings, so strings stay strings.

--format xdr needs --schema F.x --type T (the flag repeated, or a comma-separated
list, for types spread over several files): each JSON value is a T, in the form
decode -o json prints (opaques as hex, enums by identifier, unions as
{"<discriminant>": ..., "<arm>": ...}), and a value that does not fit is an
error naming its .x path. With --schema, --format may be left out.`,
		Example: `  echo '{"a": [1, 2.5, "x"]}' | wirectl encode --format cbor | wirectl decode -o diag
  wirectl encode --format msgpack --frame be32 values.json > capture.bin
  echo '{"filename":"sillyprog","type":{"kind":"EXEC","interpretor":"lisp"},"owner":"john","data":"287175697429"}' |
    wirectl encode --format xdr --schema testdata/xdr/file.x --type file > file.bin`,
		Args: atMostOneFile,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(schemas) > 0 || typ != "" {
				if to != "" && to != "xdr" {
					return usagef("--schema encodes XDR, not --format %s", to)
				}
				return encodeXDR(cmd, schemas, typ, frame, args)
			}
			switch to {
			case "":
				return usagef("--format is required: one of %s, or xdr with --schema", strings.Join(encodable, ", "))
			case "xdr":
				return usagef("--format xdr needs --schema F.x --type T: XDR is not self-describing")
			}
			return convert(cmd, "json", to, frame, args)
		},
	}
	cmd.Flags().StringVar(&to, "format", "", strings.Join(encodable, ", ")+", or xdr with --schema")
	cmd.Flags().StringVar(&frame, "frame", "none", "none, be8, be16, be32, be64, uvarint or rm")
	cmd.Flags().StringSliceVar(&schemas, "schema", nil, "XDR .x files, loaded together (repeat the flag or separate with commas)")
	cmd.Flags().StringVar(&typ, "type", "", "the type in --schema to encode")
	return cmd
}

// encodeXDR writes the JSON values of the input as XDR values of a type
// in .x files.
func encodeXDR(cmd *cobra.Command, schemas []string, typ, frame string, args []string) error {
	t, err := compileSchema(schemas, typ)
	if err != nil {
		return err
	}
	lim := marshal.DefaultLimits
	values, emit, done, err := pipe(cmd, formats["json"], frame, args, lim)
	if err != nil {
		return err
	}
	defer done()
	var buf bytes.Buffer
	enc := xdrLimits(lim).NewEncoder(&buf)
	for n := 1; ; n++ {
		v, err := values.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		// Numbers as they are written, so that hypers and floats are exact.
		dec := json.NewDecoder(bytes.NewReader(v.raw))
		dec.UseNumber()
		var x any
		if err := dec.Decode(&x); err != nil {
			return fmt.Errorf("value %d: %w", n, err)
		}
		buf.Reset()
		if err := t.Encode(enc, x); err != nil {
			return fmt.Errorf("value %d: %w", n, err)
		}
		if err := emit(buf.Bytes()); err != nil {
			return err
		}
	}
}

// emitter writes values to stdout, each as it is or in a frame of kind
// frame ("none" for none); out is to be flushed at the end.
// pipe opens what encode and convert read and write: the values of the
// input (FILE or stdin) in format src, and emit, which writes each
// encoded value to stdout, framed. done flushes the output and closes
// the input.
func pipe(cmd *cobra.Command, src *format, frame string, args []string, lim marshal.Limits) (values source, emit func([]byte) error, done func(), err error) {
	emit, out, err := emitter(cmd, frame)
	if err != nil {
		return nil, nil, nil, err
	}
	in, closeIn, err := openInput(cmd, args)
	if err != nil {
		return nil, nil, nil, err
	}
	done = func() {
		out.Flush()
		closeIn()
	}
	if values, err = src.stream(bufio.NewReader(in), lim); err != nil {
		done()
		return nil, nil, nil, err
	}
	return values, emit, done, nil
}

func emitter(cmd *cobra.Command, frame string) (emit func([]byte) error, out *bufio.Writer, err error) {
	out = bufio.NewWriter(cmd.OutOrStdout())
	if frame == "none" {
		return func(b []byte) error { _, err := out.Write(b); return err }, out, nil
	}
	k, err := framing.ParseKind(frame)
	if err != nil {
		return nil, nil, usagef("--frame %q: want none, be8, be16, be32, be64, uvarint or rm", frame)
	}
	return framing.NewWriter(out, k).WriteFrame, out, nil
}

func convertCommand() *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:   "convert --from F --to G [FILE]",
		Short: "Convert a stream of values from one format into another",
		Long: `convert reads values in format F from FILE (stdin when there is none) and
writes each in format G. To JSON, values are written as decode -o json
writes them (byte strings as lowercase hex), one per line.`,
		Example: `  wirectl convert --from cbor --to json capture.cbor
  wirectl convert --from json --to msgpack < values.json > values.msgpack`,
		Args: atMostOneFile,
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" || to == "" {
				return usagef("--from and --to are both required")
			}
			return convert(cmd, from, to, "none", args)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", strings.Join(formatNames(), ", "))
	cmd.Flags().StringVar(&to, "to", "", strings.Join(encodable, ", "))
	return cmd
}

func convert(cmd *cobra.Command, from, to, frame string, args []string) error {
	src := formats[from]
	switch {
	case src == nil:
		return usagef("cannot read %q: want one of %s", from, strings.Join(formatNames(), ", "))
	case src.why != "":
		return usagef("cannot read %s: %s", from, src.why)
	}
	if !slices.Contains(encodable, to) {
		return usagef("cannot write %q: want one of %s (xdr needs a schema; graph, Go types)", to, strings.Join(encodable, ", "))
	}
	lim := marshal.DefaultLimits
	codec, _ := lim.Lookup(to)
	values, emit, done, err := pipe(cmd, src, frame, args, lim)
	if err != nil {
		return err
	}
	defer done()
	n := 0 // values read
	var stream bytes.Buffer
	enc := codec.NewEncoder(&stream)
	for {
		v, err := values.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		n++
		var b []byte
		switch {
		case to == "json":
			b, err = toJSON(v)
			b = append(b, '\n')
		case to == v.format && v.raw != nil:
			b = v.raw // the same format: copied as it is, losing nothing
		case frame == "none":
			// One stream: gob sends each type once, before its first
			// value, so its values are not Marshal's concatenated.
			var x any
			if x, err = toGo(v, to); err == nil {
				stream.Reset()
				err = enc.Encode(x)
				b = stream.Bytes()
			}
		default:
			// Each frame a whole value, type definitions and all.
			var x any
			if x, err = toGo(v, to); err == nil {
				b, err = codec.Marshal(x)
			}
		}
		if err != nil {
			return fmt.Errorf("value %d: %w", n, err)
		}
		if err := emit(b); err != nil {
			return err
		}
	}
}

// toJSON is v as decode -o json prints it.
func toJSON(v *value) ([]byte, error) {
	if v.isGo {
		return json.Marshal(v.goVal)
	}
	var buf bytes.Buffer
	if v.item != nil {
		err := inspect.WriteJSON(&buf, v.item)
		return buf.Bytes(), err
	}
	err := json.Compact(&buf, v.raw)
	return buf.Bytes(), err
}

// toGo turns v into plain Go values for the codec named to. Maps keep
// their order (as *marshal.Object) except for gob, which has no ordered
// map; JSON numbers become int64, uint64 or float64; what the target
// cannot carry is an error naming the item's offset.
func toGo(v *value, to string) (any, error) {
	if v.isGo {
		return v.goVal, nil
	}
	if v.item == nil {
		return marshal.DecodeJSONOrdered(v.raw, to != "gob")
	}
	return itemGo(v.item, to)
}

// itemGo is it as a Go value for the codec named to (not its own format:
// that is copied as it is). The parser bounds the depth, so recursion does
// not go deeper than the limits.
func itemGo(it *inspect.Item, to string) (any, error) {
	switch it.Kind {
	case inspect.Array:
		list := make([]any, len(it.Children))
		for i, c := range it.Children {
			x, err := itemGo(c, to)
			if err != nil {
				return nil, err
			}
			list[i] = x
		}
		return list, nil
	case inspect.Map:
		o := &marshal.Object{}
		strKeys := true
		for i := 0; i+1 < len(it.Children); i += 2 {
			k, err := itemGo(it.Children[i], to)
			if err != nil {
				return nil, err
			}
			x, err := itemGo(it.Children[i+1], to)
			if err != nil {
				return nil, err
			}
			_, isStr := k.(string)
			strKeys = strKeys && isStr
			o.Keys, o.Values = append(o.Keys, k), append(o.Values, x)
		}
		if to != "gob" {
			return o, nil
		}
		if strKeys {
			m := make(map[string]any, len(o.Keys))
			for i, k := range o.Keys {
				m[k.(string)] = o.Values[i]
			}
			return m, nil
		}
		m := make(map[any]any, len(o.Keys))
		for i, k := range o.Keys {
			if !reflect.ValueOf(k).Comparable() {
				return nil, fmt.Errorf("map key at offset %d cannot be a gob map key", it.Children[2*i].Offset)
			}
			m[k] = o.Values[i]
		}
		return m, nil
	case inspect.Tag:
		if to == "cbor" && len(it.Children) == 1 {
			x, err := itemGo(it.Children[0], to)
			return cbor.Tag{Number: it.Tag, Content: x}, err
		}
	case inspect.NegInt:
		if it.Uint >= 1<<63 {
			if to == "cbor" {
				return inspect.Value(it), nil // *big.Int: a bignum
			}
			return nil, fmt.Errorf("integer at offset %d is below -2^63: %s has no such integer", it.Offset, to)
		}
		return inspect.Value(it), nil
	case inspect.Ext:
		return nil, fmt.Errorf("MessagePack extension %d at offset %d has no %s form", it.ExtType, it.Offset, to)
	case inspect.Undefined, inspect.Simple:
		if to == "cbor" {
			return nil, fmt.Errorf("%s at offset %d: converting CBOR to CBOR copies it as it is", it.Kind, it.Offset)
		}
	default:
		return inspect.Value(it), nil
	}
	return nil, fmt.Errorf("%s at offset %d has no %s form", it.Kind, it.Offset, to)
}
