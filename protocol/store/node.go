package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	bolt "go.etcd.io/bbolt"
)

// Errors of a replicated store that a server answers with their text.
var (
	// ErrUnknownOutcome is a write whose leader lost its leadership
	// before the write committed: a new leader may still commit it, or
	// not. Check before retrying.
	ErrUnknownOutcome = errors.New("leadership lost while the write was in flight: it may or may not have been applied")

	// ErrNodeFailed is wrapped by the errors of a node whose DB could not
	// apply the log (an I/O error): it serves nothing more, and must be
	// restarted.
	ErrNodeFailed = errors.New("node failed")

	// ErrBusy is wrapped by the error of a write, read or change of
	// members that the leader did not take in time (raft's queue was
	// full): it was not applied, and can be sent again.
	ErrBusy = errors.New("busy: the leader did not take the request in time, and did not apply it; try again")

	// ErrNotCaughtUp is wrapped by the error of a join whose node did not
	// catch up with the leader in time: it could not be reached, or is
	// still receiving the log (then joining again finishes the join).
	ErrNotCaughtUp = errors.New("not caught up")

	// ErrNodeClosed is returned by a Node after Close.
	ErrNodeClosed = errors.New("store: node closed")

	// ErrNodeConfig is wrapped by OpenNode's errors about its NodeConfig.
	ErrNodeConfig = errors.New("store: node configuration")
)

// NotLeaderError is a write, linearizable read, join or leave sent to a
// node that is not the leader. Its text is the server's ko reason, which
// the Client follows:
//
//	not leader; leader is HOST:PORT
//	not leader; no leader elected yet
type NotLeaderError struct {
	Leader string // the leader's store address; "" when none is known
}

const notLeaderPrefix = "not leader; leader is "

func (e *NotLeaderError) Error() string {
	if e.Leader == "" {
		return "not leader; no leader elected yet"
	}
	return notLeaderPrefix + e.Leader
}

// Timeouts of a Node.
const (
	applyTimeout  = 10 * time.Second // for raft to take a write, or a change of members
	memberTimeout = time.Second      // for a member to answer Status
	joinFor       = time.Minute      // of retrying to join
	catchUpFor    = 15 * time.Second // for a joining node to catch up: with the rest of Join, within a join call's 30s
)

// testHookRaftConfig, set by tests, adjusts every node's raft
// configuration.
var testHookRaftConfig func(*raft.Config)

// NodeConfig configures OpenNode.
type NodeConfig struct {
	// Dir is the data directory: store.db (the DB, the format of Open's
	// file, plus the index of the last log entry applied), and raft/
	// (log.db, the log; snapshots/; node-id).
	Dir string

	// Addr is the store address clients use (host:port). It is also
	// the node's id in the cluster, so the "not leader" hint is the
	// leader's Addr; a Dir keeps the Addr it was first opened with.
	Addr string

	// RaftAddr is the address of the raft transport; "" means Addr's
	// host and Addr's port + 10000.
	RaftAddr string

	// Join is the store address of a member of the cluster to join; ""
	// starts a new one-member cluster the first time Dir is used.
	Join string

	// SnapshotThreshold is the number of log entries after which a
	// snapshot is taken (checked every second), keeping as many entries
	// of log behind it; zero means raft's defaults (8192 entries,
	// checked every 2 minutes, 10240 kept).
	SnapshotThreshold uint64

	// Logger receives the node's messages (joins, failures, raft's
	// warnings); nil means the log package's standard logger.
	Logger *log.Logger
}

