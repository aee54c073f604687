package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"
)

// A replicated store's DB changes only by the commands of the raft log,
// applied by fsm in log order. store.db records, in the same transaction
// as their effects, the index of the last entry applied to it (bucket
// raft, key applied, 8 bytes big-endian), and fsm skips entries at or
// below it: raft replays the log after a restart, and a write is still
// applied exactly once.

var (
	bucketRaft = []byte("raft")
	keyApplied = []byte("applied")
)

// command is a write as the log carries it, JSON. The leader picks an
// insert's _id, so that every replica stores the same one.
type command struct {
	Op      string            `json:"op"`
	Col     string            `json:"col"`
	Schema  map[string]string `json:"schema,omitempty"`  // create
	Doc     map[string]any    `json:"doc,omitempty"`     // insert
	ID      string            `json:"id,omitempty"`      // insert
	Query   []Cond            `json:"query,omitempty"`   // update, delete
	Changes map[string]any    `json:"changes,omitempty"` // update
}

func decodeCommand(data []byte) (*command, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber() // as the engine expects, and as ParseRequest decodes
	var c command
	if err := d.Decode(&c); err != nil {
		return nil, fmt.Errorf("store: %w", badRequest("malformed log command: %v", err))
	}
	return &c, nil
}

// result is what applying a command gives the leader's caller, through
// raft's ApplyFuture.Response.
type result struct {
	value any
	err   error
}

// fsm is the raft.FSM (a raft.BatchingFSM) of a replicated store: the
// DB in one file, and the index of the last log entry applied to it.
// ApplyBatch, Snapshot and Restore run on raft's FSM goroutine, one at a
// time; readers use the DB through read.
type fsm struct {
	path string // store.db

	// mu excludes readers while Restore replaces the DB (and Close
	// closes it: db is nil then).
	mu sync.RWMutex
	db *DB

	applied atomic.Uint64 // the DB holds the log up to this index

	failMu sync.Mutex
	failed error           // an error of ErrNodeFailed; the DB may be behind the log
	onFail func(err error) // told once, when failed is set
}

// testHookApply, set by tests before their nodes start, is called with
// the DB's path before each batch is applied; it may block.
var testHookApply func(path string)

func openFSM(path string, onFail func(error)) (*fsm, error) {
	db, err := Open(path, Options{})
	if err != nil {
		return nil, err
	}
	f := &fsm{path: path, db: db, onFail: onFail}
	f.applied.Store(readApplied(db))
	return f, nil
}

func readApplied(db *DB) uint64 {
	var n uint64
	db.bolt.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketRaft); b != nil {
			if v := b.Get(keyApplied); len(v) == 8 {
				n = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	})
	return n
}

func putApplied(tx *bolt.Tx, index uint64) error {
	b, err := tx.CreateBucketIfNotExists(bucketRaft)
	if err != nil {
		return err
	}
	return b.Put(keyApplied, binary.BigEndian.AppendUint64(nil, index))
}

// setApplied records index as the last entry applied, for a DB that
// starts a log of its own.
func (f *fsm) setApplied(index uint64) error {
	if err := f.db.bolt.Update(func(tx *bolt.Tx) error { return putApplied(tx, index) }); err != nil {
		return fmt.Errorf("store: %s: %w", f.path, err)
	}
	f.applied.Store(index)
	return nil
}

// failure is the error that stopped the node, or nil.
func (f *fsm) failure() error {
	f.failMu.Lock()
	defer f.failMu.Unlock()
	return f.failed
}

// fail marks the node failed: the DB may no longer match the log, so it
// must serve nothing more.
func (f *fsm) fail(err error) error {
	f.failMu.Lock()
	first := f.failed == nil
	if first {
		f.failed = fmt.Errorf("%w: %v", ErrNodeFailed, err)
	}
	err = f.failed
	f.failMu.Unlock()
	if first && f.onFail != nil {
		f.onFail(err)
	}
	return err
}

