package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// Options configures Open. The zero value is durable and suitable for a
// server.
type Options struct {
	// NoSync skips fsync on commit: writes are no longer durable across a
	// machine crash. For tests and bulk loads only.
	NoSync bool

	// LockTimeout bounds the wait for the file lock another process holds.
	// Zero means 1s; negative waits forever.
	LockTimeout time.Duration

	// BatchDelay is how long a write waits for others to join its commit
	// (bbolt's MaxBatchDelay). It is the price a lone writer pays for
	// group commit. Zero means 2ms.
	BatchDelay time.Duration

	// BatchSize is the number of writes that start a commit at once,
	// without waiting for BatchDelay (bbolt's MaxBatchSize). Zero
	// means 1000.
	BatchSize int
}

// Description is one collection as Describe reports it.
type Description struct {
	Schema map[string]string `json:"schema"` // the wire form
	Count  int               `json:"count"`  // number of documents
}

// DB is the durable document engine: collections with schemas, documents with a UUID _id, secondary indexes on the fields a
// schema marks with *, and queries that use an index when one applies.
//
//	db, err := store.Open("data.db", store.Options{})
//	s, _ := store.ParseSchema(map[string]string{"email": "*str", "age": "*int"})
//	err = db.Create("users", s)
//	id, err := db.Insert("users", map[string]any{"email": "a", "age": json.Number("18")})
//	q, _ := store.ParseQuery(json.RawMessage(`{"age":{"$gt":10,"$lt":20}}`))
//	docs, err := db.Search("users", q, 0, 0)
//
// Data lives in one bbolt file:
//
//	collections/            bucket
//	  <col>/                bucket per collection
//	    schema              the schema's wire form, JSON
//	    docs/               _id -> document JSON (with _id)
//	    idx:<field>/        index key -> empty; see appendValue
//
// DB is safe for concurrent use. Every write returns after its
// transaction is fsync'd. Inserts, updates and deletes go through bbolt's
// Batch, so concurrent writers share one commit and one fsync (group
// commit).
type DB struct {
	bolt *bolt.DB

	// mu guards schemas. Writers to documents hold it for reading for the
	// whole write, so Create and Destroy (which hold it for writing) never
	// change a schema under a write that validated against it.
	mu      sync.RWMutex
	schemas map[string]Schema
}

var (
	bucketCollections = []byte("collections")
	bucketDocs        = []byte("docs")
	keySchema         = []byte("schema")
)

func indexBucket(field string) []byte { return []byte("idx:" + field) }

