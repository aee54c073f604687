package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/fxamacker/cbor/v2"
	"github.com/spf13/cobra"
	"github.com/vmihailenco/msgpack/v5"

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
	var to, frame string
	cmd := &cobra.Command{
		Use:   "encode --format F [FILE.json]",
		Short: "Encode JSON values into a format, optionally framed",
		Long: `encode reads JSON values from FILE (stdin when there is none), one per line or
any stream of them, and writes each in --format F, one after another, or each
in its own frame with --frame.

Integers become integers (int64, or uint64 above it) and other numbers
float64; JSON has no byte strings, so strings stay strings.`,
		Example: `  echo '{"a": [1, 2.5, "x"]}' | wirectl encode --format cbor | wirectl decode -o diag
  wirectl encode --format msgpack --frame be32 values.json > capture.bin`,
		Args: atMostOneFile,
		RunE: func(cmd *cobra.Command, args []string) error {
			if to == "" {
				return usagef("--format is required: one of %s", strings.Join(encodable, ", "))
			}
			return convert(cmd, "json", to, frame, args)
		},
	}
	cmd.Flags().StringVar(&to, "format", "", strings.Join(encodable, ", "))
	cmd.Flags().StringVar(&frame, "frame", "none", "none, be8, be16, be32, be64, uvarint or rm")
	cmd.Flags().String("schema", "", "an XDR .x file (not yet: arrives with the .x compiler)")
	cmd.Flags().String("type", "", "the type in --schema to encode")
	return cmd
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
	if src == nil {
		return usagef("cannot read %q: want one of %s", from, strings.Join(formatNames(), ", "))
	}
	if !contains(encodable, to) {
		return usagef("cannot write %q: want one of %s (xdr needs a schema; graph, Go types)", to, strings.Join(encodable, ", "))
	}
	if cmd.Flags().Lookup("schema") != nil && cmd.Flags().Lookup("schema").Changed {
		return usagef("--schema arrives with the .x compiler (xdr/idl)")
	}
	lim := limits
	codec, _ := lim.Lookup(to)
	in, closeIn, err := openInput(cmd, args)
	if err != nil {
		return err
	}
	defer closeIn()
	out := bufio.NewWriter(cmd.OutOrStdout())
	defer out.Flush()

	var emit func([]byte) error
	if frame == "none" {
		emit = func(b []byte) error { _, err := out.Write(b); return err }
	} else {
		k, err := framing.ParseKind(frame)
		if err != nil {
			return usagef("--frame %q: want none, be8, be16, be32, be64, uvarint or rm", frame)
		}
		fw := framing.NewWriter(out, k)
		emit = fw.WriteFrame
	}

	values, err := src.stream(bufio.NewReader(in), lim)
	if err != nil {
		return err
	}
	for {
		v, err := values.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var b []byte
		if to == "json" {
			b, err = toJSON(v)
			b = append(b, '\n')
		} else {
			var x any
			if x, err = toGo(v, lim, to != "gob"); err == nil {
				b, err = codec.Marshal(x)
			}
		}
		if err != nil {
			return err
		}
		if err := emit(b); err != nil {
			return err
		}
	}
}

// toJSON is v as decode -o json prints it.
func toJSON(v *value) ([]byte, error) {
	var buf bytes.Buffer
	if v.item != nil {
		err := inspect.WriteJSON(&buf, v.item)
		return buf.Bytes(), err
	}
	err := json.Compact(&buf, v.raw)
	return buf.Bytes(), err
}

// toGo decodes v into plain Go values. JSON objects keep their key order
// (except in gob, which has no ordered map), and JSON numbers become
// int64, uint64 or float64.
func toGo(v *value, lim marshal.Limits, ordered bool) (any, error) {
	if v.format != "json" {
		c, _ := lim.Lookup(v.format)
		var x any
		err := c.Unmarshal(v.raw, &x)
		return x, err
	}
	d := json.NewDecoder(bytes.NewReader(v.raw))
	d.UseNumber()
	return readJSON(d, ordered)
}

// object is a JSON object with its keys in order: it encodes as a map in
// that order in JSON, MessagePack and CBOR.
type object struct {
	keys []string
	vals []any
}

func (o *object) EncodeMsgpack(enc *msgpack.Encoder) error {
	if err := enc.EncodeMapLen(len(o.keys)); err != nil {
		return err
	}
	for i, k := range o.keys {
		if err := enc.EncodeString(k); err != nil {
			return err
		}
		if err := enc.Encode(o.vals[i]); err != nil {
			return err
		}
	}
	return nil
}

func (o *object) MarshalCBOR() ([]byte, error) {
	b := cborHead(nil, 5, uint64(len(o.keys)))
	for i, k := range o.keys {
		kb, err := cbor.Marshal(k)
		if err != nil {
			return nil, err
		}
		vb, err := cbor.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		b = append(append(b, kb...), vb...)
	}
	return b, nil
}

// cborHead appends a CBOR head of major type major and argument n.
func cborHead(b []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n <= math.MaxUint8:
		return append(b, m|24, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, m|25), uint16(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, m|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, m|27), n)
}

func (o *object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// readJSON reads one JSON value token by token, on an explicit stack (the
// limits bound the input's depth, not Go's stack). Objects become *object
// when ordered, map[string]any otherwise.
func readJSON(d *json.Decoder, ordered bool) (any, error) {
	type open struct {
		obj  *object
		list *[]any
		key  *string // an object's key waiting for its value
	}
	var stack []open
	var out any
	put := func(v any) {
		if len(stack) == 0 {
			out = v
			return
		}
		top := &stack[len(stack)-1]
		switch {
		case top.list != nil:
			*top.list = append(*top.list, v)
		case top.key != nil:
			top.obj.keys = append(top.obj.keys, *top.key)
			top.obj.vals = append(top.obj.vals, v)
			top.key = nil
		}
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, open{obj: &object{}})
			case '[':
				stack = append(stack, open{list: new([]any)})
			default: // '}' or ']'
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				var v any
				switch {
				case top.list != nil:
					v = *top.list
					if v.([]any) == nil {
						v = []any{}
					}
				case ordered:
					v = top.obj
				default:
					m := make(map[string]any, len(top.obj.keys))
					for i, k := range top.obj.keys {
						m[k] = top.obj.vals[i]
					}
					v = m
				}
				put(v)
			}
		case string:
			if top := len(stack) - 1; top >= 0 && stack[top].obj != nil && stack[top].key == nil {
				stack[top].key = &t
				continue
			}
			put(t)
		case json.Number:
			n, err := number(t)
			if err != nil {
				return nil, err
			}
			put(n)
		default: // bool, nil
			put(t)
		}
		if len(stack) == 0 {
			return out, nil
		}
	}
}

func number(n json.Number) (any, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, nil
	}
	if u, err := strconv.ParseUint(string(n), 10, 64); err == nil {
		return u, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, err
	}
	if math.IsInf(f, 0) {
		return nil, fmt.Errorf("number %s is beyond float64", n)
	}
	return f, nil
}