// Node is a member of a replicated store: a DB that changes only by the
// writes of a raft log (github.com/hashicorp/raft), which the leader
// takes and a majority of members stores before they are applied. Serve
// it with a Server, as a DB.
//
//	n, err := store.OpenNode(store.NodeConfig{Dir: "db1", Addr: "127.0.0.1:8000"})
//	go (&store.Server{Node: n}).ListenAndServe("127.0.0.1:8000")
//
//	n2, err := store.OpenNode(store.NodeConfig{Dir: "db2", Addr: "127.0.0.1:8001", Join: "127.0.0.1:8000"})
//	go (&store.Server{Node: n2}).ListenAndServe("127.0.0.1:8001")
//
// Writes (Create, Destroy, Insert, Update, Delete) succeed on the leader
// only, once a majority has the write in its log and the leader has
// applied it to its DB; elsewhere they fail with a *NotLeaderError.
// Reads (Describe, Search) read the local DB, which may be behind the
// leader's on a follower; Barrier first makes a read on the leader
// linearizable.
type Node struct {
	id, raftAddr string
	logger       *log.Logger
	fsm          *fsm
	raft         *raft.Raft
	logs         *raftboltdb.BoltStore
	leaderWait   time.Duration // for a leader to be elected, before "no leader elected yet"
	catchUpWait  time.Duration // for a joining node to catch up, before Join gives up

	joinMu   sync.Mutex // one Join at a time: a retry waits for the join it retries
	stopJoin context.CancelFunc
	joining  sync.WaitGroup

	stopOnce sync.Once // raft's shutdown, which closes the transport
	stopErr  error
	close    sync.Once
	closeErr error
}

// raftAddr checks cfg and returns the raft address to bind.
func (cfg *NodeConfig) raftAddr() (string, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrNodeConfig, fmt.Sprintf(format, args...))
	}
	if cfg.Dir == "" {
		return "", bad("no data directory")
	}
	host, port, err := splitAddr(cfg.Addr)
	if err != nil {
		return "", bad("address %q: %v", cfg.Addr, err)
	}
	if port == 0 {
		return "", bad("address %q: the node's address is its id in the cluster and needs a fixed port", cfg.Addr)
	}
	if cfg.Join == cfg.Addr {
		return "", bad("a node cannot join itself (%s)", cfg.Join)
	}
	if cfg.Join != "" {
		if _, _, err := splitAddr(cfg.Join); err != nil {
			return "", bad("join address %q: %v", cfg.Join, err)
		}
	}
	if cfg.RaftAddr != "" {
		if _, _, err := splitAddr(cfg.RaftAddr); err != nil {
			return "", bad("raft address %q: %v", cfg.RaftAddr, err)
		}
		return cfg.RaftAddr, nil
	}
	if port+10000 > 65535 {
		return "", bad("cannot derive the raft address from %s (port %d + 10000 is over 65535): give one (wirectl: --raft ADDR)", cfg.Addr, port)
	}
	return net.JoinHostPort(host, strconv.Itoa(port+10000)), nil
}

func splitAddr(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return "", 0, fmt.Errorf("port %q is not a number from 0 to 65535", p)
	}
	return host, int(port), nil
}

