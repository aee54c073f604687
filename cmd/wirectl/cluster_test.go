//go:build unix

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wirekit/wirekit/framing"
	"github.com/wirekit/wirekit/protocol/store"
)

// TestCluster runs the replicated store as processes: wirectl is built
// once, each node is `wirectl serve store` on 127.0.0.1 ports reserved
// for it, nodes die by SIGKILL and pause by SIGSTOP. Every wait is
// bounded and says what it waited for; a failing test prints every
// node's output.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("builds wirectl and runs clusters of processes")
	}
	bin := buildWirectl(t)
	t.Run("ThreeNodes", func(t *testing.T) { testThreeNodes(t, bin) })
	t.Run("CatchUp", func(t *testing.T) { testCatchUp(t, bin) })
	t.Run("LeaderKilledUnderLoad", func(t *testing.T) { testLeaderKilledUnderLoad(t, bin) })
	t.Run("SlowFollower", func(t *testing.T) { testSlowFollower(t, bin) })
	t.Run("Migration", func(t *testing.T) { testMigration(t, bin) })
}

// Scenario (a): writes on the leader reach both followers; a write sent
// to a follower is refused with the leader's address and applied
// nowhere, and the Go client follows the address; bad writes mixed with
// good ones fail alone on every replica; status lists the members.
func testThreeNodes(t *testing.T, bin string) {
	c := newCluster(t, bin)
	n1, n2, n3 := c.startThree()

	c.create("users", usersSchema)
	var ids []string
	for i := range 20 {
		ids = append(ids, c.insert("users", doc(0, i)))
	}
	for _, f := range []*node{n2, n3} {
		c.waitHas(f, "users", ids, 20*time.Second) // follower reads are stale: poll
	}

	// Every write, sent to a follower on the raw protocol, is refused
	// with the hint, and applied nowhere.
	leader := c.waitLeader(n1, n2, n3)
	writes := [][]any{
		{"insert", "users", doc(9, 0)},
		{"create", "other", map[string]string{"k": "str"}},
		{"update", "users", map[string]any{}, map[string]any{"name": "changed"}},
		{"delete", "users", map[string]any{}},
		{"destroy", "users"},
	}
	for _, f := range []*node{n1, n2, n3} {
		if f == leader {
			continue
		}
		for _, w := range writes {
			resp, err := raw(f.addr, 10*time.Second, w[0].(string), w[1:]...)
			if err != nil {
				t.Fatalf("%s to follower %s: %v", w[0], f.name, err)
			}
			if resp.OK || !c.isHint(resp.Reason, f) {
				t.Errorf("%s to follower %s: ok=%v %q %s, want [\"ko\",\"not leader; leader is %s\"]", w[0], f.name, resp.OK, resp.Reason, resp.Result, leader.addr)
			}
		}
	}
	got, err := docs(leader.addr, "users")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Errorf("the leader holds %d documents after the refused writes, want %d", len(got), len(ids))
	}
	for _, d := range got {
		if d["name"] == "changed" {
			t.Errorf("a refused update was applied: %v", d)
			break
		}
	}

	// The Go client follows the hint: dialled to a follower, its writes
	// land on the leader, and a linearizable search there sees them.
	follower := n2
	if leader == n2 {
		follower = n3
	}
	fc := dial(t, follower.addr)
	var id string
	c.retry("insert through the client dialled to follower "+follower.name, func(ctx context.Context) error {
		var err error
		id, err = fc.Insert(ctx, "users", doc(1, 0))
		return err
	})
	c.retry("create through the client dialled to follower "+follower.name, func(ctx context.Context) error {
		err := fc.Create(ctx, "other", map[string]string{"k": "*str"})
		if err != nil && strings.Contains(err.Error(), "collection already exists") {
			return nil // an earlier attempt got through
		}
		return err
	})
	c.retry("a linearizable search through the client dialled to "+follower.name, func(ctx context.Context) error {
		ds, err := fc.SearchLinearizable(ctx, "users", map[string]any{"name": "w1-0"}, 0, 0)
		if err == nil && !slices.ContainsFunc(ds, func(d map[string]any) bool { return d["_id"] == id }) {
			t.Errorf("a linearizable search for the document just written: %v, want _id %s", ds, id)
		}
		return err
	})
	c.waitSameState(n1, n2, n3)

	// Bad writes go through the log, and fail when applied, on every
	// replica: sent at once with good ones, they fall in the middle of
	// the batches the leader and the followers apply, where each must
	// fail alone.
	good := badWritesAmongGood(t, leader.addr)
	for _, n := range []*node{n1, n2, n3} {
		c.waitHas(n, "users", good, 20*time.Second)
	}
	c.waitSameState(c.waitLeader(n1, n2, n3), n1, n2, n3)

	// Status, as the leader and a follower see the cluster.
	leader = c.waitLeader(n1, n2, n3)
	st, err := status(leader.addr)
	if err != nil {
		t.Fatal(err)
	}
	if st.ID != leader.addr || st.State != "leader" || st.Leader != leader.addr || st.Term == 0 || st.CommitIndex == 0 || st.AppliedIndex == 0 {
		t.Errorf("the leader's status: %+v", st)
	}
	for _, n := range []*node{n1, n2, n3} {
		m, ok := st.member(n.addr)
		wantState := map[bool]string{true: "leader", false: "follower"}[n == leader]
		if !ok || m.RaftAddress != n.raft || m.Suffrage != "voter" || m.State != wantState || m.AppliedIndex == 0 {
			t.Errorf("the leader's status of %s: %+v (present: %v), want raft_address %s, suffrage voter, state %s", n.name, m, ok, n.raft, wantState)
		}
	}
	if len(st.Members) != 3 {
		t.Errorf("the leader's status lists %d members, want 3: %+v", len(st.Members), st.Members)
	}
	fst, err := status(follower.addr)
	if err != nil {
		t.Fatal(err)
	}
	if fst.ID != follower.addr || fst.State != "follower" || fst.Leader != leader.addr || len(fst.Members) != 3 {
		t.Errorf("follower %s's status: %+v", follower.name, fst)
	}
}

