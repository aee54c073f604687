package schema

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/wirekit/wirekit/xdr"
)

// ErrMismatch is the sentinel of an *xdr.Error from Encode for a value
// that does not fit the type: a missing or unknown member, the wrong kind
// of JSON value, an enum identifier that is not in the enum, bad hex, a
// number out of range, or a union object whose arm is not the one its
// discriminant selects. (Strings, opaques and arrays over their bound are
// xdr.ErrMaxLength, as in package xdr.)
var ErrMismatch = errors.New("value does not fit the type")

// Encode writes v as one value of t to e, in one Write on a stream
// Encoder (nothing is written if it fails). v is a JSON value as
// encoding/json decodes one with UseNumber, in the form WriteJSON writes
// (see the package documentation):
//
//	map[string]any      struct, union
//	[]any               array
//	string              string, enum identifier, hex of an opaque or quadruple,
//	                    "NaN", "Infinity" or "-Infinity" for a float or double
//	json.Number         number, parsed exactly for the type
//	bool, nil           bool; nil is an absent optional-data
//
// Go integers and floats are taken for numbers, and []byte for opaques.
// Integers must be exact: 5, or 5.0 and 5e0 below 2^53, not 5.5. An
// error is an *xdr.Error naming the .x path (file.type.interpretor) and
// wrapping ErrMismatch or xdr.ErrMaxLength, or xdr.ErrDepth when
// optional-data, arrays and unions nest deeper than the Encoder's
// MaxDepth.
func (t *Type) Encode(e *xdr.Encoder, v any) error {
	w := &writing{t: t, v: v}
	if err := e.Encode(w); err != nil {
		return w.fail(err)
	}
	return nil
}

// Marshal returns the XDR encoding of v (see Encode) with
// xdr.DefaultLimits.
func (t *Type) Marshal(v any) ([]byte, error) {
	w := &writing{t: t, v: v}
	b, err := xdr.Marshal(w)
	if err != nil {
		return nil, w.fail(err)
	}
	return b, nil
}

// writing is a value of a Type, encoded by the xdr package as any type
// with a MarshalXDR method.
type writing struct {
	t   *Type
	v   any
	err error // what MarshalXDR returned
}

func (w *writing) MarshalXDR(e *xdr.Encoder) error {
	c := encoder{e: e}
	if w.err = c.value(w.t.root, w.v); w.err != nil {
		w.err = withPath(w.err, w.t.name)
	}
	return w.err
}

func (w *writing) fail(err error) error {
	if w.err != nil {
		return w.err // with the .x path, not the xdr package's copy that names writing
	}
	return err // the stream's Write failed
}

type encoder struct{ e *xdr.Encoder }

func mismatch(format string, args ...any) error {
	return &xdr.Error{Offset: -1, Msg: fmt.Sprintf(format, args...), Err: ErrMismatch}
}

func tooLong(what string, n int, bound uint32) error {
	return &xdr.Error{Offset: -1, Msg: fmt.Sprintf("%s length %d exceeds max %d", what, n, bound), Err: xdr.ErrMaxLength}
}

