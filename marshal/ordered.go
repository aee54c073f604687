package marshal

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/vmihailenco/msgpack/v5"
)

// Object is a map that keeps its keys in order: it encodes as a map in
// that order in JSON (whose keys must be strings), MessagePack and CBOR,
// where a Go map's order is random. DecodeJSONOrdered makes them from
// JSON objects.
type Object struct {
	Keys   []any
	Values []any
}

func (o *Object) EncodeMsgpack(enc *msgpack.Encoder) error {
	if err := enc.EncodeMapLen(len(o.Keys)); err != nil {
		return err
	}
	for i, k := range o.Keys {
		if err := enc.Encode(k); err != nil {
			return err
		}
		if err := enc.Encode(o.Values[i]); err != nil {
			return err
		}
	}
	return nil
}

func (o *Object) MarshalCBOR() ([]byte, error) {
	b := cborHead(nil, 5, uint64(len(o.Keys)))
	for i, k := range o.Keys {
		kb, err := cborEncMode.Marshal(k)
		if err != nil {
			return nil, err
		}
		vb, err := cborEncMode.Marshal(o.Values[i])
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

func (o *Object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.Keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		if _, ok := k.(string); !ok {
			return nil, fmt.Errorf("marshal: JSON object key %v is a %T, not a string", k, k)
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(o.Values[i])
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

// DecodeJSONOrdered decodes one JSON value, which must be all of data,
// into plain Go values: objects as *Object, keeping their order (or
// map[string]any when ordered is false), arrays as []any, integers as
// int64 (uint64 above it), other numbers as float64. It reads token by
// token on an explicit stack; check data against Limits first (a
// Decoder's RawMessage is).
func DecodeJSONOrdered(data []byte, ordered bool) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	v, err := readJSON(d, ordered)
	if err != nil {
		return nil, jsonError(err)
	}
	if d.More() {
		return nil, newError("json", d.InputOffset(), ErrTrailingData, "data after the value")
	}
	return v, nil
}

func readJSON(d *json.Decoder, ordered bool) (any, error) {
	type open struct {
		obj  *Object
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
			top.obj.Keys = append(top.obj.Keys, *top.key)
			top.obj.Values = append(top.obj.Values, v)
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
				stack = append(stack, open{obj: &Object{}})
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
					m := make(map[string]any, len(top.obj.Keys))
					for i, k := range top.obj.Keys {
						m[k.(string)] = top.obj.Values[i]
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
			n, err := jsonNumber(t)
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

func jsonNumber(n json.Number) (any, error) {
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
