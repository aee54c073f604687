package bench

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirekit/wirekit/protocol/store"
)

// BenchmarkStoreInsert is durable inserts (fsync on, group commit) from
// clients goroutines at once: inserts/s is the throughput. With 16
// clients it should be at least 8x the 1-client rate.
func BenchmarkStoreInsert(b *testing.B) {
	schema, err := store.ParseSchema(map[string]string{"email": "*str", "name": "str", "age": "*int"})
	if err != nil {
		b.Fatal(err)
	}
	for _, clients := range []int{1, 16} {
		b.Run("clients="+strconv.Itoa(clients)+"/impl=wirekit", func(b *testing.B) {
			db, err := store.Open(filepath.Join(b.TempDir(), "store.db"), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if err := db.Create("users", schema); err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			insertLoad(b, clients, &next, func(_ int, doc map[string]any) error {
				_, err := db.Insert("users", doc)
				return err
			})
		})
	}
}

// insertLoad has clients goroutines insert b.N documents between them,
// numbered on from next, each with insert(client, doc), and reports the
// throughput as inserts/s. The first error fails the benchmark.
func insertLoad(b *testing.B, clients int, next *atomic.Int64, insert func(client int, doc map[string]any) error) {
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	b.ResetTimer()
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				i := next.Add(1)
				doc := map[string]any{"email": "u" + strconv.FormatInt(i, 10), "name": "n", "age": json.Number(strconv.FormatInt(i%100, 10))}
				if err := insert(c, doc); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "inserts/s")
}

// BenchmarkStoreSearch is a selective range query (10 of 100,000
// documents) on an indexed field, and the same query on an unindexed
// field holding the same values, which is a full scan.
func BenchmarkStoreSearch(b *testing.B) {
	const docs = 100_000
	db, err := store.Open(filepath.Join(b.TempDir(), "store.db"), store.Options{NoSync: true, BatchSize: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	schema, err := store.ParseSchema(map[string]string{"k": "*int", "u": "int", "name": "str"})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Create("docs", schema); err != nil {
		b.Fatal(err)
	}
	// Setup, not measured: loaded from a few goroutines so batches fill.
	var wg sync.WaitGroup
	const loaders = 4
	for l := range loaders {
		wg.Go(func() {
			for i := l; i < docs; i += loaders {
				if _, err := db.Insert("docs", map[string]any{"k": i, "u": i, "name": "doc " + strconv.Itoa(i)}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		return
	}
	for _, field := range []string{"k", "u"} {
		impl := map[string]string{"k": "index", "u": "scan"}[field]
		q, err := store.ParseQuery(json.RawMessage(fmt.Sprintf(`{%q:{"$gte":50000,"$lt":50010}}`, field)))
		if err != nil {
			b.Fatal(err)
		}
		b.Run("range10of100k/impl="+impl, func(b *testing.B) {
			for b.Loop() {
				got, err := db.Search("docs", q, 0, 0)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != 10 {
					b.Fatalf("%d results, want 10", len(got))
				}
			}
		})
	}
}