// Scenario (b): a follower killed while the others write catches up when
// it restarts on its data, from the log; a node added late (after the
// leader has taken a snapshot and compacted its log) is sent the snapshot
// and holds the whole state.
func testCatchUp(t *testing.T, bin string) {
	c := newCluster(t, bin)
	// Whichever becomes the leader snapshots every 64 entries and keeps
	// 64 behind the snapshot.
	small := []string{"--snapshot-threshold", "64"}
	n1, n2, n3 := c.startThree(small...)

	c.create("users", usersSchema)
	var ids []string
	insert := func(w, n int) {
		t.Helper()
		for i := range n {
			ids = append(ids, c.insert("users", doc(w, i)))
		}
	}
	insert(0, 10)
	c.waitHas(n3, "users", ids, 20*time.Second)

	// Fewer writes than the log keeps: n3 catches up from the log.
	n3.kill()
	insert(1, 20)
	c.waitHas(n2, "users", ids, 20*time.Second)
	// Restarted on its data without --join: the raft state says which
	// cluster it is in.
	n3.flags = small
	c.restart(n3)
	c.waitSameState(c.waitLeader(n1, n2, n3), n1, n2, n3)

	// ~200 entries with a threshold of 64: the leader snapshots and
	// compacts its log, so a node added now must be sent the snapshot.
	insert(2, 150)
	c.write("update", func(ctx context.Context, cl *store.Client) error {
		n, err := cl.Update(ctx, "users", map[string]any{"seq": map[string]any{"$lt": 5}}, map[string]any{"name": "updated"})
		if err == nil && n != 15 {
			t.Errorf("update: %d documents, want 15", n)
		}
		return err
	})
	ambiguous := false
	c.write("delete", func(ctx context.Context, cl *store.Client) error {
		n, err := cl.Delete(ctx, "users", map[string]any{"seq": map[string]any{"$gte": 140}})
		if err == nil && n != 10 && !(ambiguous && n == 0) {
			t.Errorf("delete: %d documents, want 10", n)
		}
		ambiguous = ambiguous || err != nil
		return err
	})
	ids = ids[:len(ids)-10] // seq 140 to 149 of insert(2, 150): deleted
	c.create("extra", map[string]string{"k": "*str", "name": "str"})
	c.insert("extra", map[string]any{"k": "v", "name": "extra"})
	leader := c.waitLeader(n1, n2, n3)
	c.waitSnapshot(leader, 30*time.Second)

	n4 := c.start("n4", "--join", leader.addr) // the default threshold: it takes no snapshot of its own
	c.waitMembers(n1, n2, n3, n4)
	c.waitSameState(leader, n4)
	if snaps := snapshots(n4.dir); len(snaps) == 0 {
		t.Errorf("n4 caught up with no snapshot in %s: it replayed the log instead of receiving the leader's snapshot (InstallSnapshot)", filepath.Join(n4.dir, "raft", "snapshots"))
	} else {
		t.Logf("n4 received snapshot %s", snaps[0])
	}
	// And it follows the writes after it.
	insert(3, 5)
	c.waitHas(n4, "users", ids, 20*time.Second)
	c.waitSameState(c.waitLeader(n1, n2, n3, n4), n1, n2, n3, n4)
}