// Open opens or creates the store at path.
func Open(path string, opts Options) (*DB, error) {
	timeout := opts.LockTimeout
	switch {
	case timeout == 0:
		timeout = time.Second
	case timeout < 0:
		timeout = 0
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      timeout,
		NoSync:       opts.NoSync,
		FreelistType: bolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	b.MaxBatchDelay = opts.BatchDelay
	if b.MaxBatchDelay <= 0 {
		b.MaxBatchDelay = 2 * time.Millisecond
	}
	b.MaxBatchSize = opts.BatchSize
	if b.MaxBatchSize <= 0 {
		b.MaxBatchSize = 1000
	}
	db := &DB{bolt: b, schemas: map[string]Schema{}}
	err = b.Update(func(tx *bolt.Tx) error {
		cols, err := tx.CreateBucketIfNotExists(bucketCollections)
		if err != nil {
			return err
		}
		return cols.ForEachBucket(func(name []byte) error {
			var wire map[string]string
			if err := json.Unmarshal(cols.Bucket(name).Get(keySchema), &wire); err != nil {
				return fmt.Errorf("collection %q: schema: %w", name, err)
			}
			s, err := ParseSchema(wire)
			if err != nil {
				return fmt.Errorf("collection %q: schema: %w", name, err)
			}
			db.schemas[string(name)] = s
			return nil
		})
	})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return db, nil
}

// Close closes the store. A write still waiting for its batch to commit
// when Close runs fails (its data is not stored), so a server should stop
// taking writes and wait for those in flight before closing.
func (db *DB) Close() error { return db.bolt.Close() }

// schema returns col's schema; the caller holds db.mu.
func (db *DB) schema(op, col string) (Schema, error) {
	s, ok := db.schemas[col]
	if !ok {
		return nil, fmt.Errorf("store: %s %q: %w", op, col, ErrNoCollection)
	}
	return s, nil
}

// Create makes an empty collection with schema s. It fails, wrapping
// ErrExists, if col exists.
func (db *DB) Create(col string, s Schema) error {
	wire, err := checkCreate(col, s)
	if err != nil {
		return err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if _, ok := db.schemas[col]; ok {
		return fmt.Errorf("store: create %q: %w", col, ErrExists)
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error { return putCollection(tx, col, s, wire) })
	if err != nil {
		return fmt.Errorf("store: create %q: %w", col, err)
	}
	db.schemas[col] = maps.Clone(s)
	return nil
}

// checkCreate checks a collection's name and schema, and returns the
// schema's stored form.
func checkCreate(col string, s Schema) ([]byte, error) {
	if col == "" {
		return nil, fmt.Errorf("store: create: %w", badRequest("empty collection name"))
	}
	if len(col) > bolt.MaxKeySize {
		return nil, fmt.Errorf("store: create: %w", badRequest("the collection name is %d bytes, over the limit of %d", len(col), bolt.MaxKeySize))
	}
	for name, f := range s { // a Schema built by hand skips ParseSchema
		if name == "" || name[0] == '_' || len(name) > maxFieldName || typeNames[f.Type] == "" {
			return nil, fmt.Errorf("store: create %q: %w", col, fieldErr(name, "invalid field"))
		}
	}
	wire, err := json.Marshal(s.Wire())
	if err != nil {
		return nil, fmt.Errorf("store: create %q: %w", col, err)
	}
	return wire, nil
}

// putCollection makes the buckets of a new collection.
func putCollection(tx *bolt.Tx, col string, s Schema, wire []byte) error {
	c, err := tx.Bucket(bucketCollections).CreateBucket([]byte(col))
	if err != nil {
		return err
	}
	if err := c.Put(keySchema, wire); err != nil {
		return err
	}
	if _, err := c.CreateBucket(bucketDocs); err != nil {
		return err
	}
	for _, f := range s.indexed() {
		if _, err := c.CreateBucket(indexBucket(f)); err != nil {
			return err
		}
	}
	return nil
}

// Destroy removes a collection with its documents and indexes.
func (db *DB) Destroy(col string) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if _, err := db.schema("destroy", col); err != nil {
		return err
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCollections).DeleteBucket([]byte(col))
	})
	if err != nil {
		return fmt.Errorf("store: destroy %q: %w", col, err)
	}
	delete(db.schemas, col)
	return nil
}

