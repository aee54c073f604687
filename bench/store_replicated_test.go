package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirekit/wirekit/protocol/store"
)

// BenchmarkStoreReplicated is durable inserts from 16 clients at once,
// each on its own connection to a store server on loopback, which answers
// ok only once the insert is durable:
//
//   - impl=server: the server over a DB alone (the store before
//     replication): fsync, group commit;
//   - impl=raft-1: over a raft node that is a one-member cluster: the
//     insert is fsynced in the raft log, then applied to the store;
//   - impl=raft-3: over the leader of a three-node cluster (three nodes
//     in this process, raft over TCP on 127.0.0.1): the insert is in the
//     logs of two nodes, then applied on the leader.
//
// inserts/s is the throughput. Each setup starts once and serves every
// run of its benchmark, so later runs insert into a bigger store. An
// insert refused because the leader changed (raft's one-second timeouts
// can expire on a loaded machine) is sent again, and the run logs how
// many were.
func BenchmarkStoreReplicated(b *testing.B) {
	const clients = 16
	setups := []struct {
		name  string
		start func(dir string) (addr string, stop func() error, err error)
	}{
		{"server", startDBServer},
		{"raft-1", func(dir string) (string, func() error, error) { return startRaftCluster(dir, 1) }},
		{"raft-3", func(dir string) (string, func() error, error) { return startRaftCluster(dir, 3) }},
	}
	for _, s := range setups {
		dir := b.TempDir()
		var addr string
		var stop func() error
		var next atomic.Int64 // documents inserted, across runs
		b.Run("clients="+strconv.Itoa(clients)+"/impl="+s.name, func(b *testing.B) {
			if stop == nil {
				var err error
				if addr, stop, err = s.start(dir); err != nil {
					b.Fatal(err)
				}
				if err := createUsers(addr); err != nil {
					b.Fatal(err)
				}
			}
			cls := make([]*store.Client, clients)
			for i := range cls {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				var err error
				cls[i], err = store.Dial(ctx, addr)
				cancel()
				if err != nil {
					b.Fatal(err)
				}
				defer cls[i].Close()
			}
			var retried atomic.Int64
			insertLoad(b, clients, &next, func(c int, doc map[string]any) error {
				for {
					err := insertUser(cls[c], doc)
					if !leaderChanged(err) {
						return err
					}
					retried.Add(1)
					time.Sleep(20 * time.Millisecond)
				}
			})
			if n := retried.Load(); n > 0 {
				b.Logf("%d inserts sent again: the leader changed during the run", n)
			}
		})
		if stop != nil {
			if err := stop(); err != nil {
				b.Errorf("impl=%s: %v", s.name, err)
			}
		}
	}
}

// insertUser inserts doc into users, for 30s at most.
func insertUser(cl *store.Client, doc map[string]any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := cl.Insert(ctx, "users", doc)
	return err
}

// leaderChanged reports whether err is a ko of a replicated store whose
// leader changed before it wrote anything, so that sending the request
// again cannot write twice: the Client follows the new leader by itself
// when the answer names it. (ErrUnknownOutcome is not one: the write may
// have happened.)
func leaderChanged(err error) bool {
	var ko *store.KOError
	return errors.As(err, &ko) && strings.HasPrefix(ko.Reason, "not leader; ")
}

func createUsers(addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := store.Dial(ctx, addr)
	if err != nil {
		return err
	}
	defer cl.Close()
	for again := false; ; again = true {
		err := cl.Create(ctx, "users", map[string]string{"email": "*str", "name": "str", "age": "*int"})
		if again && err != nil && strings.Contains(err.Error(), "collection already exists") {
			return nil // an earlier attempt got through after all
		}
		if err == nil || !leaderChanged(err) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var discardLog = log.New(io.Discard, "", 0)

// returnsWithin runs fn, and reports it as stuck after d.
func returnsWithin(d time.Duration, what string, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		return fmt.Errorf("%s did not return within %v", what, d)
	}
}

// startDBServer serves a DB in dir on a loopback port.
func startDBServer(dir string) (string, func() error, error) {
	db, err := store.Open(filepath.Join(dir, "store.db"), store.Options{})
	if err != nil {
		return "", nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return "", nil, err
	}
	s := &store.Server{DB: db, ErrorLog: discardLog}
	go s.Serve(l)
	return l.Addr().String(), func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return errors.Join(s.Shutdown(ctx), db.Close())
	}, nil
}

// startRaftCluster starts size raft nodes on loopback ports, each with
// its server, the first bootstrapping the cluster and the others joining
// it, and returns the leader's store address once every node follows it.
func startRaftCluster(dir string, size int) (addr string, stop func() error, err error) {
	var nodes []*store.Node
	var servers []*store.Server
	stop = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var errs []error
		for _, s := range servers {
			errs = append(errs, s.Shutdown(ctx))
		}
		for i, n := range nodes {
			errs = append(errs, returnsWithin(30*time.Second, fmt.Sprintf("node %d's Close", i), n.Close))
		}
		return errors.Join(errs...)
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()
	for i := range size {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", nil, err
		}
		raftAddr, err := freeAddr()
		if err != nil {
			l.Close()
			return "", nil, err
		}
		cfg := store.NodeConfig{
			Dir:      filepath.Join(dir, "n"+strconv.Itoa(i)),
			Addr:     l.Addr().String(),
			RaftAddr: raftAddr,
			Join:     addr,
			Logger:   discardLog,
		}
		n, err := store.OpenNode(cfg)
		if err != nil {
			l.Close()
			return "", nil, err
		}
		nodes = append(nodes, n)
		s := &store.Server{Node: n, ErrorLog: discardLog}
		servers = append(servers, s)
		go s.Serve(l)
		if i == 0 {
			addr = cfg.Addr
			if err := waitUntil(10*time.Second, func() error {
				if n.Leader() != addr {
					return fmt.Errorf("leader %q", n.Leader())
				}
				return nil
			}); err != nil {
				return "", nil, fmt.Errorf("the first node did not become the leader: %w", err)
			}
		}
	}
	err = waitUntil(30*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		st, err := nodes[0].Status(ctx)
		if err != nil {
			return err
		}
		if len(st.Members) != size {
			return fmt.Errorf("%d members", len(st.Members))
		}
		for _, m := range st.Members {
			if m.State != "leader" && m.State != "follower" {
				return fmt.Errorf("member %s is %s", m.ID, m.State)
			}
		}
		return nil
	})
	if err != nil {
		return "", nil, fmt.Errorf("the cluster of %d did not form: %w", size, err)
	}
	return addr, stop, nil
}

// freeAddr is a loopback address that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitUntil(d time.Duration, fn func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := fn()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