// value writes x as a value of dl.
func (c *encoder) value(dl *decl, x any) error {
	e, n := c.e, dl.n
	switch n.kind {
	case Int:
		i, err := intOf(x, math.MinInt32, math.MaxInt32, dl.typ)
		e.PutInt32(int32(i))
		return err
	case Uint:
		u, err := uintOf(x, math.MaxUint32, dl.typ)
		e.PutUint32(uint32(u))
		return err
	case Hyper:
		i, err := intOf(x, math.MinInt64, math.MaxInt64, dl.typ)
		e.PutInt64(i)
		return err
	case Uhyper:
		u, err := uintOf(x, math.MaxUint64, dl.typ)
		e.PutUint64(u)
		return err
	case Float:
		f, err := floatOf(x, 32, dl.typ)
		if math.IsNaN(f) {
			e.PutUint32(nan32)
		} else {
			e.PutFloat32(float32(f))
		}
		return err
	case Double:
		f, err := floatOf(x, 64, dl.typ)
		if math.IsNaN(f) {
			e.PutUint64(nan64)
		} else {
			e.PutFloat64(f)
		}
		return err
	case Quadruple:
		b, err := bytesOf(x, dl.typ)
		if err == nil && len(b) != 16 {
			err = mismatch("quadruple is 16 bytes (32 hex digits), not %d", len(b))
		}
		e.PutFixedOpaque(b)
		return err
	case Bool:
		b, ok := x.(bool)
		if !ok {
			return mismatch("want true or false for %s, got %s", dl.typ, kindOf(x))
		}
		e.PutBool(b)
		return nil
	case Enum:
		v, err := enumOf(x, dl)
		e.PutInt32(v)
		return err
	case String:
		s, ok := x.(string)
		switch {
		case !ok:
			return mismatch("want a string for %s, got %s", dl.typ, kindOf(x))
		case uint64(len(s)) > uint64(n.n):
			return tooLong("string", len(s), n.n)
		}
		return e.PutString(s, n.n)
	case Opaque:
		b, err := bytesOf(x, dl.typ)
		switch {
		case err != nil:
			return err
		case n.fixed && len(b) != int(n.n):
			return mismatch("%s is %d bytes, not %d", dl.typ, n.n, len(b))
		case n.fixed:
			e.PutFixedOpaque(b)
			return nil
		case uint64(len(b)) > uint64(n.n):
			return tooLong("opaque", len(b), n.n)
		}
		return e.PutOpaque(b, n.n)
	case Array:
		return c.array(dl, x)
	case Optional:
		if x == nil {
			e.PutOptional(false)
			return nil
		}
		e.PutOptional(true)
		if err := e.Enter(); err != nil {
			return err
		}
		defer e.Leave()
		return c.value(n.elem, x)
	case Struct:
		m, ok := x.(map[string]any)
		if !ok {
			return mismatch("want an object for %s, got %s", dl.typ, kindOf(x))
		}
		if len(m) > len(n.fields) || !hasAll(m, n.fields) {
			for _, k := range sortedKeys(m) {
				if !slices.ContainsFunc(n.fields, func(f *decl) bool { return f.name == k }) {
					return mismatch("unknown member %q (%s has %s)", k, dl.typ, memberList(n.fields))
				}
			}
		}
		for _, f := range n.fields {
			v, ok := m[f.name]
			if !ok {
				return mismatch("missing member %q", f.name)
			}
			if err := c.value(f, v); err != nil {
				return withPath(err, f.name)
			}
		}
		return nil
	case Union:
		return c.union(dl, x)
	}
	return mismatch("%s has no encoding", dl.typ)
}

func (c *encoder) array(dl *decl, x any) error {
	n := dl.n
	list, ok := x.([]any)
	switch {
	case !ok:
		return mismatch("want an array for %s, got %s", dl.typ, kindOf(x))
	case n.fixed && len(list) != int(n.n):
		return mismatch("%s has %d elements, not %d", dl.typ, n.n, len(list))
	case !n.fixed:
		if uint64(len(list)) > uint64(n.n) {
			return tooLong("array", len(list), n.n)
		}
		if err := c.e.PutArrayLen(len(list), n.n); err != nil {
			return err
		}
		if len(list) == 0 {
			return nil
		}
		if err := c.e.Enter(); err != nil {
			return err
		}
		defer c.e.Leave()
	}
	for i, v := range list {
		if err := c.value(n.elem, v); err != nil {
			return withPath(err, "["+strconv.Itoa(i)+"]")
		}
	}
	return nil
}

