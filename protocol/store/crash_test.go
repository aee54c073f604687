package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// crashEnv names the DB file TestCrashServerProcess serves; set only in
// the server process TestCrashDurability starts.
const crashEnv = "WIREKIT_STORE_CRASH_DB"

// TestCrashServerProcess is the server process of TestCrashDurability:
// it serves the DB named by $WIREKIT_STORE_CRASH_DB on 127.0.0.1, prints
// "ADDR host:port" and serves until it is killed.
func TestCrashServerProcess(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("the server process of TestCrashDurability")
	}
	db, err := Open(path, Options{LockTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ADDR %s\n", l.Addr())
	t.Fatal((&Server{DB: db}).Serve(l))
}

// lockedBuffer collects a child's output while the test polls it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startCrashServer runs the test binary as a server process of the DB at
// path and returns it with its address.
func startCrashServer(t *testing.T, path string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashServerProcess$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		for line := range strings.Lines(out.String()) {
			if addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ADDR "); ok {
				return cmd, addr
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the server process did not start; its output:\n%s", out)
	return nil, ""
}

// TestCrashDurability kills the server process with SIGKILL while 16
// clients insert, and checks after a restart on the same file that every
// insert that was answered ok is there and that the file is sound.
func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	ctx, cancel := context.WithTimeout(context.Background(), 4*testTimeout)
	defer cancel()

	acked := map[string]int64{} // _id -> n of every insert answered ok
	var next atomic.Int64

	verify := func(addr string) {
		t.Helper()
		c, err := Dial(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		desc, err := c.Describe(ctx, "crash")
		if err != nil {
			t.Fatal(err)
		}
		if n := desc["crash"].Count; n < len(acked) {
			t.Errorf("the collection holds %d documents, fewer than the %d acknowledged", n, len(acked))
		}
		lost := 0
		for id, n := range acked {
			docs, err := c.Search(ctx, "crash", map[string]any{"_id": id}, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != 1 || docs[0]["n"] != json.Number(strconv.FormatInt(n, 10)) {
				lost++
				if lost <= 5 {
					t.Errorf("acknowledged insert %s (n=%d): found %v", id, n, docs)
				}
			}
		}
		if lost > 0 {
			t.Fatalf("%d of %d acknowledged inserts lost or wrong", lost, len(acked))
		}
	}

	const rounds, clients = 3, 16
	for round := range rounds {
		cmd, addr := startCrashServer(t, path)
		if round == 0 {
			c, err := Dial(ctx, addr)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Create(ctx, "crash", map[string]string{"n": "*int", "w": "str"}); err != nil {
				t.Fatal(err)
			}
			c.Close()
		} else {
			verify(addr)
		}

		before := len(acked)
		var mu sync.Mutex // guards acked while the clients run
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				c, err := Dial(ctx, addr)
				if err != nil {
					return // the kill came first
				}
				defer c.Close()
				for {
					n := next.Add(1)
					id, err := c.Insert(ctx, "crash", map[string]any{"n": n, "w": "some words to make a page split now and then"})
					if err != nil {
						return // killed; this one may or may not be stored
					}
					mu.Lock()
					acked[id] = n
					mu.Unlock()
				}
			})
		}
		wait := 50*time.Millisecond + time.Duration(rng.Int64N(int64(250*time.Millisecond)))
		time.Sleep(wait)
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		wg.Wait()
		cmd.Wait()
		t.Logf("round %d: killed after %v; %d inserts acknowledged so far (%d during the round)", round, wait, len(acked), len(acked)-before)
	}
	if len(acked) == 0 {
		t.Fatal("no insert was acknowledged in any round")
	}

	cmd, addr := startCrashServer(t, path)
	verify(addr)
	cmd.Process.Kill()
	cmd.Wait()

	// The file itself: bbolt's consistency check, and the index agrees
	// with a full scan.
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.bolt.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("bbolt check: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	all, err := db.Search("crash", Query{}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	indexed, err := db.Search("crash", mustQuery(t, `{"n":{"$gte":0}}`), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(indexed) || len(all) < len(acked) {
		t.Errorf("a scan finds %d documents, the index %d; %d were acknowledged", len(all), len(indexed), len(acked))
	}
}