// OpenNode opens the node whose data is in cfg.Dir, creating it if
// needed, and starts it:
//
//   - A Dir with raft state restarts as the member it was, and catches
//     up from the leader's log or a snapshot.
//   - A new Dir, without Join, starts a one-member cluster (a single
//     node that works alone as a DB does); with Join, it asks to join
//     that member's cluster, in the background, for up to a minute, and
//     receives everything from the leader.
//   - A Dir holding a store.db with collections but no raft state (a
//     store from before replication, which Open and Server served) is
//     adopted: it starts a one-member cluster with those documents, its
//     first snapshot. It cannot be used to join a cluster.
//
// Until the node has joined, or a leader is elected, writes fail with
// "no leader elected yet".
func OpenNode(cfg NodeConfig) (n *Node, err error) {
	raftAddr, err := cfg.raftAddr()
	if err != nil {
		return nil, err
	}
	n = &Node{id: cfg.Addr, logger: cfg.Logger}
	if n.logger == nil {
		n.logger = log.Default()
	}
	var closers []func() error
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				closers[i]()
			}
		}
	}()

	raftDir := filepath.Join(cfg.Dir, "raft")
	if err := os.MkdirAll(raftDir, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	storePath := filepath.Join(cfg.Dir, "store.db")
	os.Remove(storePath + ".restore") // left by a Restore cut short
	if n.fsm, err = openFSM(storePath, n.failed); err != nil {
		return nil, err
	}
	closers = append(closers, n.fsm.close)
	logs, err := raftboltdb.New(raftboltdb.Options{
		Path:        filepath.Join(raftDir, "log.db"),
		BoltOptions: &bolt.Options{Timeout: time.Second}, // another process has it: fail, as Open does
	})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", filepath.Join(raftDir, "log.db"), err)
	}
	closers = append(closers, logs.Close)
	hlog := hclog.New(&hclog.LoggerOptions{Name: "raft", Level: hclog.Warn, Output: n.logger.Writer()})
	snaps, err := raft.NewFileSnapshotStoreWithLogger(raftDir, 2, hlog)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// A host such as "" or 0.0.0.0 binds every interface, but cannot be
	// given to other nodes: such a node advertises the loopback
	// interface, enough for a cluster of one.
	var advertise net.Addr
	if host, port, _ := splitAddr(raftAddr); host == "" || net.ParseIP(host).IsUnspecified() {
		advertise = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	}
	trans, err := raft.NewTCPTransportWithLogger(raftAddr, advertise, 3, 10*time.Second, hlog)
	if err != nil {
		return nil, fmt.Errorf("store: raft transport on %s: %w", raftAddr, err)
	}
	closers = append(closers, trans.Close)
	n.raftAddr = string(trans.LocalAddr())

	conf := raft.DefaultConfig()
	conf.LocalID = raft.ServerID(n.id)
	conf.Logger = hlog
	conf.BatchApplyCh = true
	// A leader steps down when a majority has not answered for this
	// long. raft's default, half the heartbeat timeout, has leaders of
	// busy machines step down for nothing; reads do not rely on it.
	conf.LeaderLeaseTimeout = conf.HeartbeatTimeout
	if t := cfg.SnapshotThreshold; t > 0 {
		conf.SnapshotThreshold, conf.TrailingLogs, conf.SnapshotInterval = t, t, time.Second
	}
	if testHookRaftConfig != nil {
		testHookRaftConfig(conf)
	}
	n.leaderWait = 5 * conf.ElectionTimeout // a few elections: 5s by default
	n.catchUpWait = catchUpFor
	self := raft.Server{Suffrage: raft.Voter, ID: conf.LocalID, Address: trans.LocalAddr()}
	hasState, err := raft.HasExistingState(logs, logs, snaps)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := claimDir(raftDir, cfg.Addr, hasState); err != nil {
		return nil, err
	}
	if !hasState {
		if err := n.fsm.setApplied(0); err != nil { // it belonged to no log we have
			return nil, err
		}
		switch {
		case len(n.fsm.db.schemas) > 0 && cfg.Join != "":
			return nil, fmt.Errorf("%w: %s holds collections but no raft state: start it once without a join address to adopt them as a new cluster, or join with an empty directory", ErrNodeConfig, cfg.Dir)
		case len(n.fsm.db.schemas) > 0:
			if err := adopt(n.fsm, snaps, trans, raft.Configuration{Servers: []raft.Server{self}}); err != nil {
				return nil, err
			}
			n.logger.Printf("store: adopted %s as the first snapshot of a new cluster", storePath)
		case cfg.Join == "":
			if err := raft.BootstrapCluster(conf, logs, logs, snaps, trans, raft.Configuration{Servers: []raft.Server{self}}); err != nil {
				return nil, fmt.Errorf("store: %w", err)
			}
		}
	}
	// raft restores the newest snapshot when it starts; store.db is
	// newer already, unless it was lost or a Restore was cut short.
	if list, err := snaps.List(); err == nil && len(list) > 0 {
		conf.NoSnapshotRestoreOnStart = n.fsm.applied.Load() >= list[0].Index
	}
	if n.raft, err = raft.NewRaft(conf, n.fsm, logs, logs, snaps, trans); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	n.logs = logs
	if cfg.Join != "" && !n.member(self) {
		ctx, cancel := context.WithCancel(context.Background())
		n.stopJoin = cancel
		n.joining.Go(func() { n.join(ctx, cfg.Join) })
	}
	return n, nil
}

// claimDir records addr as the id of the node whose raft state is in
// dir, or, once there is state, checks that it is.
func claimDir(dir, addr string, hasState bool) error {
	path := filepath.Join(dir, "node-id")
	id, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("store: %w", err)
	}
	was := strings.TrimSpace(string(id))
	switch {
	case was == addr:
		return nil
	case was != "" && hasState:
		return fmt.Errorf("%w: %s belongs to the node %s (its address, and id in its cluster), not %s: start it with that address", ErrNodeConfig, filepath.Dir(dir), was, addr)
	}
	if err := writeSynced(path, strings.NewReader(addr+"\n")); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return syncDir(dir)
}