// union writes a union from {"<discriminant>": value, "<arm>": value}.
func (c *encoder) union(dl *decl, x any) error {
	u := dl.n.union
	m, ok := x.(map[string]any)
	if !ok {
		return mismatch("want an object for union %s, got %s", dl.typ, kindOf(x))
	}
	dx, ok := m[u.disc.name]
	if !ok {
		return mismatch("missing discriminant %q", u.disc.name)
	}
	// The discriminant as a Value, to find its arm as decoding does.
	disc := &Value{Kind: u.disc.n.kind, decl: u.disc}
	var err error
	switch disc.Kind {
	case Int:
		disc.Int, err = intOf(dx, math.MinInt32, math.MaxInt32, u.disc.typ)
	case Uint:
		disc.Uint, err = uintOf(dx, math.MaxUint32, u.disc.typ)
	case Bool:
		if disc.Bool, ok = dx.(bool); !ok {
			err = mismatch("want true or false for %s, got %s", u.disc.typ, kindOf(dx))
		}
	case Enum:
		var v int32
		v, err = enumOf(dx, u.disc)
		disc.Int = int64(v)
	}
	if err != nil {
		return withPath(err, u.disc.name)
	}
	arm := u.arm(disc)
	if arm == nil {
		return &xdr.Error{Offset: -1, Path: u.disc.name, Err: xdr.ErrUnionArm,
			Msg: fmt.Sprintf("union %s has no arm for discriminant %s", dl.typ, discString(disc))}
	}
	for _, k := range sortedKeys(m) {
		switch {
		case k == u.disc.name || k == arm.name && arm.n.kind != void:
		case u.byName[k] && arm.n.kind == void:
			return mismatch("discriminant %s %s has a void arm, not %q", u.disc.name, discString(disc), k)
		case u.byName[k]:
			return mismatch("discriminant %s %s selects arm %q, not %q", u.disc.name, discString(disc), arm.name, k)
		default:
			return mismatch("unknown member %q (union %s has %s and an arm)", k, dl.typ, u.disc.name)
		}
	}
	av, ok := m[arm.name]
	if !ok && arm.n.kind != void {
		return mismatch("missing arm %q for discriminant %s %s", arm.name, u.disc.name, discString(disc))
	}
	switch disc.Kind {
	case Uint:
		c.e.PutUint32(uint32(disc.Uint))
	case Bool:
		c.e.PutBool(disc.Bool)
	default:
		c.e.PutInt32(int32(disc.Int))
	}
	if err := c.e.Enter(); err != nil {
		return err
	}
	defer c.e.Leave()
	if arm.n.kind == void {
		return nil
	}
	return withPath(c.value(arm, av), arm.name)
}

// enumOf is x, an identifier of dl's enum, as its value.
func enumOf(x any, dl *decl) (int32, error) {
	e := dl.n.enum
	s, ok := x.(string)
	if !ok {
		return 0, mismatch("want an identifier of %s (%s), got %s", dl.typ, e.list(), kindOf(x))
	}
	v, ok := e.byName[s]
	if !ok {
		return 0, mismatch("%s has no identifier %q (%s)", dl.typ, s, e.list())
	}
	return v, nil
}

func hasAll(m map[string]any, fields []*decl) bool {
	for _, f := range fields {
		if _, ok := m[f.name]; !ok {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func memberList(fields []*decl) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	if len(names) > 12 {
		names = append(names[:12], "…")
	}
	return strings.Join(names, ", ")
}

// kindOf names the kind of a JSON value for messages.
func kindOf(x any) string {
	switch x := x.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case string:
		if len(x) > 32 {
			return "a string"
		}
		return "the string " + strconv.Quote(x)
	case json.Number:
		return "the number " + x.String()
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case []byte:
		return "bytes"
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return fmt.Sprintf("the number %v", x)
	}
	return fmt.Sprintf("a Go %T", x)
}

// maxExact is 2^53: integers up to it are exact in a float64.
const maxExact = 1 << 53

// intOf is x as an integer in [lo, hi]; typ names the type in messages.
func intOf(x any, lo, hi int64, typ string) (int64, error) {
	var i int64
	switch x := x.(type) {
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			if u, uerr := strconv.ParseUint(string(x), 10, 64); uerr == nil {
				return 0, mismatch("%d does not fit in %s", u, typ)
			}
			if errors.Is(err, strconv.ErrRange) {
				return 0, mismatch("%s does not fit in %s", x, typ)
			}
			f, ferr := strconv.ParseFloat(string(x), 64)
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > maxExact {
				return 0, mismatch("want an integer for %s, got %s", typ, x)
			}
			n = int64(f)
		}
		i = n
	case int:
		i = int64(x)
	case int8:
		i = int64(x)
	case int16:
		i = int64(x)
	case int32:
		i = int64(x)
	case int64:
		i = x
	case uint, uint8, uint16, uint32, uint64:
		u, _ := uintOf(x, math.MaxUint64, typ)
		if u > math.MaxInt64 {
			return 0, mismatch("%d does not fit in %s", u, typ)
		}
		i = int64(u)
	case float32, float64:
		f := toFloat(x)
		if f != math.Trunc(f) || math.Abs(f) > maxExact {
			return 0, mismatch("want an integer for %s, got %v", typ, f)
		}
		i = int64(f)
	default:
		return 0, mismatch("want an integer for %s, got %s", typ, kindOf(x))
	}
	if i < lo || i > hi {
		return 0, mismatch("%d does not fit in %s", i, typ)
	}
	return i, nil
}

