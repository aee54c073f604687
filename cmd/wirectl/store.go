package main

import (
	"context"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/wirekit/wirekit/protocol/store"
)

// serveStoreCommand is "wirectl serve store".
func serveStoreCommand() *cobra.Command {
	var data, listen, join string
	cmd := &cobra.Command{
		Use:   "store --data DIR --listen ADDR",
		Short: "Serve the JSON document store",
		Long: `serve store keeps a document store in DIR (a bbolt file, store.db) and serves
seed 001's protocol on ADDR until interrupted; then it finishes the writes in
flight and exits. Every ok to a write is durable.`,
		Example: `  wirectl serve store --data /var/lib/wirekit --listen 127.0.0.1:8000`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if join != "" {
				return usagef("--join: replication arrives with issue 12")
			}
			if data == "" {
				return usagef("--data DIR is required")
			}
			db, err := store.Open(filepath.Join(data, "store.db"), store.Options{})
			if err != nil {
				return err
			}
			defer db.Close()
			return serve(cmd, "the store in "+data, listen, &store.Server{DB: db}, store.ErrServerClosed)
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "the directory of the store's file")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8000", "address to listen on")
	cmd.Flags().StringVar(&join, "join", "", "a leader to follow (not yet: replication arrives with issue 12)")
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