// Scenario (c): the leader is killed three times under a write load from
// several clients; each time a new leader is elected, every write that
// was acknowledged is on every surviving node, and the killed node comes
// back and catches up.
func testLeaderKilledUnderLoad(t *testing.T, bin string) {
	c := newCluster(t, bin)
	n1, n2, n3 := c.startThree()
	nodes := []*node{n1, n2, n3}
	c.create("users", usersSchema)

	acks := &ackLog{kos: map[string]int{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	stopWriters := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopWriters) // before the nodes are killed (cleanups run last first)
	addrs := []string{n1.addr, n2.addr, n3.addr}
	const writers = 4
	for w := range writers {
		wg.Go(func() { writer(w, addrs, acks, stop) })
	}
	c.waitAcks(acks, 50, 15*time.Second)

	var failovers []time.Duration
	for round := 1; round <= 3; round++ {
		// The leader, under load, still the leader a moment before the
		// kill (a stalled machine moves leadership on its own). Its term
		// tells the new leader from an earlier one.
		var leader *node
		var st nodeStatus
		for try := 0; ; try++ {
			leader = c.waitLeader(nodes...)
			c.waitAcks(acks, acks.count()+30, 15*time.Second)
			var err error
			if st, err = status(leader.addr); err == nil && st.State == "leader" {
				break
			}
			if try == 5 {
				t.Fatalf("kill %d: the leader keeps changing: %s is %q (%v)", round, leader.name, st.State, err)
			}
		}
		var survivors []*node
		for _, n := range nodes {
			if n != leader {
				survivors = append(survivors, n)
			}
		}
		killed := time.Now()
		leader.kill()
		if err := probe(round, survivors, acks, 30*time.Second); err != nil {
			t.Fatalf("kill %d (leader %s): no write acknowledged by the survivors: %v", round, leader.name, err)
		}
		failover := acks.firstAckSentAfter(killed).Sub(killed)
		failovers = append(failovers, failover)
		next := c.waitLeader(survivors...)
		if nst, err := status(next.addr); err != nil || nst.Term <= st.Term {
			t.Errorf("kill %d: the new leader %s is in term %d (%v), the killed one was in term %d", round, next.name, nst.Term, err, st.Term)
		}
		t.Logf("kill %d: SIGKILL of leader %s, new leader %s: failover (SIGKILL to the first acknowledged write) %v",
			round, leader.name, next.name, failover.Round(time.Millisecond))

		// Every write acknowledged so far, the last ones before the
		// kill included, is on both survivors.
		want := acks.ids()
		for _, s := range survivors {
			c.waitHas(s, "users", want, 20*time.Second)
		}
		c.restart(leader)
		c.waitMembers(nodes...)
	}
	c.waitAcks(acks, acks.count()+30, 15*time.Second)
	stopWriters()

	want := acks.ids()
	for _, n := range nodes {
		c.waitHas(n, "users", want, 20*time.Second)
	}
	leader := c.waitLeader(nodes...)
	c.waitSameState(leader, nodes...)
	// Each writer sends each document once: a document stored twice was
	// applied twice.
	got, err := docs(leader.addr, "users")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for id, d := range got {
		key := fmt.Sprint(d["w"], "/", d["seq"])
		if other, dup := seen[key]; dup {
			t.Errorf("document w/seq %s is stored twice: _id %s and %s", key, other, id)
		}
		seen[key] = id
	}
	acks.mu.Lock()
	t.Logf("%d writes acknowledged by %d clients (%d stored); failovers %v; refused: %v; connection errors: %d",
		len(acks.acks), writers, len(got), failovers, acks.kos, acks.connErrs)
	acks.mu.Unlock()
}

// Scenario (d): with a follower stopped (SIGSTOP), writes still commit on
// the majority and status reports the member unreachable; once it runs
// again (SIGCONT) it catches up.
func testSlowFollower(t *testing.T, bin string) {
	c := newCluster(t, bin)
	n1, n2, n3 := c.startThree()

	c.create("users", usersSchema)
	var ids []string
	insert := func(w, n int) time.Duration {
		t.Helper()
		start := time.Now()
		for i := range n {
			ids = append(ids, c.insert("users", doc(w, i)))
		}
		return time.Since(start)
	}
	insert(0, 5)
	c.waitHas(n3, "users", ids, 20*time.Second)

	n3.signal(syscall.SIGSTOP)
	took := insert(1, 50)
	t.Logf("50 writes with follower n3 stopped: %v", took.Round(time.Millisecond))
	c.write("update", func(ctx context.Context, cl *store.Client) error {
		n, err := cl.Update(ctx, "users", map[string]any{"w": 0}, map[string]any{"name": "while n3 slept"})
		if err == nil && n != 5 {
			t.Errorf("update with n3 stopped: %d documents, want 5", n)
		}
		return err
	})
	c.waitFor(15*time.Second, "the leader's status to report stopped n3 unreachable", func() error {
		leader := c.waitLeader(n1, n2)
		start := time.Now()
		st, err := status(leader.addr)
		took := time.Since(start)
		if err != nil {
			return err
		}
		if took > 4*time.Second {
			t.Errorf("status took %v with a member stopped, want about its 1s timeout", took)
		}
		var states, want []string
		for _, n := range []*node{n1, n2, n3} {
			m, _ := st.member(n.addr)
			states = append(states, n.name+"="+m.State)
			w := map[bool]string{true: "leader", false: "follower"}[n == leader]
			if n == n3 {
				w = "unreachable"
			}
			want = append(want, n.name+"="+w)
		}
		if !slices.Equal(states, want) {
			return fmt.Errorf("members %v, want %v (status %+v)", states, want, st)
		}
		t.Logf("status with n3 stopped took %v: %v", took.Round(time.Millisecond), states)
		return nil
	})
	// The other follower has the writes; the stopped one cannot.
	c.waitHas(n2, "users", ids, 20*time.Second)

	n3.signal(syscall.SIGCONT)
	leader := c.waitLeader(n1, n2, n3)
	c.waitSameState(leader, n3)
	c.waitMembers(n1, n2, n3)
	insert(2, 5)
	c.waitSameState(c.waitLeader(n1, n2, n3), n1, n2, n3)
}

// A data directory from before replication (store.db alone) is adopted:
// its documents are served, and a node that joins receives them. A data
// directory served on another address than its own is refused.
func testMigration(t *testing.T, bin string) {
	c := newCluster(t, bin)
	dir := filepath.Join(c.root, "n1")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(dir, "store.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	schema, err := store.ParseSchema(usersSchema)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Create("users", schema); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 30 {
		id, err := db.Insert("users", doc(0, i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	n1 := c.start("n1")
	c.waitLeader(n1)
	got, err := docs(n1.addr, "users")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Fatalf("the adopted store serves %d documents, want %d", len(got), len(ids))
	}
	n2 := c.start("n2", "--join", n1.addr)
	c.waitMembers(n1, n2)
	c.waitSameState(n1, n2)
	id := c.insert("users", doc(1, 0))
	c.waitHas(n2, "users", append(ids, id), 20*time.Second)

	// A data directory keeps its node's address: served on another, it
	// is refused, naming both.
	n2.kill()
	ports := freePorts(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "serve", "store", "--data", n2.dir, "--listen", ports[0], "--raft", ports[1]).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || ctx.Err() != nil || !strings.Contains(string(out), n2.addr) || !strings.Contains(string(out), ports[0]) {
		t.Errorf("n2's directory served on %s instead of %s: %v (context: %v), output:\n%s", ports[0], n2.addr, err, ctx.Err(), out)
	}
}

// badWritesAmongGood sends good inserts and bad writes from 4 clients at
// once through addr, and returns the _ids of the good ones. The bad ones
// must be refused as such; the good ones may only fail for a change of
// leader.
func badWritesAmongGood(t *testing.T, addr string) []string {
	bad := []struct {
		what string
		call func(ctx context.Context, cl *store.Client) error
	}{
		{"insert into a collection that does not exist", func(ctx context.Context, cl *store.Client) error {
			_, err := cl.Insert(ctx, "nosuch", map[string]any{"a": 1})
			return err
		}},
		{"insert of a string into an int field", func(ctx context.Context, cl *store.Client) error {
			_, err := cl.Insert(ctx, "users", map[string]any{"w": "x"})
			return err
		}},
		{"insert of a field not in the schema", func(ctx context.Context, cl *store.Client) error {
			_, err := cl.Insert(ctx, "users", map[string]any{"nosuchfield": 1})
			return err
		}},
		{"update of an int field to a string", func(ctx context.Context, cl *store.Client) error {
			_, err := cl.Update(ctx, "users", map[string]any{"w": 0}, map[string]any{"w": "x"})
			return err
		}},
		{"update of a collection that does not exist", func(ctx context.Context, cl *store.Client) error {
			_, err := cl.Update(ctx, "nosuch", nil, map[string]any{"a": 1})
			return err
		}},
		{"delete in a collection that does not exist", func(ctx context.Context, cl *store.Client) error {
			_, err := cl.Delete(ctx, "nosuch", nil)
			return err
		}},
		{"destroy of a collection that does not exist", func(ctx context.Context, cl *store.Client) error {
			return cl.Destroy(ctx, "nosuch")
		}},
		{"create of a collection that exists", func(ctx context.Context, cl *store.Client) error {
			return cl.Create(ctx, "users", map[string]string{"k": "str"})
		}},
	}
	var mu sync.Mutex
	var good []string
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cl, err := store.Dial(ctx, addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer cl.Close()
			for i := range 16 {
				id, err := cl.Insert(ctx, "users", doc(10+w, i))
				if err == nil {
					mu.Lock()
					good = append(good, id)
					mu.Unlock()
				} else if again, _ := leaderTrouble(err); !again {
					t.Errorf("a good insert among bad writes: %v", err)
					return
				}
				b := bad[(w+i)%len(bad)]
				err = b.call(ctx, cl)
				var ko *store.KOError
				if again, _ := leaderTrouble(err); !again && (!errors.As(err, &ko) || strings.Contains(ko.Reason, "node failed")) {
					t.Errorf("%s: %v, want a ko of the request", b.what, err)
					return
				}
			}
		})
	}
	wg.Wait()
	return good
}

var usersSchema = map[string]string{"w": "*int", "seq": "int", "name": "str"}

// doc is writer w's document number seq.
func doc(w, seq int) map[string]any {
	return map[string]any{"w": w, "seq": seq, "name": fmt.Sprintf("w%d-%d", w, seq)}
}

// buildWirectl builds this package's command into a temporary directory.
func buildWirectl(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go") // go test puts its own go first in PATH
	if err != nil {
		t.Skipf("no go command to build wirectl with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "wirectl")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// A cluster is the nodes of one test, killed when it ends.
type cluster struct {
	t     *testing.T
	bin   string
	root  string // one directory per node
	nodes []*node
	cl    *store.Client // for c.write: connected to a node, following hints
}

// startThree starts n1, which leads a cluster of its own, and n2 and n3,
// which join it, each with the flags, and waits until all three are
// members.
func (c *cluster) startThree(flags ...string) (n1, n2, n3 *node) {
	c.t.Helper()
	n1 = c.start("n1", flags...)
	c.waitLeader(n1)
	n2 = c.start("n2", append([]string{"--join", n1.addr}, flags...)...)
	n3 = c.start("n3", append([]string{"--join", n1.addr}, flags...)...)
	c.waitMembers(n1, n2, n3)
	return n1, n2, n3
}

func newCluster(t *testing.T, bin string) *cluster {
	c := &cluster{t: t, bin: bin, root: t.TempDir()}
	t.Cleanup(c.cleanup) // runs before root is removed
	return c
}

func (c *cluster) cleanup() {
	if c.cl != nil {
		c.cl.Close()
	}
	for _, n := range c.nodes {
		if err := n.stop(); err != nil {
			c.t.Error(err)
		}
	}
	if !c.t.Failed() {
		return
	}
	for _, n := range c.nodes {
		out := n.log.String()
		const most = 24 << 10
		if len(out) > most {
			out = "[...]" + out[len(out)-most:]
		}
		c.t.Logf("%s (store %s, raft %s) output:\n%s", n.name, n.addr, n.raft, out)
	}
}

// A node is one wirectl serve store process, and its restarts.
type node struct {
	c     *cluster
	name  string
	dir   string
	addr  string // the store address, which is also its raft id
	raft  string
	flags []string // after --data, --listen and --raft
	log   lockedBuffer

	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	paused bool          // by SIGSTOP
}

// start starts a node on new ports in root/name and waits until it
// answers ["status"].
func (c *cluster) start(name string, flags ...string) *node {
	c.t.Helper()
	ports := freePorts(c.t, 2)
	n := &node{c: c, name: name, dir: filepath.Join(c.root, name), addr: ports[0], raft: ports[1], flags: flags}
	if err := os.MkdirAll(n.dir, 0o755); err != nil {
		c.t.Fatal(err)
	}
	c.nodes = append(c.nodes, n)
	c.restart(n)
	return n
}

// restart starts n's process again, on the same directory and ports.
func (c *cluster) restart(n *node) {
	c.t.Helper()
	args := append([]string{"serve", "store", "--data", n.dir, "--listen", n.addr, "--raft", n.raft}, n.flags...)
	cmd := exec.Command(c.bin, args...)
	cmd.Stdout, cmd.Stderr = &n.log, &n.log
	fmt.Fprintf(&n.log, "=== %s wirectl %s\n", stamp(), strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		err := cmd.Wait()
		fmt.Fprintf(&n.log, "=== %s exited: %v\n", stamp(), err)
		close(exited)
	}()
	n.cmd, n.exited = cmd, exited
	c.waitFor(15*time.Second, n.name+" to answer [\"status\"]", func() error {
		select {
		case <-exited:
			c.t.Fatalf("%s exited before it answered:\n%s", n.name, n.log.String())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		cl, err := store.Dial(ctx, n.addr)
		if err != nil {
			return err
		}
		defer cl.Close()
		_, err = cl.Status(ctx)
		return err
	})
}

func stamp() string { return time.Now().Format("15:04:05.000") }

// kill kills n with SIGKILL and waits until it is gone.
func (n *node) kill() {
	n.c.t.Helper()
	fmt.Fprintf(&n.log, "=== %s SIGKILL\n", stamp())
	if err := n.stop(); err != nil {
		n.c.t.Fatal(err)
	}
}

func (n *node) stop() error {
	if n.cmd == nil {
		return nil
	}
	n.cmd.Process.Kill() // also ends a stopped process
	select {
	case <-n.exited:
		n.cmd = nil
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("%s (pid %d) did not exit within 10s of SIGKILL", n.name, n.cmd.Process.Pid)
	}
}

func (n *node) signal(sig syscall.Signal) {
	n.c.t.Helper()
	fmt.Fprintf(&n.log, "=== %s %v\n", stamp(), sig)
	if err := syscall.Kill(n.cmd.Process.Pid, sig); err != nil {
		n.c.t.Fatalf("%s: %v: %v", n.name, sig, err)
	}
	n.paused = sig == syscall.SIGSTOP
}

// isHint reports whether reason is the ko of a write sent to follower f:
// "not leader; leader is HOST:PORT", another member, or "not leader; no
// leader elected yet".
func (c *cluster) isHint(reason string, f *node) bool {
	if reason == "not leader; no leader elected yet" {
		return true
	}
	for _, n := range c.nodes {
		if n != f && reason == "not leader; leader is "+n.addr {
			return true
		}
	}
	return false
}

// leaderTrouble reports whether a request failed because of a change of
// leader or a stalled node (retry), and whether it may have been applied
// all the same. A loaded machine can stall a node past raft's one-second
// timeouts and have the leader step down: the scenarios' own writes go
// again then, and the tests fail only on what should not happen at all.
func leaderTrouble(err error) (retry, maybeApplied bool) {
	var ko *store.KOError
	switch {
	case err == nil:
		return false, false
	case !errors.As(err, &ko):
		return true, true // connection broken, timed out: who knows
	case strings.HasPrefix(ko.Reason, "not leader; "):
		return true, false
	case strings.Contains(ko.Reason, "may or may not have been applied"):
		return true, true
	}
	return false, false // a ko of the request itself
}

// retry calls fn until it returns nil, again after each error of leader
// trouble (logged), for 45s at most.
func (c *cluster) retry(what string, fn func(ctx context.Context) error) {
	c.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := fn(ctx)
		cancel()
		if err == nil {
			return
		}
		if again, _ := leaderTrouble(err); !again {
			c.t.Fatalf("%s: %v", what, err)
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: still failing after 45s: %v", what, err)
		}
		c.t.Logf("%s: %v; again", what, err)
		time.Sleep(200 * time.Millisecond)
	}
}

// write is retry with a client connected to a running node, which
// follows hints to the leader.
func (c *cluster) write(what string, fn func(ctx context.Context, cl *store.Client) error) {
	c.t.Helper()
	c.retry(what, func(ctx context.Context) error {
		if c.cl == nil {
			var err error
			for _, n := range c.nodes {
				if n.cmd == nil || n.paused {
					continue
				}
				if c.cl, err = store.Dial(ctx, n.addr); err == nil {
					break
				}
			}
			if c.cl == nil {
				return fmt.Errorf("no node to connect to: %w", err)
			}
		}
		err := fn(ctx, c.cl)
		if !errors.As(err, new(*store.KOError)) && err != nil {
			c.cl.Close() // broken
			c.cl = nil
		}
		return err
	})
}

// create creates col, once.
func (c *cluster) create(col string, schema map[string]string) {
	c.t.Helper()
	ambiguous := false
	c.write("create "+col, func(ctx context.Context, cl *store.Client) error {
		err := cl.Create(ctx, col, schema)
		if ambiguous && err != nil && strings.Contains(err.Error(), "collection already exists") {
			return nil // an earlier attempt got through
		}
		_, maybe := leaderTrouble(err)
		ambiguous = ambiguous || maybe
		return err
	})
}

// insert inserts d, whose name must be unique, once, and returns its _id.
func (c *cluster) insert(col string, d map[string]any) string {
	c.t.Helper()
	var id string
	ambiguous := false
	c.write(fmt.Sprintf("insert %v", d["name"]), func(ctx context.Context, cl *store.Client) error {
		if ambiguous { // did an earlier attempt get through?
			ds, err := cl.SearchLinearizable(ctx, col, map[string]any{"name": d["name"]}, 0, 0)
			if err != nil {
				return err
			}
			if len(ds) > 0 {
				id, _ = ds[0]["_id"].(string)
				return nil
			}
		}
		var err error
		id, err = cl.Insert(ctx, col, d)
		_, maybe := leaderTrouble(err)
		ambiguous = ambiguous || maybe
		return err
	})
	return id
}

// freePorts returns k distinct 127.0.0.1 addresses that were free a
// moment ago: listened on all at once, then let go.
func freePorts(t *testing.T, k int) []string {
	t.Helper()
	var addrs []string
	for range k {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		addrs = append(addrs, l.Addr().String())
	}
	return addrs
}

// waitFor calls fn every 50ms until it returns nil, failing the test
// with fn's last error after d.
func (c *cluster) waitFor(d time.Duration, what string, fn func() error) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("waited %v for %s: %v", d, what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitLeader waits until the nodes agree on a leader among them, which
// says it is the leader, and returns it.
func (c *cluster) waitLeader(nodes ...*node) *node {
	c.t.Helper()
	var leader *node
	c.waitFor(30*time.Second, "a leader among "+names(nodes), func() error {
		var err error
		leader, _, err = agreedLeader(nodes)
		return err
	})
	return leader
}

// agreedLeader returns the leader the nodes agree on, and its status.
func agreedLeader(nodes []*node) (*node, nodeStatus, error) {
	var leader *node
	var leaderStatus nodeStatus
	var seen []string
	for _, n := range nodes {
		st, err := status(n.addr)
		if err != nil {
			return nil, st, fmt.Errorf("%s: %v", n.name, err)
		}
		seen = append(seen, fmt.Sprintf("%s: %s, leader %q", n.name, st.State, st.Leader))
		if leader == nil {
			for _, m := range nodes {
				if m.addr == st.Leader {
					leader = m
				}
			}
		}
		if leader == nil || st.Leader != leader.addr || (n == leader) != (st.State == "leader") {
			return nil, st, fmt.Errorf("no agreement: %s", strings.Join(seen, "; "))
		}
		if n == leader {
			leaderStatus = st
		}
	}
	return leader, leaderStatus, nil
}

// waitMembers waits until the members agree on a leader, whose status
// lists exactly them, each reachable and a voter, and returns the leader.
func (c *cluster) waitMembers(members ...*node) *node {
	c.t.Helper()
	var leader *node
	c.waitFor(30*time.Second, "members "+names(members)+" following a leader", func() error {
		var st nodeStatus
		var err error
		if leader, st, err = agreedLeader(members); err != nil {
			return err
		}
		var got, want []string
		for _, m := range st.Members {
			got = append(got, m.ID+"="+m.State+" "+m.Suffrage)
		}
		for _, n := range members {
			// A joining node is a nonvoter until it has caught up.
			want = append(want, n.addr+"="+map[bool]string{true: "leader", false: "follower"}[n == leader]+" voter")
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return fmt.Errorf("leader %s's members are %v, want %v", leader.name, got, want)
		}
		return nil
	})
	return leader
}

// waitHas waits until n's col holds every one of ids.
func (c *cluster) waitHas(n *node, col string, ids []string, d time.Duration) {
	c.t.Helper()
	c.waitFor(d, fmt.Sprintf("%d documents on %s", len(ids), n.name), func() error {
		got, err := docs(n.addr, col)
		if err != nil {
			return err
		}
		var missing []string
		for _, id := range ids {
			if got[id] == nil {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%d of them missing (of %d stored), such as %s", len(missing), len(got), missing[0])
		}
		return nil
	})
}

// waitSameState waits until every node holds what ref holds: the same
// collections with the same schemas and documents.
func (c *cluster) waitSameState(ref *node, nodes ...*node) {
	c.t.Helper()
	c.waitFor(30*time.Second, "the state of "+ref.name+" on "+names(nodes), func() error {
		want, err := state(ref.addr)
		if err != nil {
			return fmt.Errorf("%s: %v", ref.name, err)
		}
		for _, n := range nodes {
			if n == ref {
				continue
			}
			got, err := state(n.addr)
			if err != nil {
				return fmt.Errorf("%s: %v", n.name, err)
			}
			if !reflect.DeepEqual(got, want) {
				return fmt.Errorf("%s holds %s, %s holds %s", n.name, summary(got), ref.name, summary(want))
			}
		}
		return nil
	})
}

// waitSnapshot waits until n has a snapshot in its data directory.
func (c *cluster) waitSnapshot(n *node, d time.Duration) {
	c.t.Helper()
	c.waitFor(d, "a snapshot on "+n.name, func() error {
		if len(snapshots(n.dir)) == 0 {
			return fmt.Errorf("none in %s", filepath.Join(n.dir, "raft", "snapshots"))
		}
		return nil
	})
}

// snapshots lists the complete raft snapshots in a data directory.
func snapshots(dir string) []string {
	metas, _ := filepath.Glob(filepath.Join(dir, "raft", "snapshots", "*", "meta.json"))
	var out []string
	for _, m := range metas {
		if d := filepath.Dir(m); !strings.HasSuffix(d, ".tmp") {
			out = append(out, filepath.Base(d))
		}
	}
	return out
}

func (c *cluster) waitAcks(acks *ackLog, n int, d time.Duration) {
	c.t.Helper()
	c.waitFor(d, fmt.Sprintf("%d acknowledged writes", n), func() error {
		if got := acks.count(); got < n {
			acks.mu.Lock()
			defer acks.mu.Unlock()
			return fmt.Errorf("%d so far; refused: %v; connection errors: %d", got, acks.kos, acks.connErrs)
		}
		return nil
	})
}

func names(nodes []*node) string {
	var s []string
	for _, n := range nodes {
		s = append(s, n.name)
	}
	return strings.Join(s, ",")
}

// dial is a client of addr, closed when the test ends.
func dial(t *testing.T, addr string) *store.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cl, err := store.Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// raw sends one request on a connection of its own and returns the
// response as it came: no hint is followed.
func raw(addr string, d time.Duration, op string, args ...any) (store.Response, error) {
	nc, err := net.DialTimeout("tcp", addr, d)
	if err != nil {
		return store.Response{}, err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(d))
	req, err := store.AppendRequest(nil, op, args...)
	if err != nil {
		return store.Response{}, err
	}
	if err := framing.NewWriter(nc, framing.BE16).WriteFrame(req); err != nil {
		return store.Response{}, err
	}
	p, err := framing.NewReader(nc, framing.BE16, framing.MaxFrame(store.MaxMessage)).ReadFrame()
	if err != nil {
		return store.Response{}, err
	}
	return store.ParseResponse(p)
}

// nodeStatus is the result of ["status"].
type nodeStatus struct {
	ID           string         `json:"id"`
	State        string         `json:"state"`
	Leader       string         `json:"leader"`
	Term         uint64         `json:"term"`
	AppliedIndex uint64         `json:"applied_index"`
	CommitIndex  uint64         `json:"commit_index"`
	Members      []memberStatus `json:"members"`
}

type memberStatus struct {
	ID           string `json:"id"`
	RaftAddress  string `json:"raft_address"`
	Suffrage     string `json:"suffrage"`
	State        string `json:"state"`
	AppliedIndex uint64 `json:"applied_index"`
	Error        string `json:"error"`
}

func (st nodeStatus) member(id string) (memberStatus, bool) {
	for _, m := range st.Members {
		if m.ID == id {
			return m, true
		}
	}
	return memberStatus{}, false
}

func status(addr string) (nodeStatus, error) {
	var st nodeStatus
	resp, err := raw(addr, 5*time.Second, "status")
	if err != nil {
		return st, err
	}
	if !resp.OK {
		return st, &store.KOError{Reason: resp.Reason}
	}
	if err := json.Unmarshal(resp.Result, &st); err != nil {
		return st, fmt.Errorf("status result %s: %v", resp.Result, err)
	}
	return st, nil
}

// docs returns the documents of col on addr (a local read), by _id.
func docs(addr, col string) (map[string]map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := store.Dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	return colDocs(ctx, cl, col)
}

func colDocs(ctx context.Context, cl *store.Client, col string) (map[string]map[string]any, error) {
	const page = 300 // well under the 64 KiB response limit
	out := map[string]map[string]any{}
	for skip := 0; ; skip += page {
		ds, err := cl.Search(ctx, col, nil, page, skip)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			id, _ := d["_id"].(string)
			out[id] = d
		}
		if len(ds) < page {
			return out, nil
		}
	}
}

type colState struct {
	Schema map[string]string
	Docs   map[string]map[string]any
}

// state is every collection on addr with its documents.
func state(addr string) (map[string]colState, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := store.Dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	desc, err := cl.Describe(ctx, "")
	if err != nil {
		return nil, err
	}
	out := map[string]colState{}
	for col, d := range desc {
		ds, err := colDocs(ctx, cl, col)
		if err != nil {
			return nil, err
		}
		out[col] = colState{Schema: d.Schema, Docs: ds}
	}
	return out, nil
}

func summary(s map[string]colState) string {
	var parts []string
	for col, cs := range s {
		parts = append(parts, fmt.Sprintf("%s: %d documents", col, len(cs.Docs)))
	}
	slices.Sort(parts)
	return "{" + strings.Join(parts, ", ") + "}"
}

// ackLog records the writes of the load: every acknowledged insert, and
// what went wrong with the others.
type ackLog struct {
	mu       sync.Mutex
	acks     []ack
	kos      map[string]int // refusal reasons, hints folded together
	connErrs int
}

type ack struct {
	id          string
	sent, acked time.Time
}

func (l *ackLog) add(id string, sent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acks = append(l.acks, ack{id, sent, time.Now()})
}

func (l *ackLog) failed(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ko *store.KOError
	if errors.As(err, &ko) {
		reason := ko.Reason
		if strings.HasPrefix(reason, "not leader; leader is ") {
			reason = "not leader; leader is …"
		}
		l.kos[reason]++
	} else {
		l.connErrs++
	}
}

func (l *ackLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acks)
}

func (l *ackLog) ids() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ids []string
	for _, a := range l.acks {
		ids = append(ids, a.id)
	}
	return ids
}

// firstAckSentAfter is when the first write sent after t was
// acknowledged: a node that died at t cannot have acknowledged it.
func (l *ackLog) firstAckSentAfter(t time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	var first time.Time
	for _, a := range l.acks {
		if a.sent.After(t) && (first.IsZero() || a.acked.Before(first)) {
			first = a.acked
		}
	}
	return first
}

// writer inserts documents until stop, each once: a write that fails is
// not sent again (it may have been applied) but the next one is. On a
// connection error it moves to the next node; the client follows hints
// by itself.
func writer(w int, addrs []string, acks *ackLog, stop <-chan struct{}) {
	var cl *store.Client
	defer func() {
		if cl != nil {
			cl.Close()
		}
	}()
	next := w
	for seq := 0; ; seq++ {
		select {
		case <-stop:
			return
		default:
		}
		if cl == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			var err error
			cl, err = store.Dial(ctx, addrs[next%len(addrs)])
			cancel()
			next++
			if err != nil {
				cl = nil
				acks.failed(err)
				time.Sleep(20 * time.Millisecond)
				continue
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		sent := time.Now()
		id, err := cl.Insert(ctx, "users", doc(w+1, seq))
		cancel()
		if err == nil {
			acks.add(id, sent)
			continue
		}
		acks.failed(err)
		if !errors.As(err, new(*store.KOError)) {
			cl.Close()
			cl = nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// probe writes through each survivor in turn until one write is
// acknowledged. Its documents are writer -round's.
func probe(round int, survivors []*node, acks *ackLog, d time.Duration) error {
	deadline := time.Now().Add(d)
	var last error
	// Every attempt sends a new document: one that failed (a timeout, a
	// lost leadership) may still have been applied.
	seq := 0
	for time.Now().Before(deadline) {
		for _, s := range survivors {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			cl, err := store.Dial(ctx, s.addr)
			if err == nil {
				sent := time.Now()
				var id string
				id, err = cl.Insert(ctx, "users", doc(-round, seq))
				seq++
				cl.Close()
				if err == nil {
					cancel()
					acks.add(id, sent)
					return nil
				}
			}
			cancel()
			last = err
		}
		time.Sleep(10 * time.Millisecond)
	}
	return last
}