// adopt makes the DB, a store from before replication, the first
// snapshot of a new cluster: index 1, term 1, holding the configuration,
// as raft.RecoverCluster makes its snapshot. A member that joins later
// receives the documents by InstallSnapshot (the log starts after them).
func adopt(f *fsm, snaps raft.SnapshotStore, trans raft.Transport, conf raft.Configuration) error {
	if err := f.setApplied(1); err != nil {
		return err
	}
	snap, err := f.Snapshot()
	if err != nil {
		return err
	}
	defer snap.Release()
	sink, err := snaps.Create(raft.SnapshotVersionMax, 1, 1, conf, 1, trans)
	if err != nil {
		return fmt.Errorf("store: adopting %s: %w", f.path, err)
	}
	if err := snap.Persist(sink); err != nil {
		return fmt.Errorf("store: adopting %s: %w", f.path, err)
	}
	return nil
}

// failed is told by the FSM that the DB no longer follows the log.
func (n *Node) failed(err error) {
	n.logger.Printf("store: %v; stopping raft: restart the node", err)
	go n.stopRaft()
}

// stopRaft shuts raft down and waits for it, once.
func (n *Node) stopRaft() error {
	n.stopOnce.Do(func() { n.stopErr = n.raft.Shutdown().Error() })
	return n.stopErr
}

// Close stops the node: it stops joining, shuts raft down, and closes
// the log and the DB. Shut the Server serving the node down first.
func (n *Node) Close() error {
	n.close.Do(func() {
		if n.stopJoin != nil {
			n.stopJoin()
		}
		n.joining.Wait()
		n.closeErr = errors.Join(n.stopRaft(), n.logs.Close(), n.fsm.close())
	})
	return n.closeErr
}

// member reports whether s is in the node's configuration as it is: with
// its address, and a voter (a nonvoter has a join to finish).
func (n *Node) member(s raft.Server) bool {
	f := n.raft.GetConfiguration()
	if f.Error() != nil {
		return false
	}
	for _, m := range f.Configuration().Servers {
		if m.ID == s.ID && m.Address == s.Address && m.Suffrage == raft.Voter {
			return true
		}
	}
	return false
}