// Describe returns the schema and document count of col, or of every
// collection when col is "".
func (db *DB) Describe(col string) (map[string]Description, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var names []string
	if col == "" {
		names = slices.Collect(maps.Keys(db.schemas))
	} else {
		if _, err := db.schema("describe", col); err != nil {
			return nil, err
		}
		names = []string{col}
	}
	out := make(map[string]Description, len(names))
	err := db.bolt.View(func(tx *bolt.Tx) error {
		cols := tx.Bucket(bucketCollections)
		for _, name := range names {
			docs := cols.Bucket([]byte(name)).Bucket(bucketDocs)
			out[name] = Description{Schema: db.schemas[name].Wire(), Count: docs.Stats().KeyN}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: describe: %w", err)
	}
	return out, nil
}

// Insert validates doc against col's schema, gives it a new _id and stores
// it. It returns the _id once the document is durable.
//
// Values may be json.Number (as decoded with UseNumber), string, bool, or
// Go ints and floats. An int field takes an integer that fits int64, a
// float field any finite number. Fields may be missing; unknown fields, a
// caller-set _id and wrong types are errors naming the field.
func (db *DB) Insert(col string, doc map[string]any) (string, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	s, err := db.schema("insert", col)
	if err != nil {
		return "", err
	}
	// Version 7 UUIDs grow with time, so documents with equal index
	// keys, and scans, come in insertion order.
	id := uuid.Must(uuid.NewV7()).String()
	// Everything is computed outside Batch's function, which Batch may
	// run more than once.
	in, err := newInsertion(s, col, id, doc)
	if err != nil {
		return "", err
	}
	if err := db.bolt.Batch(in.put); err != nil {
		return "", fmt.Errorf("store: insert %q: %w", col, err)
	}
	return id, nil
}

// insertion is a document checked against its collection's schema and
// encoded, ready to be stored: put fails only on I/O.
type insertion struct {
	col, id string
	data    []byte
	index   [][2][]byte // index bucket, key
}

func newInsertion(s Schema, col, id string, doc map[string]any) (*insertion, error) {
	d, err := s.validate(doc)
	if err != nil {
		return nil, fmt.Errorf("store: insert %q: %w", col, err)
	}
	d[idField] = id
	in := &insertion{col: col, id: id}
	if in.data, err = json.Marshal(d); err != nil {
		return nil, fmt.Errorf("store: insert %q: %w", col, err)
	}
	for _, f := range s.indexed() {
		if v, ok := d[f]; ok {
			in.index = append(in.index, [2][]byte{indexBucket(f), indexKey(v, id)})
		}
	}
	return in, nil
}

func (in *insertion) put(tx *bolt.Tx) error {
	c := tx.Bucket(bucketCollections).Bucket([]byte(in.col))
	if err := c.Bucket(bucketDocs).Put([]byte(in.id), in.data); err != nil {
		return err
	}
	for _, e := range in.index {
		if err := c.Bucket(e[0]).Put(e[1], nil); err != nil {
			return err
		}
	}
	return nil
}

// Search returns the documents of col that match q, skipping the first
// skip and returning at most limit (0: no limit). Values are string,
// int64, float64 and bool, and every document has its _id.
//
// When q has an equality or range condition on an indexed field, Search
// walks that index (an equality is preferred) and checks the other
// conditions on each document; the results come in that field's order,
// ties in _id order. An _id equality is a direct lookup. Otherwise Search
// scans the collection and the results come in _id order.
func (db *DB) Search(col string, q Query, limit, skip int) ([]map[string]any, error) {
	if limit < 0 || skip < 0 {
		return nil, fmt.Errorf("store: search %q: %w", col, badRequest("limit and skip must not be negative"))
	}
	db.mu.RLock()
	defer db.mu.RUnlock()
	s, err := db.schema("search", col)
	if err != nil {
		return nil, err
	}
	conds, err := q.bind(s)
	if err != nil {
		return nil, fmt.Errorf("store: search %q: %w", col, err)
	}
	out := []map[string]any{}
	err = db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketCollections).Bucket([]byte(col))
		return visit(c, s, conds, func(_ []byte, doc map[string]any) bool {
			if skip > 0 {
				skip--
				return true
			}
			out = append(out, doc)
			return limit == 0 || len(out) < limit
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: search %q: %w", col, err)
	}
	return out, nil
}

// Update applies changes to every document of col that matches q and
// returns how many matched. changes is validated like a document and
// cannot set _id. It returns once the changes are durable.
func (db *DB) Update(col string, q Query, changes map[string]any) (int, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	s, err := db.schema("update", col)
	if err != nil {
		return 0, err
	}
	w, err := newUpdate(s, col, q, changes)
	if err != nil {
		return 0, err
	}
	return db.batch(w)
}

// Delete removes every document of col that matches q, with its index
// entries, and returns how many it removed once that is durable.
func (db *DB) Delete(col string, q Query) (int, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	s, err := db.schema("delete", col)
	if err != nil {
		return 0, err
	}
	w, err := newDelete(s, col, q)
	if err != nil {
		return 0, err
	}
	return db.batch(w)
}

// batch runs w in a batched (group-committed) transaction and returns how
// many documents matched once that is durable.
func (db *DB) batch(w *matchWrite) (int, error) {
	var n int
	err := db.bolt.Batch(func(tx *bolt.Tx) (err error) {
		n, err = w.run(tx) // Batch may run this more than once
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: %s %q: %w", w.op, w.col, err)
	}
	return n, nil
}

// matchWrite is an update or a delete checked against its collection's
// schema: run applies fn to each matching document, with the collection's
// bucket.
type matchWrite struct {
	op, col string
	s       Schema
	conds   []cond
	fn      func(c *bolt.Bucket, m match) error
}

func newUpdate(s Schema, col string, q Query, changes map[string]any) (*matchWrite, error) {
	conds, err := q.bind(s)
	var ch map[string]any
	if err == nil {
		ch, err = s.validate(changes)
	}
	if err != nil {
		return nil, fmt.Errorf("store: update %q: %w", col, err)
	}
	indexed := s.indexed()
	return &matchWrite{op: "update", col: col, s: s, conds: conds, fn: func(c *bolt.Bucket, m match) error {
		id := m.doc[idField].(string)
		for _, f := range indexed {
			nv, changed := ch[f]
			if !changed {
				continue
			}
			ov, had := m.doc[f]
			if had && compare(ov, nv) == 0 {
				continue
			}
			idx := c.Bucket(indexBucket(f))
			if had {
				if err := idx.Delete(indexKey(ov, id)); err != nil {
					return err
				}
			}
			if err := idx.Put(indexKey(nv, id), nil); err != nil {
				return err
			}
		}
		maps.Copy(m.doc, ch)
		data, err := json.Marshal(m.doc)
		if err != nil {
			return err
		}
		return c.Bucket(bucketDocs).Put(m.id, data)
	}}, nil
}

func newDelete(s Schema, col string, q Query) (*matchWrite, error) {
	conds, err := q.bind(s)
	if err != nil {
		return nil, fmt.Errorf("store: delete %q: %w", col, err)
	}
	indexed := s.indexed()
	return &matchWrite{op: "delete", col: col, s: s, conds: conds, fn: func(c *bolt.Bucket, m match) error {
		id := m.doc[idField].(string)
		for _, f := range indexed {
			if v, ok := m.doc[f]; ok {
				if err := c.Bucket(indexBucket(f)).Delete(indexKey(v, id)); err != nil {
					return err
				}
			}
		}
		return c.Bucket(bucketDocs).Delete(m.id)
	}}, nil
}

// run applies w in tx and returns how many documents matched.
func (w *matchWrite) run(tx *bolt.Tx) (int, error) {
	c := tx.Bucket(bucketCollections).Bucket([]byte(w.col))
	matched, err := collect(c, w.s, w.conds)
	if err != nil {
		return 0, err
	}
	for _, m := range matched {
		if err := w.fn(c, m); err != nil {
			return 0, err
		}
	}
	return len(matched), nil
}

type match struct {
	id  []byte
	doc map[string]any
}

// collect returns the matches first, because a bucket must not change
// under a cursor walking it.
func collect(c *bolt.Bucket, s Schema, conds []cond) ([]match, error) {
	var out []match
	err := visit(c, s, conds, func(id []byte, doc map[string]any) bool {
		out = append(out, match{bytes.Clone(id), doc})
		return true
	})
	return out, err
}

// visit calls fn with each document of collection bucket c that matches
// conds, in plan order (see Search), until fn returns false. id is only
// valid during the call.
func visit(c *bolt.Bucket, s Schema, conds []cond, fn func(id []byte, doc map[string]any) bool) error {
	docs := c.Bucket(bucketDocs)
	check := func(id, data []byte) (bool, error) {
		doc, err := decode(s, data)
		if err != nil {
			return false, fmt.Errorf("document %s: %w", id, err)
		}
		if !matches(conds, doc) {
			return true, nil
		}
		return fn(id, doc), nil
	}
	p := choose(s, conds)
	switch {
	case p.byID:
		if data := docs.Get([]byte(p.id)); data != nil {
			_, err := check([]byte(p.id), data)
			return err
		}
		return nil
	case p.field != "":
		if p.keys.empty {
			return nil
		}
		cur := c.Bucket(indexBucket(p.field)).Cursor()
		var k []byte
		if p.keys.lo == nil {
			k, _ = cur.First()
		} else {
			k, _ = cur.Seek(p.keys.lo)
		}
		for ; k != nil; k, _ = cur.Next() {
			if p.keys.hi != nil && bytes.Compare(k, p.keys.hi) >= 0 {
				return nil
			}
			if len(k) < idLen {
				return fmt.Errorf("index %s: short key %x", p.field, k)
			}
			id := k[len(k)-idLen:]
			data := docs.Get(id)
			if data == nil {
				return fmt.Errorf("index %s: key %x names a missing document", p.field, k)
			}
			more, err := check(id, data)
			if err != nil || !more {
				return err
			}
		}
		return nil
	}
	cur := docs.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		more, err := check(k, v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// idLen is the length of an _id, a UUID in its 36-character form; index
// keys end with one.
const idLen = 36

// decode parses a stored document into canonical values.
func decode(s Schema, data []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var doc map[string]any
	if err := d.Decode(&doc); err != nil {
		return nil, err
	}
	for name, v := range doc {
		if name == idField {
			continue
		}
		f, ok := s[name]
		if !ok {
			return nil, fmt.Errorf("field %q not in the schema", name)
		}
		c, err := coerce(name, f.Type, v)
		if err != nil {
			return nil, err
		}
		doc[name] = c
	}
	return doc, nil
}
