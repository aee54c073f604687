package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"math"
	"sort"
	"strings"
)

// Op is a comparison operator of a query.
type Op string

// The operators, as spelled on the wire.
const (
	OpEq  Op = "$eq"
	OpNe  Op = "$ne"
	OpGt  Op = "$gt"
	OpGte Op = "$gte"
	OpLt  Op = "$lt"
	OpLte Op = "$lte"
)

func (o Op) valid() bool {
	switch o {
	case OpEq, OpNe, OpGt, OpGte, OpLt, OpLte:
		return true
	}
	return false
}

// Cond is one condition of a query: Field Op Value. Value is a string,
// bool or json.Number (or a Go number); it is checked against the
// collection's schema when the query runs.
type Cond struct {
	Field string
	Op    Op
	Value any
}

// Query is a conjunction of conditions. The zero Query matches every
// document.
type Query struct {
	Conds []Cond
}

// ParseQuery parses a query's wire form:
//
//	{}                               every document
//	{"email":"a"}                    equality
//	{"age":{"$gt":10,"$lt":20}}      $eq $ne $gt $gte $lt $lte
//	{"email":"a","age":{"$gte":18}}  fields are ANDed
//
// An empty raw is {}. Field names and value types are checked against the
// schema by Search, Update and Delete, not here. A document that lacks a
// field matches only $ne conditions on it.
func ParseQuery(raw json.RawMessage) (Query, error) {
	var q Query
	if len(bytes.TrimSpace(raw)) == 0 {
		return q, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return q, badRequest("query must be a JSON object: %v", err)
	}
	if m == nil {
		return q, badRequest("query must be a JSON object, not null")
	}
	if d.More() {
		return q, badRequest("query must be one JSON object")
	}
	for field, v := range m {
		ops, ok := v.(map[string]any)
		if !ok {
			if err := checkOperand(field, v); err != nil {
				return q, err
			}
			q.Conds = append(q.Conds, Cond{field, OpEq, v})
			continue
		}
		if len(ops) == 0 {
			return q, fieldErr(field, "empty operator object")
		}
		for op, x := range ops {
			if !Op(op).valid() {
				return q, fieldErr(field, "unknown operator %q (want $eq $ne $gt $gte $lt $lte)", op)
			}
			if err := checkOperand(field, x); err != nil {
				return q, err
			}
			q.Conds = append(q.Conds, Cond{field, Op(op), x})
		}
	}
	// Map order is random; sorting makes plans and errors repeatable.
	sort.Slice(q.Conds, func(i, j int) bool {
		a, b := q.Conds[i], q.Conds[j]
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Op < b.Op
	})
	return q, nil
}

func checkOperand(field string, v any) error {
	switch v.(type) {
	case string, bool, json.Number:
		return nil
	}
	return fieldErr(field, "a query value must be a string, number or bool, got %s", kind(v))
}

// cond is a Cond checked against a schema: v is canonical for t.
type cond struct {
	field string
	op    Op
	t     Type
	v     any
}

// bind checks q against the schema.
func (q Query) bind(s Schema) ([]cond, error) {
	out := make([]cond, 0, len(q.Conds))
	for _, c := range q.Conds {
		t, ok := s.typeOf(c.Field)
		if !ok {
			return nil, fieldErr(c.Field, "not in the schema")
		}
		if !c.Op.valid() {
			return nil, fieldErr(c.Field, "unknown operator %q", c.Op)
		}
		v, err := coerce(c.Field, t, c.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, cond{c.Field, c.Op, t, v})
	}
	return out, nil
}

// compare orders two canonical values of the same type: ints as ints,
// floats as floats, strings bytewise, false before true.
func compare(a, b any) int {
	switch a := a.(type) {
	case string:
		return strings.Compare(a, b.(string))
	case int64:
		return cmp.Compare(a, b.(int64))
	case float64:
		return cmp.Compare(a, b.(float64))
	case bool:
		bb := b.(bool)
		switch {
		case a == bb:
			return 0
		case !a:
			return -1
		}
		return 1
	}
	panic("store: compare of non-canonical value")
}