// read runs fn on the DB, which Restore does not replace meanwhile.
func (f *fsm) read(fn func(db *DB) error) error {
	if err := f.failure(); err != nil {
		return err
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.db == nil {
		return ErrNodeClosed
	}
	return fn(f.db)
}

func (f *fsm) close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.db == nil {
		return nil
	}
	err := f.db.Close()
	f.db = nil
	return err
}

// Apply applies one log entry; raft calls ApplyBatch instead.
func (f *fsm) Apply(l *raft.Log) any { return f.ApplyBatch([]*raft.Log{l})[0] }

// ApplyBatch applies the commands of a batch of committed entries in one
// bbolt transaction (one fsync for the batch: group commit) that also
// records the index of the batch's last entry. A command is atomic: one
// that fails (a bad request: no such collection, a schema violation...)
// rolls the transaction back, and the batch is applied again without it.
// Its error is the same on every replica, which applies the same
// commands to the same state, whatever its batches. Any other error
// (I/O) fails the node.
func (f *fsm) ApplyBatch(logs []*raft.Log) []any {
	if testHookApply != nil {
		testHookApply(f.path)
	}
	out := make([]any, len(logs))
	if err := f.failure(); err != nil {
		for i := range out {
			out[i] = result{err: err}
		}
		return out
	}
	applied, last := f.applied.Load(), logs[len(logs)-1].Index
	if last <= applied {
		return out // a replay of entries the DB holds
	}
	cmds := make([]*command, len(logs)) // nil: not a command to apply
	errs := make([]error, len(logs))
	vals := make([]any, len(logs))
	schemaChange := false
	for i, l := range logs {
		if l.Index <= applied || l.Type != raft.LogCommand {
			continue
		}
		c, err := decodeCommand(l.Data)
		if err != nil {
			errs[i] = err
			out[i] = result{err: err}
			continue
		}
		cmds[i] = c
		schemaChange = schemaChange || c.Op == "create" || c.Op == "destroy"
	}

	db := f.db
	// Readers hold db.mu for reading while they use a schema; a create
	// or destroy changes db.schemas when the transaction commits.
	if schemaChange {
		db.mu.Lock()
		defer db.mu.Unlock()
	} else {
		db.mu.RLock()
		defer db.mu.RUnlock()
	}
	for {
		bad := -1
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			t := db.txn(tx)
			for i, c := range cmds {
				if c == nil || errs[i] != nil {
					continue
				}
				v, err := t.apply(c)
				if err != nil {
					bad, errs[i] = i, err
					return err
				}
				vals[i] = v
			}
			return putApplied(tx, last)
		})
		if bad >= 0 && errors.Is(err, ErrBadRequest) {
			continue // again, without it
		}
		if err != nil {
			err = f.fail(fmt.Errorf("applying log entries %d to %d: %v", logs[0].Index, last, err))
			for i := range out {
				out[i] = result{err: err}
			}
			return out
		}
		break
	}
	f.applied.Store(last)
	for i, c := range cmds {
		if c != nil {
			out[i] = result{vals[i], errs[i]}
		}
	}
	return out
}

// txn is a write transaction of the FSM, which may hold several
// commands: it sees the schemas as its own creates and destroys left
// them, and db.schemas gets them if it commits.
type txn struct {
	db      *DB
	tx      *bolt.Tx
	schemas map[string]Schema // nil: destroyed
}

func (db *DB) txn(tx *bolt.Tx) *txn {
	t := &txn{db: db, tx: tx, schemas: map[string]Schema{}}
	tx.OnCommit(func() {
		for col, s := range t.schemas {
			if s == nil {
				delete(db.schemas, col)
			} else {
				db.schemas[col] = s
			}
		}
	})
	return t
}

func (t *txn) schema(op, col string) (Schema, error) {
	if s, ok := t.schemas[col]; ok {
		if s == nil {
			return nil, fmt.Errorf("store: %s %q: %w", op, col, ErrNoCollection)
		}
		return s, nil
	}
	return t.db.schema(op, col)
}

