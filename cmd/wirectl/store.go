package main

import (
	"context"
	"errors"
	"log"
	"time"

	"github.com/spf13/cobra"

	"github.com/wirekit/wirekit/protocol/store"
)

// serveStoreCommand is "wirectl serve store".
func serveStoreCommand() *cobra.Command {
	var cfg store.NodeConfig
	cmd := &cobra.Command{
		Use:   "store --data DIR --listen ADDR [--join ADDR] [--raft ADDR] [--snapshot-threshold N]",
		Short: "Serve the JSON document store, replicated",
		Long: `serve store serves seed 001's document store on ADDR until interrupted; then it
finishes the requests in flight and exits. Each server is a member of a store
replicated with raft; alone, it is a cluster of one, and works as a single
store does. Every ok to a write is durable.

DIR holds store.db (the documents, a bbolt file) and raft/ (the log in
log.db, snapshots/, node-id). A DIR that holds only a store.db, from before
replication, is adopted on its first start: its documents become the first
snapshot of a new cluster. The --listen address is the node's id: a DIR keeps
the one it was first served on.

The first server, without --join, starts a cluster. Others join it with
--join ADDR (the store address of any member) and receive everything; a
server that restarts with its DIR rejoins and catches up, from the log or a
snapshot. Members talk raft on --raft ADDR, by default the host of --listen
and its port + 10000 (127.0.0.1:8000 → 127.0.0.1:18000).

Writes are taken by the leader; other members answer
["ko","not leader; leader is HOST:PORT"], which wirectl store and the Go
client follow. Any member answers reads from its own copy, which may be
behind the leader's on a follower; a search with {"linearizable": true} is
answered by the leader after every earlier write. ["status"] (status in
wirectl store) shows the leader and each member's state and applied index.`,
		Example: `  wirectl serve store --data db1 --listen 127.0.0.1:8000
  wirectl serve store --data db2 --listen 127.0.0.1:8001 --join 127.0.0.1:8000
  wirectl serve store --data db3 --listen 127.0.0.1:8002 --join 127.0.0.1:8000 --raft 127.0.0.1:9002`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.Dir == "" {
				return usagef("--data DIR is required")
			}
			cfg.Logger = log.New(cmd.ErrOrStderr(), "wirectl: ", log.LstdFlags)
			n, err := store.OpenNode(cfg)
			if errors.Is(err, store.ErrNodeConfig) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			defer n.Close()
			return serve(cmd, "the store in "+cfg.Dir+" (raft on "+n.RaftAddr()+")", cfg.Addr, &store.Server{Node: n, ErrorLog: cfg.Logger}, store.ErrServerClosed)
		},
	}
	cmd.Flags().StringVar(&cfg.Dir, "data", "", "the data directory (store.db and raft/)")
	cmd.Flags().StringVar(&cfg.Addr, "listen", "127.0.0.1:8000", "the store address to listen on: also the node's id, given to clients and members")
	cmd.Flags().StringVar(&cfg.Join, "join", "", "the store address of a member of the cluster to join")
	cmd.Flags().StringVar(&cfg.RaftAddr, "raft", "", "the raft address (default: the --listen host, its port + 10000)")
	cmd.Flags().Uint64Var(&cfg.SnapshotThreshold, "snapshot-threshold", 0, "take a snapshot every N log entries, and keep N entries of log behind it (default: 8192, keeping 10240)")
	return cmd
}

// storeCommand is "wirectl store ADDR", seed 001's REPL.
func storeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "store ADDR",
		Short: "A REPL on a document store server",
		Long: `store connects to a document store and reads commands, seed 001's:

` + store.REPLHelp,
		Example: `  wirectl store 127.0.0.1:8000
  db > addcol users *email=str,name=str,*age=int
  db > add users email=a name=a age=18
  db > search users age>10 age<20`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("store needs ADDR (host:port)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Second)
			c, err := store.Dial(ctx, args[0])
			cancel()
			if err != nil {
				return err
			}
			defer c.Close()
			return store.NewREPL(c).Run(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
}