// join asks the member at addr to add this node to its cluster, through
// the leader, retrying with backoff for up to a minute (the leader may
// be starting too).
func (n *Node) join(ctx context.Context, addr string) {
	deadline := time.Now().Add(joinFor)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		err := func() error {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			c, err := Dial(ctx, addr)
			if err != nil {
				return err
			}
			defer c.Close()
			return c.Join(ctx, n.id, n.raftAddr)
		}()
		switch {
		case err == nil:
			n.logger.Printf("store: %s joined the cluster of %s", n.id, addr)
			return
		case ctx.Err() != nil:
			return
		case time.Now().After(deadline):
			n.logger.Printf("store: %s could not join the cluster of %s: %v", n.id, addr, err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// RaftAddr returns the address of the node's raft transport, as other
// members reach it.
func (n *Node) RaftAddr() string { return n.raftAddr }

// Leader returns the leader's store address, or "" if no leader is
// known.
func (n *Node) Leader() string {
	_, id := n.raft.LeaderWithID()
	return string(id)
}

// leading returns nil if this node is the leader; otherwise a
// *NotLeaderError, after waiting a few election timeouts for a leader
// when none is known (the cluster is starting, or electing a new one).
func (n *Node) leading() error {
	if err := n.fsm.failure(); err != nil {
		return err
	}
	deadline := time.Now().Add(n.leaderWait)
	for {
		switch n.raft.State() {
		case raft.Leader:
			return nil
		case raft.Shutdown:
			return ErrNodeClosed
		}
		if leader := n.Leader(); leader != "" && leader != n.id {
			return &NotLeaderError{Leader: leader}
		}
		if time.Now().After(deadline) {
			return &NotLeaderError{}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// raftErr is the error for raft's err about op.
func (n *Node) raftErr(op string, err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader):
		if leader := n.Leader(); leader != n.id {
			return &NotLeaderError{Leader: leader}
		}
		return &NotLeaderError{}
	case errors.Is(err, raft.ErrLeadershipLost):
		return fmt.Errorf("store: %s: %w", op, ErrUnknownOutcome)
	case errors.Is(err, raft.ErrEnqueueTimeout):
		return fmt.Errorf("store: %s: %w", op, ErrBusy)
	case errors.Is(err, raft.ErrRaftShutdown):
		if err := n.fsm.failure(); err != nil {
			return err
		}
		return ErrNodeClosed
	}
	return fmt.Errorf("store: %s: raft: %w", op, err)
}

// apply has the leader commit c and apply it; it returns c's result.
func (n *Node) apply(c *command) (any, error) {
	if err := commandUTF8(c); err != nil {
		return nil, fmt.Errorf("store: %s %q: %w", c.Op, c.Col, err)
	}
	data, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("store: %s %q: %w", c.Op, c.Col, badRequest("cannot encode: %v", err))
	}
	if err := n.leading(); err != nil {
		return nil, err
	}
	f := n.raft.Apply(data, applyTimeout)
	if err := f.Error(); err != nil {
		return nil, n.raftErr(c.Op, err)
	}
	r, ok := f.Response().(result)
	if !ok {
		return nil, fmt.Errorf("store: %s: raft answered %T", c.Op, f.Response())
	}
	return r.value, r.err
}

// Create makes collection col with schema s, as DB.Create does, through
// the leader.
func (n *Node) Create(col string, s Schema) error {
	if _, err := checkCreate(col, s); err != nil {
		return err
	}
	_, err := n.apply(&command{Op: "create", Col: col, Schema: s.Wire()})
	return err
}

// Destroy removes collection col, as DB.Destroy does, through the leader.
func (n *Node) Destroy(col string) error {
	_, err := n.apply(&command{Op: "destroy", Col: col})
	return err
}

// Insert adds doc to col, as DB.Insert does, through the leader, which
// picks its _id.
func (n *Node) Insert(col string, doc map[string]any) (string, error) {
	v, err := n.apply(&command{Op: "insert", Col: col, Doc: doc, ID: uuid.Must(uuid.NewV7()).String()})
	id, _ := v.(string)
	return id, err
}

// Update changes the documents of col that match q, as DB.Update does,
// through the leader.
func (n *Node) Update(col string, q Query, changes map[string]any) (int, error) {
	v, err := n.apply(&command{Op: "update", Col: col, Query: q.Conds, Changes: changes})
	count, _ := v.(int)
	return count, err
}

// Delete removes the documents of col that match q, as DB.Delete does,
// through the leader.
func (n *Node) Delete(col string, q Query) (int, error) {
	v, err := n.apply(&command{Op: "delete", Col: col, Query: q.Conds})
	count, _ := v.(int)
	return count, err
}

// Describe is DB.Describe on this node's DB, which may be behind the
// leader's.
func (n *Node) Describe(col string) (out map[string]Description, err error) {
	err = n.fsm.read(func(db *DB) error {
		out, err = db.Describe(col)
		return err
	})
	return out, err
}

// Search is DB.Search on this node's DB, which may be behind the
// leader's: call Barrier first for a linearizable read.
func (n *Node) Search(col string, q Query, limit, skip int) (out []map[string]any, err error) {
	err = n.fsm.read(func(db *DB) error {
		out, err = db.Search(col, q, limit, skip)
		return err
	})
	return out, err
}

// Barrier returns once this node, the leader, has applied every write
// committed before the call: a read that follows sees every write
// acknowledged before Barrier was called (a linearizable read). It
// appends an entry to the log, which a majority must store. On another
// node it fails with a *NotLeaderError.
func (n *Node) Barrier() error {
	if err := n.leading(); err != nil {
		return err
	}
	if err := n.raft.Barrier(applyTimeout).Error(); err != nil {
		if errors.Is(err, raft.ErrLeadershipLost) {
			err = raft.ErrNotLeader // nothing was written: a retry is safe
		}
		return n.raftErr("barrier", err)
	}
	return nil
}

// commandUTF8 refuses field names and string values that are not valid
// UTF-8, as DB does: json.Marshal, which writes commands to the log,
// would replace their bad bytes with U+FFFD, and every member would store
// a value the caller never gave.
func commandUTF8(c *command) error {
	check := func(field string, v any) error {
		if !utf8.ValidString(field) {
			return badRequest("field name %q is not valid UTF-8", field)
		}
		if s, ok := v.(string); ok && !utf8.ValidString(s) {
			return fieldErr(field, "the string is not valid UTF-8")
		}
		return nil
	}
	for f, v := range c.Doc {
		if err := check(f, v); err != nil {
			return err
		}
	}
	for f, v := range c.Changes {
		if err := check(f, v); err != nil {
			return err
		}
	}
	for _, q := range c.Query {
		if err := check(q.Field, q.Value); err != nil {
			return err
		}
	}
	return nil
}

// Join adds the node with id (its store address) and raftAddr to the
// cluster as a voter. It is done on the leader; joining again with the
// same id and address does nothing. It refuses to change a member: an id
// that is a member with another raft address, or a raft address that is
// another member's, is a bad request (the member leaves first), so that
// a join cannot move or evict a working member.
//
// The node joins as a nonvoter and becomes a voter only once it has
// caught up: it answers at id, knows this node as its leader (so raft
// reaches it at raftAddr) and has applied what this node had applied when
// the join began. A voter that cannot be reached would count toward the
// quorum at once: joined to a cluster of one, it would stop every write.
// A node that never hears from the leader within catchUpWait is removed
// again; one still catching up stays a nonvoter, and joining again (the
// joining node retries, and a nonvoter that restarts with a join address
// joins again) waits on. Joins are done one at a time.
func (n *Node) Join(ctx context.Context, id, raftAddr string) error {
	if err := n.leading(); err != nil {
		return err
	}
	n.joinMu.Lock()
	defer n.joinMu.Unlock()
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return n.raftErr("join", err)
	}
	nonvoter := false
	for _, s := range f.Configuration().Servers {
		sameID, sameAddr := s.ID == raft.ServerID(id), s.Address == raft.ServerAddress(raftAddr)
		switch {
		case sameID && sameAddr && s.Suffrage == raft.Voter:
			return nil
		case sameID && sameAddr:
			nonvoter = true // an earlier join that has not finished
		case sameID:
			return fmt.Errorf("store: join: %w", badRequest("%s is a member with raft address %s, not %s: it must leave first", id, s.Address, raftAddr))
		case sameAddr:
			return fmt.Errorf("store: join: %w", badRequest("raft address %s is member %s's: it must leave first", raftAddr, s.ID))
		}
	}
	target := n.fsm.applied.Load()
	if !nonvoter {
		if err := n.raft.AddNonvoter(raft.ServerID(id), raft.ServerAddress(raftAddr), 0, applyTimeout).Error(); err != nil {
			return n.raftErr("join", err)
		}
	}
	if err := n.caughtUp(ctx, id, target); err != nil {
		return err
	}
	// A leave while it caught up must not be undone.
	if !n.hasServer(raft.Server{Suffrage: raft.Nonvoter, ID: raft.ServerID(id), Address: raft.ServerAddress(raftAddr)}) {
		return fmt.Errorf("store: join: %w", badRequest("%s left while it caught up", id))
	}
	if err := n.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(raftAddr), 0, applyTimeout).Error(); err != nil {
		return n.raftErr("join", err)
	}
	n.logger.Printf("store: %s (raft %s) joined", id, raftAddr)
	return nil
}

// hasServer reports whether s, suffrage included, is in the configuration.
func (n *Node) hasServer(s raft.Server) bool {
	f := n.raft.GetConfiguration()
	return f.Error() == nil && slices.Contains(f.Configuration().Servers, s)
}

// caughtUp waits up to catchUpWait, or until ctx ends, for the nonvoter
// id to know this node as its leader and to have applied the log up to
// target. A node that never hears from this one is removed from the
// configuration again.
func (n *Node) caughtUp(ctx context.Context, id string, target uint64) error {
	deadline := time.Now().Add(n.catchUpWait)
	var last error
	heard := false
poll:
	for wait := 20 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		if n.raft.State() != raft.Leader {
			// The new leader has the nonvoter; the joining node's retry
			// finishes the join there.
			return n.raftErr("join", raft.ErrNotLeader)
		}
		st, err := memberStatus(ctx, id)
		switch {
		case err != nil:
			last = fmt.Errorf("it does not answer at %s: %w", id, err)
		case st.Leader != n.id:
			last = fmt.Errorf("it has not heard from this leader over raft (its leader: %q)", st.Leader)
		case st.AppliedIndex < target:
			heard = true
			last = fmt.Errorf("it has applied the log up to %d of %d", st.AppliedIndex, target)
		default:
			return nil
		}
		if time.Now().Add(wait).After(deadline) {
			break
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			last = fmt.Errorf("the join was interrupted: %w", ctx.Err())
			break poll
		}
	}
	if heard {
		return fmt.Errorf("store: join: %w: %s is a nonvoter, still catching up (%v); join again to finish", ErrNotCaughtUp, id, last)
	}
	if err := n.raft.RemoveServer(raft.ServerID(id), 0, applyTimeout).Error(); err != nil {
		n.logger.Printf("store: removing %s, which did not catch up: %v", id, err)
	}
	return fmt.Errorf("store: join: %w: %s did not catch up, and is no member: %v", ErrNotCaughtUp, id, last)
}

