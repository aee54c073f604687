package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/raft"

	"github.com/wirekit/wirekit/framing"
)

// clusterTimeout bounds the waits for raft: an election takes one to two
// seconds (raft's default timeouts), more on a busy machine.
const clusterTimeout = 30 * time.Second

// waitFor polls fn until it returns nil, for clusterTimeout at most.
func waitFor(t *testing.T, what string, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(clusterTimeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s: %v", clusterTimeout, what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testLog is a node's log in the test's: raft's goroutines may write a
// last line while a node closes, after which t.Log must not be called.
type testLog struct {
	mu   sync.Mutex
	t    *testing.T
	name string
	done bool
}

func newTestLog(t *testing.T, name string) *log.Logger {
	w := &testLog{t: t, name: name}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return log.New(w, "", 0)
}

func (w *testLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Logf("%s: %s", w.name, bytes.TrimSpace(p))
	}
	return len(p), nil
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// FSM tests: the state machine alone, fed log entries by hand.

func openTestFSM(t *testing.T, path string) *fsm {
	t.Helper()
	f, err := openFSM(path, func(err error) { t.Errorf("the node failed: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.close() })
	return f
}

// entries makes log entries of cmds, numbered from first; a nil command
// is a configuration entry.
func entries(t *testing.T, first uint64, cmds ...*command) []*raft.Log {
	t.Helper()
	var logs []*raft.Log
	for i, c := range cmds {
		l := &raft.Log{Index: first + uint64(i), Term: 1, Type: raft.LogConfiguration}
		if c != nil {
			data, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			l.Type, l.Data = raft.LogCommand, data
		}
		logs = append(logs, l)
	}
	return logs
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func createCmd(col string) *command {
	return &command{Op: "create", Col: col, Schema: map[string]string{"email": "*str", "age": "*int"}}
}

func insertCmd(col, doc string) *command {
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(doc))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		panic(err)
	}
	return &command{Op: "insert", Col: col, Doc: m, ID: newID()}
}

func count(t *testing.T, f *fsm, col string) int {
	t.Helper()
	var n int
	err := f.read(func(db *DB) error {
		d, err := db.Describe(col)
		n = d[col].Count
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Raft replays its log after a restart (from its last snapshot): the
// entries the DB already holds must not be applied again.
func TestFSMAppliesEachEntryOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	f := openTestFSM(t, path)
	batch := entries(t, 1, createCmd("users"), insertCmd("users", `{"email":"a"}`), nil, insertCmd("users", `{"email":"b"}`))
	for i, r := range f.ApplyBatch(batch) {
		if r, _ := r.(result); r.err != nil {
			t.Fatalf("entry %d: %v", i+1, r.err)
		}
	}
	if n := count(t, f, "users"); n != 2 || f.applied.Load() != 4 {
		t.Fatalf("%d documents, applied %d; want 2, 4", n, f.applied.Load())
	}
	for i, r := range f.ApplyBatch(batch) {
		if r != nil {
			t.Errorf("replayed entry %d: %v, want nil (not applied)", i+1, r)
		}
	}

	// After a restart, from store.db's own record.
	f.close()
	f = openTestFSM(t, path)
	if f.applied.Load() != 4 {
		t.Fatalf("reopened: applied %d, want 4", f.applied.Load())
	}
	f.ApplyBatch(batch)
	// A batch across the applied index applies its new entries only.
	f.ApplyBatch(entries(t, 3, insertCmd("users", `{"email":"b2"}`), insertCmd("users", `{"email":"b3"}`), insertCmd("users", `{"email":"c"}`)))
	docs, err := f.db.Search("users", Query{}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, d := range docs {
		emails = append(emails, d["email"].(string))
	}
	if !slices.Equal(emails, []string{"a", "b", "c"}) || f.applied.Load() != 5 {
		t.Errorf("emails %q, applied %d; want [a b c], 5", emails, f.applied.Load())
	}
}

// A batch is one transaction, but each command in it stays atomic: one
// that fails leaves no trace, and the others apply, in order, as they
// would alone.
func TestFSMBatchKeepsCommandsAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	f := openTestFSM(t, path)
	a := insertCmd("users", `{"email":"a","age":1}`)
	c := insertCmd("users", `{"email":"c","age":3}`)
	q := func(raw string) []Cond { return mustQuery(t, raw).Conds }
	batch := []struct {
		cmd  *command
		want string // "" ok, or a substring of the error
	}{
		{createCmd("users"), ""},
		{a, ""},
		{insertCmd("users", `{"email":"b","phone":1}`), `field "phone": not in the schema`},
		{createCmd("users"), "collection already exists"},
		{nil, ""}, // a configuration entry
		{c, ""},
		{&command{Op: "update", Col: "users", Query: q(`{}`), Changes: map[string]any{"age": "x"}}, `field "age": want int`},
		{&command{Op: "update", Col: "users", Query: q(`{"email":"a"}`), Changes: map[string]any{"age": json.Number("10")}}, ""},
		{&command{Op: "update", Col: "users", Query: q(`{"nope":1}`), Changes: map[string]any{}}, "nope"},
		{createCmd("tmp"), ""},
		{insertCmd("tmp", `{"email":"t"}`), ""},
		{&command{Op: "destroy", Col: "tmp"}, ""},
		{insertCmd("tmp", `{"email":"t"}`), "no such collection"},
		{&command{Op: "delete", Col: "users", Query: q(`{"age":{"$lt":5}}`)}, ""},
		{&command{Op: "insert", Col: "users", Doc: map[string]any{}, ID: "not-a-uuid"}, "not a UUID"},
		{&command{Op: "frobnicate", Col: "users"}, "unknown log command"},
	}
	var cmds []*command
	for _, b := range batch {
		cmds = append(cmds, b.cmd)
	}
	out := f.ApplyBatch(entries(t, 1, cmds...))
	for i, b := range batch {
		r, _ := out[i].(result)
		switch {
		case b.cmd == nil && out[i] != nil:
			t.Errorf("entry %d (configuration): %v, want nil", i+1, out[i])
		case b.want == "" && r.err != nil:
			t.Errorf("entry %d (%s): %v", i+1, b.cmd.Op, r.err)
		case b.want != "" && (!errors.Is(r.err, ErrBadRequest) || !strings.Contains(r.err.Error(), b.want)):
			t.Errorf("entry %d (%s): %v, want a bad request about %q", i+1, b.cmd.Op, r.err, b.want)
		}
	}
	if r := out[1].(result); r.value != a.ID {
		t.Errorf("insert returned %v, want the log's _id %s", r.value, a.ID)
	}
	if r := out[7].(result); r.value != 1 {
		t.Errorf("update returned %v, want 1", r.value)
	}
	if r := out[13].(result); r.value != 1 {
		t.Errorf("delete returned %v, want 1 (c; a is 10 by then)", r.value)
	}

	check := func(f *fsm) {
		t.Helper()
		d, err := f.db.Describe("")
		if err != nil {
			t.Fatal(err)
		}
		if len(d) != 1 || d["users"].Count != 1 {
			t.Errorf("collections %v, want users with 1 document", d)
		}
		for _, query := range []string{`{}`, `{"age":10}`, `{"email":"a"}`} {
			docs, err := f.db.Search("users", mustQuery(t, query), 0, 0)
			if err != nil || len(docs) != 1 || docs[0]["_id"] != a.ID || docs[0]["age"] != int64(10) {
				t.Errorf("search %s: %v %v; want a, age 10", query, docs, err)
			}
		}
		if f.applied.Load() != uint64(len(batch)) {
			t.Errorf("applied %d, want %d", f.applied.Load(), len(batch))
		}
	}
	check(f)
	f.close()
	check(openTestFSM(t, path))
}

// An I/O error while applying leaves the DB behind the log: the node
// fails, and says so to every request, instead of serving a diverged copy.
func TestFSMFailsOnAnInternalError(t *testing.T) {
	var told []error
	f, err := openFSM(filepath.Join(t.TempDir(), "store.db"), func(err error) { told = append(told, err) })
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	f.ApplyBatch(entries(t, 1, createCmd("users")))
	f.db.bolt.Close() // as a disk that fails would
	for _, out := range [][]any{
		f.ApplyBatch(entries(t, 2, insertCmd("users", `{"email":"a"}`), nil)),
		f.ApplyBatch(entries(t, 4, insertCmd("users", `{"email":"b"}`))),
	} {
		for i, r := range out {
			if r, _ := r.(result); !errors.Is(r.err, ErrNodeFailed) {
				t.Errorf("entry %d: %v, want ErrNodeFailed", i, r.err)
			}
		}
	}
	if len(told) != 1 || !errors.Is(f.failure(), ErrNodeFailed) || !strings.HasPrefix(f.failure().Error(), "node failed: applying log entries 2 to 3: ") {
		t.Errorf("told %v; failure %v", told, f.failure())
	}
	if err := f.read(func(*DB) error { return nil }); !errors.Is(err, ErrNodeFailed) {
		t.Errorf("read: %v, want ErrNodeFailed", err)
	}
	if f.applied.Load() != 1 {
		t.Errorf("applied %d, want 1", f.applied.Load())
	}
}

// snapshotSink is a raft.SnapshotSink in memory.
type snapshotSink struct {
	bytes.Buffer
	closed bool
}

func (s *snapshotSink) ID() string    { return "test" }
func (s *snapshotSink) Cancel() error { return nil }
func (s *snapshotSink) Close() error  { s.closed = true; return nil }

func TestFSMSnapshotRestore(t *testing.T) {
	dir := t.TempDir()
	a := openTestFSM(t, filepath.Join(dir, "a.db"))
	a.ApplyBatch(entries(t, 1, createCmd("users"), insertCmd("users", `{"email":"a","age":1}`), insertCmd("users", `{"email":"b","age":2}`)))
	snap, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	// Writes go on while the snapshot is persisted; it keeps its point in time.
	a.ApplyBatch(entries(t, 4, insertCmd("users", `{"email":"c","age":3}`)))
	var sink snapshotSink
	if err := snap.Persist(&sink); err != nil || !sink.closed {
		t.Fatalf("Persist: %v, sink closed %v", err, sink.closed)
	}
	snap.Release()

	b := openTestFSM(t, filepath.Join(dir, "b.db"))
	b.ApplyBatch(entries(t, 1, createCmd("other")))
	if err := b.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	d, err := b.db.Describe("")
	if err != nil || len(d) != 1 || d["users"].Count != 2 || b.applied.Load() != 3 {
		t.Fatalf("restored: %v %v, applied %d; want users with 2 documents, applied 3", d, err, b.applied.Load())
	}
	// The restored DB goes on with the log, its schemas loaded.
	out := b.ApplyBatch(entries(t, 4, insertCmd("users", `{"email":"c","age":3}`)))
	if r := out[0].(result); r.err != nil {
		t.Fatal(r.err)
	}
	if docs, err := b.db.Search("users", mustQuery(t, `{"age":{"$gte":2}}`), 0, 0); err != nil || len(docs) != 2 {
		t.Errorf("search after restore: %v %v, want b and c", docs, err)
	}

	// What is not a DB is refused, and the DB stays.
	if err := b.Restore(io.NopCloser(strings.NewReader(strings.Repeat("not a bbolt file", 1000)))); err == nil {
		t.Error("restoring garbage: no error")
	}
	if n := count(t, b, "users"); n != 3 {
		t.Errorf("after a failed restore: %d documents, want 3", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.db.restore")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("b.db.restore left behind: %v", err)
	}
}

// Nodes: OpenNode, served on 127.0.0.1 with real TCP transports.

type testNode struct {
	t      *testing.T
	name   string
	cfg    NodeConfig
	n      *Node
	srv    *Server
	served chan error
}

// startNode opens a node (on free ports if cfg has no addresses) and
// serves it until stop or the end of the test.
func startNode(t *testing.T, name string, cfg NodeConfig) *testNode {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	if cfg.Addr == "" {
		cfg.Addr = freeAddr(t)
	}
	if cfg.RaftAddr == "" {
		cfg.RaftAddr = freeAddr(t)
	}
	cfg.Logger = newTestLog(t, name)
	tn := &testNode{t: t, name: name, cfg: cfg}
	tn.start()
	t.Cleanup(tn.stop)
	return tn
}

func (tn *testNode) start() {
	tn.t.Helper()
	n, err := OpenNode(tn.cfg)
	if err != nil {
		tn.t.Fatalf("%s: %v", tn.name, err)
	}
	l, err := net.Listen("tcp", tn.cfg.Addr)
	if err != nil {
		n.Close()
		tn.t.Fatalf("%s: %v", tn.name, err)
	}
	tn.n, tn.srv, tn.served = n, &Server{Node: n, ErrorLog: tn.cfg.Logger}, make(chan error, 1)
	go func() { tn.served <- tn.srv.Serve(l) }()
}

// stop shuts the server down and closes the node, as wirectl serve does.
func (tn *testNode) stop() {
	if tn.n == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := tn.srv.Shutdown(ctx); err != nil {
		tn.t.Errorf("%s: Shutdown: %v", tn.name, err)
	}
	if err := <-tn.served; !errors.Is(err, ErrServerClosed) {
		tn.t.Errorf("%s: Serve: %v", tn.name, err)
	}
	if err := tn.n.Close(); err != nil {
		tn.t.Errorf("%s: Close: %v", tn.name, err)
	}
	tn.n = nil
}

func (tn *testNode) addr() string { return tn.cfg.Addr }

func (tn *testNode) client(ctx context.Context) *Client {
	tn.t.Helper()
	c, err := Dial(ctx, tn.addr())
	if err != nil {
		tn.t.Fatal(err)
	}
	tn.t.Cleanup(func() { c.Close() })
	return c
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	t.Cleanup(cancel)
	return ctx
}

// waitLeader waits until one of nodes is the leader, and every other one
// knows it.
func waitLeader(t *testing.T, nodes ...*testNode) *testNode {
	t.Helper()
	var leader *testNode
	waitFor(t, "a leader", func() error {
		leader = nil
		for _, tn := range nodes {
			if tn.n.raft.State() == raft.Leader {
				leader = tn
			}
		}
		if leader == nil {
			return errors.New("none")
		}
		for _, tn := range nodes {
			if got := tn.n.Leader(); got != leader.addr() {
				return fmt.Errorf("%s knows the leader as %q, not %s", tn.name, got, leader.addr())
			}
		}
		return nil
	})
	return leader
}

// startCluster starts a node and has the others join it.
func startCluster(t *testing.T, size int, threshold uint64) []*testNode {
	t.Helper()
	nodes := []*testNode{startNode(t, "n1", NodeConfig{SnapshotThreshold: threshold})}
	waitLeader(t, nodes[0])
	for i := 2; i <= size; i++ {
		nodes = append(nodes, startNode(t, fmt.Sprintf("n%d", i), NodeConfig{Join: nodes[0].addr(), SnapshotThreshold: threshold}))
	}
	waitFor(t, "every node to join", func() error {
		f := nodes[0].n.raft.GetConfiguration()
		if err := f.Error(); err != nil {
			return err
		}
		voters := 0
		for _, s := range f.Configuration().Servers {
			if s.Suffrage == raft.Voter {
				voters++
			}
		}
		if voters != size {
			return fmt.Errorf("%d voters", voters)
		}
		return nil
	})
	waitLeader(t, nodes...)
	return nodes
}

// waitDocs waits until tn's DB holds want documents in col.
func waitDocs(t *testing.T, tn *testNode, col string, want int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%s to have %d documents in %s", tn.name, want, col), func() error {
		docs, err := tn.n.Search(col, Query{}, 0, 0)
		if err != nil {
			return err
		}
		if len(docs) != want {
			return fmt.Errorf("%d documents", len(docs))
		}
		return nil
	})
}

// insertMany inserts documents from to to (emails and ages) and returns
// their ids. A busy machine has raft elect leaders for nothing: a write
// refused for want of one is sent again, and a write whose outcome is
// unknown is looked for first.
func insertMany(t *testing.T, ctx context.Context, c *Client, col string, from, to int) []string {
	t.Helper()
	var ids []string
	for i := from; i < to; i++ {
		doc := map[string]any{"email": fmt.Sprint(i), "age": i}
		id, err := c.Insert(ctx, col, doc)
		for tries := 0; err != nil && tries < 5; tries++ {
			t.Logf("insert %d: %v", i, err)
			switch {
			case strings.Contains(err.Error(), "not leader; "):
				id, err = c.Insert(ctx, col, doc)
			case strings.Contains(err.Error(), ErrUnknownOutcome.Error()):
				var docs []map[string]any
				if docs, err = c.SearchLinearizable(ctx, col, map[string]any{"email": fmt.Sprint(i)}, 0, 0); err == nil {
					if len(docs) == 1 {
						id = docs[0]["_id"].(string)
					} else {
						id, err = c.Insert(ctx, col, doc)
					}
				}
			default:
				t.Fatalf("insert %d: %v", i, err)
			}
		}
		if err != nil {
			t.Fatalf("insert %d: %v", i, err)
		}
		ids = append(ids, id)
	}
	return ids
}

var peopleSchema = map[string]string{"email": "*str", "age": "*int"}

// A node alone works as a DB does, and keeps its data and its address.
func TestNodeAlone(t *testing.T) {
	tn := startNode(t, "alone", NodeConfig{})
	ctx := testContext(t)
	c := tn.client(ctx)
	// The first write waits for the node to elect itself.
	if err := c.Create(ctx, "users", peopleSchema); err != nil {
		t.Fatal(err)
	}
	ids := insertMany(t, ctx, c, "users", 0, 3)
	if n, err := c.Update(ctx, "users", map[string]any{"age": map[string]any{"$gte": 1}}, map[string]any{"email": "x"}); n != 2 || err != nil {
		t.Fatalf("update: %d %v", n, err)
	}
	if _, err := c.Insert(ctx, "users", map[string]any{"phone": 1}); err == nil || !strings.Contains(err.Error(), `field "phone": not in the schema`) {
		t.Errorf("bad insert: %v", err)
	}
	// From Go, as DB does: JSON, which carries commands to the log, would
	// store U+FFFD instead.
	for _, bad := range []func() error{
		func() error { _, err := tn.n.Insert("users", map[string]any{"email": "a\xffb"}); return err },
		func() error {
			_, err := tn.n.Update("users", Query{}, map[string]any{"email": "a\xffb"})
			return err
		},
	} {
		if err := bad(); err == nil || !strings.Contains(err.Error(), `field "email": the string is not valid UTF-8`) {
			t.Errorf("invalid UTF-8 through the Node: %v", err)
		}
	}
	st, err := c.Status(ctx)
	if err != nil || st.State != "leader" || st.Leader != tn.addr() || len(st.Members) != 1 || st.Members[0].State != "leader" {
		t.Errorf("status: %+v %v", st, err)
	}
	c.Close()

	tn.stop()
	tn.start()
	c = tn.client(ctx)
	docs, err := c.Search(ctx, "users", map[string]any{"email": "x"}, 0, 0)
	if err != nil || len(docs) != 2 {
		t.Fatalf("after a restart: %v %v", docs, err)
	}
	if _, err := c.Insert(ctx, "users", map[string]any{"email": "y"}); err != nil {
		t.Fatalf("insert after a restart: %v", err)
	}
	if d, err := c.Describe(ctx, "users"); err != nil || d["users"].Count != len(ids)+1 {
		t.Errorf("describe: %v %v", d, err)
	}

	// store.db lost: raft restores the last snapshot, then replays the
	// log after it.
	if err := tn.n.raft.Snapshot().Error(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Insert(ctx, "users", map[string]any{"email": "z"}); err != nil {
		t.Fatal(err)
	}
	tn.stop()
	if err := os.Remove(filepath.Join(tn.cfg.Dir, "store.db")); err != nil {
		t.Fatal(err)
	}
	tn.start()
	waitDocs(t, tn, "users", len(ids)+2)
	tn.stop()

	other := tn.cfg
	other.Addr = freeAddr(t)
	if _, err := OpenNode(other); !errors.Is(err, ErrNodeConfig) || !strings.Contains(err.Error(), tn.addr()) || !strings.Contains(err.Error(), other.Addr) {
		t.Errorf("the directory with another address: %v, want an error naming both", err)
	}
}

func TestNodeConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		cfg  NodeConfig
		want string
	}{
		{NodeConfig{Addr: "127.0.0.1:8000"}, "no data directory"},
		{NodeConfig{Dir: dir, Addr: "8000"}, "missing port"},
		{NodeConfig{Dir: dir, Addr: "127.0.0.1:0"}, "fixed port"},
		{NodeConfig{Dir: dir, Addr: "127.0.0.1:60000"}, "give one"},
		{NodeConfig{Dir: dir, Addr: "127.0.0.1:8000", Join: "127.0.0.1:8000"}, "cannot join itself"},
		{NodeConfig{Dir: dir, Addr: "127.0.0.1:8000", Join: "nowhere"}, "join address"},
		{NodeConfig{Dir: dir, Addr: "127.0.0.1:8000", RaftAddr: "127.0.0.1:x"}, "raft address"},
	} {
		_, err := OpenNode(tt.cfg)
		if !errors.Is(err, ErrNodeConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want an ErrNodeConfig about %q", tt.cfg, err, tt.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("bad configurations left %d files in the directory", len(entries))
	}
}

func TestStandaloneServerReplicationRequests(t *testing.T) {
	addr := startServer(t, &Server{}, Options{NoSync: true})
	c := dialRaw(t, addr)
	check(t, "status", c.roundTrip(`["status"]`), `["ok",{"id":"","state":"standalone","leader":"","term":0,"applied_index":0,"commit_index":0}]`)
	check(t, "join", c.roundTrip(`["join","127.0.0.1:1","127.0.0.1:2"]`), "ko: join: this server is not replicated")
	check(t, "leave", c.roundTrip(`["leave","127.0.0.1:1"]`), "ko: leave: this server is not replicated")
	check(t, "search", c.roundTrip(`["search","users",{},{"linearizable":true}]`), `ko: search "users": no such collection`)
}

// Writes go to the leader and reach every node; a follower answers a
// write with the leader's address, which the Client follows; reads are
// local, or linearizable on the leader.
func TestClusterReplicates(t *testing.T) {
	nodes := startCluster(t, 3, 0)
	leader := waitLeader(t, nodes...)
	var followers []*testNode
	for _, tn := range nodes {
		if tn != leader {
			followers = append(followers, tn)
		}
	}
	ctx := testContext(t)
	c := leader.client(ctx)
	if err := c.Create(ctx, "users", peopleSchema); err != nil {
		t.Fatal(err)
	}
	insertMany(t, ctx, c, "users", 0, 10)
	for _, tn := range nodes {
		waitDocs(t, tn, "users", 10)
	}

	f := dialRaw(t, followers[0].addr())
	hint := `["ko","not leader; leader is ` + leader.addr() + `"]`
	for _, req := range []string{
		`["insert","users",{"email":"z"}]`,
		`["create","more",{}]`,
		`["search","users",{},{"linearizable":true}]`,
		`["join","127.0.0.1:1","127.0.0.1:2"]`,
		`["leave","127.0.0.1:1"]`,
	} {
		check(t, req, f.roundTrip(req), hint)
	}
	check(t, "a follower's read", f.roundTrip(`["describe","users"]`), `["ok",{"users":{"schema":{"age":"*int","email":"*str"},"count":10}}]`)

	// The Client follows the hint, and stays with the leader.
	fc := followers[1].client(ctx)
	id, err := fc.Insert(ctx, "users", map[string]any{"email": "via-follower", "age": 99})
	if err != nil {
		t.Fatal(err)
	}
	docs, err := fc.SearchLinearizable(ctx, "users", map[string]any{"_id": id}, 0, 0)
	if err != nil || len(docs) != 1 {
		t.Fatalf("linearizable read of the write: %v %v", docs, err)
	}
	if fc.addr != leader.addr() {
		t.Errorf("the client is connected to %s, want the leader %s", fc.addr, leader.addr())
	}
	// A Client on a connection of its own has no address to follow.
	nc, err := net.Dial("tcp", followers[1].addr())
	if err != nil {
		t.Fatal(err)
	}
	nc2 := NewClient(nc)
	defer nc2.Close()
	var ko *KOError
	if _, err := nc2.Insert(ctx, "users", map[string]any{}); !errors.As(err, &ko) || ko.Reason != "not leader; leader is "+leader.addr() {
		t.Errorf("NewClient insert on a follower: %v", err)
	}

	waitFor(t, "every member applied everything", func() error {
		st, err := c.Status(ctx)
		if err != nil {
			return err
		}
		if st.State != "leader" || st.Leader != leader.addr() || len(st.Members) != 3 {
			return fmt.Errorf("status %+v", st)
		}
		for _, m := range st.Members {
			if m.Suffrage != "voter" || m.AppliedIndex != st.AppliedIndex || (m.ID == leader.addr()) != (m.State == "leader") || m.State != "leader" && m.State != "follower" {
				return fmt.Errorf("member %+v, leader applied %d", m, st.AppliedIndex)
			}
		}
		return nil
	})

	// A join cannot move a member or evict one by taking its raft
	// address: the member must leave first.
	st, err := c.Status(ctx)
	if err != nil || len(st.Members) != 3 {
		t.Fatalf("status: %+v %v", st, err)
	}
	m0, m1 := st.Members[0], st.Members[1]
	l := dialRaw(t, leader.addr())
	check(t, "move", l.roundTrip(`["join","`+m0.ID+`","127.0.0.1:2"]`),
		`["ko","join: `+m0.ID+` is a member with raft address `+m0.RaftAddress+`, not 127.0.0.1:2: it must leave first"]`)
	check(t, "evict", l.roundTrip(`["join","127.0.0.1:1","`+m1.RaftAddress+`"]`),
		`["ko","join: raft address `+m1.RaftAddress+` is member `+m1.ID+`'s: it must leave first"]`)
	check(t, "port 0", l.roundTrip(`["join","127.0.0.1:0","127.0.0.1:2"]`),
		`["ko","bad request: join: the member id (its store address) \"127.0.0.1:0\": needs a fixed port"]`)
	check(t, "again", l.roundTrip(`["join","`+m0.ID+`","`+m0.RaftAddress+`"]`), `["ok",null]`)
	members := func(st Status) (out []string) {
		for _, m := range st.Members {
			out = append(out, m.ID+" "+m.RaftAddress)
		}
		return out
	}
	if after, err := c.Status(ctx); err != nil || !slices.Equal(members(after), members(st)) {
		t.Errorf("members after the refused joins: %v %v, want %v", members(after), err, members(st))
	}
}

// A join makes a node a voter only once it has caught up: a node that
// cannot be reached, or never hears from the leader over raft, does not
// join, so a cluster of one keeps its quorum of one and goes on writing.
func TestJoinNeedsANodeThatCatchesUp(t *testing.T) {
	leader := startNode(t, "n1", NodeConfig{})
	waitLeader(t, leader)
	n := leader.n
	n.catchUpWait = time.Second // Join runs on this goroutine: no race
	voters := func() (out []string) {
		t.Helper()
		f := n.raft.GetConfiguration()
		if err := f.Error(); err != nil {
			t.Fatal(err)
		}
		for _, s := range f.Configuration().Servers {
			out = append(out, string(s.ID)+" "+s.Suffrage.String())
		}
		return out
	}
	want := []string{leader.addr() + " Voter"}

	// Nothing answers at the id.
	err := n.Join(context.Background(), freeAddr(t), freeAddr(t))
	if !errors.Is(err, ErrNotCaughtUp) || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("join of a node that is not there: %v", err)
	}
	if got := voters(); !slices.Equal(got, want) {
		t.Errorf("members after the failed join: %v, want %v", got, want)
	}

	// A store answers at the id, but no raft at the raft address: it
	// never hears from the leader. Through the server, the reason is
	// the client's to read.
	db, err := Open(filepath.Join(t.TempDir(), "store.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	standalone := &Server{DB: db}
	served := make(chan error, 1)
	go func() { served <- standalone.Serve(l) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		standalone.Shutdown(ctx)
		<-served
	}()
	s := &Server{Node: n, ErrorLog: leader.cfg.Logger}
	got := string(s.respond(nil, []byte(`["join","`+l.Addr().String()+`","`+freeAddr(t)+`"]`)))
	if !strings.HasPrefix(got, `["ko","join: not caught up: `+l.Addr().String()+` did not catch up`) || !strings.Contains(got, "has not heard from this leader") {
		t.Errorf("join of a node raft cannot reach: %s", got)
	}
	if got := voters(); !slices.Equal(got, want) {
		t.Errorf("members after the failed join: %v, want %v", got, want)
	}

	// The quorum is still the leader alone.
	done := make(chan error, 1)
	go func() { done <- n.Create("after", Schema{}) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("a write after the failed joins: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a write after the failed joins did not commit in 10s")
	}
}

// A node that hears from the leader but has not applied the log yet
// stays a nonvoter, and the join fails with ErrNotCaughtUp; joining again
// once it has caught up makes it a voter.
func TestJoinOfANodeStillCatchingUp(t *testing.T) {
	dir2 := t.TempDir()
	release := make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	testHookApply = func(path string) {
		if path == filepath.Join(dir2, "store.db") {
			<-release // n2 applies nothing until released
		}
	}
	t.Cleanup(func() { testHookApply = nil }) // after the nodes stop

	n1 := startNode(t, "n1", NodeConfig{})
	waitLeader(t, n1)
	n := n1.n
	n.catchUpWait = time.Second // Join runs on this goroutine: no race
	if err := n.Create("users", mustSchema(t, peopleSchema)); err != nil {
		t.Fatal(err)
	}
	n2 := startNode(t, "n2", NodeConfig{Dir: dir2, Join: freeAddr(t)}) // joined below, by hand
	t.Cleanup(unblock)                                                 // before the nodes stop
	member := raft.Server{ID: raft.ServerID(n2.addr()), Address: raft.ServerAddress(n2.n.RaftAddr())}

	err := n.Join(context.Background(), n2.addr(), n2.n.RaftAddr())
	if !errors.Is(err, ErrNotCaughtUp) || !strings.Contains(err.Error(), "still catching up") {
		t.Fatalf("join of a node that cannot apply: %v", err)
	}
	member.Suffrage = raft.Nonvoter
	if !n.hasServer(member) {
		t.Fatalf("after the join that timed out, the configuration is %+v, want %s a nonvoter",
			n.raft.GetConfiguration().Configuration().Servers, member.ID)
	}

	unblock()
	if err := n.Join(context.Background(), n2.addr(), n2.n.RaftAddr()); err != nil {
		t.Fatalf("joining again once it can apply: %v", err)
	}
	member.Suffrage = raft.Voter
	if !n.hasServer(member) {
		t.Errorf("after the second join, the configuration is %+v, want %s a voter",
			n.raft.GetConfiguration().Configuration().Servers, member.ID)
	}
	waitDocs(t, n2, "users", 0)
}

// A request raft did not take in time (its queue was full) was not
// applied: the client is told so and may send it again, rather than
// hearing of an internal error.
func TestRaftQueueTimeoutIsBusy(t *testing.T) {
	err := (&Node{}).raftErr("insert", fmt.Errorf("apply: %w", raft.ErrEnqueueTimeout))
	if !errors.Is(err, ErrBusy) || !forClient(err) {
		t.Fatalf("raft's enqueue timeout: %v (for the client: %v), want ErrBusy", err, forClient(err))
	}
	if got, want := string(appendKO(nil, err)), `["ko","insert: busy: the leader did not take the request in time, and did not apply it; try again"]`; got != want {
		t.Errorf("answer %s, want %s", got, want)
	}
	if forClient(errors.New("store: bolt: disk I/O error")) {
		t.Error("an I/O error is for the client")
	}
}

// A node left a nonvoter (its join gave up, or was cut short) finishes
// its join when it restarts with a join address.
func TestNonvoterFinishesItsJoinOnRestart(t *testing.T) {
	n1 := startNode(t, "n1", NodeConfig{})
	waitLeader(t, n1)
	n2 := startNode(t, "n2", NodeConfig{Join: freeAddr(t)}) // nothing to join there
	nonvoter := raft.Server{Suffrage: raft.Nonvoter, ID: raft.ServerID(n2.addr()), Address: raft.ServerAddress(n2.n.RaftAddr())}
	if err := n1.n.raft.AddNonvoter(nonvoter.ID, nonvoter.Address, 0, time.Second).Error(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "n2 to know itself a nonvoter", func() error {
		if !n2.n.hasServer(nonvoter) {
			return fmt.Errorf("not yet")
		}
		return nil
	})
	n2.stop()
	n2.cfg.Join = n1.addr()
	n2.start()
	voter := nonvoter
	voter.Suffrage = raft.Voter
	waitFor(t, "n2 to become a voter", func() error {
		if !n1.n.hasServer(voter) {
			return fmt.Errorf("configuration %+v", n1.n.raft.GetConfiguration().Configuration().Servers)
		}
		return nil
	})
}

// A member that stops is reported unreachable; the others go on; it
// restarts with its own data and catches up, here from a snapshot; it
// can leave.
func TestClusterMemberStopsAndComesBack(t *testing.T) {
	nodes := startCluster(t, 3, 8)
	leader := waitLeader(t, nodes...)
	var down *testNode
	for _, tn := range nodes {
		if tn != leader {
			down = tn
		}
	}
	ctx := testContext(t)
	c := leader.client(ctx)
	if err := c.Create(ctx, "users", peopleSchema); err != nil {
		t.Fatal(err)
	}
	insertMany(t, ctx, c, "users", 0, 5)
	waitDocs(t, down, "users", 5)
	downLast := down.n.raft.LastIndex()
	down.stop()

	st, err := c.Status(ctx)
	if err != nil || len(st.Members) != 3 {
		t.Fatalf("status: %+v %v", st, err)
	}
	for _, m := range st.Members {
		if (m.ID == down.addr()) != (m.State == "unreachable") {
			t.Errorf("member %+v (%s is down)", m, down.addr())
		}
	}
	// A majority is left: writes go on, beyond the log the leader keeps
	// after a snapshot (8 entries).
	insertMany(t, ctx, c, "users", 5, 40)
	if err := leader.n.raft.Snapshot().Error(); err != nil {
		t.Fatal(err)
	}
	if first, err := leader.n.logs.FirstIndex(); err != nil || first <= downLast+1 {
		t.Fatalf("the leader's log starts at %d (%v): %s, at %d, could catch up from it", first, err, down.name, downLast)
	}

	down.start() // it can only catch up by InstallSnapshot
	waitDocs(t, down, "users", 40)
	if d, err := down.n.Describe("users"); err != nil || d["users"].Count != 40 {
		t.Errorf("describe on %s: %v %v", down.name, d, err)
	}
	// Restarted again, it starts from its store.db, newer than its
	// snapshot, and goes on with the log.
	down.stop()
	insertMany(t, ctx, c, "users", 40, 42)
	down.start()
	waitDocs(t, down, "users", 42)

	if err := c.Leave(ctx, down.addr()); err != nil {
		t.Fatal(err)
	}
	if err := c.Leave(ctx, down.addr()); err == nil || !strings.Contains(err.Error(), "no member") {
		t.Errorf("leaving twice: %v", err)
	}
	st, err = c.Status(ctx)
	if err != nil || len(st.Members) != 2 {
		t.Errorf("after leave: %+v %v", st, err)
	}
}

// When the leader stops, another takes over, with every acknowledged
// write; the old leader comes back as a follower and catches up.
func TestClusterFailover(t *testing.T) {
	nodes := startCluster(t, 3, 0)
	old := waitLeader(t, nodes...)
	ctx := testContext(t)
	c := old.client(ctx)
	if err := c.Create(ctx, "users", peopleSchema); err != nil {
		t.Fatal(err)
	}
	ids := insertMany(t, ctx, c, "users", 0, 20)
	c.Close()
	old.stop()

	var rest []*testNode
	for _, tn := range nodes {
		if tn != old {
			rest = append(rest, tn)
		}
	}
	start := time.Now()
	leader := waitLeader(t, rest...)
	t.Logf("%s took over in %v", leader.name, time.Since(start))
	c = rest[0].client(ctx) // a follower, or the leader: either way the write lands
	ids = append(ids, insertMany(t, ctx, c, "users", 20, 25)...)
	docs, err := c.SearchLinearizable(ctx, "users", nil, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range docs {
		got = append(got, d["_id"].(string))
	}
	slices.Sort(got)
	slices.Sort(ids)
	if !slices.Equal(got, ids) {
		t.Errorf("the new leader has %d documents, want the %d acknowledged", len(got), len(ids))
	}

	old.start()
	waitDocs(t, old, "users", 25)
	if l := old.n.Leader(); l != leader.addr() {
		t.Errorf("the old leader follows %q, want %s", l, leader.addr())
	}
}

// A directory from before replication is adopted as a cluster's first
// snapshot: its node serves the documents, and a node that joins
// receives them.
func TestMigrationOfAnOldDirectory(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(filepath.Join(dir, "store.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Create("users", mustSchema(t, peopleSchema)); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := db.Insert("users", map[string]any{"email": fmt.Sprint(i), "age": i}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	if _, err := OpenNode(NodeConfig{Dir: dir, Addr: "127.0.0.1:8000", RaftAddr: freeAddr(t), Join: "127.0.0.1:8001", Logger: newTestLog(t, "refused")}); !errors.Is(err, ErrNodeConfig) || !strings.Contains(err.Error(), "adopt") {
		t.Errorf("joining with an old directory: %v", err)
	}

	n1 := startNode(t, "n1", NodeConfig{Dir: dir})
	waitLeader(t, n1)
	ctx := testContext(t)
	c := n1.client(ctx)
	if _, err := c.Insert(ctx, "users", map[string]any{"email": "new", "age": 5}); err != nil {
		t.Fatal(err)
	}
	n2 := startNode(t, "n2", NodeConfig{Join: n1.addr()})
	waitDocs(t, n2, "users", 6)
	if docs, err := n2.n.Search("users", mustQuery(t, `{"age":{"$lt":2}}`), 0, 0); err != nil || len(docs) != 2 {
		t.Errorf("the index on the new node: %v %v", docs, err)
	}
}

// TestClientStaleHint: a follower's hint can name a leader that has just
// died. The call fails, but the error still holds the *KOError (nothing
// was written; this connection is fine) and the Client keeps working.
func TestClientStaleHint(t *testing.T) {
	dead := freeAddr(t) // nothing listens there
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		nc, err := l.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		fr := framing.NewReader(nc, framing.BE16)
		fw := framing.NewWriter(nc, framing.BE16)
		for {
			p, err := fr.ReadFrame()
			if err != nil {
				return
			}
			answer := AppendKO(nil, "not leader; leader is "+dead)
			if bytes.HasPrefix(p, []byte(`["describe"`)) {
				answer = AppendOK(nil, map[string]Description{})
			}
			if fw.WriteFrame(answer) != nil {
				return
			}
		}
	}()
	ctx := testContext(t)
	c, err := Dial(ctx, l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Insert(ctx, "users", map[string]any{"name": "a"})
	var ko *KOError
	if !errors.As(err, &ko) || ko.Reason != "not leader; leader is "+dead {
		t.Fatalf("insert through a stale hint: %v, want the not-leader KOError in the chain", err)
	}
	if !strings.Contains(err.Error(), "connecting to it") {
		t.Errorf("error %q does not say the hint could not be followed", err)
	}
	if _, err := c.Describe(ctx, ""); err != nil {
		t.Fatalf("the Client is broken after a stale hint: %v", err)
	}
}

// TestREPLStatusAndLeave: the REPL's status lists the members, leave
// removes one (through a follower: the client follows the hint), and
// status then lists the two that are left.
func TestREPLStatusAndLeave(t *testing.T) {
	nodes := startCluster(t, 3, 0)
	ctx := testContext(t)
	var follower, gone *testNode
	for _, tn := range nodes {
		if tn.n.raft.State() != raft.Leader {
			if follower == nil {
				follower = tn
			} else {
				gone = tn
			}
		}
	}
	c := follower.client(ctx)
	in := "status\nleave " + gone.addr() + "\nleave\nstatus\n"
	var out strings.Builder
	if err := NewREPL(c).Run(ctx, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	sessions := strings.Split(got, "db > ")
	if len(sessions) < 5 {
		t.Fatalf("REPL output:\n%s", got)
	}
	before, left, usage, after := sessions[1], sessions[2], sessions[3], sessions[4]
	for _, tn := range nodes {
		if !strings.Contains(before, "- "+tn.addr()+" (raft ") {
			t.Errorf("status before leave does not list %s:\n%s", tn.addr(), before)
		}
	}
	if left != "Member "+gone.addr()+" left.\n" {
		t.Errorf("leave: %q", left)
	}
	if !strings.Contains(usage, "leave <id>") {
		t.Errorf("leave without an id: %q", usage)
	}
	if strings.Contains(after, "- "+gone.addr()+" (raft ") || strings.Count(after, "\n- ") != 2 {
		t.Errorf("status after leave still lists %s, or not two members:\n%s", gone.addr(), after)
	}
}