// uintOf is x as an integer in [0, hi].
func uintOf(x any, hi uint64, typ string) (uint64, error) {
	var u uint64
	switch x := x.(type) {
	case json.Number:
		n, err := strconv.ParseUint(string(x), 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return 0, mismatch("%s does not fit in %s", x, typ)
			}
			f, ferr := strconv.ParseFloat(string(x), 64)
			switch {
			case ferr != nil || f != math.Trunc(f) || math.Abs(f) > maxExact:
				return 0, mismatch("want an integer for %s, got %s", typ, x)
			case f < 0:
				return 0, mismatch("%s does not fit in %s", x, typ)
			}
			n = uint64(f)
		}
		u = n
	case uint:
		u = uint64(x)
	case uint8:
		u = uint64(x)
	case uint16:
		u = uint64(x)
	case uint32:
		u = uint64(x)
	case uint64:
		u = x
	case int, int8, int16, int32, int64:
		i, _ := intOf(x, math.MinInt64, math.MaxInt64, typ)
		if i < 0 {
			return 0, mismatch("%d does not fit in %s", i, typ)
		}
		u = uint64(i)
	case float32, float64:
		f := toFloat(x)
		if f != math.Trunc(f) || math.Abs(f) > maxExact {
			return 0, mismatch("want an integer for %s, got %v", typ, f)
		}
		if f < 0 {
			return 0, mismatch("%v does not fit in %s", f, typ)
		}
		u = uint64(f)
	default:
		return 0, mismatch("want an integer for %s, got %s", typ, kindOf(x))
	}
	if u > hi {
		return 0, mismatch("%d does not fit in %s", u, typ)
	}
	return u, nil
}

func toFloat(x any) float64 {
	if f, ok := x.(float32); ok {
		return float64(f)
	}
	return x.(float64)
}

// floatOf is x as a float of bits (32 or 64) bits, held in a float64.
func floatOf(x any, bits int, typ string) (float64, error) {
	switch x := x.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), bits)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return 0, mismatch("%s does not fit in %s", x, typ)
			}
			return 0, mismatch("want a number for %s, got %s", typ, x)
		}
		return f, nil
	case string:
		switch x {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
	case float32:
		return float64(x), nil
	case float64:
		if bits == 32 && !math.IsInf(x, 0) && math.IsInf(float64(float32(x)), 0) {
			return 0, mismatch("%v does not fit in %s", x, typ)
		}
		return x, nil // rounded to the nearest float as Go converts
	case int, int8, int16, int32, int64:
		i, _ := intOf(x, math.MinInt64, math.MaxInt64, typ)
		return float64(i), nil
	case uint, uint8, uint16, uint32, uint64:
		u, _ := uintOf(x, math.MaxUint64, typ)
		return float64(u), nil
	}
	return 0, mismatch(`want a number, "NaN", "Infinity" or "-Infinity" for %s, got %s`, typ, kindOf(x))
}

// bytesOf is x, hex or []byte, as bytes.
func bytesOf(x any, typ string) ([]byte, error) {
	switch x := x.(type) {
	case []byte:
		return x, nil
	case string:
		b, err := hex.DecodeString(x)
		if err == nil {
			return b, nil
		}
		var ib hex.InvalidByteError
		if errors.As(err, &ib) {
			i := strings.IndexByte(x, byte(ib))
			return nil, mismatch("want hex for %s: %q at %d is not a hex digit", typ, x[i:i+1], i)
		}
		return nil, mismatch("want hex for %s: an odd number of digits (%d)", typ, len(x))
	}
	return nil, mismatch("want hex for %s, got %s", typ, kindOf(x))
}