// Leave removes the member id from the cluster. It is done on the
// leader; a node that leaves stops its raft (it still serves stale
// reads).
func (n *Node) Leave(id string) error {
	if err := n.leading(); err != nil {
		return err
	}
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return n.raftErr("leave", err)
	}
	found := false
	for _, s := range f.Configuration().Servers {
		found = found || s.ID == raft.ServerID(id)
	}
	if !found {
		return fmt.Errorf("store: leave: %w", badRequest("no member %q", id))
	}
	if err := n.raft.RemoveServer(raft.ServerID(id), 0, applyTimeout).Error(); err != nil {
		return n.raftErr("leave", err)
	}
	n.logger.Printf("store: %s left", id)
	return nil
}

// Status is a node's view of the replication, as ["status"] answers it.
type Status struct {
	ID           string   `json:"id"`    // the node's store address
	State        string   `json:"state"` // leader, follower, candidate, shutdown; standalone for a server without a Node
	Leader       string   `json:"leader"`
	Term         uint64   `json:"term"`
	AppliedIndex uint64   `json:"applied_index"` // the last log entry applied to the DB
	CommitIndex  uint64   `json:"commit_index"`  // the last log entry known committed
	Members      []Member `json:"members,omitzero"`
}

// Member is one member of the cluster, as its node reports itself.
type Member struct {
	ID           string `json:"id"`
	RaftAddress  string `json:"raft_address"`
	Suffrage     string `json:"suffrage"` // voter, nonvoter, staging
	State        string `json:"state"`    // as in Status, or unreachable, or failed
	AppliedIndex uint64 `json:"applied_index"`
	Error        string `json:"error,omitempty"` // why it is unreachable or failed
}

