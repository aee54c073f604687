package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// server is what wirectl serve runs.
type server interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

// serve listens on addr and serves s there until SIGINT, SIGTERM or the
// end of cmd's context, then shuts it down, giving the work in flight 10
// seconds. closed is the error s.Serve returns after Shutdown.
func serve(cmd *cobra.Command, what, addr string, s server, closed error) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return usageError{err}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "wirectl: serving %s on %s\n", what, l.Addr())
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(shut); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, closed) {
		return err
	}
	return nil
}

// noArgs is the Args of a command that takes none.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}