// matches reports whether doc (canonical values) satisfies every condition.
func matches(conds []cond, doc map[string]any) bool {
	for _, c := range conds {
		v, ok := doc[c.field]
		if !ok {
			if c.op != OpNe {
				return false
			}
			continue
		}
		r := compare(v, c.v)
		var ok2 bool
		switch c.op {
		case OpEq:
			ok2 = r == 0
		case OpNe:
			ok2 = r != 0
		case OpGt:
			ok2 = r > 0
		case OpGte:
			ok2 = r >= 0
		case OpLt:
			ok2 = r < 0
		case OpLte:
			ok2 = r <= 0
		}
		if !ok2 {
			return false
		}
	}
	return true
}

// Index keys are the encoded value followed by the document's _id, so
// that keys are unique and sort first by value, then by _id:
//
//	int    8 bytes big-endian, sign bit flipped (negatives first)
//	float  8 bytes big-endian IEEE 754: sign bit flipped for positives,
//	       all bits flipped for negatives
//	str    the bytes, 0x00 escaped as 0x00 0xFF, then 0x00 0x01; the
//	       terminator sorts below every byte a longer string continues
//	       with, so "a" < "a\x00" < "ab"
//	bool   0x00 or 0x01
//
// The encoded values are prefix-free: the keys holding value v are exactly
// those that start with enc(v).
func appendValue(dst []byte, v any) []byte {
	switch v := v.(type) {
	case int64:
		return binary.BigEndian.AppendUint64(dst, uint64(v)^(1<<63))
	case float64:
		b := math.Float64bits(v)
		if b>>63 == 1 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		return binary.BigEndian.AppendUint64(dst, b)
	case string:
		for i := 0; i < len(v); i++ {
			dst = append(dst, v[i])
			if v[i] == 0 {
				dst = append(dst, 0xFF)
			}
		}
		return append(dst, 0x00, 0x01)
	case bool:
		if v {
			return append(dst, 1)
		}
		return append(dst, 0)
	}
	panic("store: encoding a non-canonical value")
}

func indexKey(v any, id string) []byte {
	return append(appendValue(nil, v), id...)
}

// successor returns the least key greater than every key that starts with
// p, or nil if there is none (p is all 0xFF).
func successor(p []byte) []byte {
	s := bytes.Clone(p)
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] != 0xFF {
			s[i]++
			return s[:i+1]
		}
	}
	return nil
}

// keyRange is the index keys a plan visits: from lo (inclusive, nil for
// the first key) to hi (exclusive, nil for no end). empty is set when no
// key can match.
type keyRange struct {
	lo, hi []byte
	empty  bool
}

// narrow intersects r with the keys that satisfy one condition; $ne
// leaves r alone.
func (r *keyRange) narrow(c cond) {
	p := appendValue(nil, c.v)
	raiseLo := func(k []byte) {
		if r.lo == nil || bytes.Compare(k, r.lo) > 0 {
			r.lo = k
		}
	}
	lowerHi := func(k []byte) {
		if k == nil { // no successor: no upper bound
			return
		}
		if r.hi == nil || bytes.Compare(k, r.hi) < 0 {
			r.hi = k
		}
	}
	switch c.op {
	case OpEq:
		raiseLo(p)
		lowerHi(successor(p))
	case OpGte:
		raiseLo(p)
	case OpGt:
		s := successor(p)
		if s == nil {
			r.empty = true
			return
		}
		raiseLo(s)
	case OpLt:
		lowerHi(p)
	case OpLte:
		lowerHi(successor(p))
	}
	if r.lo != nil && r.hi != nil && bytes.Compare(r.lo, r.hi) >= 0 {
		r.empty = true
	}
}

// plan is how a query visits documents: through the index on field over
// keys, by _id lookup, or (field "") by scanning the collection.
type plan struct {
	field string
	keys  keyRange
	id    string // for an _id equality
	byID  bool
}

// choose picks a plan: an _id equality; else an indexed field with an
// equality, else one with a range; else a scan.
func choose(s Schema, conds []cond) plan {
	for _, c := range conds {
		if c.field == idField && c.op == OpEq {
			return plan{id: c.v.(string), byID: true}
		}
	}
	best := ""
	for _, c := range conds {
		if c.field == idField || c.op == OpNe || !s[c.field].Indexed {
			continue
		}
		if c.op == OpEq {
			best = c.field
			break
		}
		if best == "" {
			best = c.field
		}
	}
	p := plan{field: best}
	if best != "" {
		for _, c := range conds {
			if c.field == best {
				p.keys.narrow(c)
			}
		}
	}
	return p
}
