package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

func openTest(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store.db")
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func mustSchema(t *testing.T, wire map[string]string) Schema {
	t.Helper()
	s, err := ParseSchema(wire)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustQuery(t *testing.T, raw string) Query {
	t.Helper()
	q, err := ParseQuery(json.RawMessage(raw))
	if err != nil {
		t.Fatalf("ParseQuery(%s): %v", raw, err)
	}
	return q
}

// jdoc decodes a document as the server would, numbers as json.Number.
func jdoc(t *testing.T, raw string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

var usersSchema = map[string]string{"email": "*str", "name": "str", "age": "*int", "score": "*float", "ok": "bool"}

func TestParseSchema(t *testing.T) {
	s, err := ParseSchema(map[string]string{"email": "*str", "name": "str", "age": "*int", "w": "float", "b": "*bool"})
	if err != nil {
		t.Fatal(err)
	}
	want := Schema{"email": {Str, true}, "name": {Str, false}, "age": {Int, true}, "w": {Float, false}, "b": {Bool, true}}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got %v, want %v", s, want)
	}
	if got := s.Wire(); !reflect.DeepEqual(got, map[string]string{"email": "*str", "name": "str", "age": "*int", "w": "float", "b": "*bool"}) {
		t.Fatalf("Wire() = %v", got)
	}
	for _, tc := range []struct {
		wire  map[string]string
		field string
	}{
		{map[string]string{"": "str"}, ""},
		{map[string]string{"_x": "str"}, "_x"},
		{map[string]string{"_id": "str"}, "_id"},
		{map[string]string{"a": "string"}, "a"},
		{map[string]string{"a": "**int"}, "a"},
		{map[string]string{"a": ""}, "a"},
	} {
		_, err := ParseSchema(tc.wire)
		if !errors.Is(err, ErrBadRequest) {
			t.Errorf("ParseSchema(%v) = %v, want a bad request", tc.wire, err)
			continue
		}
		if tc.field != "" && !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.field)) {
			t.Errorf("ParseSchema(%v): %v does not name the field", tc.wire, err)
		}
	}
}

