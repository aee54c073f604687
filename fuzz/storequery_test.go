package fuzz

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/wirekit/wirekit/internal/alloc"
	"github.com/wirekit/wirekit/protocol/store"
)

var (
	queryDBOnce sync.Once
	queryDB     *store.DB
	queryDBErr  error
	queryAll    uint64 // what searching both collections for {} allocates
)

// queryBudget is how much parsing an n-byte query and running it on both
// collections may allocate: twice what returning every document costs,
// plus a multiple of the query's length for its parsed form.
func queryBudget(n int) uint64 { return 2*queryAll + 64*uint64(n) + 16<<10 }

// searchBoth runs q on both collections of queryFixture.
func searchBoth(db *store.DB, q store.Query) (a, b []map[string]any, errA, errB error) {
	a, errA = db.Search("idx", q, 0, 0)
	b, errB = db.Search("scan", q, 0, 0)
	return a, b, errA, errB
}

// queryFixture is a store with the same 60 documents in two collections:
// "idx" indexes every field, "scan" none.
func queryFixture(tb testing.TB) *store.DB {
	queryDBOnce.Do(func() {
		dir, err := os.MkdirTemp("", "wirekit-fuzz-store")
		if err != nil {
			queryDBErr = err
			return
		}
		db, err := store.Open(filepath.Join(dir, "store.db"), store.Options{NoSync: true})
		if err != nil {
			queryDBErr = err
			return
		}
		for col, mark := range map[string]string{"idx": "*", "scan": ""} {
			schema, err := store.ParseSchema(map[string]string{"s": mark + "str", "i": mark + "int", "f": mark + "float", "b": mark + "bool"})
			if err == nil {
				err = db.Create(col, schema)
			}
			for n := 0; err == nil && n < 60; n++ {
				doc := map[string]any{"s": fmt.Sprint("k", n%7), "i": json.Number(fmt.Sprint(n%11 - 5)), "f": json.Number(fmt.Sprint(float64(n%13)/4 - 1))}
				if n%3 != 0 {
					doc["b"] = n%2 == 0
				}
				_, err = db.Insert(col, doc)
			}
			if err != nil {
				queryDBErr = err
				return
			}
		}
		all, err := store.ParseQuery([]byte(`{}`))
		if err != nil {
			queryDBErr = err
			return
		}
		queryAll = alloc.Least(func() { _, _, _, _ = searchBoth(db, all) })
		queryDB = db
	})
	if queryDBErr != nil {
		tb.Fatal(queryDBErr)
	}
	return queryDB
}

// FuzzStoreQuery parses arbitrary bytes as a query and runs it on both
// collections of queryFixture. Properties: no panic; memory within
// queryBudget; errors are bad
// requests; a query valid on one collection is valid on the other, and
// the index and the scan find the same documents (ignoring _id, which
// differs, and order).
func FuzzStoreQuery(f *testing.F) {
	for _, s := range []string{`{}`, `{"i":3}`, `{"i":{"$gt":-2,"$lte":4}}`, `{"s":{"$gte":"k3"}}`,
		`{"f":{"$lt":0.5},"b":true}`, `{"b":{"$ne":false}}`, `{"s":{"$ne":"k1"},"i":{"$lt":0}}`, `{"x":1}`, `{"i":"a"}`, `{"i":{"$in":[1]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		db := queryFixture(t)
		run := func() (a, b []map[string]any, errA, errB, err error) {
			q, err := store.ParseQuery(data)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			a, b, errA, errB = searchBoth(db, q)
			return a, b, errA, errB, nil
		}
		before := allocatedBytes()
		a, b, errA, errB, err := run()
		if used, budget := allocatedBytes()-before, queryBudget(len(data)); used > budget {
			// The cheap counter is coarse: measure precisely before failing.
			if used = alloc.Least(func() { _, _, _, _, _ = run() }); used > budget {
				t.Fatalf("a %d-byte query allocated %d, over %d", len(data), used, budget)
			}
		}
		if err != nil {
			if !errors.Is(err, store.ErrBadRequest) {
				t.Fatalf("error %v is not a bad request", err)
			}
			return
		}
		if (errA == nil) != (errB == nil) {
			t.Fatalf("indexed: %v; scanned: %v", errA, errB)
		}
		if errA != nil {
			if !errors.Is(errA, store.ErrBadRequest) {
				t.Fatalf("error %v is not a bad request", errA)
			}
			return
		}
		if !reflect.DeepEqual(multiset(a), multiset(b)) {
			t.Fatalf("%s: the index finds %d documents, the scan %d", data, len(a), len(b))
		}
	})
}

// multiset counts documents by their fields other than _id.
func multiset(docs []map[string]any) map[string]int {
	m := map[string]int{}
	for _, d := range docs {
		delete(d, "_id")
		k, _ := json.Marshal(d)
		m[string(k)]++
	}
	return m
}
