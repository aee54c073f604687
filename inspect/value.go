package inspect

import (
	"math/big"
	"reflect"
	"strings"
)

// Tagged is a CBOR tag and its content, as Value returns it.
type Tagged struct {
	Number  uint64
	Content any
}

// Extension is a MessagePack extension, as Value returns it.
type Extension struct {
	Type int8
	Data []byte
}

// SimpleValue is a CBOR simple value other than false, true, null and
// undefined.
type SimpleValue uint8

// UndefinedValue is CBOR's undefined.
type UndefinedValue struct{}

// DiagKey is a map key Go cannot hash (an array, a map, a byte string),
// as its diagnostic notation: a type of its own, so it never collides
// with a text key.
type DiagKey string

// Value returns the item as plain Go values, losing nothing the formats'
// data models hold: integers as uint64, or int64 when negative (and
// *big.Int below -2^63), floats as float64, text as string, byte strings
// as []byte, arrays as []any, maps as map[any]any (keys that Go cannot
// hash, arrays, maps and byte strings, become their DiagKey),
// tags as Tagged, extensions as Extension, timestamps as time.Time,
// simple values as SimpleValue and undefined as UndefinedValue. Unlike a
// codec's Unmarshal into an interface, it needs no registered types.
func Value(it *Item) any {
	// The items are a tree already bounded by the parser's depth limit;
	// recursion here is as deep as that.
	switch it.Kind {
	case Uint:
		return it.Uint
	case NegInt:
		if it.Uint < 1<<63 {
			return -1 - int64(it.Uint)
		}
		n := new(big.Int).SetUint64(it.Uint)
		return n.Neg(n).Sub(n, big.NewInt(1))
	case Bytes:
		return it.Bytes
	case Text:
		return string(it.Bytes)
	case Array:
		list := make([]any, len(it.Children))
		for i, c := range it.Children {
			list[i] = Value(c)
		}
		return list
	case Map:
		m := make(map[any]any, len(it.Children)/2)
		for i := 0; i+1 < len(it.Children); i += 2 {
			k := Value(it.Children[i])
			if k != nil && !reflect.ValueOf(k).Comparable() {
				k = DiagKey(diagString(it.Children[i]))
			}
			m[k] = Value(it.Children[i+1])
		}
		return m
	case Tag:
		var content any
		if len(it.Children) > 0 {
			content = Value(it.Children[0])
		}
		return Tagged{Number: it.Tag, Content: content}
	case Float:
		return it.Float
	case Bool:
		return it.Bool
	case Undefined:
		return UndefinedValue{}
	case Simple:
		return SimpleValue(it.Uint)
	case Ext:
		return Extension{Type: it.ExtType, Data: it.Bytes}
	case Timestamp:
		return it.Time
	}
	return nil // Null
}

func diagString(it *Item) string {
	var b strings.Builder
	_ = WriteDiag(&b, it) // a strings.Builder does not fail
	return b.String()
}