// LocalStatus returns the node's status without its Members.
func (n *Node) LocalStatus() (Status, error) {
	if err := n.fsm.failure(); err != nil {
		return Status{}, err
	}
	return Status{
		ID:           n.id,
		State:        strings.ToLower(n.raft.State().String()),
		Leader:       n.Leader(),
		Term:         n.raft.CurrentTerm(),
		AppliedIndex: n.fsm.applied.Load(),
		CommitIndex:  n.raft.CommitIndex(),
	}, nil
}

// Status returns the node's status with the members of the cluster as
// the node knows them, each asked for its own (["status","local"]), all
// at once, for a second at most: one that does not answer is
// unreachable.
func (n *Node) Status(ctx context.Context) (Status, error) {
	st, err := n.LocalStatus()
	if err != nil {
		return st, err
	}
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return st, n.raftErr("status", err)
	}
	servers := f.Configuration().Servers
	st.Members = make([]Member, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		m := &st.Members[i]
		m.ID, m.RaftAddress, m.Suffrage = string(s.ID), string(s.Address), strings.ToLower(s.Suffrage.String())
		if m.ID == n.id {
			m.State, m.AppliedIndex = st.State, st.AppliedIndex
			continue
		}
		wg.Go(func() {
			ms, err := memberStatus(ctx, m.ID)
			var ko *KOError
			switch {
			case errors.As(err, &ko):
				m.State, m.Error = "failed", ko.Reason
			case err != nil:
				m.State, m.Error = "unreachable", err.Error()
			default:
				m.State, m.AppliedIndex = ms.State, ms.AppliedIndex
			}
		})
	}
	wg.Wait()
	return st, nil
}

func memberStatus(ctx context.Context, addr string) (Status, error) {
	ctx, cancel := context.WithTimeout(ctx, memberTimeout)
	defer cancel()
	c, err := Dial(ctx, addr)
	if err != nil {
		return Status{}, err
	}
	defer c.Close()
	raw, err := c.call(ctx, "status", "local")
	if err != nil {
		return Status{}, err
	}
	var st Status
	err = decodeResult("status", raw, &st)
	return st, err
}