func TestCreateDestroyDescribe(t *testing.T) {
	db, _ := openTest(t)
	if err := db.Create("users", mustSchema(t, usersSchema)); err != nil {
		t.Fatal(err)
	}
	if err := db.Create("users", Schema{}); !errors.Is(err, ErrExists) || !errors.Is(err, ErrBadRequest) {
		t.Fatalf("second Create = %v, want ErrExists", err)
	}
	if err := db.Create("other", Schema{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Insert("users", jdoc(t, `{"email":"a","age":1}`)); err != nil {
		t.Fatal(err)
	}
	d, err := db.Describe("")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Description{"users": {usersSchema, 1}, "other": {map[string]string{}, 0}}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("Describe = %v, want %v", d, want)
	}
	if d, _ := db.Describe("users"); len(d) != 1 || d["users"].Count != 1 {
		t.Fatalf("Describe(users) = %v", d)
	}
	if err := db.Destroy("users"); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"destroy":  db.Destroy("users"),
		"describe": second(db.Describe("users")),
		"insert":   second(db.Insert("users", nil)),
		"search":   second(db.Search("users", Query{}, 0, 0)),
		"update":   second(db.Update("users", Query{}, nil)),
		"delete":   second(db.Delete("users", Query{})),
	} {
		if !errors.Is(err, ErrNoCollection) || !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s on a destroyed collection = %v, want ErrNoCollection", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestInsertSearchUpdateDelete(t *testing.T) {
	db, _ := openTest(t)
	if err := db.Create("users", mustSchema(t, usersSchema)); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, raw := range []string{
		`{"email":"a","name":"a","age":18,"score":1.5,"ok":true}`,
		`{"email":"b","name":"b","age":25}`,
		`{"email":"c","age":12,"score":-3}`,
	} {
		doc := jdoc(t, raw)
		id, err := db.Insert("users", doc)
		if err != nil {
			t.Fatal(err)
		}
		if len(id) != 36 {
			t.Fatalf("id %q is not a UUID", id)
		}
		ids[doc["email"].(string)] = id
	}
	got, err := db.Search("users", mustQuery(t, `{"age":{"$gt":10,"$lt":20}}`), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{ // age index order
		{"_id": ids["c"], "email": "c", "age": int64(12), "score": float64(-3)},
		{"_id": ids["a"], "email": "a", "name": "a", "age": int64(18), "score": 1.5, "ok": true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("search = %v\nwant %v", got, want)
	}
	if got, _ := db.Search("users", mustQuery(t, `{"_id":"`+ids["b"]+`"}`), 0, 0); len(got) != 1 || got[0]["email"] != "b" {
		t.Fatalf("_id search = %v", got)
	}
	if got, _ := db.Search("users", mustQuery(t, `{}`), 1, 1); len(got) != 1 {
		t.Fatalf("limit 1 skip 1 = %v", got)
	}

	n, err := db.Update("users", mustQuery(t, `{"_id":"`+ids["a"]+`"}`), jdoc(t, `{"email":"z","age":19}`))
	if err != nil || n != 1 {
		t.Fatalf("update = %d, %v", n, err)
	}
	if got, _ := db.Search("users", mustQuery(t, `{"email":"a"}`), 0, 0); len(got) != 0 {
		t.Fatalf("old email still indexed: %v", got)
	}
	got, _ = db.Search("users", mustQuery(t, `{"email":"z","age":19}`), 0, 0)
	if len(got) != 1 || got[0]["_id"] != ids["a"] || got[0]["name"] != "a" {
		t.Fatalf("updated doc = %v", got)
	}
	if got, _ := db.Search("users", mustQuery(t, `{"age":18}`), 0, 0); len(got) != 0 {
		t.Fatalf("old age still indexed: %v", got)
	}

	n, err = db.Delete("users", mustQuery(t, `{"age":{"$gte":19}}`))
	if err != nil || n != 2 {
		t.Fatalf("delete = %d, %v", n, err)
	}
	got, _ = db.Search("users", Query{}, 0, 0)
	if len(got) != 1 || got[0]["email"] != "c" {
		t.Fatalf("after delete = %v", got)
	}
	if got, _ := db.Search("users", mustQuery(t, `{"email":"b"}`), 0, 0); len(got) != 0 {
		t.Fatalf("deleted doc still indexed: %v", got)
	}
}

func TestValidationErrorsNameTheField(t *testing.T) {
	db, _ := openTest(t)
	if err := db.Create("users", mustSchema(t, usersSchema)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, doc, field string }{
		{"unknown field", `{"email":"a","nope":1}`, "nope"},
		{"str gets number", `{"email":1}`, "email"},
		{"int gets string", `{"age":"x"}`, "age"},
		{"int gets fraction", `{"age":1.5}`, "age"},
		{"int overflows", `{"age":9223372036854775808}`, "age"},
		{"float gets bool", `{"score":true}`, "score"},
		{"bool gets string", `{"ok":"true"}`, "ok"},
		{"null", `{"name":null}`, "name"},
		{"object", `{"name":{}}`, "name"},
		{"caller _id", `{"_id":"x"}`, "_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.Insert("users", jdoc(t, tc.doc))
			checkFieldErr(t, err, tc.field)
			_, err = db.Update("users", Query{}, jdoc(t, tc.doc))
			checkFieldErr(t, err, tc.field)
		})
	}
	_, err := db.Insert("users", map[string]any{"email": "\xff"}) // JSON would turn it into U+FFFD
	checkFieldErr(t, err, "email")
	for _, tc := range []struct{ name, query, field string }{
		{"unknown field", `{"nope":1}`, "nope"},
		{"wrong type", `{"age":"x"}`, "age"},
		{"wrong type in range", `{"email":{"$gt":3}}`, "email"},
		{"unknown operator", `{"age":{"$in":3}}`, "age"},
		{"array operand", `{"age":[1]}`, "age"},
		{"empty operators", `{"age":{}}`, "age"},
	} {
		t.Run("query "+tc.name, func(t *testing.T) {
			q, err := ParseQuery(json.RawMessage(tc.query))
			if err == nil {
				_, err = db.Search("users", q, 0, 0)
				checkFieldErr(t, err, tc.field)
				_, err = db.Delete("users", q)
			}
			checkFieldErr(t, err, tc.field)
		})
	}
	for _, raw := range []string{`[]`, `null`, `1`, `{"a":1} {}`, `{`} {
		if _, err := ParseQuery(json.RawMessage(raw)); !errors.Is(err, ErrBadRequest) {
			t.Errorf("ParseQuery(%s) = %v, want a bad request", raw, err)
		}
	}
	if got, _ := db.Search("users", Query{}, 0, 0); len(got) != 0 {
		t.Fatalf("a rejected insert was stored: %v", got)
	}
}

func checkFieldErr(t *testing.T, err error, field string) {
	t.Helper()
	var re *RequestError
	if !errors.As(err, &re) || !errors.Is(err, ErrBadRequest) {
		t.Fatalf("err = %v, want a *RequestError", err)
	}
	if re.Field != field || !strings.Contains(err.Error(), fmt.Sprintf("%q", field)) {
		t.Fatalf("err = %v, want it to name field %q", err, field)
	}
}

// TestRanges checks every operator at its boundary on int, float and str
// indexes, and that the index and a scan agree.
func TestRanges(t *testing.T) {
	db, _ := openTest(t)
	if err := db.Create("ix", mustSchema(t, map[string]string{"i": "*int", "f": "*float", "s": "*str"})); err != nil {
		t.Fatal(err)
	}
	if err := db.Create("scan", mustSchema(t, map[string]string{"i": "int", "f": "float", "s": "str"})); err != nil {
		t.Fatal(err)
	}
	ints := []string{"-9223372036854775808", "-1000", "-1", "0", "1", "2", "1000", "9223372036854775807"}
	floats := []string{"-1e300", "-2.5", "-1", "-0.5", "-0", "0", "0.5", "1", "2.5", "1e300"}
	strs := []string{"", "\x00", "a", "a\x00", "a\x00b", "ab", "b", "\u00ff", "\uffff", "\U0010ffff"}
	put := func(field string, vals []string, quote bool) {
		for _, v := range vals {
			lit := v
			if quote {
				b, _ := json.Marshal(v)
				lit = string(b)
			}
			for _, col := range []string{"ix", "scan"} {
				if _, err := db.Insert(col, jdoc(t, `{"`+field+`":`+lit+`}`)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	put("i", ints, false)
	put("f", floats, false)
	put("s", strs, true)

	count := func(col, q string) []any {
		t.Helper()
		field := q[2:3]
		docs, err := db.Search(col, mustQuery(t, q), 0, 0)
		if err != nil {
			t.Fatalf("%s %s: %v", col, q, err)
		}
		var vals []any
		for _, d := range docs {
			vals = append(vals, d[field])
		}
		return vals
	}
	for _, tc := range []struct {
		q    string
		want []any
	}{
		{`{"i":{"$gt":-1}}`, []any{int64(0), int64(1), int64(2), int64(1000), int64(9223372036854775807)}},
		{`{"i":{"$gte":-1,"$lt":2}}`, []any{int64(-1), int64(0), int64(1)}},
		{`{"i":{"$gt":-1000,"$lte":0}}`, []any{int64(-1), int64(0)}},
		{`{"i":{"$lt":-1000}}`, []any{int64(-9223372036854775808)}},
		{`{"i":{"$gt":9223372036854775807}}`, nil},
		{`{"i":{"$gte":9223372036854775807}}`, []any{int64(9223372036854775807)}},
		{`{"i":{"$lte":-9223372036854775808}}`, []any{int64(-9223372036854775808)}},
		{`{"i":{"$gt":5,"$lt":3}}`, nil},
		{`{"i":{"$eq":-1}}`, []any{int64(-1)}},
		{`{"i":{"$gte":0,"$ne":1,"$lt":1000}}`, []any{int64(0), int64(2)}},
		{`{"f":{"$gt":-1,"$lt":1}}`, []any{-0.5, 0.0, 0.0, 0.5}},
		{`{"f":{"$gte":-1,"$lte":1}}`, []any{-1.0, -0.5, 0.0, 0.0, 0.5, 1.0}},
		{`{"f":{"$lt":-2.5}}`, []any{-1e300}},
		{`{"f":{"$gt":2}}`, []any{2.5, 1e300}},
		{`{"f":0}`, []any{0.0, 0.0}},
		{`{"f":{"$gt":-0.1,"$lt":0.1}}`, []any{0.0, 0.0}},
		{`{"s":{"$gt":"a"}}`, []any{"a\x00", "a\x00b", "ab", "b", "\u00ff", "\uffff", "\U0010ffff"}},
		{`{"s":{"$gte":"a","$lt":"ab"}}`, []any{"a", "a\x00", "a\x00b"}},
		{`{"s":{"$lte":"a\u0000"}}`, []any{"", "\x00", "a", "a\x00"}},
		{`{"s":{"$lt":"a"}}`, []any{"", "\x00"}},
		{`{"s":""}`, []any{""}},
		{`{"s":{"$gt":"\u00ff"}}`, []any{"\uffff", "\U0010ffff"}},
		{`{"s":{"$lte":"\u00ff","$gt":"b"}}`, []any{"\u00ff"}},
	} {
		got := count("ix", tc.q)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("index %s = %q, want %q", tc.q, got, tc.want)
		}
		scan := count("scan", tc.q)
		slices.SortStableFunc(scan, func(a, b any) int { return compare(a, b) })
		if !reflect.DeepEqual(scan, tc.want) {
			t.Errorf("scan %s = %q, want %q", tc.q, scan, tc.want)
		}
	}
}

// TestIndexMatchesScan runs random queries against the same random
// documents in an indexed and an unindexed collection.
func TestIndexMatchesScan(t *testing.T) {
	db, _ := openTest(t)
	if err := db.Create("ix", mustSchema(t, map[string]string{"i": "*int", "f": "*float", "s": "*str", "b": "*bool"})); err != nil {
		t.Fatal(err)
	}
	if err := db.Create("scan", mustSchema(t, map[string]string{"i": "int", "f": "float", "s": "str", "b": "bool"})); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	val := func(field string) any {
		switch field {
		case "i":
			return int64(r.IntN(21) - 10)
		case "f":
			return float64(r.IntN(41)-20) / 4
		case "s":
			return string([]byte{"ab\x00z"[r.IntN(4)], "ab\x00z"[r.IntN(4)]})[:r.IntN(3)]
		}
		return r.IntN(2) == 0
	}
	fields := []string{"i", "f", "s", "b"}
	for range 300 {
		doc := map[string]any{}
		for _, f := range fields {
			if r.IntN(5) > 0 { // sometimes missing
				doc[f] = val(f)
			}
		}
		for _, col := range []string{"ix", "scan"} {
			if _, err := db.Insert(col, doc); err != nil {
				t.Fatal(err)
			}
		}
	}
	ops := []Op{OpEq, OpNe, OpGt, OpGte, OpLt, OpLte}
	// Documents differ only in _id between the collections; compare the
	// multisets of the other fields.
	key := func(docs []map[string]any) []string {
		var out []string
		for _, d := range docs {
			delete(d, idField)
			b, _ := json.Marshal(d)
			out = append(out, string(b))
		}
		slices.Sort(out)
		return out
	}
	for i := range 500 {
		var q Query
		for range 1 + r.IntN(3) {
			f := fields[r.IntN(len(fields))]
			q.Conds = append(q.Conds, Cond{f, ops[r.IntN(len(ops))], val(f)})
		}
		a, err := db.Search("ix", q, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.Search("scan", q, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if ka, kb := key(a), key(b); !reflect.DeepEqual(ka, kb) {
			t.Fatalf("query %d %v: index found %d docs, scan %d\n%q\n%q", i, q, len(a), len(b), ka, kb)
		}
	}
}

func TestReopenKeepsDataAndIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Create("users", mustSchema(t, usersSchema)); err != nil {
		t.Fatal(err)
	}
	id, err := db.Insert("users", jdoc(t, `{"email":"a","age":30}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := db.Describe("")
	if err != nil || !reflect.DeepEqual(d, map[string]Description{"users": {usersSchema, 1}}) {
		t.Fatalf("Describe after reopen = %v, %v", d, err)
	}
	got, err := db.Search("users", mustQuery(t, `{"age":{"$gte":30}}`), 0, 0)
	if err != nil || len(got) != 1 || got[0]["_id"] != id {
		t.Fatalf("indexed search after reopen = %v, %v", got, err)
	}
}

func TestDestroyRemovesIndexes(t *testing.T) {
	db, _ := openTest(t)
	s := mustSchema(t, usersSchema)
	if err := db.Create("users", s); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Insert("users", jdoc(t, `{"email":"a","age":30}`)); err != nil {
		t.Fatal(err)
	}
	if err := db.Destroy("users"); err != nil {
		t.Fatal(err)
	}
	if err := db.Create("users", s); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`{}`, `{"email":"a"}`, `{"age":30}`} {
		if got, err := db.Search("users", mustQuery(t, q), 0, 0); err != nil || len(got) != 0 {
			t.Fatalf("search %s after destroy and create = %v, %v", q, got, err)
		}
	}
}

func TestConcurrentInserts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	db, err := Open(path, Options{}) // durable: exercise Batch with fsync
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Create("users", mustSchema(t, usersSchema)); err != nil {
		t.Fatal(err)
	}
	const writers, each = 16, 20
	var wg sync.WaitGroup
	ids := make([][]string, writers)
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				id, err := db.Insert("users", map[string]any{"email": fmt.Sprintf("w%d-%d", w, i), "age": w})
				if err != nil {
					errs <- err
					return
				}
				ids[w] = append(ids[w], id)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for w := range writers {
		got, err := db.Search("users", mustQuery(t, fmt.Sprintf(`{"age":%d}`, w)), 0, 0)
		if err != nil || len(got) != each {
			t.Fatalf("writer %d: %d docs, %v", w, len(got), err)
		}
		for _, id := range ids[w] {
			if got, _ := db.Search("users", Query{Conds: []Cond{{idField, OpEq, id}}}, 0, 0); len(got) != 1 {
				t.Fatalf("insert %s missing", id)
			}
		}
	}
	if d, _ := db.Describe("users"); d["users"].Count != writers*each {
		t.Fatalf("count = %d", d["users"].Count)
	}
}