// apply applies c with the engine's checks and errors.
func (t *txn) apply(c *command) (any, error) {
	switch c.Op {
	case "create":
		s, err := ParseSchema(c.Schema)
		if err != nil {
			return nil, fmt.Errorf("create %q: schema: %w", c.Col, err)
		}
		wire, err := checkCreate(c.Col, s)
		if err != nil {
			return nil, err
		}
		if _, err := t.schema("create", c.Col); err == nil {
			return nil, fmt.Errorf("store: create %q: %w", c.Col, ErrExists)
		}
		if err := putCollection(t.tx, c.Col, s, wire); err != nil {
			return nil, fmt.Errorf("store: create %q: %w", c.Col, err)
		}
		t.schemas[c.Col] = s
		return nil, nil
	case "destroy":
		if _, err := t.schema("destroy", c.Col); err != nil {
			return nil, err
		}
		if err := t.tx.Bucket(bucketCollections).DeleteBucket([]byte(c.Col)); err != nil {
			return nil, fmt.Errorf("store: destroy %q: %w", c.Col, err)
		}
		t.schemas[c.Col] = nil
		return nil, nil
	case "insert":
		s, err := t.schema("insert", c.Col)
		if err != nil {
			return nil, err
		}
		if _, err := uuid.Parse(c.ID); err != nil || len(c.ID) != idLen {
			return nil, fmt.Errorf("store: insert %q: %w", c.Col, badRequest("the log gives the _id %q, not a UUID", c.ID))
		}
		in, err := newInsertion(s, c.Col, c.ID, c.Doc)
		if err != nil {
			return nil, err
		}
		if err := in.put(t.tx); err != nil {
			return nil, fmt.Errorf("store: insert %q: %w", c.Col, err)
		}
		return c.ID, nil
	case "update", "delete":
		s, err := t.schema(c.Op, c.Col)
		if err != nil {
			return nil, err
		}
		var w *matchWrite
		if c.Op == "update" {
			w, err = newUpdate(s, c.Col, Query{c.Query}, c.Changes)
		} else {
			w, err = newDelete(s, c.Col, Query{c.Query})
		}
		if err != nil {
			return nil, err
		}
		n, err := w.run(t.tx)
		if err != nil {
			return nil, fmt.Errorf("store: %s %q: %w", c.Op, c.Col, err)
		}
		return n, nil
	}
	return nil, fmt.Errorf("store: %w", badRequest("unknown log command %q", c.Op))
}

// Snapshot returns the DB as of the last entry applied: a bbolt read
// transaction, which Persist writes out while Apply goes on.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	tx, err := f.db.bolt.Begin(false)
	if err != nil {
		return nil, fmt.Errorf("store: snapshot: %w", err)
	}
	return fsmSnapshot{tx}, nil
}

type fsmSnapshot struct{ tx *bolt.Tx }

func (s fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := s.tx.WriteTo(sink); err != nil {
		sink.Cancel()
		return fmt.Errorf("store: snapshot: %w", err)
	}
	return sink.Close()
}

func (s fsmSnapshot) Release() { s.tx.Rollback() }

// Restore replaces the DB with a snapshot's: it writes store.db.restore,
// checks that it opens, and renames it over store.db while readers wait.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	if err := f.failure(); err != nil {
		return err
	}
	tmp := f.path + ".restore"
	err := writeSynced(tmp, rc)
	if err == nil {
		var db *DB
		if db, err = Open(tmp, Options{}); err == nil {
			err = db.Close()
		}
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store: restore: %w", err)
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.db.Close(); err != nil {
		return f.fail(fmt.Errorf("restore: closing %s: %v", f.path, err))
	}
	f.db = nil
	if err := os.Rename(tmp, f.path); err != nil {
		return f.fail(fmt.Errorf("restore: %v", err))
	}
	if err := syncDir(filepath.Dir(f.path)); err != nil {
		return f.fail(fmt.Errorf("restore: %v", err))
	}
	db, err := Open(f.path, Options{})
	if err != nil {
		return f.fail(fmt.Errorf("restore: %v", err))
	}
	f.db = db
	f.applied.Store(readApplied(db))
	return nil
}

func writeSynced(path string, r io.Reader) error {
	w, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, r)
	if err == nil {
		err = w.Sync()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
